//! Email templates: a program's own wording of the emails its partners get (owners and
//! admins, who manage the program's settings), previewed with sample values before it is
//! saved.

use leptos::prelude::*;

use crate::dto::{EmailPreview, EmailTemplatesPage};
use crate::error::AppError;

#[cfg(feature = "ssr")]
mod shown {
    use domain::email::EmailKind;

    use crate::dto::{EmailPreview, EmailTemplateEditor, EmailTemplateRow};
    use crate::error::AppError;
    use crate::server::email_templates::Template;
    use crate::server::messages::Rendered;

    pub fn row(t: &Template) -> EmailTemplateRow {
        EmailTemplateRow {
            kind: t.kind.as_str().to_owned(),
            label: t.kind.label().to_owned(),
            sent_when: t.kind.sent_when().to_owned(),
            saved_at: t.updated_at.map(domain::time::format_minute),
        }
    }

    pub fn preview(r: Rendered) -> EmailPreview {
        EmailPreview {
            subject: r.subject,
            text: r.text,
        }
    }

    pub fn editor(t: &Template, program: &str) -> EmailTemplateEditor {
        let form = domain::email::WordingForm {
            subject: &t.wording.subject,
            text: &t.wording.text,
        };
        EmailTemplateEditor {
            row: row(t),
            subject: t.wording.subject.clone(),
            text: t.wording.text.clone(),
            placeholders: t
                .kind
                .placeholders()
                .iter()
                .map(|p| (p.name.to_owned(), p.meaning.to_owned()))
                .collect(),
            // A saved wording that no longer renders stays editable (and can be reset).
            preview: crate::server::email_templates::preview(t.kind, form, program).map(preview),
        }
    }

    /// A kind the program may reword, from its stored name.
    pub fn kind(name: &str) -> Result<EmailKind, AppError> {
        EmailKind::parse(name)
            .ok()
            .filter(|k| k.customizable())
            .ok_or_else(|| AppError::not_found("Email template"))
    }
}

/// The program's email templates, with `kind` (or the first) open in the editor.
#[server(prefix = "/api", endpoint = "email_templates")]
pub async fn fetch_email_templates(
    program: Option<i64>,
    kind: Option<String>,
) -> Result<EmailTemplatesPage, AppError> {
    use crate::server::{authz, email_templates, endpoint, require_teammate, viewer};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageProgramSettings).await?;
        let selected = authz::current_program(program)?;
        let mut page = EmailTemplatesPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: None,
            templates: Vec::new(),
            editing: None,
        };
        let Some(p) = selected else {
            return Ok(page);
        };
        let templates = email_templates::list(&state.db, p.id).await?;
        let open = match kind.as_deref() {
            Some(name) => Some(shown::kind(name)?),
            None => None,
        };
        page.editing = templates
            .iter()
            .find(|t| open.is_none_or(|k| k == t.kind))
            .map(|t| shown::editor(t, &p.name));
        page.templates = templates.iter().map(shown::row).collect();
        page.program = Some(p);
        Ok(page)
    })
    .await
}

/// Renders a wording (not saved) with sample values.
#[server(prefix = "/api", endpoint = "preview_email_template")]
pub async fn preview_email_template(
    program: i64,
    kind: String,
    subject: String,
    text: String,
) -> Result<EmailPreview, AppError> {
    use crate::server::{authz, email_templates, endpoint, require_teammate};
    use domain::email::WordingForm;
    use domain::permissions::Permission;

    endpoint(async move {
        require_teammate(Permission::ManageProgramSettings).await?;
        let program = authz::program(program)?;
        let kind = shown::kind(&kind)?;
        let form = WordingForm {
            subject: &subject,
            text: &text,
        };
        email_templates::preview(kind, form, &program.name).map(shown::preview)
    })
    .await
}

/// Saves the program's wording of one kind of email; answers the kind.
#[server(prefix = "/api", endpoint = "save_email_template")]
pub async fn save_email_template(
    program: i64,
    kind: String,
    subject: String,
    text: String,
) -> Result<String, AppError> {
    use crate::server::{email_templates, endpoint};
    use domain::email::WordingForm;

    endpoint(async move {
        let (state, change, name) = template_change(program).await?;
        let kind = shown::kind(&kind)?;
        let form = WordingForm {
            subject: &subject,
            text: &text,
        };
        email_templates::save(&state.db, &change, &name, kind, form).await?;
        crate::server::notice::notice("Saved. New emails use this wording.");
        Ok(kind.as_str().to_owned())
    })
    .await
}

/// Goes back to the portal's wording of one kind of email; answers the kind.
#[server(prefix = "/api", endpoint = "reset_email_template")]
pub async fn reset_email_template(program: i64, kind: String) -> Result<String, AppError> {
    use crate::server::{email_templates, endpoint};

    endpoint(async move {
        let (state, change, _) = template_change(program).await?;
        let kind = shown::kind(&kind)?;
        email_templates::reset(&state.db, &change, kind).await?;
        crate::server::notice::notice("Back to the portal's wording.");
        Ok(kind.as_str().to_owned())
    })
    .await
}

/// The caller may manage the program's settings, and `program` is one of their company's;
/// with the program's name.
#[cfg(feature = "ssr")]
async fn template_change(
    program: i64,
) -> Result<
    (
        store::state::AppState,
        crate::server::programs::Change,
        String,
    ),
    AppError,
> {
    use crate::server::{authz, require_teammate};
    use domain::permissions::Permission;

    let (state, me) = require_teammate(Permission::ManageProgramSettings).await?;
    let program = authz::program(program)?;
    let change = crate::server::programs::Change {
        company_id: me.company_id,
        program_id: program.id,
        user_id: me.identity.user_id,
    };
    Ok((state, change, program.name))
}

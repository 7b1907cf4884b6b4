//! Authentication and authorisation for server functions: who is calling, in which tenant,
//! and whether their role holds the permission. Every server function starts here.

use std::future::Future;
use std::sync::Arc;

use domain::navigation::Seat;
use domain::permissions::{ContactPermission, Permission};
use http::request::Parts;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
pub use store::context::{Contact, Member, Partnership, Session, Teammate};
use store::session::Identity;
use store::state::AppState;
use wire::dto::ProgramSummary;

use crate::error::AppError;

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("AppState is not in the context"))
}

/// The signed-in session the session middleware attached to this request, with its membership
/// and programs.
pub fn session() -> Option<Arc<Session>> {
    use_context::<Parts>().and_then(|parts| parts.extensions.get::<Arc<Session>>().cloned())
}

fn require_session() -> Result<Arc<Session>, AppError> {
    session().ok_or_else(AppError::unauthorized)
}

/// The signed-in identity the session middleware attached to this request.
pub fn identity() -> Option<Identity> {
    session().map(|s| s.identity.clone())
}

pub fn require_user() -> Result<Identity, AppError> {
    identity().ok_or_else(AppError::unauthorized)
}

/// The program a vendor page shows: `asked` (which must be the caller's company's), else the
/// one chosen in the header, else the first.
pub fn current_program(asked: Option<i64>) -> Result<Option<ProgramSummary>, AppError> {
    let session = require_session()?;
    store::vendor::current_program(session.programs(), asked, session.identity.program_id)
}

/// The program `id` when it is the caller's company's; "not found" otherwise (another
/// company's program is indistinguishable from a missing one).
pub fn program(id: i64) -> Result<ProgramSummary, AppError> {
    require_session()?
        .programs()
        .iter()
        .find(|p| p.id == id)
        .cloned()
        .ok_or_else(|| AppError::not_found("Program"))
}

/// The caller's team's partnership in the program chosen in the header (a contact's session).
pub fn partnership() -> Result<Option<Partnership>, AppError> {
    Ok(require_session()?.chosen_partnership().cloned())
}

/// Runs a server function body and gives its error the HTTP status it carries. A plain HTML
/// form post keeps leptos' redirect back to the form (the error travels in the URL), so its
/// status is left alone.
pub async fn endpoint<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let Err(error) = &result {
        let accepts_html = use_context::<Parts>()
            .and_then(|p| {
                p.headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false);
        if !accepts_html
            && let (Some(response), Ok(status)) = (
                use_context::<ResponseOptions>(),
                http::StatusCode::from_u16(error.status),
            )
        {
            response.set_status(status);
            if let Some(seconds) = error.retry_after {
                response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
            }
        }
    }
    result
}

/// The caller acting as a teammate of the company of their session's workspace, holding
/// `permission`. The role comes with the session, read for this request, so a changed role
/// applies at once.
pub async fn require_teammate(permission: Permission) -> Result<(AppState, Teammate), AppError> {
    let state = state()?;
    let teammate = require_session()?.teammate(permission)?;
    Ok((state, teammate))
}

/// The caller acting as a contact of the partner team of their session's workspace, holding
/// `permission`.
pub async fn require_contact(
    permission: ContactPermission,
) -> Result<(AppState, Contact), AppError> {
    let state = state()?;
    let contact = require_session()?.contact(permission)?;
    Ok((state, contact))
}

/// The header's view of the signed-in user; `showing` is the program the page shows, when it
/// shows one other than the session's.
pub fn viewer(workspace_name: &str, showing: Option<i64>) -> Result<crate::dto::Viewer, AppError> {
    let session = require_session()?;
    let programs = session.program_choices();
    let ids: Vec<i64> = programs.iter().map(|p| p.id).collect();
    let program = domain::workspace::chosen_program(&ids, showing.or(session.identity.program_id));
    Ok(crate::dto::Viewer {
        name: session.identity.name.clone(),
        email: session.identity.email.clone(),
        workspace_name: workspace_name.to_owned(),
        can_switch: session.memberships > 1,
        programs,
        program,
        unread: session.unread,
        seat: session.member.as_ref().map(|m| match m {
            Member::Teammate { role, .. } => Seat::Teammate(*role),
            Member::Contact { role, .. } => Seat::Contact(*role),
        }),
        notice: super::notice::take(),
        brand: program.and_then(|id| brand(&session, id)),
    })
}

/// The vendor of the program `program_id` as a partner contact's pages show it.
fn brand(session: &store::context::Session, program_id: i64) -> Option<crate::dto::Brand> {
    let Some(Member::Contact { partnerships, .. }) = &session.member else {
        return None;
    };
    let p = partnerships.iter().find(|p| p.program_id == program_id)?;
    Some(brand_of(&p.vendor, &p.brand))
}

/// A vendor's settings as partner-facing pages show them, with the text colour for its brand
/// colour worked out.
pub fn brand_of(vendor: &str, brand: &store::context::VendorBrand) -> crate::dto::Brand {
    crate::dto::Brand {
        vendor: vendor.to_owned(),
        // Checked again: it goes into a style element.
        color: brand
            .color
            .clone()
            .filter(|c| domain::company::is_color(c))
            .map(|c| {
                let on = domain::company::text_on(&c).to_owned();
                (c, on)
            }),
        logo_url: brand.logo_url.clone(),
        support_email: brand.support_email.clone(),
    }
}

/// The header's view for pages of the person rather than of a workspace (`/profile`,
/// `/workspaces`): the workspace they act in, if they chose one.
pub fn account_viewer() -> Result<crate::dto::Viewer, AppError> {
    let session = require_session()?;
    viewer(workspace_name(&session.member).unwrap_or_default(), None)
}

fn workspace_name(member: &Option<Member>) -> Option<&str> {
    match member.as_ref()? {
        Member::Teammate { company_name, .. } => Some(company_name),
        Member::Contact {
            partner_team_name, ..
        } => Some(partner_team_name),
    }
}

/// The signed-in person's notifications of the workspace they act in, with the page's viewer;
/// 403 before a workspace is chosen.
pub fn require_inbox()
-> Result<(AppState, store::notifications::Inbox, crate::dto::Viewer), AppError> {
    let session = require_session()?;
    let name = workspace_name(&session.member).ok_or_else(AppError::forbidden)?;
    let (state, inbox) = inbox()?;
    Ok((state, inbox, viewer(name, None)?))
}

/// [`require_inbox`] for a change to the inbox: without the page's viewer, which would take
/// the notice meant for the next page.
pub fn inbox() -> Result<(AppState, store::notifications::Inbox), AppError> {
    let session = require_session()?;
    workspace_name(&session.member).ok_or_else(AppError::forbidden)?;
    Ok((state()?, session.inbox()?))
}

/// The origin a password reset link may point at: the configured public origin, else this
/// request's Host only when it names this machine (`localhost`, a loopback address). Anyone
/// can send any Host; a link built from it would carry a reset token to their site.
pub fn trusted_origin(state: &AppState) -> Option<String> {
    if let Some(origin) = &state.config.public_origin {
        return Some(origin.clone());
    }
    let host = use_context::<Parts>()?
        .headers
        .get(http::header::HOST)?
        .to_str()
        .ok()?
        .to_owned();
    domain::request::is_loopback_host(&host).then(|| format!("http://{host}"))
}

/// The origin links in emails point at: the configured public origin, else this request's host.
pub fn public_origin(state: &AppState) -> String {
    if let Some(origin) = &state.config.public_origin {
        return origin.clone();
    }
    let host = use_context::<Parts>()
        .and_then(|p| {
            p.headers
                .get(http::header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    format!("http://{host}")
}

//! Authentication and authorisation for server functions: who is calling, in which tenant,
//! and whether their role holds the permission. Every server function starts here.

use std::future::Future;

use domain::permissions::{ContactPermission, ContactRole, Permission, TeammateRole};
use domain::workspace::WorkspaceKind;
use http::request::Parts;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use sqlx::Row;

use super::session::Identity;
use super::state::AppState;
use crate::error::AppError;

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("AppState is not in the context"))
}

/// The signed-in identity the session middleware attached to this request.
pub fn identity() -> Option<Identity> {
    use_context::<Parts>().and_then(|parts| parts.extensions.get::<Identity>().cloned())
}

pub fn require_user() -> Result<Identity, AppError> {
    identity().ok_or_else(AppError::unauthorized)
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
        }
    }
    result
}

#[derive(Clone, Debug)]
pub struct Teammate {
    pub identity: Identity,
    pub teammate_id: i64,
    pub company_id: i64,
    pub company_name: String,
    pub role: TeammateRole,
}

#[derive(Clone, Debug)]
pub struct Contact {
    pub identity: Identity,
    pub contact_id: i64,
    pub partner_team_id: i64,
    pub partner_team_name: String,
    pub partner_team_kind: String,
    pub role: ContactRole,
}

/// The caller acting as a teammate of the company of their session's workspace, holding
/// `permission`. The role is read from the database on every call, so a changed role applies
/// at once.
pub async fn require_teammate(permission: Permission) -> Result<(AppState, Teammate), AppError> {
    let state = state()?;
    let identity = require_user()?;
    let teammate = teammate_of(&state.db, identity, permission).await?;
    Ok((state, teammate))
}

/// [`require_teammate`] for handlers outside server functions (the payouts export).
pub async fn teammate_of(
    db: &super::db::Db,
    identity: Identity,
    permission: Permission,
) -> Result<Teammate, AppError> {
    let Some((WorkspaceKind::Vendor, company_id)) = identity.workspace else {
        return Err(AppError::forbidden());
    };
    let row = sqlx::query(
        "SELECT t.id, t.role, c.name FROM teammates t JOIN companies c ON c.id = t.company_id \
         WHERE t.company_id = $1 AND t.user_id = $2",
    )
    .bind(company_id)
    .bind(identity.user_id)
    .fetch_optional(&db.pool)
    .await
    .map_err(AppError::internal)?
    .ok_or_else(AppError::forbidden)?;
    let role_text: String = row.try_get(1).map_err(AppError::internal)?;
    let role = TeammateRole::parse(&role_text).map_err(AppError::internal)?;
    if !role.can(permission) {
        return Err(AppError::forbidden());
    }
    Ok(Teammate {
        teammate_id: row.try_get(0).map_err(AppError::internal)?,
        company_id,
        company_name: row.try_get(2).map_err(AppError::internal)?,
        role,
        identity,
    })
}

/// The caller acting as a contact of the partner team of their session's workspace, holding
/// `permission`.
pub async fn require_contact(
    permission: ContactPermission,
) -> Result<(AppState, Contact), AppError> {
    let state = state()?;
    let identity = require_user()?;
    let Some((WorkspaceKind::Partner, partner_team_id)) = identity.workspace else {
        return Err(AppError::forbidden());
    };
    let row = sqlx::query(
        "SELECT c.id, c.role, p.name, p.kind FROM contacts c JOIN partner_teams p ON p.id = c.partner_team_id \
         WHERE c.partner_team_id = $1 AND c.user_id = $2",
    )
    .bind(partner_team_id)
    .bind(identity.user_id)
    .fetch_optional(&state.db.pool)
    .await
    .map_err(AppError::internal)?
    .ok_or_else(AppError::forbidden)?;
    let role_text: String = row.try_get(1).map_err(AppError::internal)?;
    let role = ContactRole::parse(&role_text).map_err(AppError::internal)?;
    if !role.can(permission) {
        return Err(AppError::forbidden());
    }
    let contact = Contact {
        contact_id: row.try_get(0).map_err(AppError::internal)?,
        partner_team_id,
        partner_team_name: row.try_get(2).map_err(AppError::internal)?,
        partner_team_kind: row.try_get(3).map_err(AppError::internal)?,
        role,
        identity,
    };
    Ok((state, contact))
}

/// The header's view of the signed-in user; `showing` is the program the page shows, when it
/// shows one other than the session's.
pub async fn viewer(
    state: &AppState,
    identity: &Identity,
    workspace_name: &str,
    showing: Option<i64>,
) -> Result<crate::dto::Viewer, AppError> {
    let memberships = super::membership::count(&state.db, identity.user_id).await?;
    let programs = match identity.workspace {
        Some((kind, id)) => program_choices(&state.db, kind, id).await?,
        None => Vec::new(),
    };
    let ids: Vec<i64> = programs.iter().map(|p| p.id).collect();
    let program = domain::workspace::chosen_program(&ids, showing.or(identity.program_id));
    Ok(crate::dto::Viewer {
        name: identity.name.clone(),
        email: identity.email.clone(),
        workspace_name: workspace_name.to_owned(),
        can_switch: memberships > 1,
        programs,
        program,
    })
}

/// The programs a workspace works in: a company's own, or those a partner team is in.
pub async fn program_choices(
    db: &super::db::Db,
    kind: WorkspaceKind,
    workspace_id: i64,
) -> Result<Vec<crate::dto::ProgramChoice>, AppError> {
    let sql = match kind {
        WorkspaceKind::Vendor => "SELECT id, name FROM programs WHERE company_id = $1 ORDER BY id",
        WorkspaceKind::Partner => {
            "SELECT pr.id, pr.name || ' — ' || c.name FROM partnerships p \
             JOIN programs pr ON pr.id = p.program_id JOIN companies c ON c.id = pr.company_id \
             WHERE p.partner_team_id = $1 ORDER BY pr.id"
        }
    };
    let rows = sqlx::query(sql)
        .bind(workspace_id)
        .fetch_all(&db.pool)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(crate::dto::ProgramChoice {
                id: r.try_get(0)?,
                label: r.try_get(1)?,
            })
        })
        .collect()
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

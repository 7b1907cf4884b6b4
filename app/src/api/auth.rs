//! Signing in and out, and choosing a workspace.

use leptos::prelude::*;

use crate::dto::WorkspaceChoice;
use crate::error::AppError;

/// The one-time notice for a page without the signed-in header (signup and password pages);
/// signed-in pages get theirs with the viewer. It reads only the caller's own cookie.
#[server(prefix = "/api", endpoint = "notice")]
pub async fn fetch_notice() -> Result<Option<String>, AppError> {
    crate::server::endpoint(async move { Ok(crate::server::notice::take()) }).await
}

/// Signs in with email and password. One message for an unknown email and a wrong password,
/// in the same time; too many failures per account or address answer 429 with Retry-After.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{endpoint, membership, session, state, throttle};
    use domain::workspace::{Landing, destination, landing};

    endpoint(async move {
        let state = state()?;
        let account = domain::identity::normalize_email(&email).ok();
        let account_key = account
            .clone()
            .unwrap_or_else(|| email.trim().to_lowercase());
        let ip = client_ip();
        // Counted before the check, in one step with reading the count: parallel guesses
        // cannot all slip under the limit.
        throttle::password_attempt(&state.db, &account_key, &ip).await?;
        let user = match &account {
            Some(account) => session::sign_in_credentials(&state.db, account).await?,
            None => None,
        };
        let plausible = domain::identity::plausible_login_password(&password);
        let password = if plausible { password } else { String::new() };
        let verified = state
            .hasher
            .verify(&password, user.as_ref().map(|(_, hash)| hash.as_str()))
            .await
            .map_err(AppError::internal)?;
        let user_id = match user {
            Some((id, _)) if verified && plausible => id,
            _ => return Err(AppError::new(401, "Invalid email or password")),
        };
        throttle::password_verified(&state.db, &account_key, &ip).await?;

        let memberships = membership::memberships(&state.db, user_id).await?;
        let landing = landing(&memberships);
        let workspace = match landing {
            Landing::Workspace { kind, id } => Some((kind, id)),
            Landing::Picker => None,
        };
        let token = session::sign_in(&state.db, user_id, workspace).await?;
        crate::server::set_cookie(&session::cookie(&token, state.config.secure_cookies));
        leptos_axum::redirect(&destination(landing, next.as_deref()));
        Ok(())
    })
    .await
}

/// Signs out: deletes the session row and clears the cookie.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{endpoint, identity, session, state};

    endpoint(async move {
        let state = state()?;
        if let Some(identity) = identity() {
            session::sign_out(&state.db, &identity).await?;
        }
        crate::server::set_cookie(&session::clear_cookie(state.config.secure_cookies));
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// The signed-in user's workspaces, for the picker.
#[server(prefix = "/api", endpoint = "workspaces")]
pub async fn workspace_choices() -> Result<WorkspaceChoice, AppError> {
    use crate::server::{authz::account_viewer, endpoint, membership, require_user, state};

    endpoint(async move {
        let state = state()?;
        let identity = require_user()?;
        let memberships = membership::memberships(&state.db, identity.user_id).await?;
        Ok(WorkspaceChoice {
            viewer: account_viewer()?,
            name: identity.name,
            email: identity.email,
            memberships,
        })
    })
    .await
}

/// Switches the session to one of the user's own workspaces.
#[server(prefix = "/api", endpoint = "select_workspace")]
pub async fn select_workspace(kind: String, id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, membership, require_user, session, state};
    use domain::workspace::WorkspaceKind;

    endpoint(async move {
        let state = state()?;
        let identity = require_user()?;
        let kind = WorkspaceKind::parse(&kind)?;
        let memberships = membership::memberships(&state.db, identity.user_id).await?;
        if !memberships
            .iter()
            .any(|m| m.kind() == kind && m.workspace_id() == id)
        {
            return Err(AppError::forbidden());
        }
        session::select_workspace(&state.db, &identity, kind, id).await?;
        leptos_axum::redirect(kind.home());
        Ok(())
    })
    .await
}

/// Makes one of the workspace's programs the session's program (the header's switcher) and
/// returns to the same section in it.
#[server(prefix = "/api", endpoint = "select_program")]
pub async fn select_program(program: i64, current: String) -> Result<(), AppError> {
    use crate::server::{authz, endpoint, session, state};
    use domain::permissions::{ContactPermission, Permission};
    use domain::workspace::{WorkspaceKind, after_program_switch};

    endpoint(async move {
        let state = state()?;
        let me = authz::session().ok_or_else(AppError::unauthorized)?;
        let identity = me.identity.clone();
        let Some((kind, _)) = identity.workspace else {
            return Err(AppError::forbidden());
        };
        // Only a current member can switch: a removed teammate or contact has no membership.
        let company_id = match kind {
            WorkspaceKind::Vendor => Some(me.teammate(Permission::ViewProgram)?.company_id),
            WorkspaceKind::Partner => {
                me.contact(ContactPermission::ViewDashboard)?;
                None
            }
        };
        let choices = me.program_choices();
        let Some(chosen) = choices.iter().find(|c| c.id == program) else {
            return Err(AppError::not_found("Program"));
        };
        session::select_program(&state.db, &identity, company_id, program).await?;
        crate::server::notice::notice(&format!("Now showing {}.", chosen.label));
        leptos_axum::redirect(&after_program_switch(kind, &current));
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
pub(crate) fn client_ip() -> String {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

//! One-time set-password links (`/set-password/<token>`): the first owner of a company made by
//! `server create-company` chooses their password here and is signed in.

use leptos::prelude::*;

use crate::dto::PasswordLinkInfo;
use crate::error::AppError;

#[cfg(feature = "ssr")]
const NOT_VALID: &str = "This link is not valid. Check that you copied all of it.";

/// Whose link it is and whether it still works.
#[server(prefix = "/api", endpoint = "password_link")]
pub async fn fetch_password_link(token: String) -> Result<PasswordLinkInfo, AppError> {
    use crate::server::{companies, db::now_ms, endpoint, state};

    endpoint(async move {
        let state = state()?;
        let link = companies::find_password_link(&state.db, &token)
            .await?
            .ok_or_else(|| AppError::new(404, NOT_VALID))?;
        Ok(PasswordLinkInfo {
            problem: link.usable(now_ms()).err().map(|e| e.message),
            email: link.email,
            name: link.name,
        })
    })
    .await
}

/// Sets the password once and signs the person in.
#[server(prefix = "/api", endpoint = "set_password")]
pub async fn set_password(token: String, password: String) -> Result<(), AppError> {
    use crate::server::{companies, db::now_ms, endpoint, membership, session, state};
    use domain::workspace::{Landing, landing};

    endpoint(async move {
        let state = state()?;
        let link = companies::find_password_link(&state.db, &token)
            .await?
            .ok_or_else(|| AppError::new(404, NOT_VALID))?;
        link.usable(now_ms())?;
        domain::identity::check_new_password(&password)
            .map_err(|e| AppError::invalid_fields(vec![("password", e.0)]))?;
        let hash = state
            .hasher
            .hash(&password)
            .await
            .map_err(AppError::internal)?;
        let memberships = membership::memberships(&state.db, link.user_id).await?;
        let landing = landing(&memberships);
        let workspace = match landing {
            Landing::Workspace { kind, id } => Some((kind, id)),
            Landing::Picker => None,
        };
        let mut tx = state.db.begin().await?;
        if !companies::use_password_link(&mut tx, &link, &hash, now_ms()).await? {
            return Err(AppError::bad_request(
                "This link has already been used. Sign in with your password instead.",
            ));
        }
        let token = session::create(&mut tx, link.user_id, workspace).await?;
        tx.commit().await?;
        super::auth::set_cookie(&session::cookie(&token, state.config.secure_cookies));
        leptos_axum::redirect(landing.path());
        Ok(())
    })
    .await
}

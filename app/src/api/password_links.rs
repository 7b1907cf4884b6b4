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
    use crate::server::password::set_with_link;
    use crate::server::{companies, endpoint, session, state};

    endpoint(async move {
        let state = state()?;
        let link = companies::find_password_link(&state.db, &token)
            .await?
            .ok_or_else(|| AppError::new(404, NOT_VALID))?;
        let set = set_with_link(&state.db, &state.hasher, &link, &password).await?;
        super::auth::set_cookie(&session::cookie(&set.token, state.config.secure_cookies));
        leptos_axum::redirect(set.landing.path());
        Ok(())
    })
    .await
}

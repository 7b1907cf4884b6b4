//! One-time links to choose a password: the set-password link of a company's first owner
//! (made by `server create-company`, `/set-password/<token>`) and the password reset link
//! anyone may ask for on `/forgot-password` (`/reset-password/<token>`). Using one signs the
//! person in; a reset also signs them out everywhere else.

use leptos::prelude::*;

use crate::dto::PasswordLinkInfo;
use crate::error::AppError;

#[cfg(feature = "ssr")]
const NOT_VALID: &str = "This link is not valid. Check that you copied all of it.";

/// The link's purpose from the page (`set_password` when absent, as older pages post).
#[cfg(feature = "ssr")]
fn purpose(purpose: Option<String>) -> Result<domain::password_link::Purpose, AppError> {
    use domain::password_link::Purpose;
    purpose.map_or(Ok(Purpose::SetPassword), |p| Ok(Purpose::parse(&p)?))
}

/// Whose link it is and whether it still works.
#[server(prefix = "/api", endpoint = "password_link")]
pub async fn fetch_password_link(
    token: String,
    purpose: Option<String>,
) -> Result<PasswordLinkInfo, AppError> {
    use crate::server::{db::now_ms, endpoint, password_tokens, state};

    endpoint(async move {
        let state = state()?;
        let link = password_tokens::find(&state.db, &token, self::purpose(purpose)?)
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
pub async fn set_password(
    token: String,
    password: String,
    purpose: Option<String>,
) -> Result<(), AppError> {
    use crate::server::password::set_with_link;
    use crate::server::{endpoint, password_tokens, session, state};

    endpoint(async move {
        let state = state()?;
        let link = password_tokens::find(&state.db, &token, self::purpose(purpose)?)
            .await?
            .ok_or_else(|| AppError::new(404, NOT_VALID))?;
        let set = set_with_link(&state.db, &state.hasher, &link, &password).await?;
        crate::server::set_cookie(&session::cookie(&set.token, state.config.secure_cookies));
        leptos_axum::redirect(set.landing.path());
        Ok(())
    })
    .await
}

/// Emails a password reset link to the account that uses `email`, if one does. The answer is
/// the same whether or not it does; too many requests from one address answer 429.
#[server(prefix = "/api", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::server::{endpoint, password_tokens, state, throttle, trusted_origin};

    endpoint(async move {
        let state = state()?;
        let email = domain::identity::normalize_email(&email)
            .map_err(|e| AppError::invalid_fields(vec![("email", e.0)]))?;
        let address = super::auth::client_ip();
        // A throttled request is answered like any other.
        if throttle::reset_attempt(&state.db, &email, &address).await? {
            match trusted_origin(&state) {
                Some(origin) => password_tokens::request_reset(&state.db, &email, &origin).await?,
                None => tracing::warn!(
                    "a password reset was asked for through a Host that is not this machine; set PORTAL_PUBLIC_ORIGIN so reset links can be sent"
                ),
            }
        }
        crate::server::notice::notice(
            "If an account uses that address, a link to choose a new password is on its way. It works for one hour.",
        );
        Ok(())
    })
    .await
}

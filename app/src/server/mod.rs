//! Server-only code of the Leptos app: the request context every server function starts from
//! (who is calling, with which permission) and the page headers. Compiled only with the `ssr`
//! feature. The SQL lives in the `store` crate, re-exported here for the server functions.

pub mod authz;
pub mod headers;
pub mod notice;

pub use authz::{
    endpoint, identity, public_origin, require_contact, require_inbox, require_teammate,
    require_user, state, trusted_origin, viewer,
};
pub use store::*;

/// A form's optional choice of a row by id (a `<select>` whose first option is empty or
/// `none`): `None` for no choice, "Unknown {what}" for text that is no id.
pub fn optional_id(value: Option<&str>, what: &str) -> Result<Option<i64>, crate::error::AppError> {
    match value.map(str::trim) {
        None | Some("") | Some("none") => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| crate::error::AppError::bad_request(format!("Unknown {what}"))),
    }
}

/// Adds a `Set-Cookie` header to the response of the request being served.
pub fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

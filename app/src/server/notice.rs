//! A one-time notice for the next page: a server function that changed something says what it
//! did, and the page the browser loads next (the one the form was on, or where the function sent
//! it) shows it once. It rides in a short-lived cookie, so it survives the redirect after a plain
//! form post and the reload after a background one, whichever server instance answers. Over
//! https it is a `__Host-` cookie, which no other site or subdomain can set.

use leptos::prelude::use_context;

/// Says `text` on the next page this browser loads.
pub fn notice(text: &str) {
    let value: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
    let (name, secure) = cookie();
    super::set_cookie(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60{secure}"
    ));
}

/// The notice this request carries, if any; the response clears it, so it shows once. A
/// response that sets a new notice keeps it for the next page.
pub fn take() -> Option<String> {
    let (name, secure) = cookie();
    let parts = use_context::<http::request::Parts>()?;
    // Browsers may send cookies in several headers (HTTP/2).
    let value = parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .find_map(|h| domain::request::cookie_value(h, name))?
        .to_owned();
    if sets_notice(name) {
        return None;
    }
    super::set_cookie(&format!(
        "{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ));
    let text: String = url::form_urlencoded::parse(format!("t={value}").as_bytes())
        .map(|(_, v)| v.into_owned())
        .next()?;
    // A notice is a sentence the server wrote; anything longer was not.
    (!text.is_empty() && text.chars().count() <= 300).then_some(text)
}

/// Whether this response already sets a notice (for the page after it).
fn sets_notice(name: &str) -> bool {
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return false;
    };
    let Ok(parts) = response.0.read() else {
        return false;
    };
    parts
        .headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .any(|h| {
            h.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with("=") && !rest.starts_with("=;"))
        })
}

/// The cookie's name and `Secure` attribute: `__Host-` needs `Secure` and `Path=/`.
fn cookie() -> (&'static str, &'static str) {
    match super::state() {
        Ok(state) if state.config.secure_cookies => ("__Host-portal_notice", "; Secure"),
        _ => ("portal_notice", ""),
    }
}

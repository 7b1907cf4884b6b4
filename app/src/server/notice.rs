//! A one-time notice for the next page: a server function that changed something says what it
//! did, and the page the browser loads next (the one the form was on, or where the function sent
//! it) shows it once. It rides in a short-lived cookie, so it survives the redirect after a plain
//! form post and the reload after a background one, whichever server instance answers.

use leptos::prelude::use_context;

const NAME: &str = "portal_notice";

/// Says `text` on the next page this browser loads.
pub fn notice(text: &str) {
    let value: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
    super::set_cookie(&format!(
        "{NAME}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60{}",
        secure()
    ));
}

/// The notice this request carries, if any; the response clears it, so it shows once.
pub fn take() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    let header = parts.headers.get(http::header::COOKIE)?.to_str().ok()?;
    let value = domain::request::cookie_value(header, NAME)?;
    let text: String = url::form_urlencoded::parse(format!("t={value}").as_bytes())
        .map(|(_, v)| v.into_owned())
        .next()?;
    super::set_cookie(&format!(
        "{NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        secure()
    ));
    // A notice is a sentence the server wrote; anything longer was not.
    (!text.is_empty() && text.chars().count() <= 300).then_some(text)
}

fn secure() -> &'static str {
    match super::state() {
        Ok(state) if state.config.secure_cookies => "; Secure",
        _ => "",
    }
}

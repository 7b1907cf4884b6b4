//! One-time messages for the next page. A server function that changed something says what it
//! did, and the page the browser loads next (the one the form was on, or where the function sent
//! it) shows it once. A function that made a secret to be shown once (an API key, an invite
//! link) hands it over the same way. Each rides in a short-lived cookie, so it survives the
//! redirect after a plain form post and the reload after a background one, whichever server
//! instance answers. Over https they are `__Host-` cookies, which no other site or subdomain
//! can set; they are HttpOnly, so no script reads them.

use leptos::prelude::use_context;

/// A cookie's name over http, and over https.
type Cookie = (&'static str, &'static str);

/// The notice: a sentence.
const NOTICE: Cookie = ("portal_notice", "__Host-portal_notice");
/// The secret, tagged with what it is.
const REVEAL: Cookie = ("portal_reveal", "__Host-portal_reveal");

/// Says `text` on the next page this browser loads.
pub fn notice(text: &str) {
    set(NOTICE, text);
}

/// The notice this request carries, if any; the response clears it, so it shows once. A
/// response that sets a new notice keeps it for the next page.
pub fn take() -> Option<String> {
    let text = take_cookie(NOTICE)?;
    // A notice is a sentence or two the server wrote (an invite names an email of up to 254
    // characters); anything longer was not.
    (!text.is_empty() && text.chars().count() <= 1000).then_some(text)
}

/// Hands `secret`, a `kind` of secret ("api_key", "teammate_invite"…), to the next page that
/// asks for that kind; it is shown there once.
pub fn reveal(kind: &str, secret: &str) {
    set(REVEAL, &format!("{kind}:{secret}"));
}

/// The secret of `kind` this request carries; the response clears it. A secret of another
/// kind is left for the page that asks for it.
pub fn take_revealed(kind: &str) -> Option<String> {
    let value = read(REVEAL)?;
    let secret = value.strip_prefix(kind)?.strip_prefix(':')?.to_owned();
    clear(REVEAL);
    (!secret.is_empty() && secret.len() <= 1000).then_some(secret)
}

fn set(cookie: Cookie, value: &str) {
    let value: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let (name, secure) = names(cookie);
    super::set_cookie(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60{secure}"
    ));
}

fn clear(cookie: Cookie) {
    let (name, secure) = names(cookie);
    super::set_cookie(&format!(
        "{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ));
}

/// The cookie's value, decoded, leaving it in place.
fn read(cookie: Cookie) -> Option<String> {
    let (name, _) = names(cookie);
    let parts = use_context::<http::request::Parts>()?;
    // Browsers may send cookies in several headers (HTTP/2).
    let value = parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .find_map(|h| domain::request::cookie_value(h, name))?
        .to_owned();
    url::form_urlencoded::parse(format!("t={value}").as_bytes())
        .map(|(_, v)| v.into_owned())
        .next()
}

/// The cookie's value, cleared by the response unless the response sets a new one.
fn take_cookie(cookie: Cookie) -> Option<String> {
    let value = read(cookie)?;
    if sets(names(cookie).0) {
        return None;
    }
    clear(cookie);
    Some(value)
}

/// Whether this response already sets cookie `name` (for the page after it).
fn sets(name: &str) -> bool {
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

/// For the server's middleware, after a page (`GET`, HTML) was rendered: the `Set-Cookie` that
/// clears the notice the request carried, unless the response already clears it or sets a new
/// one. Leptos may send a page's headers before the page's data (which took the notice) was
/// read, so the page's own clearing can come too late; the notice then showed twice.
pub fn clearing_after_page(
    request_cookie_headers: &[&str],
    response_set_cookies: &[&str],
    secure_cookies: bool,
) -> Option<String> {
    let (name, secure) = if secure_cookies {
        (NOTICE.1, "; Secure")
    } else {
        (NOTICE.0, "")
    };
    request_cookie_headers
        .iter()
        .find_map(|h| domain::request::cookie_value(h, name))?;
    let already = response_set_cookies.iter().any(|h| {
        h.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('='))
    });
    (!already).then(|| format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"))
}

/// The cookie's name and `Secure` attribute: `__Host-` needs `Secure` and `Path=/`.
fn names(cookie: Cookie) -> (&'static str, &'static str) {
    match super::state() {
        Ok(state) if state.config.secure_cookies => (cookie.1, "; Secure"),
        _ => (cookie.0, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::clearing_after_page;

    #[test]
    fn a_page_clears_the_notice_it_was_sent_unless_it_sets_one() {
        let sent = ["a=1; portal_notice=Saved.; b=2"];
        assert_eq!(
            clearing_after_page(&sent, &[], false).as_deref(),
            Some("portal_notice=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
        );
        assert_eq!(clearing_after_page(&["a=1"], &[], false), None);
        assert_eq!(
            clearing_after_page(&sent, &["portal_notice=Other.; Path=/"], false),
            None
        );
        assert_eq!(
            clearing_after_page(&sent, &["portal_notice=; Path=/; Max-Age=0"], false),
            None
        );
        let secure = ["__Host-portal_notice=Saved."];
        assert!(
            clearing_after_page(&secure, &[], true)
                .is_some_and(|c| c.starts_with("__Host-portal_notice=;") && c.ends_with("; Secure"))
        );
    }
}

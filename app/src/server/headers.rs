//! The security policy of the portal's pages: a `Content-Security-Policy` whose script nonce is
//! new for every response. Leptos puts the nonce on the scripts it writes (hydration, resolved
//! resources); any other inline script is refused by the browser.

use leptos::prelude::use_context;

/// The policy of an HTML page whose inline scripts carry `nonce`. Scripts and styles come from
/// the portal itself; the wasm module needs `'wasm-unsafe-eval'` to compile (no JavaScript
/// eval); no plugins, no `<base>`, no framing, forms post only to the portal.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    )
}

/// The policy of every other response (JSON, CSV, plain text): nothing in it may run or load.
pub const NOTHING_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Sets the page's policy with the nonce Leptos made for this response. Called from the shell,
/// before anything streams.
pub fn set_page_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = http::HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

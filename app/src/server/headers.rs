//! The security policy of the portal's pages: a `Content-Security-Policy` whose script nonce is
//! new for every response. The server's middleware makes the nonce and sends the header; the
//! shell hands the same nonce to Leptos, which writes it on the scripts it renders (hydration,
//! resolved resources). Any other inline script is refused by the browser.

use leptos::prelude::{provide_context, use_context};

/// This response's script nonce, put in the request's extensions by the middleware.
#[derive(Clone, Debug)]
pub struct PageNonce(pub String);

impl PageNonce {
    /// 128 random bits, hex.
    pub fn new() -> Self {
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        PageNonce(hex::encode(bytes))
    }
}

impl Default for PageNonce {
    fn default() -> Self {
        Self::new()
    }
}

/// The policy of an HTML page whose inline scripts carry `nonce`. Scripts and styles come from
/// the portal itself (the one inline style, a vendor's brand colours, carries the nonce too);
/// the wasm module needs `'wasm-unsafe-eval'` to compile (no JavaScript eval); images may also
/// be a vendor's https logo; no plugins, no `<base>`, no framing, forms post only to the portal.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data: https:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// The policy of every other response (JSON, CSV, plain text): nothing in it may run or load.
pub const NOTHING_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Makes Leptos use the request's nonce instead of one of its own, so the scripts it writes
/// match the header the middleware sends. Called from the shell, on the response's root owner.
pub fn use_request_nonce() {
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

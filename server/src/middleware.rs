//! Middleware every request passes.

use std::sync::Arc;

use app::server::headers::{NOTHING_POLICY, PageNonce, page_policy};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::workspace::{self, PageAccess};
use store::context::{self, Session};
use store::session;
use store::state::AppState;

/// Attaches the signed-in [`Session`] (if any, with its membership and programs) to the request
/// for pages and server functions.
pub async fn session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/pkg/")
        || path == "/favicon.ico"
        || path == "/healthz"
        || path == "/readyz"
    {
        return next.run(request).await;
    }
    let token = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            session::token_from_cookie_header(v, state.config.secure_cookies).map(str::to_owned)
        });
    // Pages only read: they may use this process's read of the last second. Anything else
    // may change something, so it reads the session anew, and afterwards no earlier read is
    // used again: here a change applies to the very next page, elsewhere within a second.
    let reads_only = matches!(*request.method(), Method::GET | Method::HEAD);
    if let Some(token) = token {
        let loaded = if reads_only {
            state.recent_contexts.load(&state.db, &token).await
        } else {
            context::load(&state.db, &token)
                .await
                .map(|s| s.map(Arc::new))
        };
        match loaded {
            Ok(Some(session)) => {
                request.extensions_mut().insert(session);
            }
            Ok(None) => {}
            Err(error) => {
                tracing::error!(%error, "session lookup failed");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The portal cannot reach its database. Try again shortly.",
                )
                    .into_response();
            }
        }
    }
    let response = next.run(request).await;
    if !reads_only {
        state.recent_contexts.forget_all();
    }
    response
}

/// Cross-site request forgery guard: a state-changing request must prove it comes from the
/// portal's own pages with its `Origin` (or, without one, its `Referer`). Another site's, or
/// neither, gets 403 before any handler runs: browsers send `Origin` on every POST, so only
/// a forged or stripped request lacks both.
pub async fn same_origin(
    State(public_origin): State<Arc<Option<String>>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let value = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let allowed = domain::request::same_origin(
        value(header::ORIGIN),
        value(header::REFERER),
        public_origin.as_deref(),
        value(header::HOST).unwrap_or_default(),
    );
    if !allowed {
        return (
            StatusCode::FORBIDDEN,
            "Cross-origin requests are not allowed",
        )
            .into_response();
    }
    next.run(request).await
}

/// Dashboards need a session (visitors go to sign-in, keeping where they were going) and the
/// right workspace (others get the forbidden page with 403).
pub async fn page_guard(request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    let identity = request
        .extensions()
        .get::<Arc<Session>>()
        .map(|s| &s.identity);
    if (path == "/" || path == "/login")
        && let Some(identity) = identity
    {
        let home = identity
            .workspace
            .map(|(kind, _)| kind.home())
            .unwrap_or(domain::workspace::PICKER_PATH);
        return Redirect::to(home).into_response();
    }
    match workspace::page_access(&path, identity.map(|i| i.workspace.map(|(kind, _)| kind))) {
        PageAccess::Public | PageAccess::Allowed => next.run(request).await,
        PageAccess::SignIn => {
            let target = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let next_param = domain::workspace::safe_next(Some(target)).map(encode_query_value);
            let location = match next_param {
                Some(next) => format!("/login?next={next}"),
                None => "/login".to_owned(),
            };
            Redirect::to(&location).into_response()
        }
        PageAccess::Forbidden => {
            let mut response = next.run(request).await;
            *response.status_mut() = StatusCode::FORBIDDEN;
            response
        }
    }
}

fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What [`security_headers`] needs to know of the deployment.
#[derive(Clone, Copy, Debug)]
pub struct HeaderPolicy {
    /// Served over https: browsers are told to use nothing else (HSTS).
    pub https: bool,
}

/// Headers every response of the portal and its API carries: no framing, no content sniffing,
/// no referrer to other sites, a content security policy (HTML pages: the portal's own files
/// and inline scripts with this response's nonce; everything else may load nothing), HSTS over https, and no caching of anything but the
/// static files: authenticated pages and server functions' answers must not stay in a cache.
pub async fn security_headers(
    State(policy): State<HeaderPolicy>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let static_file = path.starts_with("/pkg/") || path == "/favicon.ico";
    // The page's script nonce: Leptos writes it on its scripts (the shell takes it from here)
    // and the policy below names it.
    let nonce = PageNonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = if html {
            HeaderValue::from_str(&page_policy(&nonce.0))
                .unwrap_or_else(|_| HeaderValue::from_static(NOTHING_POLICY))
        } else {
            HeaderValue::from_static(NOTHING_POLICY)
        };
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    let found = response.status() == StatusCode::OK;
    let headers = response.headers_mut();
    let cache = if !static_file || !found {
        "no-store"
    } else if is_hashed_asset(&path) {
        // The name changes with the content: a browser keeps it for good.
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if static_file && found {
        // The precompressed file sent depends on Accept-Encoding; a shared cache must know.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if policy.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// Reads a request's whole body before any handler sees it and answers 413 when it is longer
/// than `limit`, whether its length was declared (`Content-Length`) or not (chunked): a handler
/// never meets a body that ends in an error halfway through.
pub async fn body_limit(limit: usize, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request is larger than {} KB.", limit / 1024),
        )
            .into_response(),
    }
}

/// A page that showed the one-time notice always clears it (`app::server::notice`).
pub async fn clear_shown_notice(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_page = request.method() == axum::http::Method::GET
        && !request.uri().path().starts_with("/api/")
        && !request.uri().path().starts_with("/pkg/");
    if !is_page {
        return next.run(request).await;
    }
    let cookies: Vec<String> = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if cookies.is_empty() || !is_html {
        return response;
    }
    let cookies: Vec<&str> = cookies.iter().map(String::as_str).collect();
    let set: Vec<&str> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if let Some(clear) =
        app::server::notice::clearing_after_page(&cookies, &set, state.config.secure_cookies)
        && let Ok(value) = header::HeaderValue::from_str(&clear)
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Server functions that fail before their body runs (a missing or malformed argument) are
/// answered with 500 by the framework; the `AppError` in the body knows the real status.
pub async fn server_fn_status(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::BODY_LIMIT_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response(),
    };
    if let Ok(error) = serde_json::from_slice::<wire::error::AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status)
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Whether `path` is one of the build's files named by their content (`/pkg/portal.<hash>.wasm`,
/// cargo-leptos `hash-files`): a base64url hash of 16 or more characters before the extension.
pub fn is_hashed_asset(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/pkg/") else {
        return false;
    };
    let mut parts = name.rsplit('.');
    let (Some(_extension), Some(hash), Some(_stem)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    hash.len() >= 16
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn only_files_named_by_their_content_are_kept_for_good() {
        assert!(is_hashed_asset("/pkg/portal.pW3d1mZ8Hk2qLrT0aB9xYw.wasm"));
        assert!(is_hashed_asset("/pkg/portal.Qm-9_k2LrT0aB9xYwZ8H.css"));
        assert!(!is_hashed_asset("/pkg/portal.wasm"));
        assert!(!is_hashed_asset("/pkg/portal.short.js"));
        assert!(!is_hashed_asset("/favicon.ico"));
        assert!(!is_hashed_asset(
            "/vendor/portal.pW3d1mZ8Hk2qLrT0aB9xYw.wasm"
        ));
        assert!(!is_hashed_asset("/pkg/portal.pW3d1mZ8Hk2q/T0aB9xYw.wasm"));
    }
}

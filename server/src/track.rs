//! The tracking snippet: `GET /js/track.js` and the endpoint it reports signups to,
//! `POST /api/v1/track/signup` (public key, CORS for the program's allowed domains only,
//! bodies up to 4 KB). Every refusal happens before anything is written.

use axum::body::Bytes;
use std::net::SocketAddr;
use store::attribution::{self, Referrer, SignupRequest};
use store::db::now_ms;
use store::programs;
use store::state::AppState;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::customer::CustomerSource;
use domain::throttle;
use serde::Deserialize;

/// The snippet's requests are small: a key, an email, a name and two click ids.
pub const SIGNUP_BODY_LIMIT_BYTES: usize = 4 * 1024;

const SCRIPT: &str = include_str!("../assets/track.js");

/// `GET /js/track.js`: one static script for every program (its key is in the script tag).
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            // Vendors' pages load it from another origin.
            (
                header::HeaderName::from_static("cross-origin-resource-policy"),
                "cross-origin",
            ),
        ],
        SCRIPT,
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignupBody {
    public_key: String,
    key: String,
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    click_ids: Vec<String>,
}

/// `POST /api/v1/track/signup`.
pub async fn signup(
    State(state): State<AppState>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: SignupBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return super::api_v1::error(
                400,
                "malformed_json",
                &format!(
                    "The body must be a JSON object with public_key, key, email, name and click_ids ({e})"
                ),
            );
        }
    };
    let unauthorized = || super::api_v1::error(401, "unauthorized", "Unknown public key");
    if !domain::link::is_public_key(&body.public_key) {
        return unauthorized();
    }
    let (program_id, allowed) = match programs::by_public_key(&state.db, &body.public_key).await {
        Ok(Some(p)) => (p.id, p.allowed_domains),
        Ok(None) => return unauthorized(),
        Err(e) => return super::api_v1::internal(e),
    };
    // Browsers always send Origin on a cross-origin POST; one from a page outside the program's
    // domains is refused without CORS headers, so the page can't even read the refusal.
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_owned);
    if let Some(origin) = &origin
        && !domain::link::origin_allowed(origin, &allowed)
    {
        return super::api_v1::error(
            403,
            "origin_not_allowed",
            "This page's domain is not one of the program's allowed domains",
        );
    }
    let cors = |mut response: Response| {
        if let Some(value) = origin
            .as_deref()
            .and_then(|o| HeaderValue::from_str(o).ok())
        {
            let headers = response.headers_mut();
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
            headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
        response
    };
    // Anyone can send these: per program and per address, a flood stops before it writes.
    let program_key = program_id.to_string();
    let address = address.ip().to_string();
    let limits = [
        (throttle::SIGNUPS_PER_PROGRAM, program_key.as_str()),
        (throttle::SIGNUPS_PER_ADDRESS, address.as_str()),
    ];
    match store::throttle::over_limit(&state.db, &limits).await {
        Ok(None) => {}
        Ok(Some(wait_ms)) => {
            let mut response = cors(super::api_v1::error(
                429,
                "rate_limited",
                &format!("Too many signups. {}", throttle::wait_in_words(wait_ms)),
            ));
            if let Ok(value) =
                HeaderValue::from_str(&throttle::retry_after_seconds(wait_ms).to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
        Err(e) => return super::api_v1::internal(e.message),
    }
    let signup = match domain::link::validate_signup(&body.key, &body.email, &body.name) {
        Ok(s) => s,
        Err(e) => return cors(super::api_v1::error(400, "invalid_signup", &e.0)),
    };
    if body.click_ids.len() > attribution::MAX_CLICK_IDS {
        return cors(super::api_v1::error(
            400,
            "invalid_signup",
            "click_ids holds at most 5 click ids",
        ));
    }
    let request = SignupRequest {
        program_id,
        signup,
        referrer: Referrer::Clicks(body.click_ids),
        source: CustomerSource::Link,
        now: now_ms(),
        public: true,
    };
    match attribution::record_signup(&state.db, request).await {
        Ok(outcome) => cors(super::api_v1::json(
            if outcome.created { 201 } else { 200 },
            serde_json::to_string(&outcome).unwrap_or_default(),
        )),
        Err(e) if e.status < 500 => cors(super::api_v1::error(e.status, "refused", &e.message)),
        Err(e) => super::api_v1::internal(e.message),
    }
}

/// Preflights get no CORS headers: the snippet sends a simple request and needs none.
pub async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

//! `GET /embed/referral?token=…`: the customer referral widget, a small page the vendor frames
//! in its own app (only its allowed domains may frame it). The token comes from the vendor's
//! backend (`POST /api/v1/referral_tokens`); there is no login and nothing else of the portal
//! is reachable from it.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use store::db::now_ms;
use store::state::AppState;

#[derive(Deserialize)]
pub struct WidgetQuery {
    token: Option<String>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, frame_ancestors: &str, nonce: &str, body: &str) -> Response {
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; base-uri 'none'; form-action 'none'; {frame_ancestors}"
    );
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Refer a friend</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;padding:1rem;color:#1f2933}h1{font-size:1.25rem;margin:0 0 .5rem}\
    .row{display:flex;gap:.5rem}input{flex:1;padding:.4rem;font:inherit}button{padding:.4rem .8rem;font:inherit;cursor:pointer}\
    dl{display:grid;grid-template-columns:repeat(3,1fr);gap:.5rem;margin:1rem 0 0}dt{font-size:.8rem;color:#52606d}dd{margin:0;font-size:1.2rem;font-weight:600}";

/// `GET /embed/referral`.
pub async fn referral(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<WidgetQuery>,
) -> Response {
    let nonce = store::session::new_token();
    let gone = |status| {
        page(
            status,
            "frame-ancestors *",
            &nonce,
            "<h1>This referral page has expired</h1><p>Reload the page it is shown on to see your referral link.</p>",
        )
    };
    let Some(token) = query.token else {
        return gone(StatusCode::NOT_FOUND);
    };
    let widget = match store::referral::widget(&state.db, &token, now_ms()).await {
        Ok(Some(w)) => w,
        Ok(None) => return gone(StatusCode::NOT_FOUND),
        Err(e) => {
            tracing::error!(error = %e.message, "the referral widget failed");
            return gone(StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    let link = store::links::share_url(
        &super::api_v1::request_origin(&state, &headers),
        &widget.link_key,
    );
    let rewards = domain::money::format_stored(widget.rewards_minor, &widget.currency);
    let body = format!(
        "<h1>Refer a friend to {vendor}</h1>\
         <p>Hi {customer}, share your link: when someone signs up through it, you earn rewards from {program}.</p>\
         <label for=\"link\">Your referral link</label>\
         <div class=\"row\"><input id=\"link\" readonly value=\"{link}\"><button type=\"button\" id=\"copy\">Copy link</button></div>\
         <p id=\"copied\" role=\"status\"></p>\
         <dl aria-label=\"Your referrals\"><div><dt>Clicks</dt><dd>{clicks}</dd></div><div><dt>Signups</dt><dd>{signups}</dd></div>\
         <div><dt>Rewards</dt><dd>{rewards}</dd></div></dl>\
         <script nonce=\"{nonce}\">document.getElementById('copy').addEventListener('click',function(){{var i=document.getElementById('link');\
         i.select();(navigator.clipboard?navigator.clipboard.writeText(i.value):Promise.reject()).catch(function(){{document.execCommand('copy')}})\
         .finally(function(){{document.getElementById('copy').textContent='Copied';document.getElementById('copied').textContent='Link copied'}})}});</script>",
        vendor = escape(&widget.vendor),
        customer = escape(&widget.customer),
        program = escape(&widget.program),
        link = escape(&link),
        clicks = widget.clicks,
        signups = widget.signups,
        rewards = escape(&rewards),
    );
    page(
        StatusCode::OK,
        &domain::link::frame_ancestors(&widget.allowed),
        &nonce,
        &body,
    )
}

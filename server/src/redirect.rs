//! `GET /r/<key>`: the referral redirect. It answers from an in-memory cache of link targets
//! ([`targets`]) and hands the click to a bounded queue that the click writer ([`writer`])
//! stores in batches and drains when the server stops. When the queue is full the visitor is
//! still redirected and the lost click is counted and logged.

pub mod targets;
pub mod writer;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use store::db::{Db, now_ms};
use store::links;
use tokio::sync::mpsc;

use targets::Targets;
pub use writer::{ClickCounters, ClickRow, ClickWriter};

/// The redirect's state: the target cache and the click queue's sending end.
#[derive(Clone)]
pub struct Redirects {
    targets: Arc<Targets>,
    queue: mpsc::Sender<ClickRow>,
    pub counters: Arc<ClickCounters>,
    salt: Arc<String>,
}

/// How long a link's target is served from memory unless configured (`PORTAL_LINK_CACHE_SECS`).
pub const LINK_CACHE: std::time::Duration = targets::FRESH;

/// Starts the target cache's loader (an entry is read again once older than `link_cache`) and
/// the click writer, and returns the redirect state that feeds them.
pub fn start(db: Db, link_cache: std::time::Duration) -> (Redirects, ClickWriter) {
    let targets = Arc::new(Targets::start(db.clone(), link_cache));
    let (queue, counters, writer) = ClickWriter::start(db);
    let salt = Arc::new(store::session::new_token());
    (
        Redirects {
            targets,
            queue,
            counters,
            salt,
        },
        writer,
    )
}

impl Redirects {
    /// Clicks queued for the click writer and not yet taken by it.
    pub fn queue_depth(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// The visitor's IP, hashed with this process's salt and the day, so clicks of one visitor
    /// group within a day and no IP is ever stored.
    fn ip_hash(&self, ip: &str, now: i64) -> String {
        let day = now.div_euclid(86_400_000);
        let digest = Sha256::digest(format!("{}:{day}:{ip}", self.salt).as_bytes());
        hex::encode(&digest[..16])
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><title>Link not found</title><h1>Link not found</h1><p>This referral link does not exist or was turned off.</p>",
    )
        .into_response()
}

/// `GET /r/<key>`.
pub async fn redirect(
    State(redirects): State<Redirects>,
    Path(key): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !domain::link::is_key(&key) {
        return not_found();
    }
    let prepared = match redirects.targets.get(&key).await {
        Ok(Some(prepared)) => prepared,
        Ok(None) => return not_found(),
        Err(targets::LookupFailed) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let target = &prepared.target;
    let now = now_ms();
    let click_key = links::new_click_key(now);
    let Ok(location) = HeaderValue::from_str(&format!("{}{click_key}", prepared.location_prefix))
    else {
        return not_found();
    };
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let user_agent_family = domain::link::user_agent_family(text(header::USER_AGENT));
    let click = ClickRow {
        link_id: target.link_id,
        click_key,
        occurred_at: now,
        ip_hash: redirects.ip_hash(&peer.ip().to_string(), now),
        user_agent_family,
        referrer_host: url_host(text(header::REFERER)),
        country: headers
            .get("cf-ipcountry")
            .and_then(|v| v.to_str().ok())
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(|c| c.to_ascii_uppercase()),
        bot: user_agent_family == domain::link::BOT_FAMILY,
    };
    redirects.counters.served.fetch_add(1, Ordering::Relaxed);
    if redirects.queue.try_send(click).is_err() {
        let dropped = redirects.counters.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        if dropped.is_power_of_two() {
            tracing::warn!(dropped, "the click queue is full; clicks are being dropped");
        }
    }
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer-when-downgrade"),
            ),
        ],
    )
        .into_response()
}

/// The host of a Referer header, lowercase, if it is a URL.
fn url_host(referer: &str) -> Option<String> {
    let rest = referer.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next()?.to_ascii_lowercase();
    (!host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
    .then_some(host)
}

//! Prometheus metrics at `GET /metrics`: requests by route and status with their latency, the
//! database connections, how late each job queue runs, and the redirect's click queue. Every
//! process keeps its own numbers; Prometheus scrapes each instance and adds them up.
//!
//! The recorder is `metrics-exporter-prometheus` (the `metrics` crate family): maintained, and
//! it renders the text format itself, so there is no exposition code of ours to get wrong.

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};
use store::db::Db;

use crate::redirect::Redirects;

const REQUESTS: &str = "portal_http_requests_total";
const LATENCY: &str = "portal_http_request_duration_seconds";

/// Upper bounds of the latency buckets, in seconds: a page takes milliseconds, a sign-in's
/// password hash a few hundred.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The process's recorder, installed on first use. One per process: the integration tests run
/// many servers in one process, and they share it.
fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(LATENCY.to_owned()), &LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // The histograms keep every sample until upkeep folds them in; a portal nobody scrapes
        // would grow forever without it.
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            });
        // Installing fails only when another recorder is already installed (none is): the
        // handle then renders an empty page rather than stopping the server.
        if let Err(error) = metrics::set_global_recorder(recorder) {
            tracing::warn!(%error, "metrics recorder not installed");
        }
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_counter!(
        REQUESTS,
        "HTTP requests answered, by route, method and status"
    );
    metrics::describe_histogram!(
        LATENCY,
        metrics::Unit::Seconds,
        "Time from a request's arrival to its response headers, by route"
    );
    metrics::describe_gauge!(
        "portal_db_connections",
        "Database connections of this process: the transaction pool's open and idle ones, the read connections in use"
    );
    metrics::describe_gauge!(
        "portal_job_lag_seconds",
        "How long the oldest due job of each queue has waited for a runner (0 when none waits)"
    );
    metrics::describe_gauge!(
        "portal_redirect_queue_depth",
        "Clicks waiting to be stored by this process's click writer"
    );
    metrics::describe_counter!(
        "portal_clicks_dropped_total",
        "Clicks redirected but not stored because the click queue was full"
    );
    metrics::describe_counter!(
        "portal_clicks_stored_total",
        "Clicks this process's click writer stored"
    );
}

/// Counts every request and times it, labelled by its route pattern (`/vendor/partners/{id}`,
/// never the path itself, so the label set stays small).
pub async fn track(request: Request, next: Next) -> Response {
    recorder();
    let started = Instant::now();
    let route = route_label(&request);
    let method = method_label(request.method());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!(LATENCY, "route" => route).record(started.elapsed().as_secs_f64());
    response
}

/// The standard methods by name, anything else as one label: a client inventing methods must
/// not add series.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

fn route_label(request: &Request) -> String {
    if let Some(matched) = request.extensions().get::<MatchedPath>() {
        return matched.as_str().to_owned();
    }
    // Unrouted: the build's files, or a page that does not exist.
    if request.uri().path().starts_with("/pkg/") {
        "/pkg/*".to_owned()
    } else {
        "unmatched".to_owned()
    }
}

/// What `/metrics` reads besides the recorder.
#[derive(Clone)]
pub struct Scrape {
    pub db: Db,
    pub redirects: Redirects,
    /// SHA-256 of `PORTAL_METRICS_TOKEN`, when set.
    pub token_sha256: Option<[u8; 32]>,
}

impl Scrape {
    pub fn new(db: Db, redirects: Redirects, token_sha256: Option<[u8; 32]>) -> Self {
        Scrape {
            db,
            redirects,
            token_sha256,
        }
    }

    /// What [`Scrape::new`] takes for `PORTAL_METRICS_TOKEN`.
    pub fn token_digest(token: &str) -> [u8; 32] {
        Sha256::digest(token.trim().as_bytes()).into()
    }
}

/// With a token configured, the request must carry it. Without one, it must come from this
/// machine and not through a proxy: behind a load balancer or a container's port mapping every
/// visitor's request arrives from a private address, so only loopback without forwarding
/// headers is sure to be local.
fn allows(token_sha256: Option<&[u8; 32]>, peer: IpAddr, headers: &HeaderMap) -> bool {
    match token_sha256 {
        Some(expected) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| Scrape::token_digest(given) == *expected),
        None => {
            let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
                .iter()
                .any(|name| headers.contains_key(*name));
            is_loopback(peer) && !forwarded
        }
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
    }
}

/// `GET /metrics`: the Prometheus text format.
pub async fn scrape(
    State(scrape): State<Scrape>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !allows(scrape.token_sha256.as_ref(), peer.ip(), &headers) {
        // As if there were nothing here: the numbers are for operators only.
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    // The gauges are the process's: two scrapes at once (of two servers in one test process,
    // say) would otherwise render each other's samples.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    let handle = recorder();
    sample(&scrape).await;
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// Sets the gauges read at scrape time.
async fn sample(scrape: &Scrape) {
    let pool = scrape.db.pool_stats();
    for (pool_name, state, count) in [
        ("transactions", "open", pool.transactions_open),
        ("transactions", "idle", pool.transactions_idle),
        ("reads", "in_use", pool.reads_in_use),
    ] {
        metrics::gauge!("portal_db_connections", "pool" => pool_name, "state" => state)
            .set(count as f64);
    }
    let now = store::db::now_ms();
    for &queue in domain::job::Queue::ALL {
        // A scrape that cannot read the lag leaves the last value; the failure is logged.
        match tokio::time::timeout(
            Duration::from_secs(2),
            store::jobs::oldest_due(&scrape.db, queue, now),
        )
        .await
        {
            Ok(Ok(oldest)) => {
                let lag_ms = oldest.map_or(0, |run_at| (now - run_at).max(0));
                metrics::gauge!("portal_job_lag_seconds", "queue" => queue.as_str())
                    .set(lag_ms as f64 / 1000.0);
            }
            Ok(Err(error)) => tracing::warn!(%error, "metrics: job lag not read"),
            Err(_) => tracing::warn!("metrics: job lag not read in time"),
        }
    }
    let clicks = &scrape.redirects;
    metrics::gauge!("portal_redirect_queue_depth").set(clicks.queue_depth() as f64);
    metrics::counter!("portal_clicks_dropped_total")
        .absolute(clicks.counters.dropped.load(Ordering::Relaxed));
    metrics::counter!("portal_clicks_stored_total")
        .absolute(clicks.counters.stored.load(Ordering::Relaxed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_token_only_this_machine_unproxied() {
        let open = |peer: &str, headers: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.insert(*name, value.parse().unwrap());
            }
            allows(None, peer.parse().unwrap(), &map)
        };
        for ip in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert!(open(ip, &[]), "{ip}");
        }
        for ip in [
            "10.1.2.3",
            "192.168.0.9",
            "fd00::1",
            "8.8.8.8",
            "::ffff:10.0.0.1",
        ] {
            assert!(!open(ip, &[]), "{ip}");
        }
        assert!(!open("127.0.0.1", &[("x-forwarded-for", "203.0.113.9")]));
        assert!(!open("127.0.0.1", &[("forwarded", "for=203.0.113.9")]));
        assert_eq!(method_label(&axum::http::Method::GET), "GET");
        assert_eq!(method_label(&"FOO1".parse().unwrap()), "OTHER");
    }
}

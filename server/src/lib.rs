#![recursion_limit = "256"]

//! The portal's HTTP server: configuration, the axum router around the Leptos app, and the
//! middleware every request passes (session, CSRF, page access, body limit).

pub mod api_v1;
pub mod cli;
pub mod embed;
mod help;
pub mod jobs;
pub mod logging;
pub mod mail;
pub mod metrics;
pub mod middleware;
pub mod payouts_export;
pub mod redirect;
pub mod seed;
pub mod track;
pub mod webhooks;

pub use help::{ENV_VARS, help};

use std::net::SocketAddr;
use std::sync::Arc;

use app::{App, shell};
use axum::Router;
use axum::routing::get;
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use store::db::Db;
use store::state::{AppState, Config};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// The sender when `PORTAL_MAIL_FROM` is not set.
pub const DEFAULT_MAIL_FROM: &str = "Partner portal <portal@localhost>";

/// Requests bigger than this are refused with 413 before any handler reads them.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    pub addr: SocketAddr,
    pub site_root: String,
    pub output_name: String,
    pub public_origin: Option<String>,
    /// How often held rewards are checked for release (`PORTAL_JOB_INTERVAL_SECS`, 60).
    pub job_interval: std::time::Duration,
    /// `PORTAL_TEST_CLOCK=1` mounts the end-to-end tests' clock (see [`router_with_clock`]).
    pub test_clock: bool,
    /// `PORTAL_SMTP_URL`: where the outbox is sent; `None` keeps every message queued.
    pub smtp_url: Option<String>,
    /// `PORTAL_MAIL_FROM`: the sender of every message.
    pub mail_from: String,
    /// How often the outbox is checked for messages to send (`PORTAL_MAIL_POLL_MS`, 1000).
    pub mail_poll: std::time::Duration,
    /// How long a claimed job is its runner's alone (`PORTAL_JOB_LEASE_SECS`, 60): after a
    /// crash, other processes take its jobs over this much later.
    pub job_lease: std::time::Duration,
    /// How often new events are checked for triggers to run (`PORTAL_TRIGGER_POLL_MS`, 1000).
    pub trigger_poll: std::time::Duration,
    /// How often webhook deliveries are checked for (`PORTAL_WEBHOOK_POLL_MS`, 1000).
    pub webhook_poll: std::time::Duration,
    /// `PORTAL_WEBHOOK_ALLOW_PRIVATE=1` lets endpoints be on this machine or a private network
    /// (tests, a receiver beside the portal); otherwise such addresses are refused.
    pub webhooks_to_private: bool,
    /// How long the redirect serves a link's target from memory before reading it again
    /// (`PORTAL_LINK_CACHE_SECS`, 30): a link turned off stops on every process within it.
    pub link_cache: std::time::Duration,
    /// How long a stopping server waits for requests in flight (`PORTAL_SHUTDOWN_SECS`, 20)
    /// before it drops them and exits.
    pub shutdown_grace: std::time::Duration,
    /// `PORTAL_METRICS_TOKEN`: `/metrics` answers any client sending it as a bearer token;
    /// without it, only clients on loopback or a private network.
    pub metrics_token: Option<String>,
}

impl Settings {
    /// Reads the environment (see the README's configuration table).
    pub fn from_env() -> Result<Self, String> {
        let var = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        // A whole number from `key`, `default` when unset; anything else names the variable.
        let number = |key: &str, default: u64| -> Result<u64, String> {
            var(key).map_or(Ok(default), |v| {
                v.trim().parse().map_err(|e| format!("{key} {v:?}: {e}"))
            })
        };
        let addr = var("LEPTOS_SITE_ADDR").unwrap_or_else(|| "127.0.0.1:3000".to_owned());
        Ok(Self {
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://data/portal.db".to_owned()),
            addr: addr
                .parse()
                .map_err(|e| format!("LEPTOS_SITE_ADDR {addr:?}: {e}"))?,
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
            output_name: var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "portal".to_owned()),
            public_origin: var("PORTAL_PUBLIC_ORIGIN").map(|o| o.trim_end_matches('/').to_owned()),
            job_interval: std::time::Duration::from_secs(
                number("PORTAL_JOB_INTERVAL_SECS", 60)?.max(1),
            ),
            test_clock: var("PORTAL_TEST_CLOCK").as_deref() == Some("1"),
            smtp_url: var("PORTAL_SMTP_URL"),
            mail_from: var("PORTAL_MAIL_FROM").unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned()),
            mail_poll: std::time::Duration::from_millis(
                number("PORTAL_MAIL_POLL_MS", 1000)?.max(10),
            ),
            job_lease: std::time::Duration::from_secs(
                number("PORTAL_JOB_LEASE_SECS", domain::job::LEASE_MS as u64 / 1000)?
                    .clamp(1, 3600),
            ),
            trigger_poll: std::time::Duration::from_millis(
                number("PORTAL_TRIGGER_POLL_MS", 1000)?.max(10),
            ),
            webhook_poll: std::time::Duration::from_millis(
                number("PORTAL_WEBHOOK_POLL_MS", 1000)?.max(10),
            ),
            webhooks_to_private: var("PORTAL_WEBHOOK_ALLOW_PRIVATE").as_deref() == Some("1"),
            link_cache: std::time::Duration::from_secs(
                number("PORTAL_LINK_CACHE_SECS", redirect::LINK_CACHE.as_secs())?.clamp(1, 3600),
            ),
            shutdown_grace: std::time::Duration::from_secs(
                number("PORTAL_SHUTDOWN_SECS", 20)?.min(3600),
            ),
            metrics_token: var("PORTAL_METRICS_TOKEN"),
        })
    }

    /// A server on a free loopback port of `database_url`, with the defaults and no mail, its
    /// background work polling often: what tests and benchmarks start.
    pub fn local(database_url: String) -> Self {
        Self {
            database_url,
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            site_root: "target/site".into(),
            output_name: "portal".into(),
            public_origin: None,
            job_interval: std::time::Duration::from_secs(60),
            test_clock: false,
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.to_owned(),
            mail_poll: std::time::Duration::from_millis(50),
            job_lease: std::time::Duration::from_millis(domain::job::LEASE_MS as u64),
            trigger_poll: std::time::Duration::from_millis(50),
            webhook_poll: std::time::Duration::from_millis(50),
            // The tests' webhook receiver listens on loopback.
            webhooks_to_private: true,
            link_cache: redirect::LINK_CACHE,
            shutdown_grace: std::time::Duration::from_secs(20),
            metrics_token: None,
        }
    }

    /// The SMTP sender, when `PORTAL_SMTP_URL` is set.
    pub fn mailer(&self) -> Result<Option<mail::Mailer>, String> {
        self.smtp_url
            .as_deref()
            .map(|url| mail::Mailer::new(url, &self.mail_from))
            .transpose()
    }

    /// Whether the site was built with its files named by their content: cargo-leptos
    /// (`hash-files`) writes the hashes beside the binary, and the site this server serves
    /// holds the wasm they name. A test binary has no hashes; a site built apart from this
    /// binary (another clone sharing the target dir) keeps the plain names.
    fn site_is_hashed(&self) -> bool {
        let Some(hashes) = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
            .and_then(|path| std::fs::read_to_string(path).ok())
        else {
            return false;
        };
        let wasm = hashes
            .lines()
            .find_map(|line| line.trim().strip_prefix("wasm:"))
            .map(|hash| {
                std::path::Path::new(&self.site_root)
                    .join("pkg")
                    .join(format!("{}.{}.wasm", self.output_name, hash.trim()))
            });
        let found = wasm.is_some_and(|path| path.exists());
        if !found {
            tracing::warn!("hash.txt names a wasm the site does not have: serving plain names");
        }
        found
    }

    pub fn leptos_options(&self) -> LeptosOptions {
        let hashed = self.site_is_hashed();
        LeptosOptions::builder()
            .output_name(self.output_name.as_str())
            .site_root(self.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(self.addr)
            .env(Env::PROD)
            .hash_files(hashed)
            .build()
    }
}

/// Connects to the database and applies the migrations.
pub async fn open_database(settings: &Settings) -> Result<Db, String> {
    let db = Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    Ok(db)
}

pub fn app_state(db: Db, settings: &Settings) -> AppState {
    let secure_cookies = settings
        .public_origin
        .as_deref()
        .is_some_and(|o| o.starts_with("https://"));
    AppState::new(
        db,
        Config {
            secure_cookies,
            public_origin: settings.public_origin.clone(),
            sending_mail: settings.smtp_url.is_some(),
            webhooks_to_private: settings.webhooks_to_private,
            metrics_token_sha256: settings
                .metrics_token
                .as_deref()
                .map(metrics::Scrape::token_digest),
        },
    )
}

/// The app's routes, generated once per process. Generation runs the app with resource loading
/// suppressed through a process-wide flag, and a resource first polled meanwhile (a page
/// rendering in another server of the same process, as in the integration tests) would wait
/// forever; generating once, before any server of the process serves, rules that out.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole application: Leptos pages and server functions, the vendor API, the referral
/// redirect, static files, health check. Its click writer stops when the router is dropped.
pub fn router(state: AppState, options: LeptosOptions) -> Router {
    let (redirects, _writer) = redirect::start(state.db.clone(), redirect::LINK_CACHE);
    router_with_clock(state, options, false, redirects)
}

/// [`router`] with the redirect's state given (the binary waits for its click writer at
/// shutdown), plus `POST /test/clock` when `test_clock` is on: it runs the hold release and the
/// tier evaluation as of `days` from now. Only for end-to-end tests (`PORTAL_TEST_CLOCK=1`);
/// never enable it in production.
pub fn router_with_clock(
    state: AppState,
    options: LeptosOptions,
    test_clock: bool,
    redirects: redirect::Redirects,
) -> Router {
    let routes = route_list();
    let header_policy = middleware::HeaderPolicy {
        https: state.config.secure_cookies,
    };
    let security_headers =
        || axum::middleware::from_fn_with_state(header_policy, middleware::security_headers);
    let context_state = state.clone();
    let leptos_router = Router::new()
        .leptos_routes_with_context(
            &options,
            routes,
            move || provide_context(context_state.clone()),
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options);
    let api = Router::new()
        .nest("/api/v1", api_v1::router(state.clone()))
        .layer(security_headers());
    let api = if test_clock {
        api.merge(jobs::test_clock_router(state.clone()))
    } else {
        api
    };
    let portal = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz).with_state(state.clone()))
        .route(
            "/vendor/payouts/export.csv",
            get(payouts_export::export).with_state(state.clone()),
        )
        .merge(leptos_router)
        .layer(axum::middleware::from_fn(middleware::server_fn_status))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::clear_shown_notice,
        ))
        .layer(axum::middleware::from_fn(middleware::page_guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::session,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(state.config.public_origin.clone()),
            middleware::same_origin,
        ))
        .layer(security_headers())
        .layer(axum::middleware::from_fn(|request, next| {
            middleware::body_limit(BODY_LIMIT_BYTES, request, next)
        }));
    // Operators' numbers: no session, no page middleware.
    let metrics = Router::new()
        .route("/metrics", get(metrics::scrape))
        .with_state(metrics::Scrape::new(
            state.db.clone(),
            redirects.clone(),
            state.config.metrics_token_sha256,
        ))
        .layer(security_headers());
    // The redirect reads no session and changes nothing a visitor owns: it stays off the page
    // middleware's path, for speed.
    let referral = Router::new()
        .route("/r/{key}", get(redirect::redirect))
        .with_state(redirects)
        .layer(security_headers());
    // Loaded by and framed in vendors' pages: their own headers (CORP, frame-ancestors).
    let vendor_pages = Router::new()
        .route("/js/track.js", get(track::script))
        .route(
            "/embed/referral",
            get(embed::referral).with_state(state.clone()),
        );
    // The API authenticates with keys, not cookies: none of the page middleware applies.
    // Pages, JSON and CSV are compressed as they go out, at the fastest level: brotli's costs
    // no measurable throughput there (level 4 cost a third of `/vendor`'s requests per second)
    // and still takes 57 % off `/vendor`. The build's files come precompressed and pass through.
    api.merge(referral)
        .merge(metrics)
        .merge(vendor_pages)
        .merge(portal)
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        // Outermost but for routing: it sees every answer, 413s and 403s included, and the
        // route each request matched.
        .layer(axum::middleware::from_fn(metrics::track))
}

/// Serves `router` on `listener` until the process is asked to stop (Ctrl-C, SIGTERM). Then it
/// takes no new connections and waits up to `grace` for the requests in flight, then drops
/// them: a service manager's stop never hangs on a slow client.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    let (stopping, asked_to_stop) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        stopped().await;
        let _ = stopping.send(());
    });
    let deadline = async move {
        if asked_to_stop.await.is_err() {
            // The server ended on its own: it decides.
            std::future::pending::<()>().await;
        }
        tracing::info!(
            grace_secs = grace.as_secs_f64(),
            "stopping: finishing the requests in flight"
        );
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = server.into_future() => served,
        () = deadline => {
            tracing::warn!("stopping: the grace period ended; requests still in flight are dropped");
            Ok(())
        }
    }
}

/// Ctrl-C or (on Unix) SIGTERM, the signal service managers stop a server with.
async fn stopped() {
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async {
                match term.as_mut() {
                    Some(t) => { t.recv().await; }
                    None => std::future::pending::<()>().await,
                }
            } => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `GET /readyz`: 200 once the database answers (within 2 s) and has every migration this
/// binary carries, else 503, so a load balancer sends no traffic to a process that cannot
/// serve. `/healthz` only says the process is up.
async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use store::db::Readiness;
    match state.db.readiness(std::time::Duration::from_secs(2)).await {
        Ok(()) => "ready".into_response(),
        Err(Readiness::Unreachable(cause)) => {
            tracing::warn!(%cause, "not ready: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: the database does not answer",
            )
                .into_response()
        }
        Err(Readiness::MigrationsPending(versions)) => {
            tracing::warn!(?versions, "not ready: migrations pending");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: migrations pending (run server migrate)",
            )
                .into_response()
        }
    }
}

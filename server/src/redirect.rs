//! `GET /r/<key>`: the referral redirect. It answers from an in-memory cache of link targets
//! and hands the click to a bounded queue; a writer task stores queued clicks in batches (one
//! transaction per batch) and drains the queue when the server stops. When the queue is full
//! the visitor is still redirected and the lost click is counted and logged.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use app::server::db::{Db, now_ms};
use app::server::links::{self, Target};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tokio::sync::{RwLock, mpsc};

/// Clicks waiting to be written; beyond this the redirect still happens and the click is counted
/// as dropped.
pub const QUEUE_CAPACITY: usize = 50_000;
/// Most rows per insert statement.
const BATCH: usize = 1_000;
/// How long a cached target (or a cached "no such link") is used before it is read again, so a
/// disabled link stops within this time on every server process.
const CACHE_TTL: Duration = Duration::from_secs(30);
/// Entries kept; the cache starts over when full (a bound, not an eviction policy).
const CACHE_MAX: usize = 200_000;

/// One click as it is stored.
#[derive(Debug, Clone)]
pub struct ClickRow {
    pub link_id: i64,
    pub program_id: i64,
    pub partnership_id: i64,
    pub click_key: String,
    pub occurred_at: i64,
    pub ip_hash: String,
    pub user_agent_family: &'static str,
    pub referrer_host: Option<String>,
    pub country: Option<String>,
    pub bot: bool,
}

/// Counts the benchmark and the logs read.
#[derive(Debug, Default)]
pub struct ClickCounters {
    pub served: AtomicU64,
    pub stored: AtomicU64,
    pub dropped: AtomicU64,
}

/// A target with its `Location` built once: everything but the click id, which comes last.
pub struct Prepared {
    target: Target,
    location_prefix: String,
}

/// Link key -> when it was read, and its prepared target (`None`: no such enabled link, or
/// its destination is no longer allowed).
type TargetCache = HashMap<String, (Instant, Option<Arc<Prepared>>)>;

/// Stands for the click id while the `Location` is built once per cached target: letters and
/// digits like every click id, so it is appended as is and cut off again.
const CLICK_PLACEHOLDER: &str = "CLICKIDXXX";

impl Prepared {
    fn new(target: Target) -> Option<Prepared> {
        let location = domain::link::redirect_location(
            &target.destination,
            &target.allowed,
            &target.params,
            &target.partner_key,
            CLICK_PLACEHOLDER,
        )?;
        let location_prefix = location.strip_suffix(CLICK_PLACEHOLDER)?.to_owned();
        Some(Prepared {
            target,
            location_prefix,
        })
    }
}

/// The redirect's state: the target cache and the queue's sending end.
#[derive(Clone)]
pub struct Redirects {
    db: Db,
    cache: Arc<RwLock<TargetCache>>,
    queue: mpsc::Sender<ClickRow>,
    pub counters: Arc<ClickCounters>,
    salt: Arc<String>,
}

/// The writer task; [`ClickWriter::finish`] waits until every queued click is stored (call it
/// after the server, and with it every sender, is gone).
pub struct ClickWriter {
    handle: tokio::task::JoinHandle<()>,
    counters: Arc<ClickCounters>,
}

impl ClickWriter {
    /// Waits for the queue to drain and logs the process's totals (the benchmark reads them).
    pub async fn finish(self) {
        let _ = self.handle.await;
        let c = &self.counters;
        tracing::info!(
            served = c.served.load(Ordering::Relaxed),
            stored = c.stored.load(Ordering::Relaxed),
            dropped = c.dropped.load(Ordering::Relaxed),
            "click writer stopped"
        );
    }
}

/// Starts the writer and returns the redirect state that feeds it.
pub fn start(db: Db) -> (Redirects, ClickWriter) {
    let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
    let counters = Arc::new(ClickCounters::default());
    let handle = tokio::spawn(write_clicks(db.clone(), receiver, counters.clone()));
    let writer = ClickWriter {
        handle,
        counters: counters.clone(),
    };
    let salt = Arc::new(app::server::session::new_token());
    (
        Redirects {
            db,
            cache: Arc::default(),
            queue,
            counters,
            salt,
        },
        writer,
    )
}

async fn write_clicks(
    db: Db,
    mut receiver: mpsc::Receiver<ClickRow>,
    counters: Arc<ClickCounters>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    // `recv` returns None once every sender is dropped and the queue is empty: all is written.
    while let Some(first) = receiver.recv().await {
        batch.push(first);
        while batch.len() < BATCH {
            match receiver.try_recv() {
                Ok(click) => batch.push(click),
                Err(_) => break,
            }
        }
        let n = batch.len() as u64;
        match insert(&db, &batch).await {
            Ok(()) => {
                counters.stored.fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                counters.dropped.fetch_add(n, Ordering::Relaxed);
                tracing::error!(error = %e, clicks = n, "storing clicks failed; they are lost");
            }
        }
        batch.clear();
    }
}

/// Rows per insert statement and links per counter update. The SQLite driver looks each
/// placeholder up by name, which costs the square of a statement's placeholders: statements of
/// a few hundred placeholders, several per transaction, keep that small (and, being of a few
/// fixed sizes, stay prepared).
const ROWS_PER_STATEMENT: usize = 50;

/// A batch in one transaction: multi-row inserts, then the links' counters. The same SQL text
/// on both backends.
async fn insert(db: &Db, batch: &[ClickRow]) -> Result<(), sqlx::Error> {
    // Link lists show these counts without counting clicks. In link order, so writers in
    // several processes take the rows' locks in the same order.
    let mut counts: std::collections::BTreeMap<i64, (i64, i64)> = Default::default();
    for c in batch {
        let entry = counts.entry(c.link_id).or_default();
        if c.bot {
            entry.1 += 1;
        } else {
            entry.0 += 1;
        }
    }
    let counts: Vec<(i64, (i64, i64))> = counts.into_iter().collect();
    let mut tx = db.begin().await?;
    for rows in batch.chunks(ROWS_PER_STATEMENT) {
        insert_rows(rows).execute(&mut *tx).await?;
    }
    for links in counts.chunks(ROWS_PER_STATEMENT) {
        counter_update(links).execute(&mut *tx).await?;
    }
    tx.commit().await
}

type AnyQuery = sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>;

/// `$1, $2, …` for `n` placeholders starting after `offset`.
fn placeholders(offset: usize, n: usize) -> String {
    (offset + 1..=offset + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn insert_rows(rows: &[ClickRow]) -> AnyQuery {
    const COLUMNS: usize = 10;
    let values = (0..rows.len())
        .map(|i| format!("({})", placeholders(i * COLUMNS, COLUMNS)))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO clicks (link_id, program_id, partnership_id, click_key, occurred_at, ip_hash, user_agent_family, referrer_host, country, bot) VALUES {values}"
    );
    // Safe: the text holds only placeholders; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for c in rows {
        query = query
            .bind(c.link_id)
            .bind(c.program_id)
            .bind(c.partnership_id)
            .bind(c.click_key.clone())
            .bind(c.occurred_at)
            .bind(c.ip_hash.clone())
            .bind(c.user_agent_family)
            .bind(c.referrer_host.clone())
            .bind(c.country.clone())
            .bind(i64::from(c.bot));
    }
    query
}

/// One `UPDATE` for some links of a batch: `click_count + CASE id WHEN … END`.
fn counter_update(counts: &[(i64, (i64, i64))]) -> AnyQuery {
    let n = counts.len();
    let cases = |offset: usize| {
        (0..n)
            .map(|i| format!(" WHEN ${} THEN ${}", 3 * i + 1, 3 * i + 1 + offset))
            .collect::<String>()
    };
    let ids = (0..n)
        .map(|i| format!("${}", 3 * i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE links SET click_count = click_count + CASE id{} ELSE 0 END, \
         bot_click_count = bot_click_count + CASE id{} ELSE 0 END WHERE id IN ({ids})",
        cases(1),
        cases(2)
    );
    // Safe: the text holds only placeholders; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (link_id, (human, bot)) in counts {
        query = query.bind(*link_id).bind(*human).bind(*bot);
    }
    query
}

impl Redirects {
    async fn target(&self, key: &str) -> Result<Option<Arc<Prepared>>, app::error::AppError> {
        if let Some((at, target)) = self.cache.read().await.get(key)
            && at.elapsed() < CACHE_TTL
        {
            return Ok(target.clone());
        }
        let target = links::target(&self.db, key)
            .await?
            .and_then(Prepared::new)
            .map(Arc::new);
        let mut cache = self.cache.write().await;
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(key.to_owned(), (Instant::now(), target.clone()));
        Ok(target)
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
    let prepared = match redirects.target(&key).await {
        Ok(Some(prepared)) => prepared,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e.message, "looking up a link failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
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
    let user_agent = text(header::USER_AGENT);
    let click = ClickRow {
        link_id: target.link_id,
        program_id: target.program_id,
        partnership_id: target.partnership_id,
        click_key,
        occurred_at: now,
        ip_hash: redirects.ip_hash(&peer.ip().to_string(), now),
        user_agent_family: domain::link::user_agent_family(user_agent),
        referrer_host: url_host(text(header::REFERER)),
        country: headers
            .get("cf-ipcountry")
            .and_then(|v| v.to_str().ok())
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(|c| c.to_ascii_uppercase()),
        bot: domain::link::is_bot(user_agent),
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

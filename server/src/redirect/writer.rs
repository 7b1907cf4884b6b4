//! The click writer: a thread of its own, with its own database connection, that stores queued
//! clicks in batches (one transaction each) and adds them to their links' counters once a
//! second. Its own thread, because on the server's runtime each of its statements would wait
//! behind the requests; its own connection, because it writes all the time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use store::db::{Db, placeholders};
use tokio::sync::{mpsc, oneshot};

use super::connection::Dedicated;

/// Clicks waiting to be written; beyond this the redirect still happens and the click is counted
/// as dropped.
pub const QUEUE_CAPACITY: usize = 50_000;
/// Most clicks per transaction.
const BATCH: usize = 1_000;

/// One click as it is stored.
#[derive(Debug, Clone)]
pub struct ClickRow {
    pub link_id: i64,
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

/// The writer; [`ClickWriter::finish`] waits until every queued click is stored (call it after
/// the server, and with it every sender, is gone).
pub struct ClickWriter {
    done: oneshot::Receiver<()>,
    counters: Arc<ClickCounters>,
}

impl ClickWriter {
    /// Starts the writer thread; it stops once every sender of the queue is dropped and the
    /// queue is written.
    #[expect(
        clippy::expect_used,
        reason = "at startup: a server that cannot start a thread cannot serve"
    )]
    pub fn start(db: Db) -> (mpsc::Sender<ClickRow>, Arc<ClickCounters>, ClickWriter) {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let counters = Arc::new(ClickCounters::default());
        let (done_tx, done) = oneshot::channel();
        let writer_counters = counters.clone();
        std::thread::Builder::new()
            .name("click-writer".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => {
                        runtime.block_on(write_clicks(db, receiver, writer_counters));
                    }
                    Err(e) => tracing::error!(error = %e, "the click writer could not start"),
                }
                let _ = done_tx.send(());
            })
            .expect("a thread for the click writer");
        let writer = ClickWriter {
            done,
            counters: counters.clone(),
        };
        (queue, counters, writer)
    }

    /// Waits for the queue to drain and logs the process's totals (the benchmark reads them).
    pub async fn finish(self) {
        let _ = self.done.await;
        let c = &self.counters;
        tracing::info!(
            served = c.served.load(Ordering::Relaxed),
            stored = c.stored.load(Ordering::Relaxed),
            dropped = c.dropped.load(Ordering::Relaxed),
            "click writer stopped"
        );
    }
}

async fn write_clicks(
    db: Db,
    mut receiver: mpsc::Receiver<ClickRow>,
    counters: Arc<ClickCounters>,
) {
    let mut conn = Dedicated::new(
        db,
        // Commits don't wait for PostgreSQL's WAL flush (many a second, each a disk sync). A
        // PostgreSQL crash can lose the last fraction of a second of clicks — the guarantee
        // SQLite gives with `synchronous = NORMAL`; the server stopping, or crashing, loses
        // none.
        &["SET synchronous_commit = off"],
    );
    let mut batch = Vec::with_capacity(BATCH);
    let mut pending = Pending::new();
    // When the pending counts are due; `None` while there are none.
    let mut count_at: Option<tokio::time::Instant> = None;
    loop {
        let next = match count_at {
            Some(at) => tokio::select! {
                click = receiver.recv() => click,
                () = tokio::time::sleep_until(at) => {
                    count_at = add_counts(&mut conn, &mut pending).await;
                    continue;
                }
            },
            None => receiver.recv().await,
        };
        // `None` once every sender is dropped and the queue is empty: all is written.
        let Some(first) = next else { break };
        batch.push(first);
        drain(&mut receiver, &mut batch);
        if batch.len() < BATCH {
            // Let a batch gather instead of waking for every click: one wake-up and one
            // transaction per few hundred clicks under load, a few milliseconds' delay when idle.
            tokio::time::sleep(GATHER).await;
            drain(&mut receiver, &mut batch);
        }
        let n = batch.len() as u64;
        match insert(&mut conn, &batch).await {
            Ok(()) => {
                counters.stored.fetch_add(n, Ordering::Relaxed);
                for c in &batch {
                    let entry = pending.entry(c.link_id).or_default();
                    if c.bot {
                        entry.1 += 1;
                    } else {
                        entry.0 += 1;
                    }
                }
                count_at.get_or_insert_with(|| tokio::time::Instant::now() + COUNT_INTERVAL);
            }
            Err(e) => {
                counters.dropped.fetch_add(n, Ordering::Relaxed);
                tracing::error!(error = %e, clicks = n, "storing clicks failed; they are lost");
            }
        }
        batch.clear();
        if count_at.is_some_and(|at| at <= tokio::time::Instant::now()) {
            count_at = add_counts(&mut conn, &mut pending).await;
        }
    }
    if add_counts(&mut conn, &mut pending).await.is_some() {
        tracing::error!(
            links = pending.len(),
            "link click counts were not updated at shutdown"
        );
    }
}

/// How long the writer lets clicks gather after the first of a batch arrives.
const GATHER: Duration = Duration::from_millis(5);

/// Moves queued clicks into `batch` until it is full or the queue is empty, without waiting.
fn drain(receiver: &mut mpsc::Receiver<ClickRow>, batch: &mut Vec<ClickRow>) {
    while batch.len() < BATCH {
        match receiver.try_recv() {
            Ok(click) => batch.push(click),
            Err(_) => break,
        }
    }
}

/// How long stored clicks wait before they are added to their links' counters: a link clicked
/// many times a second is updated once per interval, not once per batch.
const COUNT_INTERVAL: Duration = Duration::from_secs(1);

/// Stored clicks not yet added to their links' counters: link id -> (human, bot). In link
/// order, so writers in several processes take the rows' locks in the same order.
type Pending = BTreeMap<i64, (i64, i64)>;

/// Adds the pending counts to the links in one transaction. On failure they are kept and the
/// time of the next try is returned.
async fn add_counts(conn: &mut Dedicated, pending: &mut Pending) -> Option<tokio::time::Instant> {
    if pending.is_empty() {
        return None;
    }
    let counts: Vec<(i64, (i64, i64))> = pending.iter().map(|(k, v)| (*k, *v)).collect();
    let result = async {
        let mut tx = conn.begin().await?;
        for links in runs(&counts) {
            counter_update(links).execute(&mut *tx).await?;
        }
        tx.commit().await
    }
    .await;
    let result = conn.check(result);
    match result {
        Ok(()) => {
            pending.clear();
            None
        }
        Err(e) => {
            tracing::error!(error = %e, links = pending.len(), "updating link click counts failed; will retry");
            Some(tokio::time::Instant::now() + COUNT_INTERVAL)
        }
    }
}

/// Most rows per insert statement and links per counter update. The SQLite driver looks each
/// placeholder up by name, which costs the square of a statement's placeholders: statements of
/// a few hundred placeholders keep that small.
const ROWS_PER_STATEMENT: usize = 25;

/// `items` cut into runs of 25, then 5, then 1: statements of three sizes only, which stay in
/// each connection's cache of prepared statements.
fn runs<T>(mut items: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        let size = [ROWS_PER_STATEMENT, 5, 1]
            .into_iter()
            .find(|size| items.len() >= *size)?;
        let (run, rest) = items.split_at(size);
        items = rest;
        Some(run)
    })
}

/// A batch in one transaction of multi-row inserts. The same SQL text on both backends.
async fn insert(conn: &mut Dedicated, batch: &[ClickRow]) -> Result<(), sqlx::Error> {
    let result = async {
        let mut tx = conn.begin().await?;
        for rows in runs(batch) {
            insert_rows(rows).execute(&mut *tx).await?;
        }
        tx.commit().await
    }
    .await;
    conn.check(result)
}

type AnyQuery = sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>;

fn insert_rows(rows: &[ClickRow]) -> AnyQuery {
    const COLUMNS: usize = 7;
    let values = (0..rows.len())
        .map(|i| format!("({})", placeholders(i * COLUMNS, COLUMNS)))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO clicks (link_id, click_key, occurred_at, ip_hash, user_agent_family, referrer_host, country) VALUES {values}"
    );
    // Safe: the text holds only placeholders; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for c in rows {
        query = query
            .bind(c.link_id)
            .bind(c.click_key.clone())
            .bind(c.occurred_at)
            .bind(c.ip_hash.clone())
            .bind(c.user_agent_family)
            .bind(c.referrer_host.clone())
            .bind(c.country.clone());
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

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn runs_come_in_three_sizes_and_cover_every_item_once() {
        for n in 0..200usize {
            let items: Vec<usize> = (0..n).collect();
            let cut: Vec<&[usize]> = runs(&items).collect();
            assert!(cut.iter().all(|run| [25, 5, 1].contains(&run.len())), "{n}");
            assert_eq!(cut.concat(), items);
            // Big runs first: at most four runs of 5 and four of 1.
            assert!(cut.iter().filter(|r| r.len() < 25).count() <= 8, "{n}");
        }
    }
}

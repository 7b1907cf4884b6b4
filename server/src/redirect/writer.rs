//! The click writer: a thread of its own, with its own database connection, that stores queued
//! clicks in batches (one transaction each) and adds them to their links' counters once a
//! second. Its own thread, because on the server's runtime each of its statements would wait
//! behind the requests; its own connection, because it writes all the time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use store::clicks;
pub use store::clicks::ClickRow;
use store::db::{Db, Dedicated};
use tokio::sync::{mpsc, oneshot};

/// Clicks waiting to be written; beyond this the redirect still happens and the click is counted
/// as dropped.
pub const QUEUE_CAPACITY: usize = 50_000;
/// Most clicks per transaction.
const BATCH: usize = 1_000;

/// Counts the benchmark and the logs read.
#[derive(Debug, Default)]
pub struct ClickCounters {
    pub served: AtomicU64,
    pub stored: AtomicU64,
    pub dropped: AtomicU64,
}

/// The writer; [`ClickWriter::finish`] stops it and waits until every queued click is stored.
/// Dropped without `finish`, it keeps writing while the queue has senders.
pub struct ClickWriter {
    done: oneshot::Receiver<()>,
    stop: oneshot::Sender<()>,
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
        let (stop, stopped) = oneshot::channel();
        let writer_counters = counters.clone();
        std::thread::Builder::new()
            .name("click-writer".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => {
                        runtime.block_on(write_clicks(db, receiver, stopped, writer_counters));
                    }
                    Err(e) => tracing::error!(error = %e, "the click writer could not start"),
                }
                let _ = done_tx.send(());
            })
            .expect("a thread for the click writer");
        let writer = ClickWriter {
            done,
            stop,
            counters: counters.clone(),
        };
        (queue, counters, writer)
    }

    /// Closes the queue (a redirect still answered drops its click, counted), waits until the
    /// clicks queued are stored, and logs the process's totals (the benchmark reads them). The
    /// queue's senders may outlive the server: a connection dropped at the shutdown deadline
    /// still holds the router.
    pub async fn finish(self) {
        let _ = self.stop.send(());
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
    mut stop: oneshot::Receiver<()>,
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
    // The stop signal has answered: `Ok` from `finish`, `Err` when the `ClickWriter` was
    // dropped without it (the writer then runs while the queue has senders).
    let mut stop_answered = false;
    loop {
        let count_due = count_at.unwrap_or_else(tokio::time::Instant::now);
        let next = tokio::select! {
            click = receiver.recv() => click,
            answer = &mut stop, if !stop_answered => {
                stop_answered = true;
                if answer.is_ok() {
                    receiver.close();
                }
                continue;
            }
            () = tokio::time::sleep_until(count_due), if count_at.is_some() => {
                count_at = add_counts(&mut conn, &mut pending).await;
                continue;
            }
        };
        // `None` once the queue is closed (or every sender dropped) and empty: all is written.
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
        match clicks::insert(&mut conn, &batch).await {
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
    match clicks::add_to_links(conn, &counts).await {
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

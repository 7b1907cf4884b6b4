//! The redirect's cache of link targets. Requests are answered from memory. A key not yet
//! cached waits for the loader task, which reads the targets of every waiting key in one
//! statement (a burst of new keys costs a query per 64 keys, not one each); an entry older than
//! its freshness (`PORTAL_LINK_CACHE_SECS`) is still served while the loader reads it again, so
//! a link turned off stops within about that time on every server process, without a request
//! ever waiting for a refresh.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use store::db::{Db, Dedicated};
use store::links::{self, Target};
use tokio::sync::{mpsc, oneshot};

/// How long an entry (a target, or "no such link") is served without being read again, unless
/// configured.
pub const FRESH: Duration = Duration::from_secs(30);
/// Entries kept; the cache starts over when full (a bound, not an eviction policy).
const CACHE_MAX: usize = 200_000;
/// Most keys one load reads.
const LOAD_MAX: usize = 4 * links::TARGETS_PER_STATEMENT;

/// A target with its `Location` built once: everything but the click id, which comes last.
pub struct Prepared {
    pub target: Target,
    pub location_prefix: String,
}

/// Stands for the click id while the `Location` is built once per cached target: letters and
/// digits like every click id, so it is appended as is and cut off again.
const CLICK_PLACEHOLDER: &str = "CLICKIDXXX";

impl Prepared {
    /// `None` when the stored destination is not allowed (any more): such a link leads nowhere.
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

struct Entry {
    read_at: Instant,
    /// `None`: no enabled link of an active partnership has the key, or it leads nowhere.
    target: Option<Arc<Prepared>>,
    /// A refresh was asked for; asked once, not by every request meanwhile.
    refreshing: AtomicBool,
}

type Entries = Arc<RwLock<HashMap<String, Entry>>>;

/// Reading the targets failed (the cause is logged by the loader).
#[derive(Debug)]
pub struct LookupFailed;

type Answer = Result<Option<Arc<Prepared>>, LookupFailed>;

enum Load {
    /// A request waits for the key's target.
    Wait(String, oneshot::Sender<Answer>),
    /// The key's entry is stale: read it again.
    Refresh(String),
}

/// The cache and the sending end of its loader's queue; the loader stops when this is dropped.
pub struct Targets {
    entries: Entries,
    loads: mpsc::UnboundedSender<Load>,
    fresh: Duration,
}

impl Targets {
    /// The cache, with its loader running on the current runtime; an entry is read again once
    /// older than `fresh`.
    pub fn start(db: Db, fresh: Duration) -> Targets {
        let entries = Entries::default();
        // Unbounded, yet bounded in practice: a request adds one load and waits for it, and a
        // stale entry asks for one refresh at a time.
        let (loads, receiver) = mpsc::unbounded_channel();
        tokio::spawn(load(db, entries.clone(), receiver));
        Targets {
            entries,
            loads,
            fresh,
        }
    }

    /// The prepared target of `key` (`None`: no such link).
    pub async fn get(&self, key: &str) -> Answer {
        {
            let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
            if let Some(entry) = entries.get(key) {
                let age = entry.read_at.elapsed();
                if age < self.fresh {
                    return Ok(entry.target.clone());
                }
                // Older than twice that, it is not served while read again: the request waits.
                if age < 2 * self.fresh {
                    if !entry.refreshing.swap(true, Ordering::Relaxed) {
                        let _ = self.loads.send(Load::Refresh(key.to_owned()));
                    }
                    return Ok(entry.target.clone());
                }
            }
        }
        let (answer, answered) = oneshot::channel();
        self.loads
            .send(Load::Wait(key.to_owned(), answer))
            .map_err(|_| LookupFailed)?;
        answered.await.map_err(|_| LookupFailed)?
    }
}

/// Reads the targets of the queued keys, up to [`LOAD_MAX`] at a time: while one read runs,
/// the next requests' keys gather for the next.
async fn load(db: Db, entries: Entries, mut loads: mpsc::UnboundedReceiver<Load>) {
    let mut conn = Dedicated::new(db, &[]);
    let mut waiting: HashMap<String, Vec<oneshot::Sender<Answer>>> = HashMap::new();
    while let Some(first) = loads.recv().await {
        let mut next = Some(first);
        while let Some(load) = next.take() {
            match load {
                Load::Wait(key, answer) => waiting.entry(key).or_default().push(answer),
                Load::Refresh(key) => {
                    waiting.entry(key).or_default();
                }
            }
            if waiting.len() < LOAD_MAX {
                next = loads.try_recv().ok();
            }
        }
        let keys: Vec<String> = waiting.keys().cloned().collect();
        let result = match conn.get().await {
            Ok(c) => links::targets(c, &keys).await,
            Err(e) => Err(e.into()),
        };
        match conn.check(result) {
            Ok(found) => {
                let mut found: HashMap<String, Target> = found.into_iter().collect();
                let read: Vec<(String, Vec<_>, Option<Arc<Prepared>>)> = waiting
                    .drain()
                    .map(|(key, answers)| {
                        let target = found.remove(&key).and_then(Prepared::new).map(Arc::new);
                        (key, answers, target)
                    })
                    .collect();
                let read_at = Instant::now();
                let mut entries = entries.write().unwrap_or_else(|e| e.into_inner());
                if entries.len() + read.len() > CACHE_MAX {
                    entries.clear();
                }
                for (key, answers, target) in read {
                    for answer in answers {
                        let _ = answer.send(Ok(target.clone()));
                    }
                    let entry = Entry {
                        read_at,
                        target,
                        refreshing: AtomicBool::new(false),
                    };
                    entries.insert(key, entry);
                }
            }
            Err(e) => {
                tracing::error!(error = %e.message, keys = keys.len(), "reading link targets failed");
                let entries = entries.read().unwrap_or_else(|e| e.into_inner());
                for (key, answers) in waiting.drain() {
                    for answer in answers {
                        let _ = answer.send(Err(LookupFailed));
                    }
                    // Stale entries are asked for again by the next request.
                    if let Some(entry) = entries.get(&key) {
                        entry.refreshing.store(false, Ordering::Relaxed);
                    }
                }
            }
        }
    }
}

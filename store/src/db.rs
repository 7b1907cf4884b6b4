//! The database: SQLite (embedded default) or PostgreSQL, chosen by URL, behind sqlx's `Any`
//! driver so every query is one SQL text with `$1` placeholders that runs on both.
//!
//! Lists write their `LIMIT` into the SQL text instead of binding it: SQLite reads a bound
//! LIMIT's value while planning and marks the statement stale whenever the value is bound
//! again, so a cached statement with `LIMIT $n` was parsed and planned anew on every run (a
//! quarter of a list page's time). A literal keeps the statement cached and the planner knowing
//! the page size. The same holds for a bound value compared with the column of a partial
//! index's `WHERE`: the schema has none on columns that queries compare with bound values.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};

mod conns;
pub use conns::Conn;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(format!(
                "unsupported database URL scheme (use sqlite: or postgres:): {url}"
            ))
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    conns: Arc<conns::Conns>,
}

pub type Tx = Transaction<'static, Any>;

/// How long a request waits for a free connection before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// `$1, $2, …`: `n` placeholders numbered from `offset + 1`, for `IN (…)` lists and
/// multi-row inserts.
pub fn placeholders(offset: usize, n: usize) -> String {
    (offset + 1..=offset + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Settings every connection gets, pooled or not.
async fn configure(conn: &mut AnyConnection, backend: Backend) -> Result<(), sqlx::Error> {
    if backend == Backend::Sqlite {
        // WAL lets readers work while a writer commits; the busy timeout makes a second
        // writer wait instead of failing at once.
        conn.execute("PRAGMA journal_mode = WAL").await?;
        conn.execute("PRAGMA foreign_keys = ON").await?;
        conn.execute("PRAGMA busy_timeout = 5000").await?;
        conn.execute("PRAGMA synchronous = NORMAL").await?;
        // 32 MiB of pages per connection (the default is 2 MiB) and reads through a memory
        // map: the click writer and the lists stay off read() calls.
        conn.execute("PRAGMA cache_size = -32768").await?;
        conn.execute("PRAGMA mmap_size = 268435456").await?;
    } else {
        // Prepared statements may run a generic plan (PostgreSQL's choice after five runs):
        // planning a page's query took longer than running it (1.8 ms against 0.24 ms for the
        // overview), and with page sizes written into the text the generic plans keep to their
        // keyset indexes. A query whose optional filters (`$2 = '' OR …`) need their values
        // to plan well runs unprepared (`.persistent(false)`), planned with its values each
        // time. PORTAL_PG_PLANS=custom plans every statement with its values, for comparing.
        if std::env::var("PORTAL_PG_PLANS").is_ok_and(|v| v == "custom") {
            conn.execute("SET plan_cache_mode = force_custom_plan")
                .await?;
        }
        // The default cost of a random page read assumes spinning disks and makes the planner
        // walk the primary key backwards past every row of a program instead of reading a
        // keyset index such as (partnership_id, stage, id); 1.1 is the usual value for SSDs.
        conn.execute("SET random_page_cost = 1.1").await?;
    }
    Ok(())
}

/// The password of a database URL (`postgres://user:PASSWORD@host/db`), if it has one.
fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let credentials = rest.split(['/', '?', '#']).next()?.rsplit_once('@')?.0;
    credentials
        .split_once(':')
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty())
}

/// `message` with the URL's password replaced by `***`, wherever the message quotes it (raw or
/// percent-decoded): errors are printed and logged, passwords never are.
pub fn redact(message: &str, url: &str) -> String {
    let Some(password) = url_password(url) else {
        return message.to_owned();
    };
    let decoded = url::form_urlencoded::parse(format!("p={password}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let mut message = message.replace(password, "***");
    if !decoded.is_empty() {
        message = message.replace(&decoded, "***");
    }
    message
}

/// Connections of one process ([`Db::pool_stats`]).
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    /// The pool transactions take from: connections open, and how many of them are idle.
    pub transactions_open: usize,
    pub transactions_idle: usize,
    /// Connections of [`Db::conn`] lent out for reads.
    pub reads_in_use: usize,
}

impl Db {
    /// Connects, creating the SQLite file (and its folder) when missing. Errors never quote
    /// the URL's password.
    pub async fn connect(url: &str) -> Result<Self, String> {
        Self::connect_unredacted(url)
            .await
            .map_err(|e| redact(&e, url))
    }

    async fn connect_unredacted(url: &str) -> Result<Self, String> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let mut url = url.to_owned();
        if backend == Backend::Sqlite {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:")
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned();
            if !path.is_empty()
                && path != ":memory:"
                && let Some(dir) = std::path::Path::new(&path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
        }
        let options =
            AnyConnectOptions::from_str(&url).map_err(|e| format!("bad database URL: {e}"))?;
        let max = match backend {
            Backend::Sqlite => 4,
            Backend::Postgres => 10,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // Checking a connection before every use doubled the round trips of a one-query
            // call; a connection that died fails its query and is dropped from the pool.
            .test_before_acquire(false)
            .after_connect(move |conn, _meta| Box::pin(configure(conn, backend)))
            .connect_with(options)
            .await
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        Ok(Self {
            pool,
            backend,
            conns: conns::Conns::new(max as usize),
        })
    }

    pub async fn migrate(&self) -> Result<(), String> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| format!("migration failed: {e}"))
    }

    /// Whether this process can serve: the database answers within `within`, and every
    /// migration this binary carries has been applied (`/readyz`). `Err` says which, for the log.
    pub async fn readiness(&self, within: std::time::Duration) -> Result<(), Readiness> {
        let applied = tokio::time::timeout(within, async {
            let rows: Vec<i64> =
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                    .fetch_all(&mut self.conn().await?)
                    .await?;
            Ok::<_, sqlx::Error>(rows)
        })
        .await
        .map_err(|_| Readiness::Unreachable("no answer in time".into()))?
        .map_err(|e| Readiness::Unreachable(e.to_string()))?;
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        };
        let pending: Vec<i64> = migrator
            .iter()
            .map(|m| m.version)
            .filter(|v| !applied.contains(v))
            .collect();
        if pending.is_empty() {
            Ok(())
        } else {
            Err(Readiness::MigrationsPending(pending))
        }
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads and then writes after another writer committed fails
    /// with SQLITE_BUSY_SNAPSHOT, which the busy timeout does not retry.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// A connection for statements outside a transaction (a page's reads): `.fetch_all(&mut
    /// db.conn().await?)`. Unlike the pool's, it goes back without a round trip to the
    /// database ([`conns`]).
    pub async fn conn(&self) -> Result<Conn, sqlx::Error> {
        self.conns.take(ACQUIRE_TIMEOUT, self.connect_one()).await
    }

    /// Copies a SQLite database into the new file `path`, consistently, while others keep
    /// reading and writing it (`VACUUM INTO`: one read transaction, a compact copy).
    pub async fn backup_into(&self, path: &str) -> Result<(), String> {
        if self.backend != Backend::Sqlite {
            return Err("VACUUM INTO copies SQLite databases only".into());
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await
            .map_err(|e| format!("backup into {path} failed: {e}"))?;
        Ok(())
    }

    /// Whether migrations were ever applied here: a database of the portal, not an empty file.
    pub async fn is_portal(&self) -> bool {
        let applied: Result<i64, sqlx::Error> =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
                .fetch_one(&self.pool)
                .await;
        applied.is_ok_and(|n| n > 0)
    }

    /// How many connections this process holds, for `/metrics`.
    pub fn pool_stats(&self) -> PoolStats {
        PoolStats {
            transactions_open: self.pool.size() as usize,
            transactions_idle: self.pool.num_idle(),
            reads_in_use: self.conns.in_use(),
        }
    }

    /// Closes the pool (waiting for its connections in use) and the idle connections of
    /// [`Db::conn`]; one of those in use is closed when dropped.
    pub async fn close(&self) {
        self.pool.close().await;
        self.conns.close().await;
    }

    /// A connection of its own, outside the pool and set up like the pool's, for a task that
    /// writes all the time (the click writer) and would otherwise hold a pooled one.
    pub async fn connect_one(&self) -> Result<AnyConnection, sqlx::Error> {
        let mut conn = AnyConnection::connect_with(&self.pool.connect_options()).await?;
        configure(&mut conn, self.backend).await?;
        Ok(conn)
    }

    /// [`Db::begin`] on a connection of [`Db::connect_one`].
    pub async fn begin_on<'c>(
        &self,
        conn: &'c mut AnyConnection,
    ) -> Result<Transaction<'c, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => conn.begin().await,
        }
    }

    /// The versions of the embedded migrations of each backend (they must be the same list).
    pub fn migration_versions() -> (Vec<i64>, Vec<i64>) {
        let versions = |m: &sqlx::migrate::Migrator| m.iter().map(|m| m.version).collect();
        (versions(&SQLITE_MIGRATOR), versions(&POSTGRES_MIGRATOR))
    }
}

/// Why a process is not ready to serve ([`Db::readiness`]).
#[derive(Debug, PartialEq, Eq)]
pub enum Readiness {
    /// The database did not answer (the cause, for the log).
    Unreachable(String),
    /// Migrations this binary carries that the database has not applied (`server migrate`).
    MigrationsPending(Vec<i64>),
}

/// A database connection of its own for a task that uses one all the time (the click writer,
/// the redirect's target loader), instead of taking turns with requests for the pool's.
/// Opened on first use, and again after an error.
pub struct Dedicated {
    db: Db,
    postgres_settings: &'static [&'static str],
    conn: Option<AnyConnection>,
}

impl Dedicated {
    /// Not connected yet. `postgres_settings`: statements run on a new PostgreSQL connection
    /// after the pool's.
    pub fn new(db: Db, postgres_settings: &'static [&'static str]) -> Self {
        Dedicated {
            db,
            postgres_settings,
            conn: None,
        }
    }

    /// The connection, opened (and set up) first if there is none: after an error a fresh
    /// one replaces the one that failed.
    pub async fn get(&mut self) -> Result<&mut AnyConnection, sqlx::Error> {
        if self.conn.is_none() {
            let mut conn = self.db.connect_one().await?;
            if self.db.backend == Backend::Postgres {
                // These tasks run a few statements by key, whose plan doesn't depend on the
                // values: planned once, unlike the pool's list queries.
                conn.execute("SET plan_cache_mode = auto").await?;
                for setting in self.postgres_settings {
                    conn.execute(*setting).await?;
                }
            }
            self.conn = Some(conn);
        }
        self.conn.as_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// A transaction ([`Db::begin`]'s kind) on this connection.
    pub async fn begin(&mut self) -> Result<Transaction<'_, Any>, sqlx::Error> {
        let db = self.db.clone();
        let conn = self.get().await?;
        db.begin_on(conn).await
    }

    /// Passes `result` on; after an error the connection is closed, to be opened afresh.
    pub fn check<T, E>(&mut self, result: Result<T, E>) -> Result<T, E> {
        if result.is_err() {
            self.conn = None;
        }
        result
    }
}

/// Whether `error` is a unique constraint refusing a row: a name or key that a concurrent
/// request took between a "taken?" check and the write. Callers answer it as the check does.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

/// Whether a database error names `what` (a column or a constraint): both backends name the
/// columns or the constraint in a unique violation, so a caller can tell which one refused.
pub(crate) fn violates(error: &sqlx::Error, what: &str) -> bool {
    error.as_database_error().is_some_and(|d| {
        d.message().contains(what) || d.constraint().is_some_and(|c| c.contains(what))
    })
}

/// Column `index` of `row` as the domain enum whose stored name it holds. An unknown name is a
/// decode error (an internal error to the caller), as a column of the wrong type is.
pub(crate) fn stored<T: domain::StoredName>(
    row: &sqlx::any::AnyRow,
    index: usize,
) -> Result<T, sqlx::Error> {
    use sqlx::Row;
    let text: String = row.try_get(index)?;
    T::parse(&text).map_err(|e| sqlx::Error::ColumnDecode {
        index: index.to_string(),
        source: Box::new(e),
    })
}

/// [`stored`] for a nullable column: `NULL` is `None`.
pub(crate) fn stored_opt<T: domain::StoredName>(
    row: &sqlx::any::AnyRow,
    index: usize,
) -> Result<Option<T>, sqlx::Error> {
    use sqlx::Row;
    let text: Option<String> = row.try_get(index)?;
    text.map(|text| {
        T::parse(&text).map_err(|e| sqlx::Error::ColumnDecode {
            index: index.to_string(),
            source: Box::new(e),
        })
    })
    .transpose()
}

/// Now, in UTC milliseconds: the one clock for stored times.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_never_quote_the_password() {
        let url = "postgres://portal:s3cr%40t-pw@db.internal:5432/portal";
        assert_eq!(url_password(url), Some("s3cr%40t-pw"));
        let said = format!("cannot connect to {url}: password s3cr@t-pw rejected");
        let shown = redact(&said, url);
        assert!(!shown.contains("s3cr"), "{shown}");
        assert!(shown.contains("portal:***@db.internal"), "{shown}");
        assert_eq!(redact("plain", "sqlite://data/portal.db"), "plain");
        assert_eq!(url_password("postgres://postgres@127.0.0.1:5432/x"), None);
    }
}

//! A database connection of its own for a task that uses one all the time (the click writer,
//! the target loader), instead of taking turns with requests for the pool's.

use sqlx::{Any, AnyConnection, Executor, Transaction};
use store::db::{Backend, Db};

/// Opened on first use, and again after an error.
pub struct Dedicated {
    db: Db,
    postgres_settings: &'static [&'static str],
    conn: Option<AnyConnection>,
}

impl Dedicated {
    /// `postgres_settings`: statements run on a new PostgreSQL connection after the pool's.
    pub fn new(db: Db, postgres_settings: &'static [&'static str]) -> Self {
        Dedicated {
            db,
            postgres_settings,
            conn: None,
        }
    }

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

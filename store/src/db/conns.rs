//! Connections for the statements that run outside a transaction: a page's reads, mostly.
//!
//! sqlx's pool tests every connection it takes back with a round trip to the database (a
//! ping: a message to the SQLite worker thread and back, or a network round trip to
//! PostgreSQL), on its own spawned task: twice the round trips and thread hand-offs of a
//! one-statement read, a sixth of a signed-in page's server time on SQLite. These connections
//! go back to their pool without it:
//! - a connection whose statement failed is closed instead of going back;
//! - a statement abandoned halfway (its future dropped) is drained by the connection's next
//!   statement, which both drivers do before they send anything;
//! - no transaction is ever open on one: transactions take the sqlx pool's connections
//!   ([`super::Db::begin`]), whose check on return also rolls back an abandoned one.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt, TryFutureExt, TryStreamExt, future, stream};
use sqlx::any::{AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::{Any, AnyConnection, Describe, Either, Execute, Executor, SqlStr};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The idle read connections and the permits that bound how many exist.
pub(super) struct Conns {
    idle: Mutex<Vec<AnyConnection>>,
    permits: Arc<Semaphore>,
    max: usize,
}

impl fmt::Debug for Conns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conns")
            .field("available", &self.permits.available_permits())
            .finish()
    }
}

impl Conns {
    pub(super) fn new(max: usize) -> Arc<Self> {
        Arc::new(Conns {
            idle: Mutex::new(Vec::with_capacity(max)),
            permits: Arc::new(Semaphore::new(max)),
            max,
        })
    }

    /// Waits (up to `timeout`) for a permit, then takes an idle connection or opens one with
    /// `open`.
    pub(super) async fn take<F>(
        self: &Arc<Self>,
        timeout: Duration,
        open: F,
    ) -> Result<Conn, sqlx::Error>
    where
        F: Future<Output = Result<AnyConnection, sqlx::Error>>,
    {
        let permit = tokio::time::timeout(timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.lock().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open.await?,
        };
        Ok(Conn {
            conn: Some(conn),
            failed: AtomicBool::new(false),
            home: Arc::clone(self),
            _permit: permit,
        })
    }

    /// Connections lent out now.
    pub(super) fn in_use(&self) -> usize {
        self.max - self.permits.available_permits()
    }

    /// Refuses new connections and closes the idle connections; one in use closes when it is done.
    pub(super) async fn close(&self) {
        self.permits.close();
        let idle = std::mem::take(&mut *self.lock());
        for conn in idle {
            let _ = sqlx::Connection::close(conn).await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<AnyConnection>> {
        // The list stays consistent whatever panicked while holding it: push and pop only.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A connection for statements outside a transaction ([`super::Db::read`]); pass it as the
/// executor (`.fetch_all(&mut db.conn().await?)`). Back to its pool when dropped, unless a
/// statement on it failed.
#[derive(Debug)]
pub struct Conn {
    conn: Option<AnyConnection>,
    failed: AtomicBool,
    home: Arc<Conns>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && !*self.failed.get_mut()
            && !self.home.permits.is_closed()
        {
            self.home.lock().push(conn);
        }
    }
}

impl Conn {
    fn parts(&mut self) -> (Option<&mut AnyConnection>, &AtomicBool) {
        (self.conn.as_mut(), &self.failed)
    }
}

fn note_failure(failed: &AtomicBool) -> impl Fn(&sqlx::Error) + '_ {
    move |_| failed.store(true, Ordering::Relaxed)
}

/// Runs `statement` on the connection and notes whether it failed.
fn guarded<'e, T: Send + 'e>(
    this: &'e mut Conn,
    statement: impl FnOnce(&'e mut AnyConnection) -> BoxFuture<'e, Result<T, sqlx::Error>>,
) -> BoxFuture<'e, Result<T, sqlx::Error>> {
    match this.parts() {
        (Some(conn), failed) => statement(conn).inspect_err(note_failure(failed)).boxed(),
        (None, _) => future::ready(Err(sqlx::Error::PoolClosed)).boxed(),
    }
}

impl<'c> Executor<'c> for &'c mut Conn {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self.parts() {
            (Some(conn), failed) => conn
                .fetch_many(query)
                .inspect_err(note_failure(failed))
                .boxed(),
            (None, _) => stream::once(future::ready(Err(sqlx::Error::PoolClosed))).boxed(),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        guarded(self, |conn| conn.fetch_optional(query))
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement, sqlx::Error>>
    where
        'c: 'e,
    {
        guarded(self, |conn| conn.prepare_with(sql, parameters))
    }

    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<Describe<Any>, sqlx::Error>>
    where
        'c: 'e,
    {
        guarded(self, |conn| conn.describe(sql))
    }
}

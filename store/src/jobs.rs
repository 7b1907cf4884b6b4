//! The `jobs` table: durable background work (the rule is `domain::job`). A job is queued in
//! the transaction of the change that causes it, so it exists exactly when the change
//! committed; a runner claims due jobs for a lease and finishes each in the transaction of its
//! effect, which commits only while the claim is still the runner's own.

use domain::job::{self, AfterFailure, JobStatus, Queue};
use rand::RngCore;
use sqlx::Row;

use super::db::{Backend, Db, Tx};
use crate::error::AppError;

/// Queues a job for `subject_id` in `queue`, due at `run_at`. Queuing the same (queue,
/// subject) twice leaves the first.
pub async fn enqueue(
    tx: &mut Tx,
    queue: Queue,
    subject_id: i64,
    company_id: Option<i64>,
    run_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO jobs (queue, subject_id, company_id, status, run_at, created_at) \
         VALUES ($1, $2, $3, 'pending', $4, $4) ON CONFLICT (queue, subject_id) DO NOTHING",
    )
    .bind(queue.as_str())
    .bind(subject_id)
    .bind(company_id)
    .bind(run_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// When the oldest job of `queue` that waits for a runner became due (`None`: none waits), for
/// the job lag `/metrics` reports. Claimed jobs are not waiting: their `run_at` is the end of
/// their lease, in the future. One index lookup (`jobs_due`), whatever the backlog.
pub async fn oldest_due(db: &Db, queue: Queue, now: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT run_at FROM jobs WHERE queue = $1 AND status = 'pending' AND run_at <= $2 \
         ORDER BY run_at, id LIMIT 1",
    )
    .bind(queue.as_str())
    .bind(now)
    .fetch_optional(&mut db.conn().await?)
    .await
}

/// A job this runner holds until `lease_ends`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: i64,
    pub subject_id: i64,
    /// This attempt's number, from 1.
    pub attempt: i64,
    token: String,
}

/// How many jobs one claim takes at most.
pub const BATCH: usize = 20;

/// Claims up to [`BATCH`] due jobs of `queue` for `lease_ms` ([`job::LEASE_MS`] unless
/// configured): their `run_at` moves to
/// the end of the lease (a runner that dies gives them back then) and they carry this claim's
/// token. Two runners never hold the same job: on PostgreSQL the candidates are locked with
/// `SKIP LOCKED`, so concurrent claims take different rows without waiting, and on both
/// backends the update checks again that each row is still due.
pub async fn claim(
    db: &Db,
    queue: Queue,
    now: i64,
    lease_ms: i64,
) -> Result<Vec<Claimed>, AppError> {
    let token = new_token();
    // The one place where the backends' SQL differs: SQLite has no row locks (its writer lock
    // serialises claims) and no `FOR UPDATE` syntax.
    let lock = match db.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    // The candidates are a materialised CTE, picked once: as a subquery in the WHERE,
    // PostgreSQL may run the pick again for later rows, and each run finds the next due jobs
    // (the first ones are no longer due), so one claim took every due job, not a batch.
    let sql = format!(
        "WITH due AS MATERIALIZED (SELECT id FROM jobs WHERE queue = $3 AND status = 'pending' AND run_at <= $4 \
                                   ORDER BY run_at, id LIMIT {BATCH} {lock}) \
         UPDATE jobs SET run_at = $1, lock_token = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM due) AND status = 'pending' AND run_at <= $4 \
         RETURNING id, subject_id, attempts"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now + lease_ms)
        .bind(&token)
        .bind(queue.as_str())
        .bind(now)
        .fetch_all(&mut db.conn().await?)
        .await?;
    let mut claimed = rows
        .iter()
        .map(|row| {
            Ok(Claimed {
                id: row.try_get(0)?,
                subject_id: row.try_get(1)?,
                attempt: row.try_get(2)?,
                token: token.clone(),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    claimed.sort_by_key(|c| c.id);
    Ok(claimed)
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Marks a claimed job done, in the transaction of its effect. `false` when the claim was lost
/// (its lease ran out and another runner took the job): the caller rolls back, so the effect
/// happens once, by the runner that finishes.
pub async fn finish(tx: &mut Tx, job: &Claimed, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE jobs SET status = $1, finished_at = $2, lock_token = NULL, last_error = NULL \
         WHERE id = $3 AND lock_token = $4 AND status = 'pending'",
    )
    .bind(JobStatus::Done.as_str())
    .bind(now)
    .bind(job.id)
    .bind(&job.token)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt: the job waits for its next attempt, or is dead after its last
/// (at once when the failure is `permanent`: trying again cannot help). `None` when the claim
/// was lost. `reason` is what a person reads in the app.
pub async fn fail(
    tx: &mut Tx,
    job: &Claimed,
    reason: &str,
    permanent: bool,
    now: i64,
) -> Result<Option<AfterFailure>, sqlx::Error> {
    let next = if permanent {
        AfterFailure::Dead
    } else {
        job::after_failure(job.attempt, now, rand::rngs::OsRng.next_u64())
    };
    fail_then(tx, job, reason, next, now).await
}

/// Records a failed attempt whose next step the caller's own schedule chose (webhooks have
/// theirs). `None` when the claim was lost.
pub async fn fail_then(
    tx: &mut Tx,
    job: &Claimed,
    reason: &str,
    next: AfterFailure,
    now: i64,
) -> Result<Option<AfterFailure>, sqlx::Error> {
    let (status, run_at, finished_at) = match next {
        AfterFailure::RetryAt(at) => (JobStatus::Pending, at, None),
        AfterFailure::Dead => (JobStatus::Dead, now, Some(now)),
    };
    let updated = sqlx::query(
        "UPDATE jobs SET status = $1, run_at = $2, finished_at = $3, last_error = $4, lock_token = NULL \
         WHERE id = $5 AND lock_token = $6 AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(run_at)
    .bind(finished_at)
    .bind(reason)
    .bind(job.id)
    .bind(&job.token)
    .execute(&mut **tx)
    .await?;
    Ok((updated.rows_affected() == 1).then_some(next))
}

/// Records a failed attempt in a transaction of its own (the attempt's work was rolled back);
/// nothing when the claim was lost.
pub async fn fail_alone(db: &Db, job: &Claimed, reason: &str, now: i64) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    if fail(&mut tx, job, reason, false, now).await?.is_some() {
        tx.commit().await?;
    }
    Ok(())
}

/// Marks a claimed job done in a transaction of its own (its work had nothing left to do);
/// `false` when the claim was lost.
pub async fn finish_alone(db: &Db, job: &Claimed, now: i64) -> Result<bool, AppError> {
    let mut tx = db.begin().await?;
    if !finish(&mut tx, job, now).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// Makes a dead job due again with a fresh set of attempts (a person asked for it). `false`
/// when there is no dead job for (queue, subject).
pub async fn revive(
    tx: &mut Tx,
    queue: Queue,
    subject_id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(revive_where(tx, "subject_id", queue, subject_id, now).await? == 1)
}

/// Makes the dead jobs of `queue` whose `column` (`subject_id` or `company_id`) is `value`
/// due again with a fresh set of attempts; how many.
async fn revive_where(
    tx: &mut Tx,
    column: &'static str,
    queue: Queue,
    value: i64,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let sql = format!(
        "UPDATE jobs SET status = 'pending', attempts = 0, run_at = $1, finished_at = NULL, lock_token = NULL \
         WHERE queue = $2 AND {column} = $3 AND status = $4"
    );
    // Safe: the column is one of two fixed names.
    let revived = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now)
        .bind(queue.as_str())
        .bind(value)
        .bind(JobStatus::Dead.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(revived.rows_affected())
}

/// How many jobs of `queue` for the company are dead (every attempt failed).
pub async fn dead(db: &Db, queue: Queue, company_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE company_id = $1 AND queue = $2 AND status = $3",
    )
    .bind(company_id)
    .bind(queue.as_str())
    .bind(JobStatus::Dead.as_str())
    .fetch_one(&mut db.conn().await?)
    .await
}

/// Makes every dead job of `queue` for the company due again with a fresh set of attempts;
/// returns how many.
pub async fn revive_all(
    tx: &mut Tx,
    queue: Queue,
    company_id: i64,
    now: i64,
) -> Result<u64, sqlx::Error> {
    revive_where(tx, "company_id", queue, company_id, now).await
}

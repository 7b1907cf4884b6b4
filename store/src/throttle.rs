//! Attempt counters (`throttle_counters`), shared by every server process on the database.
//! The rule is `domain::throttle`; this is the only code that touches the table.

use domain::throttle::{self, Counter, Limit};
use sqlx::Row;

use super::db::{Db, now_ms};
use crate::error::AppError;

/// Counts one attempt for `key` and reads the count back, in one statement: concurrent
/// attempts each get their own count. `Some(wait in ms)` when this attempt is over the limit.
pub async fn attempt(db: &Db, limit: Limit, key: &str, now: i64) -> Result<Option<i64>, AppError> {
    let row = sqlx::query(
        "INSERT INTO throttle_counters (scope, key, window_started_at, attempts) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (scope, key) DO UPDATE SET \
         attempts = CASE WHEN throttle_counters.window_started_at <= $4 THEN 1 ELSE throttle_counters.attempts + 1 END, \
         window_started_at = CASE WHEN throttle_counters.window_started_at <= $4 THEN $3 ELSE throttle_counters.window_started_at END \
         RETURNING attempts, window_started_at",
    )
    .bind(limit.scope)
    .bind(key)
    .bind(now)
    .bind(limit.expired_before(now))
    .fetch_one(&mut db.conn().await?)
    .await?;
    let counted = Counter {
        attempts: row.try_get(0)?,
        window_started_at: row.try_get(1)?,
    };
    Ok(limit.retry_after(counted, now))
}

/// Takes back one counted attempt (one that turned out not to be a failure).
pub async fn take_back(db: &Db, limit: Limit, key: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE throttle_counters SET attempts = attempts - 1 WHERE scope = $1 AND key = $2 AND attempts > 0",
    )
    .bind(limit.scope)
    .bind(key)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Starts `key` afresh (the account's owner proved who they are).
pub async fn forget(db: &Db, limit: Limit, key: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM throttle_counters WHERE scope = $1 AND key = $2")
        .bind(limit.scope)
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Counts one attempt against each (limit, key) pair: `Some(the longest wait)` when any is
/// over its limit.
pub async fn over_limit(db: &Db, limits: &[(Limit, &str)]) -> Result<Option<i64>, AppError> {
    let now = now_ms();
    let mut wait = None;
    for (limit, key) in limits {
        if let Some(w) = attempt(db, *limit, key, now).await? {
            wait = wait.max(Some(w));
        }
    }
    Ok(wait)
}

/// [`over_limit`] for a server function: over the limit ends the request with 429 and a
/// `Retry-After`.
pub async fn check(db: &Db, limits: &[(Limit, &str)], refusal: &str) -> Result<(), AppError> {
    match over_limit(db, limits).await? {
        None => Ok(()),
        Some(wait_ms) => Err(too_many(refusal, wait_ms)),
    }
}

/// 429 with `Retry-After`, saying when to try again.
pub fn too_many(refusal: &str, wait_ms: i64) -> AppError {
    AppError::too_many_requests(
        format!("{refusal} {}", throttle::wait_in_words(wait_ms)),
        throttle::retry_after_seconds(wait_ms),
    )
}

/// A password about to be checked for `account` from `address`: counted against both, before
/// the check.
pub async fn password_attempt(db: &Db, account: &str, address: &str) -> Result<(), AppError> {
    check(
        db,
        &[
            (throttle::PASSWORD_PER_ACCOUNT, account),
            (throttle::PASSWORD_PER_ADDRESS, address),
        ],
        "Too many failed password attempts.",
    )
    .await
}

/// The password was right: the account starts afresh and the address gets its attempt back.
pub async fn password_verified(db: &Db, account: &str, address: &str) -> Result<(), AppError> {
    forget(db, throttle::PASSWORD_PER_ACCOUNT, account).await?;
    take_back(db, throttle::PASSWORD_PER_ADDRESS, address).await
}

/// A password reset asked for `account` from `address`. Over the address's limit: 429. Over
/// the account's: `false` (send nothing, answer as usual).
pub async fn reset_attempt(db: &Db, account: &str, address: &str) -> Result<bool, AppError> {
    check(
        db,
        &[(throttle::PASSWORD_RESETS_PER_ADDRESS, address)],
        "Too many password reset requests.",
    )
    .await?;
    Ok(
        attempt(db, throttle::PASSWORD_RESETS_PER_ACCOUNT, account, now_ms())
            .await?
            .is_none(),
    )
}

/// Counters whose window ended a day ago are deleted by the jobs, so the table holds only
/// recent keys.
pub async fn delete_stale(db: &Db, now: i64) -> Result<u64, AppError> {
    let done = sqlx::query("DELETE FROM throttle_counters WHERE window_started_at < $1")
        .bind(now - 24 * 60 * 60 * 1000)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

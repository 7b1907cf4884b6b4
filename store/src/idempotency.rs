//! The `Idempotency-Key`s of `POST /api/v1/transactions`: a key is claimed by inserting its
//! row, the response is stored on it, and a later request with the key reads it back. The
//! rules deciding what a stored key means are `domain::idempotency`'s; a recorded transaction
//! stores its response in its own transaction ([`super::transactions::record`]).
//!
//! Each call is one statement on the pool, outside any transaction: the claim must be visible
//! to a concurrent request with the same key at once, while the request itself runs.

use domain::idempotency::Stored;
use sqlx::Row;

use super::db::Db;

/// Claims `idem_key` for this request: the new row's id, or `None` when another request
/// holds the key (then read it with [`stored`]). The unique (program, key) pair makes the
/// claim atomic on both backends.
pub async fn claim(
    db: &Db,
    program_id: i64,
    idem_key: &str,
    request_hash: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO idempotency_keys (program_id, idem_key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (program_id, idem_key) DO NOTHING RETURNING id",
    )
    .bind(program_id)
    .bind(idem_key)
    .bind(request_hash)
    .bind(now)
    .fetch_optional(&mut db.conn().await?)
    .await
}

/// What another request stored under the key, with its row id: `None` when the key was
/// released between a failed [`claim`] and this read (the caller claims it again).
pub async fn stored(
    db: &Db,
    program_id: i64,
    idem_key: &str,
) -> Result<Option<(i64, Stored)>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT id, request_hash, created_at, status_code, response_body FROM idempotency_keys \
         WHERE program_id = $1 AND idem_key = $2",
    )
    .bind(program_id)
    .bind(idem_key)
    .fetch_optional(&mut db.conn().await?)
    .await?
    else {
        return Ok(None);
    };
    let status: Option<i64> = row.try_get(3)?;
    let body: Option<String> = row.try_get(4)?;
    Ok(Some((
        row.try_get(0)?,
        Stored {
            request_hash: row.try_get(1)?,
            created_at: row.try_get(2)?,
            response: status.zip(body).map(|(s, b)| (s as u16, b)),
        },
    )))
}

/// Releases an expired key, or one abandoned by a process that died, so it can be claimed
/// anew. Only the row as read (`created_at`) goes: if another request released and claimed it
/// meanwhile, its claim stays.
pub async fn forget(db: &Db, row_id: i64, created_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM idempotency_keys WHERE id = $1 AND created_at = $2")
        .bind(row_id)
        .bind(created_at)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Stores the response under the claimed key, to be replayed. A recorded transaction's was
/// stored with it, in its transaction; storing it again changes nothing.
pub async fn save(db: &Db, row_id: i64, status: u16, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE idempotency_keys SET status_code = $1, response_body = $2 WHERE id = $3")
        .bind(i64::from(status))
        .bind(body)
        .bind(row_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Releases this request's own claim after a failure on our side, so the client's retry runs
/// again instead of waiting for the key to count as abandoned.
pub async fn release(db: &Db, row_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM idempotency_keys WHERE id = $1")
        .bind(row_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

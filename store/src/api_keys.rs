//! Program API keys: 32 random bytes, shown once; the database keeps the prefix and a
//! SHA-256 of the key. A fast hash is enough for a random secret of that size (no password
//! guessing is possible), and it keeps every API request cheap.

use domain::transaction::api_key;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::db::{Db, now_ms};
use super::events::{self, NewEvent};
use crate::dto::{ApiKeyRow, CreatedApiKey};
use crate::error::AppError;

fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A new key: (the key to show once, its prefix, its hash).
pub fn generate() -> (String, String, String) {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let prefix_body: String = (0..12)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect();
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let key = api_key::compose(&prefix_body, &hex::encode(secret));
    let prefix = api_key::prefix(&key).unwrap_or_default().to_owned();
    let hashed = hash(&key);
    (key, prefix, hashed)
}

/// Whether `key` is the key whose hash is `stored`, compared in constant time so the answer's
/// timing tells nothing about how much of a guessed hash matched.
pub(crate) fn hash_matches(stored: &str, key: &str) -> bool {
    let given = hash(key);
    stored.len() == given.len()
        && stored
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The program's keys, newest first, revoked ones too: the page shows when each was revoked.
pub async fn list(db: &Db, program_id: i64) -> Result<Vec<ApiKeyRow>, AppError> {
    let rows = sqlx::query(
        "SELECT k.id, k.name, k.prefix, k.created_at, u.name, k.revoked_at FROM api_keys k \
         JOIN users u ON u.id = k.created_by_user_id WHERE k.program_id = $1 ORDER BY k.id DESC",
    )
    .bind(program_id)
    .fetch_all(&mut db.conn().await?)
    .await?;
    Ok(rows.iter().map(key_row).collect::<Result<_, _>>()?)
}

fn key_row(r: &AnyRow) -> Result<ApiKeyRow, sqlx::Error> {
    Ok(ApiKeyRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        prefix: r.try_get(2)?,
        created_at: domain::time::format_date(r.try_get(3)?),
        created_by: r.try_get(4)?,
        revoked_at: r
            .try_get::<Option<i64>, _>(5)?
            .map(domain::time::format_date),
    })
}

/// Makes a key named `name` (validated) for the company's program `program_id`, recording who
/// made it. The key is in the answer only: the database keeps its prefix and hash.
pub async fn create(
    db: &Db,
    program_id: i64,
    company_id: i64,
    actor_user_id: i64,
    name: String,
) -> Result<CreatedApiKey, AppError> {
    let (key, prefix, hash) = generate();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (program_id, name, prefix, key_hash, created_by_user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(program_id)
    .bind(&name)
    .bind(&prefix)
    .bind(&hash)
    .bind(actor_user_id)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(company_id),
            kind: "api_key.created",
            subject_type: "api_key",
            subject_id: id,
            payload: serde_json::json!({ "program_id": program_id, "name": name, "prefix": prefix }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedApiKey { name, key })
}

/// Revokes a live key of one of the company's programs; requests with it get 401 from then on.
/// Another company's key, or one already revoked, is "not found".
pub async fn revoke(
    db: &Db,
    company_id: i64,
    actor_user_id: i64,
    key_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let revoked = sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL \
         AND program_id IN (SELECT id FROM programs WHERE company_id = $3)",
    )
    .bind(now_ms())
    .bind(key_id)
    .bind(company_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if revoked != 1 {
        return Err(AppError::not_found("API key"));
    }
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(company_id),
            kind: "api_key.revoked",
            subject_type: "api_key",
            subject_id: key_id,
            payload: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

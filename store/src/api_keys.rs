//! Program API keys: 32 random bytes, shown once; the database keeps the prefix and a
//! SHA-256 of the key. A fast hash is enough for a random secret of that size (no password
//! guessing is possible), and it keeps every API request cheap.

use domain::transaction::api_key;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::db::Db;

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

/// The program and key id an API request's bearer key belongs to, if it is a live key.
pub async fn authenticate(db: &Db, key: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let Some(prefix) = api_key::prefix(key) else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT id, program_id, key_hash FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL",
    )
    .bind(prefix)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let stored: String = row.try_get(2)?;
    // Constant-time comparison of the hashes.
    let given = hash(key);
    let same = stored.len() == given.len()
        && stored
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Ok(None);
    }
    Ok(Some((row.try_get(0)?, row.try_get(1)?)))
}

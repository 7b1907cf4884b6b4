//! Referral links: each partnership's default link (and each contact's own), and what the
//! redirect needs to know about a key.

use domain::link::{LinkParams, key_from_random};
use rand::RngCore;
use sqlx::Row;

use super::db::{Db, Tx};
use crate::error::AppError;

/// A fresh random link key.
pub fn new_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    key_from_random(bytes)
}

/// The default link of a partnership (`contact_id` `None`) or of one of its contacts, made on
/// first use. Concurrent first uses make one: the second insert hits the unique index and reads
/// the first one's row.
pub async fn default_link(
    tx: &mut Tx,
    program_id: i64,
    partnership_id: i64,
    contact_id: Option<i64>,
    now: i64,
) -> Result<(i64, String), AppError> {
    let find = "SELECT id, link_key FROM links WHERE partnership_id = $1 AND COALESCE(contact_id, 0) = $2 AND is_default = 1";
    if let Some(row) = sqlx::query(find)
        .bind(partnership_id)
        .bind(contact_id.unwrap_or(0))
        .fetch_optional(&mut **tx)
        .await?
    {
        return Ok((row.try_get(0)?, row.try_get(1)?));
    }
    sqlx::query(
        "INSERT INTO links (program_id, partnership_id, contact_id, link_key, name, destination, is_default, created_at) \
         VALUES ($1, $2, $3, $4, $5, NULL, 1, $6) ON CONFLICT DO NOTHING",
    )
    .bind(program_id)
    .bind(partnership_id)
    .bind(contact_id)
    .bind(new_key())
    .bind(if contact_id.is_some() { "My link" } else { "Team link" })
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let row = sqlx::query(find)
        .bind(partnership_id)
        .bind(contact_id.unwrap_or(0))
        .fetch_one(&mut **tx)
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// What a redirect needs about an enabled link of an active partnership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub link_id: i64,
    pub program_id: i64,
    pub partnership_id: i64,
    pub partner_key: String,
    /// The link's own destination, else the program's default (may be empty: no destination).
    pub destination: String,
    pub allowed: Vec<String>,
    pub params: LinkParams,
}

/// The target of `key`, or `None` when no enabled link of an active partnership has it.
pub async fn target(db: &Db, key: &str) -> Result<Option<Target>, AppError> {
    let row = sqlx::query(
        "SELECT l.id, l.program_id, l.partnership_id, p.partner_key, COALESCE(l.destination, pr.default_destination), \
         pr.link_domains, pr.link_param_partner, pr.link_param_click \
         FROM links l JOIN partnerships p ON p.id = l.partnership_id JOIN programs pr ON pr.id = l.program_id \
         WHERE l.link_key = $1 AND l.disabled_at IS NULL AND p.status = 'active'",
    )
    .bind(key)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let domains: String = row.try_get(5)?;
    let params = LinkParams::new(&row.try_get::<String, _>(6)?, &row.try_get::<String, _>(7)?)
        .unwrap_or_default();
    Ok(Some(Target {
        link_id: row.try_get(0)?,
        program_id: row.try_get(1)?,
        partnership_id: row.try_get(2)?,
        partner_key: row.try_get(3)?,
        destination: row.try_get(4)?,
        allowed: domains
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect(),
        params,
    }))
}

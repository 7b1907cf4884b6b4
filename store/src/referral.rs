//! The customer referral motion: the vendor's backend asks for a short-lived widget token for
//! one of its customers; the widget (`/embed/referral`) turns that customer into a referrer
//! with a lightweight `customer_referral` partnership of its own, once, and shows its link.

use domain::link::REFERRAL_TOKEN_TTL_MS;
use domain::program::{PartnerType, partner_key_base};
use sqlx::Row;

use super::db::{Db, Tx};
use super::events::{self, NewEvent};
use super::session::{hash_token, new_token};
use crate::error::AppError;

/// A token for `customer_id`'s widget; only its hash is stored.
pub async fn create_token(
    db: &Db,
    program_id: i64,
    customer_id: i64,
    now: i64,
) -> Result<(String, i64), AppError> {
    let token = new_token();
    let expires_at = now + REFERRAL_TOKEN_TTL_MS;
    let mut tx = db.begin().await?;
    // Expired tokens are of no use: each creation clears a few.
    sqlx::query("DELETE FROM referral_tokens WHERE id IN (SELECT id FROM referral_tokens WHERE expires_at < $1 ORDER BY expires_at LIMIT 100)")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO referral_tokens (program_id, customer_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(program_id)
    .bind(customer_id)
    .bind(hash_token(&token))
    .bind(expires_at)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((token, expires_at))
}

/// What the widget shows its customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Widget {
    pub program: String,
    pub vendor: String,
    pub customer: String,
    pub link_key: String,
    pub clicks: i64,
    pub signups: i64,
    pub rewards_minor: i64,
    pub currency: String,
    /// The program's allowed domains: the only pages that may frame the widget.
    pub allowed: Vec<String>,
}

/// The widget of a live token: makes the customer's referrer partnership and link on first use.
/// `None` for an unknown or expired token.
pub async fn widget(db: &Db, token: &str, now: i64) -> Result<Option<Widget>, AppError> {
    if token.len() > 128
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT t.program_id, t.customer_id, c.name, pr.name, co.name, pr.currency, pr.allowed_domains, pr.company_id \
         FROM referral_tokens t JOIN customers c ON c.id = t.customer_id JOIN programs pr ON pr.id = t.program_id \
         JOIN companies co ON co.id = pr.company_id WHERE t.token_hash = $1 AND t.expires_at > $2",
    )
    .bind(hash_token(token))
    .bind(now)
    .fetch_optional(&mut db.conn().await?)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let program_id: i64 = row.try_get(0)?;
    let customer_id: i64 = row.try_get(1)?;
    let customer: String = row.try_get(2)?;
    let company_id: i64 = row.try_get(7)?;
    let mut tx = db.begin().await?;
    let partnership_id =
        referrer_partnership(&mut tx, program_id, company_id, customer_id, &customer, now).await?;
    let (link_id, link_key) =
        super::links::default_link(&mut tx, program_id, partnership_id, None, now).await?;
    tx.commit().await?;
    let stats = sqlx::query(
        "SELECT l.click_count, (SELECT COUNT(*) FROM customers c WHERE c.partnership_id = $2 OR c.review_partnership_id = $2), \
         (SELECT CAST(COALESCE(SUM(r.amount_minor), 0) AS BIGINT) FROM rewards r WHERE r.partnership_id = $2 AND r.status <> 'declined') \
         FROM links l WHERE l.id = $1",
    )
    .bind(link_id)
    .bind(partnership_id)
    .fetch_one(&mut db.conn().await?)
    .await?;
    Ok(Some(Widget {
        program: row.try_get(3)?,
        vendor: row.try_get(4)?,
        customer,
        link_key,
        clicks: stats.try_get(0)?,
        signups: stats.try_get(1)?,
        rewards_minor: stats.try_get(2)?,
        currency: row.try_get(5)?,
        allowed: super::links::domain_list(&row.try_get::<String, _>(6)?),
    }))
}

/// The customer's own partnership, made once: a partner team of type `customer_referral`
/// without contacts (no login), active in the program's default group. Concurrent first
/// views make one: the unique index on `referrer_customer_id` refuses the second.
async fn referrer_partnership(
    tx: &mut Tx,
    program_id: i64,
    company_id: i64,
    customer_id: i64,
    name: &str,
    now: i64,
) -> Result<i64, AppError> {
    let find = "SELECT id FROM partnerships WHERE referrer_customer_id = $1";
    if let Some(id) = sqlx::query_scalar::<_, i64>(find)
        .bind(customer_id)
        .fetch_optional(&mut **tx)
        .await?
    {
        return Ok(id);
    }
    let team_id: i64 = sqlx::query_scalar(
        "INSERT INTO partner_teams (name, kind, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(PartnerType::CustomerReferral.as_str())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let group_id = super::joining::default_group(tx, program_id, now).await?;
    let key = super::joining::unique_partner_key(tx, &partner_key_base(name)).await?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO partnerships (program_id, partner_team_id, status, partner_key, group_id, joined_at, team_name, referrer_customer_id) \
         VALUES ($1, $2, 'active', $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(program_id)
    .bind(team_id)
    .bind(&key)
    .bind(group_id)
    .bind(now)
    .bind(name)
    .bind(customer_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = inserted else {
        return Err(AppError::new(
            409,
            "The referral page is being set up; reload it",
        ));
    };
    events::append(
        tx,
        NewEvent {
            actor_user_id: None,
            company_id: Some(company_id),
            kind: "partner_joined",
            subject_type: "partnership",
            subject_id: id,
            payload: serde_json::json!({ "program_id": program_id, "referrer_customer_id": customer_id, "status": "active" }),
        },
    )
    .await?;
    Ok(id)
}

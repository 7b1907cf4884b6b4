//! The events table: the audit log and the outbox. Every state change appends one row in the
//! same transaction as the change itself.

use super::db::{Tx, now_ms};

pub struct NewEvent<'a> {
    pub actor_user_id: Option<i64>,
    pub company_id: Option<i64>,
    pub kind: &'a str,
    pub subject_type: &'a str,
    pub subject_id: i64,
    pub payload: serde_json::Value,
}

pub async fn append(tx: &mut Tx, event: NewEvent<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO events (occurred_at, actor_user_id, company_id, kind, subject_type, subject_id, payload) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(now_ms())
    .bind(event.actor_user_id)
    .bind(event.company_id)
    .bind(event.kind)
    .bind(event.subject_type)
    .bind(event.subject_id)
    .bind(event.payload.to_string())
    .fetch_one(&mut **tx)
    .await
}

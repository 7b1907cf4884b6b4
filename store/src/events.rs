//! The events table: the audit log and the outbox. Every state change appends one row in the
//! same transaction as the change itself.
//!
//! An event a trigger may start on also queues the trigger runner's job for it, in that same
//! transaction, when an enabled trigger of the company listens to its kind: the job exists
//! exactly when the event committed, whatever order concurrent transactions commit in. An
//! event a webhook may carry queues the webhook fan-out's job the same way, when the company
//! has an enabled endpoint.

use std::future::Future;

use domain::job::Queue;
use domain::trigger::TriggerEvent;
use domain::webhook::EventType;

use super::db::{Tx, now_ms};

pub struct NewEvent<'a> {
    pub actor_user_id: Option<i64>,
    pub company_id: Option<i64>,
    pub kind: &'a str,
    pub subject_type: &'a str,
    pub subject_id: i64,
    pub payload: serde_json::Value,
}

/// Why the events appended inside [`caused_by`] happened: a trigger's actions for an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// The event that started the chain (a person's or an integration's).
    pub origin_event_id: i64,
    /// The triggers whose actions led here, each once.
    pub triggers: Vec<i64>,
}

tokio::task_local! {
    static CAUSE: Cause;
}

/// Runs `work` (a trigger's actions) so that every event it appends records `cause`: the store
/// functions the actions call stay as they are, and the loop rule reads the cause back from
/// the events table.
pub async fn caused_by<F: Future>(cause: Cause, work: F) -> F::Output {
    CAUSE.scope(cause, work).await
}

/// `1,4,7`: the stored form of a cause's trigger ids.
pub fn trigger_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// The trigger ids of a stored list (unreadable parts are skipped).
pub fn parse_trigger_list(text: Option<&str>) -> Vec<i64> {
    text.unwrap_or("")
        .split(',')
        .filter_map(|id| id.trim().parse().ok())
        .collect()
}

pub async fn append(tx: &mut Tx, event: NewEvent<'_>) -> Result<i64, sqlx::Error> {
    let cause = CAUSE.try_with(Cause::clone).ok();
    let now = now_ms();
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO events (occurred_at, actor_user_id, company_id, kind, subject_type, subject_id, payload, \
         caused_by_triggers, origin_event_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(now)
    .bind(event.actor_user_id)
    .bind(event.company_id)
    .bind(event.kind)
    .bind(event.subject_type)
    .bind(event.subject_id)
    .bind(event.payload.to_string())
    .bind(cause.as_ref().map(|c| trigger_list(&c.triggers)))
    .bind(cause.as_ref().map(|c| c.origin_event_id))
    .fetch_one(&mut **tx)
    .await?;
    if let Some(company_id) = event.company_id
        && TriggerEvent::listens_to(event.kind)
    {
        sqlx::query(
            "INSERT INTO jobs (queue, subject_id, company_id, status, run_at, created_at) \
             SELECT $1, $2, $3, 'pending', $4, $4 WHERE EXISTS \
             (SELECT 1 FROM triggers WHERE company_id = $3 AND event_kind = $5 AND enabled = 1)",
        )
        .bind(Queue::RunTriggers.as_str())
        .bind(id)
        .bind(company_id)
        .bind(now)
        .bind(event.kind)
        .execute(&mut **tx)
        .await?;
    }
    if let Some(company_id) = event.company_id
        && EventType::of_kind(event.kind).is_some()
    {
        sqlx::query(
            "INSERT INTO jobs (queue, subject_id, company_id, status, run_at, created_at) \
             SELECT $1, $2, $3, 'pending', $4, $4 WHERE EXISTS \
             (SELECT 1 FROM webhook_endpoints WHERE company_id = $3 AND enabled = 1)",
        )
        .bind(Queue::WebhookEvents.as_str())
        .bind(id)
        .bind(company_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(id)
}

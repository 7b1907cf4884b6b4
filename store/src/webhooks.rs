//! The `webhook_endpoints`, `webhook_deliveries` and `webhook_attempts` tables: a program's
//! endpoints, the messages queued for them and every attempt to deliver one (the rules are
//! `domain::webhook`).
//!
//! An event a webhook may carry queues a `webhook_events` job in its own transaction
//! (`events::append`); that job turns into one delivery per subscribed endpoint, each with its
//! `deliver_webhook` job, in one transaction. The server's runner sends a delivery and records
//! the attempt in the transaction that finishes (or reschedules) its job, so an attempt is
//! recorded once, by the runner whose claim holds.

use domain::job::{AfterFailure, Queue};
use domain::permissions::TeammateRole;
use domain::webhook::{self, DeliveryStatus, EndpointDraft, EventType, Subscription};
use rand::RngCore;
use sqlx::Row;

use super::db::{Db, Tx, now_ms};
use super::events::{self, NewEvent};
use super::jobs::{self, Claimed};
use super::messages::Message;
use crate::emails;
use crate::error::AppError;

/// How many endpoints a program may have.
pub const MAX_ENDPOINTS: i64 = 20;

/// A page of the delivery log.
pub const PAGE: i64 = 25;

/// The longest part of an answer's body the log keeps.
pub const RESPONSE_KEPT: usize = 1_000;

/// An endpoint as its page shows it (never its secret).
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: i64,
    pub program_id: i64,
    pub url: String,
    pub description: String,
    pub subscription: Subscription,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<i64>,
    /// While a rotated-out secret still signs beside the new one: until when.
    pub rotating_until: Option<i64>,
    pub created_at: i64,
}

const ENDPOINT_SQL: &str = "SELECT id, program_id, url, description, event_types, enabled, disabled_reason, \
     failing_since, previous_secret_until, created_at FROM webhook_endpoints";

fn endpoint(row: &sqlx::any::AnyRow, now: i64) -> Result<Endpoint, AppError> {
    let types: String = row.try_get(4)?;
    let until: Option<i64> = row.try_get(8)?;
    Ok(Endpoint {
        id: row.try_get(0)?,
        program_id: row.try_get(1)?,
        url: row.try_get(2)?,
        description: row.try_get(3)?,
        subscription: Subscription::from_stored(&types),
        enabled: row.try_get::<i64, _>(5)? != 0,
        disabled_reason: row.try_get(6)?,
        failing_since: row.try_get(7)?,
        rotating_until: until.filter(|u| *u > now),
        created_at: row.try_get(9)?,
    })
}

/// The program's endpoints, oldest first.
pub async fn list(db: &Db, program_id: i64) -> Result<Vec<Endpoint>, AppError> {
    let sql = format!("{ENDPOINT_SQL} WHERE program_id = $1 ORDER BY id LIMIT {MAX_ENDPOINTS}");
    let now = now_ms();
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program_id)
        .fetch_all(&mut db.conn().await?)
        .await?
        .iter()
        .map(|row| endpoint(row, now))
        .collect()
}

/// Endpoint `id` of the program.
pub async fn get(db: &Db, program_id: i64, id: i64) -> Result<Endpoint, AppError> {
    let sql = format!("{ENDPOINT_SQL} WHERE id = $1 AND program_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(program_id)
        .fetch_optional(&mut db.conn().await?)
        .await?
        .ok_or_else(|| AppError::not_found("Webhook endpoint"))?;
    endpoint(&row, now_ms())
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    webhook::secret_of(&bytes)
}

pub use super::programs::Change;

async fn log(
    tx: &mut Tx,
    change: &Change,
    kind: &str,
    endpoint_id: i64,
    payload: serde_json::Value,
) -> Result<(), AppError> {
    change
        .log(tx, kind, ("webhook_endpoint", endpoint_id), payload)
        .await
}

/// Adds an endpoint (with a new signing secret), or (with `id`) changes one's address,
/// description and events.
pub async fn save(
    db: &Db,
    change: &Change,
    id: Option<i64>,
    draft: &EndpointDraft,
) -> Result<i64, AppError> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let payload = serde_json::json!({
        "url": draft.url,
        "events": draft.subscription.stored(),
    });
    let id = match id {
        None => {
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM webhook_endpoints WHERE program_id = $1")
                    .bind(change.program_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if count >= MAX_ENDPOINTS {
                return Err(AppError::bad_request(format!(
                    "A program has at most {MAX_ENDPOINTS} webhook endpoints"
                )));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO webhook_endpoints (company_id, program_id, url, description, event_types, enabled, \
                 secret, created_by_user_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $8) RETURNING id",
            )
            .bind(change.company_id)
            .bind(change.program_id)
            .bind(&draft.url)
            .bind(&draft.description)
            .bind(draft.subscription.stored())
            .bind(new_secret())
            .bind(change.user_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            log(&mut tx, change, "webhook_endpoint.created", id, payload).await?;
            id
        }
        Some(id) => {
            let updated = sqlx::query(
                "UPDATE webhook_endpoints SET url = $1, description = $2, event_types = $3, updated_at = $4, \
                 failing_since = NULL WHERE id = $5 AND program_id = $6",
            )
            .bind(&draft.url)
            .bind(&draft.description)
            .bind(draft.subscription.stored())
            .bind(now)
            .bind(id)
            .bind(change.program_id)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(AppError::not_found("Webhook endpoint"));
            }
            log(&mut tx, change, "webhook_endpoint.updated", id, payload).await?;
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// Turns an endpoint on (its failure streak forgotten) or off. Deliveries queued for an
/// endpoint that is off fail when their turn comes.
pub async fn set_enabled(db: &Db, change: &Change, id: i64, enabled: bool) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE webhook_endpoints SET enabled = $1, disabled_reason = NULL, failing_since = NULL, updated_at = $2 \
         WHERE id = $3 AND program_id = $4",
    )
    .bind(i64::from(enabled))
    .bind(now_ms())
    .bind(id)
    .bind(change.program_id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AppError::not_found("Webhook endpoint"));
    }
    let kind = if enabled {
        "webhook_endpoint.enabled"
    } else {
        "webhook_endpoint.disabled"
    };
    log(&mut tx, change, kind, id, serde_json::json!({})).await?;
    tx.commit().await?;
    Ok(())
}

/// Gives an endpoint a new signing secret; the old one keeps signing beside it for
/// [`webhook::ROTATION_OVERLAP_MS`].
pub async fn rotate_secret(db: &Db, change: &Change, id: i64) -> Result<(), AppError> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = $1, secret = $2, updated_at = $3 \
         WHERE id = $4 AND program_id = $5",
    )
    .bind(now + webhook::ROTATION_OVERLAP_MS)
    .bind(new_secret())
    .bind(now)
    .bind(id)
    .bind(change.program_id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AppError::not_found("Webhook endpoint"));
    }
    log(
        &mut tx,
        change,
        "webhook_endpoint.secret_rotated",
        id,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The endpoint's signing secret (what its receiver verifies with).
pub async fn secret(db: &Db, program_id: i64, id: i64) -> Result<String, AppError> {
    sqlx::query_scalar("SELECT secret FROM webhook_endpoints WHERE id = $1 AND program_id = $2")
        .bind(id)
        .bind(program_id)
        .fetch_optional(&mut db.conn().await?)
        .await?
        .ok_or_else(|| AppError::not_found("Webhook endpoint"))
}

/// A message to queue for one endpoint.
struct Queued<'a> {
    endpoint_id: i64,
    company_id: i64,
    event_id: Option<i64>,
    replay_of: Option<i64>,
    event_type: &'a str,
    /// The replayed or the event's message id; `None` for a test, which gets its own.
    msg_id: Option<&'a str>,
    body: &'a str,
}

/// Queues a message and its job; returns the delivery's id, or `None` when the endpoint has
/// the event already (queued by its subscription and by a trigger, whichever came first).
async fn queue(tx: &mut Tx, q: Queued<'_>, now: i64) -> Result<Option<i64>, AppError> {
    let Queued {
        endpoint_id,
        company_id,
        event_id,
        replay_of,
        event_type,
        msg_id,
        body,
    } = q;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id, replay_of, event_type, msg_id, body, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (endpoint_id, event_id) WHERE replay_of IS NULL AND event_id IS NOT NULL DO NOTHING \
         RETURNING id",
    )
    .bind(endpoint_id)
    .bind(event_id)
    .bind(replay_of)
    .bind(event_type)
    .bind(msg_id.unwrap_or(""))
    .bind(body)
    .bind(DeliveryStatus::Pending.as_str())
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = id else {
        return Ok(None);
    };
    if msg_id.is_none() {
        sqlx::query("UPDATE webhook_deliveries SET msg_id = $1 WHERE id = $2")
            .bind(webhook::message_id(None, id))
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    jobs::enqueue(tx, Queue::DeliverWebhook, id, Some(company_id), now).await?;
    Ok(Some(id))
}

/// A message that always makes a new delivery (a test, a replay).
fn made(id: Option<i64>) -> Result<i64, AppError> {
    id.ok_or_else(|| AppError::internal("a new delivery conflicted with an earlier one"))
}

/// A trigger's "send to webhook" action: queues the event `event_id` for the program's
/// endpoint, whatever the endpoint subscribes to; `false` when it has the event already.
/// Refused (the run fails, nothing changes) when the endpoint is gone or turned off.
pub async fn queue_for_trigger(
    tx: &mut Tx,
    program_id: i64,
    endpoint_id: i64,
    event_id: i64,
    now: i64,
) -> Result<bool, AppError> {
    let enabled: i64 = sqlx::query_scalar(
        "SELECT enabled FROM webhook_endpoints WHERE id = $1 AND program_id = $2",
    )
    .bind(endpoint_id)
    .bind(program_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found("Webhook endpoint"))?;
    if enabled == 0 {
        return Err(AppError::bad_request("The webhook endpoint is turned off"));
    }
    let Some((company_id, _, event_type, text)) = event_data(tx, event_id).await? else {
        return Err(AppError::bad_request(
            "This event is not one webhooks carry",
        ));
    };
    let queued = Queued {
        endpoint_id,
        company_id,
        event_id: Some(event_id),
        replay_of: None,
        event_type: event_type.as_str(),
        msg_id: Some(&webhook::message_id(Some(event_id), 0)),
        body: &text,
    };
    Ok(queue(tx, queued, now).await?.is_some())
}

/// The body of a message: `type`, `timestamp` and the event's `data`.
fn body(event_type: EventType, at: i64, data: serde_json::Value) -> String {
    serde_json::json!({
        "type": event_type.as_str(),
        "timestamp": domain::time::format_timestamp(at),
        "data": data,
    })
    .to_string()
}

/// Queues a test message for the endpoint; returns its delivery's id.
pub async fn send_test(
    db: &Db,
    change: &Change,
    id: i64,
    program_name: &str,
) -> Result<i64, AppError> {
    let endpoint = get(db, change.program_id, id).await?;
    if !endpoint.enabled {
        return Err(AppError::bad_request("Turn the endpoint on first"));
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    let text = body(
        EventType::Test,
        now,
        serde_json::json!({
            "message": format!("A test event from {program_name}"),
            "program_id": change.program_id,
            "endpoint_id": id,
        }),
    );
    let delivery = queue(
        &mut tx,
        Queued {
            endpoint_id: id,
            company_id: change.company_id,
            event_id: None,
            replay_of: None,
            event_type: EventType::Test.as_str(),
            msg_id: None,
            body: &text,
        },
        now,
    )
    .await
    .and_then(made)?;
    log(
        &mut tx,
        change,
        "webhook_endpoint.test_sent",
        id,
        serde_json::json!({ "delivery_id": delivery }),
    )
    .await?;
    tx.commit().await?;
    Ok(delivery)
}

/// Sends a delivery of the program's endpoints again: a new delivery with the same message id
/// and body (a receiver that already has it can tell), its own attempts and retries.
pub async fn replay(db: &Db, change: &Change, delivery_id: i64) -> Result<i64, AppError> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "SELECT d.endpoint_id, d.event_id, d.event_type, d.msg_id, d.body, e.enabled FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1 AND e.program_id = $2",
    )
    .bind(delivery_id)
    .bind(change.program_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found("Webhook delivery"))?;
    if row.try_get::<i64, _>(5)? == 0 {
        return Err(AppError::bad_request("Turn the endpoint on first"));
    }
    let endpoint_id: i64 = row.try_get(0)?;
    let msg_id: String = row.try_get(3)?;
    let (event_type, body): (String, String) = (row.try_get(2)?, row.try_get(4)?);
    let id = queue(
        &mut tx,
        Queued {
            endpoint_id,
            company_id: change.company_id,
            event_id: row.try_get(1)?,
            replay_of: Some(delivery_id),
            event_type: &event_type,
            msg_id: Some(&msg_id),
            body: &body,
        },
        now,
    )
    .await
    .and_then(made)?;
    log(
        &mut tx,
        change,
        "webhook_delivery.replayed",
        endpoint_id,
        serde_json::json!({ "delivery_id": delivery_id, "replay_id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The subject tables an event may concern, with its partnership and amount columns.
fn subject_sql(subject_type: &str) -> Option<&'static str> {
    Some(match subject_type {
        "transaction" => {
            "SELECT s.program_id, s.partnership_id, s.amount_minor, p.currency FROM transactions s \
             JOIN programs p ON p.id = s.program_id WHERE s.id = $1"
        }
        "reward" => {
            "SELECT s.program_id, s.partnership_id, s.amount_minor, p.currency FROM rewards s \
             JOIN programs p ON p.id = s.program_id WHERE s.id = $1"
        }
        "deal" => {
            "SELECT s.program_id, s.partnership_id, s.amount_minor, p.currency FROM deals s \
             JOIN programs p ON p.id = s.program_id WHERE s.id = $1"
        }
        "payout" => {
            "SELECT s.program_id, s.partnership_id, s.amount_minor, p.currency FROM payouts s \
             JOIN programs p ON p.id = s.program_id WHERE s.id = $1"
        }
        "lead" => {
            "SELECT s.program_id, s.partnership_id, CAST(NULL AS BIGINT), p.currency FROM leads s \
             JOIN programs p ON p.id = s.program_id WHERE s.id = $1"
        }
        "customer" => {
            "SELECT s.program_id, s.partnership_id, CAST(NULL AS BIGINT), p.currency FROM customers s \
             JOIN programs p ON p.id = s.program_id WHERE s.id = $1"
        }
        "partnership" => {
            "SELECT s.program_id, s.id, CAST(NULL AS BIGINT), p.currency FROM partnerships s \
             JOIN programs p ON p.id = s.program_id WHERE s.id = $1"
        }
        _ => return None,
    })
}

/// The program an event concerns and the `data` of its message: the logged payload with the
/// subject's ids and amount.
async fn event_data(
    tx: &mut Tx,
    event_id: i64,
) -> Result<Option<(i64, i64, EventType, String)>, AppError> {
    let Some(row) = sqlx::query(
        "SELECT company_id, kind, subject_type, subject_id, payload, occurred_at FROM events WHERE id = $1",
    )
    .bind(event_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let company_id: Option<i64> = row.try_get(0)?;
    let kind: String = row.try_get(1)?;
    let subject_type: String = row.try_get(2)?;
    let subject_id: i64 = row.try_get(3)?;
    let (Some(company_id), Some(event_type), Some(sql)) = (
        company_id,
        EventType::of_kind(&kind),
        subject_sql(&subject_type),
    ) else {
        return Ok(None);
    };
    let Some(subject) = sqlx::query(sql)
        .bind(subject_id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    let program_id: i64 = subject.try_get(0)?;
    let payload: String = row.try_get(4)?;
    let mut data = match serde_json::from_str::<serde_json::Value>(&payload) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    data.insert("event_id".into(), event_id.into());
    data.insert("object".into(), subject_type.clone().into());
    data.insert("id".into(), subject_id.into());
    data.insert("program_id".into(), program_id.into());
    // The customer's partnership is the one this event credited, from its payload.
    if subject_type != "customer" {
        let partnership: Option<i64> = subject.try_get(1)?;
        data.insert("partnership_id".into(), partnership.into());
    }
    if let Some(minor) = subject.try_get::<Option<i64>, _>(2)? {
        let currency: String = subject.try_get(3)?;
        data.insert("amount_minor".into(), minor.into());
        if let Ok(c) = domain::money::Currency::parse(&currency) {
            data.insert(
                "amount".into(),
                domain::money::from_minor(minor, c).to_string().into(),
            );
        }
        data.insert("currency".into(), currency.into());
    }
    let text = body(event_type, row.try_get(5)?, serde_json::Value::Object(data));
    Ok(Some((company_id, program_id, event_type, text)))
}

/// Turns a batch of claimed `webhook_events` jobs into deliveries, in one transaction: each
/// event gets one delivery per enabled endpoint of its program that subscribes to it. `false`
/// when a claim was lost (nothing is kept).
pub async fn queue_events(db: &Db, claimed: &[Claimed], now: i64) -> Result<bool, AppError> {
    let mut tx = db.begin().await?;
    for job in claimed {
        if let Some((company_id, program_id, event_type, text)) =
            event_data(&mut tx, job.subject_id).await?
        {
            let endpoints = sqlx::query(
                "SELECT id, event_types FROM webhook_endpoints WHERE program_id = $1 AND enabled = 1",
            )
            .bind(program_id)
            .fetch_all(&mut *tx)
            .await?;
            let msg_id = webhook::message_id(Some(job.subject_id), 0);
            for endpoint in endpoints {
                let types: String = endpoint.try_get(1)?;
                if Subscription::from_stored(&types).wants(event_type) {
                    let queued = Queued {
                        endpoint_id: endpoint.try_get(0)?,
                        company_id,
                        event_id: Some(job.subject_id),
                        replay_of: None,
                        event_type: event_type.as_str(),
                        msg_id: Some(&msg_id),
                        body: &text,
                    };
                    queue(&mut tx, queued, now).await?;
                }
            }
        }
        if !jobs::finish(&mut tx, job, now).await? {
            return Ok(false);
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// A delivery as the sender sends it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub delivery_id: i64,
    pub endpoint_id: i64,
    pub url: String,
    pub msg_id: String,
    pub body: String,
    /// The secrets that sign it: the endpoint's, and a rotated-out one still in its overlap.
    pub secrets: Vec<String>,
}

/// What to do with a claimed delivery.
pub enum Next {
    Send(Outgoing),
    /// Its endpoint was turned off: the delivery fails without an attempt.
    EndpointOff,
    /// Delivered or failed already (an attempt whose claim ran out recorded it).
    Settled,
}

pub async fn outgoing(db: &Db, delivery_id: i64, now: i64) -> Result<Next, AppError> {
    let Some(row) = sqlx::query(
        "SELECT d.status, d.endpoint_id, d.msg_id, d.body, e.url, e.enabled, e.secret, e.previous_secret, \
         e.previous_secret_until FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         WHERE d.id = $1",
    )
    .bind(delivery_id)
    .fetch_optional(&mut db.conn().await?)
    .await?
    else {
        return Ok(Next::Settled);
    };
    if row.try_get::<String, _>(0)? != DeliveryStatus::Pending.as_str() {
        return Ok(Next::Settled);
    }
    if row.try_get::<i64, _>(5)? == 0 {
        return Ok(Next::EndpointOff);
    }
    let mut secrets = vec![row.try_get::<String, _>(6)?];
    let previous: Option<String> = row.try_get(7)?;
    let until: Option<i64> = row.try_get(8)?;
    if let (Some(previous), Some(until)) = (previous, until)
        && until > now
    {
        secrets.push(previous);
    }
    Ok(Next::Send(Outgoing {
        delivery_id,
        endpoint_id: row.try_get(1)?,
        url: row.try_get(4)?,
        msg_id: row.try_get(2)?,
        body: row.try_get(3)?,
        secrets,
    }))
}

/// One attempt's result.
#[derive(Debug, Clone)]
pub struct Attempted {
    pub at: i64,
    pub duration_ms: i64,
    /// The answer's status, or `None` when there was no answer (refused, timed out).
    pub status: Option<u16>,
    /// The answer's body (cut to [`RESPONSE_KEPT`]), or why there was no answer.
    pub response: String,
    /// The `webhook-signature` header sent.
    pub signature: String,
}

/// The first [`RESPONSE_KEPT`] characters of what a receiver answered, without control
/// characters (PostgreSQL's text refuses NUL, and a log line is no place for the others).
fn cut(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    match clean.char_indices().nth(RESPONSE_KEPT) {
        Some((end, _)) => format!("{}…", &clean[..end]),
        None => clean,
    }
}

/// Records an attempt of a claimed delivery, in the transaction that finishes or reschedules
/// its job: delivered; failed for good (410 turns the endpoint off, and so does failing for
/// [`webhook::DISABLE_AFTER_FAILING_MS`], with a message to the company's owners); or waiting
/// for its next attempt on the webhook schedule. `false` when the claim was lost (nothing is
/// kept: the runner that holds the job records its own attempt).
pub async fn record(
    db: &Db,
    job: &Claimed,
    out: &Outgoing,
    attempted: &Attempted,
    origin: Option<&str>,
) -> Result<bool, AppError> {
    let now = attempted.at;
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, duration_ms, response_status, response, signature) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(out.delivery_id)
    .bind(job.attempt)
    .bind(now)
    .bind(attempted.duration_ms)
    .bind(attempted.status.map(i64::from))
    .bind(cut(&attempted.response))
    .bind(&attempted.signature)
    .execute(&mut *tx)
    .await?;
    let reason = match attempted.status {
        Some(status) => format!("HTTP {status}"),
        None => cut(&attempted.response),
    };
    let (status, finished) = match webhook::answer(attempted.status) {
        webhook::Answer::Delivered => {
            sqlx::query("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1")
                .bind(out.endpoint_id)
                .execute(&mut *tx)
                .await?;
            if !jobs::finish(&mut tx, job, now).await? {
                return Ok(false);
            }
            (DeliveryStatus::Delivered, true)
        }
        webhook::Answer::Gone => {
            turn_off(
                &mut tx,
                out.endpoint_id,
                "The endpoint answered 410 Gone: it asked for no more deliveries",
                now,
            )
            .await?;
            if !jobs::finish(&mut tx, job, now).await? {
                return Ok(false);
            }
            (DeliveryStatus::Failed, true)
        }
        webhook::Answer::Failed => {
            let failing_since: Option<i64> = sqlx::query_scalar(
                "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $1) WHERE id = $2 \
                 RETURNING failing_since",
            )
            .bind(now)
            .bind(out.endpoint_id)
            .fetch_one(&mut *tx)
            .await?;
            let next = if webhook::gives_up(failing_since, now) {
                give_up(
                    &mut tx,
                    out,
                    failing_since.unwrap_or(now),
                    &reason,
                    origin,
                    now,
                )
                .await?;
                AfterFailure::Dead
            } else {
                webhook::after_failure(job.attempt, now)
            };
            let Some(next) = jobs::fail_then(&mut tx, job, &reason, next, now).await? else {
                return Ok(false);
            };
            match next {
                AfterFailure::Dead => (DeliveryStatus::Failed, true),
                AfterFailure::RetryAt(_) => (DeliveryStatus::Pending, false),
            }
        }
    };
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, last_status = $2, last_error = $3, \
         finished_at = $4 WHERE id = $5",
    )
    .bind(status.as_str())
    .bind(attempted.status.map(i64::from))
    .bind((status != DeliveryStatus::Delivered).then_some(reason))
    .bind(finished.then_some(now))
    .bind(out.delivery_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Fails a claimed delivery whose endpoint was turned off, without an attempt.
pub async fn fail_unsent(db: &Db, job: &Claimed, delivery_id: i64) -> Result<bool, AppError> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, last_error = $2, finished_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(DeliveryStatus::Failed.as_str())
    .bind("Not sent: the endpoint is turned off")
    .bind(now)
    .bind(delivery_id)
    .bind(DeliveryStatus::Pending.as_str())
    .execute(&mut *tx)
    .await?;
    if !jobs::finish(&mut tx, job, now).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// Turns an endpoint off for `reason` (the portal's decision, logged without an actor);
/// `false` when it was off already (another delivery's attempt turned it off first).
async fn turn_off(tx: &mut Tx, endpoint_id: i64, reason: &str, now: i64) -> Result<bool, AppError> {
    let row = sqlx::query(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $1, updated_at = $2 \
         WHERE id = $3 AND enabled = 1 RETURNING company_id, program_id",
    )
    .bind(reason)
    .bind(now)
    .bind(endpoint_id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = row {
        events::append(
            tx,
            NewEvent {
                actor_user_id: None,
                company_id: Some(row.try_get(0)?),
                kind: "webhook_endpoint.turned_off",
                subject_type: "webhook_endpoint",
                subject_id: endpoint_id,
                payload: serde_json::json!({ "program_id": row.try_get::<i64, _>(1)?, "reason": reason }),
            },
        )
        .await?;
        return Ok(true);
    }
    Ok(false)
}

/// An endpoint failed for too long: it is turned off and the company's owners hear of it.
async fn give_up(
    tx: &mut Tx,
    out: &Outgoing,
    since: i64,
    last: &str,
    origin: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    let since_text = domain::time::format_date(since);
    let turned_off = turn_off(
        tx,
        out.endpoint_id,
        &format!("Every delivery failed since {since_text}"),
        now,
    )
    .await?;
    // The owners hear of it once, from the attempt that turned it off.
    if !turned_off {
        return Ok(());
    }
    let row = sqlx::query(
        "SELECT e.company_id, p.name, e.program_id FROM webhook_endpoints e JOIN programs p ON p.id = e.program_id WHERE e.id = $1",
    )
    .bind(out.endpoint_id)
    .fetch_one(&mut **tx)
    .await?;
    let company_id: i64 = row.try_get(0)?;
    let program: String = row.try_get(1)?;
    let link = format!(
        "{}/vendor/webhooks/{}?program={}",
        origin.unwrap_or(""),
        out.endpoint_id,
        row.try_get::<i64, _>(2)?
    );
    let owners = sqlx::query(
        "SELECT u.email, t.role FROM teammates t JOIN users u ON u.id = t.user_id WHERE t.company_id = $1",
    )
    .bind(company_id)
    .fetch_all(&mut **tx)
    .await?;
    for owner in owners {
        if TeammateRole::parse(&owner.try_get::<String, _>(1)?) != Ok(TeammateRole::Owner) {
            continue;
        }
        emails::queue(
            tx,
            emails::Recipient {
                email: &owner.try_get::<String, _>(0)?,
                company_id: Some(company_id),
                partner_team_id: None,
                program_id: None,
            },
            &Message::WebhookFailing {
                program: &program,
                url: &out.url,
                since: &since_text,
                reason: last,
                link: &link,
            },
        )
        .await?;
    }
    Ok(())
}

/// One attempt, as the delivery log shows it.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub attempt: i64,
    pub at: i64,
    pub duration_ms: i64,
    pub status: Option<i64>,
    pub response: String,
}

/// A delivery, as the log shows it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub event_type: String,
    pub msg_id: String,
    pub body: String,
    pub status: DeliveryStatus,
    pub last_error: Option<String>,
    pub replay_of: Option<i64>,
    pub created_at: i64,
    /// When the next attempt is due, while it is pending.
    pub next_attempt_at: Option<i64>,
    /// A runner is sending it now (its job is claimed).
    pub sending: bool,
    pub attempts: Vec<Attempt>,
}

/// The endpoint's deliveries, newest first, [`PAGE`] at a time (keyset: ids below `before`),
/// each with its attempts; and the id to pass for the next page.
pub async fn deliveries(
    db: &Db,
    program_id: i64,
    endpoint_id: i64,
    before: Option<i64>,
) -> Result<(Vec<Delivery>, Option<i64>), AppError> {
    let mut conn = db.conn().await?;
    let sql = format!(
        "SELECT d.id, d.event_type, d.msg_id, d.body, d.status, d.last_error, d.replay_of, d.created_at, j.run_at, \
         CASE WHEN j.lock_token IS NULL THEN 0 ELSE 1 END \
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         LEFT JOIN jobs j ON j.queue = $1 AND j.subject_id = d.id AND j.status = 'pending' \
         WHERE d.endpoint_id = $2 AND e.program_id = $3 AND d.id < $4 ORDER BY d.id DESC LIMIT {}",
        PAGE + 1
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(Queue::DeliverWebhook.as_str())
        .bind(endpoint_id)
        .bind(program_id)
        .bind(before.unwrap_or(i64::MAX))
        .fetch_all(&mut conn)
        .await?;
    let mut list = Vec::new();
    for row in rows.iter().take(usize::try_from(PAGE).unwrap_or(25)) {
        let status: String = row.try_get(4)?;
        let status = DeliveryStatus::parse(&status).map_err(AppError::internal)?;
        list.push(Delivery {
            id: row.try_get(0)?,
            event_type: row.try_get(1)?,
            msg_id: row.try_get(2)?,
            body: row.try_get(3)?,
            status,
            last_error: row.try_get(5)?,
            replay_of: row.try_get(6)?,
            created_at: row.try_get(7)?,
            next_attempt_at: if status == DeliveryStatus::Pending {
                row.try_get(8)?
            } else {
                None
            },
            sending: status == DeliveryStatus::Pending && row.try_get::<i64, _>(9)? == 1,
            attempts: Vec::new(),
        });
    }
    let older = (rows.len() > list.len())
        .then(|| list.last().map(|d| d.id))
        .flatten();
    if let (Some(first), Some(last)) = (list.first().map(|d| d.id), list.last().map(|d| d.id)) {
        // The page's attempts in one query: at most MAX_ATTEMPTS per delivery.
        let attempts = sqlx::query(
            "SELECT a.delivery_id, a.attempt, a.attempted_at, a.duration_ms, a.response_status, a.response \
             FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id \
             WHERE d.endpoint_id = $1 AND d.id BETWEEN $2 AND $3 AND a.delivery_id BETWEEN $2 AND $3 \
             ORDER BY a.id",
        )
        .bind(endpoint_id)
        .bind(last)
        .bind(first)
        .fetch_all(&mut conn)
        .await?;
        for row in attempts {
            let delivery_id: i64 = row.try_get(0)?;
            if let Some(d) = list.iter_mut().find(|d| d.id == delivery_id) {
                d.attempts.push(Attempt {
                    attempt: row.try_get(1)?,
                    at: row.try_get(2)?,
                    duration_ms: row.try_get(3)?,
                    status: row.try_get(4)?,
                    response: row.try_get(5)?,
                });
            }
        }
    }
    Ok((list, older))
}

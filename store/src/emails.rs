//! The `emails` table, the outbox: every message the portal sends, rendered when it is queued
//! and kept whether or not it could be sent, with its delivery status. Sending is a job
//! (`send_email`) queued in the same transaction as the message.

use domain::email::{EmailKind, EmailStatus};
use domain::job::{AfterFailure, Queue};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::db::{Db, Tx, now_ms};
use super::events::{self, NewEvent};
use super::jobs::{self, Claimed};
use super::messages::{self, Message};
use super::notifications;
use crate::dto::OutboxEmail;
use crate::error::AppError;
use domain::workspace::WorkspaceKind;

/// Who a message goes to, and whose outbox it shows in.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub email: &'a str,
    /// The company whose outbox lists it (`None`: the portal's own mail to one person).
    pub company_id: Option<i64>,
    pub partner_team_id: Option<i64>,
    /// The program whose own wording the message takes, if it has one (`None`: the portal's).
    pub program_id: Option<i64>,
}

/// Renders `message` for `to`, keeps it and queues its sending, and keeps it among the
/// recipient's notifications. Returns the email's id; `None` when the recipient turned this
/// kind of email off (the notification is still kept).
pub async fn queue(
    tx: &mut Tx,
    to: Recipient<'_>,
    message: &Message<'_>,
) -> Result<Option<i64>, AppError> {
    let kind = message.kind();
    let wording = match to.program_id {
        Some(program) if kind.customizable() => {
            super::email_templates::wording(tx, program, kind).await?
        }
        _ => None,
    };
    let rendered = match &wording {
        Some(wording) => messages::render_worded(message, wording)?,
        None => messages::render(message)?,
    };
    let now = now_ms();
    let id = if kind.optional() && opted_out(tx, to.email, kind).await? {
        None
    } else {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO emails (company_id, partner_team_id, to_email, kind, subject, body, html, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(to.company_id)
        .bind(to.partner_team_id)
        .bind(to.email)
        .bind(kind.as_str())
        .bind(&rendered.subject)
        .bind(&rendered.text)
        .bind(&rendered.html)
        .bind(EmailStatus::Queued.as_str())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        jobs::enqueue(tx, Queue::SendEmail, id, to.company_id, now).await?;
        Some(id)
    };
    // The workspace it concerns: the partner team a message to a team's people names, else
    // the company whose outbox has it.
    let workspace = match (to.partner_team_id, to.company_id) {
        (Some(team), _) => Some((WorkspaceKind::Partner, team)),
        (None, Some(company)) => Some((WorkspaceKind::Vendor, company)),
        (None, None) => None,
    };
    if let Some(workspace) = workspace {
        notifications::record(tx, to.email, workspace, message, &rendered, id).await?;
    }
    Ok(id)
}

/// Whether the account of `email` turned emails of `kind` off.
async fn opted_out(tx: &mut Tx, email: &str, kind: EmailKind) -> Result<bool, AppError> {
    let Ok(normalized) = domain::identity::normalize_email(email) else {
        return Ok(false);
    };
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_opt_outs o JOIN users u ON u.id = o.user_id \
         WHERE u.email_normalized = $1 AND o.kind = $2",
    )
    .bind(normalized)
    .bind(kind.as_str())
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

/// The optional kinds (of those on one side of the portal) a person receives: every one they
/// did not turn off.
pub async fn preferences(
    db: &Db,
    user_id: i64,
    partner: bool,
) -> Result<Vec<(EmailKind, bool)>, AppError> {
    let off: Vec<String> = sqlx::query_scalar("SELECT kind FROM email_opt_outs WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&mut db.conn().await?)
        .await?;
    Ok(EmailKind::optional_for(partner)
        .into_iter()
        .map(|k| (k, !off.iter().any(|o| o == k.as_str())))
        .collect())
}

/// Sets which optional kinds (of those on one side of the portal) a person receives: the
/// others of that side are turned off.
pub async fn set_preferences(
    db: &Db,
    user_id: i64,
    partner: bool,
    receive: &[EmailKind],
) -> Result<(), AppError> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let mut off = Vec::new();
    for kind in EmailKind::optional_for(partner) {
        sqlx::query("DELETE FROM email_opt_outs WHERE user_id = $1 AND kind = $2")
            .bind(user_id)
            .bind(kind.as_str())
            .execute(&mut *tx)
            .await?;
        if !receive.contains(&kind) {
            sqlx::query(
                "INSERT INTO email_opt_outs (user_id, kind, created_at) VALUES ($1, $2, $3)",
            )
            .bind(user_id)
            .bind(kind.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            off.push(kind.as_str());
        }
    }
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: None,
            kind: "user.email_preferences_changed",
            subject_type: "user",
            subject_id: user_id,
            payload: serde_json::json!({ "turned_off": off }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A message as the sender hands it to SMTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// The message a `send_email` job is for; `None` once it was sent (nothing left to do).
pub async fn outgoing(db: &Db, id: i64) -> Result<Option<Outgoing>, AppError> {
    let row = sqlx::query(
        "SELECT id, to_email, subject, body, html FROM emails WHERE id = $1 AND status <> $2",
    )
    .bind(id)
    .bind(EmailStatus::Sent.as_str())
    .fetch_optional(&mut db.conn().await?)
    .await?;
    Ok(row
        .map(|r| -> Result<Outgoing, sqlx::Error> {
            Ok(Outgoing {
                id: r.try_get(0)?,
                to: r.try_get(1)?,
                subject: r.try_get(2)?,
                text: r.try_get(3)?,
                html: r.try_get(4)?,
            })
        })
        .transpose()?)
}

/// The message of `job` went out (or had before): it is sent and the job done, in one
/// transaction. `false`
/// when the job's claim was lost to another runner (nothing changes).
pub async fn sent(db: &Db, job: &Claimed) -> Result<bool, AppError> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    if !jobs::finish(&mut tx, job, now).await? {
        return Ok(false);
    }
    // A message already marked sent (by an attempt whose lease ran out after sending) stays
    // as it was: one `email.sent` event per message.
    let company_id: Option<Option<i64>> = sqlx::query_scalar(
        "UPDATE emails SET status = $1, sent_at = $2, attempts = $3, last_error = NULL \
         WHERE id = $4 AND status <> $1 RETURNING company_id",
    )
    .bind(EmailStatus::Sent.as_str())
    .bind(now)
    .bind(job.attempt)
    .bind(job.subject_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(company_id) = company_id {
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: None,
                company_id,
                kind: "email.sent",
                subject_type: "email",
                subject_id: job.subject_id,
                payload: serde_json::json!({ "attempts": job.attempt }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Sending the message of `job` failed for `reason` (what the SMTP server said, or why it
/// could not be reached): it waits for a retry, or after the last attempt (or a `permanent`
/// refusal) it has failed.
pub async fn send_failed(
    db: &Db,
    job: &Claimed,
    reason: &str,
    permanent: bool,
) -> Result<(), AppError> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let Some(next) = jobs::fail(&mut tx, job, reason, permanent, now).await? else {
        return Ok(());
    };
    let status = match next {
        AfterFailure::RetryAt(_) => EmailStatus::Queued,
        AfterFailure::Dead => EmailStatus::Failed,
    };
    let company_id: Option<i64> = sqlx::query_scalar(
        "UPDATE emails SET status = $1, attempts = $2, last_error = $3 WHERE id = $4 RETURNING company_id",
    )
    .bind(status.as_str())
    .bind(job.attempt)
    .bind(reason)
    .bind(job.subject_id)
    .fetch_one(&mut *tx)
    .await?;
    if next == AfterFailure::Dead {
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: None,
                company_id,
                kind: "email.failed",
                subject_type: "email",
                subject_id: job.subject_id,
                payload: serde_json::json!({ "attempts": job.attempt, "reason": reason }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How many messages an outbox page shows.
pub const PAGE: usize = 50;

/// A page of the company's outbox, newest first: the messages older than `before` (an id),
/// and the `before` of the page after it.
pub async fn outbox(
    db: &Db,
    company_id: i64,
    before: Option<i64>,
) -> Result<(Vec<OutboxEmail>, Option<i64>), AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, to_email, kind, subject, body, status, attempts, last_error, created_at, sent_at \
         FROM emails WHERE company_id = $1 AND id < $2 ORDER BY id DESC LIMIT {}",
        PAGE + 1
    )))
    .bind(company_id)
    .bind(before.unwrap_or(i64::MAX))
    .fetch_all(&mut db.conn().await?)
    .await?;
    let mut emails = rows
        .iter()
        .map(outbox_row)
        .collect::<Result<Vec<_>, AppError>>()?;
    let older = (emails.len() > PAGE).then(|| {
        emails.truncate(PAGE);
        emails.last().map(|e| e.id)
    });
    Ok((emails, older.flatten()))
}

fn outbox_row(r: &AnyRow) -> Result<OutboxEmail, AppError> {
    let kind: EmailKind = crate::db::stored(r, 2)?;
    Ok(OutboxEmail {
        id: r.try_get(0)?,
        to: r.try_get(1)?,
        kind: kind.label().to_owned(),
        subject: r.try_get(3)?,
        text: (!kind.carries_a_secret())
            .then(|| r.try_get(4))
            .transpose()?,
        status: crate::db::stored(r, 5)?,
        attempts: r.try_get(6)?,
        last_error: r.try_get(7)?,
        created_at: domain::time::format_minute(r.try_get(8)?),
        sent_at: r
            .try_get::<Option<i64>, _>(9)?
            .map(domain::time::format_minute),
    })
}

/// Queues a failed message of the company again, with a fresh set of attempts (a person asked
/// for it, having fixed the address or the mail server).
pub async fn resend(
    db: &Db,
    company_id: i64,
    actor_user_id: i64,
    email_id: i64,
) -> Result<(), AppError> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE emails SET status = $1 WHERE id = $2 AND company_id = $3 AND status = $4",
    )
    .bind(EmailStatus::Queued.as_str())
    .bind(email_id)
    .bind(company_id)
    .bind(EmailStatus::Failed.as_str())
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AppError::bad_request(
            "Only a message whose sending failed can be sent again.",
        ));
    }
    if !jobs::revive(&mut tx, Queue::SendEmail, email_id, now).await? {
        jobs::enqueue(&mut tx, Queue::SendEmail, email_id, Some(company_id), now).await?;
    }
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(company_id),
            kind: "email.resent",
            subject_type: "email",
            subject_id: email_id,
            payload: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

//! The `notifications` table: what the portal emails a person with an account, kept in the app
//! for the workspace it concerns, read or not (the rule of which kinds is
//! `EmailKind::notifies`). A notification is written in the transaction that queues its email,
//! so the two never disagree.

use domain::workspace::WorkspaceKind;
use sqlx::Row;

use super::db::{Db, Tx, now_ms};
use super::events::{self, NewEvent};
use super::messages::{Message, Rendered};
use crate::error::AppError;

/// A page of the list.
pub const PAGE: i64 = 25;

/// The workspace a person reads notifications in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inbox {
    pub user_id: i64,
    pub kind: WorkspaceKind,
    pub workspace_id: i64,
}

/// Keeps `message` (as rendered) for the account of `email` in `workspace`, when there is one
/// and the kind notifies.
pub async fn record(
    tx: &mut Tx,
    email: &str,
    workspace: (WorkspaceKind, i64),
    message: &Message<'_>,
    rendered: &Rendered,
    email_id: Option<i64>,
) -> Result<(), AppError> {
    if !message.kind().notifies() {
        return Ok(());
    }
    let Ok(normalized) = domain::identity::normalize_email(email) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO notifications (user_id, workspace_kind, workspace_id, kind, title, body, link, email_id, created_at) \
         SELECT id, $1, $2, $3, $4, $5, $6, $7, $8 FROM users WHERE email_normalized = $9",
    )
    .bind(workspace.0.as_str())
    .bind(workspace.1)
    .bind(message.kind().as_str())
    .bind(&rendered.subject)
    .bind(&rendered.text)
    .bind(message.page())
    .bind(email_id)
    .bind(now_ms())
    .bind(normalized)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One notification, as the list shows it.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: i64,
    pub read: bool,
}

/// The inbox's notifications, newest first, [`PAGE`] at a time (keyset: ids below `before`);
/// and where the next page starts.
pub async fn list(
    db: &Db,
    inbox: Inbox,
    before: Option<i64>,
) -> Result<(Vec<Notification>, Option<i64>), AppError> {
    let sql = format!(
        "SELECT id, title, body, link, created_at, read_at FROM notifications \
         WHERE user_id = $1 AND workspace_kind = $2 AND workspace_id = $3 AND id < $4 \
         ORDER BY id DESC LIMIT {}",
        PAGE + 1
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(inbox.user_id)
        .bind(inbox.kind.as_str())
        .bind(inbox.workspace_id)
        .bind(before.unwrap_or(i64::MAX))
        .fetch_all(&mut db.conn().await?)
        .await?;
    let mut list = Vec::new();
    for row in rows.iter().take(usize::try_from(PAGE).unwrap_or(25)) {
        list.push(Notification {
            id: row.try_get(0)?,
            title: row.try_get(1)?,
            body: row.try_get(2)?,
            link: row.try_get(3)?,
            created_at: row.try_get(4)?,
            read: row.try_get::<Option<i64>, _>(5)?.is_some(),
        });
    }
    let older = (rows.len() > list.len())
        .then(|| list.last().map(|n| n.id))
        .flatten();
    Ok((list, older))
}

/// How many of the inbox's notifications are unread.
pub async fn unread(db: &Db, inbox: Inbox) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND workspace_kind = $2 AND workspace_id = $3 \
         AND read_at IS NULL",
    )
    .bind(inbox.user_id)
    .bind(inbox.kind.as_str())
    .bind(inbox.workspace_id)
    .fetch_one(&mut db.conn().await?)
    .await?)
}

/// Marks the inbox's notification `id` read (`None`: every unread one); how many changed.
pub async fn mark_read(db: &Db, inbox: Inbox, id: Option<i64>) -> Result<u64, AppError> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND workspace_kind = $3 AND workspace_id = $4 \
         AND read_at IS NULL AND ($5 = 0 OR id = $5)",
    )
    .bind(now)
    .bind(inbox.user_id)
    .bind(inbox.kind.as_str())
    .bind(inbox.workspace_id)
    .bind(id.unwrap_or(0))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if let Some(id) = id
        && changed == 0
    {
        // Read already, or not this inbox's: only the first is no error.
        let owned: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE id = $1 AND user_id = $2 AND workspace_kind = $3 \
             AND workspace_id = $4",
        )
        .bind(id)
        .bind(inbox.user_id)
        .bind(inbox.kind.as_str())
        .bind(inbox.workspace_id)
        .fetch_one(&mut *tx)
        .await?;
        if owned == 0 {
            return Err(AppError::not_found("Notification"));
        }
        return Ok(0);
    }
    if changed > 0 {
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(inbox.user_id),
                company_id: (inbox.kind == WorkspaceKind::Vendor).then_some(inbox.workspace_id),
                kind: "notification.read",
                subject_type: "user",
                subject_id: inbox.user_id,
                payload: serde_json::json!({ "notification_id": id, "count": changed }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(changed)
}

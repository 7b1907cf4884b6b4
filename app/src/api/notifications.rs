//! In-app notifications: what the portal emailed the signed-in person about the workspace they
//! act in, newest first, read or not. Anyone signed in to a workspace reads their own.

use leptos::prelude::*;

use crate::dto::NotificationsPage;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "notifications")]
pub async fn fetch_notifications(before: Option<i64>) -> Result<NotificationsPage, AppError> {
    use crate::dto::NotificationRow;
    use crate::server::{endpoint, notifications, require_inbox};

    endpoint(async move {
        let (state, inbox, mut viewer) = require_inbox()?;
        let (list, older) = notifications::list(&state.db, inbox, before).await?;
        // Read anew: the request's context may be a second old, and this page just changed it.
        viewer.unread = notifications::unread(&state.db, inbox).await?;
        Ok(NotificationsPage {
            viewer,
            notifications: list
                .into_iter()
                .map(|n| NotificationRow {
                    id: n.id,
                    title: n.title,
                    body: n.body,
                    link: n.link,
                    at: domain::time::format_minute(n.created_at),
                    read: n.read,
                })
                .collect(),
            older,
        })
    })
    .await
}

/// Marks one of the person's notifications read (`notification` unset: all of them); how many
/// changed.
#[server(prefix = "/api", endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read(notification: Option<i64>) -> Result<u64, AppError> {
    use crate::server::{authz, endpoint, notifications};

    endpoint(async move {
        let (state, inbox) = authz::inbox()?;
        let changed = notifications::mark_read(&state.db, inbox, notification).await?;
        // One marked read is seen as it is; all of them are worth a word.
        if notification.is_none() {
            crate::server::notice::notice("All notifications marked read.");
        }
        Ok(changed)
    })
    .await
}

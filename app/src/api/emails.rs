//! The email outbox: every message the portal sent or will send for the company, with its
//! delivery status. Owners and admins read it (messages carry invite links) and send a failed
//! message again.

use leptos::prelude::*;

use crate::dto::OutboxPage;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "outbox_page")]
pub async fn fetch_outbox(before: Option<i64>) -> Result<OutboxPage, AppError> {
    use crate::server::{emails, endpoint, require_teammate, viewer};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ReadOutbox).await?;
        let (emails, older) = emails::outbox(&state.db, me.company_id, before).await?;
        Ok(OutboxPage {
            viewer: viewer(&me.company_name, None)?,
            sending: state.config.sending_mail,
            emails,
            older,
        })
    })
    .await
}

/// Queues a message of the company whose sending failed again, with a fresh set of attempts.
#[server(prefix = "/api", endpoint = "resend_email")]
pub async fn resend_email(email_id: i64) -> Result<(), AppError> {
    use crate::server::{emails, endpoint, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ReadOutbox).await?;
        emails::resend(&state.db, me.company_id, me.identity.user_id, email_id).await?;
        crate::server::notice::notice("Queued again.");
        Ok(())
    })
    .await
}

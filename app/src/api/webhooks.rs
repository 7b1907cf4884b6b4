//! Webhooks: a program's endpoints (owners, admins and technical teammates), their signing
//! secrets, test events, the delivery log and replays.

use leptos::prelude::*;

use crate::dto::{WebhookPage, WebhooksPage};
use crate::error::AppError;

#[cfg(feature = "ssr")]
mod shown {
    use crate::dto::{WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow};
    use crate::server::webhooks::{Delivery, Endpoint};
    use domain::time::format_minute;
    use domain::webhook::{DeliveryStatus, EventType, Subscription};

    pub fn events() -> Vec<(String, String)> {
        EventType::subscribable()
            .map(|t| (t.as_str().to_owned(), t.label().to_owned()))
            .collect()
    }

    pub fn endpoint(e: &Endpoint) -> WebhookEndpointRow {
        let event_names: Vec<String> = match &e.subscription {
            Subscription::All => Vec::new(),
            Subscription::Only(types) => types.iter().map(|t| t.as_str().to_owned()).collect(),
        };
        let status = match (e.enabled, &e.disabled_reason, e.failing_since) {
            (true, _, Some(since)) => format!("On · failing since {}", format_minute(since)),
            (true, _, None) => "On".to_owned(),
            (false, Some(why), _) => format!("Off: {why}"),
            (false, None, _) => "Off".to_owned(),
        };
        WebhookEndpointRow {
            id: e.id,
            url: e.url.clone(),
            description: e.description.clone(),
            events: if event_names.is_empty() {
                "All events".to_owned()
            } else {
                event_names.join(", ")
            },
            event_names,
            enabled: e.enabled,
            status,
            rotating_until: e.rotating_until.map(format_minute),
        }
    }

    pub fn delivery(d: Delivery) -> WebhookDeliveryRow {
        let last = d.last_error.clone().unwrap_or_default();
        let status = match (d.status, d.next_attempt_at) {
            (DeliveryStatus::Delivered, _) => "Delivered".to_owned(),
            (DeliveryStatus::Pending, _) if d.sending => "Sending".to_owned(),
            (DeliveryStatus::Pending, Some(at)) if !d.attempts.is_empty() => {
                format!("Retrying at {}: {last}", format_minute(at))
            }
            (DeliveryStatus::Pending, _) => "Sending".to_owned(),
            (DeliveryStatus::Failed, _) => format!("Failed: {last}"),
        };
        WebhookDeliveryRow {
            id: d.id,
            event_type: d.event_type,
            msg_id: d.msg_id,
            body: d.body,
            status,
            replay_of: d.replay_of,
            created_at: format_minute(d.created_at),
            attempts: d
                .attempts
                .into_iter()
                .map(|a| WebhookAttemptRow {
                    attempt: a.attempt,
                    at: format_minute(a.at),
                    result: match a.status {
                        Some(s) => format!("HTTP {s} in {} ms", a.duration_ms),
                        None => format!("No answer ({} ms)", a.duration_ms),
                    },
                    response: a.response,
                })
                .collect(),
        }
    }
}

/// The program's endpoints.
#[server(prefix = "/api", endpoint = "webhooks")]
pub async fn fetch_webhooks(program: Option<i64>) -> Result<WebhooksPage, AppError> {
    use crate::server::{authz, endpoint, require_teammate, viewer, webhooks};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageWebhooks).await?;
        let selected = authz::current_program(program)?;
        let endpoints = match &selected {
            Some(p) => webhooks::list(&state.db, p.id)
                .await?
                .iter()
                .map(shown::endpoint)
                .collect(),
            None => Vec::new(),
        };
        Ok(WebhooksPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            endpoints,
            events: shown::events(),
        })
    })
    .await
}

/// An endpoint and a page of its delivery log (`before`: older than that delivery).
#[server(prefix = "/api", endpoint = "webhook")]
pub async fn fetch_webhook(
    program: Option<i64>,
    webhook: i64,
    before: Option<i64>,
) -> Result<WebhookPage, AppError> {
    use crate::server::{authz, db::now_ms, endpoint, require_teammate, viewer, webhooks};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageWebhooks).await?;
        let selected = authz::current_program(program)?;
        let mut page = WebhookPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: None,
            endpoint: None,
            events: shown::events(),
            deliveries: Vec::new(),
            older: None,
            due_soon: false,
        };
        if let Some(p) = selected {
            let e = webhooks::get(&state.db, p.id, webhook).await?;
            let (deliveries, older) = webhooks::deliveries(&state.db, p.id, e.id, before).await?;
            // Soon enough to watch for (the first retry comes 5 s after a failure).
            let soon = now_ms() + 20_000;
            page.due_soon = deliveries
                .iter()
                .any(|d| d.sending || d.next_attempt_at.is_some_and(|at| at <= soon));
            // A body carries the event's amounts: only for roles that see money.
            let sees_money = me.role.can(Permission::ViewMoney);
            page.deliveries = deliveries
                .into_iter()
                .map(shown::delivery)
                .map(|mut d| {
                    if !sees_money {
                        d.body = "(Hidden: your role does not see money amounts.)".to_owned();
                    }
                    d
                })
                .collect();
            page.older = older;
            page.endpoint = Some(shown::endpoint(&e));
            page.program = Some(p);
        }
        Ok(page)
    })
    .await
}

/// Adds an endpoint to the program, or (with `webhook`) changes one; returns its id. No event
/// ticked means every event.
#[server(prefix = "/api", endpoint = "save_webhook")]
pub async fn save_webhook(
    program: i64,
    webhook: Option<i64>,
    url: String,
    description: Option<String>,
    events: Option<Vec<String>>,
) -> Result<i64, AppError> {
    use crate::server::{endpoint, webhooks};
    use domain::webhook::{EndpointForm, validate};

    endpoint(async move {
        let (state, change) = webhook_change(program).await?;
        let events = events.unwrap_or_default();
        let form = EndpointForm {
            url: &url,
            description: description.as_deref().unwrap_or(""),
            events: &events,
        };
        let draft =
            validate(&form, state.config.webhooks_to_private).map_err(AppError::invalid_fields)?;
        let id = webhooks::save(&state.db, &change, webhook, &draft).await?;
        if webhook.is_some() {
            crate::server::notice::notice("Saved.");
        } else {
            // A new endpoint opens on its own page, where its secret is.
            crate::server::notice::notice("Endpoint added. Reveal its secret for your receiver.");
            leptos_axum::redirect(&format!("/vendor/webhooks/{id}?program={program}"));
        }
        Ok(id)
    })
    .await
}

/// Turns an endpoint on (forgetting its failures) or off.
#[server(prefix = "/api", endpoint = "set_webhook_enabled")]
pub async fn set_webhook_enabled(
    program: i64,
    webhook: i64,
    enabled: bool,
) -> Result<(), AppError> {
    use crate::server::{endpoint, webhooks};

    endpoint(async move {
        let (state, change) = webhook_change(program).await?;
        webhooks::set_enabled(&state.db, &change, webhook, enabled).await?;
        crate::server::notice::notice(if enabled {
            "Endpoint on. Deliveries resume."
        } else {
            "Endpoint off. Nothing is sent to it."
        });
        Ok(())
    })
    .await
}

/// Gives an endpoint a new signing secret; the old one signs beside it for a day.
#[server(prefix = "/api", endpoint = "rotate_webhook_secret")]
pub async fn rotate_webhook_secret(program: i64, webhook: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, webhooks};

    endpoint(async move {
        let (state, change) = webhook_change(program).await?;
        webhooks::rotate_secret(&state.db, &change, webhook).await?;
        crate::server::notice::notice("New secret in force; reveal it to update your receiver.");
        Ok(())
    })
    .await
}

/// The endpoint's signing secret, for its receiver.
#[server(prefix = "/api", endpoint = "webhook_secret")]
pub async fn reveal_webhook_secret(program: i64, webhook: i64) -> Result<String, AppError> {
    use crate::server::{endpoint, webhooks};

    endpoint(async move {
        let (state, change) = webhook_change(program).await?;
        webhooks::secret(&state.db, change.program_id, webhook).await
    })
    .await
}

/// Queues a test event for the endpoint.
#[server(prefix = "/api", endpoint = "send_test_webhook")]
pub async fn send_test_webhook(program: i64, webhook: i64) -> Result<i64, AppError> {
    use crate::server::{authz, endpoint, webhooks};

    endpoint(async move {
        let (state, change) = webhook_change(program).await?;
        let name = authz::program(program)?.name;
        let id = webhooks::send_test(&state.db, &change, webhook, &name).await?;
        crate::server::notice::notice("Test event queued; its delivery appears below.");
        Ok(id)
    })
    .await
}

/// Sends a delivery of the program's endpoints again (same message id and body).
#[server(prefix = "/api", endpoint = "replay_webhook")]
pub async fn replay_webhook(program: i64, delivery: i64) -> Result<i64, AppError> {
    use crate::server::{endpoint, webhooks};

    endpoint(async move {
        let (state, change) = webhook_change(program).await?;
        let id = webhooks::replay(&state.db, &change, delivery).await?;
        crate::server::notice::notice("Delivery queued again; it appears below.");
        Ok(id)
    })
    .await
}

/// The caller may manage webhooks, and `program` is one of their company's.
#[cfg(feature = "ssr")]
async fn webhook_change(
    program: i64,
) -> Result<(store::state::AppState, crate::server::webhooks::Change), AppError> {
    use crate::server::{authz, require_teammate};
    use domain::permissions::Permission;

    let (state, me) = require_teammate(Permission::ManageWebhooks).await?;
    let program = authz::program(program)?;
    let change = crate::server::webhooks::Change {
        company_id: me.company_id,
        program_id: program.id,
        user_id: me.identity.user_id,
    };
    Ok((state, change))
}

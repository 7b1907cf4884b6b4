//! Work the server does on its own: approving rewards whose hold has passed, the daily tier
//! evaluation, deleting stale attempt counters, sending the outbox, running triggers and
//! delivering webhooks. Each
//! server process runs them all; the approval is a conditional update, so processes never approve a reward
//! twice, the day's tier run is claimed by one process, and a queued job is claimed by one
//! runner at a time (`store::jobs`).

use std::time::Duration;

use domain::job::Queue;
use store::db::{Db, now_ms};
use store::{customers, emails, jobs, rewards, throttle, tiers, triggers, webhooks};

use wire::error::AppError;

use crate::mail::Mailer;
use crate::webhooks::Sender;

/// Approves due rewards (and runs the tier evaluation once a day) every `every`, until the
/// process ends.
pub fn spawn(db: Db, every: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            let now = now_ms();
            match rewards::approve_all_due(&db, now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(approved = n, "rewards left their hold"),
                Err(e) => tracing::warn!(error = %e.message, "approving due rewards failed"),
            }
            match customers::churn_quiet(&db, now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(churned = n, "customers churned after their churn window"),
                Err(e) => tracing::warn!(error = %e.message, "the churn check failed"),
            }
            match tiers::evaluate_daily(&db, now).await {
                Ok(Some(changed)) => tracing::info!(changed, "daily tier evaluation"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e.message, "tier evaluation failed"),
            }
            if let Err(e) = throttle::delete_stale(&db, now).await {
                tracing::warn!(error = %e.message, "deleting stale attempt counters failed");
            }
        }
    });
}

/// Runs `claim_and_work` (which claims one batch of a queue's due jobs and works through it)
/// until the process ends: every `poll`, and at once again while a batch comes back full.
fn spawn_runner<F, Fut>(what: &'static str, poll: Duration, mut claim_and_work: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<usize, AppError>> + Send,
{
    tokio::spawn(async move {
        loop {
            match claim_and_work().await {
                Ok(n) if n == jobs::BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e.message, "{what} failed"),
            }
            tokio::time::sleep(poll).await;
        }
    });
}

fn lease_ms(lease: Duration) -> i64 {
    i64::try_from(lease.as_millis()).unwrap_or(domain::job::LEASE_MS)
}

/// Sends the outbox over SMTP until the process ends, claiming the due `send_email` jobs for
/// `lease`.
pub fn spawn_sender(db: Db, mailer: Mailer, poll: Duration, lease: Duration) {
    let lease_ms = lease_ms(lease);
    spawn_runner("sending the outbox", poll, move || {
        let (db, mailer) = (db.clone(), mailer.clone());
        async move { send_due(&db, &mailer, lease_ms).await }
    });
}

/// Runs the triggers of new events until the process ends, claiming the due `run_triggers`
/// jobs for `lease`.
pub fn spawn_trigger_runner(db: Db, poll: Duration, lease: Duration) {
    let lease_ms = lease_ms(lease);
    spawn_runner("running triggers", poll, move || {
        let db = db.clone();
        async move { run_triggers_due(&db, lease_ms).await }
    });
}

/// Claims one batch of events and runs their triggers in one transaction; returns how many it
/// claimed.
pub async fn run_triggers_due(db: &Db, lease_ms: i64) -> Result<usize, AppError> {
    batch_or_one_by_one(
        db,
        Queue::RunTriggers,
        lease_ms,
        "an event's triggers",
        triggers::run_jobs,
    )
    .await
}

/// Claims one batch of events and queues their webhook deliveries in one transaction; returns
/// how many it claimed.
pub async fn queue_webhooks_due(db: &Db, lease_ms: i64) -> Result<usize, AppError> {
    batch_or_one_by_one(
        db,
        Queue::WebhookEvents,
        lease_ms,
        "an event's webhooks",
        webhooks::queue_events,
    )
    .await
}

/// Claims one batch of `queue` and works through it in one transaction (`work` answers
/// `false` when a claim was lost). When the batch fails, its jobs run one by one, each in its
/// own transaction: a job that fails waits for its next attempt, the others go on.
async fn batch_or_one_by_one<F>(
    db: &Db,
    queue: Queue,
    lease_ms: i64,
    what: &'static str,
    work: F,
) -> Result<usize, AppError>
where
    F: AsyncFn(&Db, &[jobs::Claimed], i64) -> Result<bool, AppError>,
{
    let claimed = jobs::claim(db, queue, now_ms(), lease_ms).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    match work(db, &claimed, now_ms()).await {
        Ok(true) => return Ok(claimed.len()),
        Ok(false) => {}
        Err(e) => {
            tracing::info!(error = %e.message, "a batch of {what} failed; running them one by one")
        }
    }
    for job in &claimed {
        match work(db, std::slice::from_ref(job), now_ms()).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                event = job.subject_id,
                "{what} ran after its claim ran out; the other runner's run stands"
            ),
            Err(e) => {
                tracing::warn!(event = job.subject_id, attempt = job.attempt, error = %e.message, "{what} failed");
                jobs::fail_alone(
                    db,
                    job,
                    &format!("Running {what} failed; the server log has the cause"),
                    now_ms(),
                )
                .await?;
            }
        }
    }
    Ok(claimed.len())
}

/// Queues and sends webhook deliveries until the process ends: one runner turns new events
/// into deliveries, another sends the due deliveries. `origin` builds the link in the message
/// to owners about an endpoint turned off.
pub fn spawn_webhook_runner(
    db: Db,
    sender: Sender,
    poll: Duration,
    lease: Duration,
    origin: Option<String>,
) {
    let lease_ms = lease_ms(lease);
    let queuing = db.clone();
    spawn_runner("queuing webhook deliveries", poll, move || {
        let db = queuing.clone();
        async move { queue_webhooks_due(&db, lease_ms).await }
    });
    spawn_runner("delivering webhooks", poll, move || {
        let (db, sender, origin) = (db.clone(), sender.clone(), origin.clone());
        async move { deliver_due(&db, &sender, lease_ms, origin.as_deref()).await }
    });
}

/// Claims one batch of due deliveries and sends them side by side (each within its 10 s
/// timeout, well inside the lease); returns how many it claimed.
pub async fn deliver_due(
    db: &Db,
    sender: &Sender,
    lease_ms: i64,
    origin: Option<&str>,
) -> Result<usize, AppError> {
    let claimed = jobs::claim(db, Queue::DeliverWebhook, now_ms(), lease_ms).await?;
    let sends = claimed.iter().map(|job| async move {
        if let Err(e) = deliver_one(db, sender, job, origin).await {
            // Not recorded: the job waits for its next attempt, and is dead after its last,
            // instead of coming back every lease.
            tracing::warn!(delivery = job.subject_id, attempt = job.attempt, error = %e.message, "a webhook delivery failed");
            jobs::fail_alone(
                db,
                job,
                "Recording the delivery failed; the server log has the cause",
                now_ms(),
            )
            .await?;
        }
        Ok::<_, AppError>(())
    });
    for outcome in futures_util::future::join_all(sends).await {
        outcome?;
    }
    Ok(claimed.len())
}

async fn deliver_one(
    db: &Db,
    sender: &Sender,
    job: &jobs::Claimed,
    origin: Option<&str>,
) -> Result<(), AppError> {
    let recorded = match webhooks::outgoing(db, job.subject_id, now_ms()).await? {
        webhooks::Next::Settled => jobs::finish_alone(db, job, now_ms()).await?,
        webhooks::Next::EndpointOff => webhooks::fail_unsent(db, job, job.subject_id).await?,
        webhooks::Next::Send(out) => {
            let attempted = sender.send(&out).await;
            webhooks::record(db, job, &out, &attempted, origin).await?
        }
    };
    if !recorded {
        tracing::warn!(
            delivery = job.subject_id,
            "a webhook delivery was attempted after its claim ran out"
        );
    }
    Ok(())
}

/// Claims one batch of due messages and sends them side by side (a batch takes as long as
/// its slowest message, well inside the lease); returns how many it claimed.
pub async fn send_due(db: &Db, mailer: &Mailer, lease_ms: i64) -> Result<usize, AppError> {
    let claimed = jobs::claim(db, Queue::SendEmail, now_ms(), lease_ms).await?;
    let sends = claimed.iter().map(|job| send_one(db, mailer, job));
    for outcome in futures_util::future::join_all(sends).await {
        outcome?;
    }
    Ok(claimed.len())
}

async fn send_one(db: &Db, mailer: &Mailer, job: &jobs::Claimed) -> Result<(), AppError> {
    let Some(message) = emails::outgoing(db, job.subject_id).await? else {
        // Sent already, by an attempt whose claim ran out: only the job is left to finish.
        emails::sent(db, job).await?;
        return Ok(());
    };
    match mailer.send(&message).await {
        Ok(()) => {
            if !emails::sent(db, job).await? {
                tracing::warn!(
                    email = job.subject_id,
                    "a message was sent after its claim ran out"
                );
            }
        }
        Err(e) => {
            tracing::info!(email = job.subject_id, attempt = job.attempt, reason = %e.reason, "sending a message failed");
            emails::send_failed(db, job, &e.reason, e.permanent).await?;
        }
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct Advance {
    days: i64,
}

/// `POST /test/clock` (form `days=N`): see [`crate::router_with_clock`]. It runs, once, what
/// the jobs would do N days from now (release the rewards due by then, evaluate tiers at that
/// time) and changes no clock: requests and jobs keep reading the real time, so a reward made
/// after the call is held for its full period like any other.
pub fn test_clock_router(state: store::state::AppState) -> axum::Router {
    use axum::extract::{Form, State};
    use axum::response::IntoResponse;
    async fn advance(
        State(state): State<store::state::AppState>,
        Form(form): Form<Advance>,
    ) -> axum::response::Response {
        let as_of = now_ms() + form.days.clamp(0, 3650) * 86_400_000;
        let ran = async {
            let approved = rewards::approve_all_due(&state.db, as_of).await?;
            let tiers_changed = tiers::evaluate_all(&state.db, as_of).await?;
            let churned = customers::churn_quiet(&state.db, as_of).await?;
            Ok::<_, wire::error::AppError>((approved, tiers_changed, churned))
        };
        match ran.await {
            Ok((approved, tiers_changed, churned)) => axum::Json(serde_json::json!({
                "approved": approved,
                "tiers_changed": tiers_changed,
                "churned": churned,
                "now": as_of,
            }))
            .into_response(),
            Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.message).into_response(),
        }
    }
    axum::Router::new()
        .route("/test/clock", axum::routing::post(advance))
        .with_state(state)
}

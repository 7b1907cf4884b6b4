//! Work the server does on its own: approving rewards whose hold has passed, the daily tier
//! evaluation, and deleting stale attempt counters. Each server process runs them all; the
//! approval is a conditional update, so processes never approve a reward twice, and the day's
//! tier run is claimed by one process.

use std::time::Duration;

use store::db::{Db, now_ms};
use store::{rewards, throttle, tiers};

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
            Ok::<_, wire::error::AppError>((approved, tiers_changed))
        };
        match ran.await {
            Ok((approved, tiers_changed)) => axum::Json(serde_json::json!({
                "approved": approved,
                "tiers_changed": tiers_changed,
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

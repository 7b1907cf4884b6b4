//! Work the server does on its own: approving rewards whose hold has passed, and the daily tier
//! evaluation. Each server process runs both; the approval is a conditional update, so
//! processes never approve a reward twice, and the day's tier run is claimed by one process.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use app::server::db::{Db, now_ms};
use app::server::{rewards, tiers};

/// The time the jobs see: the real clock, moved forward only by the test clock
/// (`PORTAL_TEST_CLOCK=1`), which lets end-to-end tests let a 30-day hold pass.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> i64 {
        now_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// Approves due rewards (and runs the tier evaluation once a day) every `every`, until the
/// process ends.
pub fn spawn(db: Db, clock: Clock, every: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            match rewards::approve_all_due(&db, clock.now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(approved = n, "rewards left their hold"),
                Err(e) => tracing::warn!(error = %e.message, "approving due rewards failed"),
            }
            match tiers::evaluate_daily(&db, clock.now()).await {
                Ok(Some(changed)) => tracing::info!(changed, "daily tier evaluation"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e.message, "tier evaluation failed"),
            }
        }
    });
}

#[derive(serde::Deserialize)]
struct Advance {
    days: i64,
}

/// `POST /test/clock` (form `days=N`): see [`crate::router_with_clock`].
pub fn test_clock_router(state: app::server::state::AppState, clock: Clock) -> axum::Router {
    use axum::extract::{Form, State};
    use axum::response::IntoResponse;
    async fn advance(
        State((state, clock)): State<(app::server::state::AppState, Clock)>,
        Form(form): Form<Advance>,
    ) -> axum::response::Response {
        clock.advance(form.days.clamp(0, 3650) * 86_400_000);
        let now = clock.now();
        // What the job would do on its next tick, done now so tests need not wait for it.
        let ran = async {
            let approved = rewards::approve_all_due(&state.db, now).await?;
            let tiers_changed = tiers::evaluate_daily(&state.db, now).await?;
            Ok::<_, app::error::AppError>((approved, tiers_changed))
        };
        match ran.await {
            Ok((approved, tiers_changed)) => axum::Json(serde_json::json!({
                "approved": approved,
                "tiers_changed": tiers_changed,
                "now": now,
            }))
            .into_response(),
            Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.message).into_response(),
        }
    }
    axum::Router::new()
        .route("/test/clock", axum::routing::post(advance))
        .with_state((state, clock))
}

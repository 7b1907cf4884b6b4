//! `GET /vendor/payouts/export.csv?program=ID[&status=S]`: the payouts to pay (requested and
//! processing, or one status) as CSV, for finance teammates.

use app::error::AppError;
use app::server::authz::teammate_of;
use app::server::payouts;
use app::server::session::Identity;
use app::server::state::AppState;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::ledger::PayoutStatus;
use domain::permissions::Permission;

#[derive(serde::Deserialize)]
pub struct ExportQuery {
    program: i64,
    status: Option<String>,
}

pub async fn export(
    State(state): State<AppState>,
    identity: Option<Extension<Identity>>,
    Query(query): Query<ExportQuery>,
) -> Response {
    match csv(&state, identity.map(|Extension(i)| i), query).await {
        Ok((name, body)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            body,
        )
            .into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.message,
        )
            .into_response(),
    }
}

async fn csv(
    state: &AppState,
    identity: Option<Identity>,
    query: ExportQuery,
) -> Result<(String, String), AppError> {
    let identity = identity.ok_or_else(AppError::unauthorized)?;
    let me = teammate_of(&state.db, identity, Permission::ExportPayouts).await?;
    let owned: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM programs WHERE id = $1 AND company_id = $2")
            .bind(query.program)
            .bind(me.company_id)
            .fetch_one(&state.db.pool)
            .await?;
    if owned == 0 {
        return Err(AppError::not_found("Program"));
    }
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(PayoutStatus::parse(s)?),
        None => None,
    };
    let lines = payouts::export(&state.db, query.program, status).await?;
    let name = format!(
        "payouts-{}-{}.csv",
        query.program,
        domain::time::format_date(app::server::db::now_ms())
    );
    Ok((name, payouts::to_csv(&lines)))
}

//! `GET /vendor/payouts/export.csv?program=ID[&status=S]`: the payouts to pay (requested and
//! processing, or one status) as CSV, for finance teammates.

use std::sync::Arc;
use wire::error::AppError;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::ledger::PayoutStatus;
use domain::permissions::Permission;
use store::context::Session;
use store::payouts;
use store::state::AppState;

#[derive(serde::Deserialize)]
pub struct ExportQuery {
    program: i64,
    status: Option<String>,
}

pub async fn export(
    State(state): State<AppState>,
    session: Option<Extension<Arc<Session>>>,
    Query(query): Query<ExportQuery>,
) -> Response {
    match csv(&state, session.map(|Extension(s)| s), query).await {
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
    session: Option<Arc<Session>>,
    query: ExportQuery,
) -> Result<(String, String), AppError> {
    let session = session.ok_or_else(AppError::unauthorized)?;
    session.teammate(Permission::ExportPayouts)?;
    if !session.programs().iter().any(|p| p.id == query.program) {
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
        domain::time::format_date(store::db::now_ms())
    );
    Ok((name, payouts::to_csv(&lines)))
}

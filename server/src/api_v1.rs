//! The vendor API, `/api/v1`: transactions recorded by the vendor's systems with a program API
//! key (`Authorization: Bearer pp_…`). Errors are JSON with a stable `code`; POSTs may carry an
//! `Idempotency-Key` whose first response is replayed for 24 hours.

use std::time::Duration;

use app::server::api_keys;
use app::server::db::now_ms;
use app::server::rewards::{self, ProgramMoney};
use app::server::state::AppState;
use app::server::transactions::{self, Recorder, Refused, TransactionView};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::idempotency::{Decision, Stored, decide, validate_key};
use domain::transaction::{TransactionInput, validate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use tower_http::limit::RequestBodyLimitLayer;

/// API request bodies larger than this are refused with 413.
pub const API_BODY_LIMIT_BYTES: usize = 16 * 1024;
/// How long a duplicate request waits for the first one with its key before giving up (409).
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(3);

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/transactions", get(list).post(create))
        .route("/transactions/{id}", get(fetch))
        .fallback(|| async { error(404, "not_found", "No such API endpoint") })
        .layer(RequestBodyLimitLayer::new(API_BODY_LIMIT_BYTES))
        .with_state(state)
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
}

fn error_body(code: &str, message: &str) -> String {
    serde_json::to_string(&ErrorBody {
        error: ErrorDetail { code, message },
    })
    .unwrap_or_default()
}

fn json(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

fn error(status: u16, code: &str, message: &str) -> Response {
    json(status, error_body(code, message))
}

fn internal(cause: impl std::fmt::Display) -> Response {
    tracing::error!(%cause, "API request failed");
    error(
        500,
        "internal_error",
        "Something went wrong on our side; try again",
    )
}

fn refused(r: &Refused) -> (u16, String) {
    (r.status, error_body(r.code, &r.message))
}

/// The program of the request's API key.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(i64, ProgramMoney), Response> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let unauthorized = || {
        error(
            401,
            "unauthorized",
            "Send a live program API key as Authorization: Bearer <key>",
        )
    };
    let Some(key) = key else {
        return Err(unauthorized());
    };
    match api_keys::authenticate(&state.db, key).await {
        Ok(Some((key_id, program_id))) => rewards::program_money(&state.db.pool, program_id)
            .await
            .map(|p| (key_id, p))
            .map_err(|e| internal(e.message)),
        Ok(None) => Err(unauthorized()),
        Err(e) => Err(internal(e)),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    starting_after: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
struct ListBody {
    data: Vec<TransactionView>,
    has_more: bool,
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    let (_, program) = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let limit = match query.limit.as_deref().map(str::parse::<i64>) {
        None => 25,
        Some(Ok(l)) if (1..=250).contains(&l) => l,
        Some(_) => return error(422, "invalid_limit", "limit is a number from 1 to 250"),
    };
    let after = match query.starting_after.as_deref().map(str::parse::<i64>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            return error(
                422,
                "invalid_cursor",
                "starting_after is the id of a transaction of the last page",
            );
        }
    };
    match transactions::list(&state.db, program.program_id, after, limit + 1).await {
        Ok(mut data) => {
            let has_more = data.len() as i64 > limit;
            data.truncate(limit as usize);
            json(
                200,
                serde_json::to_string(&ListBody { data, has_more }).unwrap_or_default(),
            )
        }
        Err(e) => internal(e.message),
    }
}

async fn fetch(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (_, program) = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<i64>() else {
        return error(404, "not_found", "No such transaction");
    };
    match transactions::get(&state.db, program.program_id, id).await {
        Ok(Some(t)) => json(200, serde_json::to_string(&t).unwrap_or_default()),
        Ok(None) => error(404, "not_found", "No such transaction"),
        Err(e) => internal(e.message),
    }
}

/// Reads the JSON body into a transaction; unknown fields and wrong types get their own codes.
fn read_body(body: &[u8]) -> Result<TransactionInput, Refused> {
    let bad = |code: &'static str, message: &str| Refused::new(422, code, message);
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| Refused::new(400, "invalid_json", "The body is not a JSON object"))?;
    let serde_json::Value::Object(fields) = value else {
        return Err(Refused::new(
            400,
            "invalid_json",
            "The body is not a JSON object",
        ));
    };
    let mut input = TransactionInput::default();
    for (name, value) in fields {
        let text = |v: &serde_json::Value| -> Result<Option<String>, Refused> {
            match v {
                serde_json::Value::Null => Ok(None),
                serde_json::Value::String(s) => Ok(Some(s.clone())),
                _ => Err(Refused::new(
                    422,
                    "invalid_field",
                    format!("{name} is a string"),
                )),
            }
        };
        match name.as_str() {
            "customer_key" => input.customer_key = text(&value)?,
            "customer_email" => input.customer_email = text(&value)?,
            "currency" => input.currency = text(&value)?.unwrap_or_default(),
            "transaction_key" => input.transaction_key = text(&value)?.unwrap_or_default(),
            "product_key" => input.product_key = text(&value)?,
            "refunds" => input.refunds = text(&value)?,
            "occurred_at" => input.occurred_at = text(&value)?,
            // Only a JSON integer is an amount: 500.0, "500" and 5e2 are refused.
            "amount" => input.amount_minor = value.as_i64(),
            "metadata" => match value {
                serde_json::Value::Null => {}
                serde_json::Value::Object(pairs) => {
                    for (k, v) in pairs {
                        match v {
                            serde_json::Value::String(s) => input.metadata.push((k, s)),
                            _ => {
                                return Err(bad("invalid_metadata", "metadata values are strings"));
                            }
                        }
                    }
                }
                _ => {
                    return Err(bad(
                        "invalid_metadata",
                        "metadata is an object of string pairs",
                    ));
                }
            },
            _ => {
                return Err(Refused::new(
                    422,
                    "unknown_field",
                    format!("Unknown field {name}"),
                ));
            }
        }
    }
    Ok(input)
}

/// Runs the request itself: (status, JSON body).
async fn run(
    state: &AppState,
    key_id: i64,
    program: &ProgramMoney,
    body: &[u8],
) -> Result<(u16, String), Response> {
    let input = match read_body(body) {
        Ok(i) => i,
        Err(r) => return Ok(refused(&r)),
    };
    let now = now_ms();
    let new = match validate(input, program.currency, now) {
        Ok(t) => t,
        Err(p) => return Ok(refused(&p.into())),
    };
    match transactions::record(&state.db, program, new, Recorder::ApiKey(key_id), now).await {
        Ok(Ok(t)) => Ok((201, serde_json::to_string(&t).unwrap_or_default())),
        Ok(Err(r)) => Ok(refused(&r)),
        Err(e) => Err(internal(e.message)),
    }
}

async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (key_id, program) = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(idem) = headers.get("idempotency-key") else {
        return match run(&state, key_id, &program, &body).await {
            Ok((status, body)) => json(status, body),
            Err(r) => r,
        };
    };
    let Some(idem) = idem.to_str().ok().and_then(|k| validate_key(k).ok()) else {
        return error(
            400,
            "invalid_idempotency_key",
            "Idempotency-Key is 1 to 255 visible ASCII characters",
        );
    };
    let request_hash = hex::encode(Sha256::digest(&body));
    let deadline = tokio::time::Instant::now() + IN_FLIGHT_WAIT;
    loop {
        let now = now_ms();
        let claimed = sqlx::query_scalar::<_, i64>(
            "INSERT INTO idempotency_keys (program_id, idem_key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (program_id, idem_key) DO NOTHING RETURNING id",
        )
        .bind(program.program_id)
        .bind(idem)
        .bind(&request_hash)
        .bind(now)
        .fetch_optional(&state.db.pool)
        .await;
        let claimed = match claimed {
            Ok(c) => c,
            Err(e) => return internal(e),
        };
        if let Some(row_id) = claimed {
            return finish(&state, row_id, run(&state, key_id, &program, &body).await).await;
        }
        let stored = sqlx::query(
            "SELECT id, request_hash, created_at, status_code, response_body FROM idempotency_keys \
             WHERE program_id = $1 AND idem_key = $2",
        )
        .bind(program.program_id)
        .bind(idem)
        .fetch_optional(&state.db.pool)
        .await;
        let row = match stored {
            Ok(Some(row)) => row,
            // Released between our insert and this read: try to claim it again.
            Ok(None) => continue,
            Err(e) => return internal(e),
        };
        let read = || -> Result<(i64, Stored), sqlx::Error> {
            let status: Option<i64> = row.try_get(3)?;
            let body: Option<String> = row.try_get(4)?;
            Ok((
                row.try_get(0)?,
                Stored {
                    request_hash: row.try_get(1)?,
                    created_at: row.try_get(2)?,
                    response: status.zip(body).map(|(s, b)| (s as u16, b)),
                },
            ))
        };
        let (row_id, stored) = match read() {
            Ok(s) => s,
            Err(e) => return internal(e),
        };
        match decide(Some(&stored), &request_hash, now) {
            Decision::Replay { status, body } => {
                let mut response = json(status, body);
                response
                    .headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
                return response;
            }
            Decision::Mismatch => {
                return error(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used with a different request body",
                );
            }
            Decision::InFlight if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Decision::InFlight => {
                return error(
                    409,
                    "idempotency_key_in_use",
                    "A request with this Idempotency-Key is still running; retry shortly",
                );
            }
            // Expired: release the old key (if no one else did) and claim it anew.
            Decision::Run => {
                if let Err(e) =
                    sqlx::query("DELETE FROM idempotency_keys WHERE id = $1 AND created_at = $2")
                        .bind(row_id)
                        .bind(stored.created_at)
                        .execute(&state.db.pool)
                        .await
                {
                    return internal(e);
                }
            }
        }
    }
}

/// Stores the response under the claimed key; a failure on our side releases the key so the
/// client's retry runs again.
async fn finish(
    state: &AppState,
    row_id: i64,
    outcome: Result<(u16, String), Response>,
) -> Response {
    match outcome {
        Ok((status, body)) => {
            let saved = sqlx::query(
                "UPDATE idempotency_keys SET status_code = $1, response_body = $2 WHERE id = $3",
            )
            .bind(i64::from(status))
            .bind(&body)
            .bind(row_id)
            .execute(&state.db.pool)
            .await;
            match saved {
                Ok(_) => json(status, body),
                Err(e) => internal(e),
            }
        }
        Err(response) => {
            let _ = sqlx::query("DELETE FROM idempotency_keys WHERE id = $1")
                .bind(row_id)
                .execute(&state.db.pool)
                .await;
            response
        }
    }
}

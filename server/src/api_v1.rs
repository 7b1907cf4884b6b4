//! The vendor API, `/api/v1`: transactions recorded by the vendor's systems with a program API
//! key (`Authorization: Bearer pp_…`). Errors are JSON with a stable `code`; POSTs may carry an
//! `Idempotency-Key` whose first response is replayed for 24 hours.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::customer::CustomerSource;
use domain::idempotency::{Decision, decide, validate_key};
use domain::transaction::{TransactionInput, validate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::attribution::{self, Referrer, SignupOutcome, SignupRequest};
use store::context::{self, ApiCaller};
use store::db::now_ms;
use store::idempotency;
use store::rewards::ProgramMoney;
use store::state::AppState;
use store::transactions::{self, Recorder, Refused, TransactionView};
use tower_http::limit::RequestBodyLimitLayer;

/// API request bodies larger than this are refused with 413.
pub const API_BODY_LIMIT_BYTES: usize = 16 * 1024;
/// How long a duplicate request waits for the first one with its key before giving up (409).
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(3);

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/transactions", get(list).post(create))
        .route("/transactions/{id}", get(fetch))
        .route("/customers", axum::routing::post(create_customer))
        .route(
            "/referral_tokens",
            axum::routing::post(create_referral_token),
        )
        .route(
            "/track/signup",
            axum::routing::post(super::track::signup)
                .options(super::track::preflight)
                .layer(RequestBodyLimitLayer::new(
                    super::track::SIGNUP_BODY_LIMIT_BYTES,
                )),
        )
        .route("/openapi.json", get(openapi_json))
        .fallback(|| async { error(404, "not_found", "No such API endpoint") })
        .layer(RequestBodyLimitLayer::new(API_BODY_LIMIT_BYTES))
        .with_state(state)
}

/// Every error: a stable machine `code` and a message for people.
#[derive(Serialize, utoipa::ToSchema)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ErrorDetail {
    /// e.g. `unauthorized`, `customer_not_found`, `currency_mismatch`, `invalid_amount`,
    /// `duplicate_transaction_key`, `idempotency_key_reused`, `idempotency_key_in_use`.
    code: String,
    message: String,
}

/// The OpenAPI document of this API, generated from the handlers and types below.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Partner portal vendor API", version = "1"),
    paths(create, list, fetch, create_customer, create_referral_token),
    components(schemas(TransactionRequest, TransactionView, ListBody, ErrorBody, CustomerRequest, SignupOutcome, ReferralTokenRequest, ReferralTokenBody)),
    modifiers(&BearerKey)
)]
pub struct ApiDoc;

struct BearerKey;

impl utoipa::Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "program_api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "program_api_key",
            Vec::<String>::new(),
        )]);
    }
}

async fn openapi_json() -> Response {
    use utoipa::OpenApi;
    json(200, ApiDoc::openapi().to_json().unwrap_or_default())
}

fn error_body(code: &str, message: &str) -> String {
    serde_json::to_string(&ErrorBody {
        error: ErrorDetail {
            code: code.to_owned(),
            message: message.to_owned(),
        },
    })
    .unwrap_or_default()
}

pub(crate) fn json(status: u16, body: String) -> Response {
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

pub(crate) fn error(status: u16, code: &str, message: &str) -> Response {
    json(status, error_body(code, message))
}

pub(crate) fn internal(cause: impl std::fmt::Display) -> Response {
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

/// The request's API key and its program.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<ApiCaller, Response> {
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
    match context::api_caller(&state.db, key).await {
        Ok(Some(caller)) => Ok(caller),
        Ok(None) => Err(unauthorized()),
        Err(e) => Err(internal(e.message)),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// The `id` of the last transaction of the previous page.
    #[param(value_type = Option<i64>)]
    starting_after: Option<String>,
    /// 1 to 250; 25 when absent.
    #[param(value_type = Option<i64>)]
    limit: Option<String>,
}

/// A page of transactions, newest first.
#[derive(Serialize, utoipa::ToSchema)]
struct ListBody {
    data: Vec<TransactionView>,
    has_more: bool,
}

/// The program's transactions, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/transactions", params(ListQuery), responses(
    (status = 200, body = ListBody),
    (status = 401, body = ErrorBody),
    (status = 422, description = "A bad `limit` or cursor", body = ErrorBody),
))]
async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    let program = match authenticate(&state, &headers).await {
        Ok(caller) => caller.program,
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
    match transactions::list(&state.db, program.program_id, after, limit + 1, None).await {
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

/// One transaction of the program.
#[utoipa::path(get, path = "/api/v1/transactions/{id}", params(("id" = i64, Path)), responses(
    (status = 200, body = TransactionView),
    (status = 401, body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
async fn fetch(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let program = match authenticate(&state, &headers).await {
        Ok(caller) => caller.program,
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

/// The body of `POST /api/v1/transactions`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionRequest {
    /// Your key of the customer; give this or `customer_email`.
    customer_key: Option<String>,
    customer_email: Option<String>,
    /// Whole minor units (cents): 50000 is $500.00. Negative for a refund.
    #[schema(value_type = i64)]
    amount: Option<serde_json::Value>,
    /// ISO 4217; must be the program's currency.
    currency: Option<String>,
    /// Your id of the transaction, unique per program (a repeat is refused with 409).
    transaction_key: Option<String>,
    product_key: Option<String>,
    /// For a refund: the `transaction_key` of the payment it refunds.
    refunds: Option<String>,
    /// RFC 3339 in UTC (`2026-11-24T13:05:00Z`); defaults to the time of receipt.
    occurred_at: Option<String>,
    /// Up to 25 string pairs.
    metadata: Option<std::collections::BTreeMap<String, String>>,
}

/// Reads the JSON body into a transaction; unknown fields and wrong types get their own codes.
fn read_body(body: &[u8]) -> Result<TransactionInput, Refused> {
    let request: TransactionRequest = serde_json::from_slice(body).map_err(|e| {
        let message = e.to_string();
        if e.is_syntax() || e.is_eof() {
            Refused::new(400, "invalid_json", "The body is not valid JSON")
        } else if message.starts_with("unknown field") {
            Refused::new(
                422,
                "unknown_field",
                message.split(" at line").next().unwrap_or_default(),
            )
        } else {
            Refused::new(
                422,
                "invalid_field",
                format!(
                    "A field has the wrong type: {}",
                    message.split(" at line").next().unwrap_or_default()
                ),
            )
        }
    })?;
    Ok(TransactionInput {
        customer_key: request.customer_key,
        customer_email: request.customer_email,
        // Only a JSON integer is an amount: 500.0, "500" and 5e2 are refused.
        amount_minor: request.amount.as_ref().and_then(serde_json::Value::as_i64),
        currency: request.currency.unwrap_or_default(),
        transaction_key: request.transaction_key.unwrap_or_default(),
        product_key: request.product_key,
        refunds: request.refunds,
        occurred_at: request.occurred_at,
        metadata: request.metadata.unwrap_or_default().into_iter().collect(),
    })
}

/// Runs the request itself: (status, JSON body).
async fn run(
    state: &AppState,
    key_id: i64,
    program: &ProgramMoney,
    body: &[u8],
    idempotency_key_row: Option<i64>,
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
    let recorder = Recorder::ApiKey(key_id);
    match transactions::record(&state.db, program, new, recorder, now, idempotency_key_row).await {
        Ok(Ok(t)) => Ok((
            transactions::CREATED,
            serde_json::to_string(&t).unwrap_or_default(),
        )),
        Ok(Err(r)) => Ok(refused(&r)),
        Err(e) => Err(internal(e.message)),
    }
}

/// Records a payment or a refund; offers reward it (or claw back what its payment earned).
#[utoipa::path(post, path = "/api/v1/transactions", request_body = TransactionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 255 characters; the first response is replayed for 24 hours")),
    responses(
        (status = 201, body = TransactionView),
        (status = 400, description = "Not JSON, or a bad Idempotency-Key", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, description = "No such customer (or refunded transaction) in the program", body = ErrorBody),
        (status = 409, description = "The transaction key exists, or the idempotency key is in use", body = ErrorBody),
        (status = 413, description = "The body is over 16 KB"),
        (status = 422, description = "A field is wrong; see `code`", body = ErrorBody),
    ))]
async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let ApiCaller { key_id, program } = match authenticate(&state, &headers).await {
        Ok(caller) => caller,
        Err(r) => return r,
    };
    let Some(idem) = headers.get("idempotency-key") else {
        return match run(&state, key_id, &program, &body, None).await {
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
    let request_hash = transaction_request_hash(&body);
    let deadline = tokio::time::Instant::now() + IN_FLIGHT_WAIT;
    loop {
        let now = now_ms();
        let claimed =
            match idempotency::claim(&state.db, program.program_id, idem, &request_hash, now).await
            {
                Ok(c) => c,
                Err(e) => return internal(e),
            };
        if let Some(row_id) = claimed {
            let outcome = run(&state, key_id, &program, &body, Some(row_id)).await;
            return finish(&state, row_id, outcome).await;
        }
        let (row_id, stored) = match idempotency::stored(&state.db, program.program_id, idem).await
        {
            Ok(Some(s)) => s,
            // Released between our insert and this read: try to claim it again.
            Ok(None) => continue,
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
            // Expired, or abandoned by a process that died: release the old key (if no one else
            // did) and claim it anew.
            Decision::Run => {
                if let Err(e) = idempotency::forget(&state.db, row_id, stored.created_at).await {
                    return internal(e);
                }
            }
        }
    }
}

/// What an `Idempotency-Key` of `POST /api/v1/transactions` is stored with: the same key on
/// another endpoint is another request, so the hash covers method and path with the body.
pub fn transaction_request_hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(
        [b"POST /api/v1/transactions\n".as_slice(), body].concat(),
    ))
}

/// Stores the response under the claimed key (a recorded transaction's was stored with it, in
/// its transaction; storing it again changes nothing); a failure on our side releases the key
/// so the client's retry runs again.
async fn finish(
    state: &AppState,
    row_id: i64,
    outcome: Result<(u16, String), Response>,
) -> Response {
    match outcome {
        Ok((status, body)) => match idempotency::save(&state.db, row_id, status, &body).await {
            Ok(()) => json(status, body),
            Err(e) => internal(e),
        },
        Err(response) => {
            let _ = idempotency::release(&state.db, row_id).await;
            response
        }
    }
}

/// The API key's program, the parsed body and the customer it names (key, email, name), or
/// the error response: 401, 400 `malformed_json`, 400 `invalid_customer`.
async fn customer_request<T: serde::de::DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    what: &str,
    fields: impl Fn(&T) -> (String, String, String),
) -> Result<(ProgramMoney, T, domain::link::Signup), Response> {
    let program = authenticate(state, headers).await?.program;
    let parsed: T = serde_json::from_slice(body).map_err(|e| {
        error(
            400,
            "malformed_json",
            &format!("The body is not {what}: {e}"),
        )
    })?;
    let (key, email, name) = fields(&parsed);
    let signup = domain::link::validate_signup(&key, &email, &name)
        .map_err(|e| error(400, "invalid_customer", &e.0))?;
    Ok((program, parsed, signup))
}

/// A customer who signed up on the vendor's side, with the referral it came through.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CustomerRequest {
    /// The vendor's own key for the customer; a known key is updated, never attributed twice.
    key: String,
    email: String,
    #[serde(default)]
    name: String,
    /// The click id a referral link added to the landing URL (attributed by the program's
    /// model and window, like the snippet).
    click_id: Option<String>,
    /// Credits the customer to this partnership directly (your backend vouches for it).
    partner_key: Option<String>,
}

/// Creates (or updates) a customer and attributes it, server to server.
#[utoipa::path(post, path = "/api/v1/customers", request_body = CustomerRequest, responses(
    (status = 201, description = "Created", body = SignupOutcome),
    (status = 200, description = "The key was known: name and email updated", body = SignupOutcome),
    (status = 400, body = ErrorBody),
    (status = 401, body = ErrorBody),
    (status = 404, description = "No active partnership has the partner key", body = ErrorBody),
))]
async fn create_customer(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (program, body, signup) = match customer_request(
        &state,
        &headers,
        &body,
        "a customer",
        |b: &CustomerRequest| (b.key.clone(), b.email.clone(), b.name.clone()),
    )
    .await
    {
        Ok(parsed) => parsed,
        Err(r) => return r,
    };
    let referrer = match (body.click_id, body.partner_key) {
        (Some(_), Some(_)) => {
            return error(
                400,
                "invalid_customer",
                "Send click_id or partner_key, not both",
            );
        }
        (Some(click), None) => Referrer::Clicks(vec![click]),
        (None, Some(key)) => Referrer::PartnerKey(key),
        (None, None) => Referrer::Clicks(Vec::new()),
    };
    let source = match referrer {
        Referrer::Clicks(_) => CustomerSource::Link,
        Referrer::PartnerKey(_) => CustomerSource::Api,
    };
    let request = SignupRequest {
        program_id: program.program_id,
        signup,
        referrer,
        source,
        now: now_ms(),
        public: false,
    };
    match attribution::record_signup(&state.db, request).await {
        Ok(outcome) => json(
            if outcome.created { 201 } else { 200 },
            serde_json::to_string(&outcome).unwrap_or_default(),
        ),
        Err(e) if e.status == 404 => error(404, "partner_not_found", &e.message),
        Err(e) if e.status < 500 => error(e.status, "refused", &e.message),
        Err(e) => internal(e.message),
    }
}

/// The customer a referral widget is for (created unattributed when the key is new).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ReferralTokenRequest {
    customer_key: String,
    email: String,
    #[serde(default)]
    name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ReferralTokenBody {
    token: String,
    /// The widget's address: put it in an iframe on one of the program's allowed domains.
    url: String,
    /// Milliseconds since the Unix epoch; ask for a new token each time the page shows.
    expires_at: i64,
}

/// A short-lived token for one customer's referral widget.
#[utoipa::path(post, path = "/api/v1/referral_tokens", request_body = ReferralTokenRequest, responses(
    (status = 201, body = ReferralTokenBody),
    (status = 400, body = ErrorBody),
    (status = 401, body = ErrorBody),
))]
async fn create_referral_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (program, _, signup) = match customer_request(
        &state,
        &headers,
        &body,
        "a referral token request",
        |b: &ReferralTokenRequest| (b.customer_key.clone(), b.email.clone(), b.name.clone()),
    )
    .await
    {
        Ok(parsed) => parsed,
        Err(r) => return r,
    };
    let now = now_ms();
    let request = SignupRequest {
        program_id: program.program_id,
        signup,
        referrer: Referrer::Clicks(Vec::new()),
        source: CustomerSource::Api,
        now,
        public: false,
    };
    let customer = match attribution::record_signup(&state.db, request).await {
        Ok(o) => o.customer_id,
        Err(e) => return internal(e.message),
    };
    match store::referral::create_token(&state.db, program.program_id, customer, now).await {
        Ok((token, expires_at)) => {
            let url = format!(
                "{}/embed/referral?token={token}",
                request_origin(&state, &headers).trim_end_matches('/')
            );
            json(
                201,
                serde_json::to_string(&ReferralTokenBody {
                    token,
                    url,
                    expires_at,
                })
                .unwrap_or_default(),
            )
        }
        Err(e) => internal(e.message),
    }
}

/// The portal's address as the caller reached it (the configured public origin wins).
pub(crate) fn request_origin(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(origin) = &state.config.public_origin {
        return origin.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("127.0.0.1:3000");
    format!("http://{host}")
}

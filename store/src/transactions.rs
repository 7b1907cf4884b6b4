//! Recording a transaction (from the API or by a teammate): find the customer, refuse
//! duplicates, store it with its event, then reward it (a payment) or claw back what its
//! original earned (a refund) — all in one database transaction.

use domain::money::format_minor;
use domain::offer::OfferEvent;
use domain::transaction::{CustomerRef, NewTransaction, Problem, check_refund};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::customers;
use super::db::{Db, Tx, is_unique_violation};
use super::events::{self, NewEvent};
use super::rewards::{self, Earned, ProgramMoney};
use crate::error::AppError;

/// A refusal with the API's stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl Refused {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

impl From<Problem> for Refused {
    fn from(p: Problem) -> Self {
        Self::new(422, p.code, p.message)
    }
}

impl From<Refused> for AppError {
    fn from(r: Refused) -> Self {
        AppError::new(if r.status == 422 { 400 } else { r.status }, r.message)
    }
}

/// Who recorded a transaction.
#[derive(Debug, Clone, Copy)]
pub enum Recorder {
    ApiKey(i64),
    Teammate(i64),
}

/// A transaction as the API and the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Transaction)]
pub struct TransactionView {
    pub id: i64,
    /// Your id of the transaction (unique per program).
    pub transaction_key: String,
    pub customer_key: String,
    pub customer_name: String,
    /// Minor units (cents); negative for a refund.
    pub amount_minor: i64,
    pub currency: String,
    pub product_key: Option<String>,
    /// The transaction key this refund gives money back of.
    pub refunds: Option<String>,
    /// RFC 3339, UTC.
    pub occurred_at: String,
    pub created_at: String,
    pub metadata: std::collections::BTreeMap<String, String>,
    /// The partner the customer is attributed to, if any.
    pub partner_key: Option<String>,
    /// `api` or `manual`.
    pub source: String,
}

impl TransactionView {
    /// The row a transactions table shows.
    pub fn into_row(self) -> crate::dto::TransactionRow {
        let t = self;
        let occurred_on = domain::time::parse_timestamp(&t.occurred_at)
            .map(domain::time::format_date)
            .unwrap_or(t.occurred_at);
        crate::dto::TransactionRow {
            id: t.id,
            transaction_key: t.transaction_key,
            customer: t.customer_name,
            customer_key: t.customer_key,
            amount: crate::dto::Money::new(t.amount_minor, &t.currency),
            product_key: t.product_key,
            refunds: t.refunds,
            occurred_on,
            partner_key: t.partner_key,
            source: t.source,
        }
    }
}

const VIEW_SQL: &str = "SELECT t.id, t.transaction_key, c.external_key, c.name, t.amount_minor, t.currency, t.product_key, \
     o.transaction_key, t.occurred_at, t.created_at, t.metadata, p.partner_key, t.source \
     FROM transactions t JOIN customers c ON c.id = t.customer_id \
     LEFT JOIN transactions o ON o.id = t.refund_of LEFT JOIN partnerships p ON p.id = t.partnership_id";

fn view(r: &sqlx::any::AnyRow) -> Result<TransactionView, AppError> {
    let metadata: String = r.try_get(10)?;
    Ok(TransactionView {
        id: r.try_get(0)?,
        transaction_key: r.try_get(1)?,
        customer_key: r.try_get(2)?,
        customer_name: r.try_get(3)?,
        amount_minor: r.try_get(4)?,
        currency: r.try_get(5)?,
        product_key: r.try_get(6)?,
        refunds: r.try_get(7)?,
        occurred_at: domain::time::format_timestamp(r.try_get(8)?),
        created_at: domain::time::format_timestamp(r.try_get(9)?),
        metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        partner_key: r.try_get(11)?,
        source: r.try_get(12)?,
    })
}

/// One transaction of the program.
pub async fn get(db: &Db, program_id: i64, id: i64) -> Result<Option<TransactionView>, AppError> {
    let sql = format!("{VIEW_SQL} WHERE t.program_id = $1 AND t.id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program_id)
        .bind(id)
        .fetch_optional(&mut db.conn().await?)
        .await?;
    row.as_ref().map(view).transpose()
}

/// The transaction of the program with `transaction_key` that `user_id` recorded by hand for
/// `amount_minor`: what a second submission of the same form finds.
pub async fn recorded_by_hand(
    db: &Db,
    program_id: i64,
    transaction_key: &str,
    user_id: i64,
    amount_minor: i64,
) -> Result<Option<TransactionView>, AppError> {
    let sql = format!(
        "{VIEW_SQL} WHERE t.program_id = $1 AND t.transaction_key = $2 AND t.created_by_user_id = $3 AND t.amount_minor = $4"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program_id)
        .bind(transaction_key)
        .bind(user_id)
        .bind(amount_minor)
        .fetch_optional(&mut db.conn().await?)
        .await?;
    row.as_ref().map(view).transpose()
}

/// A page of the program's transactions, newest first, after the id `starting_after`.
/// One page of the program's transactions, newest first. A teammate restricted to some groups
/// (`restricted_to`: their teammate id) sees only those of their groups' partnerships.
pub async fn list(
    db: &Db,
    program_id: i64,
    starting_after: Option<i64>,
    limit: i64,
    restricted_to: Option<i64>,
) -> Result<Vec<TransactionView>, AppError> {
    // The limit is written into the text (see the `db` module: bound limits re-plan).
    let sql = format!(
        "{VIEW_SQL} WHERE t.program_id = $1 AND t.id < $2 \
         AND ($3 = 0 OR p.group_id IN (SELECT group_id FROM teammate_groups WHERE teammate_id = $3)) \
         ORDER BY t.id DESC LIMIT {limit}"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program_id)
        .bind(starting_after.unwrap_or(i64::MAX))
        .bind(restricted_to.unwrap_or(0))
        .fetch_all(&mut db.conn().await?)
        .await?;
    rows.iter().map(view).collect()
}

struct Customer {
    id: i64,
    name: String,
    key: String,
    partnership_id: Option<i64>,
    partner_name: Option<String>,
    attributed_at: Option<i64>,
    source: String,
    contact_id: Option<i64>,
}

async fn customer(
    tx: &mut Tx,
    program_id: i64,
    reference: &CustomerRef,
) -> Result<Option<Customer>, AppError> {
    let (condition, value) = match reference {
        CustomerRef::Key(key) => ("c.external_key = $2", key),
        CustomerRef::Email(email) => ("c.email = $2", email),
    };
    // The contact whose lead became the customer earns with it.
    let sql = format!(
        "SELECT c.id, c.name, c.external_key, c.partnership_id, t.name, c.attributed_at, c.source, \
         (SELECT l.contact_id FROM leads l WHERE l.customer_id = c.id ORDER BY l.id LIMIT 1) \
         FROM customers c LEFT JOIN partnerships p ON p.id = c.partnership_id \
         LEFT JOIN partner_teams t ON t.id = p.partner_team_id \
         WHERE c.program_id = $1 AND {condition} ORDER BY c.id LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program_id)
        .bind(value)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| {
        Ok(Customer {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            key: r.try_get(2)?,
            partnership_id: r.try_get(3)?,
            partner_name: r.try_get(4)?,
            attributed_at: r.try_get(5)?,
            source: r.try_get(6)?,
            contact_id: r.try_get(7)?,
        })
    })
    .transpose()
}

/// Records a validated transaction for the program. `Ok(Err(_))` is a refusal for the client;
/// nothing was written then.
pub async fn record(
    db: &Db,
    program: &ProgramMoney,
    new: NewTransaction,
    by: Recorder,
    now: i64,
    idempotency_key_row: Option<i64>,
) -> Result<Result<TransactionView, Refused>, AppError> {
    let mut tx = db.begin().await?;
    let Some(customer) = customer(&mut tx, program.program_id, &new.customer).await? else {
        return Ok(Err(Refused::new(
            404,
            "customer_not_found",
            "No customer of this program has that key or email",
        )));
    };
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM transactions WHERE program_id = $1 AND transaction_key = $2",
    )
    .bind(program.program_id)
    .bind(&new.transaction_key)
    .fetch_optional(&mut *tx)
    .await?;
    if existing.is_some() {
        return Ok(Err(duplicate()));
    }
    let original = match &new.refunds {
        None => None,
        Some(key) => {
            // Locks the refunded payment's row until this transaction ends, so concurrent
            // refunds of it are checked one after another against what is already refunded
            // (PostgreSQL's row lock; SQLite's write lock is already held since BEGIN).
            sqlx::query(
                "UPDATE transactions SET currency = currency WHERE program_id = $1 AND transaction_key = $2",
            )
            .bind(program.program_id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query(
                "SELECT id, customer_id, amount_minor, \
                 (SELECT CAST(COALESCE(SUM(-r.amount_minor), 0) AS BIGINT) FROM transactions r WHERE r.refund_of = t.id) \
                 FROM transactions t WHERE t.program_id = $1 AND t.transaction_key = $2",
            )
            .bind(program.program_id)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Ok(Err(Refused::new(
                    404,
                    "refunded_transaction_not_found",
                    "refunds names no transaction of this program",
                )));
            };
            let (id, customer_id, amount, refunded): (i64, i64, i64, i64) = (
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(3)?,
            );
            if customer_id != customer.id {
                return Ok(Err(Refused::new(
                    422,
                    "refund_customer_mismatch",
                    "A refund is for the refunded transaction's customer",
                )));
            }
            if let Err(p) = check_refund(amount, refunded, new.amount_minor) {
                return Ok(Err(p.into()));
            }
            Some((id, key.clone(), amount, refunded))
        }
    };
    let (source, api_key, user) = match by {
        Recorder::ApiKey(id) => ("api", Some(id), None),
        Recorder::Teammate(user) => ("manual", None, Some(user)),
    };
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO transactions (program_id, customer_id, partnership_id, transaction_key, amount_minor, currency, \
         product_key, refund_of, metadata, source, created_by_user_id, occurred_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(program.program_id)
    .bind(customer.id)
    .bind(customer.partnership_id)
    .bind(&new.transaction_key)
    .bind(new.amount_minor)
    .bind(program.currency.code())
    .bind(&new.product_key)
    .bind(original.as_ref().map(|o| o.0))
    .bind(serde_json::to_string(&new.metadata).map_err(AppError::internal)?)
    .bind(source)
    .bind(user)
    .bind(new.occurred_at)
    .bind(now)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        // Another request with the same key committed first.
        Err(e) if is_unique_violation(&e) => return Ok(Err(duplicate())),
        Err(e) => return Err(e.into()),
    };
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: user,
            company_id: Some(program.company_id),
            kind: if new.is_refund() {
                "transaction.refunded"
            } else {
                "transaction.created"
            },
            subject_type: "transaction",
            subject_id: id,
            payload: serde_json::json!({
                "program_id": program.program_id,
                "transaction_key": new.transaction_key,
                "customer_id": customer.id,
                "amount_minor": new.amount_minor,
                "currency": program.currency.code(),
                "refunds": new.refunds,
                "api_key_id": api_key,
            }),
        },
    )
    .await?;
    if new.is_refund() {
        let net_paid: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM transactions WHERE customer_id = $1",
        )
        .bind(customer.id)
        .fetch_one(&mut *tx)
        .await?;
        customers::refunded(&mut tx, program.company_id, customer.id, net_paid, user).await?;
    } else {
        customers::paid(
            &mut tx,
            program.company_id,
            customer.id,
            new.occurred_at,
            user,
        )
        .await?;
    }
    let money = |minor: i64| format_minor(minor, program.currency);
    match (&original, customer.partnership_id) {
        (Some((original_id, original_key, amount, refunded)), _) => {
            rewards::claw_back(
                &mut tx,
                program,
                (id, &new.transaction_key, -new.amount_minor),
                (*original_id, original_key, *amount),
                *refunded,
                user,
                now,
            )
            .await?;
        }
        (None, Some(partnership_id)) => {
            let attribution = format!(
                "Attribution: {} brought this customer ({}){}",
                customer.partner_name.clone().unwrap_or_default(),
                domain::customer::source_label(&customer.source),
                customer
                    .attributed_at
                    .map(|at| format!(" on {}", domain::time::format_date(at)))
                    .unwrap_or_default()
            );
            let earned = Earned {
                event: OfferEvent::TransactionCreated,
                partnership_id,
                occurred_at: new.occurred_at,
                amount_minor: Some(new.amount_minor),
                product_key: new.product_key.clone(),
                customer_id: Some(customer.id),
                customer_attributed_at: customer.attributed_at,
                transaction_id: Some(id),
                contact_id: customer.contact_id,
                story: vec![
                    format!(
                        "Event: transaction {} of {} on {}",
                        new.transaction_key,
                        money(new.amount_minor),
                        domain::time::format_date(new.occurred_at)
                    ),
                    format!("Customer: {} ({})", customer.name, customer.key),
                    attribution,
                ],
            };
            rewards::reward_event(&mut tx, program, &earned, user, now).await?;
        }
        (None, None) => {}
    }
    if let Some(partnership_id) = customer.partnership_id {
        // Revenue moved: the tier may go up at once (or start its grace period on a refund).
        super::tiers::evaluate(&mut tx, program.program_id, partnership_id, now, None).await?;
    }
    let sql = format!("{VIEW_SQL} WHERE t.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let recorded = view(&row)?;
    if let Some(key_row) = idempotency_key_row {
        // The response is stored with the transaction it describes: a crash can lose both or
        // neither, never leave a recorded payment whose key cannot replay it.
        sqlx::query(
            "UPDATE idempotency_keys SET status_code = $1, response_body = $2 WHERE id = $3",
        )
        .bind(i64::from(CREATED))
        .bind(serde_json::to_string(&recorded).map_err(AppError::internal)?)
        .bind(key_row)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Ok(recorded))
}

/// The status of a recorded transaction's answer.
pub const CREATED: u16 = 201;

fn duplicate() -> Refused {
    Refused::new(
        409,
        "duplicate_transaction_key",
        "A transaction with this transaction_key exists already",
    )
}

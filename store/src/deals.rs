//! Deals: registrations, pipelines by stage for both sides, the one loader every deal action
//! goes through, stage changes with their events, protection moving on approval, and each
//! deal's timeline.

use domain::conflict::ClaimKind;
use domain::deal::{
    DealAction, DealActor, DealMotion, DealStage, NewDeal, WonCustomer, transition,
};
use domain::money::{Currency, parse_positive_amount, to_minor};
use rust_decimal::Decimal;
use sqlx::Row;

use super::db::{Db, Tx};
use super::events::{self, NewEvent};
use super::messages::Message;
use crate::dto::{DealFilters, DealRow, Named, ProgramSummary, StageColumn, TimelineEntry};
use crate::error::AppError;

/// Deals shown per stage on one page of a pipeline.
pub const PAGE: i64 = 25;

/// Which deals a pipeline lists.
pub enum Scope {
    /// A program's deals (teammates), within the groups a restricted partner manager sees,
    /// optionally of one partnership, motion or rep.
    Program {
        program_id: i64,
        groups: Option<Vec<i64>>,
        partnership: Option<i64>,
        motion: Option<DealMotion>,
        rep: Option<i64>,
    },
    /// One partnership's deals; `contact` limits them to one contact's own.
    Partnership {
        partnership_id: i64,
        contact: Option<i64>,
    },
    /// The deals that made or linked one customer.
    Customer { customer_id: i64 },
}

const COLUMNS: &str = "SELECT d.id, d.name, d.domain, d.amount_minor, d.currency, d.motion, d.stage, d.expected_close_at, \
     t.name, u.name, ru.name, d.rep_user_id, d.buy_price_minor, d.discount_bp, d.reason, d.conflict, d.protected_until, \
     cu.name, d.customer_id, d.notes, d.created_at \
     FROM deals d JOIN partnerships p ON p.id = d.partnership_id JOIN partner_teams t ON t.id = p.partner_team_id \
     LEFT JOIN contacts c ON c.id = d.contact_id LEFT JOIN users u ON u.id = c.user_id \
     LEFT JOIN users ru ON ru.id = d.rep_user_id LEFT JOIN customers cu ON cu.id = d.customer_id";

/// One keyset page of deals in `stage` (any stage when `None`), newest first.
///
/// Only the filters in use become conditions, each an equality the indexes
/// `(program_id | partnership_id, [motion | rep_user_id,] stage, id)` answer, so a page costs
/// the same however many deals the program has.
pub async fn page(
    db: &Db,
    scope: &Scope,
    stage: Option<DealStage>,
    after: Option<i64>,
    for_vendor: bool,
) -> Result<(Vec<DealRow>, Option<i64>), AppError> {
    let mut filter = Filter::default();
    match scope {
        Scope::Program {
            program_id,
            groups,
            partnership,
            motion,
            rep,
        } => {
            filter.equals("d.program_id", Value::Int(*program_id));
            if let Some(p) = partnership {
                filter.equals("d.partnership_id", Value::Int(*p));
            }
            if let Some(m) = motion {
                filter.equals("d.motion", Value::Text(m.as_str()));
            }
            if let Some(r) = rep {
                filter.equals("d.rep_user_id", Value::Int(*r));
            }
            if let Some(groups) = groups {
                // A restricted manager with no groups sees nothing: `IN (NULL)` matches no row.
                let list: Vec<String> =
                    groups.iter().map(|g| filter.bind(Value::Int(*g))).collect();
                let list = if list.is_empty() {
                    "NULL".to_owned()
                } else {
                    list.join(", ")
                };
                filter.conditions.push(format!("p.group_id IN ({list})"));
            }
        }
        Scope::Partnership {
            partnership_id,
            contact,
        } => {
            filter.equals("d.partnership_id", Value::Int(*partnership_id));
            if let Some(c) = contact {
                filter.equals("d.contact_id", Value::Int(*c));
            }
        }
        Scope::Customer { customer_id } => filter.equals("d.customer_id", Value::Int(*customer_id)),
    }
    if let Some(stage) = stage {
        filter.equals("d.stage", Value::Text(stage.as_str()));
    }
    let cursor = filter.bind(Value::Int(after.unwrap_or(i64::MAX)));
    filter.conditions.push(format!("d.id < {cursor}"));
    // The limit is written into the text (see the `db` module: bound limits re-plan).
    let sql = format!(
        "{COLUMNS} WHERE {} ORDER BY d.id DESC LIMIT {}",
        filter.conditions.join(" AND "),
        PAGE + 1
    );
    // Safe: the conditions are fixed column names and numbered placeholders; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for value in filter.values {
        query = match value {
            Value::Int(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
        };
    }
    let rows = query.fetch_all(&mut db.conn().await?).await?;
    let now = super::db::now_ms();
    let mut deals = Vec::with_capacity(rows.len());
    for r in rows.iter().take(PAGE as usize) {
        deals.push(row(r, for_vendor, now)?);
    }
    let next = (rows.len() as i64 > PAGE)
        .then(|| deals.last().map(|d| d.id))
        .flatten();
    Ok((deals, next))
}

enum Value {
    Int(i64),
    Text(&'static str),
}

/// The conditions of a page query and the values they bind, numbered in order.
#[derive(Default)]
struct Filter {
    conditions: Vec<String>,
    values: Vec<Value>,
}

impl Filter {
    /// Binds a value and returns its placeholder (`$3`).
    fn bind(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    fn equals(&mut self, column: &str, value: Value) {
        let placeholder = self.bind(value);
        self.conditions.push(format!("{column} = {placeholder}"));
    }
}

fn row(r: &sqlx::any::AnyRow, for_vendor: bool, now: i64) -> Result<DealRow, AppError> {
    let currency: String = r.try_get(4)?;
    let money = |minor: i64| domain::money::format_stored(minor, &currency);
    let amount_minor: i64 = r.try_get(3)?;
    let stage = DealStage::parse(&r.try_get::<String, _>(6)?).map_err(AppError::internal)?;
    let buy_price: Option<i64> = r.try_get(12)?;
    let discount: Option<i64> = r.try_get(13)?;
    let protected_until: Option<i64> = r.try_get(16)?;
    Ok(DealRow {
        id: r.try_get(0)?,
        company: r.try_get(1)?,
        domain: r.try_get(2)?,
        amount: money(amount_minor),
        amount_minor,
        motion: DealMotion::parse(&r.try_get::<String, _>(5)?).map_err(AppError::internal)?,
        stage,
        expected_close_at: r.try_get(7)?,
        partner_team: r.try_get(8)?,
        registered_by: r.try_get(9)?,
        rep: r.try_get(10)?,
        rep_user_id: r.try_get(11)?,
        buy_price: buy_price.map(money),
        discount: discount.map(|bp| format!("{}%", Decimal::new(bp, 2).normalize())),
        margin: buy_price
            .filter(|_| for_vendor)
            .map(|b| money(domain::deal::margin_minor(amount_minor, b))),
        reason: r.try_get(14)?,
        conflict: if for_vendor { r.try_get(15)? } else { None },
        protected_until,
        protected: domain::deal::is_protected(stage, protected_until, now),
        customer: r.try_get(17)?,
        customer_id: r.try_get(18)?,
        notes: r.try_get(19)?,
        created_at: r.try_get(20)?,
        currency,
        timeline: Vec::new(),
    })
}

/// A pipeline: every stage's first page (or one stage's page `after`), each with the count
/// and total of exactly the deals it shows, and every shown deal's timeline.
pub async fn pipeline(
    db: &Db,
    scope: &Scope,
    only: Option<DealStage>,
    after: Option<i64>,
    currency: &str,
    for_vendor: bool,
) -> Result<Vec<StageColumn>, AppError> {
    let stages: Vec<DealStage> = match only {
        Some(stage) => vec![stage],
        None => DealStage::ALL.to_vec(),
    };
    let mut columns = Vec::with_capacity(stages.len());
    for stage in stages {
        let (mut deals, next) = page(
            db,
            scope,
            Some(stage),
            after.filter(|_| only.is_some()),
            for_vendor,
        )
        .await?;
        attach_timelines(db, &mut deals).await?;
        let total = domain::deal::stage_totals(deals.iter().map(|d| (d.stage, d.amount_minor)))
            .into_iter()
            .find(|t| t.stage == stage)
            .map(|t| t.total_minor)
            .unwrap_or(0);
        columns.push(StageColumn {
            stage,
            count: deals.len(),
            total: domain::money::format_stored(total, currency),
            deals,
            next,
        });
    }
    Ok(columns)
}

/// A partner contact registers a deal in their partnership's program, in the program's
/// currency. Conflicts with the program's open leads, open deals and customers are recorded on
/// the deal and in its `deal.registered` event, for the teammates who decide.
pub async fn register(
    db: &Db,
    context: &super::context::Partnership,
    contact_id: i64,
    actor_user_id: i64,
    currency: Currency,
    deal: &NewDeal,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = db.begin().await?;
    let claims = super::leads::claims(
        &mut tx,
        context.program_id,
        Some(&deal.domain),
        &deal.company_key,
    )
    .await?;
    let conflict = super::leads::describe(&claims);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO deals (program_id, partnership_id, name, amount_minor, currency, motion, stage, created_at, updated_at, \
         domain, company_key, contact_id, expected_close_at, buy_price_minor, discount_bp, notes, conflict) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .bind(context.program_id)
    .bind(context.partnership_id)
    .bind(&deal.company)
    .bind(deal.amount_minor)
    .bind(currency.code())
    .bind(deal.motion.as_str())
    .bind(DealStage::Registered.as_str())
    .bind(now)
    .bind(&deal.domain)
    .bind(&deal.company_key)
    .bind(contact_id)
    .bind(deal.expected_close_at)
    .bind(deal.resell.map(|r| r.buy_price_minor))
    .bind(deal.resell.and_then(|r| r.discount_bp))
    .bind(&deal.notes)
    .bind(&conflict)
    .fetch_one(&mut *tx)
    .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(context.company_id),
            kind: "deal.registered",
            subject_type: "deal",
            subject_id: id,
            payload: serde_json::json!({
                "partnership_id": context.partnership_id,
                "company": deal.company,
                "domain": deal.domain,
                "amount_minor": deal.amount_minor,
                "motion": deal.motion.as_str(),
                "conflicts_with": claims.iter().map(|(c, name)| serde_json::json!({ "kind": format!("{:?}", c.kind), "id": c.id, "name": name })).collect::<Vec<_>>(),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The company's teammates a co-sell deal's rep can be (user id, name), and, when a program is
/// chosen, its pipeline under `filters` for teammates (`groups`: a restricted manager's).
pub async fn vendor_pipeline(
    db: &Db,
    company_id: i64,
    program: Option<&ProgramSummary>,
    filters: &DealFilters,
    groups: Option<Vec<i64>>,
    after: Option<i64>,
) -> Result<(Vec<Named>, Vec<StageColumn>), AppError> {
    let reps: Vec<Named> = sqlx::query_as::<_, (i64, String)>(
        "SELECT u.id, u.name FROM teammates t JOIN users u ON u.id = t.user_id WHERE t.company_id = $1 ORDER BY u.name, u.id",
    )
    .bind(company_id)
    .fetch_all(&mut db.conn().await?)
    .await?
    .into_iter()
    .map(|(id, name)| Named { id, name })
    .collect();
    let Some(p) = program else {
        return Ok((reps, Vec::new()));
    };
    // An unknown partner key matches no deal (id -1) rather than every deal.
    let partnership = if filters.partner.is_empty() {
        None
    } else {
        Some(
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM partnerships WHERE program_id = $1 AND partner_key = $2",
            )
            .bind(p.id)
            .bind(&filters.partner)
            .fetch_optional(&mut db.conn().await?)
            .await?
            .unwrap_or(-1),
        )
    };
    let scope = Scope::Program {
        program_id: p.id,
        groups,
        partnership,
        motion: filters.motion,
        rep: filters.rep,
    };
    let stages = pipeline(db, &scope, filters.stage, after, &p.currency, true).await?;
    Ok((reps, stages))
}

/// Each deal's events, oldest first, in words both sides may read.
pub async fn attach_timelines(db: &Db, deals: &mut [DealRow]) -> Result<(), AppError> {
    if deals.is_empty() {
        return Ok(());
    }
    let placeholders = super::db::placeholders(0, deals.len());
    let sql = format!(
        "SELECT e.subject_id, e.occurred_at, e.kind, e.payload, u.name FROM events e LEFT JOIN users u ON u.id = e.actor_user_id \
         WHERE e.subject_type = 'deal' AND e.subject_id IN ({}) ORDER BY e.id",
        placeholders
    );
    // Safe: placeholders only; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for deal in deals.iter() {
        query = query.bind(deal.id);
    }
    for r in query.fetch_all(&mut db.conn().await?).await? {
        let id: i64 = r.try_get(0)?;
        let payload: serde_json::Value =
            serde_json::from_str(&r.try_get::<String, _>(3)?).unwrap_or_default();
        let actor: String = r
            .try_get::<Option<String>, _>(4)?
            .unwrap_or_else(|| "the portal".into());
        let Some(deal) = deals.iter_mut().find(|d| d.id == id) else {
            continue;
        };
        let text = describe_event(
            &r.try_get::<String, _>(2)?,
            &payload,
            &actor,
            &deal.currency,
        );
        if let Some(text) = text {
            deal.timeline.push(TimelineEntry {
                at: r.try_get(1)?,
                text,
            });
        }
    }
    Ok(())
}

fn describe_event(
    kind: &str,
    payload: &serde_json::Value,
    actor: &str,
    currency: &str,
) -> Option<String> {
    let text = |key: &str| payload.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    match kind {
        "deal.registered" => Some(format!("Registered by {actor}")),
        "deal.stage_changed" => {
            let after = DealStage::parse(&text("after")?).ok()?;
            let mut line = format!("{} by {actor}", after.heading());
            if let Some(amount) = payload.get("amount_minor").and_then(|v| v.as_i64()) {
                line.push_str(&format!(
                    " at {}",
                    domain::money::format_stored(amount, currency)
                ));
            }
            if let Some(reason) = text("reason") {
                line.push_str(&format!(": {reason}"));
            }
            Some(line)
        }
        "deal.rep_assigned" => Some(match text("rep") {
            Some(rep) => format!("{rep} assigned as the vendor's rep by {actor}"),
            None => format!("Vendor rep removed by {actor}"),
        }),
        "deal.protection_moved" => {
            Some("Protection moved to a later registration the vendor approved".into())
        }
        _ => None,
    }
}

/// A deal as its actions need it, with who may see it.
pub struct LoadedDeal {
    pub id: i64,
    pub stage: DealStage,
    pub motion: DealMotion,
    pub program_id: i64,
    pub partnership_id: i64,
    pub company: String,
    pub domain: Option<String>,
    pub company_key: String,
    pub amount_minor: i64,
    pub currency: String,
    pub protection_days: u32,
    /// The vendor's company.
    pub company_id: i64,
    group_id: i64,
    partner_team_id: i64,
    pub contact_id: Option<i64>,
}

async fn load(tx: &mut Tx, deal_id: i64) -> Result<Option<LoadedDeal>, AppError> {
    let Some(r) = sqlx::query(
        "SELECT d.id, d.stage, d.motion, d.program_id, d.partnership_id, d.name, d.domain, d.company_key, d.amount_minor, d.currency, \
         pr.deal_protection_days, pr.company_id, p.group_id, p.partner_team_id, d.contact_id FROM deals d \
         JOIN partnerships p ON p.id = d.partnership_id JOIN programs pr ON pr.id = d.program_id WHERE d.id = $1",
    )
    .bind(deal_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(LoadedDeal {
        id: r.try_get(0)?,
        stage: DealStage::parse(&r.try_get::<String, _>(1)?).map_err(AppError::internal)?,
        motion: DealMotion::parse(&r.try_get::<String, _>(2)?).map_err(AppError::internal)?,
        program_id: r.try_get(3)?,
        partnership_id: r.try_get(4)?,
        company: r.try_get(5)?,
        domain: r.try_get(6)?,
        company_key: r.try_get(7)?,
        amount_minor: r.try_get(8)?,
        currency: r.try_get(9)?,
        protection_days: u32::try_from(r.try_get::<i64, _>(10)?).map_err(AppError::internal)?,
        company_id: r.try_get(11)?,
        group_id: r.try_get(12)?,
        partner_team_id: r.try_get(13)?,
        contact_id: r.try_get(14)?,
    }))
}

/// A deal of the teammate's company, within a restricted manager's groups; else not found.
pub async fn load_for_teammate(
    tx: &mut Tx,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    deal_id: i64,
) -> Result<LoadedDeal, AppError> {
    load(tx, deal_id)
        .await?
        .filter(|d| d.company_id == company_id)
        .filter(|d| allowed_groups.is_none_or(|g| g.contains(&d.group_id)))
        .ok_or_else(|| AppError::not_found("Deal"))
}

/// A deal of the contact's team; `own_only` (a contact who may not act on the team's deals)
/// reaches only that contact's own. Anything else is not found.
pub async fn load_for_contact(
    tx: &mut Tx,
    partner_team_id: i64,
    own_only: Option<i64>,
    deal_id: i64,
) -> Result<LoadedDeal, AppError> {
    load(tx, deal_id)
        .await?
        .filter(|d| d.partner_team_id == partner_team_id)
        .filter(|d| own_only.is_none_or(|contact| d.contact_id == Some(contact)))
        .ok_or_else(|| AppError::not_found("Deal"))
}

/// A teammate's decision on a deal of their company (within a restricted manager's groups),
/// as the deal state machine allows. Approval moves the protection to this deal; a deal won
/// (at `amount`, typed in the deal's currency, else at its registered amount) makes or links
/// its customer, runs the program's offers and may lift the partnership's tier, all in the
/// transaction of the stage change.
#[expect(clippy::too_many_arguments, reason = "one value per column written")]
pub async fn decide(
    db: &Db,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    actor_user_id: i64,
    deal_id: i64,
    action: &DealAction,
    amount: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let deal = load_for_teammate(&mut tx, company_id, allowed_groups, deal_id).await?;
    let after = transition(deal.stage, action, DealActor::Teammate)?;
    let mut change = StageChange::default();
    match after {
        DealStage::Approved => {
            change.approved_at = Some(now);
            change.protected_until = Some(domain::deal::protected_until(now, deal.protection_days));
            move_protection(&mut tx, &deal, actor_user_id, now).await?;
        }
        DealStage::Rejected => {
            if let DealAction::Reject { reason } = action {
                change.reason = Some(reason.trim().to_owned());
            }
        }
        DealStage::ClosedWon => {
            let currency = Currency::parse(&deal.currency).map_err(AppError::internal)?;
            // The amount it closed at, if it differs from the registered one.
            let amount = match amount.map(str::trim).filter(|a| !a.is_empty()) {
                Some(text) => parse_positive_amount(text, currency)
                    .and_then(|a| to_minor(a, currency))
                    .map_err(|e| AppError::invalid_fields(vec![("amount", e.0)]))?,
                None => deal.amount_minor,
            };
            change.amount_minor = Some(amount);
            change.closed_at = Some(now);
            let (customer, created) =
                customer_for_won_deal(&mut tx, &deal, actor_user_id, now).await?;
            change.customer_id = Some(customer);
            // A won deal that makes a new customer is also a new customer for the offers.
            let mut events = vec![(
                domain::offer::OfferEvent::DealClosedWon,
                Some(amount),
                format!("deal {} won", deal.company),
            )];
            if created {
                events.push((
                    domain::offer::OfferEvent::CustomerCreated,
                    None,
                    format!("customer {} created from a won deal", deal.company),
                ));
            }
            for (event, amount_minor, what) in events {
                let sale = super::rewards::Sale {
                    program_id: deal.program_id,
                    partnership_id: deal.partnership_id,
                    event,
                    amount_minor,
                    customer: Some((customer, &deal.company)),
                    contact_id: deal.contact_id,
                    what,
                };
                super::rewards::reward_sale(&mut tx, sale, Some(actor_user_id), now).await?;
            }
        }
        DealStage::ClosedLost => change.closed_at = Some(now),
        DealStage::Registered | DealStage::InProgress => {}
    }
    change_stage(&mut tx, &deal, after, &change, actor_user_id).await?;
    if after == DealStage::ClosedWon {
        // A won deal may lift the partnership's tier at once.
        super::tiers::evaluate(&mut tx, deal.program_id, deal.partnership_id, now, None).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A partner contact starts work on an approved deal of their team; `own_only` (a contact who
/// may not act on the team's deals) reaches only that contact's own.
pub async fn start(
    db: &Db,
    partner_team_id: i64,
    own_only: Option<i64>,
    actor_user_id: i64,
    deal_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let deal = load_for_contact(&mut tx, partner_team_id, own_only, deal_id).await?;
    let after = transition(deal.stage, &DealAction::Start, DealActor::Partner)?;
    change_stage(
        &mut tx,
        &deal,
        after,
        &StageChange::default(),
        actor_user_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A teammate assigns (or, with `None`, removes) the vendor's rep on a co-sell deal of their
/// company; the rep must be one of the company's teammates.
pub async fn assign_rep(
    db: &Db,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    actor_user_id: i64,
    deal_id: i64,
    rep: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let deal = load_for_teammate(&mut tx, company_id, allowed_groups, deal_id).await?;
    domain::deal::check_rep_change(deal.motion, deal.stage)?;
    let rep_name: Option<String> = match rep {
        Some(user_id) => Some(
            sqlx::query_scalar(
                "SELECT u.name FROM teammates t JOIN users u ON u.id = t.user_id WHERE t.company_id = $1 AND u.id = $2",
            )
            .bind(company_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                AppError::invalid_fields(vec![("rep", "Choose one of your teammates".into())])
            })?,
        ),
        None => None,
    };
    sqlx::query("UPDATE deals SET rep_user_id = $1, updated_at = $2 WHERE id = $3")
        .bind(rep)
        .bind(now)
        .bind(deal.id)
        .execute(&mut *tx)
        .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(company_id),
            kind: "deal.rep_assigned",
            subject_type: "deal",
            subject_id: deal.id,
            payload: serde_json::json!({ "rep_user_id": rep, "rep": rep_name }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A move along the deal state machine, already allowed by `domain::deal::transition`, and
/// what it records.
#[derive(Default)]
pub struct StageChange {
    pub reason: Option<String>,
    pub amount_minor: Option<i64>,
    pub customer_id: Option<i64>,
    pub approved_at: Option<i64>,
    pub protected_until: Option<i64>,
    pub closed_at: Option<i64>,
}

/// Writes a stage change with its event. The old stage in the WHERE makes a concurrent change
/// lose (409) instead of overwriting the other.
pub async fn change_stage(
    tx: &mut Tx,
    deal: &LoadedDeal,
    after: DealStage,
    change: &StageChange,
    actor_user_id: i64,
) -> Result<(), AppError> {
    let now = super::db::now_ms();
    let done = sqlx::query(
        "UPDATE deals SET stage = $1, reason = COALESCE($2, reason), amount_minor = COALESCE($3, amount_minor), \
         customer_id = COALESCE($4, customer_id), approved_at = COALESCE($5, approved_at), \
         protected_until = COALESCE($6, protected_until), closed_at = COALESCE($7, closed_at), updated_at = $8 \
         WHERE id = $9 AND stage = $10",
    )
    .bind(after.as_str())
    .bind(&change.reason)
    .bind(change.amount_minor)
    .bind(change.customer_id)
    .bind(change.approved_at)
    .bind(change.protected_until)
    .bind(change.closed_at)
    .bind(now)
    .bind(deal.id)
    .bind(deal.stage.as_str())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::new(
            409,
            "Someone else changed this deal; reload and try again",
        ));
    }
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(deal.company_id),
            kind: "deal.stage_changed",
            subject_type: "deal",
            subject_id: deal.id,
            payload: serde_json::json!({
                "before": deal.stage.as_str(),
                "after": after.as_str(),
                "reason": change.reason,
                "amount_minor": change.amount_minor,
                "customer_id": change.customer_id,
                "protected_until": change.protected_until,
            }),
        },
    )
    .await?;
    let amount = domain::money::format_stored(
        change.amount_minor.unwrap_or(deal.amount_minor),
        &deal.currency,
    );
    let until = change
        .protected_until
        .map(domain::time::format_date)
        .unwrap_or_default();
    let reason = change.reason.clone().unwrap_or_default();
    if matches!(
        after,
        DealStage::Approved | DealStage::Rejected | DealStage::ClosedWon
    ) {
        let to = super::partnerships::PartnerMail::of(tx, deal.partnership_id).await?;
        let (program, name) = (to.program.as_str(), deal.company.as_str());
        let message = match after {
            DealStage::Approved => Message::DealApproved {
                program,
                deal: name,
                protected_until: &until,
            },
            DealStage::Rejected => Message::DealRejected {
                program,
                deal: name,
                reason: &reason,
            },
            _ => Message::DealWon {
                program,
                deal: name,
                amount: &amount,
            },
        };
        to.send(tx, &message).await?;
    }
    Ok(())
}

/// Approving a deal gives it the protection: other approved or running deals of the same
/// company that still hold protection lose it now, each with an event.
pub async fn move_protection(
    tx: &mut Tx,
    deal: &LoadedDeal,
    actor_user_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let claims = super::leads::claims(
        tx,
        deal.program_id,
        deal.domain.as_deref(),
        &deal.company_key,
    )
    .await?;
    for (claim, _) in claims
        .iter()
        .filter(|(c, _)| c.kind == ClaimKind::OpenDeal && c.id != deal.id)
    {
        let moved = sqlx::query("UPDATE deals SET protected_until = $1, updated_at = $1 WHERE id = $2 AND protected_until > $1")
            .bind(now)
            .bind(claim.id)
            .execute(&mut **tx)
            .await?;
        if moved.rows_affected() > 0 {
            events::append(
                tx,
                NewEvent {
                    actor_user_id: Some(actor_user_id),
                    company_id: Some(deal.company_id),
                    kind: "deal.protection_moved",
                    subject_type: "deal",
                    subject_id: claim.id,
                    payload: serde_json::json!({ "to_deal_id": deal.id }),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The customer a won deal makes or links: an existing customer of the program with the same
/// company keeps its attribution (the first partner wins) unless it has none; otherwise a
/// new customer attributed to the deal's partnership. `true` when it made a new one.
pub async fn customer_for_won_deal(
    tx: &mut Tx,
    deal: &LoadedDeal,
    actor_user_id: i64,
    now: i64,
) -> Result<(i64, bool), AppError> {
    let claims = super::leads::claims(
        tx,
        deal.program_id,
        deal.domain.as_deref(),
        &deal.company_key,
    )
    .await?;
    let oldest = claims
        .iter()
        .filter(|(c, _)| c.kind == ClaimKind::Customer)
        .min_by_key(|(c, _)| c.registered_at);
    let existing = match oldest {
        Some((c, _)) => {
            let partner: Option<i64> =
                sqlx::query_scalar("SELECT partnership_id FROM customers WHERE id = $1")
                    .bind(c.id)
                    .fetch_one(&mut **tx)
                    .await?;
            Some((c.id, partner.is_some()))
        }
        None => None,
    };
    match domain::deal::won_customer(existing) {
        WonCustomer::Link(id) => return Ok((id, false)),
        WonCustomer::Attribute(id) => {
            // The NULL check keeps a concurrent attribution (the first partner wins).
            let attributed = sqlx::query(
                "UPDATE customers SET partnership_id = $1, source = 'deal', attributed_at = $2 WHERE id = $3 AND partnership_id IS NULL",
            )
            .bind(deal.partnership_id)
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            if attributed.rows_affected() > 0 {
                customer_event(tx, deal, actor_user_id, "customer.attributed", id).await?;
            }
            return Ok((id, false));
        }
        WonCustomer::Create => {}
    }
    let inserted = sqlx::query_scalar(
        "INSERT INTO customers (program_id, partnership_id, external_key, name, source, created_at, domain, company_key, status, attributed_at) \
         VALUES ($1, $2, $3, $4, 'deal', $5, $6, $7, 'paying', $5) RETURNING id",
    )
    .bind(deal.program_id)
    .bind(deal.partnership_id)
    .bind(domain::link::deal_customer_key(deal.id))
    .bind(&deal.company)
    .bind(now)
    .bind(&deal.domain)
    .bind(&deal.company_key)
    .fetch_one(&mut **tx)
    .await;
    // The key comes from the deal: a concurrent close of the same deal finds it taken and
    // lost the race, as the stage check would have said.
    let id: i64 = match inserted {
        Ok(id) => id,
        Err(e) if super::db::is_unique_violation(&e) => {
            return Err(AppError::new(
                409,
                "Someone else changed this deal; reload and try again",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    customer_event(tx, deal, actor_user_id, "customer.created", id).await?;
    Ok((id, true))
}

/// The event of a customer a won deal made or attributed.
async fn customer_event(
    tx: &mut Tx,
    deal: &LoadedDeal,
    actor_user_id: i64,
    kind: &'static str,
    customer_id: i64,
) -> Result<(), AppError> {
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(deal.company_id),
            kind,
            subject_type: "customer",
            subject_id: customer_id,
            payload: serde_json::json!({ "partnership_id": deal.partnership_id, "deal_id": deal.id, "source": "deal" }),
        },
    )
    .await?;
    Ok(())
}

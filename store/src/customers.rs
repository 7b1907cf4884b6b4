//! Customers as each side sees them: a partner's customers (emails masked unless the program
//! shows them), the program's customers for teammates, and one customer's way in, leads,
//! deals and history.

use domain::customer::{CustomerSource, CustomerStatus, Lifecycle, next_status};
use domain::lead::LeadStatus;
use domain::link::ReviewStatus;
use domain::partnership::PartnershipStatus;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::db::{Db, Tx, stored, stored_opt};
use super::deals;
use super::events::{self, NewEvent};
use super::leads::PAGE;
use crate::dto::{CustomerRow, DealRow, TimelineEntry, VendorCustomerRow};
use crate::error::AppError;

/// A customer as a partner sees it, from `id, name, email, source, status, attributed_at`.
pub(crate) fn customer_row(r: &AnyRow, emails_visible: bool) -> Result<CustomerRow, sqlx::Error> {
    Ok(CustomerRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        email: r.try_get::<Option<String>, _>(2)?.map(|e| {
            if emails_visible {
                e
            } else {
                domain::identity::mask_email(&e)
            }
        }),
        source: stored(r, 3)?,
        status: stored(r, 4)?,
        attributed_at: r.try_get(5)?,
    })
}

/// One keyset page of the customers attributed to a partnership, newest first; the cursor is
/// the last id shown.
pub async fn partner_page(
    db: &Db,
    partnership_id: i64,
    emails_visible: bool,
    after: Option<i64>,
) -> Result<(Vec<CustomerRow>, Option<i64>), AppError> {
    // Safe: fixed text and the page size, written into the text (see the `db` module: bound
    // limits re-plan).
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, name, email, source, status, attributed_at FROM customers \
         WHERE partnership_id = $1 AND id < $2 ORDER BY id DESC LIMIT {}",
        PAGE + 1
    )))
    .bind(partnership_id)
    .bind(after.unwrap_or(i64::MAX))
    .fetch_all(&mut db.conn().await?)
    .await?;
    let customers = rows
        .iter()
        .take(PAGE as usize)
        .map(|r| customer_row(r, emails_visible))
        .collect::<Result<Vec<_>, _>>()?;
    let next = if rows.len() as i64 > PAGE {
        customers.last().map(|c| c.id)
    } else {
        None
    };
    Ok((customers, next))
}

/// A customer as teammates see it, from the first eleven columns of [`VENDOR_COLUMNS`].
fn vendor_customer_row(r: &AnyRow) -> Result<VendorCustomerRow, sqlx::Error> {
    Ok(VendorCustomerRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        external_key: r.try_get(2)?,
        email: r.try_get(3)?,
        domain: r.try_get(4)?,
        partner_team: r.try_get(5)?,
        source: stored(r, 6)?,
        status: stored(r, 7)?,
        attributed_at: r.try_get(8)?,
        review_status: stored_opt(r, 10)?,
    })
}

/// What [`vendor_customer_row`] reads, then (column 9) the group of the partnership the
/// customer is credited to, or else held for: what a restricted manager's groups are checked
/// against.
const VENDOR_COLUMNS: &str = "c.id, c.name, c.external_key, c.email, c.domain, t.name, c.source, c.status, c.attributed_at, \
     COALESCE(pa.group_id, rp.group_id), c.review_status";

/// The filters of the teammates' customers list; `q` matches name, email or domain.
pub struct VendorFilter<'a> {
    pub q: &'a str,
    pub status: Option<CustomerStatus>,
    pub source: Option<CustomerSource>,
}

/// One keyset page of the program's customers for teammates, newest first. A partner
/// manager restricted to `allowed_groups` sees the customers of their groups' partners only.
pub async fn vendor_page(
    db: &Db,
    program_id: i64,
    filter: &VendorFilter<'_>,
    allowed_groups: Option<&[i64]>,
    after: Option<i64>,
) -> Result<(Vec<VendorCustomerRow>, Option<i64>), AppError> {
    let pattern = format!(
        "%{}%",
        filter
            .q
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    // The limit is written into the text (see the `db` module: bound limits re-plan).
    let sql = format!(
        "SELECT {VENDOR_COLUMNS} \
         FROM customers c LEFT JOIN partnerships pa ON pa.id = c.partnership_id LEFT JOIN partnerships rp ON rp.id = c.review_partnership_id \
         LEFT JOIN partner_teams t ON t.id = pa.partner_team_id \
         WHERE c.program_id = $1 AND c.id < $2 AND ($3 = '' OR LOWER(c.name) LIKE $4 ESCAPE '\\' \
         OR LOWER(COALESCE(c.email, '')) LIKE $4 ESCAPE '\\' OR COALESCE(c.domain, '') LIKE $4 ESCAPE '\\') \
         AND ($5 = '' OR c.status = $5) AND ($6 = '' OR c.source = $6) \
         ORDER BY c.id DESC LIMIT {}",
        PAGE + 1
    );
    let mut customers = Vec::new();
    let mut cursor = after.unwrap_or(i64::MAX);
    // Restricted managers skip other groups' customers; read on until a page is full.
    loop {
        // Safe: fixed text and the page size; every value is bound.
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(program_id)
            .bind(cursor)
            .bind(filter.q)
            .bind(&pattern)
            .bind(filter.status.map(|s| s.as_str()).unwrap_or(""))
            .bind(filter.source.map(|s| s.as_str()).unwrap_or(""))
            .fetch_all(&mut db.conn().await?)
            .await?;
        let fetched = rows.len();
        for (index, r) in rows.iter().take(PAGE as usize).enumerate() {
            cursor = r.try_get(0)?;
            let group: Option<i64> = r.try_get(9)?;
            if !within(allowed_groups, group) {
                continue;
            }
            customers.push(vendor_customer_row(r)?);
            if customers.len() as i64 == PAGE {
                return Ok((customers, (index + 1 < fetched).then_some(cursor)));
            }
        }
        if fetched <= PAGE as usize {
            return Ok((customers, None));
        }
    }
}

/// One customer as a teammate sees it, for the customer's page.
pub struct Detail {
    pub customer: VendorCustomerRow,
    pub program: String,
    pub program_id: i64,
    pub partner_id: Option<i64>,
    /// The leads that became this customer.
    pub leads: Vec<TimelineEntry>,
    pub deals: Vec<DealRow>,
    pub history: Vec<TimelineEntry>,
    /// Click, signup and the partner it went to, when it came through a link.
    pub journey: Vec<TimelineEntry>,
    /// The partner team a self-referral still waiting for review would go to.
    pub held_for: Option<String>,
}

/// A customer of one of the company's programs with the leads and deals it came from and its
/// history. Outside a restricted manager's groups it is "not found", like another company's.
pub async fn detail(
    db: &Db,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    customer_id: i64,
) -> Result<Detail, AppError> {
    // Safe: fixed text only.
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VENDOR_COLUMNS}, pr.name, pr.id, c.partnership_id, rt.name, c.click_key, c.clicked_at, c.signed_up_at, \
         c.attribution_model, l.name, lu.name FROM customers c JOIN programs pr ON pr.id = c.program_id \
         LEFT JOIN partnerships pa ON pa.id = c.partnership_id LEFT JOIN partner_teams t ON t.id = pa.partner_team_id \
         LEFT JOIN partnerships rp ON rp.id = c.review_partnership_id LEFT JOIN partner_teams rt ON rt.id = rp.partner_team_id \
         LEFT JOIN links l ON l.id = c.link_id LEFT JOIN contacts lc ON lc.id = l.contact_id LEFT JOIN users lu ON lu.id = lc.user_id \
         WHERE c.id = $1 AND pr.company_id = $2"
    )))
    .bind(customer_id)
    .bind(company_id)
    .fetch_optional(&mut db.conn().await?)
    .await?
    .ok_or_else(|| AppError::not_found("Customer"))?;
    let group: Option<i64> = r.try_get(9)?;
    if !within(allowed_groups, group) {
        return Err(AppError::not_found("Customer"));
    }
    let customer = vendor_customer_row(&r)?;
    let held_for: Option<String> = r.try_get(14)?;
    // The customer's way in: the click, the signup, the partner it went to.
    let mut journey = Vec::new();
    if let Some(clicked_at) = r.try_get::<Option<i64>, _>(16)? {
        let link: Option<String> = r.try_get(19)?;
        let person: Option<String> = r.try_get(20)?;
        journey.push(TimelineEntry {
            at: clicked_at,
            text: format!(
                "Clicked {}{} (click {})",
                link.map(|l| format!("\"{l}\""))
                    .unwrap_or_else(|| "a referral link".into()),
                person.map(|p| format!(" of {p}")).unwrap_or_default(),
                r.try_get::<Option<String>, _>(15)?.unwrap_or_default()
            ),
        });
    }
    if let Some(signed_up_at) = r.try_get::<Option<i64>, _>(17)? {
        let model = r
            .try_get::<Option<String>, _>(18)?
            .and_then(|m| domain::link::AttributionModel::parse(&m).ok())
            .map(|m| format!(" ({} attribution)", m.label().to_lowercase()))
            .unwrap_or_default();
        journey.push(TimelineEntry {
            at: signed_up_at,
            text: format!("Signed up{model}"),
        });
        let outcome = match (&customer.partner_team, customer.review_status, &held_for) {
            (Some(team), Some(ReviewStatus::Approved), _) => {
                Some(format!("Credited to {team} after review"))
            }
            (Some(team), _, _) => Some(format!("Credited to {team}")),
            (None, Some(ReviewStatus::Pending), Some(team)) => Some(format!(
                "Held for review: the signup looks like {team}'s own team"
            )),
            (None, Some(ReviewStatus::Rejected), Some(team)) => Some(format!(
                "Not credited: a teammate rejected the referral by {team}"
            )),
            _ => Some("Not attributed: no referral click within the attribution window".into()),
        };
        journey.extend(outcome.map(|text| TimelineEntry {
            at: customer.attributed_at.unwrap_or(signed_up_at),
            text,
        }));
    }
    let leads = sqlx::query(
        "SELECT l.created_at, t.name, l.status, l.updated_at FROM leads l JOIN partnerships p ON p.id = l.partnership_id \
         JOIN partner_teams t ON t.id = p.partner_team_id WHERE l.customer_id = $1 ORDER BY l.id",
    )
    .bind(customer_id)
    .fetch_all(&mut db.conn().await?)
    .await?
    .iter()
    .map(lead_entry)
    .collect::<Result<Vec<_>, AppError>>()?;
    let pending_review = customer.review_status == Some(ReviewStatus::Pending);
    let scope = deals::Scope::Customer { customer_id };
    let (mut deals, _) = deals::page(db, &scope, None, None, true).await?;
    deals::attach_timelines(db, &mut deals).await?;
    let history = sqlx::query(
        "SELECT e.occurred_at, e.kind, u.name, e.payload FROM events e LEFT JOIN users u ON u.id = e.actor_user_id \
         WHERE e.subject_type = 'customer' AND e.subject_id = $1 ORDER BY e.id",
    )
    .bind(customer_id)
    .fetch_all(&mut db.conn().await?)
    .await?
    .iter()
    .map(history_entry)
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Detail {
        program: r.try_get(11)?,
        program_id: r.try_get(12)?,
        partner_id: r.try_get(13)?,
        customer,
        leads,
        deals,
        history,
        journey,
        held_for: held_for.filter(|_| pending_review),
    })
}

/// "Lead from Northwind Agency, converted 3 Mar 2026", from
/// `created_at, team name, status, updated_at`.
fn lead_entry(r: &AnyRow) -> Result<TimelineEntry, AppError> {
    let status = LeadStatus::parse(&r.try_get::<String, _>(2)?).map_err(AppError::internal)?;
    Ok(TimelineEntry {
        at: r.try_get(0)?,
        text: format!(
            "Lead from {}, {} {}",
            r.try_get::<String, _>(1)?,
            status.label(),
            domain::time::format_date(r.try_get(3)?)
        ),
    })
}

/// A customer event in words, from `occurred_at, kind, actor name`.
fn history_entry(r: &AnyRow) -> Result<TimelineEntry, sqlx::Error> {
    let actor = r
        .try_get::<Option<String>, _>(2)?
        .unwrap_or_else(|| "the portal".into());
    let kind: String = r.try_get(1)?;
    let what = match kind.as_str() {
        "customer.created" => "Created".to_owned(),
        "customer.attributed" => "Attributed to a partner".to_owned(),
        "customer.referral_held" => "Held as a possible self-referral".to_owned(),
        "customer.referral_approved" => "Referral approved".to_owned(),
        "customer.referral_rejected" => "Referral rejected".to_owned(),
        "customer.reattributed" => {
            let payload: serde_json::Value =
                serde_json::from_str(&r.try_get::<String, _>(3)?).unwrap_or_default();
            format!(
                "Attributed to {} by hand ({})",
                payload["to_team"].as_str().unwrap_or("another partner"),
                payload["reason"].as_str().unwrap_or_default()
            )
        }
        "customer.status_changed" => {
            let payload: serde_json::Value =
                serde_json::from_str(&r.try_get::<String, _>(3)?).unwrap_or_default();
            let word = |key: &str| {
                domain::customer::status_label(payload[key].as_str().unwrap_or_default())
            };
            format!(
                "Status {} → {} ({})",
                word("from"),
                word("to"),
                payload["reason"].as_str().unwrap_or_default()
            )
        }
        _ => "Changed".to_owned(),
    };
    Ok(TimelineEntry {
        at: r.try_get(0)?,
        text: format!("{what} by {actor}"),
    })
}

/// Moves a customer from `from` to `to` with a `customer.status_changed` event (its reason in
/// the payload), in the caller's transaction. `false`, and nothing written, when the customer
/// is no longer `from`: another process or request moved it first.
async fn set_status(
    tx: &mut Tx,
    company_id: i64,
    customer_id: i64,
    (from, to): (CustomerStatus, CustomerStatus),
    reason: &str,
    actor: Option<i64>,
) -> Result<bool, AppError> {
    let moved = sqlx::query("UPDATE customers SET status = $1 WHERE id = $2 AND status = $3")
        .bind(to.as_str())
        .bind(customer_id)
        .bind(from.as_str())
        .execute(&mut **tx)
        .await?;
    if moved.rows_affected() == 0 {
        return Ok(false);
    }
    events::append(
        tx,
        NewEvent {
            actor_user_id: actor,
            company_id: Some(company_id),
            kind: "customer.status_changed",
            subject_type: "customer",
            subject_id: customer_id,
            payload: serde_json::json!({
                "from": from.as_str(),
                "to": to.as_str(),
                "reason": reason,
            }),
        },
    )
    .await?;
    Ok(true)
}

/// Applies `event` to the customer's status (`domain::customer::next_status`).
async fn apply(
    tx: &mut Tx,
    company_id: i64,
    customer_id: i64,
    event: Lifecycle,
    actor: Option<i64>,
) -> Result<(), AppError> {
    let current: String = sqlx::query_scalar("SELECT status FROM customers WHERE id = $1")
        .bind(customer_id)
        .fetch_one(&mut **tx)
        .await?;
    let current = CustomerStatus::parse(&current).map_err(AppError::internal)?;
    if let Some((to, reason)) = next_status(current, event) {
        set_status(tx, company_id, customer_id, (current, to), &reason, actor).await?;
    }
    Ok(())
}

/// A payment of the customer, made at `occurred_at`, was recorded in `tx`: it is the latest
/// payment if no later one is known, and the customer is paying.
pub(crate) async fn paid(
    tx: &mut Tx,
    company_id: i64,
    customer_id: i64,
    occurred_at: i64,
    actor: Option<i64>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE customers SET last_paid_at = $1 WHERE id = $2 AND (last_paid_at IS NULL OR last_paid_at < $1)",
    )
    .bind(occurred_at)
    .bind(customer_id)
    .execute(&mut **tx)
    .await?;
    apply(tx, company_id, customer_id, Lifecycle::Payment, actor).await
}

/// A refund of the customer was recorded in `tx`, leaving `net_paid_minor` paid in all.
pub(crate) async fn refunded(
    tx: &mut Tx,
    company_id: i64,
    customer_id: i64,
    net_paid_minor: i64,
    actor: Option<i64>,
) -> Result<(), AppError> {
    apply(
        tx,
        company_id,
        customer_id,
        Lifecycle::Refund { net_paid_minor },
        actor,
    )
    .await
}

/// The churn check: every paying customer without a payment for its program's churn window
/// churns, 200 at a time by id, each page in one transaction. Every process runs it with its
/// other jobs; a customer another run churned first is skipped. How many churned.
pub async fn churn_quiet(db: &Db, now: i64) -> Result<usize, AppError> {
    const DAY_MS: i64 = 86_400_000;
    let mut after = 0_i64;
    let mut churned = 0;
    loop {
        // The plain bound on `last_paid_at` lets the index narrow the rows before each
        // program's own window is checked.
        let page: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT c.id, pr.company_id, c.last_paid_at, pr.churn_days FROM customers c \
             JOIN programs pr ON pr.id = c.program_id \
             WHERE c.status = 'paying' AND c.last_paid_at < $1 AND c.id > $2 \
             AND c.last_paid_at <= $3 - pr.churn_days * 86400000 ORDER BY c.id LIMIT 200",
        )
        .bind(now - DAY_MS)
        .bind(after)
        .bind(now)
        .fetch_all(&mut db.conn().await?)
        .await?;
        let Some(&(last, ..)) = page.last() else {
            return Ok(churned);
        };
        after = last;
        let mut tx = db.begin().await?;
        for (customer_id, company_id, last_paid_at, churn_days) in page {
            let quiet = Lifecycle::Quiet {
                days_since_payment: (now - last_paid_at) / DAY_MS,
                churn_days,
            };
            if let Some((to, reason)) = next_status(CustomerStatus::Paying, quiet) {
                let moved = (CustomerStatus::Paying, to);
                if set_status(&mut tx, company_id, customer_id, moved, &reason, None).await? {
                    churned += 1;
                }
            }
        }
        tx.commit().await?;
    }
}

/// A teammate sets the customer's status by hand, with a reason for the history. Outside the
/// company, or a restricted manager's groups, the customer is "not found".
pub async fn change_status(
    db: &Db,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    customer_id: i64,
    to: CustomerStatus,
    reason: &str,
    actor: i64,
) -> Result<(), AppError> {
    let found = detail_access(db, company_id, allowed_groups, customer_id).await?;
    if found == to {
        return Err(AppError::invalid_fields(vec![(
            "status",
            format!("The customer is {} already", to.label()),
        )]));
    }
    let mut tx = db.begin().await?;
    if !set_status(
        &mut tx,
        company_id,
        customer_id,
        (found, to),
        reason,
        Some(actor),
    )
    .await?
    {
        return Err(AppError::new(
            409,
            "The customer's status changed meanwhile. Reload the page and try again.",
        ));
    }
    tx.commit().await?;
    Ok(())
}

/// Whether a customer of a partner in `group` is one a teammate limited to `allowed_groups`
/// (`None`: not limited) may see; one of no partner only the unlimited may.
fn within(allowed_groups: Option<&[i64]>, group: Option<i64>) -> bool {
    allowed_groups.is_none_or(|groups| group.is_some_and(|g| groups.contains(&g)))
}

/// The customer's status, when it is a customer of the company within `allowed_groups`.
async fn detail_access(
    db: &Db,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    customer_id: i64,
) -> Result<CustomerStatus, AppError> {
    let row: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT c.status, COALESCE(pa.group_id, rp.group_id) FROM customers c \
         JOIN programs pr ON pr.id = c.program_id \
         LEFT JOIN partnerships pa ON pa.id = c.partnership_id \
         LEFT JOIN partnerships rp ON rp.id = c.review_partnership_id \
         WHERE c.id = $1 AND pr.company_id = $2",
    )
    .bind(customer_id)
    .bind(company_id)
    .fetch_optional(&mut db.conn().await?)
    .await?;
    let Some((status, group)) = row else {
        return Err(AppError::not_found("Customer"));
    };
    if !within(allowed_groups, group) {
        return Err(AppError::not_found("Customer"));
    }
    CustomerStatus::parse(&status).map_err(AppError::internal)
}

/// A teammate credits the customer to the program's active partner `partner_key` from now on,
/// with a reason for the history: later payments earn for it, rewards already made stay where
/// they are. A restricted manager moves customers only between their groups' partners. The
/// partner's team name.
pub async fn reattribute(
    db: &Db,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    customer_id: i64,
    partner_key: &str,
    reason: &str,
    actor: i64,
) -> Result<String, AppError> {
    detail_access(db, company_id, allowed_groups, customer_id).await?;
    let mut tx = db.begin().await?;
    let (program_id, current, review): (i64, Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT program_id, partnership_id, review_status FROM customers WHERE id = $1",
    )
    .bind(customer_id)
    .fetch_one(&mut *tx)
    .await?;
    if review.as_deref() == Some(ReviewStatus::Pending.as_str()) {
        return Err(AppError::new(
            409,
            "A referral of this customer waits for review: approve or reject it first",
        ));
    }
    let target: Option<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT p.id, p.status, p.group_id, t.name FROM partnerships p \
         JOIN partner_teams t ON t.id = p.partner_team_id WHERE p.program_id = $1 AND p.partner_key = $2",
    )
    .bind(program_id)
    .bind(partner_key.trim())
    .fetch_optional(&mut *tx)
    .await?;
    let key_problem = |text: &str| AppError::invalid_fields(vec![("partner_key", text.into())]);
    let Some((partnership_id, status, group_id, team)) = target else {
        return Err(key_problem("No partner of the program has that key"));
    };
    if !within(allowed_groups, Some(group_id)) {
        return Err(key_problem("No partner of the program has that key"));
    }
    if !PartnershipStatus::parse(&status).is_ok_and(PartnershipStatus::is_active) {
        return Err(key_problem("That partner is not active in the program"));
    }
    if current == Some(partnership_id) {
        return Err(key_problem("The customer is that partner's already"));
    }
    sqlx::query(
        "UPDATE customers SET partnership_id = $1, attributed_at = $2, source = 'manual' WHERE id = $3",
    )
    .bind(partnership_id)
    .bind(super::db::now_ms())
    .bind(customer_id)
    .execute(&mut *tx)
    .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(actor),
            company_id: Some(company_id),
            kind: "customer.reattributed",
            subject_type: "customer",
            subject_id: customer_id,
            payload: serde_json::json!({
                "from_partnership_id": current,
                "to_partnership_id": partnership_id,
                "to_team": team,
                "reason": reason,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(team)
}

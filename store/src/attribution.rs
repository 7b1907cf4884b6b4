//! Signups: the customer a signup creates (or updates) and the partnership it is credited to.
//! The tracking snippet, the secret-key API and the referral widget's visitors all come here.

use domain::customer::CustomerSource;
use domain::link::{Attribution, AttributionModel, Click, ReviewStatus, Signup};
use domain::offer::OfferEvent;
use sqlx::Row;

use super::db::{Db, Tx};
use super::events::{self, NewEvent};
use super::rewards::{self, Sale};
use crate::error::AppError;

/// At most this many click ids come with one signup (the snippet sends the first and the last).
pub const MAX_CLICK_IDS: usize = 5;

/// Who a signup names as its referrer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Referrer {
    /// Clicks the visitor made (from the snippet's cookie or the vendor's backend).
    Clicks(Vec<String>),
    /// A partner key the vendor's backend vouches for (secret-key API only).
    PartnerKey(String),
}

pub struct SignupRequest {
    pub program_id: i64,
    pub signup: Signup,
    pub referrer: Referrer,
    pub source: CustomerSource,
    pub now: i64,
    /// Reported by a browser with the program's public key: anyone can send it, so a known
    /// customer key changes nothing and the answer tells nothing about that customer.
    pub public: bool,
}

/// What became of a signup, as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SignupOutcome {
    pub customer_id: i64,
    /// `attributed`, `held_for_review` (looks like the partner's own team) or `unattributed`;
    /// `already_recorded` for a known key reported with the public key.
    pub attribution: String,
    /// The partner key of the partnership it is credited to, once attributed.
    pub partner_key: Option<String>,
    /// `false` when the customer key was already known: nothing about its attribution changed.
    pub created: bool,
}

struct ClickRow {
    click: Click,
    link_id: i64,
    key: String,
    contact_id: Option<i64>,
}

/// The clicks of `keys` in the program, for active partnerships only.
async fn clicks(tx: &mut Tx, program_id: i64, keys: &[String]) -> Result<Vec<ClickRow>, AppError> {
    let mut found = Vec::new();
    for key in keys
        .iter()
        .filter(|k| domain::link::is_key(k))
        .take(MAX_CLICK_IDS)
    {
        let row = sqlx::query(
            "SELECT c.id, l.partnership_id, c.occurred_at, CAST(CASE WHEN c.user_agent_family = $3 THEN 1 ELSE 0 END AS BIGINT), \
             c.link_id, l.contact_id \
             FROM clicks c JOIN links l ON l.id = c.link_id JOIN partnerships p ON p.id = l.partnership_id \
             WHERE c.click_key = $1 AND l.program_id = $2 AND p.status = 'active'",
        )
        .bind(key)
        .bind(program_id)
        .bind(domain::link::BOT_FAMILY)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(r) = row {
            found.push(ClickRow {
                click: Click {
                    id: r.try_get(0)?,
                    partnership_id: r.try_get(1)?,
                    at: r.try_get(2)?,
                    bot: r.try_get::<i64, _>(3)? != 0,
                },
                link_id: r.try_get(4)?,
                key: key.clone(),
                contact_id: r.try_get(5)?,
            });
        }
    }
    Ok(found)
}

async fn team_emails(tx: &mut Tx, partnership_id: i64) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT u.email FROM partnerships p JOIN contacts c ON c.partner_team_id = p.partner_team_id \
         JOIN users u ON u.id = c.user_id WHERE p.id = $1",
    )
    .bind(partnership_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// Records a signup in one transaction: creates the customer (or, for a known key, updates
/// its name and email only, so repeated calls are idempotent), decides its attribution, and
/// runs the program's `customer_created` offers when it is credited to a partnership.
pub async fn record_signup(db: &Db, request: SignupRequest) -> Result<SignupOutcome, AppError> {
    // A concurrent first signup with the same key makes the insert find the row taken: the
    // second pass reads it as a known customer.
    for _ in 0..2 {
        if let Some(outcome) = try_record(db, &request).await? {
            return Ok(outcome);
        }
    }
    Err(AppError::new(
        409,
        "This customer is being recorded by another request",
    ))
}

async fn try_record(db: &Db, request: &SignupRequest) -> Result<Option<SignupOutcome>, AppError> {
    let SignupRequest {
        program_id,
        ref signup,
        ref referrer,
        source,
        now,
        public,
    } = *request;
    let mut tx = db.begin().await?;
    let program = sqlx::query(
        "SELECT company_id, attribution_window_days, attribution_model FROM programs WHERE id = $1",
    )
    .bind(program_id)
    .fetch_one(&mut *tx)
    .await?;
    let company_id: i64 = program.try_get(0)?;
    let window: i64 = program.try_get(1)?;
    let model = AttributionModel::parse(&program.try_get::<String, _>(2)?)
        .unwrap_or(AttributionModel::LastClick);
    let existing = sqlx::query(
        "SELECT c.id, c.partnership_id, c.review_status, p.partner_key FROM customers c \
         LEFT JOIN partnerships p ON p.id = c.partnership_id WHERE c.program_id = $1 AND c.external_key = $2",
    )
    .bind(program_id)
    .bind(&signup.customer_key)
    .fetch_optional(&mut *tx)
    .await?;
    let domain = domain::conflict::company_domain_of_email(&signup.email);
    if let Some(row) = existing {
        let id: i64 = row.try_get(0)?;
        if public {
            return Ok(Some(SignupOutcome {
                customer_id: id,
                attribution: "already_recorded".into(),
                partner_key: None,
                created: false,
            }));
        }
        sqlx::query("UPDATE customers SET name = $1, email = $2, domain = COALESCE(domain, $3) WHERE id = $4")
            .bind(&signup.name)
            .bind(&signup.email)
            .bind(&domain)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let partnership: Option<i64> = row.try_get(1)?;
        let review: Option<String> = row.try_get(2)?;
        return Ok(Some(SignupOutcome {
            customer_id: id,
            attribution: describe(partnership.is_some(), review.as_deref()),
            partner_key: row.try_get(3)?,
            created: false,
        }));
    }

    // Who the signup is credited to, and through which click.
    let (decision, click) = match referrer {
        Referrer::Clicks(keys) => {
            let found = clicks(&mut tx, program_id, keys).await?;
            let all: Vec<Click> = found.iter().map(|c| c.click).collect();
            let chosen = domain::link::attribute(&all, now, window, model);
            let emails = match chosen {
                Some(c) => team_emails(&mut tx, c.partnership_id).await?,
                None => Vec::new(),
            };
            let decision =
                domain::link::decide(&all, now, window, model, &signup.email, |_| emails);
            let click = match decision {
                Attribution::Attributed(c) | Attribution::HeldForReview(c) => {
                    found.into_iter().find(|f| f.click.id == c.id)
                }
                Attribution::Unattributed => None,
            };
            (decision, click)
        }
        Referrer::PartnerKey(key) => {
            let partnership: Option<i64> =
                sqlx::query_scalar("SELECT id FROM partnerships WHERE program_id = $1 AND partner_key = $2 AND status = 'active'")
                    .bind(program_id)
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(partnership_id) = partnership else {
                return Err(AppError::new(
                    404,
                    "No active partnership has this partner key",
                ));
            };
            let click = Click {
                id: 0,
                partnership_id,
                at: now,
                bot: false,
            };
            let emails = team_emails(&mut tx, partnership_id).await?;
            (
                domain::link::decide(&[click], now, window, model, &signup.email, |_| emails),
                None,
            )
        }
    };
    // A snippet signup without a click did not come through a link.
    let source = if click.is_none() && source == CustomerSource::Link {
        CustomerSource::Api
    } else {
        source
    };
    let (partnership_id, review_partnership, review) = match decision {
        Attribution::Attributed(c) => (Some(c.partnership_id), None, None),
        Attribution::HeldForReview(c) => {
            (None, Some(c.partnership_id), Some(ReviewStatus::Pending))
        }
        Attribution::Unattributed => (None, None, None),
    };
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO customers (program_id, partnership_id, external_key, name, source, created_at, email, domain, company_key, status, \
         attributed_at, link_id, contact_id, click_key, clicked_at, signed_up_at, attribution_model, review_status, review_partnership_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'signed_up', $10, $11, $12, $13, $14, $6, $15, $16, $17) \
         ON CONFLICT (program_id, external_key) DO NOTHING RETURNING id",
    )
    .bind(program_id)
    .bind(partnership_id)
    .bind(&signup.customer_key)
    .bind(&signup.name)
    .bind(source.as_str())
    .bind(now)
    .bind(&signup.email)
    .bind(&domain)
    .bind(domain::conflict::normalize_company_name(&signup.name))
    .bind(partnership_id.map(|_| now))
    .bind(click.as_ref().map(|c| c.link_id))
    .bind(click.as_ref().and_then(|c| c.contact_id))
    .bind(click.as_ref().map(|c| c.key.clone()))
    .bind(click.as_ref().map(|c| c.click.at))
    .bind(match referrer {
        Referrer::Clicks(_) => Some(model.as_str()),
        Referrer::PartnerKey(_) => None,
    })
    .bind(review.map(|r| r.as_str()))
    .bind(review_partnership)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(customer_id) = inserted else {
        return Ok(None);
    };
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: None,
            company_id: Some(company_id),
            kind: match decision {
                Attribution::Attributed(_) => "customer.attributed",
                Attribution::HeldForReview(_) => "customer.referral_held",
                Attribution::Unattributed => "customer.created",
            },
            subject_type: "customer",
            subject_id: customer_id,
            payload: serde_json::json!({
                "source": source.as_str(),
                "partnership_id": partnership_id.or(review_partnership),
                "click_key": click.as_ref().map(|c| c.key.clone()),
                "model": model.as_str(),
            }),
        },
    )
    .await?;
    if let Some(partnership_id) = partnership_id {
        credit(
            &mut tx,
            program_id,
            partnership_id,
            customer_id,
            &signup.name,
            click.as_ref().and_then(|c| c.contact_id),
            None,
            now,
        )
        .await?;
    }
    let partner_key: Option<String> = match partnership_id {
        Some(id) => {
            sqlx::query_scalar("SELECT partner_key FROM partnerships WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
        }
        None => None,
    };
    tx.commit().await?;
    Ok(Some(SignupOutcome {
        customer_id,
        attribution: describe(partnership_id.is_some(), review.map(|r| r.as_str())),
        partner_key,
        created: true,
    }))
}

fn describe(attributed: bool, review: Option<&str>) -> String {
    match (attributed, review) {
        (true, _) => "attributed",
        (false, Some("pending")) => "held_for_review",
        _ => "unattributed",
    }
    .into()
}

/// The offers a new customer earns its partnership.
#[expect(clippy::too_many_arguments, reason = "one value per column written")]
async fn credit(
    tx: &mut Tx,
    program_id: i64,
    partnership_id: i64,
    customer_id: i64,
    name: &str,
    contact_id: Option<i64>,
    actor_user_id: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    let sale = Sale {
        program_id,
        partnership_id,
        event: OfferEvent::CustomerCreated,
        amount_minor: None,
        customer: Some((customer_id, name)),
        contact_id,
        what: format!("customer {name} signed up"),
    };
    rewards::reward_sale(tx, sale, actor_user_id, now).await?;
    Ok(())
}

/// A teammate's decision on a held self-referral: approved, the customer is credited to the
/// partnership (and earns its offers); rejected, it stays unattributed. A partner manager
/// restricted to `allowed_groups` reviews only their groups' partners' signups; others are
/// "not found".
pub async fn review(
    db: &Db,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    customer_id: i64,
    approve: bool,
    actor_user_id: i64,
    now: i64,
) -> Result<(), AppError> {
    if let Some(groups) = allowed_groups {
        let group: Option<i64> = sqlx::query_scalar(
            "SELECT p.group_id FROM customers c JOIN partnerships p ON p.id = c.review_partnership_id WHERE c.id = $1",
        )
        .bind(customer_id)
        .fetch_optional(&mut db.conn().await?)
        .await?;
        if !group.is_some_and(|g| groups.contains(&g)) {
            return Err(AppError::not_found("Customer"));
        }
    }
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "SELECT c.review_status, c.review_partnership_id, c.program_id, c.name, c.contact_id FROM customers c \
         JOIN programs p ON p.id = c.program_id WHERE c.id = $1 AND p.company_id = $2",
    )
    .bind(customer_id)
    .bind(company_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found("Customer"))?;
    let current = row
        .try_get::<Option<String>, _>(0)?
        .and_then(|s| ReviewStatus::parse(&s).ok())
        .ok_or_else(|| AppError::new(409, "This customer has no signup waiting for review"))?;
    let next = domain::link::review(current, approve).map_err(|e| AppError::new(409, e.0))?;
    let partnership_id: Option<i64> = row.try_get(1)?;
    let program_id: i64 = row.try_get(2)?;
    let name: String = row.try_get(3)?;
    // Conditional on the stored state: of two concurrent reviews, one changes the row.
    let changed = sqlx::query(
        "UPDATE customers SET review_status = $1, partnership_id = $2, attributed_at = $3 WHERE id = $4 AND review_status = $5",
    )
    .bind(next.as_str())
    .bind(if approve { partnership_id } else { None })
    .bind(if approve { Some(now) } else { None })
    .bind(customer_id)
    .bind(current.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(AppError::new(409, "This signup has already been reviewed"));
    }
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(company_id),
            kind: if approve {
                "customer.referral_approved"
            } else {
                "customer.referral_rejected"
            },
            subject_type: "customer",
            subject_id: customer_id,
            payload: serde_json::json!({ "partnership_id": partnership_id }),
        },
    )
    .await?;
    if approve && let Some(partnership_id) = partnership_id {
        credit(
            &mut tx,
            program_id,
            partnership_id,
            customer_id,
            &name,
            row.try_get(4)?,
            Some(actor_user_id),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

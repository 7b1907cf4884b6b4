//! Rewards: made by offers from events, clawed back by refunds, approved when their hold ends
//! (or early by finance), declined with a reason, put on hold for review. Rows are appended;
//! only their status (and the payout they are in) ever moves.

use domain::money::{Currency, format_minor};
use domain::offer::{EventFacts, OfferEvent, Refund, clawback, evaluate};
use domain::reward::{RewardState, RewardStatus, available_at, available_when_approved};
use domain::tier::TierBenefits;
use sqlx::Row;

use super::db::{Db, Tx};
use super::events::{self, NewEvent};
use super::offers;
use crate::error::AppError;

const DAY_MS: i64 = 86_400_000;

/// The program facts every reward needs.
#[derive(Debug, Clone)]
pub struct ProgramMoney {
    pub program_id: i64,
    pub company_id: i64,
    pub currency: Currency,
    pub hold_days: i64,
    pub min_cashout_minor: i64,
}

/// The money settings of program `program_id` ("not found" if there is none), read on the pool
/// or in the caller's transaction: every reward and payout is made with them.
pub async fn program_money<'e, E>(executor: E, program_id: i64) -> Result<ProgramMoney, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT company_id, currency, hold_days, min_cashout_minor FROM programs WHERE id = $1",
    )
    .bind(program_id)
    .fetch_optional(executor)
    .await?
    .ok_or_else(|| AppError::not_found("Program"))?;
    money_row(program_id, &row, 0)
}

/// The program's money settings from `company_id, currency, hold_days, min_cashout_minor`
/// at columns `first..first + 4` of a row: queries that read them with something else (an API
/// key) decode them the same way.
pub(crate) fn money_row(
    program_id: i64,
    row: &sqlx::any::AnyRow,
    first: usize,
) -> Result<ProgramMoney, AppError> {
    Ok(ProgramMoney {
        program_id,
        company_id: row.try_get(first)?,
        currency: Currency::parse(&row.try_get::<String, _>(first + 1)?)
            .map_err(AppError::internal)?,
        hold_days: row.try_get(first + 2)?,
        min_cashout_minor: row.try_get(first + 3)?,
    })
}

/// An event that may earn rewards for one partnership.
#[derive(Debug, Clone)]
pub struct Earned {
    pub event: OfferEvent,
    pub partnership_id: i64,
    pub occurred_at: i64,
    pub amount_minor: Option<i64>,
    pub product_key: Option<String>,
    pub customer_id: Option<i64>,
    pub customer_attributed_at: Option<i64>,
    pub transaction_id: Option<i64>,
    pub contact_id: Option<i64>,
    /// How the event reads in the explanation, before the offer's own steps.
    pub story: Vec<String>,
}

/// Runs every offer of the program for `earned` and appends the pending rewards they make,
/// each with its explanation and event row. Returns the new rewards' ids.
pub async fn reward_event(
    tx: &mut Tx,
    program: &ProgramMoney,
    earned: &Earned,
    actor_user_id: Option<i64>,
    now: i64,
) -> Result<Vec<i64>, AppError> {
    let partnership = sqlx::query(
        "SELECT p.status, p.group_id, p.tier_id FROM partnerships p WHERE p.id = $1 AND p.program_id = $2",
    )
    .bind(earned.partnership_id)
    .bind(program.program_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found("Partnership"))?;
    let status: String = partnership.try_get(0)?;
    if !domain::partnership::PartnershipStatus::parse(&status).is_ok_and(|s| s.shows_earnings()) {
        return Ok(Vec::new());
    }
    let group_id: i64 = partnership.try_get(1)?;
    // The tier in force when the event happened, not the one held now.
    let history = super::tiers::history_of(tx, earned.partnership_id).await?;
    let tier_id = domain::tier::tier_at(&history, partnership.try_get(2)?, earned.occurred_at);
    let (tier_name, benefits): (Option<String>, Option<String>) = match tier_id {
        Some(id) => sqlx::query_as("SELECT name, benefits FROM tiers WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .map_or((None, None), |(n, b): (String, String)| (Some(n), Some(b))),
        None => (None, None),
    };
    let benefits: Option<TierBenefits> = benefits
        .filter(|b| !b.is_empty())
        .and_then(|b| serde_json::from_str(&b).ok());
    let mut made = Vec::new();
    for offer in offers::load(&mut **tx, program.program_id, Some(earned.event)).await? {
        let Some((version_id, version)) = offer.version_at(earned.occurred_at) else {
            continue;
        };
        let in_segment = match &version.target {
            domain::offer::Target::Segment(segment_id) => {
                super::segments::contains(tx, *segment_id, earned.partnership_id).await?
            }
            _ => false,
        };
        let paid_for_customer_minor: i64 = match earned.customer_id {
            Some(customer_id) => {
                sqlx::query_scalar(
                    "SELECT CAST(COALESCE(SUM(r.amount_minor), 0) AS BIGINT) FROM rewards r \
                     JOIN offer_versions v ON v.id = r.offer_version_id \
                     WHERE r.customer_id = $1 AND v.offer_id = $2 AND r.status <> $3",
                )
                .bind(customer_id)
                .bind(offer.id)
                .bind(RewardStatus::Declined.as_str())
                .fetch_one(&mut **tx)
                .await?
            }
            None => 0,
        };
        let facts = EventFacts {
            event: earned.event,
            occurred_at: earned.occurred_at,
            amount_minor: earned.amount_minor,
            product_key: earned.product_key.clone(),
            customer_attributed_at: earned.customer_attributed_at,
            group_id,
            tier_id,
            in_segment,
            paid_for_customer_minor,
        };
        let Ok(evaluation) = evaluate(version, &facts, benefits.as_ref(), program.currency) else {
            continue;
        };
        let mut steps = earned.story.clone();
        steps.push(format!(
            "Offer: {} — version {} in force since {}",
            offer.name,
            version.version,
            domain::time::format_date(version.effective_from)
        ));
        steps.push(
            match (
                &tier_name,
                benefits.as_ref().and_then(|b| b.multiplier_percent),
            ) {
                (Some(name), Some(_)) => format!("Tier at the event: {name}"),
                (Some(name), None) => format!("Tier at the event: {name} (no multiplier)"),
                (None, _) => "Tier at the event: none".to_owned(),
            },
        );
        steps.extend(evaluation.steps);
        let id = insert(
            tx,
            program,
            NewReward {
                partnership_id: earned.partnership_id,
                amount_minor: evaluation.amount_minor,
                rounding: evaluation.rounding.as_str(),
                status: RewardStatus::Pending,
                description: offer.name.clone(),
                source: "offer",
                contact_id: earned.contact_id,
                customer_id: earned.customer_id,
                transaction_id: earned.transaction_id,
                offer_version_id: Some(version_id),
                trigger_id: None,
                created_by_user_id: None,
                reason: None,
                clawback_of: None,
                available_at: available_at(now, program.hold_days),
                steps,
            },
            actor_user_id,
            now,
        )
        .await?;
        made.push(id);
    }
    Ok(made)
}

/// A sales event other than a transaction (a won deal, a converted lead, a new customer):
/// runs the program's offers for `event` at `now`, for the partnership that earned it.
pub struct Sale<'a> {
    pub program_id: i64,
    pub partnership_id: i64,
    pub event: OfferEvent,
    pub amount_minor: Option<i64>,
    pub customer: Option<(i64, &'a str)>,
    pub contact_id: Option<i64>,
    /// What happened, for the explanation ("deal Contoso won").
    pub what: String,
}

pub async fn reward_sale(
    tx: &mut Tx,
    sale: Sale<'_>,
    actor_user_id: Option<i64>,
    now: i64,
) -> Result<Vec<i64>, AppError> {
    let program = program_money(&mut **tx, sale.program_id).await?;
    let mut story = vec![format!(
        "Event: {}{} on {}",
        sale.what,
        sale.amount_minor
            .map(|a| format!(" at {}", format_minor(a, program.currency)))
            .unwrap_or_default(),
        domain::time::format_date(now)
    )];
    if let Some((_, name)) = sale.customer {
        story.push(format!("Customer: {name}"));
    }
    let earned = Earned {
        event: sale.event,
        partnership_id: sale.partnership_id,
        occurred_at: now,
        amount_minor: sale.amount_minor,
        product_key: None,
        customer_id: sale.customer.map(|(id, _)| id),
        customer_attributed_at: sale.customer.map(|_| now),
        transaction_id: None,
        contact_id: sale.contact_id,
        story,
    };
    reward_event(tx, &program, &earned, actor_user_id, now).await
}

/// A partnership joined its program (an approved application or an open signup): runs the
/// program's `partner_joined` offers once, at the join.
pub async fn reward_join(
    tx: &mut Tx,
    program_id: i64,
    partnership_id: i64,
    actor_user_id: Option<i64>,
    now: i64,
) -> Result<Vec<i64>, AppError> {
    let sale = Sale {
        program_id,
        partnership_id,
        event: OfferEvent::PartnerJoined,
        amount_minor: None,
        customer: None,
        contact_id: None,
        what: "joined the program".into(),
    };
    reward_sale(tx, sale, actor_user_id, now).await
}

pub struct NewReward<'a> {
    pub partnership_id: i64,
    pub amount_minor: i64,
    pub rounding: &'a str,
    pub status: RewardStatus,
    pub description: String,
    /// `offer`, `clawback` or `manual`.
    pub source: &'a str,
    pub contact_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub transaction_id: Option<i64>,
    pub offer_version_id: Option<i64>,
    /// The trigger that made it.
    pub trigger_id: Option<i64>,
    pub created_by_user_id: Option<i64>,
    pub reason: Option<String>,
    pub clawback_of: Option<i64>,
    pub available_at: i64,
    pub steps: Vec<String>,
}

/// Appends one reward and its `reward.created` event.
pub async fn insert(
    tx: &mut Tx,
    program: &ProgramMoney,
    reward: NewReward<'_>,
    actor_user_id: Option<i64>,
    now: i64,
) -> Result<i64, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO rewards (program_id, partnership_id, amount_minor, currency, rounding_mode, status, description, \
         available_at, created_at, updated_at, contact_id, customer_id, transaction_id, offer_version_id, source, \
         created_by_user_id, reason, clawback_of, explanation, trigger_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
    )
    .bind(program.program_id)
    .bind(reward.partnership_id)
    .bind(reward.amount_minor)
    .bind(program.currency.code())
    .bind(reward.rounding)
    .bind(reward.status.as_str())
    .bind(&reward.description)
    .bind(reward.available_at)
    .bind(now)
    .bind(reward.contact_id)
    .bind(reward.customer_id)
    .bind(reward.transaction_id)
    .bind(reward.offer_version_id)
    .bind(reward.source)
    .bind(reward.created_by_user_id)
    .bind(&reward.reason)
    .bind(reward.clawback_of)
    .bind(serde_json::to_string(&reward.steps).map_err(AppError::internal)?)
    .bind(reward.trigger_id)
    .fetch_one(&mut **tx)
    .await?;
    events::append(
        tx,
        NewEvent {
            actor_user_id,
            company_id: Some(program.company_id),
            kind: "reward.created",
            subject_type: "reward",
            subject_id: id,
            payload: serde_json::json!({
                "partnership_id": reward.partnership_id,
                "amount_minor": reward.amount_minor,
                "currency": program.currency.code(),
                "status": reward.status.as_str(),
                "source": reward.source,
                "offer_version_id": reward.offer_version_id,
                "transaction_id": reward.transaction_id,
                "clawback_of": reward.clawback_of,
                "trigger_id": reward.trigger_id,
            }),
        },
    )
    .await?;
    Ok(id)
}

/// A refund of `original_id` (a payment of `original_minor`, `refunded_before_minor` of it
/// refunded earlier): each reward the payment earned is clawed back in proportion, or
/// declined when the refund completes while it is still pending.
pub async fn claw_back(
    tx: &mut Tx,
    program: &ProgramMoney,
    refund: (i64, &str, i64),
    original: (i64, &str, i64),
    refunded_before_minor: i64,
    actor_user_id: Option<i64>,
    now: i64,
) -> Result<Vec<i64>, AppError> {
    let (refund_id, refund_key, refund_minor) = refund;
    let (original_id, original_key, original_minor) = original;
    let rewards = sqlx::query(
        "SELECT id, partnership_id, amount_minor, status, contact_id, customer_id, description, available_at \
         FROM rewards WHERE transaction_id = $1 AND clawback_of IS NULL AND amount_minor > 0 ORDER BY id",
    )
    .bind(original_id)
    .fetch_all(&mut **tx)
    .await?;
    let completes = refunded_before_minor + refund_minor == original_minor;
    let money = |minor: i64| format_minor(minor, program.currency);
    let mut made = Vec::new();
    for r in rewards {
        let reward_id: i64 = r.try_get(0)?;
        let reward_minor: i64 = r.try_get(2)?;
        let status = RewardStatus::parse(&r.try_get::<String, _>(3)?)?;
        if status == RewardStatus::Declined {
            continue;
        }
        if status == RewardStatus::Pending && completes {
            let reason = format!("Transaction {original_key} was refunded before the hold ended");
            decline_with_clawbacks(
                tx,
                program.company_id,
                (reward_id, RewardStatus::Pending),
                (&reason, &reason),
                actor_user_id,
                now,
            )
            .await?;
            continue;
        }
        let clawed_minor: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(-amount_minor), 0) AS BIGINT) FROM rewards WHERE clawback_of = $1 AND status <> $2",
        )
        .bind(reward_id)
        .bind(RewardStatus::Declined.as_str())
        .fetch_one(&mut **tx)
        .await?;
        let amount = clawback(
            Refund {
                reward_minor,
                transaction_minor: original_minor,
                refunded_before_minor,
                clawed_minor,
                refund_minor,
            },
            program.currency,
        )?;
        if amount == 0 {
            continue;
        }
        // A pending reward's clawback waits with it; otherwise it nets against the balance now.
        let (status, available) = if status == RewardStatus::Pending {
            (RewardStatus::Pending, r.try_get::<i64, _>(7)?)
        } else {
            (RewardStatus::Approved, now)
        };
        let steps = vec![
            format!(
                "Event: refund {refund_key} of {} on {}",
                money(-refund_minor),
                domain::time::format_date(now)
            ),
            format!(
                "It refunds {} of transaction {original_key} ({})",
                money(refund_minor),
                money(original_minor)
            ),
            format!(
                "Reward #{reward_id} of {} was earned on that transaction",
                money(reward_minor)
            ),
            format!(
                "Clawback: the same share of the reward, {}, rounded half away from zero",
                money(amount)
            ),
        ];
        let id = insert(
            tx,
            program,
            NewReward {
                partnership_id: r.try_get(1)?,
                amount_minor: amount,
                rounding: domain::money::RoundingMode::HalfAwayFromZero.as_str(),
                status,
                description: format!("Clawback: {}", r.try_get::<String, _>(6)?),
                source: "clawback",
                contact_id: r.try_get(4)?,
                customer_id: r.try_get(5)?,
                transaction_id: Some(refund_id),
                offer_version_id: None,
                trigger_id: None,
                created_by_user_id: actor_user_id,
                reason: Some(format!("Refund {refund_key}")),
                clawback_of: Some(reward_id),
                available_at: available,
                steps,
            },
            actor_user_id,
            now,
        )
        .await?;
        made.push(id);
    }
    Ok(made)
}

/// What finance does to a reward under review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    Approve,
    Decline(String),
    Hold,
    Release,
}

impl Review {
    pub fn parse(action: &str, reason: Option<&str>) -> Result<Review, AppError> {
        Ok(match action {
            "approve" => Review::Approve,
            "decline" => {
                let reason = reason.map(str::trim).unwrap_or_default();
                if reason.is_empty() {
                    return Err(AppError::invalid_fields(vec![(
                        "reason",
                        "Say why the reward is declined; the partner sees it".into(),
                    )]));
                }
                Review::Decline(reason.to_owned())
            }
            "hold" => Review::Hold,
            "release" => Review::Release,
            _ => {
                return Err(AppError::bad_request(
                    "Choose approve, decline, hold or release",
                ));
            }
        })
    }

    /// Whether a reward as `seen` can take this review (bulk actions skip the others). A
    /// clawback follows its refund: declining it alone would pay back what the refund took (it
    /// is declined with the reward it claws back).
    pub fn applies_to(&self, seen: Seen) -> bool {
        let Seen {
            status,
            on_hold,
            in_payout,
            clawback,
            ..
        } = seen;
        match self {
            Review::Approve => status == RewardStatus::Pending,
            Review::Decline(_) => {
                status.transition(RewardStatus::Declined).is_ok() && !in_payout && !clawback
            }
            Review::Hold => status == RewardStatus::Pending && !on_hold,
            Review::Release => status == RewardStatus::Pending && on_hold,
        }
    }
}

/// A reward as a review reads it.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub status: RewardStatus,
    pub on_hold: bool,
    pub in_payout: bool,
    pub clawback: bool,
    pub available_at: i64,
}

/// A reward's status, whether it is held, in a payout and a clawback, if it belongs to the
/// company (and to `program`, when given); "not found" otherwise.
pub async fn status_for_review(
    tx: &mut Tx,
    company_id: i64,
    program_id: Option<i64>,
    reward_id: i64,
) -> Result<Seen, AppError> {
    let row = sqlx::query(
        "SELECT r.status, r.on_hold, r.payout_id, r.clawback_of, r.available_at FROM rewards r JOIN programs pr ON pr.id = r.program_id \
         WHERE r.id = $1 AND pr.company_id = $2 AND ($3 = 0 OR r.program_id = $3)",
    )
    .bind(reward_id)
    .bind(company_id)
    .bind(program_id.unwrap_or(0))
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found("Reward"))?;
    Ok(Seen {
        status: RewardStatus::parse(&row.try_get::<String, _>(0)?)?,
        on_hold: row.try_get::<i64, _>(1)? != 0,
        in_payout: row.try_get::<Option<i64>, _>(2)?.is_some(),
        clawback: row.try_get::<Option<i64>, _>(3)?.is_some(),
        available_at: row.try_get(4)?,
    })
}

/// Applies one review to one reward, conditionally on the status it was read in.
pub async fn review(
    tx: &mut Tx,
    company_id: i64,
    (reward_id, seen): (i64, Seen),
    review: &Review,
    actor_user_id: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    let status = seen.status;
    if seen.clawback && matches!(review, Review::Decline(_)) {
        return Err(AppError::new(
            409,
            "A clawback follows its refund and cannot be declined",
        ));
    }
    let hold = match review {
        Review::Approve => {
            let available = available_when_approved(seen.available_at, now);
            return set_status(
                tx,
                company_id,
                (reward_id, Some(available)),
                status,
                RewardStatus::Approved,
                None,
                actor_user_id,
                now,
            )
            .await;
        }
        Review::Decline(reason) => {
            let why = format!("Reward #{reward_id} was declined");
            return decline_with_clawbacks(
                tx,
                company_id,
                (reward_id, status),
                (reason, &why),
                actor_user_id,
                now,
            )
            .await;
        }
        Review::Hold => true,
        Review::Release => false,
    };
    if status != RewardStatus::Pending {
        return Err(AppError::new(
            409,
            "Only a pending reward can be held or released",
        ));
    }
    let moved = sqlx::query(
        "UPDATE rewards SET on_hold = $1, updated_at = $2 WHERE id = $3 AND status = $4 AND on_hold = $5",
    )
    .bind(i64::from(hold))
    .bind(now)
    .bind(reward_id)
    .bind(RewardStatus::Pending.as_str())
    .bind(i64::from(!hold))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if moved != 1 {
        return Err(AppError::new(
            409,
            "This reward changed meanwhile; reload and try again",
        ));
    }
    events::append(
        tx,
        NewEvent {
            actor_user_id,
            company_id: Some(company_id),
            kind: if hold {
                "reward.held"
            } else {
                "reward.released"
            },
            subject_type: "reward",
            subject_id: reward_id,
            payload: serde_json::json!({}),
        },
    )
    .await?;
    Ok(())
}

/// Finance reviews one reward of their company.
pub async fn review_one(
    db: &Db,
    company_id: i64,
    actor_user_id: i64,
    reward_id: i64,
    action: &Review,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let status = status_for_review(&mut tx, company_id, None, reward_id).await?;
    review(
        &mut tx,
        company_id,
        (reward_id, status),
        action,
        Some(actor_user_id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The same review for rewards of one program of the company, in one transaction: all or
/// none. Rewards the review does not apply to are left as they are and not counted; an id
/// outside the program is "not found" and changes nothing.
pub async fn review_many(
    db: &Db,
    company_id: i64,
    program_id: i64,
    actor_user_id: i64,
    ids: &[i64],
    action: &Review,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = db.begin().await?;
    let mut changed = 0;
    for &id in ids {
        let status = status_for_review(&mut tx, company_id, Some(program_id), id).await?;
        if action.applies_to(status) {
            review(
                &mut tx,
                company_id,
                (id, status),
                action,
                Some(actor_user_id),
                now,
            )
            .await?;
            changed += 1;
        }
    }
    tx.commit().await?;
    Ok(changed)
}

/// What finance typed for a manual reward (a deduction when negative).
pub struct ManualReward<'a> {
    pub partner_key: &'a str,
    /// In the program's currency.
    pub amount: &'a str,
    /// Shown to the partner.
    pub reason: &'a str,
}

/// Finance adds a reward (or a deduction) by hand for a partner of the program, named by its
/// partner key. The amount is read in the program's currency; every problem with the form is
/// reported at once. The explanation names who added it and why.
pub async fn add_manual(
    db: &Db,
    program_id: i64,
    actor_user_id: i64,
    actor_name: &str,
    form: ManualReward<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let money = program_money(&mut db.conn().await?, program_id).await?;
    let mut problems = Vec::new();
    let amount = match domain::money::parse_amount(form.amount, money.currency)
        .and_then(|a| domain::money::to_minor(a, money.currency))
    {
        Ok(0) => {
            problems.push(("amount", "The amount is not zero".to_owned()));
            0
        }
        Ok(a) => a,
        Err(e) => {
            problems.push(("amount", e.0));
            0
        }
    };
    let reason = form.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 500 {
        problems.push((
            "reason",
            "Say why (up to 500 characters); the partner sees it".to_owned(),
        ));
    }
    let partnership: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM partnerships WHERE program_id = $1 AND partner_key = $2",
    )
    .bind(program_id)
    .bind(form.partner_key.trim())
    .fetch_optional(&mut db.conn().await?)
    .await?;
    if partnership.is_none() {
        problems.push((
            "partner_key",
            "No partner of this program has that key".to_owned(),
        ));
    }
    let Some(partnership_id) = partnership.filter(|_| problems.is_empty()) else {
        return Err(AppError::invalid_fields(problems));
    };
    let mut tx = db.begin().await?;
    let steps = vec![
        format!(
            "Manual reward by {actor_name} on {}",
            domain::time::format_date(now)
        ),
        format!("Reason: {reason}"),
        format!("Amount: {}", format_minor(amount, money.currency)),
    ];
    let id = insert(
        &mut tx,
        &money,
        NewReward {
            partnership_id,
            amount_minor: amount,
            rounding: domain::money::RoundingMode::HalfAwayFromZero.as_str(),
            status: RewardStatus::Pending,
            description: format!("Manual: {reason}"),
            source: "manual",
            contact_id: None,
            customer_id: None,
            transaction_id: None,
            offer_version_id: None,
            trigger_id: None,
            created_by_user_id: Some(actor_user_id),
            reason: Some(reason),
            clawback_of: None,
            available_at: available_at(now, money.hold_days),
            steps,
        },
        Some(actor_user_id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Declines a reward (as it was read, `from`) and its clawbacks not yet in a payout: they took
/// back part of a reward that no longer counts. `reasons`: the reward's, then its clawbacks'.
async fn decline_with_clawbacks(
    tx: &mut Tx,
    company_id: i64,
    (reward_id, from): (i64, RewardStatus),
    (reason, clawback_reason): (&str, &str),
    actor_user_id: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    let declined = RewardStatus::Declined;
    set_status(
        tx,
        company_id,
        (reward_id, None),
        from,
        declined,
        Some(reason),
        actor_user_id,
        now,
    )
    .await?;
    let clawbacks: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, status FROM rewards WHERE clawback_of = $1 AND status IN ($2, $3) AND payout_id IS NULL",
    )
    .bind(reward_id)
    .bind(RewardStatus::Pending.as_str())
    .bind(RewardStatus::Approved.as_str())
    .fetch_all(&mut **tx)
    .await?;
    for (id, status) in clawbacks {
        let from = RewardStatus::parse(&status)?;
        set_status(
            tx,
            company_id,
            (id, None),
            from,
            declined,
            Some(clawback_reason),
            actor_user_id,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Moves one reward from `from` to `to` if it is still there (and, for approvals and declines,
/// not inside a payout), with its new `available_at` when that changes; a concurrent change
/// makes this a 409.
#[expect(clippy::too_many_arguments, reason = "one value per column written")]
pub async fn set_status(
    tx: &mut Tx,
    company_id: i64,
    (reward_id, available_at): (i64, Option<i64>),
    from: RewardStatus,
    to: RewardStatus,
    reason: Option<&str>,
    actor_user_id: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    from.transition(to)?;
    let moved = sqlx::query(
        "UPDATE rewards SET status = $1, decline_reason = COALESCE($2, decline_reason), updated_at = $3, \
         available_at = COALESCE($6, available_at) \
         WHERE id = $4 AND status = $5 AND payout_id IS NULL",
    )
    .bind(to.as_str())
    .bind(reason)
    .bind(now)
    .bind(reward_id)
    .bind(from.as_str())
    .bind(available_at)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if moved != 1 {
        return Err(AppError::new(
            409,
            "This reward changed meanwhile (or is in a payout); reload and try again",
        ));
    }
    events::append(
        tx,
        NewEvent {
            actor_user_id,
            company_id: Some(company_id),
            kind: match to {
                RewardStatus::Approved => "reward.approved",
                RewardStatus::Declined => "reward.declined",
                RewardStatus::Paid => "reward.paid",
                RewardStatus::Pending => "reward.pending",
            },
            subject_type: "reward",
            subject_id: reward_id,
            payload: serde_json::json!({ "from": from.as_str(), "reason": reason }),
        },
    )
    .await?;
    if to == RewardStatus::Declined {
        let row = sqlx::query(
            "SELECT partnership_id, description, amount_minor, currency FROM rewards WHERE id = $1",
        )
        .bind(reward_id)
        .fetch_one(&mut **tx)
        .await?;
        let (partnership_id, description, amount, currency): (i64, String, i64, String) = (
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
        );
        let amount = domain::money::format_stored(amount, &currency);
        let to = super::partnerships::PartnerMail::of(tx, partnership_id).await?;
        let program = to.program.as_str();
        to.send(
            tx,
            &super::messages::Message::RewardDeclined {
                program,
                description: &description,
                amount: &amount,
                reason: reason.unwrap_or(""),
            },
        )
        .await?;
    }
    Ok(())
}

/// Approves pending rewards whose hold has passed (and that no one put on hold), at most
/// `batch` at a time. Safe with several server processes: the update is conditional on the
/// status, so a reward is approved (and its event written) by exactly one of them.
pub async fn approve_due(db: &Db, now: i64, batch: i64) -> Result<usize, AppError> {
    let mut tx = db.begin().await?;
    let rows = sqlx::query(
        "UPDATE rewards SET status = $1, updated_at = $2 WHERE id IN ( \
             SELECT id FROM rewards WHERE status = $3 AND available_at <= $2 AND on_hold = 0 \
             ORDER BY available_at, id LIMIT $4) \
         AND status = $3 AND on_hold = 0 \
         RETURNING id, program_id, partnership_id, amount_minor",
    )
    .bind(RewardStatus::Approved.as_str())
    .bind(now)
    .bind(RewardStatus::Pending.as_str())
    .bind(batch)
    .fetch_all(&mut *tx)
    .await?;
    let mut companies = std::collections::HashMap::new();
    for r in &rows {
        let program_id: i64 = r.try_get(1)?;
        if let std::collections::hash_map::Entry::Vacant(e) = companies.entry(program_id) {
            let company: i64 = sqlx::query_scalar("SELECT company_id FROM programs WHERE id = $1")
                .bind(program_id)
                .fetch_one(&mut *tx)
                .await?;
            e.insert(company);
        }
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: None,
                company_id: companies.get(&program_id).copied(),
                kind: "reward.approved",
                subject_type: "reward",
                subject_id: r.try_get(0)?,
                payload: serde_json::json!({
                    "from": "pending",
                    "partnership_id": r.try_get::<i64, _>(2)?,
                    "amount_minor": r.try_get::<i64, _>(3)?,
                    "reason": "hold ended",
                }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

/// Approves every due reward, batch after batch.
pub async fn approve_all_due(db: &Db, now: i64) -> Result<usize, AppError> {
    const BATCH: i64 = 500;
    let mut total = 0;
    loop {
        let n = approve_due(db, now, BATCH).await?;
        total += n;
        if (n as i64) < BATCH {
            return Ok(total);
        }
    }
}

/// The days left of a reward's hold, for lists.
pub fn hold_days_left(available_at: i64, now: i64) -> i64 {
    ((available_at - now).max(0) + DAY_MS - 1) / DAY_MS
}

/// Whose rewards a list shows.
#[derive(Debug, Clone)]
pub enum Scope {
    /// A program's, for teammates; `restricted_to` is a partner manager limited to their
    /// groups (their teammate id).
    Program {
        program_id: i64,
        status: Option<RewardState>,
        restricted_to: Option<i64>,
    },
    /// A partnership's, or one contact's within it.
    Partnership {
        partnership_id: i64,
        contact_id: Option<i64>,
    },
    /// One reward, for its explanation.
    One { reward_id: i64 },
}

pub const PAGE: i64 = 50;

const ROW_SQL: &str = "SELECT r.id, t.name, r.amount_minor, r.currency, r.status, r.on_hold, r.payout_id, r.description, \
     r.created_at, r.available_at, r.decline_reason, r.program_id, r.partnership_id, r.contact_id, r.source, \
     r.explanation, r.rounding_mode, r.clawback_of, o.status \
     FROM rewards r JOIN partnerships p ON p.id = r.partnership_id JOIN partner_teams t ON t.id = p.partner_team_id \
     LEFT JOIN payouts o ON o.id = r.payout_id";

/// A reward as loaded, with what authorisation and its explanation need.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub row: crate::dto::RewardRow,
    pub program_id: i64,
    pub partnership_id: i64,
    pub contact_id: Option<i64>,
    pub source: String,
    pub steps: Vec<String>,
    pub rounding: String,
    pub clawback_of: Option<i64>,
    pub payout: Option<(i64, String)>,
}

fn loaded(r: &sqlx::any::AnyRow) -> Result<Loaded, AppError> {
    let currency: String = r.try_get(3)?;
    let payout_id: Option<i64> = r.try_get(6)?;
    let payout_status: Option<String> = r.try_get(18)?;
    let explanation: String = r.try_get(15)?;
    Ok(Loaded {
        row: crate::dto::RewardRow {
            id: r.try_get(0)?,
            partner: r.try_get(1)?,
            amount: crate::dto::Money::new(r.try_get(2)?, &currency),
            status: crate::db::stored(r, 4)?,
            on_hold: r.try_get::<i64, _>(5)? != 0,
            in_payout: payout_id.is_some(),
            description: r.try_get(7)?,
            created_at: domain::time::format_date(r.try_get(8)?),
            available_at: domain::time::format_date(r.try_get(9)?),
            decline_reason: r.try_get(10)?,
            clawback: r.try_get::<Option<i64>, _>(17)?.is_some(),
        },
        program_id: r.try_get(11)?,
        partnership_id: r.try_get(12)?,
        contact_id: r.try_get(13)?,
        source: r.try_get(14)?,
        steps: serde_json::from_str(&explanation).unwrap_or_default(),
        rounding: r.try_get(16)?,
        clawback_of: r.try_get(17)?,
        payout: payout_id.zip(payout_status),
    })
}

/// A page of rewards, newest first, after the id `after`; returns the rows and the cursor of
/// the next page.
pub async fn page(
    db: &Db,
    scope: &Scope,
    after: Option<i64>,
) -> Result<(Vec<Loaded>, Option<i64>), AppError> {
    use super::segments::{Bind, bind_all};
    let mut binds = vec![Bind::Int(after.unwrap_or(i64::MAX))];
    let mut conditions = vec!["r.id < $1".to_owned()];
    // What tells a state apart beyond its status (held, in a payout): fixed text, no bind.
    let mut state_sql = None;
    let mut add = |sql: &str, bind: Bind, binds: &mut Vec<Bind>| {
        binds.push(bind);
        conditions.push(sql.replace('?', &format!("${}", binds.len())));
    };
    match scope {
        Scope::Program {
            program_id,
            status,
            restricted_to,
        } => {
            add("r.program_id = ?", Bind::Int(*program_id), &mut binds);
            if let Some(state) = status {
                add(
                    "r.status = ?",
                    Bind::Text(state.status().as_str().to_owned()),
                    &mut binds,
                );
                state_sql = match state {
                    RewardState::Pending => Some("r.on_hold = 0"),
                    RewardState::OnHold => Some("r.on_hold <> 0"),
                    RewardState::Available => Some("r.payout_id IS NULL"),
                    RewardState::InPayout => Some("r.payout_id IS NOT NULL"),
                    RewardState::Paid | RewardState::Declined => None,
                };
            }
            if let Some(teammate) = restricted_to {
                add(
                    "p.group_id IN (SELECT group_id FROM teammate_groups WHERE teammate_id = ?)",
                    Bind::Int(*teammate),
                    &mut binds,
                );
            }
        }
        Scope::Partnership {
            partnership_id,
            contact_id,
        } => {
            add(
                "r.partnership_id = ?",
                Bind::Int(*partnership_id),
                &mut binds,
            );
            if let Some(contact) = contact_id {
                add("r.contact_id = ?", Bind::Int(*contact), &mut binds);
            }
        }
        Scope::One { reward_id } => add("r.id = ?", Bind::Int(*reward_id), &mut binds),
    }
    conditions.extend(state_sql.map(str::to_owned));
    // Safe: only fixed fragments, numbered placeholders and the page size are written into
    // the text (the limit as a literal: see the `db` module).
    let sql = format!(
        "{ROW_SQL} WHERE {} ORDER BY r.id DESC LIMIT {}",
        conditions.join(" AND "),
        PAGE + 1
    );
    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut db.conn().await?)
        .await?;
    let mut out = rows.iter().map(loaded).collect::<Result<Vec<_>, _>>()?;
    let next = if out.len() as i64 > PAGE {
        out.truncate(PAGE as usize);
        out.last().map(|r| r.row.id)
    } else {
        None
    };
    Ok((out, next))
}

/// One reward, for its explanation: one of the company's programs' rewards, and for a teammate
/// restricted to some groups (`restricted_to`: their teammate id) one of their groups'
/// partnerships'. Anything else is "not found".
pub async fn one_for_teammate(
    db: &Db,
    company_id: i64,
    restricted_to: Option<i64>,
    reward_id: i64,
) -> Result<Loaded, AppError> {
    let (rows, _) = page(db, &Scope::One { reward_id }, None).await?;
    let reward = rows
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found("Reward"))?;
    let visible: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM programs pr JOIN partnerships p ON p.program_id = pr.id \
         WHERE pr.id = $1 AND pr.company_id = $2 AND p.id = $3 \
         AND ($4 = 0 OR p.group_id IN (SELECT group_id FROM teammate_groups WHERE teammate_id = $4))",
    )
    .bind(reward.program_id)
    .bind(company_id)
    .bind(reward.partnership_id)
    .bind(restricted_to.unwrap_or(0))
    .fetch_one(&mut db.conn().await?)
    .await?;
    if visible == 0 {
        return Err(AppError::not_found("Reward"));
    }
    Ok(reward)
}

/// One reward, for its explanation to a partner contact: one of the team's rewards, and for a
/// contact who does not see the team's earnings (`own_only`: their contact id) one of their
/// own. Anything else is "not found".
pub async fn one_for_contact(
    db: &Db,
    partner_team_id: i64,
    own_only: Option<i64>,
    reward_id: i64,
) -> Result<Loaded, AppError> {
    let (rows, _) = page(db, &Scope::One { reward_id }, None).await?;
    let reward = rows
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found("Reward"))?;
    let team: i64 = sqlx::query_scalar("SELECT partner_team_id FROM partnerships WHERE id = $1")
        .bind(reward.partnership_id)
        .fetch_one(&mut db.conn().await?)
        .await?;
    let visible = own_only.is_none_or(|contact| reward.contact_id == Some(contact));
    if team != partner_team_id || !visible {
        return Err(AppError::not_found("Reward"));
    }
    Ok(reward)
}

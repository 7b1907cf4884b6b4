//! The offer simulator: replays a program's events of the last N days through a draft offer
//! version (`domain::offer::simulate`) and sets what it would have paid each partner beside
//! what the offer being edited did pay. Nothing is written.

use std::collections::HashMap;

use domain::money::Currency;
use domain::offer::{EventFacts, OfferEvent, OfferVersion, ReplayedEvent, Target, simulate};
use domain::tier::TierBenefits;
use sqlx::Row;

use super::db::Db;
use crate::dto::{Money, OfferSimulation, SimulationRow};
use crate::error::AppError;

const DAY_MS: i64 = 86_400_000;
/// At most this many events are replayed in one run; the result says when it stopped short.
pub const MAX_EVENTS: i64 = 20_000;
/// The table lists the partners with the largest amounts; the totals count everyone.
const MAX_ROWS: usize = 100;

/// Days of history a simulation replays (`domain::time::lookback_days`).
pub fn parse_days(text: Option<&str>) -> Result<i64, AppError> {
    domain::time::lookback_days(text).ok_or_else(|| {
        AppError::invalid_fields(vec![("simulate_days", "Replay 1 to 365 days".into())])
    })
}

/// The events of `event`'s kind in `[since, until]`, oldest first:
/// (partnership, time, amount, product, customer, customer attributed at).
fn events_sql(event: OfferEvent) -> &'static str {
    match event {
        OfferEvent::TransactionCreated => {
            "SELECT t.partnership_id, t.occurred_at, t.amount_minor, t.product_key, t.customer_id, c.attributed_at \
             FROM transactions t JOIN customers c ON c.id = t.customer_id \
             WHERE t.program_id = $1 AND t.occurred_at >= $2 AND t.occurred_at <= $3 \
             AND t.partnership_id IS NOT NULL AND t.refund_of IS NULL ORDER BY t.occurred_at, t.id LIMIT $4"
        }
        OfferEvent::DealClosedWon => {
            "SELECT d.partnership_id, d.closed_at, d.amount_minor, CAST(NULL AS TEXT), d.customer_id, d.closed_at \
             FROM deals d WHERE d.program_id = $1 AND d.stage = 'closed_won' AND d.closed_at >= $2 AND d.closed_at <= $3 \
             ORDER BY d.closed_at, d.id LIMIT $4"
        }
        OfferEvent::LeadConverted => {
            "SELECT l.partnership_id, l.updated_at, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), l.customer_id, l.updated_at \
             FROM leads l WHERE l.program_id = $1 AND l.status = 'converted' AND l.updated_at >= $2 AND l.updated_at <= $3 \
             ORDER BY l.updated_at, l.id LIMIT $4"
        }
        OfferEvent::CustomerCreated => {
            "SELECT c.partnership_id, c.created_at, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), c.id, c.attributed_at \
             FROM customers c WHERE c.program_id = $1 AND c.created_at >= $2 AND c.created_at <= $3 \
             AND c.partnership_id IS NOT NULL ORDER BY c.created_at, c.id LIMIT $4"
        }
        OfferEvent::PartnerJoined => {
            "SELECT p.id, p.joined_at, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) \
             FROM partnerships p WHERE p.program_id = $1 AND p.joined_at >= $2 AND p.joined_at <= $3 \
             AND p.status <> 'applied' AND p.status <> 'rejected' ORDER BY p.joined_at, p.id LIMIT $4"
        }
    }
}

/// What a partnership brings to each of its events: group, name, segment membership (as it is
/// now: segments are computed, not kept in history) and its tier changes.
struct Partner {
    name: String,
    group_id: i64,
    tier_id: Option<i64>,
    history: Vec<domain::tier::TierChange>,
    in_segment: bool,
}

/// Replays the last `days` before `now` through `draft` for `program_id`, beside what offer
/// `offer_id` (when editing one) paid over the same days.
pub async fn run(
    db: &Db,
    program_id: i64,
    currency: Currency,
    offer_id: Option<i64>,
    draft: &OfferVersion,
    days: i64,
    now: i64,
) -> Result<OfferSimulation, AppError> {
    let since = now - days * DAY_MS;
    let mut conn = db.pool.acquire().await?;
    let rows = sqlx::query(events_sql(draft.event))
        .bind(program_id)
        .bind(since)
        .bind(now)
        .bind(MAX_EVENTS + 1)
        .fetch_all(&mut *conn)
        .await?;
    let truncated = rows.len() as i64 > MAX_EVENTS;
    let benefits: HashMap<i64, Option<TierBenefits>> =
        sqlx::query("SELECT id, benefits FROM tiers WHERE program_id = $1")
            .bind(program_id)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| {
                let benefits: String = r.try_get(1)?;
                Ok((r.try_get(0)?, serde_json::from_str(&benefits).ok()))
            })
            .collect::<Result<_, sqlx::Error>>()?;
    let mut partners: HashMap<i64, Partner> = HashMap::new();
    let mut replay = Vec::with_capacity(rows.len().min(MAX_EVENTS as usize));
    for r in rows.iter().take(MAX_EVENTS as usize) {
        let partnership_id: i64 = r.try_get(0)?;
        let occurred_at: i64 = r.try_get(1)?;
        if let std::collections::hash_map::Entry::Vacant(e) = partners.entry(partnership_id) {
            e.insert(partner(&mut conn, program_id, partnership_id, &draft.target).await?);
        }
        let p = &partners[&partnership_id];
        let tier_id = domain::tier::tier_at(&p.history, p.tier_id, occurred_at);
        replay.push(ReplayedEvent {
            partnership_id,
            customer_id: r.try_get(4)?,
            facts: EventFacts {
                event: draft.event,
                occurred_at,
                amount_minor: r.try_get(2)?,
                product_key: r.try_get(3)?,
                customer_attributed_at: r.try_get(5)?,
                group_id: p.group_id,
                tier_id,
                in_segment: p.in_segment,
                paid_for_customer_minor: 0,
            },
            benefits: tier_id.and_then(|t| benefits.get(&t).cloned().flatten()),
        });
    }
    let totals: HashMap<i64, domain::offer::SimulatedTotal> = simulate(draft, &replay, currency)
        .into_iter()
        .map(|t| (t.partnership_id, t))
        .collect();
    let earned: HashMap<i64, i64> = match offer_id {
        Some(offer_id) => sqlx::query(
            "SELECT r.partnership_id, CAST(SUM(r.amount_minor) AS BIGINT) FROM rewards r \
             JOIN offer_versions v ON v.id = r.offer_version_id \
             WHERE v.offer_id = $1 AND r.source = 'offer' AND r.status <> 'declined' AND r.created_at >= $2 \
             GROUP BY r.partnership_id",
        )
        .bind(offer_id)
        .bind(since)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?,
        None => HashMap::new(),
    };
    for id in earned.keys() {
        if !partners.contains_key(id) {
            let p = partner(&mut conn, program_id, *id, &draft.target).await?;
            partners.insert(*id, p);
        }
    }
    let code = currency.code();
    let mut rows: Vec<(i64, i64, SimulationRow)> = partners
        .iter()
        .map(|(id, p)| {
            let total = totals.get(id);
            let would = total.map_or(0, |t| t.amount_minor);
            let was = earned.get(id).copied().unwrap_or(0);
            (
                would,
                was,
                SimulationRow {
                    partner: p.name.clone(),
                    events: total.map_or(0, |t| t.events),
                    rewards: total.map_or(0, |t| t.rewards),
                    would_earn: Money::new(would, code),
                    earned: Money::new(was, code),
                    difference: Money::new(would - was, code),
                },
            )
        })
        .filter(|(would, was, row)| *would != 0 || *was != 0 || row.events > 0)
        .collect();
    let total_would: i64 = rows.iter().map(|(w, _, _)| w).sum();
    let total_earned: i64 = rows.iter().map(|(_, e, _)| e).sum();
    rows.sort_by(|a, b| {
        b.0.max(b.1)
            .cmp(&a.0.max(a.1))
            .then_with(|| a.2.partner.cmp(&b.2.partner))
    });
    let partners_count = rows.len();
    Ok(OfferSimulation {
        offer: offer_id,
        days,
        events: replay.len() as u32,
        truncated,
        partners: partners_count as u32,
        rows: rows.into_iter().take(MAX_ROWS).map(|(_, _, r)| r).collect(),
        total_would_earn: Money::new(total_would, code),
        total_earned: Money::new(total_earned, code),
        compared: offer_id.is_some(),
    })
}

async fn partner(
    conn: &mut sqlx::AnyConnection,
    program_id: i64,
    partnership_id: i64,
    target: &Target,
) -> Result<Partner, AppError> {
    let row = sqlx::query(
        "SELECT team_name, group_id, tier_id FROM partnerships WHERE id = $1 AND program_id = $2",
    )
    .bind(partnership_id)
    .bind(program_id)
    .fetch_one(&mut *conn)
    .await?;
    let in_segment = match target {
        Target::Segment(segment) => {
            super::segments::contains(conn, *segment, partnership_id).await?
        }
        _ => false,
    };
    Ok(Partner {
        name: row.try_get(0)?,
        group_id: row.try_get(1)?,
        tier_id: row.try_get(2)?,
        history: super::tiers::history_of(conn, partnership_id).await?,
        in_segment,
    })
}

//! Queries behind the partner dashboard.

use domain::reward::{Earnings, RewardStatus};
use sqlx::Row;

use super::db::Db;

pub struct PartnershipRow {
    pub id: i64,
    pub program: String,
    pub vendor: String,
    pub currency: String,
    pub min_cashout_minor: i64,
    pub status: String,
    pub group: String,
    pub tier: Option<String>,
    pub partner_key: String,
    pub rejection_reason: Option<String>,
    pub program_id: i64,
    pub terms: String,
    pub tier_rank: Option<i64>,
}

pub async fn partnerships(
    db: &Db,
    partner_team_id: i64,
) -> Result<Vec<PartnershipRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.id, pr.name, c.name, pr.currency, pr.min_cashout_minor, p.status, g.name, tr.name, p.partner_key, p.rejection_reason, pr.id, pr.terms, tr.rank \
         FROM partnerships p \
         JOIN programs pr ON pr.id = p.program_id \
         JOIN companies c ON c.id = pr.company_id \
         JOIN partner_groups g ON g.id = p.group_id \
         LEFT JOIN tiers tr ON tr.id = p.tier_id \
         WHERE p.partner_team_id = $1 ORDER BY p.id",
    )
    .bind(partner_team_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(PartnershipRow {
                id: r.try_get(0)?,
                program: r.try_get(1)?,
                vendor: r.try_get(2)?,
                currency: r.try_get(3)?,
                min_cashout_minor: r.try_get(4)?,
                status: r.try_get(5)?,
                group: r.try_get(6)?,
                tier: r.try_get(7)?,
                partner_key: r.try_get(8)?,
                rejection_reason: r.try_get(9)?,
                program_id: r.try_get(10)?,
                terms: r.try_get(11)?,
                tier_rank: r.try_get(12)?,
            })
        })
        .collect()
}

/// The partnership's balance and totals, in one pass over its rewards (indexed by partnership).
pub async fn earnings(db: &Db, partnership_id: i64) -> Result<Earnings, sqlx::Error> {
    let row = sqlx::query(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN r.status = $2 AND r.payout_id IS NULL THEN r.amount_minor ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN r.status = $3 THEN r.amount_minor ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN r.status = $4 THEN r.amount_minor ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN r.status = $2 AND r.payout_id IS NOT NULL THEN r.amount_minor ELSE 0 END), 0) AS BIGINT) \
         FROM rewards r WHERE r.partnership_id = $1",
    )
    .bind(partnership_id)
    .bind(RewardStatus::Approved.as_str())
    .bind(RewardStatus::Pending.as_str())
    .bind(RewardStatus::Paid.as_str())
    .fetch_one(&db.pool)
    .await?;
    Ok(Earnings {
        available: row.try_get(0)?,
        pending: row.try_get(1)?,
        lifetime_paid: row.try_get(2)?,
        in_payout: row.try_get(3)?,
    })
}

/// Progress toward the next tier above `current_rank`. Only closed-won deal revenue can be
/// measured until transactions exist; other metrics report no progress yet.
pub async fn tier_progress(
    db: &Db,
    program_id: i64,
    partnership_id: i64,
    current_rank: Option<i64>,
    currency: &str,
) -> Result<Option<crate::dto::TierProgress>, sqlx::Error> {
    use domain::tier::{Metric, TierRule, next_tier};
    let rows = sqlx::query("SELECT rank, name, rule FROM tiers WHERE program_id = $1")
        .bind(program_id)
        .fetch_all(&db.pool)
        .await?;
    let mut tiers = Vec::new();
    for r in rows {
        let rule: String = r.try_get(2)?;
        if let Ok(rule) = serde_json::from_str::<TierRule>(&rule) {
            tiers.push((r.try_get::<i64, _>(0)?, (r.try_get::<String, _>(1)?, rule)));
        }
    }
    let Some((name, rule)) = next_tier(current_rank, &tiers) else {
        return Ok(None);
    };
    if rule.metric != Metric::ClosedWonRevenue {
        return Ok(None);
    }
    let since = rule
        .window_days
        .map(|d| super::db::now_ms() - i64::from(d) * 86_400_000)
        .unwrap_or(i64::MIN);
    let value: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM deals \
         WHERE partnership_id = $1 AND stage = $2 AND created_at >= $3",
    )
    .bind(partnership_id)
    .bind(domain::deal::DealStage::ClosedWon.as_str())
    .bind(since)
    .fetch_one(&db.pool)
    .await?;
    let money = |minor: i64| domain::money::format_stored(minor, currency);
    let window = rule
        .window_days
        .map(|d| format!("in the last {d} days"))
        .unwrap_or_else(|| "all time".into());
    Ok(Some(crate::dto::TierProgress {
        next_tier: name.clone(),
        metric: format!("{} {window}", rule.metric.label()),
        value: money(value),
        threshold: money(rule.threshold),
        remaining: money(rule.remaining(value)),
        percent: rule.progress_percent(value),
    }))
}

//! Queries behind the vendor overview. Each returns one page or one aggregate, served by an
//! index, so the cost does not grow with the number of partners.

use domain::deal::DealStage;
use domain::lead::LeadStatus;
use domain::partnership::PartnershipStatus;
use domain::reward::RewardStatus;
use sqlx::Row;

use super::db::Db;
use crate::dto::{Money, PartnerRow, ProgramSummary, VendorKpis};

pub const PARTNERS_PAGE: i64 = 25;

pub async fn programs(db: &Db, company_id: i64) -> Result<Vec<ProgramSummary>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT id, name, currency FROM programs WHERE company_id = $1 ORDER BY id")
            .bind(company_id)
            .fetch_all(&db.pool)
            .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ProgramSummary {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                currency: r.try_get(2)?,
            })
        })
        .collect()
}

/// The program a page shows: the one asked for in the URL (which must be the company's), else
/// the one chosen in the header (if it is still the company's), else the first.
pub fn current_program(
    programs: &[ProgramSummary],
    asked: Option<i64>,
    chosen: Option<i64>,
) -> Result<Option<ProgramSummary>, crate::error::AppError> {
    let ids: Vec<i64> = programs.iter().map(|p| p.id).collect();
    select_program(
        programs,
        asked.or(domain::workspace::chosen_program(&ids, chosen)),
    )
}

/// The program asked for, which must be one of `programs`; none asked: the first.
pub fn select_program(
    programs: &[ProgramSummary],
    asked: Option<i64>,
) -> Result<Option<ProgramSummary>, crate::error::AppError> {
    match asked {
        // Another company's program id is indistinguishable from a missing one.
        Some(id) => programs
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .map(Some)
            .ok_or_else(|| crate::error::AppError::not_found("Program")),
        None => Ok(programs.first().cloned()),
    }
}

/// A teammate restricted to some groups (`restricted_to`: their teammate id) counts only the
/// partnerships of those groups, and what belongs to them.
pub async fn kpis(
    db: &Db,
    program: &ProgramSummary,
    with_money: bool,
    restricted_to: Option<i64>,
) -> Result<VendorKpis, sqlx::Error> {
    let restricted = restricted_to.unwrap_or(0);
    let active_partners: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM partnerships WHERE program_id = $1 AND status = $2 \
         AND ($3 = 0 OR group_id IN (SELECT group_id FROM teammate_groups WHERE teammate_id = $3))",
    )
    .bind(program.id)
    .bind(PartnershipStatus::Active.as_str())
    .bind(restricted)
    .fetch_one(&db.pool)
    .await?;
    let [l1, l2, l3, l4] = LeadStatus::OPEN else {
        unreachable!("four open lead statuses")
    };
    let open_leads: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM leads WHERE program_id = $1 AND status IN ($2, $3, $4, $5) \
         AND ($6 = 0 OR partnership_id IN (SELECT p.id FROM partnerships p JOIN teammate_groups g ON g.group_id = p.group_id WHERE g.teammate_id = $6))",
    )
    .bind(program.id)
    .bind(l1.as_str())
    .bind(l2.as_str())
    .bind(l3.as_str())
    .bind(l4.as_str())
    .bind(restricted)
    .fetch_one(&db.pool)
    .await?;
    let [d1, d2, d3] = DealStage::OPEN else {
        unreachable!("three open deal stages")
    };
    let open_deals: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM deals WHERE program_id = $1 AND stage IN ($2, $3, $4) \
         AND ($5 = 0 OR partnership_id IN (SELECT p.id FROM partnerships p JOIN teammate_groups g ON g.group_id = p.group_id WHERE g.teammate_id = $5))",
    )
    .bind(program.id)
    .bind(d1.as_str())
    .bind(d2.as_str())
    .bind(d3.as_str())
    .bind(restricted)
    .fetch_one(&db.pool)
    .await?;
    let rewards_pending: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM rewards WHERE program_id = $1 AND status = $2 \
         AND ($3 = 0 OR partnership_id IN (SELECT p.id FROM partnerships p JOIN teammate_groups g ON g.group_id = p.group_id WHERE g.teammate_id = $3))",
    )
    .bind(program.id)
    .bind(RewardStatus::Pending.as_str())
    .bind(restricted)
    .fetch_one(&db.pool)
    .await?;
    let payouts = sqlx::query(
        "SELECT COUNT(*), CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM payouts WHERE program_id = $1 AND status = $2 \
         AND ($3 = 0 OR partnership_id IN (SELECT p.id FROM partnerships p JOIN teammate_groups g ON g.group_id = p.group_id WHERE g.teammate_id = $3))",
    )
    .bind(program.id)
    .bind("requested")
    .bind(restricted)
    .fetch_one(&db.pool)
    .await?;
    let money = |minor: i64| with_money.then(|| Money::new(minor, &program.currency));
    Ok(VendorKpis {
        active_partners,
        open_leads,
        open_deals,
        rewards_pending: money(rewards_pending),
        payouts_requested: money(payouts.try_get(1)?),
        payouts_requested_count: payouts.try_get(0)?,
    })
}

/// One page of the program's partners, newest first, after the keyset cursor `before_id`.
/// Returns the rows and the cursor of the next page.
pub async fn partners_page(
    db: &Db,
    program_id: i64,
    before_id: Option<i64>,
    restricted_to: Option<i64>,
) -> Result<(Vec<PartnerRow>, Option<i64>), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.id, t.name, t.kind, p.status, g.name, tr.name, p.partner_key, p.joined_at \
         FROM partnerships p \
         JOIN partner_teams t ON t.id = p.partner_team_id \
         JOIN partner_groups g ON g.id = p.group_id \
         LEFT JOIN tiers tr ON tr.id = p.tier_id \
         WHERE p.program_id = $1 AND p.id < $2 \
         AND ($4 = 0 OR p.group_id IN (SELECT group_id FROM teammate_groups WHERE teammate_id = $4)) \
         ORDER BY p.id DESC LIMIT $3",
    )
    .bind(program_id)
    .bind(before_id.unwrap_or(i64::MAX))
    .bind(PARTNERS_PAGE + 1)
    .bind(restricted_to.unwrap_or(0))
    .fetch_all(&db.pool)
    .await?;
    let mut partners = rows
        .into_iter()
        .map(|r| {
            Ok(PartnerRow {
                partnership_id: r.try_get(0)?,
                partner_team: r.try_get(1)?,
                kind: domain::program::partner_type_label(&r.try_get::<String, _>(2)?),
                status: r.try_get(3)?,
                group: r.try_get(4)?,
                tier: r.try_get(5)?,
                partner_key: r.try_get(6)?,
                joined_at: r.try_get(7)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let next = if partners.len() as i64 > PARTNERS_PAGE {
        partners.truncate(PARTNERS_PAGE as usize);
        partners.last().map(|p| p.partnership_id)
    } else {
        None
    };
    Ok((partners, next))
}

/// The program `program_id` when it is the teammate's company's; "not found" otherwise.
pub async fn program_of(
    db: &Db,
    company_id: i64,
    program_id: i64,
) -> Result<ProgramSummary, crate::error::AppError> {
    let programs = programs(db, company_id).await?;
    select_program(&programs, Some(program_id))?
        .ok_or_else(|| crate::error::AppError::not_found("Program"))
}

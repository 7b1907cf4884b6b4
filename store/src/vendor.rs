//! Queries behind the vendor overview. Each returns one page or one aggregate, served by an
//! index, so the cost does not grow with the number of partners.

use domain::deal::DealStage;
use domain::lead::LeadStatus;
use domain::ledger::PayoutStatus;
use domain::partnership::PartnershipStatus;
use domain::reward::RewardStatus;
use sqlx::Row;

use super::db::Db;
use crate::dto::{Money, PartnerRow, ProgramSummary, VendorKpis};

pub const PARTNERS_PAGE: i64 = 25;

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

/// The kept sums of program `$1` as one row `(active partners, open leads, open deals, pending
/// rewards, requested payouts, their amount)`; `$2 = 0` sees the whole program, else only the
/// groups of teammate `$2`.
macro_rules! kept_kpis {
    () => {
        "(SELECT CAST(COALESCE(SUM(active_partners), 0) AS BIGINT) AS active_partners, \
         CAST(COALESCE(SUM(open_leads), 0) AS BIGINT) AS open_leads, \
         CAST(COALESCE(SUM(open_deals), 0) AS BIGINT) AS open_deals, \
         CAST(COALESCE(SUM(pending_rewards_minor), 0) AS BIGINT) AS pending_rewards, \
         CAST(COALESCE(SUM(requested_payouts), 0) AS BIGINT) AS requested_payouts, \
         CAST(COALESCE(SUM(requested_payouts_minor), 0) AS BIGINT) AS requested_payouts_minor \
         FROM group_totals WHERE program_id = $1 \
         AND ($2 = 0 OR group_id IN (SELECT group_id FROM teammate_groups WHERE teammate_id = $2)))"
    };
}

/// A teammate restricted to some groups (`restricted_to`: their teammate id) counts only the
/// partnerships of those groups, and what belongs to them. The sums are kept per group by the
/// database in the transaction of each change (migration `group_totals`), so this reads one
/// row per group of the program, however many partnerships, leads and rewards it has.
pub async fn kpis(
    db: &Db,
    program: &ProgramSummary,
    with_money: bool,
    restricted_to: Option<i64>,
) -> Result<VendorKpis, sqlx::Error> {
    let row = sqlx::query(concat!("SELECT k.* FROM ", kept_kpis!(), " k"))
        .bind(program.id)
        .bind(restricted_to.unwrap_or(0))
        .fetch_one(&mut db.conn().await?)
        .await?;
    kpis_of(&row, program, with_money)
}

/// The overview page's data in one statement: the cards ([`kpis`]) and one page of partners
/// ([`partners_page_sql`]), a row per partner, each carrying the cards (one row of cards alone when
/// the page is empty).
pub async fn overview(
    db: &Db,
    program: &ProgramSummary,
    with_money: bool,
    before_id: Option<i64>,
    restricted_to: Option<i64>,
) -> Result<(VendorKpis, Vec<PartnerRow>, Option<i64>), sqlx::Error> {
    let sql = format!(
        "SELECT k.*, pg.* FROM {kpis} k LEFT JOIN ({page}) pg ON 1 = 1 ORDER BY pg.id DESC",
        kpis = kept_kpis!(),
        page = partners_page_sql("$2", "$3"),
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program.id)
        .bind(restricted_to.unwrap_or(0))
        .bind(before_id.unwrap_or(i64::MAX))
        .fetch_all(&mut db.conn().await?)
        .await?;
    let Some(first) = rows.first() else {
        return Err(sqlx::Error::RowNotFound);
    };
    let kpis = kpis_of(first, program, with_money)?;
    let mut partners = Vec::with_capacity(rows.len());
    for row in &rows {
        if row.try_get::<Option<i64>, _>(6)?.is_some() {
            partners.push(partner_row(row, 6)?);
        }
    }
    let next = next_cursor(&mut partners);
    Ok((kpis, partners, next))
}

fn kpis_of(
    row: &sqlx::any::AnyRow,
    program: &ProgramSummary,
    with_money: bool,
) -> Result<VendorKpis, sqlx::Error> {
    let money = |minor: i64| with_money.then(|| Money::new(minor, &program.currency));
    Ok(VendorKpis {
        active_partners: row.try_get(0)?,
        open_leads: row.try_get(1)?,
        open_deals: row.try_get(2)?,
        rewards_pending: money(row.try_get(3)?),
        payouts_requested_count: row.try_get(4)?,
        payouts_requested: money(row.try_get(5)?),
    })
}

/// [`kpis`] counted from the rows themselves, with the domain's open statuses: what the kept
/// sums must always equal (the integration tests compare the two after each flow).
pub async fn kpis_recounted(
    db: &Db,
    program: &ProgramSummary,
    restricted_to: Option<i64>,
) -> Result<VendorKpis, sqlx::Error> {
    let [l1, l2, l3, l4] = LeadStatus::OPEN else {
        unreachable!("four open lead statuses")
    };
    let [d1, d2, d3] = DealStage::OPEN else {
        unreachable!("three open deal stages")
    };
    let owned = "AND ($2 = 0 OR partnership_id IN (SELECT p.id FROM partnerships p \
                 JOIN teammate_groups g ON g.group_id = p.group_id WHERE g.teammate_id = $2))";
    let sql = format!(
        "SELECT \
         (SELECT COUNT(*) FROM partnerships WHERE program_id = $1 AND status = $3 \
          AND ($2 = 0 OR group_id IN (SELECT group_id FROM teammate_groups WHERE teammate_id = $2))), \
         (SELECT COUNT(*) FROM leads WHERE program_id = $1 AND status IN ($4, $5, $6, $7) {owned}), \
         (SELECT COUNT(*) FROM deals WHERE program_id = $1 AND stage IN ($8, $9, $10) {owned}), \
         (SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM rewards WHERE program_id = $1 AND status = $11 {owned}), \
         (SELECT COUNT(*) FROM payouts WHERE program_id = $1 AND status = $12 {owned}), \
         (SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM payouts WHERE program_id = $1 AND status = $12 {owned})"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program.id)
        .bind(restricted_to.unwrap_or(0))
        .bind(PartnershipStatus::Active.as_str())
        .bind(l1.as_str())
        .bind(l2.as_str())
        .bind(l3.as_str())
        .bind(l4.as_str())
        .bind(d1.as_str())
        .bind(d2.as_str())
        .bind(d3.as_str())
        .bind(RewardStatus::Pending.as_str())
        .bind(PayoutStatus::Requested.as_str())
        .fetch_one(&mut db.conn().await?)
        .await?;
    kpis_of(&row, program, true)
}

/// The SELECT of one page of program `$1`'s partners, newest first, below the keyset cursor
/// `before`, only in the groups of teammate `restricted` unless it is 0; one more row than a
/// page, to know whether another follows. The limit is written into the text (see the `db`
/// module: bound limits re-plan).
fn partners_page_sql(restricted: &str, before: &str) -> String {
    format!(
        "SELECT p.id, t.name AS team, t.kind, p.status, g.name AS group_name, tr.name AS tier, \
         p.partner_key, p.joined_at \
         FROM partnerships p \
         JOIN partner_teams t ON t.id = p.partner_team_id \
         JOIN partner_groups g ON g.id = p.group_id \
         LEFT JOIN tiers tr ON tr.id = p.tier_id \
         WHERE p.program_id = $1 AND p.id < {before} \
         AND ({restricted} = 0 OR p.group_id IN (SELECT group_id FROM teammate_groups WHERE teammate_id = {restricted})) \
         ORDER BY p.id DESC LIMIT {}",
        PARTNERS_PAGE + 1
    )
}

/// A partner row of [`partners_page_sql`]'s columns, starting at column `at`.
fn partner_row(r: &sqlx::any::AnyRow, at: usize) -> Result<PartnerRow, sqlx::Error> {
    Ok(PartnerRow {
        partnership_id: r.try_get(at)?,
        partner_team: r.try_get(at + 1)?,
        kind: domain::program::partner_type_label(&r.try_get::<String, _>(at + 2)?),
        status: crate::db::stored(r, at + 3)?,
        group: r.try_get(at + 4)?,
        tier: r.try_get(at + 5)?,
        partner_key: r.try_get(at + 6)?,
        joined_at: r.try_get(at + 7)?,
    })
}

/// Cuts the extra row off a page read one row long; the next page's cursor, if there is one.
fn next_cursor(partners: &mut Vec<PartnerRow>) -> Option<i64> {
    if partners.len() as i64 > PARTNERS_PAGE {
        partners.truncate(PARTNERS_PAGE as usize);
        partners.last().map(|p| p.partnership_id)
    } else {
        None
    }
}

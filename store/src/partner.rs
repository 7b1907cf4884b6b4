//! Queries behind the partner dashboard.

use domain::reward::{Earnings, RewardStatus};
use sqlx::Row;

use super::db::Db;

/// The sums of one partnership's rewards (`$1`), by status (`$2` approved, `$3` pending, `$4`
/// paid): available, pending, paid, in a payout. One pass over its rewards, by index.
macro_rules! earnings_sql {
    () => {
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN r.status = $2 AND r.payout_id IS NULL THEN r.amount_minor ELSE 0 END), 0) AS BIGINT) AS available, \
           CAST(COALESCE(SUM(CASE WHEN r.status = $3 THEN r.amount_minor ELSE 0 END), 0) AS BIGINT) AS pending, \
           CAST(COALESCE(SUM(CASE WHEN r.status = $4 THEN r.amount_minor ELSE 0 END), 0) AS BIGINT) AS paid, \
           CAST(COALESCE(SUM(CASE WHEN r.status = $2 AND r.payout_id IS NOT NULL THEN r.amount_minor ELSE 0 END), 0) AS BIGINT) AS in_payout \
         FROM rewards r WHERE r.partnership_id = $1"
    };
}

/// The kept sums of `partnership_earnings e` (zero for a partnership without rewards yet).
macro_rules! kept_earnings {
    () => {
        "COALESCE(e.available_minor, 0), COALESCE(e.pending_minor, 0), \
         COALESCE(e.paid_minor, 0), COALESCE(e.in_payout_minor, 0)"
    };
}

pub struct PartnershipRow {
    pub id: i64,
    pub program: String,
    pub vendor: String,
    pub currency: String,
    pub min_cashout_minor: i64,
    pub status: domain::partnership::PartnershipStatus,
    pub group: String,
    pub tier: Option<String>,
    pub partner_key: String,
    pub rejection_reason: Option<String>,
    pub program_id: i64,
    pub terms: String,
    pub tier_id: Option<i64>,
    /// Since when the partnership is below its tier's rule (it moves down after the grace).
    pub tier_below_since: Option<i64>,
    /// The partnership's balance and totals.
    pub earnings: Earnings,
    /// Where the program's links lead when they name no destination of their own.
    pub default_destination: String,
    /// The partnership's default links that the contact asking shares: its team link and
    /// their own (2 once both are made).
    pub default_links: i64,
    /// The vendor company, and the days its program keeps a tier after the rule stops holding.
    pub company_id: i64,
    pub tier_grace_days: i64,
}

/// What the partner dashboard lists under a partnership card: the program's tiers (for
/// progress), the latest tier changes, the links the contact shares, and the latest customers.
pub struct CardLists {
    pub tiers: super::tiers::ProgramTiers,
    pub tier_changes: Vec<crate::dto::TierChangeView>,
    pub links: Vec<crate::dto::LinkView>,
    pub recent_customers: Vec<crate::dto::CustomerRow>,
}

/// What [`card_lists`] reads besides the partnership: `links` in a scope (`None`: none), and
/// recent customers (`None`: none; `Some(emails_visible)`).
pub struct CardAsk<'a> {
    pub origin: &'a str,
    pub links: Option<super::links::LinkScope>,
    pub customers: Option<bool>,
}

/// The lists of a partnership card in one statement: every list is a branch of one
/// `UNION ALL`, each row tagged with its list (column 9) and its place in it (column 10), and
/// laid out so each list's row mapping reads the same columns as its own query would. One
/// round trip instead of four; each branch reads its rows through an index.
pub async fn card_lists(
    db: &Db,
    row: &PartnershipRow,
    ask: CardAsk<'_>,
) -> Result<CardLists, crate::error::AppError> {
    use super::tiers::{ProgramTiers, TierRow};
    const LINKS: usize = 200;
    // No window functions and no ORDER BY over the union: each list's order is sorted here,
    // from a sort key each branch returns in its last column (the sorts cost more than the
    // reads: eight temporary b-trees on SQLite for a handful of rows).
    let mut rows = sqlx::query(concat!(
        "SELECT c.id, c.name, c.email, c.source, c.status, c.attributed_at, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
           'c', CAST(0 AS BIGINT) \
         FROM (SELECT id, name, email, source, status, attributed_at FROM customers \
               WHERE partnership_id = $1 AND $3 = 1 ORDER BY id DESC LIMIT 5) c \
         UNION ALL \
         SELECT h.effective_at, h.kind, h.from_name, h.to_name, h.reason, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
           'h', h.id \
         FROM (SELECT c.id, c.effective_at, c.kind, f.name AS from_name, t.name AS to_name, c.reason FROM tier_changes c \
               LEFT JOIN tiers f ON f.id = c.from_tier_id LEFT JOIN tiers t ON t.id = c.to_tier_id \
               WHERE c.partnership_id = $1 ORDER BY c.effective_at DESC, c.id DESC LIMIT 5) h \
         UNION ALL \
         SELECT ", super::links::link_columns!(), ", 'l', CAST(l.is_default AS BIGINT) \
         FROM links l LEFT JOIN contacts ct ON ct.id = l.contact_id LEFT JOIN users u ON u.id = ct.user_id \
         WHERE l.partnership_id = $1 AND $4 = 1 AND ($5 = 0 OR l.contact_id = $5) \
         UNION ALL \
         SELECT t.id, t.name, t.rule, CAST(NULL AS TEXT), CAST(NULL AS TEXT), t.rank, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
           't', CAST(0 AS BIGINT) \
         FROM tiers t WHERE t.program_id = $2"
    ))
    .bind(row.id)
    .bind(row.program_id)
    .bind(i64::from(ask.customers.is_some()))
    .bind(i64::from(ask.links.is_some()))
    .bind(ask.links.map_or(0, |scope| scope.contact_or_zero()))
    .fetch_all(&mut db.conn().await?)
    .await?;
    rows.sort_by_cached_key(card_order);
    let mut lists = CardLists {
        tiers: ProgramTiers {
            company_id: row.company_id,
            currency: row.currency.clone(),
            grace_days: row.tier_grace_days,
            tiers: Vec::new(),
        },
        tier_changes: Vec::new(),
        links: Vec::new(),
        recent_customers: Vec::new(),
    };
    for r in &rows {
        match r.try_get::<String, _>(8)?.as_str() {
            "c" => lists.recent_customers.push(super::customers::customer_row(
                r,
                ask.customers.unwrap_or(false),
            )?),
            "h" => lists.tier_changes.push(super::tiers::change_row(r)?),
            "l" if lists.links.len() < LINKS => {
                lists.links.push(super::links::link_row(ask.origin, r)?)
            }
            "t" => lists.tiers.tiers.extend(TierRow::with_rule(
                r.try_get(0)?,
                r.try_get(5)?,
                r.try_get(1)?,
                &r.try_get::<String, _>(2)?,
            )),
            _ => {}
        }
    }
    Ok(lists)
}

/// Where a row of [`card_lists`] goes: its list, then the list's order (customers newest
/// first; tier changes latest first; links default first, then oldest first; tiers by rank).
fn card_order(r: &sqlx::any::AnyRow) -> (u8, i64, i64) {
    let int = |i: usize| r.try_get::<i64, _>(i).unwrap_or_default();
    let tag = r.try_get::<String, _>(8).unwrap_or_default();
    match tag.as_str() {
        "c" => (0, -int(0), 0),
        "h" => (1, -int(0), -int(9)),
        "l" => (2, -int(9), int(0)),
        _ => (3, int(5), int(0)),
    }
}

/// One of a team's partnerships, as its dashboard card shows it to `contact_id`, with its
/// earnings (`None`: not the team's). One query: the sums are the ones the database keeps per
/// partnership (migration `kept_totals`), one row however many rewards it has.
pub async fn partnership(
    db: &Db,
    partner_team_id: i64,
    partnership_id: i64,
    contact_id: i64,
) -> Result<Option<PartnershipRow>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT p.id, pr.name, c.name, pr.currency, pr.min_cashout_minor, p.status, g.name, tr.name, p.partner_key, p.rejection_reason, pr.id, pr.terms, \
         p.tier_id, p.tier_below_since, ", kept_earnings!(), ", pr.default_destination, \
         (SELECT COUNT(*) FROM links l WHERE l.partnership_id = p.id AND l.is_default = 1 \
          AND (l.contact_id IS NULL OR l.contact_id = $3)), pr.company_id, pr.tier_grace_days \
         FROM partnerships p \
         JOIN programs pr ON pr.id = p.program_id \
         JOIN companies c ON c.id = pr.company_id \
         JOIN partner_groups g ON g.id = p.group_id \
         LEFT JOIN tiers tr ON tr.id = p.tier_id \
         LEFT JOIN partnership_earnings e ON e.partnership_id = p.id \
         WHERE p.id = $1 AND p.partner_team_id = $2"
    ))
    .bind(partnership_id)
    .bind(partner_team_id)
    .bind(contact_id)
    .fetch_optional(&mut db.conn().await?)
    .await?;
    row.map(|r| {
        Ok(PartnershipRow {
            id: r.try_get(0)?,
            program: r.try_get(1)?,
            vendor: r.try_get(2)?,
            currency: r.try_get(3)?,
            min_cashout_minor: r.try_get(4)?,
            status: crate::db::stored(&r, 5)?,
            group: r.try_get(6)?,
            tier: r.try_get(7)?,
            partner_key: r.try_get(8)?,
            rejection_reason: r.try_get(9)?,
            program_id: r.try_get(10)?,
            terms: r.try_get(11)?,
            tier_id: r.try_get(12)?,
            tier_below_since: r.try_get(13)?,
            earnings: Earnings {
                available: r.try_get(14)?,
                pending: r.try_get(15)?,
                lifetime_paid: r.try_get(16)?,
                in_payout: r.try_get(17)?,
            },
            default_destination: r.try_get(18)?,
            default_links: r.try_get(19)?,
            company_id: r.try_get(20)?,
            tier_grace_days: r.try_get(21)?,
        })
    })
    .transpose()
}

/// The partnership's balance and totals, as the database keeps them.
pub async fn earnings(db: &Db, partnership_id: i64) -> Result<Earnings, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        kept_earnings!(),
        " FROM partnerships p LEFT JOIN partnership_earnings e ON e.partnership_id = p.id WHERE p.id = $1"
    ))
    .bind(partnership_id)
    .fetch_one(&mut db.conn().await?)
    .await?;
    earnings_of(&row)
}

fn earnings_of(row: &sqlx::any::AnyRow) -> Result<Earnings, sqlx::Error> {
    Ok(Earnings {
        available: row.try_get(0)?,
        pending: row.try_get(1)?,
        lifetime_paid: row.try_get(2)?,
        in_payout: row.try_get(3)?,
    })
}

/// [`earnings`] summed from the partnership's rewards: what the kept sums must always equal
/// (the integration tests compare the two after each flow).
pub async fn earnings_recounted(db: &Db, partnership_id: i64) -> Result<Earnings, sqlx::Error> {
    let row = sqlx::query(earnings_sql!())
        .bind(partnership_id)
        .bind(RewardStatus::Approved.as_str())
        .bind(RewardStatus::Pending.as_str())
        .bind(RewardStatus::Paid.as_str())
        .fetch_one(&mut db.conn().await?)
        .await?;
    earnings_of(&row)
}

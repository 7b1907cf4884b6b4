//! Cashout and payouts, and a partner's earnings. A cashout puts every approved, unpaid reward
//! of the partnership into one payout; the database decides which request gets them (a
//! conditional update), so two simultaneous cashouts — in two tabs or two server processes —
//! make exactly one payout.

use domain::ledger::PayoutStatus;
use domain::reward::RewardStatus;
use sqlx::Row;

use super::context::Partnership;
use super::db::{Db, Tx};
use super::events::{self, NewEvent};
use super::rewards::ProgramMoney;
use crate::dto::{EarningsDto, Money, PayoutRow, RewardRow};
use crate::error::AppError;

/// The partnership's balance: approved rewards not in a payout. One indexed sum over
/// (partnership_id, status).
pub async fn balance<'e, E>(executor: E, partnership_id: i64) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM rewards \
         WHERE partnership_id = $1 AND status = $2 AND payout_id IS NULL",
    )
    .bind(partnership_id)
    .bind(RewardStatus::Approved.as_str())
    .fetch_one(executor)
    .await
}

/// Requests a payout of the whole balance for the partnership in its program (its team's owner
/// asked).
pub async fn cash_out(
    db: &Db,
    program_id: i64,
    partnership_id: i64,
    partner_team_id: i64,
    user_id: i64,
    now: i64,
) -> Result<i64, AppError> {
    let program = super::rewards::program_money(&mut db.conn().await?, program_id).await?;
    let mut tx = db.begin().await?;
    let details =
        sqlx::query("SELECT payout_method, payout_details FROM partner_teams WHERE id = $1")
            .bind(partner_team_id)
            .fetch_one(&mut *tx)
            .await?;
    let (method, details): (Option<String>, Option<String>) =
        (details.try_get(0)?, details.try_get(1)?);
    let (Some(method), Some(details)) = (method, details) else {
        return Err(AppError::bad_request(
            "Add your payout details on your profile before cashing out",
        ));
    };
    check_balance(balance(&mut *tx, partnership_id).await?, &program)?;
    let payout_id: i64 = sqlx::query_scalar(
        "INSERT INTO payouts (program_id, partnership_id, amount_minor, currency, status, created_at, updated_at, \
         method, details, requested_by_user_id) VALUES ($1, $2, 0, $3, $4, $5, $5, $6, $7, $8) RETURNING id",
    )
    .bind(program.program_id)
    .bind(partnership_id)
    .bind(program.currency.code())
    .bind(PayoutStatus::Requested.as_str())
    .bind(now)
    .bind(&method)
    .bind(&details)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    // Only rewards still free are taken: a concurrent cashout that got them first leaves this
    // one with none (on PostgreSQL the update waits for it and re-checks `payout_id`).
    sqlx::query(
        "UPDATE rewards SET payout_id = $1, updated_at = $2 \
         WHERE partnership_id = $3 AND status = $4 AND payout_id IS NULL",
    )
    .bind(payout_id)
    .bind(now)
    .bind(partnership_id)
    .bind(RewardStatus::Approved.as_str())
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query(
        "SELECT COUNT(*), CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM rewards WHERE payout_id = $1",
    )
    .bind(payout_id)
    .fetch_one(&mut *tx)
    .await?;
    let (count, amount): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    if count == 0 {
        return Err(AppError::new(409, "This balance was cashed out already"));
    }
    check_balance(amount, &program)?;
    sqlx::query("UPDATE payouts SET amount_minor = $1 WHERE id = $2")
        .bind(amount)
        .bind(payout_id)
        .execute(&mut *tx)
        .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(program.company_id),
            kind: "payout.requested",
            subject_type: "payout",
            subject_id: payout_id,
            payload: serde_json::json!({
                "partnership_id": partnership_id,
                "amount_minor": amount,
                "currency": program.currency.code(),
                "rewards": count,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(payout_id)
}

fn check_balance(balance: i64, program: &ProgramMoney) -> Result<(), AppError> {
    let earnings = domain::reward::Earnings {
        available: balance,
        ..Default::default()
    };
    if balance < 0 {
        return Err(AppError::bad_request(
            "Your balance is negative after a refund; it can be cashed out once new rewards cover it",
        ));
    }
    if !earnings.can_cash_out(program.min_cashout_minor) {
        return Err(AppError::bad_request(format!(
            "The balance must reach {} to cash out",
            domain::money::format_minor(program.min_cashout_minor.max(1), program.currency)
        )));
    }
    Ok(())
}

/// Moves a payout of the program along its state machine. Paid pays its rewards; failed or
/// canceled makes them available again.
pub async fn move_payout(
    tx: &mut Tx,
    program: &ProgramMoney,
    payout_id: i64,
    next: PayoutStatus,
    note: Option<&str>,
    user_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let current: String =
        sqlx::query_scalar("SELECT status FROM payouts WHERE id = $1 AND program_id = $2")
            .bind(payout_id)
            .bind(program.program_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| AppError::not_found("Payout"))?;
    let current = PayoutStatus::parse(&current).map_err(AppError::internal)?;
    current.transition(next)?;
    let (reference, reason) = match next {
        PayoutStatus::Paid => (note, None),
        _ => (None, note),
    };
    let moved = sqlx::query(
        "UPDATE payouts SET status = $1, reference = COALESCE($2, reference), reason = COALESCE($3, reason), updated_at = $4 \
         WHERE id = $5 AND status = $6",
    )
    .bind(next.as_str())
    .bind(reference)
    .bind(reason)
    .bind(now)
    .bind(payout_id)
    .bind(current.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if moved != 1 {
        return Err(AppError::new(
            409,
            "This payout changed meanwhile; reload and try again",
        ));
    }
    if next == PayoutStatus::Paid {
        sqlx::query(
            "UPDATE rewards SET status = $1, updated_at = $2 WHERE payout_id = $3 AND status = $4",
        )
        .bind(RewardStatus::Paid.as_str())
        .bind(now)
        .bind(payout_id)
        .bind(RewardStatus::Approved.as_str())
        .execute(&mut **tx)
        .await?;
    } else if !next.holds_rewards() {
        sqlx::query("UPDATE rewards SET payout_id = NULL, updated_at = $1 WHERE payout_id = $2 AND status = $3")
            .bind(now)
            .bind(payout_id)
            .bind(RewardStatus::Approved.as_str())
            .execute(&mut **tx)
            .await?;
    }
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(program.company_id),
            kind: match next {
                PayoutStatus::Requested => "payout.requested",
                PayoutStatus::Processing => "payout.processing",
                PayoutStatus::Paid => "payout.paid",
                PayoutStatus::Failed => "payout.failed",
                PayoutStatus::Canceled => "payout.canceled",
            },
            subject_type: "payout",
            subject_id: payout_id,
            payload: serde_json::json!({ "from": current.as_str(), "note": note }),
        },
    )
    .await?;
    if matches!(next, PayoutStatus::Paid | PayoutStatus::Failed) {
        let (partnership_id, amount): (i64, i64) =
            sqlx::query_as("SELECT partnership_id, amount_minor FROM payouts WHERE id = $1")
                .bind(payout_id)
                .fetch_one(&mut **tx)
                .await?;
        let amount = domain::money::format_minor(amount, program.currency);
        let note = note.unwrap_or("");
        let to = super::partnerships::PartnerMail::of(tx, partnership_id).await?;
        to.send(tx, &{
            if next == PayoutStatus::Paid {
                super::messages::Message::PayoutPaid {
                    program: &to.program,
                    amount: &amount,
                    reference: note,
                }
            } else {
                super::messages::Message::PayoutFailed {
                    program: &to.program,
                    amount: &amount,
                    reason: note,
                }
            }
        })
        .await?;
    }
    Ok(())
}

/// Finance moves a payout of one of the company's programs along its state machine (see
/// [`move_payout`]); another company's payout is "not found".
pub async fn update(
    db: &Db,
    company_id: i64,
    actor_user_id: i64,
    payout_id: i64,
    next: PayoutStatus,
    note: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    let program_id: i64 = sqlx::query_scalar(
        "SELECT o.program_id FROM payouts o JOIN programs pr ON pr.id = o.program_id WHERE o.id = $1 AND pr.company_id = $2",
    )
    .bind(payout_id)
    .bind(company_id)
    .fetch_optional(&mut db.conn().await?)
    .await?
    .ok_or_else(|| AppError::not_found("Payout"))?;
    let program = super::rewards::program_money(&mut db.conn().await?, program_id).await?;
    let mut tx = db.begin().await?;
    move_payout(&mut tx, &program, payout_id, next, note, actor_user_id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// A partner contact's earnings in one program, as their earnings page shows them.
pub struct PartnerEarnings {
    /// The team gave a payout method and its details (needed to cash out).
    pub has_payout_details: bool,
    pub rewards: Vec<RewardRow>,
    pub next: Option<i64>,
    /// The team's sums, for contacts who see the team's earnings.
    pub earnings: Option<EarningsDto>,
    /// The team's payouts, for contacts who see the team's earnings.
    pub payouts: Vec<PayoutRow>,
}

/// What a partner contact's earnings page shows in their current partnership, if any: the
/// team's rewards when `whole_team` (the contact sees the team's earnings; then also its sums
/// and payouts), else the contact's own.
pub async fn partner_earnings(
    db: &Db,
    partner_team_id: i64,
    contact_id: i64,
    whole_team: bool,
    partnership: Option<&Partnership>,
    after: Option<i64>,
) -> Result<PartnerEarnings, AppError> {
    let has_payout_details = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM partner_teams WHERE id = $1 AND payout_method IS NOT NULL AND payout_details IS NOT NULL",
    )
    .bind(partner_team_id)
    .fetch_one(&mut db.conn().await?)
    .await?
        > 0;
    let mut out = PartnerEarnings {
        has_payout_details,
        rewards: Vec::new(),
        next: None,
        earnings: None,
        payouts: Vec::new(),
    };
    let Some(c) = partnership else {
        return Ok(out);
    };
    let scope = super::rewards::Scope::Partnership {
        partnership_id: c.partnership_id,
        contact_id: (!whole_team).then_some(contact_id),
    };
    let (rows, next) = super::rewards::page(db, &scope, after).await?;
    out.rewards = rows.into_iter().map(|r| r.row).collect();
    out.next = next;
    if whole_team {
        let money = super::rewards::program_money(&mut db.conn().await?, c.program_id).await?;
        let e = super::partner::earnings(db, c.partnership_id).await?;
        out.earnings = Some(EarningsDto {
            available: Money::new(e.available, &c.currency),
            pending: Money::new(e.pending, &c.currency),
            lifetime_paid: Money::new(e.lifetime_paid, &c.currency),
            minimum_cashout: Money::new(money.min_cashout_minor, &c.currency),
        });
        out.payouts = page(
            db,
            c.program_id,
            Some(c.partnership_id),
            None,
            None,
            true,
            None,
        )
        .await?
        .0;
    }
    Ok(out)
}

/// One line of the payouts export.
#[derive(Debug, Clone)]
pub struct ExportLine {
    pub payout_id: i64,
    pub payee: String,
    pub method: String,
    pub details: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub reward_ids: Vec<i64>,
}

/// The program's payouts in `status` (requested and processing ones when `None`), oldest first.
pub async fn export(
    db: &Db,
    program_id: i64,
    status: Option<PayoutStatus>,
) -> Result<Vec<ExportLine>, AppError> {
    let rows = sqlx::query(
        "SELECT o.id, t.name, COALESCE(o.method, ''), COALESCE(o.details, ''), o.amount_minor, o.currency, o.status \
         FROM payouts o JOIN partnerships p ON p.id = o.partnership_id JOIN partner_teams t ON t.id = p.partner_team_id \
         WHERE o.program_id = $1 AND (o.status = $2 OR o.status = $3) ORDER BY o.id",
    )
    .bind(program_id)
    .bind(status.unwrap_or(PayoutStatus::Requested).as_str())
    .bind(status.unwrap_or(PayoutStatus::Processing).as_str())
    .fetch_all(&mut db.conn().await?)
    .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for r in rows {
        let payout_id: i64 = r.try_get(0)?;
        let reward_ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM rewards WHERE payout_id = $1 ORDER BY id")
                .bind(payout_id)
                .fetch_all(&mut db.conn().await?)
                .await?;
        lines.push(ExportLine {
            payout_id,
            payee: r.try_get(1)?,
            method: r.try_get(2)?,
            details: r.try_get(3)?,
            amount_minor: r.try_get(4)?,
            currency: r.try_get(5)?,
            status: r.try_get(6)?,
            reward_ids,
        });
    }
    Ok(lines)
}

/// The export as CSV text (RFC 4180 quoting; cells that a spreadsheet would run as a formula
/// are prefixed with a quote).
pub fn to_csv(lines: &[ExportLine]) -> String {
    fn cell(text: &str) -> String {
        let text = if text.starts_with(['=', '+', '-', '@']) {
            format!("'{text}")
        } else {
            text.to_owned()
        };
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text
        }
    }
    let mut out =
        String::from("payout_id,payee,method,details,amount,currency,status,reward_ids\r\n");
    for l in lines {
        let amount = domain::money::input_text(l.amount_minor, &l.currency);
        let ids: Vec<String> = l.reward_ids.iter().map(i64::to_string).collect();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            l.payout_id,
            cell(&l.payee),
            cell(&l.method),
            cell(&l.details),
            amount,
            l.currency,
            l.status,
            ids.join(" ")
        ));
    }
    out
}

/// A page of payouts (of a program, optionally in one status; or of a partnership), newest
/// first, after the id `after`.
/// `restricted_to`: the teammate id of a teammate restricted to some groups, who sees only their
/// groups' partnerships' payouts.
pub async fn page(
    db: &Db,
    program_id: i64,
    partnership_id: Option<i64>,
    status: Option<PayoutStatus>,
    after: Option<i64>,
    mask_details: bool,
    restricted_to: Option<i64>,
) -> Result<(Vec<crate::dto::PayoutRow>, Option<i64>), AppError> {
    const PAGE: i64 = 50;
    // The limit is written into the text (see the `db` module: bound limits re-plan).
    let sql = format!(
        "SELECT o.id, t.name, o.amount_minor, o.currency, o.status, COALESCE(o.method, ''), COALESCE(o.details, ''), \
         o.reference, o.reason, o.created_at, (SELECT COUNT(*) FROM rewards r WHERE r.payout_id = o.id) \
         FROM payouts o JOIN partnerships p ON p.id = o.partnership_id JOIN partner_teams t ON t.id = p.partner_team_id \
         WHERE o.program_id = $1 AND ($2 = 0 OR o.partnership_id = $2) AND ($3 = '' OR o.status = $3) AND o.id < $4 \
         AND ($5 = 0 OR p.group_id IN (SELECT group_id FROM teammate_groups WHERE teammate_id = $5)) \
         ORDER BY o.id DESC LIMIT {}",
        PAGE + 1
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program_id)
        .bind(partnership_id.unwrap_or(0))
        .bind(status.map(|s| s.as_str()).unwrap_or(""))
        .bind(after.unwrap_or(i64::MAX))
        .bind(restricted_to.unwrap_or(0))
        .fetch_all(&mut db.conn().await?)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let currency: String = r.try_get(3)?;
        let method: String = r.try_get(5)?;
        let details: String = r.try_get(6)?;
        out.push(crate::dto::PayoutRow {
            id: r.try_get(0)?,
            partner: r.try_get(1)?,
            amount: crate::dto::Money::new(r.try_get(2)?, &currency),
            status: crate::db::stored(r, 4)?,
            method: domain::payout::PayoutMethod::parse(&method)
                .map(|m| m.label().to_owned())
                .unwrap_or(method),
            details: if mask_details {
                domain::payout::mask(&details)
            } else {
                details
            },
            reference: r.try_get(7)?,
            reason: r.try_get(8)?,
            created_at: domain::time::format_date(r.try_get(9)?),
            rewards: r.try_get(10)?,
        });
    }
    let next = if out.len() as i64 > PAGE {
        out.truncate(PAGE as usize);
        out.last().map(|p| p.id)
    } else {
        None
    };
    Ok((out, next))
}

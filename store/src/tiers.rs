//! The tier engine: measures each partnership against its program's tier rules, promotes at
//! once and demotes after the grace period (`domain::tier::decide`), and keeps every change in
//! `tier_changes` so that rewards use the tier in force at their event's time.

use domain::tier::{Metric, Standing, TierBenefits, TierDecision, TierRule, decide};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::db::{Db, Tx, is_unique_violation, now_ms};
use super::events::{self, NewEvent};
use crate::error::AppError;

const DAY_MS: i64 = 86_400_000;

/// A program's tiers with their rules, and what the engine needs to judge them.
#[derive(Debug, Clone)]
pub struct ProgramTiers {
    pub company_id: i64,
    pub currency: String,
    pub grace_days: i64,
    pub tiers: Vec<TierRow>,
}

#[derive(Debug, Clone)]
pub struct TierRow {
    pub id: i64,
    pub rank: i64,
    pub name: String,
    pub rule: TierRule,
}

impl TierRow {
    /// A tier the engine can reach: `None` for one saved without a valid rule, which is never
    /// reached automatically.
    pub(crate) fn with_rule(id: i64, rank: i64, name: String, rule: &str) -> Option<TierRow> {
        serde_json::from_str::<TierRule>(rule)
            .ok()
            .map(|rule| TierRow {
                id,
                rank,
                name,
                rule,
            })
    }
}

impl ProgramTiers {
    fn get(&self, id: Option<i64>) -> Option<&TierRow> {
        id.and_then(|id| self.tiers.iter().find(|t| t.id == id))
    }
}

pub async fn program_tiers(
    conn: &mut sqlx::AnyConnection,
    program_id: i64,
) -> Result<ProgramTiers, AppError> {
    // The program and its tiers in one read: a program without tiers gives one row of NULLs.
    let rows = sqlx::query(
        "SELECT pr.company_id, pr.currency, pr.tier_grace_days, t.id, t.rank, t.name, t.rule \
         FROM programs pr LEFT JOIN tiers t ON t.program_id = pr.id WHERE pr.id = $1 ORDER BY t.rank, t.id",
    )
    .bind(program_id)
    .fetch_all(&mut *conn)
    .await?;
    let program = rows.first().ok_or_else(|| AppError::not_found("Program"))?;
    let mut tiers = Vec::with_capacity(rows.len());
    for r in &rows {
        let Some(id) = r.try_get::<Option<i64>, _>(3)? else {
            continue;
        };
        tiers.extend(TierRow::with_rule(
            id,
            r.try_get(4)?,
            r.try_get(5)?,
            &r.try_get::<String, _>(6)?,
        ));
    }
    Ok(ProgramTiers {
        company_id: program.try_get(0)?,
        currency: program.try_get(1)?,
        grace_days: program.try_get(2)?,
        tiers,
    })
}

/// The value of `rule`'s metric for one partnership over the rule's window of days ending today.
/// Revenue is summed from the kept per-day sums (`partnership_days`), at most one row per day
/// of the window; paying customers are counted from the partnership's transactions.
pub async fn measure<'e, E>(
    executor: E,
    partnership_id: i64,
    rule: &TierRule,
    now: i64,
) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (first, last) = rule.window_days(now);
    let (sql, from, to) = match rule.metric {
        Metric::ClosedWonRevenue => (
            "SELECT CAST(COALESCE(SUM(closed_won_minor), 0) AS BIGINT) FROM partnership_days \
             WHERE partnership_id = $1 AND day >= $2 AND day <= $3",
            first,
            last,
        ),
        Metric::PaidRevenue => (
            "SELECT CAST(COALESCE(SUM(paid_minor), 0) AS BIGINT) FROM partnership_days \
             WHERE partnership_id = $1 AND day >= $2 AND day <= $3",
            first,
            last,
        ),
        Metric::PayingCustomers => (
            "SELECT COUNT(*) FROM (SELECT customer_id FROM transactions \
             WHERE partnership_id = $1 AND occurred_at >= $2 AND occurred_at <= $3 \
             GROUP BY customer_id HAVING SUM(amount_minor) > 0) paying",
            first.saturating_mul(DAY_MS),
            (last + 1) * DAY_MS - 1,
        ),
    };
    sqlx::query_scalar(sql)
        .bind(partnership_id)
        .bind(from)
        .bind(to)
        .fetch_one(executor)
        .await
}

/// One tier change as it is shown.
#[derive(Debug, Clone)]
pub struct Change {
    pub from: Option<String>,
    pub to: Option<String>,
    pub kind: &'static str,
    pub reason: String,
}

/// Evaluates one active partnership's tier now and applies the decision, with its history row
/// and event. Returns the change, if the tier moved.
pub async fn evaluate(
    tx: &mut Tx,
    program_id: i64,
    partnership_id: i64,
    now: i64,
    actor_user_id: Option<i64>,
) -> Result<Option<Change>, AppError> {
    let program = program_tiers(tx, program_id).await?;
    if program.tiers.is_empty() {
        return Ok(None);
    }
    let row = sqlx::query("SELECT tier_id, tier_below_since, status FROM partnerships WHERE id = $1 AND program_id = $2")
        .bind(partnership_id)
        .bind(program_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::not_found("Partnership"))?;
    let tier_id: Option<i64> = row.try_get(0)?;
    let below_since: Option<i64> = row.try_get(1)?;
    if row.try_get::<String, _>(2)? != domain::partnership::PartnershipStatus::Active.as_str() {
        return Ok(None);
    }
    // A tier without a rule (or removed) was set by hand: the engine leaves it alone.
    if tier_id.is_some() && program.get(tier_id).is_none() {
        return Ok(None);
    }
    // Each distinct rule is measured once.
    let mut values: Vec<(TierRule, i64)> = Vec::new();
    for t in &program.tiers {
        let key = TierRule {
            threshold: 0,
            ..t.rule.clone()
        };
        if !values.iter().any(|(r, _)| *r == key) {
            let v = measure(&mut **tx, partnership_id, &t.rule, now).await?;
            values.push((key, v));
        }
    }
    let value_of = |rule: &TierRule| {
        values
            .iter()
            .find(|(r, _)| r.metric == rule.metric && r.window_days == rule.window_days)
            .map_or(0, |(_, v)| *v)
    };
    let qualifying = program
        .tiers
        .iter()
        .filter(|t| t.rule.qualifies(value_of(&t.rule)))
        .max_by_key(|t| (t.rank, t.id));
    let standing = |t: &TierRow| Standing {
        rank: t.rank,
        tier_id: t.id,
    };
    let current = program.get(tier_id);
    let (to, change) = match decide(
        current.map(standing),
        qualifying.map(standing),
        below_since,
        now,
        program.grace_days,
    ) {
        TierDecision::Keep { below_since: kept } => {
            if kept != below_since {
                sqlx::query("UPDATE partnerships SET tier_below_since = $1 WHERE id = $2")
                    .bind(kept)
                    .bind(partnership_id)
                    .execute(&mut **tx)
                    .await?;
            }
            return Ok(None);
        }
        TierDecision::Promote(to) => {
            let to = program
                .get(Some(to.tier_id))
                .ok_or_else(|| AppError::internal("a promotion to a tier not in the program"))?;
            let reason = domain::tier::promotion_reason(
                &to.name,
                &to.rule,
                value_of(&to.rule),
                &program.currency,
            );
            (
                Some(to),
                Change {
                    from: current.map(|t| t.name.clone()),
                    to: Some(to.name.clone()),
                    kind: "promoted",
                    reason,
                },
            )
        }
        TierDecision::Demote(to) => {
            let from = current.ok_or_else(|| AppError::internal("a demotion from no tier"))?;
            let reason = domain::tier::demotion_reason(
                &from.name,
                &from.rule,
                value_of(&from.rule),
                &program.currency,
                program.grace_days,
            );
            let to = to.and_then(|s| program.get(Some(s.tier_id)));
            (
                to,
                Change {
                    from: Some(from.name.clone()),
                    to: to.map(|t| t.name.clone()),
                    kind: "demoted",
                    reason,
                },
            )
        }
    };
    record(
        tx,
        program_id,
        program.company_id,
        partnership_id,
        (tier_id, to.map(|t| t.id)),
        &change,
        actor_user_id,
        now,
    )
    .await?;
    Ok(Some(change))
}

/// Moves a partnership to `to` and keeps the change: the history row the reward engine reads and
/// the event the timeline and the outbox read. A teammate's change is a `set` with their reason.
#[expect(clippy::too_many_arguments, reason = "one value per column written")]
pub async fn record(
    tx: &mut Tx,
    program_id: i64,
    company_id: i64,
    partnership_id: i64,
    (from, to): (Option<i64>, Option<i64>),
    change: &Change,
    actor_user_id: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE partnerships SET tier_id = $1, tier_below_since = NULL WHERE id = $2")
        .bind(to)
        .bind(partnership_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO tier_changes (program_id, partnership_id, from_tier_id, to_tier_id, kind, reason, actor_user_id, effective_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(program_id)
    .bind(partnership_id)
    .bind(from)
    .bind(to)
    .bind(change.kind)
    .bind(&change.reason)
    .bind(actor_user_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    events::append(
        tx,
        NewEvent {
            actor_user_id,
            company_id: Some(company_id),
            kind: "partnership.tier_changed",
            subject_type: "partnership",
            subject_id: partnership_id,
            payload: serde_json::json!({
                "before": from,
                "after": to,
                "kind": change.kind,
                "reason": change.reason,
                "summary": change.summary(),
            }),
        },
    )
    .await?;
    let summary = change.summary();
    let to = super::partnerships::PartnerMail::of(tx, partnership_id).await?;
    let program = to.program.as_str();
    to.send(
        tx,
        &super::messages::Message::TierChanged {
            program,
            summary: &summary,
        },
    )
    .await
}

/// A teammate's (or a trigger's, with its reason) choice of tier for a partnership. The engine may still move it later by the
/// rules (up at once, down after the grace period).
pub async fn set_by_teammate(
    tx: &mut Tx,
    (program_id, company_id): (i64, i64),
    partnership_id: i64,
    (from, to): (Option<i64>, Option<i64>),
    (actor_user_id, reason): (Option<i64>, Option<&str>),
    now: i64,
) -> Result<(), AppError> {
    let mut names = Vec::with_capacity(2);
    for id in [from, to] {
        names.push(match id {
            Some(id) => {
                sqlx::query_scalar::<_, String>("SELECT name FROM tiers WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
            }
            None => None,
        });
    }
    let to_name = names.pop().flatten();
    let change = Change {
        from: names.pop().flatten(),
        to: to_name,
        kind: "set",
        reason: reason.unwrap_or("Set by the vendor's team").to_owned(),
    };
    record(
        tx,
        program_id,
        company_id,
        partnership_id,
        (from, to),
        &change,
        actor_user_id,
        now,
    )
    .await
}

impl Change {
    /// "Promoted from Silver to Gold: …" as the timeline and the partner read it.
    pub fn summary(&self) -> String {
        let verb = match self.kind {
            "promoted" => "Promoted",
            "demoted" => "Moved down",
            _ => "Tier set",
        };
        let from = self.from.as_deref().unwrap_or("no tier");
        let to = self.to.as_deref().unwrap_or("no tier");
        format!("{verb} from {from} to {to}: {}", self.reason)
    }
}

/// A partnership's tier history, oldest first.
pub async fn history_of(
    conn: &mut sqlx::AnyConnection,
    partnership_id: i64,
) -> Result<Vec<domain::tier::TierChange>, sqlx::Error> {
    sqlx::query_as::<_, (i64, Option<i64>, Option<i64>)>(
        "SELECT effective_at, from_tier_id, to_tier_id FROM tier_changes WHERE partnership_id = $1 \
         ORDER BY effective_at, id",
    )
    .bind(partnership_id)
    .fetch_all(&mut *conn)
    .await
    .map(|rows| {
        rows.into_iter()
            .map(|(effective_at, from, to)| domain::tier::TierChange {
                effective_at,
                from,
                to,
            })
            .collect()
    })
}

/// Runs the daily evaluation if no server process has run it today (UTC): the run is claimed
/// with a conditional update, then every active partnership is evaluated in pages, each in its
/// own transaction. Returns how many tiers changed, or `None` when today's run was taken.
pub async fn evaluate_daily(db: &Db, now: i64) -> Result<Option<usize>, AppError> {
    let today = now - now.rem_euclid(DAY_MS);
    let claimed = sqlx::query(
        "UPDATE job_runs SET last_run_at = $1 WHERE name = 'tier_evaluation' AND last_run_at < $2",
    )
    .bind(now)
    .bind(today)
    .execute(&db.pool)
    .await?;
    if claimed.rows_affected() == 0 {
        return Ok(None);
    }
    evaluate_all(db, now).await.map(Some)
}

/// Evaluates every active partnership that has tiers to reach, 200 at a time by id.
pub async fn evaluate_all(db: &Db, now: i64) -> Result<usize, AppError> {
    let mut after = 0_i64;
    let mut changed = 0;
    loop {
        let page: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT p.id, p.program_id FROM partnerships p WHERE p.id > $1 AND p.status = 'active' \
             AND EXISTS (SELECT 1 FROM tiers t WHERE t.program_id = p.program_id) ORDER BY p.id LIMIT 200",
        )
        .bind(after)
        .fetch_all(&mut db.conn().await?)
        .await?;
        let Some(&(last, _)) = page.last() else {
            return Ok(changed);
        };
        after = last;
        for (partnership_id, program_id) in page {
            let mut tx = db.begin().await?;
            if evaluate(&mut tx, program_id, partnership_id, now, None)
                .await?
                .is_some()
            {
                changed += 1;
            }
            tx.commit().await?;
        }
    }
}

/// A tier change as the partner's dashboard shows it, from `effective_at, kind, from tier's
/// name, to tier's name, reason`.
pub(crate) fn change_row(r: &AnyRow) -> Result<crate::dto::TierChangeView, sqlx::Error> {
    let kind: String = r.try_get(1)?;
    let to = r.try_get::<Option<String>, _>(3)?;
    Ok(crate::dto::TierChangeView {
        date: domain::time::format_date(r.try_get(0)?),
        title: match kind.as_str() {
            "promoted" => format!("Promoted to {}", to.unwrap_or_else(|| "no tier".into())),
            "demoted" => format!("Moved to {}", to.unwrap_or_else(|| "no tier".into())),
            _ => format!("Tier set to {}", to.unwrap_or_else(|| "none".into())),
        },
        from: r
            .try_get::<Option<String>, _>(2)?
            .unwrap_or_else(|| "No tier".into()),
        reason: r.try_get(4)?,
    })
}

/// Progress toward the tier above the one held, measured like the engine measures it, and (for
/// a partnership below its own tier's rule) when it will move down.
pub async fn progress(
    db: &Db,
    program: &ProgramTiers,
    partnership_id: i64,
    (tier_id, below_since): (Option<i64>, Option<i64>),
    now: i64,
) -> Result<(Option<crate::dto::TierProgress>, Option<String>), AppError> {
    let current_rank = program.get(tier_id).map(|t| t.rank);
    let ranked: Vec<(i64, &TierRow)> = program.tiers.iter().map(|t| (t.rank, t)).collect();
    let warning = match (program.get(tier_id), below_since) {
        (Some(held), Some(since)) => Some(format!(
            "Below {}'s rule since {}: keeps {} until {} unless it qualifies again",
            held.name,
            domain::time::format_date(since),
            held.name,
            domain::time::format_date(domain::tier::demotion_due(since, program.grace_days))
        )),
        _ => None,
    };
    let Some(next) = domain::tier::next_tier(current_rank, &ranked) else {
        return Ok((None, warning));
    };
    let value = measure(&mut db.conn().await?, partnership_id, &next.rule, now).await?;
    let text = |v: i64| next.rule.value_text(v, &program.currency);
    let progress = crate::dto::TierProgress {
        next_tier: next.name.clone(),
        metric: next.rule.measure(),
        value: text(value),
        threshold: text(next.rule.threshold),
        remaining: text(next.rule.remaining(value)),
        percent: next.rule.progress_percent(value),
    };
    Ok((Some(progress), warning))
}

/// A tier as a teammate saves it: a new one (`id` `None`) or `id`'s new name, rank, rule and
/// benefits, all checked.
pub struct TierForm<'a> {
    pub id: Option<i64>,
    pub name: &'a str,
    pub rank: i64,
    pub rule: &'a TierRule,
    pub multiplier_percent: Option<u32>,
}

/// A tier's name, rank, rule and benefits before a change, for the change's event.
fn tier_before_row(r: &AnyRow) -> Result<serde_json::Value, sqlx::Error> {
    // A rule or benefits saved damaged are recorded as null rather than refusing the change.
    let json = |i: usize| -> Result<serde_json::Value, sqlx::Error> {
        Ok(serde_json::from_str(&r.try_get::<String, _>(i)?).unwrap_or_default())
    };
    Ok(serde_json::json!({
        "name": r.try_get::<String, _>(0)?,
        "rank": r.try_get::<i64, _>(1)?,
        "rule": json(2)?,
        "benefits": json(3)?,
    }))
}

/// Saves a tier of `program_id`, which the caller checked is `company_id`'s. A rank is one
/// tier's in a program: the engine orders tiers by it.
pub async fn save(
    db: &Db,
    program_id: i64,
    company_id: i64,
    user_id: i64,
    tier: TierForm<'_>,
) -> Result<(), AppError> {
    let TierForm {
        id,
        name,
        rank,
        rule,
        multiplier_percent,
    } = tier;
    let rank_taken = || {
        AppError::invalid_fields(vec![(
            "rank",
            format!("Another tier already has rank {rank}"),
        )])
    };
    let taken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tiers WHERE program_id = $1 AND rank = $2 AND id <> $3",
    )
    .bind(program_id)
    .bind(rank)
    .bind(id.unwrap_or(0))
    .fetch_one(&mut db.conn().await?)
    .await?;
    if taken > 0 {
        return Err(rank_taken());
    }
    let unique = |e: sqlx::Error| -> AppError {
        if is_unique_violation(&e) {
            rank_taken()
        } else {
            e.into()
        }
    };
    let rule_json = serde_json::to_string(rule).map_err(AppError::internal)?;
    let benefits =
        serde_json::to_string(&TierBenefits { multiplier_percent }).map_err(AppError::internal)?;
    let mut tx = db.begin().await?;
    let (tier_id, kind, before) = match id {
        Some(id) => {
            let before = sqlx::query(
                "SELECT name, rank, rule, benefits FROM tiers WHERE id = $1 AND program_id = $2",
            )
            .bind(id)
            .bind(program_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::not_found("Tier"))?;
            let before = tier_before_row(&before)?;
            sqlx::query(
                "UPDATE tiers SET name = $1, rank = $2, rule = $3, benefits = $4 WHERE id = $5",
            )
            .bind(name)
            .bind(rank)
            .bind(&rule_json)
            .bind(&benefits)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(unique)?;
            (id, "tier.updated", Some(before))
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO tiers (program_id, name, rank, rule, benefits, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(program_id)
            .bind(name)
            .bind(rank)
            .bind(&rule_json)
            .bind(&benefits)
            .bind(now_ms())
            .fetch_one(&mut *tx)
            .await
            .map_err(unique)?;
            (id, "tier.created", None)
        }
    };
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(company_id),
            kind,
            subject_type: "tier",
            subject_id: tier_id,
            payload: serde_json::json!({
                "program_id": program_id,
                "before": before,
                "name": name,
                "rank": rank,
                "rule": rule,
                "benefits": { "multiplier_percent": multiplier_percent },
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

//! The `triggers` and `trigger_runs` tables: a program's automation (the rule is
//! `domain::trigger`), its run log, the runner that applies it to events and the dry run that
//! shows what it would have done.
//!
//! An event a trigger listens to queues a `run_triggers` job when it is appended
//! ([`crate::events::append`]). The runner takes the job, evaluates every enabled trigger of
//! the event's program against it and applies the actions of those that hold, each trigger's
//! run logged with its outcome, all in one transaction with the job's end: a trigger runs at
//! most once per event, and either all of an event's runs are kept or none.

use std::collections::BTreeSet;

use domain::deal::{DealMotion, DealStage};
use domain::job::Queue;
use domain::money::format_minor;
use domain::offer::Payout;
use domain::partnership::PartnershipStatus;
use domain::reward::{RewardStatus, available_at};
use domain::trigger::{self, Action, EventFacts, Skip, TriggerEvent, TriggerRule};
use sqlx::AnyConnection;
use sqlx::Row;

use super::bulk::{self, Actor, BulkAction};
use super::db::{Db, Tx};
use super::events::{self, Cause, NewEvent};
use super::jobs::{self, Claimed};
use super::messages::Message;
use super::rewards::{self, NewReward, ProgramMoney};
use super::structure::{Owned, owned_name};
use crate::error::AppError;

const DAY_MS: i64 = 86_400_000;

/// A saved trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTrigger {
    pub id: i64,
    pub name: String,
    pub rule: TriggerRule,
    pub enabled: bool,
    /// When it last ran or was skipped for an event.
    pub last_run_at: Option<i64>,
}

const TRIGGER_SQL: &str = "SELECT t.id, t.name, t.rule, t.enabled, \
     (SELECT r.created_at FROM trigger_runs r WHERE r.trigger_id = t.id ORDER BY r.id DESC LIMIT 1) \
     FROM triggers t";

fn stored(row: &sqlx::any::AnyRow) -> Result<StoredTrigger, AppError> {
    let rule: String = row.try_get(2)?;
    Ok(StoredTrigger {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        rule: serde_json::from_str(&rule).map_err(AppError::internal)?,
        enabled: row.try_get::<i64, _>(3)? == 1,
        last_run_at: row.try_get(4)?,
    })
}

/// How many triggers a program may have.
pub const MAX_TRIGGERS: i64 = 100;

/// The program's triggers, oldest first.
pub async fn list(db: &Db, program_id: i64) -> Result<Vec<StoredTrigger>, AppError> {
    let sql = format!("{TRIGGER_SQL} WHERE t.program_id = $1 ORDER BY t.id LIMIT {MAX_TRIGGERS}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program_id)
        .fetch_all(&mut db.conn().await?)
        .await?
        .iter()
        .map(stored)
        .collect()
}

/// Trigger `id` of the program.
pub async fn get(db: &Db, program_id: i64, id: i64) -> Result<StoredTrigger, AppError> {
    let sql = format!("{TRIGGER_SQL} WHERE t.id = $1 AND t.program_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(program_id)
        .fetch_optional(&mut db.conn().await?)
        .await?
        .ok_or_else(|| AppError::not_found("Trigger"))?;
    stored(&row)
}

/// Checks that what the rule names (its segment, tags, group, tier) belongs to the program.
async fn check_names(
    conn: &mut AnyConnection,
    program_id: i64,
    rule: &TriggerRule,
) -> Result<(), AppError> {
    let mut named = Vec::new();
    if let Some(segment) = rule.conditions.segment_id {
        named.push((Owned::Segment, segment, "segment"));
    }
    for action in &rule.actions {
        match action {
            Action::AddTag(id) => named.push((Owned::Tag, *id, "add_tag")),
            Action::RemoveTag(id) => named.push((Owned::Tag, *id, "remove_tag")),
            Action::MoveGroup(id) => named.push((Owned::Group, *id, "move_group")),
            Action::SetTier(id) => named.push((Owned::Tier, *id, "set_tier")),
            Action::CallWebhook(id) => named.push((Owned::Webhook, *id, "call_webhook")),
            Action::CreateReward { .. } | Action::EmailPartner { .. } => {}
        }
    }
    for (table, id, field) in named {
        match owned_name(conn, table, id, program_id).await {
            Ok(_) => {}
            Err(e) if e.status == 404 => {
                return Err(AppError::invalid_fields(vec![(
                    field,
                    format!("Choose one of this program's {}", table.noun()),
                )]));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Creates a trigger (enabled), or replaces trigger `id`'s name and rule. Returns its id.
pub async fn save(
    db: &Db,
    program: &ProgramMoney,
    id: Option<i64>,
    draft: &trigger::TriggerDraft,
    user_id: i64,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = db.begin().await?;
    let id = save_in(&mut tx, program, id, draft, user_id, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`save`] in the caller's transaction.
pub async fn save_in(
    tx: &mut Tx,
    program: &ProgramMoney,
    id: Option<i64>,
    draft: &trigger::TriggerDraft,
    user_id: i64,
    now: i64,
) -> Result<i64, AppError> {
    let rule = serde_json::to_string(&draft.rule).map_err(AppError::internal)?;
    check_names(tx, program.program_id, &draft.rule).await?;
    let (id, kind) = match id {
        None => {
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM triggers WHERE program_id = $1")
                    .bind(program.program_id)
                    .fetch_one(&mut **tx)
                    .await?;
            if count >= MAX_TRIGGERS {
                return Err(AppError::new(
                    422,
                    format!("A program has at most {MAX_TRIGGERS} triggers"),
                ));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO triggers (company_id, program_id, name, event, event_kind, rule, enabled, enabled_at, \
                 created_by_user_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $8, $7, $8, $8) RETURNING id",
            )
            .bind(program.company_id)
            .bind(program.program_id)
            .bind(&draft.name)
            .bind(draft.rule.event.as_str())
            .bind(draft.rule.event.event_kind())
            .bind(&rule)
            .bind(user_id)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
            (id, "trigger.created")
        }
        Some(id) => {
            let updated = sqlx::query(
                "UPDATE triggers SET name = $1, event = $2, event_kind = $3, rule = $4, updated_at = $5 \
                 WHERE id = $6 AND program_id = $7",
            )
            .bind(&draft.name)
            .bind(draft.rule.event.as_str())
            .bind(draft.rule.event.event_kind())
            .bind(&rule)
            .bind(now)
            .bind(id)
            .bind(program.program_id)
            .execute(&mut **tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(AppError::not_found("Trigger"));
            }
            (id, "trigger.updated")
        }
    };
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(program.company_id),
            kind,
            subject_type: "trigger",
            subject_id: id,
            payload: serde_json::json!({ "program_id": program.program_id, "name": draft.name, "rule": draft.rule }),
        },
    )
    .await?;
    Ok(id)
}

/// Turns trigger `id` on or off; an event that happens while it is off never runs it, even when
/// its job runs after the trigger is on again.
pub async fn set_enabled(
    db: &Db,
    program: &ProgramMoney,
    id: i64,
    enabled: bool,
    user_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        // Turned on again, it starts from now: what happened while it was off stays unrun.
        "UPDATE triggers SET enabled_at = CASE WHEN enabled = 0 AND $1 = 1 THEN $2 ELSE enabled_at END, \
         enabled = $1, updated_at = $2 WHERE id = $3 AND program_id = $4",
    )
    .bind(i64::from(enabled))
    .bind(super::db::now_ms())
    .bind(id)
    .bind(program.program_id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::not_found("Trigger"));
    }
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(program.company_id),
            kind: if enabled {
                "trigger.enabled"
            } else {
                "trigger.disabled"
            },
            subject_type: "trigger",
            subject_id: id,
            payload: serde_json::json!({ "program_id": program.program_id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One line of a trigger's run log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub id: i64,
    pub at: i64,
    /// The event in words.
    pub event: String,
    pub partner: Option<String>,
    pub outcome: Outcome,
    pub lines: Vec<String>,
}

/// How a trigger's run for an event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Its actions were applied.
    Ran,
    /// A condition did not hold; the run's line says which.
    Skipped,
    /// An action could not be applied (a tag deleted since); nothing of the run was kept.
    Failed,
}

domain::stored_names!(Outcome, "trigger run outcome", {
    Ran => "ran",
    Skipped => "skipped",
    Failed => "failed",
});

/// How many runs one page of the log shows.
pub const RUNS_PAGE: i64 = 50;

/// A page of trigger `id`'s runs, newest first, from before run `before`; with the `before`
/// of the next page when there is one.
pub async fn runs(
    db: &Db,
    program_id: i64,
    id: i64,
    before: Option<i64>,
) -> Result<(Vec<Run>, Option<i64>), AppError> {
    let sql = format!(
        "SELECT r.id, r.created_at, r.event_text, pt.name, r.outcome, r.detail FROM trigger_runs r \
         JOIN triggers t ON t.id = r.trigger_id \
         LEFT JOIN partnerships p ON p.id = r.partnership_id \
         LEFT JOIN partner_teams pt ON pt.id = p.partner_team_id \
         WHERE r.trigger_id = $1 AND t.program_id = $2 AND r.id < $3 ORDER BY r.id DESC LIMIT {}",
        RUNS_PAGE + 1
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(program_id)
        .bind(before.unwrap_or(i64::MAX))
        .fetch_all(&mut db.conn().await?)
        .await?;
    let mut runs = rows
        .iter()
        .map(|r| -> Result<Run, AppError> {
            let detail: String = r.try_get(5)?;
            Ok(Run {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                event: r.try_get(2)?,
                partner: r.try_get(3)?,
                outcome: crate::db::stored(r, 4)?,
                lines: serde_json::from_str(&detail).unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let older = if runs.len() as i64 > RUNS_PAGE {
        runs.truncate(RUNS_PAGE as usize);
        runs.last().map(|r| r.id)
    } else {
        None
    };
    Ok((runs, older))
}

/// A logged event, as the runner and the dry run read it.
#[derive(Debug, Clone)]
struct Happened {
    id: i64,
    occurred_at: i64,
    company_id: Option<i64>,
    kind: String,
    subject_type: String,
    subject_id: i64,
    payload: serde_json::Value,
    caused_by: Vec<i64>,
    origin_event_id: Option<i64>,
}

const EVENT_SQL: &str = "SELECT id, occurred_at, company_id, kind, subject_type, subject_id, payload, \
     caused_by_triggers, origin_event_id FROM events";

fn happened(row: &sqlx::any::AnyRow) -> Result<Happened, AppError> {
    let payload: String = row.try_get(6)?;
    let caused_by: Option<String> = row.try_get(7)?;
    Ok(Happened {
        id: row.try_get(0)?,
        occurred_at: row.try_get(1)?,
        company_id: row.try_get(2)?,
        kind: row.try_get(3)?,
        subject_type: row.try_get(4)?,
        subject_id: row.try_get(5)?,
        payload: serde_json::from_str(&payload).unwrap_or_default(),
        caused_by: events::parse_trigger_list(caused_by.as_deref()),
        origin_event_id: row.try_get(8)?,
    })
}

impl Happened {
    fn text(&self, key: &str) -> Option<&str> {
        self.payload.get(key).and_then(serde_json::Value::as_str)
    }

    fn event(&self) -> Option<TriggerEvent> {
        TriggerEvent::of(&self.kind, self.text("before"), self.text("after"))
    }
}

/// What an event happened to: the partnership it concerns and the values conditions read.
#[derive(Debug, Clone)]
struct Subject {
    program_id: i64,
    partnership_id: i64,
    amount_minor: Option<i64>,
    product_key: Option<String>,
    deal_stage: Option<DealStage>,
    deal_motion: Option<DealMotion>,
    transaction_id: Option<i64>,
    /// The event in words ("transaction T-1001", "deal Contoso").
    what: String,
}

impl Subject {
    /// The event in words with its amount ("transaction inv_1 of $1,500.00").
    fn described(&self, currency: domain::money::Currency) -> String {
        match self.amount_minor {
            Some(amount) => format!("{} of {}", self.what, format_minor(amount, currency)),
            None => self.what.clone(),
        }
    }
}

/// The subject of `h`, or `None` when it concerns no partnership (a customer nobody referred,
/// a transaction of such a customer).
async fn subject(conn: &mut AnyConnection, h: &Happened) -> Result<Option<Subject>, AppError> {
    // Every query reads the same columns: program, partnership, amount, a name, one more text.
    let sql = match h.subject_type.as_str() {
        "transaction" => {
            "SELECT program_id, partnership_id, amount_minor, transaction_key, product_key FROM transactions WHERE id = $1"
        }
        "reward" => {
            "SELECT program_id, partnership_id, amount_minor, description, CAST(NULL AS TEXT) FROM rewards WHERE id = $1"
        }
        "deal" => {
            "SELECT program_id, partnership_id, amount_minor, name, motion FROM deals WHERE id = $1"
        }
        "lead" => {
            "SELECT program_id, partnership_id, CAST(NULL AS BIGINT), company_name, CAST(NULL AS TEXT) FROM leads WHERE id = $1"
        }
        "payout" => {
            "SELECT program_id, partnership_id, amount_minor, CAST(NULL AS TEXT), CAST(NULL AS TEXT) FROM payouts WHERE id = $1"
        }
        "partnership" => {
            "SELECT program_id, id, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT) FROM partnerships WHERE id = $1"
        }
        "customer" => {
            "SELECT program_id, partnership_id, CAST(NULL AS BIGINT), name, CAST(NULL AS TEXT) FROM customers WHERE id = $1"
        }
        _ => return Ok(None),
    };
    let Some(row) = sqlx::query(sql)
        .bind(h.subject_id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let partnership: Option<i64> = match h.subject_type.as_str() {
        // The partnership the customer was credited to by this event, not a later one.
        "customer" => h
            .payload
            .get("partnership_id")
            .and_then(serde_json::Value::as_i64),
        _ => row.try_get(1)?,
    };
    let Some(partnership_id) = partnership else {
        return Ok(None);
    };
    // A clawback is a negative reward: "a reward was created" means a partner earned one.
    if h.subject_type == "reward" && row.try_get::<Option<i64>, _>(2)?.is_some_and(|a| a <= 0) {
        return Ok(None);
    }
    let name: Option<String> = row.try_get(3)?;
    let extra: Option<String> = row.try_get(4)?;
    let mut subject = Subject {
        program_id: row.try_get(0)?,
        partnership_id,
        amount_minor: row.try_get(2)?,
        product_key: None,
        deal_stage: None,
        deal_motion: None,
        transaction_id: None,
        what: String::new(),
    };
    let name = name.unwrap_or_default();
    subject.what = match h.subject_type.as_str() {
        "transaction" => {
            subject.product_key = extra;
            subject.transaction_id = Some(h.subject_id);
            format!("transaction {name}")
        }
        "reward" => format!("reward “{name}”"),
        "deal" => {
            subject.deal_motion = extra.as_deref().and_then(|m| DealMotion::parse(m).ok());
            subject.deal_stage = h.text("after").and_then(|s| DealStage::parse(s).ok());
            // The amount the deal closed at, when the change set one.
            if let Some(amount) = h
                .payload
                .get("amount_minor")
                .and_then(serde_json::Value::as_i64)
            {
                subject.amount_minor = Some(amount);
            }
            format!(
                "deal {name} moved to {}",
                subject.deal_stage.map_or("another stage", DealStage::label)
            )
        }
        "lead" => format!("lead {name}"),
        "payout" => "payout".to_owned(),
        "customer" => format!("customer {name}"),
        _ => match h.kind.as_str() {
            "partnership.tier_changed" => h.text("summary").unwrap_or("tier changed").to_owned(),
            "partner_joined" => "joined the program".to_owned(),
            _ => "application approved".to_owned(),
        },
    };
    Ok(Some(subject))
}

/// The partnership a trigger acts on.
#[derive(Debug, Clone)]
struct Partner {
    id: i64,
    team_id: i64,
    name: String,
    status: Option<PartnershipStatus>,
}

async fn partner(conn: &mut AnyConnection, partnership_id: i64) -> Result<Partner, AppError> {
    let row = sqlx::query(
        "SELECT p.id, p.partner_team_id, t.name, p.status FROM partnerships p \
         JOIN partner_teams t ON t.id = p.partner_team_id WHERE p.id = $1",
    )
    .bind(partnership_id)
    .fetch_one(&mut *conn)
    .await?;
    let status: String = row.try_get(3)?;
    Ok(Partner {
        id: row.try_get(0)?,
        team_id: row.try_get(1)?,
        name: row.try_get(2)?,
        status: PartnershipStatus::parse(&status).ok(),
    })
}

/// What the triggers of an event act on: its subject and the partnership, read once per
/// event however many triggers listen.
struct Seen {
    subject: Subject,
    partner: Partner,
}

/// The subject and partnership of `h`; `None` when it concerns no partner.
async fn see(conn: &mut AnyConnection, h: &Happened) -> Result<Option<Seen>, AppError> {
    let Some(subject) = subject(conn, h).await? else {
        return Ok(None);
    };
    let partner = partner(conn, subject.partnership_id).await?;
    Ok(Some(Seen { subject, partner }))
}

/// What a trigger sees of an event, with whether it runs.
struct Evaluated<'s> {
    subject: &'s Subject,
    partner: &'s Partner,
    verdict: Result<(), Skip>,
}

/// Evaluates trigger `trigger_id` (`None`: a trigger not saved yet) of the program against
/// `h`; `None` when the trigger does not concern it (another event, another program).
async fn evaluate<'s>(
    conn: &mut AnyConnection,
    seen: &'s Seen,
    program_id: i64,
    trigger_id: Option<i64>,
    rule: &TriggerRule,
    h: &Happened,
) -> Result<Option<Evaluated<'s>>, AppError> {
    let subject = &seen.subject;
    if h.event() != Some(rule.event) || subject.program_id != program_id {
        return Ok(None);
    }
    let in_segment = match rule.conditions.segment_id {
        Some(segment) => super::segments::contains(conn, segment, subject.partnership_id).await?,
        None => true,
    };
    let facts = EventFacts {
        event: rule.event,
        occurred_at: h.occurred_at,
        amount_minor: subject.amount_minor,
        product_key: subject.product_key.clone(),
        deal_stage: subject.deal_stage,
        deal_motion: subject.deal_motion,
        in_segment,
        caused_by: h.caused_by.clone(),
    };
    // A trigger not saved yet has no id an event could carry.
    let verdict = trigger::check(trigger_id.unwrap_or(0), rule, &facts);
    Ok(Some(Evaluated {
        subject,
        partner: &seen.partner,
        verdict,
    }))
}

/// The program's name and money settings, as actions use them.
pub struct ProgramFacts {
    pub money: ProgramMoney,
    pub name: String,
}

async fn program_facts(
    conn: &mut AnyConnection,
    program_id: i64,
) -> Result<ProgramFacts, AppError> {
    let row = sqlx::query(
        "SELECT name, company_id, currency, hold_days, min_cashout_minor FROM programs WHERE id = $1",
    )
    .bind(program_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::not_found("Program"))?;
    Ok(ProgramFacts {
        money: rewards::money_row(program_id, &row, 1)?,
        name: row.try_get(0)?,
    })
}

/// The line a log keeps of one action, applied (`applied`) or as a dry run would do it.
async fn action_line(
    conn: &mut AnyConnection,
    program: &ProgramFacts,
    action: &Action,
    e: &Evaluated<'_>,
) -> Result<String, AppError> {
    let program_id = program.money.program_id;
    let currency = program.money.currency;
    Ok(match action {
        Action::CreateReward { payout, .. } => {
            match trigger::reward(*payout, e.subject.amount_minor, currency) {
                Ok(r) => format!("Reward of {}", format_minor(r.amount_minor, currency)),
                Err(skip) => skip.reason(currency),
            }
        }
        Action::AddTag(id)
        | Action::RemoveTag(id)
        | Action::MoveGroup(id)
        | Action::SetTier(id) => {
            let (verb, table) = match action {
                Action::AddTag(_) => ("Add tag", Owned::Tag),
                Action::RemoveTag(_) => ("Remove tag", Owned::Tag),
                Action::MoveGroup(_) => ("Move to group", Owned::Group),
                _ => ("Set tier", Owned::Tier),
            };
            format!("{verb} {}", owned_name(conn, table, *id, program_id).await?)
        }
        Action::EmailPartner { subject, .. } => {
            format!("Email {}: “{}”", e.partner.name, fill(subject, program, e))
        }
        Action::CallWebhook(id) => format!(
            "Send to webhook {}",
            owned_name(conn, Owned::Webhook, *id, program_id).await?
        ),
    })
}

fn fill(text: &str, program: &ProgramFacts, e: &Evaluated<'_>) -> String {
    let amount = e
        .subject
        .amount_minor
        .map(|a| format_minor(a, program.money.currency));
    trigger::fill(text, &e.partner.name, &program.name, amount.as_deref())
}

/// Applies one action of trigger `(id, name)` for `h`; returns the log's line.
async fn apply(
    tx: &mut Tx,
    program: &ProgramFacts,
    (trigger_id, trigger_name): (i64, &str),
    action: &Action,
    h: &Happened,
    e: &Evaluated<'_>,
    now: i64,
) -> Result<String, AppError> {
    let money = &program.money;
    let line = action_line(tx, program, action, e).await?;
    let change = match action {
        Action::CreateReward {
            payout,
            description,
        } => {
            return create_reward(
                tx,
                money,
                (trigger_id, trigger_name),
                (*payout, description),
                h,
                e,
                now,
            )
            .await
            .map(|made| {
                if made {
                    line
                } else {
                    format!("No reward: the partner is not active ({line})")
                }
            });
        }
        Action::EmailPartner { subject, body } => {
            super::partnerships::email_team_owners(
                tx,
                money.company_id,
                money.program_id,
                e.partner.team_id,
                &Message::Automation {
                    program: &program.name,
                    heading: &fill(subject, program, e),
                    text: &fill(body, program, e),
                },
            )
            .await?;
            return Ok(line);
        }
        Action::CallWebhook(endpoint) => {
            let queued =
                super::webhooks::queue_for_trigger(tx, money.program_id, *endpoint, h.id, now)
                    .await?;
            return Ok(if queued {
                line
            } else {
                format!("{line}: already sent")
            });
        }
        Action::AddTag(id) => BulkAction::AddTag(*id),
        Action::RemoveTag(id) => BulkAction::RemoveTag(*id),
        Action::MoveGroup(id) => BulkAction::MoveGroup(*id),
        Action::SetTier(id) => BulkAction::SetTier(Some(*id)),
    };
    let targets = bulk::load(tx, money.program_id, &BTreeSet::from([e.partner.id])).await?;
    let by = Actor {
        user_id: None,
        company_id: money.company_id,
        program_id: money.program_id,
        reason: Some(format!("Set by the trigger “{trigger_name}”")),
    };
    let mut changed = false;
    for target in &targets {
        changed |= bulk::change(tx, &by, target, change, now).await?;
    }
    Ok(if changed {
        line
    } else {
        format!("{line}: nothing to change")
    })
}

/// A trigger's reward, explained like an offer's; `false` when the partnership earns nothing
/// in its status.
async fn create_reward(
    tx: &mut Tx,
    money: &ProgramMoney,
    (trigger_id, trigger_name): (i64, &str),
    (payout, description): (Payout, &str),
    h: &Happened,
    e: &Evaluated<'_>,
    now: i64,
) -> Result<bool, AppError> {
    if !e
        .partner
        .status
        .is_some_and(PartnershipStatus::shows_earnings)
    {
        return Ok(false);
    }
    let Ok(reward) = trigger::reward(payout, e.subject.amount_minor, money.currency) else {
        return Ok(false);
    };
    let mut steps = vec![
        format!(
            "Event: {} on {}",
            e.subject.described(money.currency),
            domain::time::format_date(h.occurred_at)
        ),
        format!("Trigger: {trigger_name}"),
    ];
    steps.extend(reward.steps);
    rewards::insert(
        tx,
        money,
        NewReward {
            partnership_id: e.partner.id,
            amount_minor: reward.amount_minor,
            rounding: reward.rounding.as_str(),
            status: RewardStatus::Pending,
            description: description.to_owned(),
            source: "trigger",
            contact_id: None,
            customer_id: None,
            transaction_id: e.subject.transaction_id,
            offer_version_id: None,
            trigger_id: Some(trigger_id),
            created_by_user_id: None,
            reason: None,
            clawback_of: None,
            available_at: available_at(now, money.hold_days),
            steps,
        },
        None,
        now,
    )
    .await?;
    Ok(true)
}

/// A trigger listening to an event, as the runner reads it.
struct Listening {
    id: i64,
    name: String,
    rule: TriggerRule,
    program_id: i64,
    enabled_at: i64,
}

/// What the runner reads once per transaction rather than once per event: the triggers
/// listening to each (company, kind, trigger event), the programs' facts, and the runs kept
/// already for the transaction's events.
#[derive(Default)]
struct Reads {
    listening:
        std::collections::HashMap<(i64, String, TriggerEvent), std::sync::Arc<Vec<Listening>>>,
    programs: std::collections::HashMap<i64, std::sync::Arc<ProgramFacts>>,
    /// (event, trigger) of runs kept before this transaction (the seed runs its demo events
    /// at once; an attempt whose commit was lost may have kept some).
    done: BTreeSet<(i64, i64)>,
}

impl Reads {
    async fn listening(
        &mut self,
        tx: &mut Tx,
        company_id: i64,
        kind: &str,
        event: TriggerEvent,
    ) -> Result<std::sync::Arc<Vec<Listening>>, AppError> {
        let key = (company_id, kind.to_owned(), event);
        if let Some(found) = self.listening.get(&key) {
            return Ok(found.clone());
        }
        let rows = sqlx::query(
            "SELECT id, name, rule, program_id, enabled_at FROM triggers \
             WHERE company_id = $1 AND event_kind = $2 AND event = $3 AND enabled = 1 ORDER BY id",
        )
        .bind(company_id)
        .bind(kind)
        .bind(event.as_str())
        .fetch_all(&mut **tx)
        .await?;
        let listening = rows
            .iter()
            .map(|row| -> Result<Listening, AppError> {
                let rule: String = row.try_get(2)?;
                Ok(Listening {
                    id: row.try_get(0)?,
                    name: row.try_get(1)?,
                    rule: serde_json::from_str(&rule).map_err(AppError::internal)?,
                    program_id: row.try_get(3)?,
                    enabled_at: row.try_get(4)?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let listening = std::sync::Arc::new(listening);
        self.listening.insert(key, listening.clone());
        Ok(listening)
    }

    async fn program(
        &mut self,
        tx: &mut Tx,
        id: i64,
    ) -> Result<std::sync::Arc<ProgramFacts>, AppError> {
        if let Some(found) = self.programs.get(&id) {
            return Ok(found.clone());
        }
        let facts = std::sync::Arc::new(program_facts(tx, id).await?);
        self.programs.insert(id, facts.clone());
        Ok(facts)
    }
}

/// The events `ids` and the runs kept for them already, in two statements.
async fn load_batch(
    tx: &mut Tx,
    ids: &[i64],
    reads: &mut Reads,
) -> Result<Vec<Happened>, AppError> {
    let list = super::db::placeholders(0, ids.len());
    let bind_all = |sql: String| {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(*id);
        }
        query
    };
    // Safe: placeholders only.
    let events = bind_all(format!("{EVENT_SQL} WHERE id IN ({list}) ORDER BY id"))
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(happened)
        .collect::<Result<Vec<_>, _>>()?;
    for row in bind_all(format!(
        "SELECT event_id, trigger_id FROM trigger_runs WHERE event_id IN ({list})"
    ))
    .fetch_all(&mut **tx)
    .await?
    {
        reads.done.insert((row.try_get(0)?, row.try_get(1)?));
    }
    Ok(events)
}

/// Runs the triggers of events in the caller's transaction, at once (the demo seed's events,
/// whose jobs then find nothing left to do).
pub async fn run_now(tx: &mut Tx, event_ids: &[i64], now: i64) -> Result<(), AppError> {
    let mut reads = Reads::default();
    for h in load_batch(tx, event_ids, &mut reads).await? {
        run_event(tx, &h, now, &mut reads).await?;
    }
    Ok(())
}

/// Runs the triggers of the events of a claimed batch and finishes their jobs, all in one
/// transaction (one commit for the batch; the listening triggers and programs read once).
/// `false` when a job's claim was lost: nothing is kept (the runner that holds it does the
/// work). A runner whose batch fails runs its jobs again one at a time, so one failing event
/// does not hold the others back.
pub async fn run_jobs(db: &Db, jobs: &[Claimed], now: i64) -> Result<bool, AppError> {
    let mut tx = db.begin().await?;
    let mut reads = Reads::default();
    let ids: Vec<i64> = jobs.iter().map(|j| j.subject_id).collect();
    for h in load_batch(&mut tx, &ids, &mut reads).await? {
        run_event(&mut tx, &h, now, &mut reads).await?;
    }
    for job in jobs {
        if !jobs::finish(&mut tx, job, now).await? {
            return Ok(false);
        }
    }
    tx.commit().await?;
    Ok(true)
}

async fn run_event(tx: &mut Tx, h: &Happened, now: i64, reads: &mut Reads) -> Result<(), AppError> {
    let (Some(company_id), Some(event)) = (h.company_id, h.event()) else {
        return Ok(());
    };
    let listening = reads.listening(tx, company_id, &h.kind, event).await?;
    let mut seen: Option<Option<Seen>> = None;
    for trigger in listening.iter() {
        // Only events of its own time: not a backlog from before it was on (events retried
        // after a trigger is created must not pay for last week), nor a run kept already.
        if trigger.enabled_at > h.occurred_at || reads.done.contains(&(h.id, trigger.id)) {
            continue;
        }
        if seen.is_none() {
            seen = Some(see(tx, h).await?);
        }
        // No partner: no trigger has anything to act on.
        let Some(Some(seen)) = seen.as_ref() else {
            break;
        };
        let Some(e) = evaluate(
            tx,
            seen,
            trigger.program_id,
            Some(trigger.id),
            &trigger.rule,
            h,
        )
        .await?
        else {
            continue;
        };
        let program = reads.program(tx, trigger.program_id).await?;
        let (outcome, lines) = match e.verdict {
            Err(skip) => (Outcome::Skipped, vec![skip.reason(program.money.currency)]),
            Ok(()) => {
                run_actions(
                    tx,
                    &program,
                    (trigger.id, &trigger.name),
                    &trigger.rule,
                    h,
                    &e,
                    now,
                )
                .await?
            }
        };
        // A second run for the same (trigger, event) fails on the unique key and the whole
        // transaction with it: the run that committed first is the only one. The run row is
        // the record of the run; what its actions changed has its own events.
        sqlx::query(
            "INSERT INTO trigger_runs (trigger_id, event_id, partnership_id, event_text, outcome, detail, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(trigger.id)
        .bind(h.id)
        .bind(e.partner.id)
        .bind(e.subject.described(program.money.currency))
        .bind(outcome.as_str())
        .bind(serde_json::to_string(&lines).map_err(AppError::internal)?)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Applies a trigger's actions in order, inside a savepoint: an action refused (a tag deleted
/// since the trigger was saved) undoes the run's earlier actions and the run is `Failed`.
async fn run_actions(
    tx: &mut Tx,
    program: &ProgramFacts,
    (trigger_id, name): (i64, &str),
    rule: &TriggerRule,
    h: &Happened,
    e: &Evaluated<'_>,
    now: i64,
) -> Result<(Outcome, Vec<String>), AppError> {
    // One action refused has changed nothing; several need a savepoint to undo the others.
    let several = rule.actions.len() > 1;
    if several {
        sqlx::query("SAVEPOINT trigger_actions")
            .execute(&mut **tx)
            .await?;
    }
    let cause = Cause {
        origin_event_id: h.origin_event_id.unwrap_or(h.id),
        triggers: trigger::chain_after(&h.caused_by, trigger_id),
    };
    let applied = events::caused_by(cause, async {
        let mut lines = Vec::new();
        for action in &rule.actions {
            lines.push(apply(tx, program, (trigger_id, name), action, h, e, now).await?);
        }
        Ok::<_, AppError>(lines)
    })
    .await;
    match applied {
        Ok(lines) => {
            if several {
                sqlx::query("RELEASE SAVEPOINT trigger_actions")
                    .execute(&mut **tx)
                    .await?;
            }
            Ok((Outcome::Ran, lines))
        }
        Err(refused) if refused.status < 500 => {
            if several {
                sqlx::query("ROLLBACK TO SAVEPOINT trigger_actions")
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("RELEASE SAVEPOINT trigger_actions")
                    .execute(&mut **tx)
                    .await?;
            }
            Ok((
                Outcome::Failed,
                vec![format!("Failed, nothing changed: {}", refused.message)],
            ))
        }
        Err(e) => Err(e),
    }
}

/// What a trigger would have done for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRunRow {
    pub at: i64,
    pub what: String,
    pub partner: String,
    pub would_run: bool,
    pub lines: Vec<String>,
}

/// A dry run: the program's events of the trigger's kind in the last days, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRun {
    pub days: i64,
    pub rows: Vec<DryRunRow>,
    /// More events of the kind happened in the window than a dry run reads or shows.
    pub truncated: bool,
}

/// How many of the program's events a dry run shows at most (the most recent).
pub const DRY_RUN_EVENTS: usize = 200;
/// How many of the company's events of the kind a dry run reads at a time, and how many times.
const DRY_RUN_PAGE: i64 = 250;
const DRY_RUN_PAGES: usize = 8;

/// What `rule` would have done for each of the program's events of its kind in the last
/// `days` days. Changes nothing: it only reads.
pub async fn dry_run(
    db: &Db,
    program_id: i64,
    trigger_id: Option<i64>,
    rule: &TriggerRule,
    days: i64,
    now: i64,
) -> Result<DryRun, AppError> {
    // A pooled connection: the evaluation reads through several helpers on one connection.
    let mut conn = db.pool.acquire().await?;
    let program = program_facts(&mut conn, program_id).await?;
    let since = now - days * DAY_MS;
    // The company's events of the kind, newest first, a page at a time: until the window ends,
    // a dry run's worth of the program's own events is found, or the scan's cap is read. The
    // cost stays the same however long the log is.
    let sql = format!(
        "{EVENT_SQL} WHERE company_id = $1 AND kind = $2 AND id < $3 ORDER BY id DESC LIMIT {DRY_RUN_PAGE}"
    );
    let mut out = Vec::new();
    let mut before = i64::MAX;
    let mut truncated = false;
    'pages: for page in 0..DRY_RUN_PAGES {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(program.money.company_id)
            .bind(rule.event.event_kind())
            .bind(before)
            .fetch_all(&mut *conn)
            .await?;
        for row in &rows {
            let h = happened(row)?;
            before = h.id;
            if h.occurred_at < since {
                break 'pages;
            }
            if out.len() == DRY_RUN_EVENTS {
                truncated = true;
                break 'pages;
            }
            if h.event() != Some(rule.event) {
                continue;
            }
            let Some(seen) = see(&mut conn, &h).await? else {
                continue;
            };
            let Some(e) = evaluate(&mut conn, &seen, program_id, trigger_id, rule, &h).await?
            else {
                continue;
            };
            let lines = match e.verdict {
                Err(skip) => vec![skip.reason(program.money.currency)],
                Ok(()) => {
                    let mut lines = Vec::new();
                    for action in &rule.actions {
                        lines.push(match action_line(&mut conn, &program, action, &e).await {
                            Ok(line) => line,
                            Err(refused) if refused.status < 500 => {
                                format!("Would fail: {}", refused.message)
                            }
                            Err(other) => return Err(other),
                        });
                    }
                    lines
                }
            };
            out.push(DryRunRow {
                at: h.occurred_at,
                what: e.subject.described(program.money.currency),
                partner: e.partner.name.clone(),
                would_run: e.verdict.is_ok(),
                lines,
            });
        }
        if rows.len() < DRY_RUN_PAGE as usize {
            break;
        }
        truncated = page + 1 == DRY_RUN_PAGES;
    }
    Ok(DryRun {
        days,
        rows: out,
        truncated,
    })
}

/// Records a failed run of the event of `job`: it waits for its next attempt, or is stuck
/// after its last (the triggers page counts those and retries them).
pub async fn run_failed(db: &Db, job: &Claimed, now: i64) -> Result<(), AppError> {
    jobs::fail_alone(
        db,
        job,
        "Running the triggers failed; the server log has the cause",
        now,
    )
    .await
}

/// How many of the company's events the trigger runner gave up on (every attempt failed).
pub async fn stuck(db: &Db, company_id: i64) -> Result<i64, AppError> {
    Ok(jobs::dead(db, Queue::RunTriggers, company_id).await?)
}

/// Makes the company's stuck events due again; returns how many.
pub async fn retry_stuck(db: &Db, company_id: i64, user_id: i64) -> Result<u64, AppError> {
    let mut tx = db.begin().await?;
    let n = jobs::revive_all(&mut tx, Queue::RunTriggers, company_id, super::db::now_ms()).await?;
    if n > 0 {
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(user_id),
                company_id: Some(company_id),
                kind: "trigger.retried",
                subject_type: "company",
                subject_id: company_id,
                payload: serde_json::json!({ "events": n }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n)
}

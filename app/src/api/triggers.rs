//! Triggers: a program's automation (when an event happens, if conditions hold, then actions).
//! Owners and admins build them, turn them on and off, read each one's run log and dry-run a
//! trigger over past events before saving it.

use leptos::prelude::*;

use crate::dto::{TriggerOutcome, TriggerPage, TriggersPage};
use crate::error::AppError;

#[cfg(feature = "ssr")]
mod shown {
    use domain::money::{Currency, input_text};
    use domain::offer::Payout;
    use domain::trigger::{Action, TriggerRule, describe};

    use crate::dto::{Structure, TriggerFormValues, TriggerRow};
    use crate::server::triggers::StoredTrigger;

    /// The name of `id` among `items` (id, name); a removed one says so.
    fn name_of<'a>(items: impl IntoIterator<Item = (i64, &'a str)>, id: i64) -> String {
        items
            .into_iter()
            .find(|(n, _)| *n == id)
            .map_or_else(|| "(deleted)".to_owned(), |(_, name)| name.to_owned())
    }

    /// The trigger in one line, with the names of what it uses.
    pub fn summary(rule: &TriggerRule, currency: Currency, s: &Structure) -> String {
        let tag = |id| name_of(s.tags.iter().map(|t| (t.id, t.name.as_str())), id);
        let group = |id| name_of(s.groups.iter().map(|g| (g.id, g.name.as_str())), id);
        let tier = |id| name_of(s.tiers.iter().map(|t| (t.id, t.name.as_str())), id);
        describe(rule, currency, &|action| match action {
            Action::CreateReward { payout, .. } => match *payout {
                Payout::Flat { amount_minor } => format!(
                    "reward {}",
                    domain::money::format_minor(amount_minor, currency)
                ),
                Payout::Percent { basis_points } => format!(
                    "reward {}%",
                    rust_decimal::Decimal::new(basis_points, 2).normalize()
                ),
            },
            Action::AddTag(id) => format!("add tag {}", tag(*id)),
            Action::RemoveTag(id) => format!("remove tag {}", tag(*id)),
            Action::MoveGroup(id) => format!("move to group {}", group(*id)),
            Action::SetTier(id) => format!("set tier {}", tier(*id)),
            Action::EmailPartner { .. } => "email the partner".to_owned(),
            Action::CallWebhook(_) => "send to a webhook".to_owned(),
        })
    }

    pub fn row(t: &StoredTrigger, currency: Currency, s: &Structure) -> TriggerRow {
        TriggerRow {
            id: t.id,
            name: t.name.clone(),
            summary: summary(&t.rule, currency, s),
            enabled: t.enabled,
            last_run: t.last_run_at.map(domain::time::format_minute),
        }
    }

    /// The form's values for a saved trigger (what [`domain::trigger::validate`] reads back).
    pub fn form_values(name: &str, rule: &TriggerRule, currency: Currency) -> TriggerFormValues {
        let c = &rule.conditions;
        let id = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_default();
        let mut v = TriggerFormValues {
            name: name.to_owned(),
            event: rule.event.as_str().to_owned(),
            segment: id(c.segment_id),
            min_amount: c
                .min_amount_minor
                .map(|m| input_text(m, currency.code()))
                .unwrap_or_default(),
            product_key: c.product_key.clone().unwrap_or_default(),
            deal_stage: c
                .deal_stage
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            deal_motion: c
                .deal_motion
                .map(|m| m.as_str().to_owned())
                .unwrap_or_default(),
            ..TriggerFormValues::default()
        };
        for action in &rule.actions {
            match action {
                Action::CreateReward {
                    payout,
                    description,
                } => {
                    (v.reward_kind, v.reward_value) = match *payout {
                        Payout::Flat { amount_minor } => {
                            ("flat".into(), input_text(amount_minor, currency.code()))
                        }
                        Payout::Percent { basis_points } => (
                            "percent".into(),
                            rust_decimal::Decimal::new(basis_points, 2)
                                .normalize()
                                .to_string(),
                        ),
                    };
                    v.reward_description = description.clone();
                }
                Action::AddTag(t) => v.add_tag = t.to_string(),
                Action::RemoveTag(t) => v.remove_tag = t.to_string(),
                Action::MoveGroup(g) => v.move_group = g.to_string(),
                Action::SetTier(t) => v.set_tier = t.to_string(),
                Action::EmailPartner { subject, body } => {
                    v.email_subject = subject.clone();
                    v.email_body = body.clone();
                }
                Action::CallWebhook(id) => v.call_webhook = id.to_string(),
            }
        }
        v
    }
}

/// The program's triggers, and how many events the runner gave up on.
#[server(prefix = "/api", endpoint = "triggers")]
pub async fn fetch_triggers(program: Option<i64>) -> Result<TriggersPage, AppError> {
    use crate::server::{authz, endpoint, require_teammate, structure, triggers, viewer};
    use domain::money::Currency;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTriggers).await?;
        let selected = authz::current_program(program)?;
        let mut rows = Vec::new();
        if let Some(p) = &selected {
            let currency = Currency::parse(&p.currency).map_err(AppError::internal)?;
            let s = structure::choices(&state.db, p.id, me.company_id).await?;
            for t in triggers::list(&state.db, p.id).await? {
                rows.push(shown::row(&t, currency, &s));
            }
        }
        Ok(TriggersPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            triggers: rows,
            stuck: triggers::stuck(&state.db, me.company_id).await?,
        })
    })
    .await
}

/// A trigger's form and run log (`trigger` unset: the form of a new trigger).
#[server(prefix = "/api", endpoint = "trigger")]
pub async fn fetch_trigger(
    program: Option<i64>,
    trigger: Option<i64>,
    before: Option<i64>,
) -> Result<TriggerPage, AppError> {
    use crate::dto::{TriggerChoices, TriggerFormValues, TriggerRunRow};
    use crate::server::{authz, endpoint, require_teammate, structure, triggers, viewer, webhooks};
    use domain::deal::{DealMotion, DealStage};
    use domain::money::Currency;
    use domain::permissions::Permission;
    use domain::trigger::TriggerEvent;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTriggers).await?;
        let selected = authz::current_program(program)?;
        let mut page = TriggerPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected.clone(),
            trigger: None,
            values: TriggerFormValues {
                event: TriggerEvent::TransactionCreated.as_str().to_owned(),
                ..TriggerFormValues::default()
            },
            choices: TriggerChoices::default(),
            runs: Vec::new(),
            older: None,
        };
        let Some(p) = selected else {
            return Ok(page);
        };
        let currency = Currency::parse(&p.currency).map_err(AppError::internal)?;
        let s = structure::choices(&state.db, p.id, me.company_id).await?;
        if let Some(id) = trigger {
            let t = triggers::get(&state.db, p.id, id).await?;
            page.values = shown::form_values(&t.name, &t.rule, currency);
            page.trigger = Some(shown::row(&t, currency, &s));
            let (runs, older) = triggers::runs(&state.db, p.id, id, before).await?;
            page.runs = runs
                .into_iter()
                .map(|r| TriggerRunRow {
                    id: r.id,
                    at: domain::time::format_minute(r.at),
                    event: r.event,
                    partner: r.partner.unwrap_or_default(),
                    outcome: match r.outcome {
                        triggers::Outcome::Ran => "Ran",
                        triggers::Outcome::Skipped => "Not run",
                        triggers::Outcome::Failed => "Failed",
                    }
                    .to_owned(),
                    lines: r.lines,
                })
                .collect();
            page.older = older;
        }
        let pairs = |items: Vec<(&str, &str)>| {
            items
                .into_iter()
                .map(|(v, l)| (v.to_owned(), l.to_owned()))
                .collect()
        };
        page.choices = TriggerChoices {
            events: pairs(
                TriggerEvent::ALL
                    .iter()
                    .map(|e| (e.as_str(), e.label()))
                    .collect(),
            ),
            segments: s.segment_choices(),
            tags: s.tags.clone(),
            groups: s.group_choices(),
            tiers: s.tier_choices(),
            webhooks: webhooks::list(&state.db, p.id)
                .await?
                .into_iter()
                .map(|e| crate::dto::Named {
                    id: e.id,
                    name: e.url,
                })
                .collect(),
            deal_stages: pairs(
                DealStage::ALL
                    .iter()
                    .map(|d| (d.as_str(), d.label()))
                    .collect(),
            ),
            deal_motions: pairs(
                DealMotion::ALL
                    .iter()
                    .map(|d| (d.as_str(), d.label()))
                    .collect(),
            ),
        };
        Ok(page)
    })
    .await
}

/// Creates a trigger, or (with `trigger`) changes it. With `intent=dry_run` nothing is saved:
/// the form's trigger is evaluated against the program's events of the last `dry_run_days`
/// and the answer says what it would have done for each.
#[server(prefix = "/api", endpoint = "save_trigger")]
pub async fn save_trigger(
    program: i64,
    trigger: Option<i64>,
    name: String,
    event: String,
    segment: Option<String>,
    min_amount: Option<String>,
    product_key: Option<String>,
    deal_stage: Option<String>,
    deal_motion: Option<String>,
    reward_kind: Option<String>,
    reward_value: Option<String>,
    reward_description: Option<String>,
    add_tag: Option<String>,
    remove_tag: Option<String>,
    move_group: Option<String>,
    set_tier: Option<String>,
    email_subject: Option<String>,
    email_body: Option<String>,
    call_webhook: Option<String>,
    intent: Option<String>,
    dry_run_days: Option<String>,
) -> Result<TriggerOutcome, AppError> {
    use crate::dto::{DryRunRow, TriggerDryRun};
    use crate::server::{db::now_ms, endpoint, require_teammate, rewards, triggers};
    use domain::permissions::Permission;
    use domain::trigger::{TriggerForm, validate};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTriggers).await?;
        let program = crate::server::authz::program(program)?;
        let money = rewards::program_money(&mut state.db.conn().await?, program.id).await?;
        fn text(v: &Option<String>) -> &str {
            v.as_deref().unwrap_or("")
        }
        let form = TriggerForm {
            name: &name,
            event: &event,
            segment: text(&segment),
            min_amount: text(&min_amount),
            product_key: text(&product_key),
            deal_stage: text(&deal_stage),
            deal_motion: text(&deal_motion),
            reward_kind: text(&reward_kind),
            reward_value: text(&reward_value),
            reward_description: text(&reward_description),
            add_tag: text(&add_tag),
            remove_tag: text(&remove_tag),
            move_group: text(&move_group),
            set_tier: text(&set_tier),
            email_subject: text(&email_subject),
            email_body: text(&email_body),
            call_webhook: text(&call_webhook),
        };
        let draft = validate(&form, money.currency).map_err(AppError::invalid_fields)?;
        let now = now_ms();
        if intent.as_deref() == Some("dry_run") {
            let days = domain::time::lookback_days(dry_run_days.as_deref()).ok_or_else(|| {
                AppError::invalid_fields(vec![("dry_run_days", "Look back 1 to 365 days".into())])
            })?;
            if let Some(id) = trigger {
                // Only the program's own trigger: its id decides the loop rule.
                triggers::get(&state.db, program.id, id).await?;
            }
            let run =
                triggers::dry_run(&state.db, program.id, trigger, &draft.rule, days, now).await?;
            let would_run = run.rows.iter().filter(|r| r.would_run).count() as u32;
            return Ok(TriggerOutcome {
                saved: None,
                dry_run: Some(TriggerDryRun {
                    days: run.days,
                    would_run,
                    truncated: run.truncated,
                    rows: run
                        .rows
                        .into_iter()
                        .map(|r| DryRunRow {
                            at: domain::time::format_minute(r.at),
                            event: r.what,
                            partner: r.partner,
                            would_run: r.would_run,
                            lines: r.lines,
                        })
                        .collect(),
                }),
            });
        }
        let id =
            triggers::save(&state.db, &money, trigger, &draft, me.identity.user_id, now).await?;
        crate::server::notice::notice("Trigger saved.");
        // A new trigger opens as itself: its run log fills from then on.
        if trigger.is_none() {
            leptos_axum::redirect(&format!("/vendor/triggers/{id}?program={}", program.id));
        }
        Ok(TriggerOutcome {
            saved: Some(id),
            dry_run: None,
        })
    })
    .await
}

/// Turns a trigger on or off.
#[server(prefix = "/api", endpoint = "set_trigger_enabled")]
pub async fn set_trigger_enabled(
    program: i64,
    trigger: i64,
    enabled: bool,
) -> Result<(), AppError> {
    use crate::server::{endpoint, require_teammate, rewards, triggers};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTriggers).await?;
        let program = crate::server::authz::program(program)?;
        let money = rewards::program_money(&mut state.db.conn().await?, program.id).await?;
        triggers::set_enabled(&state.db, &money, trigger, enabled, me.identity.user_id).await?;
        crate::server::notice::notice(if enabled {
            "Trigger on."
        } else {
            "Trigger off. It no longer runs."
        });
        Ok(())
    })
    .await
}

/// Makes the events the runner gave up on due again; returns how many.
#[server(prefix = "/api", endpoint = "retry_trigger_events")]
pub async fn retry_trigger_events() -> Result<u64, AppError> {
    use crate::server::{endpoint, require_teammate, triggers};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTriggers).await?;
        let queued = triggers::retry_stuck(&state.db, me.company_id, me.identity.user_id).await?;
        crate::server::notice::notice(&match queued {
            1 => "1 event queued again.".to_owned(),
            n => format!("{n} events queued again."),
        });
        Ok(queued)
    })
    .await
}

//! Triggers: a program's if-this-then-that automation. *When* an event of a kind happens to a
//! partnership, *if* the trigger's conditions hold for that event, *then* its actions run in
//! order (make a reward, add or remove a tag, move the partner to a group, set its tier, email
//! the partner team).
//!
//! This module is the rule: which logged events a trigger can listen to, when it runs and why
//! it does not, what a reward it makes is worth, and what its form accepts. The store reads the
//! facts (at the event's own time, like offers) and applies the actions.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::deal::{DealMotion, DealStage};
use crate::money::{Currency, RoundingMode, format_minor, from_minor, round, to_minor};
use crate::offer::Payout;

/// The events a trigger can start on. Each is one kind of logged event (`events.kind`), some
/// narrowed by the change the event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TriggerEvent {
    /// A partner team joined the program without an application (an invite, an open signup).
    PartnerJoined,
    /// A partner team's application was approved.
    PartnerApproved,
    /// A customer was attributed to a partner.
    CustomerReferred,
    TransactionCreated,
    LeadConverted,
    DealStageChanged,
    RewardCreated,
    PayoutPaid,
    TierChanged,
}

crate::stored_names!(TriggerEvent, "trigger event", {
    PartnerJoined => "partner_joined",
    PartnerApproved => "partner_approved",
    CustomerReferred => "customer_referred",
    TransactionCreated => "transaction_created",
    LeadConverted => "lead_converted",
    DealStageChanged => "deal_stage_changed",
    RewardCreated => "reward_created",
    PayoutPaid => "payout_paid",
    TierChanged => "tier_changed",
});

impl TriggerEvent {
    pub fn label(self) -> &'static str {
        match self {
            TriggerEvent::PartnerJoined => "A partner joined",
            TriggerEvent::PartnerApproved => "A partner was approved",
            TriggerEvent::CustomerReferred => "A partner referred a customer",
            TriggerEvent::TransactionCreated => "A transaction was recorded",
            TriggerEvent::LeadConverted => "A lead converted",
            TriggerEvent::DealStageChanged => "A deal changed stage",
            TriggerEvent::RewardCreated => "A reward was created",
            TriggerEvent::PayoutPaid => "A payout was paid",
            TriggerEvent::TierChanged => "A partner's tier changed",
        }
    }

    /// The kind of logged event (`events.kind`) it is one of.
    pub fn event_kind(self) -> &'static str {
        match self {
            TriggerEvent::PartnerJoined => "partner_joined",
            TriggerEvent::PartnerApproved => "partnership.status_changed",
            TriggerEvent::CustomerReferred => "customer.attributed",
            TriggerEvent::TransactionCreated => "transaction.created",
            TriggerEvent::LeadConverted => "lead.status_changed",
            TriggerEvent::DealStageChanged => "deal.stage_changed",
            TriggerEvent::RewardCreated => "reward.created",
            TriggerEvent::PayoutPaid => "payout.paid",
            TriggerEvent::TierChanged => "partnership.tier_changed",
        }
    }

    /// Whether its event has an amount (a percentage reward and a minimum apply to it).
    pub fn has_amount(self) -> bool {
        matches!(
            self,
            TriggerEvent::TransactionCreated
                | TriggerEvent::DealStageChanged
                | TriggerEvent::RewardCreated
                | TriggerEvent::PayoutPaid
        )
    }

    /// Whether any trigger can start on a logged event of `kind`: the events worth queuing for
    /// the trigger runner.
    pub fn listens_to(kind: &str) -> bool {
        Self::ALL.iter().any(|e| e.event_kind() == kind)
    }

    /// Which trigger event a logged event is, from its kind and the change it records (`before`
    /// and `after` of a status change); `None` when no trigger starts on it.
    pub fn of(kind: &str, before: Option<&str>, after: Option<&str>) -> Option<TriggerEvent> {
        let event = *Self::ALL.iter().find(|e| e.event_kind() == kind)?;
        let narrowed = match event {
            TriggerEvent::PartnerApproved => before == Some("applied") && after == Some("active"),
            TriggerEvent::LeadConverted => after == Some("converted"),
            _ => true,
        };
        narrowed.then_some(event)
    }
}

/// What a trigger asks of an event before it runs. Every condition set must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Conditions {
    /// The partnership is in this saved segment (its rule, evaluated when the trigger runs).
    pub segment_id: Option<i64>,
    /// The event's amount is at least this.
    pub min_amount_minor: Option<i64>,
    /// A transaction's product key is exactly this.
    pub product_key: Option<String>,
    /// A deal moved to this stage.
    pub deal_stage: Option<DealStage>,
    /// A deal of this motion.
    pub deal_motion: Option<DealMotion>,
}

/// One step a trigger takes, in the order the trigger lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A pending reward for the partnership, held like an offer's.
    CreateReward {
        payout: Payout,
        description: String,
    },
    AddTag(i64),
    RemoveTag(i64),
    MoveGroup(i64),
    SetTier(i64),
    /// An email to the partner team's owners. `{partner}`, `{program}` and `{amount}` in the
    /// subject and text are replaced by the event's values.
    EmailPartner {
        subject: String,
        body: String,
    },
    /// Sends the event to one of the program's webhook endpoints (at most once per endpoint
    /// and event, whether or not the endpoint subscribes to it).
    CallWebhook(i64),
}

/// A trigger's rule: the event it starts on, its conditions and its actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerRule {
    pub event: TriggerEvent,
    pub conditions: Conditions,
    pub actions: Vec<Action>,
}

/// What is known about an event when a trigger is evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFacts {
    pub event: TriggerEvent,
    pub occurred_at: i64,
    /// The transaction's, deal's, reward's or payout's amount, in the program currency.
    pub amount_minor: Option<i64>,
    pub product_key: Option<String>,
    /// The stage a deal moved to.
    pub deal_stage: Option<DealStage>,
    pub deal_motion: Option<DealMotion>,
    pub in_segment: bool,
    /// The triggers whose actions led to this event (none for an event a person or an
    /// integration caused).
    pub caused_by: Vec<i64>,
}

/// Why a trigger did not run for an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The event came of this trigger's own actions for the same origin event.
    OwnAction,
    NotInSegment,
    BelowMinimum(i64),
    OtherProduct,
    OtherStage,
    OtherMotion,
    /// A percentage reward for an event without an amount.
    NoAmount,
}

impl Skip {
    pub fn reason(self, currency: Currency) -> String {
        match self {
            Skip::OwnAction => {
                "Not run: the event came of this trigger's own actions (a trigger never fires itself again for the same event)".to_owned()
            }
            Skip::NotInSegment => "Not run: the partner is not in the segment".to_owned(),
            Skip::BelowMinimum(min) => format!(
                "Not run: the amount is below {}",
                format_minor(min, currency)
            ),
            Skip::OtherProduct => "Not run: another product".to_owned(),
            Skip::OtherStage => "Not run: the deal moved to another stage".to_owned(),
            Skip::OtherMotion => "Not run: a deal of another motion".to_owned(),
            Skip::NoAmount => "Not run: the event has no amount to take a percentage of".to_owned(),
        }
    }
}

/// Whether trigger `trigger_id` with `rule` runs for the event of `facts`.
pub fn check(trigger_id: i64, rule: &TriggerRule, facts: &EventFacts) -> Result<(), Skip> {
    // Loops end here: every event an action causes carries the triggers that caused it, so a
    // chain of triggers can run each trigger at most once per origin event.
    if facts.caused_by.contains(&trigger_id) {
        return Err(Skip::OwnAction);
    }
    let c = &rule.conditions;
    if c.segment_id.is_some() && !facts.in_segment {
        return Err(Skip::NotInSegment);
    }
    if let Some(min) = c.min_amount_minor
        && facts.amount_minor.is_none_or(|a| a < min)
    {
        return Err(Skip::BelowMinimum(min));
    }
    if let Some(key) = &c.product_key
        && facts.product_key.as_deref() != Some(key.as_str())
    {
        return Err(Skip::OtherProduct);
    }
    if c.deal_stage.is_some() && facts.deal_stage != c.deal_stage {
        return Err(Skip::OtherStage);
    }
    if c.deal_motion.is_some() && facts.deal_motion != c.deal_motion {
        return Err(Skip::OtherMotion);
    }
    let takes_percent = rule.actions.iter().any(|a| {
        matches!(
            a,
            Action::CreateReward {
                payout: Payout::Percent { .. },
                ..
            }
        )
    });
    if takes_percent && facts.amount_minor.is_none() {
        return Err(Skip::NoAmount);
    }
    Ok(())
}

/// The triggers an event's own actions carry on: the ones that caused the event, and this one.
pub fn chain_after(caused_by: &[i64], trigger_id: i64) -> Vec<i64> {
    let mut chain = caused_by.to_vec();
    if !chain.contains(&trigger_id) {
        chain.push(trigger_id);
    }
    chain.sort_unstable();
    chain.dedup();
    chain
}

/// A reward a trigger makes: its amount and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerReward {
    pub amount_minor: i64,
    pub rounding: RoundingMode,
    pub steps: Vec<String>,
}

/// What `payout` is worth for an event of `amount_minor` (one rounding, the ledger's).
pub fn reward(
    payout: Payout,
    amount_minor: Option<i64>,
    currency: Currency,
) -> Result<TriggerReward, Skip> {
    let money = |minor: i64| format_minor(minor, currency);
    let (value, step) = match payout {
        Payout::Flat { amount_minor } => (
            from_minor(amount_minor, currency),
            format!("Flat {}", money(amount_minor)),
        ),
        Payout::Percent { basis_points } => {
            let amount = amount_minor.ok_or(Skip::NoAmount)?;
            let percent = Decimal::new(basis_points, 2);
            let value = from_minor(amount, currency) * percent / Decimal::from(100);
            (
                value,
                format!(
                    "{}% of {} = {}",
                    percent.normalize(),
                    money(amount),
                    value.normalize()
                ),
            )
        }
    };
    let (rounded, rounding) = round(value, currency);
    let amount_minor = to_minor(rounded, currency).map_err(|_| Skip::NoAmount)?;
    Ok(TriggerReward {
        amount_minor,
        rounding,
        steps: vec![
            step,
            format!("Rounded half away from zero to {}", money(amount_minor)),
        ],
    })
}

/// `text` with `{partner}`, `{program}` and `{amount}` replaced by the event's values (an
/// event without an amount leaves `{amount}` empty). Other braces stay as written.
pub fn fill(text: &str, partner: &str, program: &str, amount: Option<&str>) -> String {
    text.replace("{partner}", partner)
        .replace("{program}", program)
        .replace("{amount}", amount.unwrap_or(""))
}

/// How many actions a trigger may have.
pub const MAX_ACTIONS: usize = 10;

/// The trigger form as typed. Each action is a row of the form; an empty row is no action.
#[derive(Debug, Clone, Default)]
pub struct TriggerForm<'a> {
    pub name: &'a str,
    pub event: &'a str,
    /// A segment's id, or empty for every partner.
    pub segment: &'a str,
    pub min_amount: &'a str,
    pub product_key: &'a str,
    pub deal_stage: &'a str,
    pub deal_motion: &'a str,
    /// "", "flat" or "percent".
    pub reward_kind: &'a str,
    pub reward_value: &'a str,
    pub reward_description: &'a str,
    pub add_tag: &'a str,
    pub remove_tag: &'a str,
    pub move_group: &'a str,
    pub set_tier: &'a str,
    pub email_subject: &'a str,
    pub email_body: &'a str,
    /// A webhook endpoint's id, or empty.
    pub call_webhook: &'a str,
}

/// A checked trigger, ready to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerDraft {
    pub name: String,
    pub rule: TriggerRule,
}

fn optional(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// Checks a trigger's form; every problem is reported beside its field. The actions come out
/// in the form's order: the reward, the tags, the group, the tier, then the email (so the email
/// goes out after the partner's new state is in place).
pub fn validate(
    form: &TriggerForm<'_>,
    currency: Currency,
) -> Result<TriggerDraft, Vec<(&'static str, String)>> {
    use crate::money::parse_positive_amount;
    let mut problems = Vec::new();
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        problems.push(("name", "Name the trigger (1 to 80 characters)".to_owned()));
    }
    let event = TriggerEvent::parse(form.event.trim()).ok();
    if event.is_none() {
        problems.push(("event", "Choose the event the trigger starts on".to_owned()));
    }
    let amount = |text: &str| {
        parse_positive_amount(text, currency)
            .and_then(|a| to_minor(a, currency))
            .map_err(|e| e.0)
    };
    let id = |field: &'static str, text: &str, what: &str, problems: &mut Vec<_>| {
        let text = optional(text)?;
        match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                problems.push((field, format!("Choose a {what} of this program")));
                None
            }
        }
    };
    let mut conditions = Conditions {
        segment_id: id("segment", form.segment, "segment", &mut problems),
        ..Conditions::default()
    };
    if let Some(text) = optional(form.min_amount) {
        match amount(text) {
            Ok(min) if event.is_some_and(TriggerEvent::has_amount) => {
                conditions.min_amount_minor = Some(min);
            }
            Ok(_) => problems.push((
                "min_amount",
                "This event has no amount; leave the minimum empty".to_owned(),
            )),
            Err(e) => problems.push(("min_amount", e)),
        }
    }
    if let Some(key) = optional(form.product_key) {
        if event != Some(TriggerEvent::TransactionCreated) {
            problems.push((
                "product_key",
                "Only transactions have a product key".to_owned(),
            ));
        } else if key.len() > 255 {
            problems.push((
                "product_key",
                "A product key is at most 255 characters".to_owned(),
            ));
        } else {
            conditions.product_key = Some(key.to_owned());
        }
    }
    let deal_only = |field: &'static str, problems: &mut Vec<(&'static str, String)>| {
        if event != Some(TriggerEvent::DealStageChanged) {
            problems.push((field, "Only deals have a stage and a motion".to_owned()));
            false
        } else {
            true
        }
    };
    if let Some(text) = optional(form.deal_stage)
        && deal_only("deal_stage", &mut problems)
    {
        match DealStage::parse(text) {
            Ok(stage) => conditions.deal_stage = Some(stage),
            Err(_) => problems.push(("deal_stage", "Choose a deal stage".to_owned())),
        }
    }
    if let Some(text) = optional(form.deal_motion)
        && deal_only("deal_motion", &mut problems)
    {
        match DealMotion::parse(text) {
            Ok(motion) => conditions.deal_motion = Some(motion),
            Err(_) => problems.push(("deal_motion", "Choose a deal motion".to_owned())),
        }
    }
    let mut actions = Vec::new();
    match form.reward_kind.trim() {
        "" => {}
        kind @ ("flat" | "percent") => {
            let payout = if kind == "flat" {
                amount(form.reward_value).map(|amount_minor| Payout::Flat { amount_minor })
            } else {
                crate::offer::parse_percent(form.reward_value)
                    .map(|basis_points| Payout::Percent { basis_points })
            };
            let description = optional(form.reward_description).unwrap_or(name);
            if description.chars().count() > 120 {
                problems.push((
                    "reward_description",
                    "A reward's description is at most 120 characters".to_owned(),
                ));
            }
            match payout {
                Ok(Payout::Percent { .. }) if event.is_some_and(|e| !e.has_amount()) => problems
                    .push((
                        "reward_value",
                        "This event has no amount a percentage applies to; pay a flat amount"
                            .to_owned(),
                    )),
                Ok(payout) => actions.push(Action::CreateReward {
                    payout,
                    description: description.to_owned(),
                }),
                Err(e) => problems.push(("reward_value", e)),
            }
        }
        _ => problems.push((
            "reward_kind",
            "Choose a flat amount or a percentage".to_owned(),
        )),
    }
    let add = id("add_tag", form.add_tag, "tag", &mut problems);
    let remove = id("remove_tag", form.remove_tag, "tag", &mut problems);
    if add.is_some() && add == remove {
        problems.push((
            "remove_tag",
            "Adding and removing the same tag does nothing".to_owned(),
        ));
    }
    actions.extend(add.map(Action::AddTag));
    actions.extend(remove.map(Action::RemoveTag));
    actions
        .extend(id("move_group", form.move_group, "group", &mut problems).map(Action::MoveGroup));
    actions.extend(id("set_tier", form.set_tier, "tier", &mut problems).map(Action::SetTier));
    match (optional(form.email_subject), optional(form.email_body)) {
        (None, None) => {}
        (Some(subject), Some(body)) => {
            if subject.chars().count() > 150 {
                problems.push((
                    "email_subject",
                    "A subject is at most 150 characters".to_owned(),
                ));
            }
            if body.chars().count() > 5_000 {
                problems.push((
                    "email_body",
                    "The text is at most 5,000 characters".to_owned(),
                ));
            }
            actions.push(Action::EmailPartner {
                subject: subject.to_owned(),
                body: body.trim().to_owned(),
            });
        }
        (None, Some(_)) => problems.push(("email_subject", "Give the email a subject".to_owned())),
        (Some(_), None) => problems.push(("email_body", "Write the email's text".to_owned())),
    }
    actions.extend(
        id(
            "call_webhook",
            form.call_webhook,
            "webhook endpoint",
            &mut problems,
        )
        .map(Action::CallWebhook),
    );
    if actions.is_empty() && problems.is_empty() {
        problems.push(("actions", "Choose at least one action".to_owned()));
    }
    match event {
        Some(event) if problems.is_empty() => Ok(TriggerDraft {
            name: name.to_owned(),
            rule: TriggerRule {
                event,
                conditions,
                actions,
            },
        }),
        _ => Err(problems),
    }
}

/// The trigger in one sentence, as its list reads ("When a transaction was recorded of at
/// least $1,000.00: reward 10%, add a tag, email the partner").
pub fn describe(
    rule: &TriggerRule,
    currency: Currency,
    names: &dyn Fn(&Action) -> String,
) -> String {
    let c = &rule.conditions;
    // "A transaction was recorded" reads "When a transaction was recorded" mid-sentence.
    let label = rule.event.label();
    let mut when = vec![label[..1].to_lowercase() + &label[1..]];
    if let Some(min) = c.min_amount_minor {
        when.push(format!("of at least {}", format_minor(min, currency)));
    }
    if let Some(key) = &c.product_key {
        when.push(format!("for product {key}"));
    }
    if let Some(motion) = c.deal_motion {
        when.push(format!("({})", motion.label()));
    }
    if let Some(stage) = c.deal_stage {
        when.push(format!("to {}", stage.label()));
    }
    if c.segment_id.is_some() {
        when.push("for partners in the segment".to_owned());
    }
    let then: Vec<String> = rule.actions.iter().map(names).collect();
    format!("When {}: {}", when.join(" "), then.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    fn facts(amount: Option<i64>) -> EventFacts {
        EventFacts {
            event: TriggerEvent::TransactionCreated,
            occurred_at: 0,
            amount_minor: amount,
            product_key: None,
            deal_stage: None,
            deal_motion: None,
            in_segment: true,
            caused_by: Vec::new(),
        }
    }

    fn rule(conditions: Conditions, actions: Vec<Action>) -> TriggerRule {
        TriggerRule {
            event: TriggerEvent::TransactionCreated,
            conditions,
            actions,
        }
    }

    fn form() -> TriggerForm<'static> {
        TriggerForm {
            name: "Big deals",
            event: "transaction_created",
            min_amount: "1000",
            add_tag: "7",
            email_subject: "Thanks, {partner}",
            email_body: "You sold {amount}.",
            ..TriggerForm::default()
        }
    }

    #[test]
    fn a_webhook_action_names_its_endpoint() {
        let draft = validate(
            &TriggerForm {
                call_webhook: "12",
                ..form()
            },
            usd(),
        )
        .unwrap();
        assert_eq!(draft.rule.actions.last(), Some(&Action::CallWebhook(12)));
        let problems = validate(
            &TriggerForm {
                call_webhook: "twelve",
                ..form()
            },
            usd(),
        )
        .unwrap_err();
        assert!(problems.iter().any(|(field, _)| *field == "call_webhook"));
    }

    #[test]
    fn each_event_kind_maps_back_to_its_trigger_events() {
        assert_eq!(
            TriggerEvent::of("transaction.created", None, None),
            Some(TriggerEvent::TransactionCreated)
        );
        assert_eq!(
            TriggerEvent::of(
                "partnership.status_changed",
                Some("applied"),
                Some("active")
            ),
            Some(TriggerEvent::PartnerApproved)
        );
        // A suspension lifted is not an approval.
        assert_eq!(
            TriggerEvent::of(
                "partnership.status_changed",
                Some("suspended"),
                Some("active")
            ),
            None
        );
        assert_eq!(
            TriggerEvent::of("lead.status_changed", Some("accepted"), Some("converted")),
            Some(TriggerEvent::LeadConverted)
        );
        assert_eq!(
            TriggerEvent::of("lead.status_changed", None, Some("lost")),
            None
        );
        assert_eq!(TriggerEvent::of("session.created", None, None), None);
        for event in TriggerEvent::ALL {
            assert!(TriggerEvent::listens_to(event.event_kind()));
        }
        assert!(!TriggerEvent::listens_to("session.created"));
    }

    #[test]
    fn conditions_say_why_a_trigger_did_not_run() {
        let min = rule(
            Conditions {
                min_amount_minor: Some(100_000),
                ..Conditions::default()
            },
            vec![Action::AddTag(1)],
        );
        assert_eq!(check(1, &min, &facts(Some(100_000))), Ok(()));
        assert_eq!(
            check(1, &min, &facts(Some(99_999))),
            Err(Skip::BelowMinimum(100_000))
        );
        assert_eq!(
            Skip::BelowMinimum(100_000).reason(usd()),
            "Not run: the amount is below $1,000.00"
        );
        let segment = rule(
            Conditions {
                segment_id: Some(3),
                ..Conditions::default()
            },
            vec![Action::AddTag(1)],
        );
        let outside = EventFacts {
            in_segment: false,
            ..facts(None)
        };
        assert_eq!(check(1, &segment, &outside), Err(Skip::NotInSegment));
        let product = rule(
            Conditions {
                product_key: Some("pro".into()),
                ..Conditions::default()
            },
            vec![Action::AddTag(1)],
        );
        assert_eq!(check(1, &product, &facts(Some(1))), Err(Skip::OtherProduct));
        let percent = rule(
            Conditions::default(),
            vec![Action::CreateReward {
                payout: Payout::Percent { basis_points: 1000 },
                description: "Bonus".into(),
            }],
        );
        assert_eq!(check(1, &percent, &facts(None)), Err(Skip::NoAmount));
    }

    #[test]
    fn a_trigger_never_fires_itself_for_its_own_actions() {
        let r = rule(Conditions::default(), vec![Action::AddTag(1)]);
        let caused = EventFacts {
            caused_by: chain_after(&[], 4),
            ..facts(Some(1))
        };
        assert_eq!(check(4, &r, &caused), Err(Skip::OwnAction));
        // Another trigger may react to it, and then carries both on.
        assert_eq!(check(5, &r, &caused), Ok(()));
        assert_eq!(chain_after(&caused.caused_by, 5), vec![4, 5]);
        assert_eq!(chain_after(&[4, 5], 4), vec![4, 5]);
    }

    #[test]
    fn a_percentage_reward_rounds_once() {
        let r = reward(Payout::Percent { basis_points: 1250 }, Some(100_005), usd()).unwrap();
        // 12.5% of $1,000.05 = 125.00625, rounded half away from zero.
        assert_eq!(r.amount_minor, 12_501);
        assert_eq!(r.steps[0], "12.5% of $1,000.05 = 125.00625");
        let flat = reward(
            Payout::Flat {
                amount_minor: 5_000,
            },
            None,
            usd(),
        )
        .unwrap();
        assert_eq!(flat.amount_minor, 5_000);
        assert_eq!(
            reward(Payout::Percent { basis_points: 100 }, None, usd()),
            Err(Skip::NoAmount)
        );
    }

    #[test]
    fn placeholders_are_filled_and_other_braces_stay() {
        assert_eq!(
            fill(
                "Hi {partner}, {amount} in {program} {other}",
                "Northwind",
                "Acme Partners",
                Some("$1,200.00")
            ),
            "Hi Northwind, $1,200.00 in Acme Partners {other}"
        );
        assert_eq!(fill("{amount}", "a", "b", None), "");
    }

    #[test]
    fn the_form_becomes_a_rule_with_actions_in_order() {
        let draft = validate(
            &TriggerForm {
                reward_kind: "percent",
                reward_value: "10",
                move_group: "2",
                ..form()
            },
            usd(),
        )
        .unwrap();
        assert_eq!(draft.name, "Big deals");
        assert_eq!(draft.rule.conditions.min_amount_minor, Some(100_000));
        assert_eq!(
            draft.rule.actions,
            vec![
                Action::CreateReward {
                    payout: Payout::Percent { basis_points: 1000 },
                    description: "Big deals".into()
                },
                Action::AddTag(7),
                Action::MoveGroup(2),
                Action::EmailPartner {
                    subject: "Thanks, {partner}".into(),
                    body: "You sold {amount}.".into()
                },
            ]
        );
    }

    #[test]
    fn the_form_reports_each_problem_beside_its_field() {
        let problems = validate(
            &TriggerForm {
                name: " ",
                event: "partner_joined",
                min_amount: "10",
                product_key: "pro",
                reward_kind: "percent",
                reward_value: "5",
                add_tag: "x",
                email_subject: "",
                email_body: "Hello",
                ..TriggerForm::default()
            },
            usd(),
        )
        .unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            vec![
                "name",
                "min_amount",
                "product_key",
                "reward_value",
                "add_tag",
                "email_subject"
            ]
        );
        let none = validate(
            &TriggerForm {
                name: "Nothing",
                event: "payout_paid",
                ..TriggerForm::default()
            },
            usd(),
        )
        .unwrap_err();
        assert_eq!(
            none,
            vec![("actions", "Choose at least one action".to_owned())]
        );
    }

    #[test]
    fn a_trigger_reads_as_one_sentence() {
        let r = rule(
            Conditions {
                min_amount_minor: Some(100_000),
                segment_id: Some(2),
                ..Conditions::default()
            },
            vec![Action::AddTag(7), Action::MoveGroup(3)],
        );
        let names = |a: &Action| match a {
            Action::AddTag(_) => "add tag VIP".to_owned(),
            _ => "move to group Gold".to_owned(),
        };
        assert_eq!(
            describe(&r, usd(), &names),
            "When a transaction was recorded of at least $1,000.00 for partners in the segment: add tag VIP, move to group Gold"
        );
    }

    proptest! {
        /// A minimum lets through exactly the amounts at or above it.
        #[test]
        fn the_minimum_is_a_threshold(min in 1i64..10_000_000, amount in 0i64..10_000_000) {
            let r = rule(
                Conditions { min_amount_minor: Some(min), ..Conditions::default() },
                vec![Action::AddTag(1)],
            );
            prop_assert_eq!(check(1, &r, &facts(Some(amount))).is_ok(), amount >= min);
        }

        /// A percentage reward is never more than the amount, never negative, and within half
        /// a minor unit of the exact share.
        #[test]
        fn a_percentage_reward_is_a_fair_share(bp in 1i64..=10_000, amount in 0i64..1_000_000_000) {
            let r = reward(Payout::Percent { basis_points: bp }, Some(amount), usd()).unwrap();
            prop_assert!(r.amount_minor >= 0 && r.amount_minor <= amount);
            let exact = i128::from(amount) * i128::from(bp);
            let got = i128::from(r.amount_minor) * 10_000;
            prop_assert!((got - exact).abs() <= 5_000);
        }

        /// Whatever chain an event carries, a trigger in it never runs, one outside it may, and
        /// the chain after a run holds every trigger once.
        #[test]
        fn chains_never_repeat_a_trigger(chain in proptest::collection::vec(1i64..20, 0..10), id in 1i64..20) {
            let r = rule(Conditions::default(), vec![Action::AddTag(1)]);
            let f = EventFacts { caused_by: chain.clone(), ..facts(Some(1)) };
            prop_assert_eq!(check(id, &r, &f).is_err(), chain.contains(&id));
            let next = chain_after(&chain, id);
            prop_assert!(next.contains(&id));
            let mut unique = next.clone();
            unique.dedup();
            prop_assert_eq!(unique.len(), next.len());
        }
    }
}

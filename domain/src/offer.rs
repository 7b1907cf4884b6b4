//! Offers: what a partner earns for an event. An offer is a list of versions; the version in
//! force at the event's own time decides, and every reward it makes says how it was computed
//! (the "why did I get this?" steps). Refunds claw back rewards in proportion.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::RuleViolation;
use crate::money::{Currency, RoundingMode, format_minor, from_minor, round, to_minor};
use crate::tier::TierBenefits;

/// What an offer pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OfferEvent {
    CustomerCreated,
    TransactionCreated,
    DealClosedWon,
    LeadConverted,
    PartnerJoined,
}

crate::stored_names!(OfferEvent, "offer event", {
    CustomerCreated => "customer_created",
    TransactionCreated => "transaction_created",
    DealClosedWon => "deal_closed_won",
    LeadConverted => "lead_converted",
    PartnerJoined => "partner_joined",
});

impl OfferEvent {
    /// Events that carry an amount a percentage can apply to.
    pub fn has_amount(self) -> bool {
        matches!(
            self,
            OfferEvent::TransactionCreated | OfferEvent::DealClosedWon
        )
    }
}

/// How much: a flat amount, or a percentage (two decimals: 2050 = 20.50%) of the event's
/// amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payout {
    Flat { amount_minor: i64 },
    Percent { basis_points: i64 },
}

/// Which partnerships an offer is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    Everyone,
    Groups(Vec<i64>),
    Tiers(Vec<i64>),
    Segment(i64),
}

/// Optional limits of an offer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Only events within this many calendar months of the customer's attribution.
    pub first_months: Option<u32>,
    /// At most this much per customer, over all rewards of this offer.
    pub cap_per_customer_minor: Option<i64>,
    /// Only transactions of at least this amount.
    pub min_amount_minor: Option<i64>,
    /// Only transactions of these products (empty: any).
    pub product_keys: Vec<String>,
}

/// A tier's own rate in an offer: partnerships holding `tier_id` at the event earn `payout`
/// instead of the offer's, and the tier's multiplier does not apply on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierOverride {
    pub tier_id: i64,
    pub payout: Payout,
}

/// One version of an offer, in force from `effective_from` until the next version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferVersion {
    pub version: u32,
    pub effective_from: i64,
    pub event: OfferEvent,
    pub payout: Payout,
    pub target: Target,
    pub limits: Limits,
    /// Versions saved before overrides existed have none.
    #[serde(default)]
    pub tier_overrides: Vec<TierOverride>,
}

/// The version in force at `at`: the latest one that started at or before it. Versions are
/// never edited, so a reward can always be explained by the version it names.
pub fn version_at(versions: &[OfferVersion], at: i64) -> Option<&OfferVersion> {
    versions
        .iter()
        .filter(|v| v.effective_from <= at)
        .max_by_key(|v| (v.effective_from, v.version))
}

/// What is known about an event when it is evaluated, all at the event's own time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFacts {
    pub event: OfferEvent,
    pub occurred_at: i64,
    /// The transaction's or deal's amount, in the program currency.
    pub amount_minor: Option<i64>,
    pub product_key: Option<String>,
    pub customer_attributed_at: Option<i64>,
    pub group_id: i64,
    /// The partnership's tier when the event happened.
    pub tier_id: Option<i64>,
    pub in_segment: bool,
    /// What this offer already paid for this customer (for the cap).
    pub paid_for_customer_minor: i64,
}

/// A reward an offer makes, with the steps that explain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub amount_minor: i64,
    pub rounding: RoundingMode,
    pub steps: Vec<String>,
}

/// Why an offer pays nothing for an event (shown in the simulator and explanations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoReward {
    OtherEvent,
    NotTargeted,
    OutsideFirstMonths,
    BelowMinimum,
    OtherProduct,
    CapReached,
}

/// Evaluates one offer version for one event: target and limits, then the payout, the tier
/// multiplier, the cap per customer, and the one rounding function.
pub fn evaluate(
    offer: &OfferVersion,
    facts: &EventFacts,
    tier: Option<&TierBenefits>,
    currency: Currency,
) -> Result<Evaluation, NoReward> {
    if offer.event != facts.event {
        return Err(NoReward::OtherEvent);
    }
    let targeted = match &offer.target {
        Target::Everyone => true,
        Target::Groups(groups) => groups.contains(&facts.group_id),
        Target::Tiers(tiers) => facts.tier_id.is_some_and(|t| tiers.contains(&t)),
        Target::Segment(_) => facts.in_segment,
    };
    if !targeted {
        return Err(NoReward::NotTargeted);
    }
    let limits = &offer.limits;
    if let Some(months) = limits.first_months {
        let within = facts.customer_attributed_at.is_some_and(|at| {
            facts.occurred_at >= at && facts.occurred_at < crate::time::add_months(at, months)
        });
        if !within {
            return Err(NoReward::OutsideFirstMonths);
        }
    }
    let amount = facts.amount_minor.unwrap_or(0);
    if limits.min_amount_minor.is_some_and(|min| amount < min) {
        return Err(NoReward::BelowMinimum);
    }
    if !limits.product_keys.is_empty()
        && !facts
            .product_key
            .as_ref()
            .is_some_and(|p| limits.product_keys.contains(p))
    {
        return Err(NoReward::OtherProduct);
    }
    let money = |minor: i64| format_minor(minor, currency);
    let mut steps = Vec::new();
    let overridden = offer
        .tier_overrides
        .iter()
        .find(|o| Some(o.tier_id) == facts.tier_id)
        .map(|o| o.payout);
    if overridden.is_some() {
        steps.push("The partner's tier has its own rate in this offer".to_owned());
    }
    let mut value: Decimal = match overridden.unwrap_or(offer.payout) {
        Payout::Flat { amount_minor } => {
            steps.push(format!(
                "Flat {} (offer version {})",
                money(amount_minor),
                offer.version
            ));
            from_minor(amount_minor, currency)
        }
        Payout::Percent { basis_points } => {
            let percent = Decimal::new(basis_points, 2);
            let base = from_minor(amount, currency);
            let value = base * percent / Decimal::from(100);
            steps.push(format!(
                "{}% of {} = {} (offer version {})",
                percent.normalize(),
                money(amount),
                value.normalize(),
                offer.version
            ));
            value
        }
    };
    if let Some(multiplier) = tier
        .and_then(|t| t.multiplier_percent)
        .filter(|_| overridden.is_none())
    {
        value = value * Decimal::from(multiplier) / Decimal::from(100);
        steps.push(format!(
            "Tier multiplier {}x = {}",
            (Decimal::from(multiplier) / Decimal::from(100)).normalize(),
            value.normalize()
        ));
    }
    if let Some(cap) = limits.cap_per_customer_minor {
        let left = from_minor((cap - facts.paid_for_customer_minor).max(0), currency);
        if left <= Decimal::ZERO {
            return Err(NoReward::CapReached);
        }
        if value > left {
            value = left;
            steps.push(format!(
                "Capped at {} per customer: {} left",
                money(cap),
                value.normalize()
            ));
        }
    }
    let (rounded, rounding) = round(value, currency);
    let amount_minor = to_minor(rounded, currency).map_err(|_| NoReward::CapReached)?;
    steps.push(format!(
        "Rounded half away from zero to {}",
        money(amount_minor)
    ));
    Ok(Evaluation {
        amount_minor,
        rounding,
        steps,
    })
}

/// An offer as a teammate fills in its form (every field as typed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferForm<'a> {
    pub name: &'a str,
    pub event: &'a str,
    /// `percent` or `flat`.
    pub payout_kind: &'a str,
    pub payout_value: &'a str,
    /// `everyone`; one or more `group:ID`; one or more `tier:ID`; or one `segment:ID`.
    pub target: &'a [String],
    pub first_months: &'a str,
    pub cap_per_customer: &'a str,
    pub min_amount: &'a str,
    /// Comma-separated.
    pub product_keys: &'a str,
    /// (tier id, rate or amount as typed in the payout's kind); an empty rate is no override.
    pub tier_overrides: &'a [(String, String)],
}

/// What an offer's form defines; its version number and start come from where it is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferDraft {
    pub name: String,
    pub event: OfferEvent,
    pub payout: Payout,
    pub target: Target,
    pub limits: Limits,
    pub tier_overrides: Vec<TierOverride>,
}

impl OfferDraft {
    pub fn version(self, version: u32, effective_from: i64) -> OfferVersion {
        OfferVersion {
            version,
            effective_from,
            event: self.event,
            payout: self.payout,
            target: self.target,
            limits: self.limits,
            tier_overrides: self.tier_overrides,
        }
    }
}

/// Checks an offer's form; every problem is reported beside its field.
fn optional(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// A percentage as typed: digits with at most two decimals ("20", "12.5"), in basis points.
pub(crate) fn parse_percent(text: &str) -> Result<i64, String> {
    let invalid = || "Enter a percentage with up to 2 decimals, e.g. 20 or 12.5".to_owned();
    let text = text.trim().trim_end_matches('%');
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 3
        || fraction.len() > 2
        || !digits(whole)
        || !digits(fraction)
    {
        return Err(invalid());
    }
    let bp = whole.parse::<i64>().map_err(|_| invalid())? * 100
        + format!("{fraction:0<2}")
            .parse::<i64>()
            .map_err(|_| invalid())?;
    if bp == 0 || bp > 10_000 {
        return Err("A percentage is above 0 and at most 100".to_owned());
    }
    Ok(bp)
}

pub fn validate_offer(
    form: &OfferForm<'_>,
    currency: Currency,
) -> Result<OfferDraft, Vec<(&'static str, String)>> {
    use crate::money::parse_positive_amount;
    let mut problems = Vec::new();
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        problems.push(("name", "Name the offer (1 to 80 characters)".to_owned()));
    }
    let event = OfferEvent::parse(form.event.trim());
    if event.is_err() {
        problems.push(("event", "Choose the event the offer pays for".to_owned()));
    }
    let amount =
        |text: &str| parse_positive_amount(text, currency).and_then(|a| to_minor(a, currency));
    let payout = match form.payout_kind {
        "flat" => amount(form.payout_value)
            .map(|amount_minor| Payout::Flat { amount_minor })
            .map_err(|e| e.0),
        "percent" => {
            parse_percent(form.payout_value).map(|basis_points| Payout::Percent { basis_points })
        }
        _ => Err("Choose a percentage or a flat amount".to_owned()),
    };
    if let (Ok(Payout::Percent { .. }), Ok(e)) = (&payout, &event)
        && !e.has_amount()
    {
        problems.push((
            "payout_value",
            "Only transactions and won deals have an amount a percentage applies to; pay a flat amount".to_owned(),
        ));
    }
    let payout = payout.map_err(|e| problems.push(("payout_value", e)));
    let target = match parse_target(form.target) {
        Ok(target) => Some(target),
        Err(e) => {
            problems.push(("target", e));
            None
        }
    };
    let mut limits = Limits::default();
    if let Some(text) = optional(form.first_months) {
        match text.parse::<u32>() {
            Ok(m) if (1..=120).contains(&m) => limits.first_months = Some(m),
            _ => problems.push((
                "first_months",
                "Enter a number of months from 1 to 120".to_owned(),
            )),
        }
    }
    if let Some(text) = optional(form.cap_per_customer) {
        match amount(text) {
            Ok(cap) => limits.cap_per_customer_minor = Some(cap),
            Err(e) => problems.push(("cap_per_customer", e.0)),
        }
    }
    if let Some(text) = optional(form.min_amount) {
        match amount(text) {
            Ok(min) => limits.min_amount_minor = Some(min),
            Err(e) => problems.push(("min_amount", e.0)),
        }
    }
    limits.product_keys = form
        .product_keys
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect();
    if limits.product_keys.iter().any(|k| k.len() > 255) || limits.product_keys.len() > 50 {
        problems.push((
            "product_keys",
            "At most 50 product keys of up to 255 characters".to_owned(),
        ));
    }
    let mut tier_overrides = Vec::new();
    if let Ok(base) = &payout {
        for (tier, value) in form.tier_overrides {
            let Some(value) = optional(value) else {
                continue;
            };
            let Some(tier_id) = tier.trim().parse::<i64>().ok().filter(|t| *t > 0) else {
                problems.push(("tier_overrides", "Choose a tier of this program".to_owned()));
                continue;
            };
            let payout = match base {
                Payout::Flat { .. } => amount(value)
                    .map(|amount_minor| Payout::Flat { amount_minor })
                    .map_err(|e| e.0),
                Payout::Percent { .. } => {
                    parse_percent(value).map(|basis_points| Payout::Percent { basis_points })
                }
            };
            match payout {
                Ok(payout)
                    if !tier_overrides
                        .iter()
                        .any(|o: &TierOverride| o.tier_id == tier_id) =>
                {
                    tier_overrides.push(TierOverride { tier_id, payout });
                }
                Ok(_) => problems.push(("tier_overrides", "One rate per tier".to_owned())),
                Err(e) => problems.push(("tier_overrides", e)),
            }
        }
    }
    match (event, payout, target) {
        (Ok(event), Ok(payout), Some(target)) if problems.is_empty() => Ok(OfferDraft {
            name: name.to_owned(),
            event,
            payout,
            target,
            limits,
            tier_overrides,
        }),
        _ => Err(problems),
    }
}

/// The target a form chose: everyone, some groups, some tiers, or one segment (never a mix:
/// a partnership in a chosen group or of a chosen tier would be ambiguous to explain).
pub fn parse_target(values: &[String]) -> Result<Target, String> {
    let id = |text: &str| text.trim().parse::<i64>().ok().filter(|id| *id > 0);
    let mut groups = Vec::new();
    let mut tiers = Vec::new();
    let mut segments = Vec::new();
    let mut everyone = false;
    for value in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        match value.split_once(':') {
            _ if value == "everyone" => everyone = true,
            Some(("group", g)) if id(g).is_some() => groups.extend(id(g)),
            Some(("tier", t)) if id(t).is_some() => tiers.extend(id(t)),
            Some(("segment", s)) if id(s).is_some() => segments.extend(id(s)),
            _ => return Err("Choose who earns it".to_owned()),
        }
    }
    for list in [&mut groups, &mut tiers, &mut segments] {
        list.sort_unstable();
        list.dedup();
    }
    let kinds = usize::from(everyone)
        + usize::from(!groups.is_empty())
        + usize::from(!tiers.is_empty())
        + usize::from(!segments.is_empty());
    match kinds {
        0 => Err("Choose who earns it".to_owned()),
        1 if everyone => Ok(Target::Everyone),
        1 if !groups.is_empty() => Ok(Target::Groups(groups)),
        1 if !tiers.is_empty() => Ok(Target::Tiers(tiers)),
        1 if segments.len() == 1 => Ok(Target::Segment(segments[0])),
        1 => Err("Choose one segment".to_owned()),
        _ => Err("Choose everyone, some groups, some tiers or one segment — not a mix".to_owned()),
    }
}

/// The form values of a target, the inverse of [`parse_target`].
pub fn target_values(target: &Target) -> Vec<String> {
    match target {
        Target::Everyone => vec!["everyone".to_owned()],
        Target::Groups(g) => g.iter().map(|g| format!("group:{g}")).collect(),
        Target::Tiers(t) => t.iter().map(|t| format!("tier:{t}")).collect(),
        Target::Segment(s) => vec![format!("segment:{s}")],
    }
}

/// One past event replayed through a draft offer version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayedEvent {
    pub partnership_id: i64,
    pub customer_id: Option<i64>,
    /// `paid_for_customer_minor` is filled in by [`simulate`] from the replay itself.
    pub facts: EventFacts,
    /// The benefits of the partnership's tier at the event.
    pub benefits: Option<TierBenefits>,
}

/// What a draft would have paid one partnership over the replayed events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimulatedTotal {
    pub partnership_id: i64,
    pub events: u32,
    pub rewards: u32,
    pub amount_minor: i64,
}

/// Replays `events` (oldest first) through `version`, as the reward engine would have: the cap
/// per customer counts what the replay itself paid. Totals are per partnership, in the order
/// partnerships first appear.
pub fn simulate(
    version: &OfferVersion,
    events: &[ReplayedEvent],
    currency: Currency,
) -> Vec<SimulatedTotal> {
    use std::collections::HashMap;
    let mut totals: Vec<SimulatedTotal> = Vec::new();
    let mut index_of: HashMap<i64, usize> = HashMap::new();
    let mut paid: HashMap<i64, i64> = HashMap::new();
    for e in events {
        let index = *index_of.entry(e.partnership_id).or_insert_with(|| {
            totals.push(SimulatedTotal {
                partnership_id: e.partnership_id,
                ..SimulatedTotal::default()
            });
            totals.len() - 1
        });
        totals[index].events += 1;
        let facts = EventFacts {
            paid_for_customer_minor: e
                .customer_id
                .and_then(|c| paid.get(&c).copied())
                .unwrap_or(0),
            ..e.facts.clone()
        };
        if let Ok(evaluation) = evaluate(version, &facts, e.benefits.as_ref(), currency) {
            totals[index].rewards += 1;
            totals[index].amount_minor += evaluation.amount_minor;
            if let Some(c) = e.customer_id {
                *paid.entry(c).or_insert(0) += evaluation.amount_minor;
            }
        }
    }
    totals
}

/// One line describing what a version pays, for lists ("20% of each transaction").
pub fn describe(version: &OfferVersion, currency: Currency) -> String {
    let what = match version.event {
        OfferEvent::CustomerCreated => "new customer",
        OfferEvent::TransactionCreated => "transaction",
        OfferEvent::DealClosedWon => "deal won",
        OfferEvent::LeadConverted => "converted lead",
        OfferEvent::PartnerJoined => "partner who joins",
    };
    match version.payout {
        Payout::Flat { amount_minor } => {
            format!("{} per {what}", format_minor(amount_minor, currency))
        }
        Payout::Percent { basis_points } => format!(
            "{}% of each {what}",
            Decimal::new(basis_points, 2).normalize()
        ),
    }
}

/// What a refund of a rewarded transaction takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refund {
    /// The reward the transaction earned.
    pub reward_minor: i64,
    pub transaction_minor: i64,
    /// Refunded before this one, and clawed back for those refunds (both positive).
    pub refunded_before_minor: i64,
    pub clawed_minor: i64,
    /// This refund (positive).
    pub refund_minor: i64,
}

/// The clawback (negative) for a refund: the same share of the reward as of the
/// transaction, never more than what is left; the refund that completes the transaction
/// takes back exactly the rest, so rounding never leaves or takes a cent too many.
pub fn clawback(r: Refund, currency: Currency) -> Result<i64, RuleViolation> {
    let refunded = r.refunded_before_minor + r.refund_minor;
    if r.transaction_minor <= 0 || r.refund_minor <= 0 || refunded > r.transaction_minor {
        return Err(RuleViolation::new(
            "A refund is above zero and at most what is left of the transaction",
        ));
    }
    let (reward_minor, transaction_minor, refund_minor) =
        (r.reward_minor, r.transaction_minor, r.refund_minor);
    let left = (reward_minor - r.clawed_minor).max(0);
    if refunded == transaction_minor {
        return Ok(-left);
    }
    let share = from_minor(reward_minor, currency) * Decimal::from(refund_minor)
        / Decimal::from(transaction_minor);
    let (share, _) = round(share, currency);
    let share = to_minor(share, currency)?;
    Ok(-share.min(left))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn offer(payout: Payout) -> OfferVersion {
        OfferVersion {
            version: 1,
            effective_from: 0,
            event: OfferEvent::TransactionCreated,
            payout,
            target: Target::Groups(vec![7]),
            limits: Limits::default(),
            tier_overrides: Vec::new(),
        }
    }

    fn facts(amount_minor: i64) -> EventFacts {
        EventFacts {
            event: OfferEvent::TransactionCreated,
            occurred_at: 1_000,
            amount_minor: Some(amount_minor),
            product_key: None,
            customer_attributed_at: Some(0),
            group_id: 7,
            tier_id: None,
            in_segment: false,
            paid_for_customer_minor: 0,
        }
    }

    fn values(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn targets_are_everyone_groups_tiers_or_one_segment() {
        assert_eq!(parse_target(&values(&["everyone"])), Ok(Target::Everyone));
        assert_eq!(
            parse_target(&values(&["group:9", "group:3", "group:9"])),
            Ok(Target::Groups(vec![3, 9]))
        );
        assert_eq!(
            parse_target(&values(&["tier:2", "tier:1"])),
            Ok(Target::Tiers(vec![1, 2]))
        );
        assert_eq!(
            parse_target(&values(&["segment:4"])),
            Ok(Target::Segment(4))
        );
        assert!(parse_target(&values(&[])).is_err());
        assert!(parse_target(&values(&["group:1", "tier:2"])).is_err());
        assert!(parse_target(&values(&["everyone", "group:1"])).is_err());
        assert!(parse_target(&values(&["segment:1", "segment:2"])).is_err());
        assert!(parse_target(&values(&["group:x"])).is_err());
        for target in [
            Target::Everyone,
            Target::Groups(vec![1, 5]),
            Target::Tiers(vec![2]),
            Target::Segment(8),
        ] {
            assert_eq!(parse_target(&target_values(&target)), Ok(target));
        }
    }

    fn replayed(partnership_id: i64, customer_id: i64, amount_minor: i64) -> ReplayedEvent {
        ReplayedEvent {
            partnership_id,
            customer_id: Some(customer_id),
            facts: facts(amount_minor),
            benefits: None,
        }
    }

    #[test]
    fn the_simulator_totals_per_partner_and_respects_the_cap() {
        let mut version = offer(Payout::Percent { basis_points: 2000 });
        version.limits.cap_per_customer_minor = Some(15_000);
        let events = [
            replayed(1, 10, 50_000),
            replayed(2, 20, 10_000),
            replayed(1, 10, 50_000),
            replayed(1, 11, 1_000),
        ];
        let totals = simulate(&version, &events, currency("USD"));
        assert_eq!(
            totals,
            vec![
                // $100 + $50 (capped at $150 for customer 10) + $2.
                SimulatedTotal {
                    partnership_id: 1,
                    events: 3,
                    rewards: 3,
                    amount_minor: 15_200
                },
                SimulatedTotal {
                    partnership_id: 2,
                    events: 1,
                    rewards: 1,
                    amount_minor: 2_000
                },
            ]
        );
        let mut other_group = replayed(3, 30, 50_000);
        other_group.facts.group_id = 8;
        let totals = simulate(&version, &[other_group], currency("USD"));
        assert_eq!(totals[0].rewards, 0);
        assert_eq!(totals[0].amount_minor, 0);
    }

    proptest! {
        /// Without a cap the simulator pays exactly what evaluating each event alone pays; with
        /// one, no customer is ever paid more than the cap.
        #[test]
        fn simulation_matches_evaluation(
            events in proptest::collection::vec((1i64..4, 1i64..6, 1i64..1_000_000), 0..40),
            cap in proptest::option::of(1i64..200_000),
        ) {
            let mut version = offer(Payout::Percent { basis_points: 1250 });
            version.limits.cap_per_customer_minor = cap;
            let replay: Vec<ReplayedEvent> = events.iter().map(|(p, c, a)| replayed(*p, *c, *a)).collect();
            let totals = simulate(&version, &replay, currency("USD"));
            let total: i64 = totals.iter().map(|t| t.amount_minor).sum();
            prop_assert_eq!(totals.iter().map(|t| t.events as usize).sum::<usize>(), replay.len());
            match cap {
                None => {
                    let alone: i64 = replay
                        .iter()
                        .map(|e| evaluate(&version, &e.facts, None, currency("USD")).map_or(0, |r| r.amount_minor))
                        .sum();
                    prop_assert_eq!(total, alone);
                }
                Some(cap) => {
                    let customers: std::collections::BTreeSet<i64> = events.iter().map(|(_, c, _)| *c).collect();
                    prop_assert!(total <= cap * customers.len() as i64);
                }
            }
        }
    }

    #[test]
    fn a_tier_override_replaces_the_rate_and_its_multiplier() {
        let mut version = offer(Payout::Percent { basis_points: 2000 });
        version.tier_overrides = vec![TierOverride {
            tier_id: 3,
            payout: Payout::Percent { basis_points: 2500 },
        }];
        let gold = TierBenefits {
            multiplier_percent: Some(110),
        };
        let usd = currency("USD");
        let mut at_gold = facts(50_000);
        at_gold.tier_id = Some(3);
        let e = evaluate(&version, &at_gold, Some(&gold), usd).unwrap();
        assert_eq!(e.amount_minor, 12_500, "25% of $500, no multiplier on top");
        assert!(e.steps[0].contains("its own rate"));
        let mut at_silver = facts(50_000);
        at_silver.tier_id = Some(2);
        let e = evaluate(&version, &at_silver, Some(&gold), usd).unwrap();
        assert_eq!(e.amount_minor, 11_000, "the base 20% with the tier's 1.1x");
        // A form's overrides take the payout's kind; empty ones are none.
        let overrides = [
            ("3".to_owned(), "25".to_owned()),
            ("2".to_owned(), " ".to_owned()),
        ];
        let form = OfferForm {
            name: "Gold rate",
            event: "transaction_created",
            payout_kind: "percent",
            payout_value: "20",
            target: &["everyone".to_owned()],
            tier_overrides: &overrides,
            ..OfferForm::default()
        };
        assert_eq!(
            validate_offer(&form, usd).unwrap().tier_overrides,
            version.tier_overrides
        );
        let bad = [("3".to_owned(), "101".to_owned())];
        let problems = validate_offer(
            &OfferForm {
                tier_overrides: &bad,
                ..form.clone()
            },
            usd,
        )
        .unwrap_err();
        assert_eq!(problems[0].0, "tier_overrides");
        // Versions stored before overrides existed still read.
        let old = r#"{"version":1,"effective_from":0,"event":"TransactionCreated","payout":{"Flat":{"amount_minor":100}},"target":"Everyone","limits":{"first_months":null,"cap_per_customer_minor":null,"min_amount_minor":null,"product_keys":[]}}"#;
        let read: OfferVersion = serde_json::from_str(old).unwrap();
        assert!(read.tier_overrides.is_empty());
    }

    #[test]
    fn twenty_percent_of_five_hundred_dollars_is_one_hundred() {
        let e = evaluate(
            &offer(Payout::Percent { basis_points: 2000 }),
            &facts(50_000),
            None,
            currency("USD"),
        )
        .unwrap();
        assert_eq!(e.amount_minor, 10_000);
        assert_eq!(
            e.steps.last().unwrap(),
            "Rounded half away from zero to $100.00"
        );
        assert_eq!(e.rounding, RoundingMode::HalfAwayFromZero);
    }

    #[test]
    fn rounding_in_usd_jpy_and_kwd() {
        // 12.5% of 0.01 USD = 0.00125 -> 0.00; of 1.01 USD = 0.12625 -> 0.13.
        let pct = offer(Payout::Percent { basis_points: 1250 });
        assert_eq!(
            evaluate(&pct, &facts(101), None, currency("USD"))
                .unwrap()
                .amount_minor,
            13
        );
        // 12.5% of ¥1,004 = ¥125.5 -> ¥126.
        assert_eq!(
            evaluate(&pct, &facts(1_004), None, currency("JPY"))
                .unwrap()
                .amount_minor,
            126
        );
        // 12.5% of KWD 1.004 = 0.1255 -> 0.126 (three decimals).
        assert_eq!(
            evaluate(&pct, &facts(1_004), None, currency("KWD"))
                .unwrap()
                .amount_minor,
            126
        );
    }

    #[test]
    fn targets_limits_tiers_and_caps() {
        let usd = currency("USD");
        let mut o = offer(Payout::Percent { basis_points: 1000 });
        let mut f = facts(100_000);
        f.group_id = 8;
        assert_eq!(evaluate(&o, &f, None, usd), Err(NoReward::NotTargeted));
        f.group_id = 7;
        let gold = TierBenefits {
            multiplier_percent: Some(150),
        };
        assert_eq!(
            evaluate(&o, &f, Some(&gold), usd).unwrap().amount_minor,
            15_000
        );
        o.limits.cap_per_customer_minor = Some(12_000);
        f.paid_for_customer_minor = 5_000;
        let capped = evaluate(&o, &f, Some(&gold), usd).unwrap();
        assert_eq!(capped.amount_minor, 7_000);
        assert!(
            capped
                .steps
                .iter()
                .any(|s| s.starts_with("Capped at $120.00"))
        );
        f.paid_for_customer_minor = 12_000;
        assert_eq!(evaluate(&o, &f, None, usd), Err(NoReward::CapReached));
        o.limits = Limits {
            first_months: Some(1),
            ..Limits::default()
        };
        f.occurred_at = 40 * 86_400_000;
        assert_eq!(
            evaluate(&o, &f, None, usd),
            Err(NoReward::OutsideFirstMonths)
        );
        o.limits = Limits {
            min_amount_minor: Some(200_000),
            ..Limits::default()
        };
        assert_eq!(evaluate(&o, &f, None, usd), Err(NoReward::BelowMinimum));
        o.limits = Limits {
            product_keys: vec!["pro".into()],
            ..Limits::default()
        };
        assert_eq!(evaluate(&o, &f, None, usd), Err(NoReward::OtherProduct));
        f.product_key = Some("pro".into());
        assert!(evaluate(&o, &f, None, usd).is_ok());
        f.event = OfferEvent::DealClosedWon;
        assert_eq!(evaluate(&o, &f, None, usd), Err(NoReward::OtherEvent));
    }

    #[test]
    fn an_offer_form_becomes_a_draft_or_field_problems() {
        let usd = currency("USD");
        let form = OfferForm {
            name: " Resellers 20% ",
            event: "transaction_created",
            payout_kind: "percent",
            payout_value: "20",
            target: &["group:7".to_owned()],
            product_keys: "pro, , team",
            ..OfferForm::default()
        };
        let draft = validate_offer(&form, usd).unwrap();
        assert_eq!(draft.name, "Resellers 20%");
        assert_eq!(draft.payout, Payout::Percent { basis_points: 2000 });
        assert_eq!(draft.target, Target::Groups(vec![7]));
        assert_eq!(draft.limits.product_keys, vec!["pro", "team"]);
        assert_eq!(
            describe(&draft.clone().version(1, 0), usd),
            "20% of each transaction"
        );
        let twelve_and_a_half = OfferForm {
            payout_value: "12.5",
            ..form.clone()
        };
        assert_eq!(
            validate_offer(&twelve_and_a_half, usd).unwrap().payout,
            Payout::Percent { basis_points: 1250 }
        );
        let fields = |f: OfferForm<'_>| {
            validate_offer(&f, usd)
                .unwrap_err()
                .into_iter()
                .map(|(f, _)| f)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(OfferForm {
                payout_value: "120",
                ..form.clone()
            }),
            ["payout_value"]
        );
        assert_eq!(
            fields(OfferForm {
                payout_value: "1.234",
                ..form.clone()
            }),
            ["payout_value"]
        );
        assert_eq!(
            fields(OfferForm {
                target: &["group:x".to_owned()],
                ..form.clone()
            }),
            ["target"]
        );
        assert_eq!(
            fields(OfferForm {
                event: "partner_joined",
                ..form.clone()
            }),
            ["payout_value"],
            "a percentage of an event without an amount"
        );
        assert_eq!(
            fields(OfferForm {
                name: "",
                first_months: "0",
                cap_per_customer: "-1",
                ..form.clone()
            }),
            ["name", "first_months", "cap_per_customer"]
        );
        let flat = OfferForm {
            event: "partner_joined",
            payout_kind: "flat",
            payout_value: "50",
            target: &["everyone".to_owned()],
            ..form
        };
        assert_eq!(
            validate_offer(&flat, usd).unwrap().payout,
            Payout::Flat {
                amount_minor: 5_000
            }
        );
    }

    #[test]
    fn the_version_at_the_event_time_decides() {
        let mut v1 = offer(Payout::Flat { amount_minor: 100 });
        v1.effective_from = 10;
        let mut v2 = v1.clone();
        v2.version = 2;
        v2.effective_from = 20;
        let versions = [v1, v2];
        assert_eq!(version_at(&versions, 5), None);
        assert_eq!(version_at(&versions, 10).unwrap().version, 1);
        assert_eq!(version_at(&versions, 19).unwrap().version, 1);
        assert_eq!(version_at(&versions, 20).unwrap().version, 2);
    }

    #[test]
    fn a_half_refund_claws_back_half() {
        let usd = currency("USD");
        // $500 earned $100; a $250 refund claws back $50.
        let half = Refund {
            reward_minor: 10_000,
            transaction_minor: 50_000,
            refunded_before_minor: 0,
            clawed_minor: 0,
            refund_minor: 25_000,
        };
        assert_eq!(clawback(half, usd), Ok(-5_000));
        assert!(
            clawback(
                Refund {
                    refund_minor: 60_000,
                    ..half
                },
                usd
            )
            .is_err()
        );
        assert!(
            clawback(
                Refund {
                    refund_minor: 0,
                    ..half
                },
                usd
            )
            .is_err()
        );
        assert!(
            clawback(
                Refund {
                    refunded_before_minor: 30_000,
                    ..half
                },
                usd
            )
            .is_err()
        );
        // Three thirds of 1 cent of reward: 0, 0, then the rest.
        let third = Refund {
            reward_minor: 1,
            transaction_minor: 3,
            refunded_before_minor: 0,
            clawed_minor: 0,
            refund_minor: 1,
        };
        assert_eq!(clawback(third, usd), Ok(0));
        assert_eq!(
            clawback(
                Refund {
                    refunded_before_minor: 2,
                    ..third
                },
                usd
            ),
            Ok(-1)
        );
    }

    proptest! {
        /// However a transaction is refunded in parts, the clawbacks never exceed the reward,
        /// and refunding all of it claws back exactly all of it.
        #[test]
        fn clawbacks_never_exceed_the_reward(
            reward in 0i64..1_000_000,
            transaction in 1i64..10_000_000,
            cuts in proptest::collection::vec(1u32..100, 1..8),
        ) {
            let usd = currency("USD");
            let total: u64 = cuts.iter().map(|c| u64::from(*c)).sum();
            let mut refunded = 0i64;
            let mut clawed = 0i64;
            for (i, cut) in cuts.iter().enumerate() {
                let part = if i + 1 == cuts.len() {
                    transaction - refunded
                } else {
                    (transaction as u64 * u64::from(*cut) / total) as i64
                };
                if part <= 0 { continue; }
                let refund = Refund { reward_minor: reward, transaction_minor: transaction, refunded_before_minor: refunded, clawed_minor: clawed, refund_minor: part };
                let back = clawback(refund, usd).unwrap();
                refunded += part;
                prop_assert!(back <= 0);
                clawed -= back;
                prop_assert!(clawed <= reward);
            }
            prop_assert_eq!(refunded, transaction);
            prop_assert_eq!(clawed, reward);
        }

        /// A percentage reward is never negative for a positive amount and never more than
        /// the amount times the multiplier.
        #[test]
        fn percentage_rewards_stay_in_bounds(amount in 0i64..1_000_000_000, bp in 0i64..10_000, mult in 100u32..300) {
            let usd = currency("USD");
            let tier = TierBenefits { multiplier_percent: Some(mult) };
            let e = evaluate(&offer(Payout::Percent { basis_points: bp }), &facts(amount), Some(&tier), usd).unwrap();
            prop_assert!(e.amount_minor >= 0);
            prop_assert!(e.amount_minor <= amount * i64::from(mult) / 100 + 1);
        }
    }
}

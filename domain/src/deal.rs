//! Deals: `registered -> approved | rejected`, `approved -> in_progress -> closed_won | closed_lost`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::RuleViolation;
use crate::money::Currency;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DealStage {
    Registered,
    Approved,
    Rejected,
    InProgress,
    ClosedWon,
    ClosedLost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DealMotion {
    Referral,
    Cosell,
    Resell,
}

crate::stored_names!(DealMotion, "deal motion", {
    Referral => "referral",
    Cosell => "cosell",
    Resell => "resell",
});

impl DealMotion {
    pub fn label(self) -> &'static str {
        match self {
            DealMotion::Referral => "Referral",
            DealMotion::Cosell => "Co-sell",
            DealMotion::Resell => "Resell",
        }
    }
}

crate::stored_names!(DealStage, "deal stage", {
    Registered => "registered",
    Approved => "approved",
    Rejected => "rejected",
    InProgress => "in_progress",
    ClosedWon => "closed_won",
    ClosedLost => "closed_lost",
});

impl DealStage {
    /// Deals still in play: counted as "open" on the vendor overview.
    pub const OPEN: &'static [DealStage] = &[
        DealStage::Registered,
        DealStage::Approved,
        DealStage::InProgress,
    ];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    pub fn can_become(self, next: DealStage) -> bool {
        use DealStage::*;
        matches!(
            (self, next),
            (Registered, Approved | Rejected)
                | (Approved, InProgress)
                | (InProgress, ClosedWon | ClosedLost)
        )
    }
}

/// Who acts on a deal: a teammate of the vendor, or a contact of the partner team that
/// registered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealActor {
    Teammate,
    Partner,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DealAction {
    Approve,
    /// Refused, e.g. as a duplicate of an earlier registration; the partner sees the reason.
    Reject {
        reason: String,
    },
    /// Work on an approved deal has started (either side may say so).
    Start,
    CloseWon,
    CloseLost,
}

impl DealAction {
    fn past(&self) -> &'static str {
        match self {
            DealAction::Approve => "approved",
            DealAction::Reject { .. } => "rejected",
            DealAction::Start => "started",
            DealAction::CloseWon => "closed won",
            DealAction::CloseLost => "closed lost",
        }
    }
}

impl DealStage {
    /// The stage as a heading ("Closed won").
    pub fn heading(self) -> &'static str {
        match self {
            DealStage::Registered => "Registered",
            DealStage::Approved => "Approved",
            DealStage::Rejected => "Rejected",
            DealStage::InProgress => "In progress",
            DealStage::ClosedWon => "Closed won",
            DealStage::ClosedLost => "Closed lost",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DealStage::Registered => "registered",
            DealStage::Approved => "approved",
            DealStage::Rejected => "rejected",
            DealStage::InProgress => "in progress",
            DealStage::ClosedWon => "closed won",
            DealStage::ClosedLost => "closed lost",
        }
    }
}

/// The one deal state machine: partners move their deals through the working stage; only the
/// vendor's team approves, rejects and closes.
pub fn transition(
    stage: DealStage,
    action: &DealAction,
    actor: DealActor,
) -> Result<DealStage, RuleViolation> {
    use DealAction as A;
    use DealStage::*;
    let (teammates_only, next) = match (stage, action) {
        (Registered, A::Approve) => (true, Approved),
        (Registered, A::Reject { reason }) => {
            if reason.trim().is_empty() {
                return Err(RuleViolation::new("Give a reason; the partner will see it"));
            }
            (true, Rejected)
        }
        (Approved, A::Start) => (false, InProgress),
        (InProgress, A::CloseWon) => (true, ClosedWon),
        (InProgress, A::CloseLost) => (true, ClosedLost),
        (stage, action) => {
            return Err(RuleViolation::new(format!(
                "A {} deal cannot be {}",
                stage.label(),
                action.past()
            )));
        }
    };
    if teammates_only && actor != DealActor::Teammate {
        return Err(RuleViolation::new(
            "Only the vendor's team approves, rejects and closes deals",
        ));
    }
    Ok(next)
}

/// Until when an approved deal protects its partner: `days` after approval (UTC ms).
pub fn protected_until(approved_at: i64, days: u32) -> i64 {
    approved_at + i64::from(days) * 86_400_000
}

/// Whether a deal still protects its partner at `now`: open, approved, and inside the window.
/// Protection lapses on its own; nothing needs to run at the end date.
pub fn is_protected(stage: DealStage, protected_until: Option<i64>, now: i64) -> bool {
    matches!(stage, DealStage::Approved | DealStage::InProgress)
        && protected_until.is_some_and(|until| now < until)
}

/// Whether a deal's vendor rep may be set or changed: co-sell deals only, while still open.
pub fn check_rep_change(motion: DealMotion, stage: DealStage) -> Result<(), RuleViolation> {
    if motion != DealMotion::Cosell {
        return Err(RuleViolation::new("Only co-sell deals have a vendor rep"));
    }
    if !stage.is_open() {
        return Err(RuleViolation::new(format!(
            "A {} deal keeps the rep it had",
            stage.label()
        )));
    }
    Ok(())
}

/// What closing a deal won does to the customer of the same company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WonCustomer {
    /// No such customer yet: create one attributed to the deal's partner.
    Create,
    /// The customer has no partner: it is now the deal's partner's.
    Attribute(i64),
    /// The customer already belongs to a partner (the first one wins): link it only.
    Link(i64),
}

/// Decides [`WonCustomer`] from the oldest matching customer and whether it has a partner.
pub fn won_customer(existing: Option<(i64, bool)>) -> WonCustomer {
    match existing {
        None => WonCustomer::Create,
        Some((id, false)) => WonCustomer::Attribute(id),
        Some((id, true)) => WonCustomer::Link(id),
    }
}

/// What a partner types to register a deal; every field is text from the form.
#[derive(Debug, Clone, Default)]
pub struct DealForm<'a> {
    pub company: &'a str,
    pub domain: &'a str,
    pub amount: &'a str,
    pub expected_close: &'a str,
    pub motion: &'a str,
    /// Resell only: the price the partner buys at, or the discount % off the amount.
    pub buy_price: &'a str,
    pub discount: &'a str,
    pub notes: &'a str,
}

/// A resell deal's terms: what the partner pays the vendor. The margin is the amount (the
/// end customer's price) less the buy price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResellTerms {
    pub buy_price_minor: i64,
    /// The discount the buy price came from, in basis points (12.5% = 1250), if given as one.
    pub discount_bp: Option<i64>,
}

/// A checked deal registration, amounts in the program currency's minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeal {
    pub company: String,
    pub company_key: String,
    pub domain: String,
    pub amount_minor: i64,
    pub expected_close_at: i64,
    pub motion: DealMotion,
    pub resell: Option<ResellTerms>,
    pub notes: String,
}

/// Checks a registration; `today` (UTC ms at midnight) is the earliest expected close date.
/// Errors name the form field they belong to.
pub fn validate_new_deal(
    form: &DealForm,
    currency: Currency,
    today: i64,
) -> Result<NewDeal, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let company = form.company.trim();
    if company.is_empty() || company.chars().count() > 200 {
        errors.push((
            "company",
            "Enter the company's name (at most 200 characters)".to_owned(),
        ));
    }
    let domain = if form.domain.trim().is_empty() {
        errors.push((
            "domain",
            "Enter the company's website; conflicts are checked on it".to_owned(),
        ));
        None
    } else {
        crate::conflict::normalize_domain(form.domain)
            .map_err(|e| errors.push(("domain", e.0)))
            .ok()
    };
    let amount = crate::money::parse_positive_amount(form.amount, currency)
        .map_err(|e| errors.push(("amount", e.0)))
        .ok();
    let amount_minor = amount.and_then(|a| {
        crate::money::to_minor(a, currency)
            .map_err(|e| errors.push(("amount", e.0)))
            .ok()
    });
    let expected_close_at = match crate::time::parse_date(form.expected_close) {
        Ok(date) if date < today => {
            errors.push((
                "expected_close",
                "The expected close date cannot be in the past".to_owned(),
            ));
            None
        }
        Ok(date) => Some(date),
        Err(e) => {
            errors.push(("expected_close", e.0));
            None
        }
    };
    let motion = DealMotion::parse(form.motion.trim())
        .map_err(|_| errors.push(("motion", "Choose referral, co-sell or resell".to_owned())))
        .ok();
    let resell = match (motion, amount_minor) {
        (Some(DealMotion::Resell), Some(amount)) => {
            resell_terms(form.buy_price, form.discount, amount, currency)
                .map_err(|e| errors.push(e))
                .ok()
        }
        _ => None,
    };
    if form.notes.chars().count() > 5000 {
        errors.push(("notes", "Notes are at most 5,000 characters".to_owned()));
    }
    match (domain, amount_minor, expected_close_at, motion) {
        (Some(domain), Some(amount_minor), Some(expected_close_at), Some(motion))
            if errors.is_empty() =>
        {
            Ok(NewDeal {
                company: company.to_owned(),
                company_key: crate::conflict::normalize_company_name(company),
                domain,
                amount_minor,
                expected_close_at,
                motion,
                resell,
                notes: form.notes.trim().to_owned(),
            })
        }
        _ => Err(errors),
    }
}

/// A resell deal's buy price: typed as a price, or as a discount % off the amount (rounded
/// with the one rounding function). Exactly one of the two; the price is below the amount.
fn resell_terms(
    buy_price: &str,
    discount: &str,
    amount_minor: i64,
    currency: Currency,
) -> Result<ResellTerms, (&'static str, String)> {
    let amount = crate::money::from_minor(amount_minor, currency);
    match (buy_price.trim().is_empty(), discount.trim().is_empty()) {
        (true, true) | (false, false) => Err((
            "buy_price",
            "For a resell deal give either your buy price or your discount %".to_owned(),
        )),
        (false, true) => {
            let price = crate::money::parse_positive_amount(buy_price, currency)
                .map_err(|e| ("buy_price", e.0))?;
            if price > amount {
                return Err((
                    "buy_price",
                    "The buy price cannot be above the end customer's price".to_owned(),
                ));
            }
            let buy_price_minor =
                crate::money::to_minor(price, currency).map_err(|e| ("buy_price", e.0))?;
            Ok(ResellTerms {
                buy_price_minor,
                discount_bp: None,
            })
        }
        (true, false) => {
            let percent = discount
                .trim()
                .trim_end_matches('%')
                .trim()
                .parse::<Decimal>()
                .ok()
                .filter(|p| {
                    discount
                        .trim()
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == '%')
                        && *p > Decimal::ZERO
                        && *p < Decimal::from(100)
                        && p.scale() <= 2
                })
                .ok_or_else(|| {
                    (
                        "discount",
                        "A discount is a percentage above 0 and below 100, at most 2 decimals"
                            .to_owned(),
                    )
                })?;
            let price = amount * (Decimal::from(100) - percent) / Decimal::from(100);
            let buy_price_minor =
                crate::money::to_minor(price, currency).map_err(|e| ("discount", e.0))?;
            let discount_bp = (percent * Decimal::from(100))
                .trunc()
                .try_into()
                .map_err(|_| ("discount", "Discount out of range".to_owned()))?;
            Ok(ResellTerms {
                buy_price_minor,
                discount_bp: Some(discount_bp),
            })
        }
    }
}

/// The vendor's view of a resell deal: the partner keeps the amount less the buy price.
pub fn margin_minor(amount_minor: i64, buy_price_minor: i64) -> i64 {
    amount_minor - buy_price_minor
}

/// One stage of a pipeline: how many deals are shown in it and their total (minor units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageTotal {
    pub stage: DealStage,
    pub count: usize,
    pub total_minor: i64,
}

/// Totals per stage, in the order of [`DealStage::ALL`], of exactly the deals given.
pub fn stage_totals(deals: impl IntoIterator<Item = (DealStage, i64)>) -> Vec<StageTotal> {
    let mut totals: Vec<StageTotal> = DealStage::ALL
        .iter()
        .map(|&stage| StageTotal {
            stage,
            count: 0,
            total_minor: 0,
        })
        .collect();
    for (stage, amount) in deals {
        if let Some(t) = totals.iter_mut().find(|t| t.stage == stage) {
            t.count += 1;
            t.total_minor = t.total_minor.saturating_add(amount);
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::DealStage::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn documented_transitions() {
        assert!(Registered.can_become(Approved));
        assert!(Approved.can_become(InProgress));
        assert!(InProgress.can_become(ClosedWon));
        assert!(!Registered.can_become(ClosedWon));
        assert!(!ClosedWon.can_become(ClosedLost));
    }

    proptest! {
        #[test]
        fn closed_deals_stay_closed(a in 0usize..6, b in 0usize..6) {
            let (from, to) = (DealStage::ALL[a], DealStage::ALL[b]);
            if !from.is_open() { prop_assert!(!from.can_become(to)); }
            prop_assert_eq!(DealStage::parse(from.as_str()).unwrap(), from);
        }
    }

    fn action() -> impl Strategy<Value = DealAction> {
        prop_oneof![
            Just(DealAction::Approve),
            prop_oneof![Just(""), Just("duplicate")]
                .prop_map(|r| DealAction::Reject { reason: r.into() }),
            Just(DealAction::Start),
            Just(DealAction::CloseWon),
            Just(DealAction::CloseLost),
        ]
    }

    proptest! {
        /// No sequence of actions reaches a stage off the documented graph, and only teammates
        /// ever decide or close.
        #[test]
        fn any_sequence_stays_on_the_graph(
            steps in proptest::collection::vec((action(), any::<bool>()), 0..12),
        ) {
            let mut stage = Registered;
            for (action, by_teammate) in steps {
                let actor = if by_teammate { DealActor::Teammate } else { DealActor::Partner };
                if let Ok(next) = transition(stage, &action, actor) {
                    prop_assert!(stage.can_become(next), "{stage:?} -> {next:?}");
                    if next != InProgress { prop_assert_eq!(actor, DealActor::Teammate); }
                    stage = next;
                }
            }
        }

        #[test]
        fn protection_lapses_by_itself(approved in 0i64..1_000_000_000, days in 0u32..400, later in 0i64..40_000_000_000) {
            let until = protected_until(approved, days);
            let now = approved + later;
            prop_assert_eq!(is_protected(Approved, Some(until), now), later < i64::from(days) * 86_400_000);
            prop_assert!(!is_protected(ClosedLost, Some(until), approved));
            prop_assert!(!is_protected(Registered, None, approved));
        }
    }

    #[test]
    fn reps_are_for_open_cosell_deals() {
        assert!(check_rep_change(DealMotion::Cosell, Approved).is_ok());
        assert_eq!(
            check_rep_change(DealMotion::Resell, Approved)
                .unwrap_err()
                .0,
            "Only co-sell deals have a vendor rep"
        );
        assert!(check_rep_change(DealMotion::Cosell, ClosedWon).is_err());
        assert_eq!(won_customer(None), WonCustomer::Create);
        assert_eq!(won_customer(Some((7, false))), WonCustomer::Attribute(7));
        assert_eq!(won_customer(Some((7, true))), WonCustomer::Link(7));
    }

    #[test]
    fn illegal_moves_say_why() {
        let err = transition(Rejected, &DealAction::CloseWon, DealActor::Teammate).unwrap_err();
        assert_eq!(err.0, "A rejected deal cannot be closed won");
        assert!(transition(Registered, &DealAction::Approve, DealActor::Partner).is_err());
        assert_eq!(
            transition(Approved, &DealAction::Start, DealActor::Partner),
            Ok(InProgress)
        );
        assert!(transition(InProgress, &DealAction::CloseWon, DealActor::Partner).is_err());
        assert!(
            transition(
                Registered,
                &DealAction::Reject {
                    reason: "  ".into()
                },
                DealActor::Teammate
            )
            .is_err()
        );
    }

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    const TODAY: i64 = 1_764_000_000_000 - 1_764_000_000_000 % 86_400_000;

    fn form<'a>(motion: &'a str, buy: &'a str, discount: &'a str) -> DealForm<'a> {
        DealForm {
            company: "Acme Corp",
            domain: "https://www.app.acme-corp.com/x",
            amount: "12,000.00",
            expected_close: "2099-01-31",
            motion,
            buy_price: buy,
            discount,
            notes: "",
        }
    }

    #[test]
    fn a_registration_is_checked_field_by_field() {
        let deal = validate_new_deal(&form("cosell", "", ""), usd(), TODAY).unwrap();
        assert_eq!(deal.domain, "acme-corp.com");
        assert_eq!(deal.amount_minor, 1_200_000);
        assert_eq!(deal.motion, DealMotion::Cosell);
        assert_eq!(deal.resell, None);
        assert_eq!(
            deal.company_key,
            crate::conflict::normalize_company_name("Acme Corp")
        );

        let bad = DealForm {
            company: " ",
            domain: "",
            amount: "1e3",
            expected_close: "2001-01-01",
            motion: "barter",
            ..Default::default()
        };
        let errors = validate_new_deal(&bad, usd(), TODAY).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            ["company", "domain", "amount", "expected_close", "motion"]
        );
        for amount in ["-5", "12.345", "0"] {
            let f = DealForm {
                amount,
                ..form("referral", "", "")
            };
            assert!(validate_new_deal(&f, usd(), TODAY).is_err(), "{amount}");
        }
    }

    #[test]
    fn resell_terms_from_a_price_or_a_discount() {
        let by_price = validate_new_deal(&form("resell", "9,000", ""), usd(), TODAY).unwrap();
        assert_eq!(
            by_price.resell,
            Some(ResellTerms {
                buy_price_minor: 900_000,
                discount_bp: None
            })
        );
        assert_eq!(margin_minor(by_price.amount_minor, 900_000), 300_000);
        let by_discount = validate_new_deal(&form("resell", "", "12.5%"), usd(), TODAY).unwrap();
        assert_eq!(
            by_discount.resell,
            Some(ResellTerms {
                buy_price_minor: 1_050_000,
                discount_bp: Some(1250)
            })
        );
        for (buy, discount) in [
            ("", ""),
            ("9000", "10"),
            ("13000", ""),
            ("", "100"),
            ("", "0"),
            ("", "1e1"),
            ("", "10.125"),
        ] {
            let errors =
                validate_new_deal(&form("resell", buy, discount), usd(), TODAY).unwrap_err();
            assert_eq!(errors.len(), 1, "{buy} {discount}");
        }
        // Other motions ignore resell fields.
        assert_eq!(
            validate_new_deal(&form("referral", "1", "2"), usd(), TODAY)
                .unwrap()
                .resell,
            None
        );
    }

    proptest! {
        /// A discount never gives a buy price above the amount or below zero, and the margin
        /// plus the buy price is the amount.
        #[test]
        fn discounts_stay_within_the_amount(cents in 1i64..10_000_000_000, bp in 1i64..10_000) {
            let amount = crate::money::from_minor(cents, usd()).to_string();
            let discount = (Decimal::new(bp, 2)).to_string();
            let f = DealForm { amount: &amount, discount: &discount, ..form("resell", "", "") };
            let terms = validate_new_deal(&f, usd(), TODAY).unwrap().resell.unwrap();
            prop_assert!((0..=cents).contains(&terms.buy_price_minor));
            prop_assert_eq!(margin_minor(cents, terms.buy_price_minor) + terms.buy_price_minor, cents);
            prop_assert_eq!(terms.discount_bp, Some(bp));
        }

        /// The totals of a pipeline are exactly the sums of the deals shown in each stage.
        #[test]
        fn stage_totals_add_up(deals in proptest::collection::vec((0usize..6, 0i64..1_000_000_000), 0..40)) {
            let deals: Vec<(DealStage, i64)> = deals.into_iter().map(|(s, a)| (DealStage::ALL[s], a)).collect();
            let totals = stage_totals(deals.iter().copied());
            prop_assert_eq!(totals.len(), DealStage::ALL.len());
            prop_assert_eq!(totals.iter().map(|t| t.count).sum::<usize>(), deals.len());
            prop_assert_eq!(totals.iter().map(|t| t.total_minor).sum::<i64>(), deals.iter().map(|d| d.1).sum::<i64>());
            for t in &totals {
                let shown: i64 = deals.iter().filter(|d| d.0 == t.stage).map(|d| d.1).sum();
                prop_assert_eq!(t.total_minor, shown);
            }
        }
    }
}

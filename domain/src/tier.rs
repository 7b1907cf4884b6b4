//! Tiers: ordered levels with a qualification rule (a metric over a window, at least a
//! threshold) and benefits. Promotion happens when the rule holds; demotion only after a grace
//! period without it. Automatic evaluation runs with the money features; the rule and its
//! evaluation live here now.

use serde::{Deserialize, Serialize};

use crate::RuleViolation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Metric {
    /// Sum of closed-won deal amounts (minor units).
    ClosedWonRevenue,
    /// Sum of paid transaction amounts of attributed customers (minor units).
    PaidRevenue,
    /// Customers with at least one paid transaction.
    PayingCustomers,
}

crate::stored_names!(Metric, "tier metric", {
    ClosedWonRevenue => "closed_won_revenue",
    PaidRevenue => "paid_revenue",
    PayingCustomers => "paying_customers",
});

impl Metric {
    pub fn label(self) -> &'static str {
        match self {
            Metric::ClosedWonRevenue => "Closed-won deal revenue",
            Metric::PaidRevenue => "Paid transaction revenue",
            Metric::PayingCustomers => "Paying customers",
        }
    }

    pub fn is_money(self) -> bool {
        !matches!(self, Metric::PayingCustomers)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierRule {
    pub metric: Metric,
    /// `None`: all time; `Some(n)`: the trailing `n` days.
    pub window_days: Option<u32>,
    /// At least this much (minor units for money metrics, a count otherwise).
    pub threshold: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TierBenefits {
    /// Reward multiplier in percent (110 = rewards are 1.1x).
    pub multiplier_percent: Option<u32>,
}

impl TierRule {
    pub fn validate(&self) -> Result<(), RuleViolation> {
        if self.threshold < 0 {
            return Err(RuleViolation::new("The threshold cannot be negative"));
        }
        if self.window_days.is_some_and(|d| d == 0 || d > 3650) {
            return Err(RuleViolation::new(
                "The window is 1 to 3650 days, or all time",
            ));
        }
        Ok(())
    }

    pub fn qualifies(&self, value: i64) -> bool {
        value >= self.threshold
    }

    /// How much is still needed to qualify (0 when it already does).
    pub fn remaining(&self, value: i64) -> i64 {
        (self.threshold - value).max(0)
    }

    /// Progress toward the threshold in whole percent, 0 to 100.
    pub fn progress_percent(&self, value: i64) -> u8 {
        if value >= self.threshold {
            100
        } else if self.threshold <= 0 {
            0
        } else {
            ((value.max(0) as i128 * 100) / self.threshold as i128) as u8
        }
    }
}

/// The tier a partnership should hold: the highest-ranked tier whose rule holds for its
/// metric values, given `(rank, rule)` pairs and a metric lookup.
pub fn qualifying_tier<T>(
    tiers: &[(i64, T, TierRule)],
    value: impl Fn(&TierRule) -> i64,
) -> Option<&T> {
    tiers
        .iter()
        .filter(|(_, _, rule)| rule.qualifies(value(rule)))
        .max_by_key(|(rank, _, _)| *rank)
        .map(|(_, t, _)| t)
}

/// The tier to work toward: the lowest-ranked tier above `current_rank` (any tier when the
/// partnership has none yet).
pub fn next_tier<T>(current_rank: Option<i64>, tiers: &[(i64, T)]) -> Option<&T> {
    tiers
        .iter()
        .filter(|(rank, _)| current_rank.is_none_or(|current| *rank > current))
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, t)| t)
}

/// A tier's name: 1 to 60 characters.
pub fn validate_tier_name(name: &str) -> Result<String, RuleViolation> {
    let name = name.trim();
    match name.chars().count() {
        0 => Err(RuleViolation::new("Give the tier a name")),
        1..=60 => Ok(name.to_owned()),
        _ => Err(RuleViolation::new("Tier names are at most 60 characters")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule(threshold: i64) -> TierRule {
        TierRule {
            metric: Metric::ClosedWonRevenue,
            window_days: Some(90),
            threshold,
        }
    }

    #[test]
    fn highest_qualifying_tier_wins() {
        let tiers = vec![
            (1, "Bronze", rule(0)),
            (2, "Silver", rule(100_000)),
            (3, "Gold", rule(500_000)),
        ];
        assert_eq!(qualifying_tier(&tiers, |_| 250_000), Some(&"Silver"));
        assert_eq!(qualifying_tier(&tiers, |_| 900_000), Some(&"Gold"));
        assert_eq!(qualifying_tier(&tiers, |_| 0), Some(&"Bronze"));
        let strict = vec![(1, "Silver", rule(100))];
        assert_eq!(qualifying_tier(&strict, |_| 99), None);
    }

    #[test]
    fn the_next_tier_is_the_lowest_one_above() {
        let tiers = [(3, "Gold"), (1, "Bronze"), (2, "Silver")];
        assert_eq!(next_tier(None, &tiers), Some(&"Bronze"));
        assert_eq!(next_tier(Some(1), &tiers), Some(&"Silver"));
        assert_eq!(next_tier(Some(3), &tiers), None);
    }

    #[test]
    fn validation() {
        assert!(rule(-1).validate().is_err());
        assert!(
            TierRule {
                window_days: Some(0),
                ..rule(1)
            }
            .validate()
            .is_err()
        );
        assert!(
            TierRule {
                window_days: None,
                ..rule(1)
            }
            .validate()
            .is_ok()
        );
        assert!(validate_tier_name("").is_err());
    }

    proptest! {
        #[test]
        fn progress_and_remaining_agree(threshold in prop_oneof![Just(0i64), 0i64..1_000_000], value in -10i64..2_000_000) {
            let r = rule(threshold);
            prop_assert_eq!(r.remaining(value) == 0, r.qualifies(value));
            let p = r.progress_percent(value);
            prop_assert!(p <= 100);
            prop_assert_eq!(p == 100, r.qualifies(value));
        }
    }
}

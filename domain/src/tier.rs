//! Tiers: ordered levels with a qualification rule (a metric over a window, at least a
//! threshold) and benefits. The engine promotes a partnership as soon as a higher tier's rule
//! holds and demotes it only after it has stayed below its tier's rule for the program's grace
//! period ([`decide`]).

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

const DAY_MS: i64 = 86_400_000;

/// The UTC day of a time in milliseconds, numbered from 1970-01-01 = 0. Truncating division,
/// as SQL's integer `/` computes it in the kept per-day sums (times are after 1970).
pub fn day_of(ms: i64) -> i64 {
    ms / DAY_MS
}

/// Days a partnership keeps a tier after it stops qualifying, unless the program says otherwise.
pub const DEFAULT_GRACE_DAYS: i64 = 30;

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

    /// The UTC days the rule's window covers when measured at `now`, first and last inclusive:
    /// today and the `window_days` whole days before it (every day up to today for all time).
    /// Whole days, so the sums kept per partnership and day answer a measure; the day before
    /// the trailing `window_days × 24 h` is counted whole, so a measure taken at any time of day
    /// (the nightly run at midnight as much as a dashboard at noon) covers all of that span and
    /// at most one day more.
    pub fn window_days(&self, now: i64) -> (i64, i64) {
        let today = day_of(now);
        let first = self.window_days.map_or(i64::MIN, |d| today - i64::from(d));
        (first, today)
    }

    /// "Closed-won deal revenue in the last 90 days".
    pub fn measure(&self) -> String {
        match self.window_days {
            Some(d) => format!("{} in the last {d} days", self.metric.label()),
            None => format!("{} (all time)", self.metric.label()),
        }
    }

    /// A value of the rule's metric as people read it: money in the program currency, or a count.
    pub fn value_text(&self, value: i64, currency: &str) -> String {
        if self.metric.is_money() {
            crate::money::format_stored(value, currency)
        } else {
            value.to_string()
        }
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

/// A tier as the engine compares them: its rank and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub rank: i64,
    pub tier_id: i64,
}

/// What the engine does with one partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierDecision {
    /// The tier stays; `below_since` is what to keep of the time it stopped qualifying (set when
    /// a grace period starts, cleared when the rule holds again).
    Keep { below_since: Option<i64> },
    /// Up at once, to the highest tier whose rule holds.
    Promote(Standing),
    /// Down (possibly to no tier) after the grace period, to the highest tier whose rule holds.
    Demote(Option<Standing>),
}

/// The engine's rule: `current` is the tier held, `qualifying` the highest tier whose rule holds
/// now, `below_since` when the partnership stopped qualifying for `current`. Promotion is
/// immediate; demotion waits until `grace_days` have passed below (0: at once).
pub fn decide(
    current: Option<Standing>,
    qualifying: Option<Standing>,
    below_since: Option<i64>,
    now: i64,
    grace_days: i64,
) -> TierDecision {
    use std::cmp::Ordering;
    let rank = |s: Option<Standing>| s.map(|s| s.rank);
    match rank(qualifying).cmp(&rank(current)) {
        Ordering::Greater => match qualifying {
            Some(to) => TierDecision::Promote(to),
            None => TierDecision::Keep { below_since: None },
        },
        Ordering::Equal => TierDecision::Keep { below_since: None },
        Ordering::Less => {
            let since = below_since.unwrap_or(now).min(now);
            if now - since >= grace_days.max(0) * DAY_MS {
                TierDecision::Demote(qualifying)
            } else {
                TierDecision::Keep {
                    below_since: Some(since),
                }
            }
        }
    }
}

/// One entry of a partnership's tier history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierChange {
    pub effective_at: i64,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// The tier held at `at`, from the history (oldest first) and the tier held now: the last change
/// at or before `at`, else what the first later change moved from, else the current tier.
pub fn tier_at(history: &[TierChange], current: Option<i64>, at: i64) -> Option<i64> {
    match history.iter().rposition(|c| c.effective_at <= at) {
        Some(i) => history[i].to,
        None => history.first().map_or(current, |c| c.from),
    }
}

/// When a partnership below its tier's rule will be demoted, if it stays below.
pub fn demotion_due(below_since: i64, grace_days: i64) -> i64 {
    below_since + grace_days.max(0) * DAY_MS
}

/// The grace period setting: whole days, 0 to 365 (empty: the default).
pub fn parse_grace_days(text: Option<&str>) -> Result<i64, RuleViolation> {
    match text.map(str::trim) {
        None | Some("") => Ok(DEFAULT_GRACE_DAYS),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|d| (0..=365).contains(d))
            .ok_or_else(|| RuleViolation::new("Enter a number of days from 0 to 365")),
    }
}

/// Why a partnership moved up: the rule of the tier it reached and the value that met it.
pub fn promotion_reason(to: &str, rule: &TierRule, value: i64, currency: &str) -> String {
    format!(
        "{} reached {} ({to} needs {})",
        rule.measure(),
        rule.value_text(value, currency),
        rule.value_text(rule.threshold, currency)
    )
}

/// Why a partnership moved down: the rule of the tier it left, below which it stayed for the
/// grace period.
pub fn demotion_reason(
    from: &str,
    rule: &TierRule,
    value: i64,
    currency: &str,
    grace_days: i64,
) -> String {
    let grace = match grace_days {
        0 => String::new(),
        1 => " for 1 day".to_owned(),
        n => format!(" for {n} days"),
    };
    format!(
        "{} stayed below {from}'s {}{grace} (now {})",
        rule.measure(),
        rule.value_text(rule.threshold, currency),
        rule.value_text(value, currency)
    )
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

    const DAY: i64 = DAY_MS;

    fn at(rank: i64) -> Option<Standing> {
        Some(Standing {
            rank,
            tier_id: rank * 10,
        })
    }

    #[test]
    fn promotion_is_immediate_and_demotion_waits_for_the_grace_period() {
        assert_eq!(
            decide(at(1), at(2), None, 100 * DAY, 30),
            TierDecision::Promote(at(2).unwrap())
        );
        assert_eq!(
            decide(None, at(1), None, 0, 30),
            TierDecision::Promote(at(1).unwrap())
        );
        // Below: the grace period starts, then runs out.
        assert_eq!(
            decide(at(2), at(1), None, 100 * DAY, 30),
            TierDecision::Keep {
                below_since: Some(100 * DAY)
            }
        );
        assert_eq!(
            decide(at(2), at(1), Some(100 * DAY), 129 * DAY, 30),
            TierDecision::Keep {
                below_since: Some(100 * DAY)
            }
        );
        assert_eq!(
            decide(at(2), at(1), Some(100 * DAY), 130 * DAY, 30),
            TierDecision::Demote(at(1))
        );
        assert_eq!(
            decide(at(2), None, Some(0), 30 * DAY, 30),
            TierDecision::Demote(None)
        );
        // Qualifying again ends the grace period; no grace demotes at once.
        assert_eq!(
            decide(at(2), at(2), Some(100 * DAY), 120 * DAY, 30),
            TierDecision::Keep { below_since: None }
        );
        assert_eq!(
            decide(at(2), at(1), None, 5 * DAY, 0),
            TierDecision::Demote(at(1))
        );
    }

    #[test]
    fn the_tier_at_a_time_comes_from_the_history() {
        let history = [
            TierChange {
                effective_at: 10,
                from: None,
                to: Some(1),
            },
            TierChange {
                effective_at: 20,
                from: Some(1),
                to: Some(2),
            },
            TierChange {
                effective_at: 30,
                from: Some(2),
                to: None,
            },
        ];
        assert_eq!(tier_at(&history, None, 5), None);
        assert_eq!(tier_at(&history, None, 10), Some(1));
        assert_eq!(tier_at(&history, None, 25), Some(2));
        assert_eq!(tier_at(&history, None, 99), None);
        assert_eq!(tier_at(&[], Some(7), 5), Some(7));
        let set_later = [TierChange {
            effective_at: 50,
            from: Some(4),
            to: Some(5),
        }];
        assert_eq!(tier_at(&set_later, Some(5), 40), Some(4));
    }

    #[test]
    fn reasons_name_the_rule_and_the_values() {
        let r = rule(5_000_000);
        assert_eq!(
            promotion_reason("Gold", &r, 6_000_000, "USD"),
            "Closed-won deal revenue in the last 90 days reached $60,000.00 (Gold needs $50,000.00)"
        );
        assert_eq!(
            demotion_reason("Gold", &r, 100_000, "USD", 30),
            "Closed-won deal revenue in the last 90 days stayed below Gold's $50,000.00 for 30 days (now $1,000.00)"
        );
        let customers = TierRule {
            metric: Metric::PayingCustomers,
            window_days: None,
            threshold: 5,
        };
        assert_eq!(
            promotion_reason("Silver", &customers, 7, "USD"),
            "Paying customers (all time) reached 7 (Silver needs 5)"
        );
        assert_eq!(parse_grace_days(None), Ok(DEFAULT_GRACE_DAYS));
        assert_eq!(parse_grace_days(Some(" 0 ")), Ok(0));
        assert!(parse_grace_days(Some("366")).is_err());
        assert!(parse_grace_days(Some("two")).is_err());
    }

    #[test]
    fn windows_are_whole_utc_days_covering_the_trailing_span() {
        let rule = |window_days| TierRule {
            metric: Metric::PaidRevenue,
            window_days,
            threshold: 0,
        };
        // 2026-12-06 13:00 UTC is day 20,428.
        let now = 20_428 * DAY_MS + 13 * 3_600_000;
        assert_eq!(rule(Some(1)).window_days(now), (20_427, 20_428));
        assert_eq!(rule(Some(90)).window_days(now), (20_338, 20_428));
        assert_eq!(rule(None).window_days(now), (i64::MIN, 20_428));
        assert_eq!(day_of(20_428 * DAY_MS), 20_428);
        assert_eq!(day_of(20_429 * DAY_MS - 1), 20_428);
    }

    proptest! {
        /// A window of n days ends on the day of `now` and starts on the day n × 24 h before
        /// `now`: it covers the whole trailing span and at most one day more (times late enough
        /// that the window starts after 1970).
        #[test]
        fn a_window_holds_exactly_its_days(now in 400_000_000_000_i64..4_000_000_000_000, days in 1_u32..=3650) {
            let rule = TierRule { metric: Metric::ClosedWonRevenue, window_days: Some(days), threshold: 0 };
            let (first, last) = rule.window_days(now);
            prop_assert_eq!(last, day_of(now));
            prop_assert_eq!(first, day_of(now - i64::from(days) * DAY_MS));
            prop_assert_eq!(last - first, i64::from(days));
            prop_assert_eq!(day_of(first * DAY_MS), first);
            prop_assert_eq!(day_of(first * DAY_MS - 1), first - 1);
        }

        /// Over any sequence of daily evaluations: a higher qualifying tier is taken the same
        /// day; a partnership is never demoted before it has been below its tier for the whole
        /// grace period; and it never moves to a tier other than the qualifying one.
        #[test]
        fn the_engine_never_demotes_early(
            days in proptest::collection::vec(proptest::option::of(1i64..=4), 1..80),
            grace in 0i64..20,
        ) {
            let mut current: Option<Standing> = None;
            let mut below_since: Option<i64> = None;
            let mut below_from_day: Option<i64> = None;
            for (day, qualifying_rank) in days.into_iter().enumerate() {
                let day = day as i64;
                let qualifying = qualifying_rank.and_then(at);
                let rank = |s: Option<Standing>| s.map(|s| s.rank);
                if rank(qualifying) < rank(current) {
                    below_from_day.get_or_insert(day);
                } else {
                    below_from_day = None;
                }
                match decide(current, qualifying, below_since, day * DAY, grace) {
                    TierDecision::Promote(to) => {
                        prop_assert!(rank(Some(to)) > rank(current));
                        prop_assert_eq!(Some(to), qualifying);
                        current = Some(to);
                        below_since = None;
                        below_from_day = None;
                    }
                    TierDecision::Demote(to) => {
                        prop_assert!(rank(to) < rank(current));
                        prop_assert_eq!(to, qualifying);
                        let from = below_from_day.expect("demoted while qualifying");
                        prop_assert!(day - from >= grace, "demoted after {} of {} days", day - from, grace);
                        current = to;
                        below_since = None;
                        below_from_day = None;
                    }
                    TierDecision::Keep { below_since: kept } => {
                        prop_assert!(rank(qualifying) <= rank(current));
                        prop_assert_eq!(kept.is_some(), rank(qualifying) < rank(current));
                        below_since = kept;
                    }
                }
            }
        }

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

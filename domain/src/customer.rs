//! Customers: where they stand with the vendor and how they came to a partner.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerStatus {
    SignedUp,
    Paying,
    Churned,
}

crate::stored_names!(CustomerStatus, "customer status", {
    SignedUp => "signed_up",
    Paying => "paying",
    Churned => "churned",
});

impl CustomerStatus {
    pub fn label(self) -> &'static str {
        match self {
            CustomerStatus::SignedUp => "signed up",
            CustomerStatus::Paying => "paying",
            CustomerStatus::Churned => "churned",
        }
    }
}

/// What moves a customer from one status to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// A payment was recorded.
    Payment,
    /// A refund was recorded; what the customer has paid in all after it.
    Refund { net_paid_minor: i64 },
    /// The daily check: days since the customer's last payment, and the program's churn window.
    Quiet {
        days_since_payment: i64,
        churn_days: i64,
    },
}

/// The default churn window: a paying customer without a payment for this many days churned.
pub const DEFAULT_CHURN_DAYS: i64 = 90;

/// The status `current` moves to on `event`, with the reason the history shows; `None` when it
/// stays. A payment makes any customer paying (a churned one came back); a refund that leaves
/// nothing paid, or a quiet churn window, churns a paying one.
pub fn next_status(current: CustomerStatus, event: Lifecycle) -> Option<(CustomerStatus, String)> {
    use CustomerStatus::*;
    let (to, reason) = match (current, event) {
        (SignedUp, Lifecycle::Payment) => (Paying, "First payment".to_owned()),
        (Churned, Lifecycle::Payment) => (Paying, "Paid again".to_owned()),
        (Paying, Lifecycle::Refund { net_paid_minor }) if net_paid_minor <= 0 => {
            (Churned, "Every payment was refunded".to_owned())
        }
        (
            Paying,
            Lifecycle::Quiet {
                days_since_payment,
                churn_days,
            },
        ) if churn_days > 0 && days_since_payment >= churn_days => {
            (Churned, format!("No payment for {churn_days} days"))
        }
        _ => return None,
    };
    Some((to, reason))
}

/// Checks a program's churn window as a teammate enters it (empty: the default).
pub fn parse_churn_days(text: Option<&str>) -> Result<i64, crate::RuleViolation> {
    let text = text.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Ok(DEFAULT_CHURN_DAYS);
    }
    text.parse::<i64>()
        .ok()
        .filter(|d| (1..=3650).contains(d))
        .ok_or_else(|| crate::RuleViolation::new("Enter a number of days from 1 to 3650"))
}

/// Checks a teammate's reason for changing a customer by hand: 1 to 300 characters.
pub fn validate_reason(reason: &str) -> Result<String, crate::RuleViolation> {
    let reason = reason.trim();
    match reason.chars().count() {
        1..=300 => Ok(reason.to_owned()),
        _ => Err(crate::RuleViolation::new(
            "Say why, in 1 to 300 characters: the history keeps it",
        )),
    }
}

/// How a customer was attributed to its partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerSource {
    Link,
    Lead,
    Deal,
    ReferralWidget,
    Api,
    Manual,
}

crate::stored_names!(CustomerSource, "customer source", {
    Link => "link",
    Lead => "lead",
    Deal => "deal",
    ReferralWidget => "referral_widget",
    Api => "api",
    Manual => "manual",
});

impl CustomerSource {
    pub fn label(self) -> &'static str {
        match self {
            CustomerSource::Link => "referral link",
            CustomerSource::Lead => "lead",
            CustomerSource::Deal => "deal",
            CustomerSource::ReferralWidget => "referral widget",
            CustomerSource::Api => "API",
            CustomerSource::Manual => "manual",
        }
    }
}

/// The words for a stored status or source; anything unknown is shown as stored.
pub fn status_label(stored: &str) -> String {
    CustomerStatus::parse(stored)
        .map(|s| s.label().to_owned())
        .unwrap_or_else(|_| stored.to_owned())
}

pub fn source_label(stored: &str) -> String {
    CustomerSource::parse(stored)
        .map(|s| s.label().to_owned())
        .unwrap_or_else(|_| stored.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_read_back() {
        for s in CustomerStatus::ALL {
            assert_eq!(CustomerStatus::parse(s.as_str()), Ok(*s));
        }
        for s in CustomerSource::ALL {
            assert_eq!(CustomerSource::parse(s.as_str()), Ok(*s));
        }
        assert!(CustomerSource::parse("carrier pigeon").is_err());
    }

    #[test]
    fn payments_refunds_and_quiet_months_move_the_status() {
        use CustomerStatus::*;
        let quiet = |days| Lifecycle::Quiet {
            days_since_payment: days,
            churn_days: 90,
        };
        assert_eq!(next_status(SignedUp, Lifecycle::Payment).unwrap().0, Paying);
        assert_eq!(
            next_status(Churned, Lifecycle::Payment).unwrap().1,
            "Paid again"
        );
        assert_eq!(next_status(Paying, Lifecycle::Payment), None);
        assert_eq!(
            next_status(Paying, Lifecycle::Refund { net_paid_minor: 0 })
                .unwrap()
                .0,
            Churned
        );
        assert_eq!(
            next_status(Paying, Lifecycle::Refund { net_paid_minor: 1 }),
            None
        );
        assert_eq!(next_status(Paying, quiet(89)), None);
        assert_eq!(
            next_status(Paying, quiet(90)).unwrap(),
            (Churned, "No payment for 90 days".to_owned())
        );
        assert_eq!(next_status(SignedUp, quiet(400)), None);
        assert_eq!(parse_churn_days(Some("")), Ok(DEFAULT_CHURN_DAYS));
        assert!(parse_churn_days(Some("0")).is_err());
        assert!(validate_reason("  ").is_err());
    }

    fn any_status() -> impl proptest::strategy::Strategy<Value = CustomerStatus> {
        proptest::sample::select(CustomerStatus::ALL.to_vec())
    }

    fn any_event() -> impl proptest::strategy::Strategy<Value = Lifecycle> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Lifecycle::Payment),
            (-1000i64..1000).prop_map(|n| Lifecycle::Refund { net_paid_minor: n }),
            (0i64..1000, 0i64..400).prop_map(|(d, c)| Lifecycle::Quiet {
                days_since_payment: d,
                churn_days: c,
            }),
        ]
    }

    proptest::proptest! {
        /// A move always changes the status; after a payment the customer is paying; only a
        /// paying customer churns.
        #[test]
        fn moves_are_changes(status in any_status(), event in any_event()) {
            if let Some((to, reason)) = next_status(status, event) {
                proptest::prop_assert_ne!(to, status);
                proptest::prop_assert!(!reason.is_empty());
                if to == CustomerStatus::Churned {
                    proptest::prop_assert_eq!(status, CustomerStatus::Paying);
                }
            }
            if event == Lifecycle::Payment {
                let after = next_status(status, event).map_or(status, |(to, _)| to);
                proptest::prop_assert_eq!(after, CustomerStatus::Paying);
            }
        }
    }
}

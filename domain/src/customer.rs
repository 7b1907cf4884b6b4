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
}

//! Leads: partner-registered (`submitted -> accepted | rejected`, `accepted -> converted | lost`)
//! or passed by the vendor (`passed -> taken | declined`, then `taken` goes on like `accepted`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LeadStatus {
    Submitted,
    Accepted,
    Rejected,
    Converted,
    Lost,
    Passed,
    Taken,
    Declined,
}

crate::stored_names!(LeadStatus, "lead status", {
    Submitted => "submitted",
    Accepted => "accepted",
    Rejected => "rejected",
    Converted => "converted",
    Lost => "lost",
    Passed => "passed",
    Taken => "taken",
    Declined => "declined",
});

impl LeadStatus {
    /// Leads still being worked: counted as "open" on the vendor overview.
    pub const OPEN: &'static [LeadStatus] = &[
        LeadStatus::Submitted,
        LeadStatus::Accepted,
        LeadStatus::Passed,
        LeadStatus::Taken,
    ];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    pub fn can_become(self, next: LeadStatus) -> bool {
        use LeadStatus::*;
        matches!(
            (self, next),
            (Submitted, Accepted | Rejected)
                | (Passed, Taken | Declined)
                | (Accepted | Taken, Converted | Lost)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::LeadStatus::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn documented_transitions() {
        assert!(Submitted.can_become(Accepted));
        assert!(Accepted.can_become(Converted));
        assert!(Passed.can_become(Taken));
        assert!(Taken.can_become(Lost));
        assert!(!Submitted.can_become(Converted));
        assert!(!Converted.can_become(Lost));
    }

    proptest! {
        #[test]
        fn closed_leads_stay_closed(a in 0usize..8, b in 0usize..8) {
            let (from, to) = (LeadStatus::ALL[a], LeadStatus::ALL[b]);
            if !from.is_open() { prop_assert!(!from.can_become(to)); }
            prop_assert_eq!(LeadStatus::parse(from.as_str()).unwrap(), from);
        }
    }
}

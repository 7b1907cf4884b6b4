//! A partner team's membership in a program, and its status machine:
//! `applied -> active | rejected`, `active <-> suspended`, any non-archived `-> archived`.

use serde::{Deserialize, Serialize};

use crate::RuleViolation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartnershipStatus {
    Applied,
    Active,
    Rejected,
    Suspended,
    Archived,
}

crate::stored_names!(PartnershipStatus, "partnership status", {
    Applied => "applied",
    Active => "active",
    Rejected => "rejected",
    Suspended => "suspended",
    Archived => "archived",
});

impl PartnershipStatus {
    pub fn label(self) -> &'static str {
        match self {
            PartnershipStatus::Applied => "Applied",
            PartnershipStatus::Active => "Active",
            PartnershipStatus::Rejected => "Rejected",
            PartnershipStatus::Suspended => "Suspended",
            PartnershipStatus::Archived => "Archived",
        }
    }

    pub fn can_become(self, next: PartnershipStatus) -> bool {
        use PartnershipStatus::*;
        matches!(
            (self, next),
            (Applied, Active | Rejected)
                | (Active, Suspended)
                | (Suspended, Active)
                | (Applied | Active | Rejected | Suspended, Archived)
        )
    }

    pub fn transition(self, next: PartnershipStatus) -> Result<PartnershipStatus, RuleViolation> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(RuleViolation::new(format!(
                "A partnership that is {} cannot become {}",
                self.label().to_lowercase(),
                next.label().to_lowercase()
            )))
        }
    }

    /// Whether the partner sees earnings for it: while active, and while suspended (money
    /// already earned stays visible); not before approval or after rejection.
    pub fn shows_earnings(self) -> bool {
        matches!(
            self,
            PartnershipStatus::Active | PartnershipStatus::Suspended
        )
    }

    /// Only active partnerships earn, share links and register leads and deals.
    pub fn is_active(self) -> bool {
        self == PartnershipStatus::Active
    }
}

#[cfg(test)]
mod tests {
    use super::PartnershipStatus::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_documented_transitions() {
        assert!(Applied.can_become(Active));
        assert!(Applied.can_become(Rejected));
        assert!(Active.can_become(Suspended));
        assert!(Suspended.can_become(Active));
        assert!(!Rejected.can_become(Active));
        assert!(!Archived.can_become(Active));
        assert!(!Active.can_become(Applied));
        assert!(Active.transition(Active).is_err());
        assert_eq!(Active.transition(Suspended), Ok(Suspended));
        assert!(Active.shows_earnings() && Suspended.shows_earnings());
        assert!(!Applied.shows_earnings() && !Rejected.shows_earnings());
    }

    proptest! {
        #[test]
        fn archived_is_final_and_names_round_trip(a in 0usize..5, b in 0usize..5) {
            let (from, to) = (PartnershipStatus::ALL[a], PartnershipStatus::ALL[b]);
            if from == Archived { prop_assert!(!from.can_become(to)); }
            prop_assert!(!from.can_become(from));
            prop_assert_eq!(PartnershipStatus::parse(from.as_str()).unwrap(), from);
            prop_assert_eq!(from.transition(to).is_ok(), from.can_become(to));
        }
    }
}

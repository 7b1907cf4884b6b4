//! A partner team's membership in a program, and its status machine:
//! `applied -> active | rejected`, `active <-> suspended`, any non-archived `-> archived`, and
//! `archived ->` the status it was archived from (unarchive).

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

/// What a teammate can do to a partnership's status from its page or the partners table.
/// Approval and rejection are the applications queue's (they email the team and pay join
/// rewards), so they are not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    Suspend,
    Reactivate,
    Archive,
    Unarchive,
}

impl StatusAction {
    pub const ALL: [StatusAction; 4] = [
        StatusAction::Suspend,
        StatusAction::Reactivate,
        StatusAction::Archive,
        StatusAction::Unarchive,
    ];

    /// The name a form posts.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusAction::Suspend => "suspend",
            StatusAction::Reactivate => "reactivate",
            StatusAction::Archive => "archive",
            StatusAction::Unarchive => "unarchive",
        }
    }

    pub fn parse(text: &str) -> Option<StatusAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            StatusAction::Suspend => "Suspend",
            StatusAction::Reactivate => "Reactivate",
            StatusAction::Archive => "Archive",
            StatusAction::Unarchive => "Unarchive",
        }
    }

    /// What it means for the partner, shown beside the button.
    pub fn explains(self) -> &'static str {
        match self {
            StatusAction::Suspend => {
                "Links stop earning and the team cannot register leads or deals; earned money stays visible."
            }
            StatusAction::Reactivate => {
                "Links earn again and the team can register leads and deals."
            }
            StatusAction::Archive => {
                "Ends the partnership: it stops earning and the team sees it as ended. Unarchive brings it back as it was."
            }
            StatusAction::Unarchive => {
                "Brings the partnership back with the status it had when it was archived."
            }
        }
    }

    /// The status `current` moves to, or why it cannot. `archived_from` is the status an
    /// archived partnership had before; one archived before that was kept comes back
    /// suspended, so it earns nothing until a teammate reactivates it.
    pub fn next(
        self,
        current: PartnershipStatus,
        archived_from: Option<PartnershipStatus>,
    ) -> Result<PartnershipStatus, RuleViolation> {
        let next = match self {
            StatusAction::Suspend => PartnershipStatus::Suspended,
            StatusAction::Reactivate if current == PartnershipStatus::Suspended => {
                PartnershipStatus::Active
            }
            StatusAction::Reactivate => {
                return Err(RuleViolation::new(format!(
                    "Only a suspended partnership can be reactivated; this one is {}",
                    current.label().to_lowercase()
                )));
            }
            StatusAction::Archive => PartnershipStatus::Archived,
            StatusAction::Unarchive if current == PartnershipStatus::Archived => {
                return Ok(archived_from
                    .filter(|s| *s != PartnershipStatus::Archived)
                    .unwrap_or(PartnershipStatus::Suspended));
            }
            StatusAction::Unarchive => {
                return Err(RuleViolation::new("This partnership is not archived"));
            }
        };
        current.transition(next)
    }

    /// The actions open to a partnership in `current`, in the order the page shows them.
    pub fn available(current: PartnershipStatus) -> Vec<StatusAction> {
        Self::ALL
            .into_iter()
            .filter(|a| a.next(current, None).is_ok())
            .collect()
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

    #[test]
    fn status_actions() {
        assert_eq!(
            StatusAction::available(Active),
            [StatusAction::Suspend, StatusAction::Archive]
        );
        assert_eq!(
            StatusAction::available(Suspended),
            [StatusAction::Reactivate, StatusAction::Archive]
        );
        assert_eq!(StatusAction::available(Applied), [StatusAction::Archive]);
        assert_eq!(StatusAction::available(Archived), [StatusAction::Unarchive]);
        assert_eq!(StatusAction::Unarchive.next(Archived, None), Ok(Suspended));
        assert_eq!(
            StatusAction::Unarchive.next(Archived, Some(Rejected)),
            Ok(Rejected)
        );
        assert!(StatusAction::Reactivate.next(Rejected, None).is_err());
        assert!(StatusAction::Unarchive.next(Active, Some(Active)).is_err());
    }

    proptest! {
        /// Archiving then unarchiving gives back the status a partnership had; every other
        /// action is a move the status machine allows, to another status.
        #[test]
        fn unarchive_undoes_archive(a in 0usize..5, b in 0usize..4) {
            let status = PartnershipStatus::ALL[a];
            if let Ok(archived) = StatusAction::Archive.next(status, None) {
                prop_assert_eq!(StatusAction::Unarchive.next(archived, Some(status)), Ok(status));
            }
            let action = StatusAction::ALL[b];
            if action != StatusAction::Unarchive
                && let Ok(next) = action.next(status, None)
            {
                prop_assert!(status.can_become(next));
                prop_assert_ne!(next, status);
            }
            prop_assert_eq!(StatusAction::parse(action.as_str()), Some(action));
        }

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

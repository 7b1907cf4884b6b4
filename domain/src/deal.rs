//! Deals: `registered -> approved | rejected`, `approved -> in_progress -> closed_won | closed_lost`.

use serde::{Deserialize, Serialize};

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

impl DealMotion {
    pub fn as_str(self) -> &'static str {
        match self {
            DealMotion::Referral => "referral",
            DealMotion::Cosell => "cosell",
            DealMotion::Resell => "resell",
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
}

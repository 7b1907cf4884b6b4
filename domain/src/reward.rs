//! Rewards: money owed to a partnership, and their status machine:
//! `pending -> approved -> paid`, `pending | approved -> declined`; a failed or canceled payout
//! puts its rewards back to `approved` (available).

use serde::{Deserialize, Serialize};

use crate::RuleViolation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RewardStatus {
    Pending,
    Approved,
    Paid,
    Declined,
}

crate::stored_names!(RewardStatus, "reward status", {
    Pending => "pending",
    Approved => "approved",
    Paid => "paid",
    Declined => "declined",
});

impl RewardStatus {
    pub fn can_become(self, next: RewardStatus) -> bool {
        use RewardStatus::*;
        matches!(
            (self, next),
            (Pending, Approved | Declined) | (Approved, Paid | Declined)
        )
    }

    pub fn transition(self, next: RewardStatus) -> Result<RewardStatus, RuleViolation> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(RuleViolation::new(format!(
                "A {} reward cannot become {}",
                self.as_str(),
                next.as_str()
            )))
        }
    }
}

/// A reward as people see and filter it: its status, told apart further for a pending reward
/// someone held and an approved one inside a payout. One word for one state, in the rows and in
/// the filter alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RewardState {
    Pending,
    OnHold,
    Available,
    InPayout,
    Paid,
    Declined,
}

crate::stored_names!(RewardState, "reward state", {
    Pending => "pending",
    OnHold => "on_hold",
    Available => "available",
    InPayout => "in_payout",
    Paid => "paid",
    Declined => "declined",
});

impl RewardState {
    pub fn of(status: RewardStatus, on_hold: bool, in_payout: bool) -> Self {
        match status {
            RewardStatus::Pending if on_hold => RewardState::OnHold,
            RewardStatus::Pending => RewardState::Pending,
            RewardStatus::Approved if in_payout => RewardState::InPayout,
            RewardStatus::Approved => RewardState::Available,
            RewardStatus::Paid => RewardState::Paid,
            RewardStatus::Declined => RewardState::Declined,
        }
    }

    /// The stored status a reward in this state has.
    pub fn status(self) -> RewardStatus {
        match self {
            RewardState::Pending | RewardState::OnHold => RewardStatus::Pending,
            RewardState::Available | RewardState::InPayout => RewardStatus::Approved,
            RewardState::Paid => RewardStatus::Paid,
            RewardState::Declined => RewardStatus::Declined,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RewardState::Pending => "pending",
            RewardState::OnHold => "on hold",
            RewardState::Available => "available",
            RewardState::InPayout => "in payout",
            RewardState::Paid => "paid",
            RewardState::Declined => "declined",
        }
    }
}

/// When a reward created at `created_at` leaves the program's hold.
pub fn available_at(created_at: i64, hold_days: i64) -> i64 {
    created_at.saturating_add(hold_days.max(0).saturating_mul(86_400_000))
}

/// When a reward that would leave its hold at `available_at` is available once approved at
/// `approved_at`: approving it early releases it then, not at the hold's end.
pub fn available_when_approved(available_at: i64, approved_at: i64) -> i64 {
    available_at.min(approved_at)
}

/// The partner-facing sums over a partnership's rewards, in minor units of one currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earnings {
    /// Approved rewards not yet in a payout: what can be cashed out. May be negative after a
    /// clawback.
    pub available: i64,
    pub pending: i64,
    /// Rewards inside a payout that was paid.
    pub lifetime_paid: i64,
    /// Rewards inside a payout that is requested or processing.
    pub in_payout: i64,
}

impl Earnings {
    /// Cash out is allowed when the balance reaches the program minimum (and is positive).
    pub fn can_cash_out(&self, minimum_minor: i64) -> bool {
        self.available > 0 && self.available >= minimum_minor
    }
}

#[cfg(test)]
mod tests {
    use super::RewardStatus::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_state_maps_back_to_its_status() {
        for state in RewardState::ALL {
            let status = state.status();
            let on_hold = *state == RewardState::OnHold;
            let in_payout = *state == RewardState::InPayout;
            assert_eq!(RewardState::of(status, on_hold, in_payout), *state);
        }
        assert_eq!(RewardState::of(Approved, false, false).label(), "available");
    }

    #[test]
    fn the_hold_starts_when_the_reward_is_made() {
        assert_eq!(available_at(1_000, 30), 1_000 + 30 * 86_400_000);
        assert_eq!(available_at(1_000, 0), 1_000);
        assert_eq!(available_at(1_000, -3), 1_000);
    }

    #[test]
    fn the_documented_transitions() {
        assert!(Pending.can_become(Approved));
        assert!(Approved.can_become(Paid));
        assert!(Pending.can_become(Declined));
        assert!(!Paid.can_become(Approved));
        assert!(!Declined.can_become(Approved));
        assert!(!Pending.can_become(Paid));
    }

    #[test]
    fn cash_out_needs_a_positive_balance_over_the_minimum() {
        let e = |available| Earnings {
            available,
            ..Default::default()
        };
        assert!(e(5000).can_cash_out(5000));
        assert!(!e(4999).can_cash_out(5000));
        assert!(!e(-10).can_cash_out(0));
        assert!(!e(0).can_cash_out(0));
    }

    proptest! {
        #[test]
        fn paid_and_declined_are_final(a in 0usize..4, b in 0usize..4) {
            let (from, to) = (RewardStatus::ALL[a], RewardStatus::ALL[b]);
            if matches!(from, Paid | Declined) { prop_assert!(!from.can_become(to)); }
            prop_assert_eq!(RewardStatus::parse(from.as_str()).unwrap(), from);
            prop_assert_eq!(from.transition(to).is_ok(), from.can_become(to));
        }

        #[test]
        fn approval_never_delays_availability(created in 0i64..1 << 45, hold in 0i64..400, after in 0i64..1 << 40) {
            let held_until = available_at(created, hold);
            let approved_at = created + after;
            let available = available_when_approved(held_until, approved_at);
            prop_assert!(available <= held_until);
            prop_assert!(available <= approved_at);
            // Approved after the hold, it was already available: nothing changes.
            if approved_at >= held_until { prop_assert_eq!(available, held_until); }
        }
    }
}

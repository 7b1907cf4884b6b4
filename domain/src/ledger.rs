//! The reference model of one partnership's ledger: rewards are only ever added or moved
//! along their state machine, a cashout puts every available reward into one payout, and a
//! failed or canceled payout makes its rewards available again. The database implementation
//! is tested against the invariants this model's property test states.

use crate::RuleViolation;
use crate::reward::{Earnings, RewardStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutStatus {
    Requested,
    Processing,
    Paid,
    Failed,
    Canceled,
}

crate::stored_names!(PayoutStatus, "payout status", {
    Requested => "requested",
    Processing => "processing",
    Paid => "paid",
    Failed => "failed",
    Canceled => "canceled",
});

impl PayoutStatus {
    pub fn transition(self, next: PayoutStatus) -> Result<PayoutStatus, RuleViolation> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(RuleViolation::new(format!(
                "A {} payout cannot become {}",
                self.as_str(),
                next.as_str()
            )))
        }
    }

    /// `requested -> processing -> paid | failed`, or `requested | processing -> canceled`.
    pub fn can_become(self, next: PayoutStatus) -> bool {
        use PayoutStatus::*;
        matches!(
            (self, next),
            (Requested, Processing | Canceled) | (Processing, Paid | Failed | Canceled)
        )
    }

    /// Its rewards are still inside it (not back to available).
    pub fn holds_rewards(self) -> bool {
        matches!(
            self,
            PayoutStatus::Requested | PayoutStatus::Processing | PayoutStatus::Paid
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerReward {
    pub amount_minor: i64,
    pub status: RewardStatus,
    /// The payout it is in, while that payout holds it.
    pub payout: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerPayout {
    pub rewards: Vec<usize>,
    pub amount_minor: i64,
    pub status: PayoutStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    pub rewards: Vec<LedgerReward>,
    pub payouts: Vec<LedgerPayout>,
}

impl Ledger {
    /// A new reward (pending; a clawback is negative).
    pub fn add(&mut self, amount_minor: i64) -> usize {
        self.rewards.push(LedgerReward {
            amount_minor,
            status: RewardStatus::Pending,
            payout: None,
        });
        self.rewards.len() - 1
    }

    fn reward(&mut self, id: usize) -> Result<&mut LedgerReward, RuleViolation> {
        self.rewards
            .get_mut(id)
            .ok_or_else(|| RuleViolation::new("No such reward"))
    }

    pub fn approve(&mut self, id: usize) -> Result<(), RuleViolation> {
        let reward = self.reward(id)?;
        reward.status = reward.status.transition(RewardStatus::Approved)?;
        Ok(())
    }

    /// Declines a pending reward, or an approved one not inside a payout.
    pub fn decline(&mut self, id: usize) -> Result<(), RuleViolation> {
        let reward = self.reward(id)?;
        if reward.payout.is_some() {
            return Err(RuleViolation::new(
                "A reward inside a payout cannot be declined",
            ));
        }
        reward.status = reward.status.transition(RewardStatus::Declined)?;
        Ok(())
    }

    /// Approved rewards not in a payout.
    fn available(&self) -> impl Iterator<Item = (usize, &LedgerReward)> {
        self.rewards
            .iter()
            .enumerate()
            .filter(|(_, r)| r.status == RewardStatus::Approved && r.payout.is_none())
    }

    pub fn earnings(&self) -> Earnings {
        let mut e = Earnings {
            available: self.available().map(|(_, r)| r.amount_minor).sum(),
            ..Earnings::default()
        };
        for r in &self.rewards {
            match (r.status, r.payout.map(|p| self.payouts[p].status)) {
                (RewardStatus::Pending, _) => e.pending += r.amount_minor,
                (RewardStatus::Paid, _) => e.lifetime_paid += r.amount_minor,
                (RewardStatus::Approved, Some(_)) => e.in_payout += r.amount_minor,
                _ => {}
            }
        }
        e
    }

    /// The owner cashes out: one payout takes every available reward; the balance is zero.
    pub fn cash_out(&mut self, minimum_minor: i64) -> Result<usize, RuleViolation> {
        let earnings = self.earnings();
        if !earnings.can_cash_out(minimum_minor) {
            return Err(RuleViolation::new(
                "The available balance is below the program's minimum cashout",
            ));
        }
        let id = self.payouts.len();
        let rewards: Vec<usize> = self.available().map(|(i, _)| i).collect();
        for &r in &rewards {
            self.rewards[r].payout = Some(id);
        }
        self.payouts.push(LedgerPayout {
            rewards,
            amount_minor: earnings.available,
            status: PayoutStatus::Requested,
        });
        Ok(id)
    }

    /// Moves a payout; paid makes its rewards paid, failed or canceled makes them available.
    pub fn move_payout(&mut self, id: usize, next: PayoutStatus) -> Result<(), RuleViolation> {
        let payout = self
            .payouts
            .get_mut(id)
            .ok_or_else(|| RuleViolation::new("No such payout"))?;
        if !payout.status.can_become(next) {
            return Err(RuleViolation::new("That payout move is not allowed"));
        }
        payout.status = next;
        let rewards = payout.rewards.clone();
        for r in rewards {
            match next {
                PayoutStatus::Paid => {
                    self.rewards[r].status =
                        self.rewards[r].status.transition(RewardStatus::Paid)?
                }
                PayoutStatus::Failed | PayoutStatus::Canceled => self.rewards[r].payout = None,
                PayoutStatus::Requested | PayoutStatus::Processing => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        Add(i64),
        Approve(usize),
        Decline(usize),
        CashOut,
        Move(usize, PayoutStatus),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (-5_000i64..20_000).prop_map(Step::Add),
            (0usize..12).prop_map(Step::Approve),
            (0usize..12).prop_map(Step::Decline),
            Just(Step::CashOut),
            (
                0usize..4,
                prop_oneof![
                    Just(PayoutStatus::Processing),
                    Just(PayoutStatus::Paid),
                    Just(PayoutStatus::Failed),
                    Just(PayoutStatus::Canceled)
                ]
            )
                .prop_map(|(p, s)| Step::Move(p, s)),
        ]
    }

    proptest! {
        /// For any sequence of rewards, clawbacks, approvals, declines, cashouts and payout
        /// moves: the balance is the approved rewards outside payouts; a payout's amount is
        /// the sum of its rewards; no reward is in two live payouts; nothing is removed.
        #[test]
        fn the_ledger_invariants_hold(steps in proptest::collection::vec(step(), 0..60)) {
            let mut ledger = Ledger::default();
            for s in steps {
                let rewards_before = ledger.rewards.len();
                let _ = match s {
                    Step::Add(a) => { ledger.add(a); Ok(()) }
                    Step::Approve(i) => ledger.approve(i),
                    Step::Decline(i) => ledger.decline(i),
                    Step::CashOut => ledger.cash_out(1_000).map(|_| ()),
                    Step::Move(p, st) => ledger.move_payout(p, st),
                };
                prop_assert!(ledger.rewards.len() >= rewards_before);
                let e = ledger.earnings();
                let approved_unpaid: i64 = ledger.rewards.iter()
                    .filter(|r| r.status == RewardStatus::Approved && r.payout.is_none())
                    .map(|r| r.amount_minor).sum();
                prop_assert_eq!(e.available, approved_unpaid);
                let mut seen = std::collections::HashSet::new();
                for (id, p) in ledger.payouts.iter().enumerate() {
                    let sum: i64 = p.rewards.iter().map(|r| ledger.rewards[*r].amount_minor).sum();
                    prop_assert_eq!(p.amount_minor, sum);
                    if p.status.holds_rewards() {
                        prop_assert!(p.amount_minor > 0);
                        for r in &p.rewards {
                            prop_assert!(seen.insert(*r), "reward {} in two payouts", r);
                            prop_assert_eq!(ledger.rewards[*r].payout, Some(id));
                        }
                    }
                }
                for r in &ledger.rewards {
                    if r.status == RewardStatus::Paid {
                        prop_assert!(r.payout.is_some_and(|p| ledger.payouts[p].status == PayoutStatus::Paid));
                    }
                }
            }
        }
    }

    #[test]
    fn a_negative_balance_blocks_cashout_and_a_failed_payout_returns_rewards() {
        let mut l = Ledger::default();
        let a = l.add(10_000);
        l.approve(a).unwrap();
        let p = l.cash_out(5_000).unwrap();
        assert_eq!(l.earnings().available, 0);
        assert_eq!(l.earnings().in_payout, 10_000);
        l.move_payout(p, PayoutStatus::Processing).unwrap();
        l.move_payout(p, PayoutStatus::Failed).unwrap();
        assert_eq!(l.earnings().available, 10_000);
        let claw = l.add(-15_000);
        l.approve(claw).unwrap();
        assert_eq!(l.earnings().available, -5_000);
        assert!(l.cash_out(0).is_err());
        assert!(
            l.move_payout(p, PayoutStatus::Paid).is_err(),
            "a failed payout stays failed"
        );
    }
}

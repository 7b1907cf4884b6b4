//! Deals: `registered -> approved | rejected`, `approved -> in_progress -> closed_won | closed_lost`.

use serde::{Deserialize, Serialize};

use crate::RuleViolation;

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

/// Who acts on a deal: a teammate of the vendor, or a contact of the partner team that
/// registered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealActor {
    Teammate,
    Partner,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DealAction {
    Approve,
    /// Refused, e.g. as a duplicate of an earlier registration; the partner sees the reason.
    Reject {
        reason: String,
    },
    /// Work on an approved deal has started (either side may say so).
    Start,
    CloseWon,
    CloseLost,
}

impl DealAction {
    fn past(&self) -> &'static str {
        match self {
            DealAction::Approve => "approved",
            DealAction::Reject { .. } => "rejected",
            DealAction::Start => "started",
            DealAction::CloseWon => "closed won",
            DealAction::CloseLost => "closed lost",
        }
    }
}

impl DealStage {
    pub fn label(self) -> &'static str {
        match self {
            DealStage::Registered => "registered",
            DealStage::Approved => "approved",
            DealStage::Rejected => "rejected",
            DealStage::InProgress => "in progress",
            DealStage::ClosedWon => "closed won",
            DealStage::ClosedLost => "closed lost",
        }
    }
}

/// The one deal state machine: partners move their deals through the working stage; only the
/// vendor's team approves, rejects and closes.
pub fn transition(
    stage: DealStage,
    action: &DealAction,
    actor: DealActor,
) -> Result<DealStage, RuleViolation> {
    use DealAction as A;
    use DealStage::*;
    let (teammates_only, next) = match (stage, action) {
        (Registered, A::Approve) => (true, Approved),
        (Registered, A::Reject { reason }) => {
            if reason.trim().is_empty() {
                return Err(RuleViolation::new("Give a reason; the partner will see it"));
            }
            (true, Rejected)
        }
        (Approved, A::Start) => (false, InProgress),
        (InProgress, A::CloseWon) => (true, ClosedWon),
        (InProgress, A::CloseLost) => (true, ClosedLost),
        (stage, action) => {
            return Err(RuleViolation::new(format!(
                "A {} deal cannot be {}",
                stage.label(),
                action.past()
            )));
        }
    };
    if teammates_only && actor != DealActor::Teammate {
        return Err(RuleViolation::new(
            "Only the vendor's team approves, rejects and closes deals",
        ));
    }
    Ok(next)
}

/// Until when an approved deal protects its partner: `days` after approval (UTC ms).
pub fn protected_until(approved_at: i64, days: u32) -> i64 {
    approved_at + i64::from(days) * 86_400_000
}

/// Whether a deal still protects its partner at `now`: open, approved, and inside the window.
/// Protection lapses on its own; nothing needs to run at the end date.
pub fn is_protected(stage: DealStage, protected_until: Option<i64>, now: i64) -> bool {
    matches!(stage, DealStage::Approved | DealStage::InProgress)
        && protected_until.is_some_and(|until| now < until)
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

    fn action() -> impl Strategy<Value = DealAction> {
        prop_oneof![
            Just(DealAction::Approve),
            prop_oneof![Just(""), Just("duplicate")]
                .prop_map(|r| DealAction::Reject { reason: r.into() }),
            Just(DealAction::Start),
            Just(DealAction::CloseWon),
            Just(DealAction::CloseLost),
        ]
    }

    proptest! {
        /// No sequence of actions reaches a stage off the documented graph, and only teammates
        /// ever decide or close.
        #[test]
        fn any_sequence_stays_on_the_graph(
            steps in proptest::collection::vec((action(), any::<bool>()), 0..12),
        ) {
            let mut stage = Registered;
            for (action, by_teammate) in steps {
                let actor = if by_teammate { DealActor::Teammate } else { DealActor::Partner };
                if let Ok(next) = transition(stage, &action, actor) {
                    prop_assert!(stage.can_become(next), "{stage:?} -> {next:?}");
                    if next != InProgress { prop_assert_eq!(actor, DealActor::Teammate); }
                    stage = next;
                }
            }
        }

        #[test]
        fn protection_lapses_by_itself(approved in 0i64..1_000_000_000, days in 0u32..400, later in 0i64..40_000_000_000) {
            let until = protected_until(approved, days);
            let now = approved + later;
            prop_assert_eq!(is_protected(Approved, Some(until), now), later < i64::from(days) * 86_400_000);
            prop_assert!(!is_protected(ClosedLost, Some(until), approved));
            prop_assert!(!is_protected(Registered, None, approved));
        }
    }

    #[test]
    fn illegal_moves_say_why() {
        let err = transition(Rejected, &DealAction::CloseWon, DealActor::Teammate).unwrap_err();
        assert_eq!(err.0, "A rejected deal cannot be closed won");
        assert!(transition(Registered, &DealAction::Approve, DealActor::Partner).is_err());
        assert_eq!(
            transition(Approved, &DealAction::Start, DealActor::Partner),
            Ok(InProgress)
        );
        assert!(transition(InProgress, &DealAction::CloseWon, DealActor::Partner).is_err());
        assert!(
            transition(
                Registered,
                &DealAction::Reject {
                    reason: "  ".into()
                },
                DealActor::Teammate
            )
            .is_err()
        );
    }
}

//! Invites: single-use tokens with an expiry, to join a company as a teammate or a partner
//! team as a contact.

use serde::{Deserialize, Serialize};

use crate::RuleViolation;

pub const INVITE_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InviteKind {
    Teammate,
    Contact,
    /// A vendor invites a partner team into a program (the way into invite-only programs).
    Partner,
}

crate::stored_names!(InviteKind, "invite kind", {
    Teammate => "teammate",
    Contact => "contact",
    Partner => "partner",
});

/// The stored facts of an invite that decide whether it can still be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InviteTimes {
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl InviteTimes {
    pub fn new(created_at: i64) -> Self {
        Self {
            expires_at: created_at + INVITE_TTL_MS,
            accepted_at: None,
            revoked_at: None,
        }
    }

    /// `Ok` while the invite can be accepted; otherwise the reason, safe to show.
    pub fn usable(&self, now: i64) -> Result<(), RuleViolation> {
        if self.accepted_at.is_some() {
            Err(RuleViolation::new(
                "This invite has already been used. Sign in instead.",
            ))
        } else if self.revoked_at.is_some() {
            Err(RuleViolation::new(
                "This invite was withdrawn. Ask for a new one.",
            ))
        } else if now >= self.expires_at {
            Err(RuleViolation::new(
                "This invite has expired. Ask for a new one.",
            ))
        } else {
            Ok(())
        }
    }

    pub fn is_pending(&self, now: i64) -> bool {
        self.usable(now).is_ok()
    }
}

/// A person's display name: trimmed, 1 to 100 characters.
pub fn validate_person_name(name: &str) -> Result<String, RuleViolation> {
    let name = name.trim();
    match name.chars().count() {
        0 => Err(RuleViolation::new("Enter your name")),
        1..=100 => Ok(name.to_owned()),
        _ => Err(RuleViolation::new("Name must be at most 100 characters")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn used_withdrawn_and_expired_invites_are_refused_with_a_reason() {
        let fresh = InviteTimes::new(1_000);
        assert!(fresh.usable(1_000).is_ok());
        assert!(fresh.usable(1_000 + INVITE_TTL_MS - 1).is_ok());
        assert!(
            fresh
                .usable(1_000 + INVITE_TTL_MS)
                .unwrap_err()
                .0
                .contains("expired")
        );
        let used = InviteTimes {
            accepted_at: Some(2_000),
            ..fresh
        };
        assert!(
            used.usable(2_001)
                .unwrap_err()
                .0
                .contains("already been used")
        );
        let revoked = InviteTimes {
            revoked_at: Some(2_000),
            ..fresh
        };
        assert!(revoked.usable(2_001).unwrap_err().0.contains("withdrawn"));
    }

    #[test]
    fn names() {
        assert_eq!(
            validate_person_name("  Ada Lovelace ").unwrap(),
            "Ada Lovelace"
        );
        assert!(validate_person_name("   ").is_err());
        assert!(validate_person_name(&"a".repeat(101)).is_err());
    }

    proptest! {
        #[test]
        fn usable_only_before_expiry_and_once(created in 0i64..1_000_000, after in 0i64..(2 * INVITE_TTL_MS), used in proptest::option::of(0i64..10)) {
            let times = InviteTimes { accepted_at: used, ..InviteTimes::new(created) };
            let now = created + after;
            prop_assert_eq!(times.usable(now).is_ok(), used.is_none() && after < INVITE_TTL_MS);
        }
    }
}

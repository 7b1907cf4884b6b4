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

/// Who accepts an invite. Its link may be in anyone's hands (the inviter sees it), so it never
/// checks a password: an email that already has an account accepts by signing in first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptance {
    /// The signed-in user is the invited email's account: one click.
    SignedInAccount,
    /// A visitor makes the invited email's account with a name and a password.
    NewAccount,
}

/// Why an invite cannot be accepted as things are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptRefusal {
    /// Someone else is signed in on this browser (403).
    OtherAccountSignedIn { signed_in: String },
    /// The invited email has an account: sign in as it first (409).
    SignInFirst,
}

impl AcceptRefusal {
    pub fn message(&self, invited: &str) -> String {
        match self {
            AcceptRefusal::OtherAccountSignedIn { signed_in } => format!(
                "You are signed in as {signed_in}, and this invite is for {invited}. Sign out, then open the link again."
            ),
            AcceptRefusal::SignInFirst => format!("Sign in as {invited} to accept this invite."),
        }
    }
}

/// How the invite for `invited` (normalised) may be accepted by whoever is signed in (their
/// normalised email), given whether the invited email has an account.
pub fn acceptance(
    invited: &str,
    signed_in: Option<&str>,
    account_exists: bool,
) -> Result<Acceptance, AcceptRefusal> {
    match (signed_in, account_exists) {
        (Some(me), true) if me == invited => Ok(Acceptance::SignedInAccount),
        (Some(me), _) if me != invited => Err(AcceptRefusal::OtherAccountSignedIn {
            signed_in: me.to_owned(),
        }),
        (_, true) => Err(AcceptRefusal::SignInFirst),
        (_, false) => Ok(Acceptance::NewAccount),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_account_accepts_only_signed_in_as_itself() {
        let invited = "ann@acme.example";
        assert_eq!(
            acceptance(invited, Some(invited), true),
            Ok(Acceptance::SignedInAccount)
        );
        assert_eq!(
            acceptance(invited, None, true),
            Err(AcceptRefusal::SignInFirst)
        );
        assert_eq!(
            acceptance(invited, Some("eve@evil.example"), true),
            Err(AcceptRefusal::OtherAccountSignedIn {
                signed_in: "eve@evil.example".into()
            })
        );
        assert_eq!(acceptance(invited, None, false), Ok(Acceptance::NewAccount));
        assert!(acceptance(invited, Some("eve@evil.example"), false).is_err());
    }

    proptest! {
        /// Nobody but the invited account, signed in, ever joins an existing account.
        #[test]
        fn only_the_account_itself_joins_an_existing_account(me in proptest::option::of("[a-c]@x\\.example"), exists in any::<bool>()) {
            let invited = "a@x.example";
            let result = acceptance(invited, me.as_deref(), exists);
            if exists && result.is_ok() {
                prop_assert_eq!(me.as_deref(), Some(invited));
            }
            if me.as_deref().is_some_and(|m| m != invited) {
                prop_assert!(result.is_err());
            }
        }
    }
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

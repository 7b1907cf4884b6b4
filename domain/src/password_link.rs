//! One-time links to choose a password: the set-password link of a new company's first owner
//! (made by `server create-company`) and the password reset link someone asks for on
//! `/forgot-password`. Only a hash of the token is stored; a link works once, before it expires.

use serde::{Deserialize, Serialize};

use crate::RuleViolation;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Purpose {
    /// A new account's first password.
    SetPassword,
    /// A forgotten password; using it signs every other session out.
    Reset,
}

crate::stored_names!(Purpose, "password link purpose", {
    SetPassword => "set_password",
    Reset => "reset",
});

const HOUR_MS: i64 = 60 * 60 * 1000;

impl Purpose {
    /// How long a link works: a day for a new owner (sent by an administrator), an hour for a
    /// reset (whoever reads the mailbox in that hour may take the account).
    pub fn valid_ms(self) -> i64 {
        match self {
            Purpose::SetPassword => 24 * HOUR_MS,
            Purpose::Reset => HOUR_MS,
        }
    }

    /// Whether a link made for this purpose may still be used.
    pub fn usable(
        self,
        expires_at: i64,
        used_at: Option<i64>,
        now: i64,
    ) -> Result<(), RuleViolation> {
        usable_once(
            expires_at,
            used_at,
            now,
            "This link has already been used. Sign in with your password instead.",
            match self {
                Purpose::SetPassword => {
                    "This link has expired. Ask your administrator for a new one."
                }
                Purpose::Reset => "This link has expired. Ask for a new one with Forgot password.",
            },
        )
    }
}

/// The rule of every emailed one-time link: it works until it is used or expires, and each
/// refusal says which (`used`, `expired`).
pub fn usable_once(
    expires_at: i64,
    used_at: Option<i64>,
    now: i64,
    used: &str,
    expired: &str,
) -> Result<(), RuleViolation> {
    if used_at.is_some() {
        Err(RuleViolation::new(used))
    } else if now >= expires_at {
        Err(RuleViolation::new(expired))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_reset_link_lasts_an_hour_and_a_set_password_link_a_day() {
        assert_eq!(Purpose::Reset.valid_ms(), 3_600_000);
        assert_eq!(Purpose::SetPassword.valid_ms(), 86_400_000);
        for p in Purpose::ALL {
            assert_eq!(Purpose::parse(p.as_str()), Ok(*p));
        }
    }

    proptest! {
        #[test]
        fn a_link_works_once_and_only_before_it_expires(
            reset: bool,
            created in 0i64..1_000_000,
            after in 0i64..(48 * HOUR_MS),
            used in proptest::option::of(0i64..10),
        ) {
            let purpose = if reset { Purpose::Reset } else { Purpose::SetPassword };
            let expires = created + purpose.valid_ms();
            let usable = purpose.usable(expires, used, created + after).is_ok();
            prop_assert_eq!(usable, used.is_none() && after < purpose.valid_ms());
        }
    }
}

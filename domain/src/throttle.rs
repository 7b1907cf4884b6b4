//! Attempt limits: a fixed number of attempts per key inside a fixed window.
//!
//! The counters live in the database so that every server process on one database enforces
//! one limit, and an attempt is counted *before* the work it guards (a password check), in
//! the same atomic step that reads the count: 30 parallel guesses get 5 checks, not 30. This
//! module is the rule; the store keeps the counters ([`Counter`] is what it hands back).

/// How many attempts a key gets per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The counter's name in storage; one counter per (scope, key).
    pub scope: &'static str,
    pub max: i64,
    pub window_ms: i64,
}

const MINUTE_MS: i64 = 60 * 1000;

/// Password guesses per account: sign-in, and the password re-checks of signed-in forms.
pub const PASSWORD_PER_ACCOUNT: Limit = Limit {
    scope: "password_account",
    max: 5,
    window_ms: 15 * MINUTE_MS,
};

/// Password guesses per client address, whatever account they name.
pub const PASSWORD_PER_ADDRESS: Limit = Limit {
    scope: "password_address",
    max: 20,
    window_ms: 15 * MINUTE_MS,
};

/// Public signup reports (`/api/v1/track/signup`) per program: generous for a real site's
/// signups, a stop for a script that floods a vendor with fake customers.
pub const SIGNUPS_PER_PROGRAM: Limit = Limit {
    scope: "signup_program",
    max: 600,
    window_ms: MINUTE_MS,
};

/// Public signup reports per client address.
pub const SIGNUPS_PER_ADDRESS: Limit = Limit {
    scope: "signup_address",
    max: 20,
    window_ms: MINUTE_MS,
};

/// Account signups (the public join form) per client address: whether an email already has an
/// account is something the form must tell its owner, so guessing many is slowed down.
pub const ACCOUNT_SIGNUPS_PER_ADDRESS: Limit = Limit {
    scope: "account_signup_address",
    max: 10,
    window_ms: 15 * MINUTE_MS,
};

/// Password reset requests per client address, whatever accounts they name.
pub const PASSWORD_RESETS_PER_ADDRESS: Limit = Limit {
    scope: "password_reset_address",
    max: 10,
    window_ms: 15 * MINUTE_MS,
};

/// Password reset emails per account: a few tries for its owner, no mailbox flooding. Over it,
/// the request answers as usual and sends nothing (the answer never tells an account exists).
pub const PASSWORD_RESETS_PER_ACCOUNT: Limit = Limit {
    scope: "password_reset_account",
    max: 3,
    window_ms: 60 * MINUTE_MS,
};

/// A key's counter after an attempt was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub attempts: i64,
    pub window_started_at: i64,
}

impl Limit {
    /// A counter whose window started at or before this time has expired: the next attempt
    /// starts a new window with a count of 1.
    pub fn expired_before(&self, now: i64) -> i64 {
        now - self.window_ms
    }

    /// The counter as it is after one more attempt at `now` (what the store computes in one
    /// statement; kept here so the rule is tested in one place).
    pub fn count(&self, before: Option<Counter>, now: i64) -> Counter {
        match before {
            Some(c) if c.window_started_at > self.expired_before(now) => Counter {
                attempts: c.attempts + 1,
                window_started_at: c.window_started_at,
            },
            _ => Counter {
                attempts: 1,
                window_started_at: now,
            },
        }
    }

    /// `Some(milliseconds to wait)` when the attempt just counted is over the limit.
    pub fn retry_after(&self, counted: Counter, now: i64) -> Option<i64> {
        (counted.attempts > self.max)
            .then(|| (counted.window_started_at + self.window_ms - now).clamp(1, self.window_ms))
    }
}

/// "Try again in 3 minutes." for a wait in milliseconds (whole minutes, rounded up).
pub fn wait_in_words(wait_ms: i64) -> String {
    let minutes = (wait_ms.max(1) + MINUTE_MS - 1) / MINUTE_MS;
    format!(
        "Try again in {minutes} minute{}.",
        if minutes == 1 { "" } else { "s" }
    )
}

/// The `Retry-After` header's whole seconds for a wait in milliseconds (rounded up).
pub fn retry_after_seconds(wait_ms: i64) -> i64 {
    (wait_ms.max(1) + 999) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const L: Limit = Limit {
        scope: "t",
        max: 3,
        window_ms: 1000,
    };

    #[test]
    fn blocks_the_attempt_after_max_until_the_window_ends() {
        let mut counter = None;
        for now in 0..3 {
            let c = L.count(counter, now);
            assert_eq!(L.retry_after(c, now), None);
            counter = Some(c);
        }
        let fourth = L.count(counter, 10);
        assert_eq!(fourth.attempts, 4);
        assert_eq!(L.retry_after(fourth, 10), Some(990));
        let next_window = L.count(Some(fourth), 1000);
        assert_eq!(
            next_window,
            Counter {
                attempts: 1,
                window_started_at: 1000
            }
        );
        assert_eq!(L.retry_after(next_window, 1000), None);
    }

    #[test]
    fn words_and_seconds_round_up() {
        assert_eq!(wait_in_words(1), "Try again in 1 minute.");
        assert_eq!(wait_in_words(60_001), "Try again in 2 minutes.");
        assert_eq!(retry_after_seconds(1), 1);
        assert_eq!(retry_after_seconds(1000), 1);
        assert_eq!(retry_after_seconds(1001), 2);
    }

    #[test]
    fn password_limits_match_the_sign_in_policy() {
        assert_eq!(PASSWORD_PER_ACCOUNT.max, 5);
        assert_eq!(PASSWORD_PER_ADDRESS.max, 20);
        assert_ne!(PASSWORD_PER_ACCOUNT.scope, PASSWORD_PER_ADDRESS.scope);
        assert_ne!(SIGNUPS_PER_PROGRAM.scope, SIGNUPS_PER_ADDRESS.scope);
    }

    proptest! {
        /// However attempts arrive, no window lets more than `max` through, and every refusal
        /// waits at most one window.
        #[test]
        fn never_more_than_max_per_window(mut times in proptest::collection::vec(0i64..10_000, 0..60), max in 1i64..10) {
            times.sort();
            let limit = Limit { scope: "p", max, window_ms: 1_000 };
            let mut counter = None;
            let mut allowed_in_window: std::collections::HashMap<i64, i64> = Default::default();
            for now in times {
                let c = limit.count(counter, now);
                prop_assert!(c.window_started_at <= now && now - c.window_started_at < 1_000);
                match limit.retry_after(c, now) {
                    None => *allowed_in_window.entry(c.window_started_at).or_default() += 1,
                    Some(wait) => prop_assert!(wait > 0 && wait <= 1_000),
                }
                counter = Some(c);
            }
            prop_assert!(allowed_in_window.values().all(|n| *n <= max));
        }
    }
}

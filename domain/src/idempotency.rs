//! Idempotent API requests, as Stripe does them: the first response to an `Idempotency-Key`
//! is stored and replayed for 24 hours; the same key with another body is refused (422); the
//! same key while the first request is still running is refused (409) — unless that request
//! has run so long it must have died with its process, when the key is taken over.

use crate::RuleViolation;

/// How long a stored response is replayed.
pub const REPLAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A request still without a response after this long died with its server process (requests
/// run well under the 30-second timeout): a retry takes the key over. A retry never creates a
/// second transaction either way, since transaction keys are unique.
pub const ABANDONED_MS: i64 = 60 * 1000;

/// What is stored under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// A hash of the request body (and method and path) that first used the key.
    pub request_hash: String,
    pub created_at: i64,
    /// `None` while the first request is still running.
    pub response: Option<(u16, String)>,
}

/// What to do with a request carrying a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// First use (or the stored one expired): run it and store the response.
    Run,
    /// Send the stored response again, unchanged.
    Replay { status: u16, body: String },
    /// The same key with a different request.
    Mismatch,
    /// The first request with this key has not finished.
    InFlight,
}

/// Checks the header's value: 1 to 255 visible ASCII characters.
pub fn validate_key(key: &str) -> Result<&str, RuleViolation> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(RuleViolation::new(
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(key)
}

pub fn decide(stored: Option<&Stored>, request_hash: &str, now: i64) -> Decision {
    match stored {
        None => Decision::Run,
        Some(s) if now - s.created_at >= REPLAY_MS => Decision::Run,
        Some(s) if s.request_hash != request_hash => Decision::Mismatch,
        Some(Stored {
            response: None,
            created_at,
            ..
        }) if now - created_at >= ABANDONED_MS => Decision::Run,
        Some(Stored { response: None, .. }) => Decision::InFlight,
        Some(Stored {
            response: Some((status, body)),
            ..
        }) => Decision::Replay {
            status: *status,
            body: body.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stored(response: Option<(u16, &str)>) -> Stored {
        Stored {
            request_hash: "h1".into(),
            created_at: 1_000,
            response: response.map(|(s, b)| (s, b.to_owned())),
        }
    }

    #[test]
    fn first_use_replay_mismatch_in_flight_and_expiry() {
        assert_eq!(decide(None, "h1", 0), Decision::Run);
        let done = stored(Some((201, "{\"id\":1}")));
        assert_eq!(
            decide(Some(&done), "h1", 2_000),
            Decision::Replay {
                status: 201,
                body: "{\"id\":1}".into()
            }
        );
        assert_eq!(decide(Some(&done), "h2", 2_000), Decision::Mismatch);
        assert_eq!(decide(Some(&stored(None)), "h1", 2_000), Decision::InFlight);
        assert_eq!(decide(Some(&done), "h2", 1_000 + REPLAY_MS), Decision::Run);
        // A request that never answered is taken over after a minute (same body only).
        assert_eq!(
            decide(Some(&stored(None)), "h1", 1_000 + ABANDONED_MS - 1),
            Decision::InFlight
        );
        assert_eq!(
            decide(Some(&stored(None)), "h1", 1_000 + ABANDONED_MS),
            Decision::Run
        );
        assert_eq!(
            decide(Some(&stored(None)), "h2", 1_000 + ABANDONED_MS),
            Decision::Mismatch
        );
    }

    #[test]
    fn keys_are_checked() {
        assert!(validate_key("order-42").is_ok());
        assert!(validate_key("").is_err());
        assert!(validate_key("with space").is_err());
        assert!(validate_key(&"k".repeat(256)).is_err());
        assert!(validate_key(&"k".repeat(255)).is_ok());
    }

    proptest! {
        /// Within the replay window a finished request is always replayed byte for byte,
        /// never run again.
        #[test]
        fn finished_requests_replay_within_a_day(later in 0i64..REPLAY_MS, status in 200u16..600, body in ".{0,40}") {
            let s = Stored { request_hash: "h".into(), created_at: 5, response: Some((status, body.clone())) };
            prop_assert_eq!(decide(Some(&s), "h", 5 + later), Decision::Replay { status, body });
        }
    }
}

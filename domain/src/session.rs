//! Session lifetime rules. Times are UTC milliseconds since the Unix epoch.

pub const IDLE_TIMEOUT_MS: i64 = 12 * 60 * 60 * 1000;
pub const ABSOLUTE_TIMEOUT_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// Refreshing `last_seen` on every request would write on every page view; once a minute is enough
/// for a 12-hour idle timeout.
pub const TOUCH_INTERVAL_MS: i64 = 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimes {
    pub created_at: i64,
    pub last_seen_at: i64,
}

impl SessionTimes {
    pub fn is_live(&self, now: i64) -> bool {
        now - self.last_seen_at < IDLE_TIMEOUT_MS && now - self.created_at < ABSOLUTE_TIMEOUT_MS
    }

    pub fn needs_touch(&self, now: i64) -> bool {
        now - self.last_seen_at >= TOUCH_INTERVAL_MS
    }

    /// The last moment the session can live, given no further activity.
    pub fn expires_at(&self) -> i64 {
        (self.last_seen_at + IDLE_TIMEOUT_MS).min(self.created_at + ABSOLUTE_TIMEOUT_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn idle_and_absolute_expiry() {
        let t = SessionTimes {
            created_at: 0,
            last_seen_at: 0,
        };
        assert!(t.is_live(IDLE_TIMEOUT_MS - 1));
        assert!(!t.is_live(IDLE_TIMEOUT_MS));
        let busy = SessionTimes {
            created_at: 0,
            last_seen_at: ABSOLUTE_TIMEOUT_MS - 10,
        };
        assert!(busy.is_live(ABSOLUTE_TIMEOUT_MS - 1));
        assert!(!busy.is_live(ABSOLUTE_TIMEOUT_MS));
    }

    proptest! {
        #[test]
        fn live_exactly_before_expiry(created in 0i64..1_000_000_000, seen_after in 0i64..ABSOLUTE_TIMEOUT_MS, now_after in 0i64..(2 * ABSOLUTE_TIMEOUT_MS)) {
            let t = SessionTimes { created_at: created, last_seen_at: created + seen_after };
            let now = t.last_seen_at + now_after;
            prop_assert_eq!(t.is_live(now), now < t.expires_at());
        }
    }
}

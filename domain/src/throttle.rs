//! The login failure limiter: a fixed number of failures per key inside a sliding window.
//!
//! Pure: the caller passes the clock, keeps one `Throttle` per key space (account, IP) and
//! decides where it lives.

use std::collections::{HashMap, VecDeque};

#[derive(Debug, Clone)]
pub struct Throttle {
    max_failures: usize,
    window_ms: i64,
    failures: HashMap<String, VecDeque<i64>>,
}

impl Throttle {
    pub fn new(max_failures: usize, window_ms: i64) -> Self {
        Self {
            max_failures,
            window_ms,
            failures: HashMap::new(),
        }
    }

    /// `Some(milliseconds to wait)` when `key` has used up its failures in the window.
    pub fn retry_after(&mut self, key: &str, now: i64) -> Option<i64> {
        let window = self.window_ms;
        let entries = self.failures.get_mut(key)?;
        while entries.front().is_some_and(|t| now - *t >= window) {
            entries.pop_front();
        }
        if entries.is_empty() {
            self.failures.remove(key);
            return None;
        }
        (entries.len() >= self.max_failures).then(|| {
            entries
                .front()
                .map(|oldest| oldest + window - now)
                .unwrap_or(window)
                .max(1)
        })
    }

    pub fn record_failure(&mut self, key: &str, now: i64) {
        // Bound memory: a flood of keys cannot grow the map without limit.
        if self.failures.len() > 100_000 {
            let window = self.window_ms;
            self.failures
                .retain(|_, v| v.back().is_some_and(|t| now - *t < window));
        }
        let entries = self.failures.entry(key.to_owned()).or_default();
        entries.push_back(now);
        while entries.len() > self.max_failures {
            entries.pop_front();
        }
    }

    pub fn clear(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn blocks_after_max_failures_until_window_passes() {
        let mut t = Throttle::new(3, 1000);
        for i in 0..3 {
            assert_eq!(t.retry_after("a", i), None);
            t.record_failure("a", i);
        }
        assert_eq!(t.retry_after("a", 10), Some(990));
        assert_eq!(t.retry_after("b", 10), None);
        assert_eq!(
            t.retry_after("a", 1000),
            None,
            "the oldest failure left the window"
        );
        t.clear("a");
        assert_eq!(t.retry_after("a", 1001), None);
    }

    proptest! {
        #[test]
        fn never_blocks_below_the_limit(times in proptest::collection::vec(0i64..10_000, 0..20), max in 1usize..10) {
            let mut sorted = times.clone();
            sorted.sort();
            let mut t = Throttle::new(max, 1_000);
            for (i, now) in sorted.iter().enumerate() {
                let recent = sorted[..i].iter().filter(|x| now - **x < 1_000).count();
                prop_assert_eq!(t.retry_after("k", *now).is_some(), recent >= max);
                if let Some(wait) = t.retry_after("k", *now) {
                    prop_assert!(wait > 0 && wait <= 1_000);
                }
                t.record_failure("k", *now);
            }
        }
    }
}

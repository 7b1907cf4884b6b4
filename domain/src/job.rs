//! Background jobs: work the server does after the request that caused it has answered
//! (sending an email; later, reacting to events). A job is claimed for a lease, and either
//! finishes, or fails and waits before its next attempt, or after its last attempt is dead: kept,
//! shown in the app, and retried only by a person.
//!
//! This module is the rule (which queues exist, how long a job waits after a failure, when it
//! gives up); the store keeps the jobs.

use serde::{Deserialize, Serialize};

/// The queues the runner serves; one job per (queue, subject) ever exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Queue {
    /// Deliver one queued email over SMTP; the subject is the email's id.
    SendEmail,
    /// Run the program's triggers for one event; the subject is the event's id.
    RunTriggers,
    /// Queue an event's webhook deliveries for the program's endpoints; the subject is the
    /// event's id.
    WebhookEvents,
    /// Deliver one webhook message; the subject is the delivery's id.
    DeliverWebhook,
}

crate::stored_names!(Queue, "job queue", {
    SendEmail => "send_email",
    RunTriggers => "run_triggers",
    WebhookEvents => "webhook_events",
    DeliverWebhook => "deliver_webhook",
});

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobStatus {
    /// Waiting for its run time, or running under a lease.
    Pending,
    Done,
    /// Failed its last attempt; a person may retry it.
    Dead,
}

crate::stored_names!(JobStatus, "job status", {
    Pending => "pending",
    Done => "done",
    Dead => "dead",
});

/// How many attempts a job gets before it is dead.
pub const MAX_ATTEMPTS: i64 = 8;

/// How long a claimed job is its runner's alone. A runner that dies (`kill -9`) holds its jobs
/// this long, then another runner takes them over; an attempt that outlives it cannot finish
/// (the store checks the claim's token when it marks a job done).
pub const LEASE_MS: i64 = 60_000;

/// The wait after the first failure; each later failure doubles it, up to [`MAX_DELAY_MS`].
pub const FIRST_DELAY_MS: i64 = 5_000;
pub const MAX_DELAY_MS: i64 = 60 * 60_000;

/// What happens to a job after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this time.
    RetryAt(i64),
    Dead,
}

/// The job's next step after its `attempt`-th attempt (1-based) failed at `now`.
///
/// The wait is exponential with jitter: `jitter` (any `u64`, random in production) picks a
/// point in the upper half of the attempt's delay, so runners that failed together (an SMTP
/// server that was down) do not all retry in the same instant.
pub fn after_failure(attempt: i64, now: i64, jitter: u64) -> AfterFailure {
    if attempt >= MAX_ATTEMPTS {
        return AfterFailure::Dead;
    }
    let full = delay_cap(attempt);
    let half = full / 2;
    let spread = i64::try_from(jitter % (u64::try_from(half).unwrap_or(0) + 1)).unwrap_or(0);
    AfterFailure::RetryAt(now + half + spread)
}

/// The longest wait after the `attempt`-th failure.
fn delay_cap(attempt: i64) -> i64 {
    let doublings = u32::try_from(attempt.max(1) - 1).unwrap_or(0).min(20);
    FIRST_DELAY_MS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_DELAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_first_retry_waits_between_half_and_all_of_the_first_delay() {
        assert_eq!(after_failure(1, 1_000, 0), AfterFailure::RetryAt(3_500));
        assert_eq!(
            after_failure(1, 1_000, 2_500),
            AfterFailure::RetryAt(1_000 + FIRST_DELAY_MS)
        );
    }

    #[test]
    fn the_last_attempt_makes_the_job_dead() {
        assert_eq!(after_failure(MAX_ATTEMPTS, 0, 0), AfterFailure::Dead);
        assert!(matches!(
            after_failure(MAX_ATTEMPTS - 1, 0, 0),
            AfterFailure::RetryAt(_)
        ));
    }

    #[test]
    fn queues_and_statuses_round_trip_their_stored_names() {
        for q in Queue::ALL {
            assert_eq!(Queue::parse(q.as_str()), Ok(*q));
        }
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Ok(*s));
        }
        assert!(JobStatus::parse("running").is_err());
    }

    proptest! {
        #[test]
        fn a_retry_is_later_than_now_and_within_its_cap(
            attempt in 1..MAX_ATTEMPTS,
            now in 0_i64..4_000_000_000_000,
            jitter: u64,
        ) {
            let AfterFailure::RetryAt(at) = after_failure(attempt, now, jitter) else {
                panic!("attempt {attempt} is not the last");
            };
            let cap = delay_cap(attempt);
            prop_assert!(at >= now + cap / 2);
            prop_assert!(at <= now + cap);
            prop_assert!(cap <= MAX_DELAY_MS);
        }

        #[test]
        fn later_failures_never_wait_less_at_most(attempt in 1..MAX_ATTEMPTS) {
            prop_assert!(delay_cap(attempt + 1) >= delay_cap(attempt));
        }

        #[test]
        fn attempts_past_the_limit_are_always_dead(attempt in MAX_ATTEMPTS..1000, jitter: u64) {
            prop_assert_eq!(after_failure(attempt, 0, jitter), AfterFailure::Dead);
        }
    }
}

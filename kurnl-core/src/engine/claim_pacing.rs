//! How often the claim loops of one engine touch the store when there is little to do.
//!
//! Every claim and every reap is a write transaction, and on SQLite there is one writer for
//! the whole process. Left alone, `concurrency` loops that each poll every `idle_poll` and reap
//! before every claim spend that writer on empty claims (16 loops at 20 ms: 800 claims and
//! 800 reaps a second on an idle queue) while the API's commits wait behind them. So:
//!
//! - leases are reaped at most once per `reap_interval` per engine (an expired lease is at
//!   least a lease long, so this only adds up to `reap_interval` to a takeover);
//! - once a loop finds the queue empty, the other loops of the engine do not claim either
//!   until `idle_poll` has passed: an idle engine polls once per `idle_poll`, not once per
//!   loop.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use tokio::time::Instant;

/// Shared by the loops (and clones) of one engine.
#[derive(Debug, Default)]
pub(crate) struct ClaimPacing {
    next_reap: Mutex<Option<DateTime<Utc>>>,
    idle_until: Mutex<Option<Instant>>,
}

impl ClaimPacing {
    /// Whether a reap is due at `now`; if so, the next one is booked `interval` later, so that
    /// concurrent callers do not both reap. The first call is always due.
    pub(crate) fn reap_due(&self, now: DateTime<Utc>, interval: Duration) -> bool {
        let mut next = lock(&self.next_reap);
        match *next {
            Some(at) if now < at => false,
            _ => {
                *next = Some(now + interval);
                true
            }
        }
    }

    /// Until when the loops should not claim because the queue was found empty; `None` when
    /// claiming is allowed now.
    pub(crate) fn idle_until(&self) -> Option<Instant> {
        let until = *lock(&self.idle_until);
        until.filter(|u| *u > Instant::now())
    }

    /// The queue was found empty: no loop claims again before `idle_poll` from now.
    pub(crate) fn found_empty(&self, idle_poll: std::time::Duration) {
        let until = Instant::now() + idle_poll;
        let mut current = lock(&self.idle_until);
        if current.is_none_or(|c| c < until) {
            *current = Some(until);
        }
    }

    /// A claim found work: the queue is not idle any more.
    pub(crate) fn found_work(&self) {
        *lock(&self.idle_until) = None;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Plain values; a panic elsewhere cannot leave them half-updated.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaping_is_due_once_per_interval() {
        let pacing = ClaimPacing::default();
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        let interval = Duration::seconds(1);
        assert!(pacing.reap_due(t0, interval));
        assert!(!pacing.reap_due(t0, interval));
        assert!(!pacing.reap_due(t0 + Duration::milliseconds(999), interval));
        assert!(pacing.reap_due(t0 + Duration::seconds(1), interval));
        assert!(!pacing.reap_due(t0 + Duration::milliseconds(1500), interval));
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_queue_holds_every_loop_back_until_the_poll_interval_passed() {
        let pacing = ClaimPacing::default();
        assert!(pacing.idle_until().is_none());
        let poll = std::time::Duration::from_millis(100);
        pacing.found_empty(poll);
        let until = pacing.idle_until().expect("idle");
        assert_eq!(until, Instant::now() + poll);
        tokio::time::advance(std::time::Duration::from_millis(60)).await;
        assert_eq!(pacing.idle_until(), Some(until));
        tokio::time::advance(std::time::Duration::from_millis(40)).await;
        assert!(pacing.idle_until().is_none());
        pacing.found_empty(poll);
        pacing.found_work();
        assert!(pacing.idle_until().is_none());
    }
}

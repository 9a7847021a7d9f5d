//! Login throttling: password guesses are limited per account, and guesses at names that are
//! no account share one budget, so that neither an account's password nor the server's CPU
//! (each check is an argon2 hash) is open to an unbounded stream of attempts.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The key of the budget shared by names that are no account.
const UNKNOWN: &str = "";

/// Attempts per minute per account (and for unknown names together), with that many at once.
pub(crate) struct LoginThrottle {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl LoginThrottle {
    /// `per_minute` attempts per key; 0 turns throttling off.
    pub(crate) fn new(per_minute: u32) -> Self {
        Self {
            limiter: NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n))),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one attempt for `username` (`known`: whether it names an account). `Err` holds
    /// how long to wait before the next attempt is allowed.
    pub(crate) fn attempt(&self, username: &str, known: bool) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        let key = if known { username } else { UNKNOWN };
        limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_account_has_its_own_budget_and_unknown_names_share_one() {
        let t = LoginThrottle::new(3);
        for _ in 0..3 {
            assert!(t.attempt("ops", true).is_ok());
        }
        let wait = t.attempt("ops", true).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        // Another account is not held back by the first one's guesses.
        assert!(t.attempt("isp", true).is_ok());
        for name in ["a", "b", "c"] {
            assert!(t.attempt(name, false).is_ok());
        }
        assert!(t.attempt("d", false).is_err(), "new names got new budgets");
    }

    #[test]
    fn zero_turns_it_off() {
        let t = LoginThrottle::new(0);
        for _ in 0..100 {
            assert!(t.attempt("ops", true).is_ok());
        }
    }
}

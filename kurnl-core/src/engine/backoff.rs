//! Retry schedules: exponential back-off with a ceiling and jitter, as data.

use std::time::Duration;

use rand::Rng;

/// An exponential back-off schedule.
///
/// The delay before attempt `n + 1` (after `n` failed attempts, `n >= 1`) is
/// `min(initial * factor^(n-1), max)`, then spread by `± jitter` (a fraction, 0..=1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// Delay after the first failure.
    pub initial: Duration,
    /// Growth per attempt.
    pub factor: f64,
    /// Ceiling.
    pub max: Duration,
    /// Random spread as a fraction of the delay (0.0 = none).
    pub jitter: f64,
}

impl Backoff {
    /// Delay after `failed_attempts` failures, without jitter. `None` when no attempt is left.
    pub fn base_delay(&self, failed_attempts: u32) -> Option<Duration> {
        if failed_attempts == 0 || failed_attempts >= self.max_attempts {
            return None;
        }
        let exp = self
            .factor
            .powi(i32::try_from(failed_attempts - 1).unwrap_or(i32::MAX));
        let secs = (self.initial.as_secs_f64() * exp).min(self.max.as_secs_f64());
        Some(Duration::from_secs_f64(secs))
    }

    /// Delay after `failed_attempts` failures with jitter applied. `None` when no attempt is left.
    pub fn delay(&self, failed_attempts: u32) -> Option<Duration> {
        let base = self.base_delay(failed_attempts)?;
        if self.jitter <= 0.0 {
            return Some(base);
        }
        let spread = rand::thread_rng().gen_range(-self.jitter..=self.jitter);
        Some(Duration::from_secs_f64(
            (base.as_secs_f64() * (1.0 + spread)).max(0.0),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps_then_stops() {
        let b = Backoff {
            max_attempts: 5,
            initial: Duration::from_secs(2),
            factor: 4.0,
            max: Duration::from_secs(30),
            jitter: 0.0,
        };
        assert_eq!(b.base_delay(0), None);
        assert_eq!(b.delay(1), Some(Duration::from_secs(2)));
        assert_eq!(b.delay(2), Some(Duration::from_secs(8)));
        assert_eq!(b.delay(3), Some(Duration::from_secs(30)));
        assert_eq!(b.delay(4), Some(Duration::from_secs(30)));
        assert_eq!(b.delay(5), None);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let b = Backoff {
            max_attempts: 3,
            initial: Duration::from_secs(10),
            factor: 2.0,
            max: Duration::from_secs(60),
            jitter: 0.2,
        };
        for _ in 0..200 {
            let d = b.delay(1).unwrap().as_secs_f64();
            assert!((8.0..=12.0).contains(&d), "{d}");
        }
    }
}

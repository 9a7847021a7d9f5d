//! Time and id generation as ports, so tests are deterministic.

use chrono::{DateTime, Utc};

/// The current time.
///
/// # Contract
/// Monotonic enough for leases: never goes backwards within a process.
///
/// # Errors
/// None.
///
/// # Implementing
/// [`SystemClock`] for production, [`crate::testkit::ManualClock`] for tests.
#[cfg_attr(feature = "testkit", mockall::automock)]
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Source of new UUIDs.
///
/// # Contract
/// Every call returns an id never returned before.
///
/// # Errors
/// None.
///
/// # Implementing
/// [`RandomIds`] (v4) is the default; tests may use a counter.
#[cfg_attr(feature = "testkit", mockall::automock)]
pub trait IdGenerator: Send + Sync + std::fmt::Debug + 'static {
    /// A fresh id.
    fn new_uuid(&self) -> uuid::Uuid;
}

/// Random v4 UUIDs.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl IdGenerator for RandomIds {
    fn new_uuid(&self) -> uuid::Uuid {
        uuid::Uuid::new_v4()
    }
}

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
/// [`TimeOrderedIds`] (v7) suits databases best, [`RandomIds`] (v4) hides creation times;
/// tests may use a counter.
#[cfg_attr(feature = "testkit", mockall::automock)]
pub trait IdGenerator: Send + Sync + std::fmt::Debug + 'static {
    /// A fresh id.
    fn new_uuid(&self) -> uuid::Uuid;
}

/// Random v4 UUIDs: 122 random bits, nothing about when the id was made.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl IdGenerator for RandomIds {
    fn new_uuid(&self) -> uuid::Uuid {
        uuid::Uuid::new_v4()
    }
}

/// Time-ordered v7 UUIDs: a 48-bit millisecond timestamp, then 74 random bits (still
/// unguessable). Ids made one after another sort one after another, so new rows land at the
/// end of every index keyed by id instead of on a random page: a durable SQLite or
/// PostgreSQL store writes several times fewer pages per commit than with v4 ids. The
/// creation time (to the millisecond) can be read from the id; use [`RandomIds`] where that
/// must stay private.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeOrderedIds;

impl IdGenerator for TimeOrderedIds {
    fn new_uuid(&self) -> uuid::Uuid {
        uuid::Uuid::now_v7()
    }
}

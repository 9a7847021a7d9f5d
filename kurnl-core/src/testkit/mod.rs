//! Test kit for implementors and users of kurnl (feature `testkit`): conformance suites for
//! the [`Store`](crate::ports::Store) and [`SwitchDriver`](crate::ports::SwitchDriver) ports,
//! test doubles, a ready-made [`Fixture`], and the `mockall` mocks (re-exported from
//! [`crate::ports`]).

mod doubles;
mod fixture;
pub mod store_suite;
mod switch_device;
mod switch_faults;
pub mod switch_suite;

pub use doubles::{ManualClock, RecordingEventSink, SequentialIds};
pub use fixture::{FIXTURE_PORTS, Fixture, FixtureProvider};

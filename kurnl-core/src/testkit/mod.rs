//! Test kit for implementors and users of kurnl (feature `testkit`): conformance suites for
//! the [`Store`](crate::ports::Store) and [`SwitchDriver`](crate::ports::SwitchDriver) ports,
//! test doubles, and the `mockall` mocks (re-exported from [`crate::ports`]).

mod doubles;
pub mod store_suite;
pub mod switch_suite;

pub use doubles::{ManualClock, RecordingEventSink, SequentialIds};

//! Ports: the traits adapters implement. All are object safe and used as `Arc<dyn ...>`.

mod clock;
mod hasher;
mod operator_types;
mod sink;
mod store;
mod store_types;
mod switch;

pub use clock::{Clock, IdGenerator, RandomIds, SystemClock, TimeOrderedIds};
pub use hasher::{Argon2Hasher, PasswordHasher};
pub use operator_types::{
    AuditRecord, DriftQuery, JobQuery, PortOverview, UnitOverview, UnitStatus,
};
pub use sink::{EventSink, NO_PING_NOTE, SinkOutcome, SinkReport};
pub use store::{Store, default_lease};
pub use store_types::*;
pub use switch::{
    CANCELLED_BY_OPERATOR, DriverCapabilities, DriverError, DriverErrorKind, DriverRegistry,
    PortChange, PortResult, SwitchDriver, provider_facing_error,
};

#[cfg(feature = "testkit")]
pub use clock::{MockClock, MockIdGenerator};
#[cfg(feature = "testkit")]
pub use hasher::MockPasswordHasher;
#[cfg(feature = "testkit")]
pub use sink::MockEventSink;
#[cfg(feature = "testkit")]
pub use store::MockStore;
#[cfg(feature = "testkit")]
pub use switch::MockSwitchDriver;

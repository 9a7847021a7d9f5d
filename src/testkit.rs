//! Everything a test needs, through the one `kurnl` dependency (feature `testkit`): the
//! conformance suites for the [`Store`](crate::ports::Store) and
//! [`SwitchDriver`](crate::ports::SwitchDriver) ports and their macros, the `mockall` mocks of
//! every port, the in-memory doubles and a ready-made [`Fixture`].
//!
//! A driver author runs the switch kit on their driver with one macro call, in a module of
//! its own (this one runs it on the in-memory switch):
//!
//! ```
//! mod in_memory_switch_conformance {
//!     use std::sync::Arc;
//!     use kurnl::model::Switch;
//!     use kurnl::ports::SwitchDriver;
//!     use kurnl::testkit::InMemorySwitch;
//!     use kurnl::types::{InterfaceName, SwitchId, VlanId};
//!
//!     async fn fixture() -> (Arc<dyn SwitchDriver>, Switch, Vec<InterfaceName>) {
//!         let switch = Switch {
//!             id: SwitchId::new_random(),
//!             name: "memory".into(),
//!             driver: "memory".into(),
//!             address: "127.0.0.1".into(),
//!             ssh_port: 22,
//!             credentials_ref: "none".into(),
//!             host_key: None,
//!             captive_vlan: VlanId::new(999).unwrap(),
//!             max_sessions: 1,
//!             disabled: false,
//!         };
//!         let interfaces = (1..=8)
//!             .map(|n| InterfaceName::parse(&format!("GigabitEthernet1/0/{n}")).unwrap())
//!             .collect();
//!         (Arc::new(InMemorySwitch::new()), switch, interfaces)
//!     }
//!
//!     kurnl::switch_conformance_tests!(fixture());
//! }
//! # fn main() {}
//! ```
//!
//! A store author does the same with [`store_conformance_tests!`](crate::store_conformance_tests).

pub use kurnl_core::testkit::*;

pub use kurnl_core::memory::{InMemoryStore, InMemorySwitch, SwitchFault};
pub use kurnl_core::ports::{
    MockClock, MockEventSink, MockIdGenerator, MockPasswordHasher, MockStore, MockSwitchDriver,
};
pub use kurnl_core::{store_conformance_tests, switch_conformance_tests};

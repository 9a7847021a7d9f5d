//! # kurnl-core
//!
//! The domain of kurnl's open-access provisioning: validated types, the subscription
//! lifecycle, idempotency, the service (one method per documented API operation), the ports
//! that adapters implement, the provisioning engine and the outbox dispatcher.
//!
//! This crate does no network or database I/O of its own: storage, switch access and webhook
//! delivery come in through the traits of [`ports`]. In-memory implementations live in
//! [`memory`]; conformance suites, mocks and test doubles in `testkit` (feature `testkit`).
//!
//! ```
//! use kurnl_core::types::LocationHash;
//! assert_eq!(LocationHash::parse("AB12CD34EF").unwrap().as_str(), "ab12cd34ef");
//! assert!(LocationHash::parse("nothex!!!!").is_err());
//! ```

pub mod engine;
pub mod error;
pub mod lifecycle;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod ports;
pub mod service;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod types;

pub use error::{Error, Result};

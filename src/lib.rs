//! # kurnl
//!
//! Open-access provisioning as a library: take a signup (external checkout, provider-initiated,
//! bulk, subscriber management), validate it, apply idempotency rules, move the subscription
//! through its lifecycle, configure the subscriber's switch port and tell the provider through
//! signed, at-least-once webhooks.
//!
//! This facade re-exports the workspace crates:
//! - [`kurnl_core`] (domain, lifecycle, [`service::Service`], ports, engine) at the top level,
//! - [`store`] (SQLite / PostgreSQL), [`switch`] (SSH drivers, simulator), [`webhook`]
//!   (signing and HTTP delivery).
//!
//! Start with `examples/quickstart.rs` (`cargo run --example quickstart`).

pub use kurnl_core::{
    Error, Result, engine, error, lifecycle, memory, model, ports, service, types,
};
pub use kurnl_http as http;
pub use kurnl_store as store;
pub use kurnl_switch as switch;
pub use kurnl_webhook as webhook;

/// Conformance suites, mocks and test doubles (feature `testkit`).
#[cfg(feature = "testkit")]
pub use kurnl_core::testkit;

pub mod inventory;

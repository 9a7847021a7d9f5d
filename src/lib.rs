//! # kurnl
//!
//! Open-access provisioning as a library: take a signup (external checkout, provider-initiated,
//! bulk, subscriber management), validate it, apply idempotency rules, move the subscription
//! through its lifecycle, configure the subscriber's switch port and tell the provider through
//! signed, at-least-once webhooks.
//!
//! ## Embedding
//! [`Kurnl`] wires everything: a store (embedded SQLite by default), the
//! [`service::Service`], the provisioning engine and the webhook outbox dispatcher (with one
//! [`engine::WorkSignal`] between them) and the HTTP API as an axum router:
//!
//! ```no_run
//! # async fn demo(ios: std::sync::Arc<dyn kurnl::ports::SwitchDriver>) -> Result<(), Box<dyn std::error::Error>> {
//! let mut kurnl = kurnl::Kurnl::builder().sqlite("kurnl.db").driver("ios", ios).build().await?;
//! kurnl.spawn().await?;
//! let app = axum::Router::new().nest("/isp", kurnl.router());
//! // ... serve `app` until shutdown, then:
//! let report = kurnl.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! [`handle`] says which parts may be left out and what happens then. The parts stay public
//! for wiring by hand.
//!
//! ## Crates
//! This facade re-exports the workspace crates:
//! - [`kurnl_core`] (domain, lifecycle, [`service::Service`], ports, engine) at the top level,
//! - [`store`] (SQLite / PostgreSQL), [`switch`] (SSH drivers, simulator), [`webhook`]
//!   (signing and HTTP delivery), [`http`] (the REST API),
//! - [`testkit`] (feature `testkit`): conformance suites and their macros
//!   ([`switch_conformance_tests!`], [`store_conformance_tests!`]), mocks and in-memory
//!   doubles, so that one dependency on `kurnl` is enough for tests too.
//!
//! Start with `examples/quickstart.rs` (`cargo run --example quickstart`).

pub use kurnl_console as console;
pub use kurnl_core::{
    Error, Result, engine, error, lifecycle, memory, metrics, model, ports, service, types,
};
pub use kurnl_http as http;
pub use kurnl_store as store;
pub use kurnl_switch as switch;
pub use kurnl_webhook as webhook;

#[cfg(feature = "testkit")]
pub use kurnl_core::{store_conformance_tests, switch_conformance_tests};

pub mod handle;
pub mod inventory;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use handle::{BuildError, Kurnl, KurnlBuilder, ShutdownReport};

//! # kurnl-switch
//!
//! Switch drivers for kurnl: [`IosDriver`] (Cisco IOS / IOS-XE Catalyst) and [`JunosDriver`]
//! (Junos EX, ELS) implement [`kurnl_core::ports::SwitchDriver`] over SSH (russh), and, with
//! the `sim` feature, [`sim::SwitchSim`] is a real SSH server that emulates both CLIs.
//!
//! ```no_run
//! use std::sync::Arc;
//! use kurnl_core::ports::DriverRegistry;
//! use kurnl_switch::{CredentialStore, Credentials, IosDriver, JunosDriver};
//!
//! let creds = Arc::new(CredentialStore::new().with("lab", Credentials::password("kurnl", "secret")));
//! let registry = DriverRegistry::new()
//!     .with("ios", Arc::new(IosDriver::new(creds.clone())))
//!     .with("junos", Arc::new(JunosDriver::new(creds)));
//! # let _ = registry;
//! ```
//!
//! ## What the drivers do
//! - Connect with the switch's pinned host key (OpenSSH key line or `SHA256:` fingerprint;
//!   unknown or changed keys are refused with the presented fingerprint, trust on first use
//!   only with [`SshOptions::trust_on_first_use`]), password, keyboard-interactive or public key.
//! - Disable paging, then run commands, matching each reply to its line by the echo and the
//!   next prompt, and check every reply for the vendor's error strings. Lines with short
//!   output that are safe to run whatever came before (an interface's configuration lines, the
//!   reads of a batch's ports) go in one write, typed ahead.
//! - IOS: read the batch's ports before (`show running-config interface`, one per port in one
//!   round trip; the whole running config for more than 16 ports), apply only the differing
//!   lines, read them again after; on a rejected line or a mismatch restore the previous
//!   config. One `configure terminal` and one `write memory` per batch.
//! - Junos: `configure private`, read the candidate's lines of the batch's ports (one `match`
//!   naming them), set/delete only what differs, `commit check`, `commit`; on a rejected line
//!   `rollback 0` and replay the other ports; on a failed commit `rollback 0` +
//!   `exit configuration-mode`.

pub mod cli;
pub mod credentials;
mod driver;
pub mod ios;
pub mod junos;
mod names;
#[cfg(feature = "sim")]
pub mod sim;
pub mod template;
pub mod transport;

pub use cli::CliText;
pub use credentials::{CredentialResolver, CredentialStore, Credentials};
pub use driver::DEFAULT_GLOBAL_SESSIONS;
pub use ios::IosDriver;
pub use junos::JunosDriver;
pub use names::{DriverName, UnknownDriverName};
/// The regex crate [`cli::PromptPatterns`] is built from, for drivers outside this crate.
pub use regex;
pub use template::{IosTemplates, JunosTemplates};
pub use transport::{KnownHosts, SshOptions, fingerprint, legacy_preferred};

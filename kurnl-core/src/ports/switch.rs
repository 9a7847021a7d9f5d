//! The switch driver port.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::model::{PortConfig, Switch};
use crate::types::{InterfaceName, JobId};

/// What went wrong talking to a switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DriverErrorKind {
    /// TCP connect failed or was refused.
    Connect,
    /// Authentication failed.
    Auth,
    /// Host key unknown or changed.
    HostKey,
    /// No common algorithms.
    Negotiation,
    /// A deadline passed.
    Timeout,
    /// The device rejected a command.
    CommandRejected,
    /// Output could not be understood (prompt, mode).
    Protocol,
    /// The request cannot be expressed on this device.
    Unsupported,
    /// The switch is not in the inventory or has no driver.
    Configuration,
    /// The device rejected a change and then rejected its undo too: the port is left
    /// partially changed. The message names the lines that stuck. Never retryable (a retry
    /// would start from an unknown state); an operator must look at the port first.
    PartiallyApplied,
}

/// An error with a kind and whether retrying may help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct DriverError {
    /// Kind.
    pub kind: DriverErrorKind,
    /// Whether a retry may succeed (connect refused, timeout) or not (auth, host key, rejected).
    pub retryable: bool,
    /// Details for humans (never secrets).
    pub message: String,
}

impl DriverError {
    /// A retryable error.
    pub fn transient(kind: DriverErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            retryable: true,
            message: message.into(),
        }
    }

    /// A permanent error.
    pub fn permanent(kind: DriverErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            retryable: false,
            message: message.into(),
        }
    }
}

/// One port to converge to a desired state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortChange {
    /// The job asking for it (for per-port results).
    pub job_id: JobId,
    /// Interface name from the inventory.
    pub interface: InterfaceName,
    /// Desired state.
    pub desired: PortConfig,
}

/// The result for one [`PortChange`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortResult {
    /// The job.
    pub job_id: JobId,
    /// Success or why not.
    pub outcome: Result<(), DriverError>,
}

/// What a driver can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriverCapabilities {
    /// Changes commit atomically (Junos) rather than line by line (IOS).
    pub atomic_commit: bool,
    /// Supports commit-confirmed.
    pub commit_confirmed: bool,
    /// Several changes can be applied in one session.
    pub batching: bool,
    /// Sessions a switch accepts at once, if the driver knows.
    pub max_sessions: Option<u32>,
}

/// Configures access ports of one kind of switch.
///
/// # Contract
/// - [`SwitchDriver::apply`] converges each listed port to its desired [`PortConfig`] and
///   returns one [`PortResult`] per change, in order. Applying the same desired state twice
///   leaves the port as after the first (idempotent). A change that fails must leave that port
///   as it was before (vendor rollback) and must not stop the other ports.
/// - [`SwitchDriver::read_port`] returns the port's actual state as the device reports it.
/// - Ports not named are never touched. Only validated values are rendered into commands.
///
/// # Errors
/// Return `Err` from `apply` only when nothing could be attempted (connect, auth, host key);
/// per-port failures go in the results. Mark errors `retryable` when a later attempt may work.
///
/// # Implementing
/// Run `kurnl_core::switch_conformance_tests!` (feature `testkit`) against your driver and a
/// device or simulator; see `examples/custom_driver.rs`. Register the driver in a
/// [`DriverRegistry`] under the name used in [`Switch::driver`].
#[cfg_attr(feature = "testkit", mockall::automock)]
#[async_trait]
pub trait SwitchDriver: Send + Sync + std::fmt::Debug + 'static {
    /// Capabilities.
    fn capabilities(&self) -> DriverCapabilities;

    /// Applies changes to ports of one switch, in one session where possible.
    async fn apply(
        &self,
        switch: &Switch,
        changes: &[PortChange],
    ) -> Result<Vec<PortResult>, DriverError>;

    /// Reads a port's actual configuration.
    async fn read_port(
        &self,
        switch: &Switch,
        interface: &InterfaceName,
    ) -> Result<PortConfig, DriverError>;
}

/// Drivers by name ([`Switch::driver`]).
#[derive(Debug, Clone, Default)]
pub struct DriverRegistry {
    drivers: HashMap<String, Arc<dyn SwitchDriver>>,
}

impl DriverRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a driver under `name`.
    pub fn with(mut self, name: impl Into<String>, driver: Arc<dyn SwitchDriver>) -> Self {
        self.drivers.insert(name.into(), driver);
        self
    }

    /// The driver of a switch.
    ///
    /// # Errors
    /// A permanent `Configuration` error naming the missing driver.
    pub fn driver_for(&self, switch: &Switch) -> Result<Arc<dyn SwitchDriver>, DriverError> {
        self.drivers.get(&switch.driver).cloned().ok_or_else(|| {
            DriverError::permanent(
                DriverErrorKind::Configuration,
                format!(
                    "no driver named {:?} for switch {}",
                    switch.driver, switch.id
                ),
            )
        })
    }
}

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

impl DriverErrorKind {
    const ALL: [Self; 10] = [
        Self::Connect,
        Self::Auth,
        Self::HostKey,
        Self::Negotiation,
        Self::Timeout,
        Self::CommandRejected,
        Self::Protocol,
        Self::Unsupported,
        Self::Configuration,
        Self::PartiallyApplied,
    ];

    /// Whether no session could be had at all (connect, auth, host key, negotiation,
    /// timeout), as opposed to a failure of one command.
    pub fn is_session_failure(self) -> bool {
        matches!(
            self,
            Self::Connect | Self::Auth | Self::HostKey | Self::Negotiation | Self::Timeout
        )
    }

    /// What a provider is told about a failure of this kind (`provisioning.failed.error`,
    /// the job endpoint, bulk results): a fixed sentence that names no management address,
    /// host key, credential reference or device output. Operators read the full
    /// [`DriverError`] in the job's stored `last_error` and in the logs.
    pub fn provider_message(self) -> &'static str {
        match self {
            Self::Connect => "The switch could not be reached",
            Self::Auth => "The switch refused kurnl's login",
            Self::HostKey => "The switch's identity could not be verified",
            Self::Negotiation => "No secure connection could be agreed with the switch",
            Self::Timeout => "The switch did not answer in time",
            Self::CommandRejected => "The switch rejected the port configuration",
            Self::Protocol => "The switch gave an answer kurnl did not understand",
            Self::Unsupported => "The switch does not support the requested port configuration",
            Self::Configuration => "The switch is not set up for provisioning",
            Self::PartiallyApplied => {
                "The port was left partially changed; the network operator has to check it"
            }
        }
    }

    /// The kind an error's text (`"{kind:?}: {message}"`, as stored in a job's `last_error`)
    /// starts with; `None` for other text.
    pub fn of_stored_error(text: &str) -> Option<Self> {
        let name = text.split_once(':')?.0;
        Self::ALL.into_iter().find(|k| format!("{k:?}") == name)
    }
}

/// What a provider may read about a job's stored error: the [`DriverErrorKind`]'s
/// provider message, or a generic sentence for any other text. Never the stored text itself,
/// which may name addresses and device output.
pub fn provider_facing_error(stored: &str) -> &'static str {
    if stored == CANCELLED_BY_OPERATOR {
        return CANCELLED_BY_OPERATOR;
    }
    DriverErrorKind::of_stored_error(stored)
        .map_or("Provisioning failed", DriverErrorKind::provider_message)
}

/// The error of a job an operator cancelled before it ran: its stored `last_error` and the
/// `error` of the provider's `provisioning.failed`.
pub const CANCELLED_BY_OPERATOR: &str = "Cancelled by the network operator before it ran";

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

    /// Reads several ports of one switch, for the drift audit: one result per interface, in
    /// order. Never writes to the device and never enters a mode that could (no
    /// configuration mode).
    ///
    /// Drivers should override it to read in one session and as few round trips as the
    /// device allows (the SSH drivers send the reads in one write, or read the whole
    /// configuration once for many ports).
    ///
    /// # Errors
    /// `Err` only when nothing could be read (connect, auth, host key, negotiation, timeout
    /// on the first port); a port the device cannot show gets its own `Err` in the list.
    /// The default implementation reads the ports one by one with [`SwitchDriver::read_port`]
    /// and returns the first port's error as `Err` when it is of one of those kinds.
    async fn read_ports(
        &self,
        switch: &Switch,
        interfaces: &[InterfaceName],
    ) -> Result<Vec<Result<PortConfig, DriverError>>, DriverError> {
        let mut out = Vec::with_capacity(interfaces.len());
        for (idx, interface) in interfaces.iter().enumerate() {
            let read = self.read_port(switch, interface).await;
            if idx == 0
                && let Err(e) = &read
                && e.kind.is_session_failure()
            {
                return Err(e.clone());
            }
            out.push(read);
        }
        Ok(out)
    }
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

#[cfg(test)]
mod provider_error_tests {
    use super::*;

    #[test]
    fn provider_facing_errors_name_no_address_key_or_credential() {
        let stored = [
            DriverError::transient(
                DriverErrorKind::Connect,
                "connect to 10.20.30.40:22: Connection refused",
            ),
            DriverError::permanent(
                DriverErrorKind::HostKey,
                "host key of 192.168.1.2 changed: SHA256:Zm9vYmFy expected SHA256:YmFyYmF6",
            ),
            DriverError::permanent(
                DriverErrorKind::Auth,
                "login as admin failed (credentials ref vault:switch/sw1)",
            ),
        ]
        .map(|e| e.to_string());
        for text in &stored {
            let shown = provider_facing_error(text);
            for leak in ["10.20.30.40", "192.168", "SHA256", "admin", "vault", ":22"] {
                assert!(
                    !shown.contains(leak),
                    "{shown:?} leaks {leak:?} of {text:?}"
                );
            }
        }
        assert_eq!(
            provider_facing_error(&stored[0]),
            DriverErrorKind::Connect.provider_message()
        );
        assert_eq!(
            provider_facing_error("lease lost at 10.0.0.1"),
            "Provisioning failed",
            "text that is not a driver error is never passed through"
        );
    }

    #[test]
    fn every_kind_is_read_back_from_its_stored_text() {
        for kind in DriverErrorKind::ALL {
            let text = DriverError::permanent(kind, "detail").to_string();
            assert_eq!(DriverErrorKind::of_stored_error(&text), Some(kind));
        }
    }
}

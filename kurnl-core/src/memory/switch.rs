//! A stateful in-memory switch driver for tests, sandboxes and examples.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use crate::model::{PortConfig, Switch};
use crate::ports::{
    DriverCapabilities, DriverError, DriverErrorKind, PortChange, PortResult, SwitchDriver,
};
use crate::types::{InterfaceName, SwitchId};

/// A fault to inject into the next `apply` calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwitchFault {
    /// The session cannot be opened (retryable `Connect`).
    Unreachable,
    /// Authentication fails (permanent `Auth`).
    AuthFailure,
    /// Changes to this interface are rejected (permanent `CommandRejected`); the port keeps its
    /// previous state.
    RejectInterface(InterfaceName),
    /// The switch stops answering (retryable `Timeout`).
    Unresponsive,
}

#[derive(Debug, Default)]
struct State {
    ports: HashMap<(SwitchId, InterfaceName), PortConfig>,
    /// (fault, remaining apply calls it applies to; `None` = until cleared)
    faults: Vec<(SwitchFault, Option<u32>)>,
    history: Vec<(SwitchId, InterfaceName, PortConfig)>,
    /// Lines an operator added per port (kept beside the state kurnl manages).
    operator: HashMap<(SwitchId, InterfaceName), Vec<String>>,
}

/// A driver that keeps each port's configuration in memory, records every change and can be
/// told to fail. It passes the SwitchDriver conformance suite; with the `testkit` feature
/// [`InMemorySwitch::device`] is its side door for the kit. Changes are atomic: a rejected
/// change leaves the port as it was.
#[derive(Debug, Default)]
pub struct InMemorySwitch {
    state: Mutex<State>,
    sessions: AtomicU64,
    host_key: Option<String>,
}

impl InMemorySwitch {
    /// A switch where every port is unconfigured.
    pub fn new() -> Self {
        Self::default()
    }

    /// A switch that presents this host key (fingerprint or key line): a [`Switch`] pinned to
    /// another key is refused with a permanent `HostKey` error. Without it any pin is
    /// accepted.
    #[must_use]
    pub fn with_host_key(mut self, host_key: impl Into<String>) -> Self {
        self.host_key = Some(host_key.into());
        self
    }

    /// Adds a line an operator configured on a port; it is kept whatever kurnl applies and
    /// shows in [`Self::config_lines`].
    pub fn add_operator_line(&self, switch: SwitchId, interface: &InterfaceName, line: &str) {
        self.lock()
            .operator
            .entry((switch, interface.clone()))
            .or_default()
            .push(line.to_owned());
    }

    /// The port's configuration as text (its state, then the operator's lines), the way a
    /// switch shows its running configuration. A port never configured shows the captive
    /// state of `captive_vlan`.
    pub fn config_lines(
        &self,
        switch: SwitchId,
        interface: &InterfaceName,
        captive_vlan: crate::types::VlanId,
    ) -> Vec<String> {
        let state = self.lock();
        let port = state
            .ports
            .get(&(switch, interface.clone()))
            .cloned()
            .unwrap_or_else(|| PortConfig::captive(captive_vlan));
        let mut lines = vec![
            format!("interface {interface}"),
            format!("description {}", port.description.as_str()),
            format!("vlan {}", port.vlan.get()),
        ];
        if let Some(r) = port.rate {
            lines.push(format!("rate up {} down {}", r.up.get(), r.down.get()));
        }
        if let Some(m) = port.mac {
            lines.push(format!("mac {m}"));
        }
        if !port.enabled {
            lines.push("shutdown".into());
        }
        if let Some(op) = state.operator.get(&(switch, interface.clone())) {
            lines.extend(op.iter().cloned());
        }
        lines
    }

    fn check_host_key(&self, switch: &Switch) -> Result<(), DriverError> {
        match (&self.host_key, &switch.host_key) {
            (Some(own), Some(pin)) if own != pin => Err(DriverError::permanent(
                DriverErrorKind::HostKey,
                format!(
                    "host key of {} changed: it presents {own}, the pin is {pin}",
                    switch.address
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Injects a fault for the next `times` apply calls (`None` = until [`Self::clear_faults`]).
    pub fn fail(&self, fault: SwitchFault, times: Option<u32>) {
        self.lock().faults.push((fault, times));
    }

    /// Removes all faults.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// The current configuration of a port, if it was ever configured.
    pub fn port(&self, switch: SwitchId, interface: &InterfaceName) -> Option<PortConfig> {
        self.lock().ports.get(&(switch, interface.clone())).cloned()
    }

    /// Every applied change, in order.
    pub fn history(&self) -> Vec<(SwitchId, InterfaceName, PortConfig)> {
        self.lock().history.clone()
    }

    /// How many `apply` sessions were opened.
    pub fn sessions(&self) -> u64 {
        self.sessions.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Faults in force for this call; counted faults are used up.
    fn take_faults(state: &mut State) -> Vec<SwitchFault> {
        let active: Vec<SwitchFault> = state.faults.iter().map(|(f, _)| f.clone()).collect();
        for (_, left) in state.faults.iter_mut() {
            if let Some(n) = left {
                *n = n.saturating_sub(1);
            }
        }
        state.faults.retain(|(_, left)| *left != Some(0));
        active
    }
}

#[async_trait]
impl SwitchDriver for InMemorySwitch {
    fn capabilities(&self) -> DriverCapabilities {
        DriverCapabilities {
            atomic_commit: true,
            commit_confirmed: false,
            batching: true,
            max_sessions: None,
        }
    }

    async fn apply(
        &self,
        switch: &Switch,
        changes: &[PortChange],
    ) -> Result<Vec<PortResult>, DriverError> {
        self.check_host_key(switch)?;
        self.sessions.fetch_add(1, Ordering::Relaxed);
        let mut state = self.lock();
        let faults = Self::take_faults(&mut state);
        for fault in &faults {
            match fault {
                SwitchFault::Unreachable => {
                    return Err(DriverError::transient(
                        DriverErrorKind::Connect,
                        format!("{} unreachable", switch.address),
                    ));
                }
                SwitchFault::AuthFailure => {
                    return Err(DriverError::permanent(
                        DriverErrorKind::Auth,
                        "authentication failed",
                    ));
                }
                SwitchFault::Unresponsive => {
                    return Err(DriverError::transient(
                        DriverErrorKind::Timeout,
                        format!("{} did not answer", switch.address),
                    ));
                }
                SwitchFault::RejectInterface(_) => {}
            }
        }
        let mut results = Vec::with_capacity(changes.len());
        for change in changes {
            let rejected = faults
                .iter()
                .any(|f| matches!(f, SwitchFault::RejectInterface(i) if *i == change.interface));
            let outcome = if rejected {
                Err(DriverError::permanent(
                    DriverErrorKind::CommandRejected,
                    format!("% Invalid input detected on {}", change.interface),
                ))
            } else {
                state.ports.insert(
                    (switch.id, change.interface.clone()),
                    change.desired.clone(),
                );
                state
                    .history
                    .push((switch.id, change.interface.clone(), change.desired.clone()));
                Ok(())
            };
            results.push(PortResult {
                job_id: change.job_id,
                outcome,
            });
        }
        Ok(results)
    }

    async fn read_port(
        &self,
        switch: &Switch,
        interface: &InterfaceName,
    ) -> Result<PortConfig, DriverError> {
        self.check_host_key(switch)?;
        Ok(self
            .port(switch.id, interface)
            .unwrap_or_else(|| PortConfig::captive(switch.captive_vlan)))
    }
}

/// The kit's side door into an [`InMemorySwitch`] for one switch (feature `testkit`).
#[cfg(feature = "testkit")]
#[derive(Debug, Clone)]
pub struct InMemoryDevice {
    switch: std::sync::Arc<InMemorySwitch>,
    switch_id: SwitchId,
    captive_vlan: crate::types::VlanId,
}

#[cfg(feature = "testkit")]
impl InMemorySwitch {
    /// The [`ConformanceDevice`](crate::testkit::switch_suite::ConformanceDevice) of
    /// `switch` on this in-memory switch.
    pub fn device(self: &std::sync::Arc<Self>, switch: &Switch) -> InMemoryDevice {
        InMemoryDevice {
            switch: self.clone(),
            switch_id: switch.id,
            captive_vlan: switch.captive_vlan,
        }
    }
}

#[cfg(feature = "testkit")]
#[async_trait]
impl crate::testkit::switch_suite::ConformanceDevice for InMemoryDevice {
    async fn config_lines(&self, interface: &InterfaceName) -> Vec<String> {
        self.switch
            .config_lines(self.switch_id, interface, self.captive_vlan)
    }

    async fn add_operator_config(&self, interface: &InterfaceName) -> Vec<String> {
        let line = "spanning-tree portfast";
        self.switch
            .add_operator_line(self.switch_id, interface, line);
        vec![line.to_owned()]
    }

    async fn inject(&self, fault: crate::testkit::switch_suite::DeviceFault) {
        use crate::testkit::switch_suite::DeviceFault;
        let fault = match fault {
            DeviceFault::RefuseLogin => SwitchFault::AuthFailure,
            DeviceFault::Unresponsive => SwitchFault::Unresponsive,
            // Atomic: with or without a failing undo the port keeps its state.
            DeviceFault::RejectChange(i) | DeviceFault::RejectChangeAndUndo(i) => {
                SwitchFault::RejectInterface(i)
            }
        };
        self.switch.fail(fault, None);
    }

    async fn clear_faults(&self) {
        self.switch.clear_faults();
    }
}

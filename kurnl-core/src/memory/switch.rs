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
}

#[derive(Debug, Default)]
struct State {
    ports: HashMap<(SwitchId, InterfaceName), PortConfig>,
    /// (fault, remaining apply calls it applies to; `None` = until cleared)
    faults: Vec<(SwitchFault, Option<u32>)>,
    history: Vec<(SwitchId, InterfaceName, PortConfig)>,
}

/// A driver that keeps each port's configuration in memory, records every change and can be
/// told to fail. It passes the SwitchDriver conformance suite.
#[derive(Debug, Default)]
pub struct InMemorySwitch {
    state: Mutex<State>,
    sessions: AtomicU64,
}

impl InMemorySwitch {
    /// A switch where every port is unconfigured.
    pub fn new() -> Self {
        Self::default()
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
        Ok(self
            .port(switch.id, interface)
            .unwrap_or_else(|| PortConfig::captive(switch.captive_vlan)))
    }
}

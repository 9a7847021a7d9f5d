//! What the switch conformance kit needs from the device under test, beyond the driver.
//!
//! A driver can only be judged against something it does not control: a real switch, a
//! simulator, or (for the in-memory double) the double's own state. The kit therefore asks
//! the implementor for a [`ConformanceDevice`]: a side door into the device that reads its
//! configuration without the driver, adds configuration an operator owns, and injects
//! faults. The kit's fault and ownership cases use it to check what the driver *did*, not
//! what the driver says it did, so a driver whose "device" is a plain `HashMap` of desired
//! states does not pass by accident: it has no operator configuration to keep, no line to
//! reject, no login to refuse.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;

use crate::model::{PortConfig, Switch};
use crate::ports::SwitchDriver;
use crate::types::InterfaceName;

/// A fault the kit asks the device to inject. It lasts until
/// [`ConformanceDevice::clear_faults`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceFault {
    /// Refuse every login (wrong password from the device's point of view).
    RefuseLogin,
    /// Accept connections but never answer a command again, so the driver's command deadline
    /// must fire.
    Unresponsive,
    /// Reject one configuration line of this interface that comes after the first line of a
    /// change (so a device that applies line by line is left part-way); later lines, and the
    /// driver's undo, are accepted.
    RejectChange(InterfaceName),
    /// Reject every configuration line of this interface after the first one of a change,
    /// the driver's undo included. A line-by-line device is left partially changed; an
    /// atomic device (candidate + commit) stays as it was.
    RejectChangeAndUndo(InterfaceName),
}

/// The side door into the device under test, so the kit judges what the driver did on the
/// device rather than what the driver reports (see [`switch_suite`](crate::testkit::switch_suite)).
///
/// # Contract
/// - [`config_lines`](Self::config_lines) reads the device's own configuration of one
///   interface (as a switch shows it: running-config lines, `display set` statements, or
///   any stable textual rendering for a double), never through the driver under test. It
///   must change when the driver changes the port.
/// - [`add_operator_config`](Self::add_operator_config) adds, as an operator would, one or
///   more statements on that interface that a kurnl driver does not manage (IOS
///   `spanning-tree portfast` or `switchport port-security maximum 2`, Junos
///   `persistent-learning` or a scheduler map, ...), and returns them exactly as
///   `config_lines` shows them afterwards. The statements must be valid alongside every
///   state the kit applies (any VLAN, rate limits, one bound MAC).
/// - [`inject`](Self::inject) makes the device misbehave as [`DeviceFault`] describes, from
///   the next command or login on; [`clear_faults`](Self::clear_faults) ends every fault.
///
/// # Errors
/// None: a hook that cannot do what is asked panics with a message (it is test code).
///
/// # Implementing
/// For a simulator, map the hooks onto its fault injection and its operator console
/// (`kurnl_switch::sim::SwitchSim` implements this trait with the `sim` feature). For a
/// real lab switch, open a second management session for `config_lines` and
/// `add_operator_config`, and use an ACL or a blocked account for the faults. For a driver
/// that keeps state in memory, keep operator lines beside the port state and implement the
/// faults in the driver (as [`InMemorySwitch`](crate::memory::InMemorySwitch) does).
#[async_trait]
pub trait ConformanceDevice: Send + Sync + Debug + 'static {
    /// The device's configuration of `interface`, read without the driver.
    async fn config_lines(&self, interface: &InterfaceName) -> Vec<String>;

    /// Adds configuration an operator owns on `interface`; returns its lines as
    /// [`config_lines`](Self::config_lines) shows them.
    async fn add_operator_config(&self, interface: &InterfaceName) -> Vec<String>;

    /// Injects a fault (until [`clear_faults`](Self::clear_faults)).
    async fn inject(&self, fault: DeviceFault);

    /// Ends every injected fault.
    async fn clear_faults(&self);
}

/// Which optional parts of a [`PortConfig`] the driver under test supports. A driver for a
/// switch without policers or port security passes the kit with these off, and must then
/// refuse a change that asks for them with an `Unsupported` error instead of ignoring it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KitFeatures {
    /// Bandwidth limits ([`PortConfig::rate`]).
    pub rate_limits: bool,
    /// MAC binding ([`PortConfig::mac`]).
    pub mac_binding: bool,
}

impl Default for KitFeatures {
    fn default() -> Self {
        Self::all()
    }
}

impl KitFeatures {
    /// Everything kurnl can ask for.
    pub fn all() -> Self {
        Self {
            rate_limits: true,
            mac_binding: true,
        }
    }

    /// Access VLAN, description and admin state only.
    pub fn vlan_only() -> Self {
        Self {
            rate_limits: false,
            mac_binding: false,
        }
    }

    /// `desired` without the parts the driver does not support.
    pub fn restrict(&self, mut desired: PortConfig) -> PortConfig {
        if !self.rate_limits {
            desired.rate = None;
        }
        if !self.mac_binding {
            desired.mac = None;
        }
        desired
    }
}

/// Everything one conformance case needs: what the factory given to
/// [`switch_conformance_tests!`](crate::switch_conformance_tests) returns.
#[derive(Debug, Clone)]
pub struct SwitchFixture {
    /// The driver under test. Give it a command timeout of a few seconds: one case waits
    /// for it against an unresponsive device.
    pub driver: Arc<dyn SwitchDriver>,
    /// The switch record the driver talks to (host key pinned).
    pub switch: Switch,
    /// Interfaces the kit may reconfigure freely (at least
    /// [`MIN_INTERFACES`](crate::testkit::switch_suite::MIN_INTERFACES)).
    pub interfaces: Vec<InterfaceName>,
    /// The side door into the device.
    pub device: Arc<dyn ConformanceDevice>,
    /// What the driver supports.
    pub features: KitFeatures,
}

impl SwitchFixture {
    /// A fixture for a driver that supports every feature.
    pub fn new(
        driver: Arc<dyn SwitchDriver>,
        switch: Switch,
        interfaces: Vec<InterfaceName>,
        device: Arc<dyn ConformanceDevice>,
    ) -> Self {
        Self {
            driver,
            switch,
            interfaces,
            device,
            features: KitFeatures::all(),
        }
    }

    /// Sets the supported features.
    #[must_use]
    pub fn with_features(mut self, features: KitFeatures) -> Self {
        self.features = features;
        self
    }
}

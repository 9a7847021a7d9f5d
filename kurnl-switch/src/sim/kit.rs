//! The simulator as the switch conformance kit's device under test
//! ([`ConformanceDevice`]): configuration read from the emulated device, operator
//! configuration typed at its console, faults injected into its sessions.

use std::sync::Arc;

use async_trait::async_trait;
use kurnl_core::ports::SwitchDriver;
use kurnl_core::testkit::switch_suite::{ConformanceDevice, DeviceFault, SwitchFixture};
use kurnl_core::types::InterfaceName;

use super::{Faults, InterfaceReject, SwitchSim, Vendor};

impl SwitchSim {
    /// A conformance fixture for `driver` against this simulator: the switch record (driver
    /// name `driver_name`, host key pinned), every interface, and the simulator as the
    /// [`ConformanceDevice`]. Give the driver a command timeout of a few seconds (one case
    /// waits for it against an unresponsive device).
    pub fn conformance_fixture(
        self: Arc<Self>,
        driver: Arc<dyn SwitchDriver>,
        driver_name: &str,
    ) -> SwitchFixture {
        let switch = self.switch_record(driver_name);
        let interfaces = self.interfaces();
        SwitchFixture::new(driver, switch, interfaces, self)
    }

    /// The operator lines [`ConformanceDevice::add_operator_config`] types on `interface`,
    /// and those lines as [`SwitchSim::running_config`] shows them.
    fn operator_sample(&self, interface: &str) -> (Vec<String>, Vec<String>) {
        let own = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        match self.config().vendor {
            // A raised secure-MAC limit and portfast: the operator's, not kurnl's.
            Vendor::Ios => (
                own(&[
                    &format!("interface {interface}"),
                    "switchport port-security maximum 2",
                    "spanning-tree portfast",
                ]),
                own(&[
                    " switchport port-security maximum 2",
                    " spanning-tree portfast",
                ]),
            ),
            // Persistent MAC learning and a scheduler map on the port.
            Vendor::Junos => {
                let learning =
                    format!("switch-options interface {interface}.0 persistent-learning");
                let map = format!("class-of-service interfaces {interface} scheduler-map OPS-SM");
                (
                    vec![
                        "set class-of-service schedulers OPS-BE transmit-rate percent 50".into(),
                        "set class-of-service scheduler-maps OPS-SM forwarding-class best-effort scheduler OPS-BE".into(),
                        format!("set {map}"),
                        format!("set {learning}"),
                    ],
                    vec![format!("set {map}"), format!("set {learning}")],
                )
            }
            Vendor::Eos => (
                own(&[&format!("interface {interface}"), "spanning-tree portfast"]),
                own(&["   spanning-tree portfast"]),
            ),
        }
    }
}

#[async_trait]
impl ConformanceDevice for SwitchSim {
    async fn config_lines(&self, interface: &InterfaceName) -> Vec<String> {
        self.running_config(interface.as_str())
    }

    #[allow(clippy::panic)]
    async fn add_operator_config(&self, interface: &InterfaceName) -> Vec<String> {
        let (typed, shown) = self.operator_sample(interface.as_str());
        let typed: Vec<&str> = typed.iter().map(String::as_str).collect();
        if let Err(e) = self.operator(&typed) {
            panic!("the simulator refused the operator configuration of {interface}: {e}");
        }
        shown
    }

    async fn inject(&self, fault: DeviceFault) {
        self.faults(|f| match fault {
            DeviceFault::RefuseLogin => f.fail_auth = true,
            // Every non-empty command matches the empty pattern.
            DeviceFault::Unresponsive => f.hang_on = Some(String::new()),
            DeviceFault::RejectChange(i) => {
                f.reject_interface = Some(InterfaceReject::once(i.as_str(), 1));
            }
            DeviceFault::RejectChangeAndUndo(i) => {
                f.reject_interface = Some(InterfaceReject::sticky(i.as_str(), 1));
            }
        });
    }

    async fn clear_faults(&self) {
        self.faults(|f| *f = Faults::default());
    }
}

//! The switch conformance kit against the IOS and Junos drivers over real SSH, with the
//! simulator as the device under test (operator configuration, faults, its own state).

use std::sync::Arc;
use std::time::Duration;

use kurnl_core::ports::SwitchDriver;
use kurnl_core::testkit::switch_suite::SwitchFixture;
use kurnl_switch::sim::{SimConfig, SwitchSim, Vendor};
use kurnl_switch::{IosDriver, JunosDriver, SshOptions};

/// A short command deadline: one case waits for it against an unresponsive device.
fn options() -> SshOptions {
    SshOptions {
        command_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(5),
        ..SshOptions::default()
    }
}

async fn fixture(vendor: Vendor) -> SwitchFixture {
    let mut config = SimConfig::new(vendor);
    if vendor == Vendor::Ios {
        config.enable_secret = Some("en-secret".into());
        config.banner = Some("*** Authorized access only # > ***".into());
    }
    let sim = Arc::new(SwitchSim::start(config).await.expect("start simulator"));
    let creds = Arc::new(sim.credentials());
    let (driver, name): (Arc<dyn SwitchDriver>, &str) = match vendor {
        Vendor::Ios => (
            Arc::new(IosDriver::new(creds).with_options(options())),
            "ios",
        ),
        Vendor::Junos => (
            Arc::new(JunosDriver::new(creds).with_options(options())),
            "junos",
        ),
        Vendor::Eos => unreachable!("EOS has its driver in examples/custom_driver.rs"),
    };
    sim.conformance_fixture(driver, name)
}

mod ios_conformance {
    kurnl_core::switch_conformance_tests!(super::fixture(kurnl_switch::sim::Vendor::Ios));
}

mod junos_conformance {
    kurnl_core::switch_conformance_tests!(super::fixture(kurnl_switch::sim::Vendor::Junos));
}

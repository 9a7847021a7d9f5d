//! The switch conformance kit through the facade, on the simulator's IOS and Junos drivers.

use std::sync::Arc;
use std::time::Duration;

use kurnl::ports::SwitchDriver;
use kurnl::switch::sim::{SimConfig, SwitchSim, Vendor};
use kurnl::switch::{IosDriver, JunosDriver, SshOptions};
use kurnl::testkit::switch_suite::SwitchFixture;

/// A short command deadline: one case waits for it against an unresponsive device.
fn options() -> SshOptions {
    SshOptions {
        command_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(5),
        ..SshOptions::default()
    }
}

async fn fixture(vendor: Vendor) -> SwitchFixture {
    let sim = Arc::new(
        SwitchSim::start(SimConfig::new(vendor))
            .await
            .expect("start the simulator"),
    );
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
        Vendor::Eos => unreachable!("only IOS and Junos have drivers in kurnl"),
    };
    sim.conformance_fixture(driver, name)
}

mod ios {
    kurnl::switch_conformance_tests!(super::fixture(kurnl::switch::sim::Vendor::Ios));
}

mod junos {
    kurnl::switch_conformance_tests!(super::fixture(kurnl::switch::sim::Vendor::Junos));
}

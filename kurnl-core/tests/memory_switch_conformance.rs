//! The in-memory switch passes the SwitchDriver conformance suite, and the suite's new cases
//! catch a driver whose "device" is a plain map of desired states.
#![cfg(feature = "testkit")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use kurnl_core::memory::InMemorySwitch;
use kurnl_core::model::{PortConfig, Switch};
use kurnl_core::ports::{DriverCapabilities, DriverError, PortChange, PortResult, SwitchDriver};
use kurnl_core::testkit::switch_suite::{self, ConformanceDevice, DeviceFault, SwitchFixture};
use kurnl_core::types::{InterfaceName, SwitchId, VlanId};

const HOST_KEY: &str = "SHA256:kurnl-memory-switch-test-key";

fn switch() -> Switch {
    Switch {
        id: SwitchId::new_random(),
        name: "memory".into(),
        driver: "memory".into(),
        address: "127.0.0.1".into(),
        ssh_port: 22,
        credentials_ref: "none".into(),
        host_key: Some(HOST_KEY.into()),
        captive_vlan: VlanId::new(999).expect("vlan"),
        max_sessions: 1,
        disabled: false,
    }
}

fn interfaces() -> Vec<InterfaceName> {
    (1..=8)
        .map(|n| InterfaceName::parse(&format!("GigabitEthernet1/0/{n}")).expect("name"))
        .collect()
}

async fn fixture() -> SwitchFixture {
    let switch = switch();
    let memory = Arc::new(InMemorySwitch::new().with_host_key(HOST_KEY));
    let device = Arc::new(memory.device(&switch));
    SwitchFixture::new(memory, switch, interfaces(), device)
}

kurnl_core::switch_conformance_tests!(fixture());

/// A driver whose "device" is a map of desired states: it converges, reads back and is
/// idempotent, so it passes the six original behaviours, but it has no operator lines, no
/// faults and no host key.
#[derive(Debug, Default)]
struct MapDriver {
    ports: Mutex<HashMap<InterfaceName, PortConfig>>,
}

#[async_trait]
impl SwitchDriver for MapDriver {
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
        _switch: &Switch,
        changes: &[PortChange],
    ) -> Result<Vec<PortResult>, DriverError> {
        let mut ports = self.ports.lock().expect("lock");
        Ok(changes
            .iter()
            .map(|c| {
                ports.insert(c.interface.clone(), c.desired.clone());
                PortResult {
                    job_id: c.job_id,
                    outcome: Ok(()),
                }
            })
            .collect())
    }

    async fn read_port(
        &self,
        switch: &Switch,
        interface: &InterfaceName,
    ) -> Result<PortConfig, DriverError> {
        Ok(self
            .ports
            .lock()
            .expect("lock")
            .get(interface)
            .cloned()
            .unwrap_or_else(|| PortConfig::captive(switch.captive_vlan)))
    }
}

/// The side door of a real device (here the in-memory switch) next to a map driver that
/// never talks to it.
fn map_fixture() -> SwitchFixture {
    let switch = switch();
    let device_side = Arc::new(InMemorySwitch::new().with_host_key(HOST_KEY));
    let device: Arc<dyn ConformanceDevice> = Arc::new(device_side.device(&switch));
    SwitchFixture::new(Arc::new(MapDriver::default()), switch, interfaces(), device)
}

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let e = std::panic::catch_unwind(f).expect_err("the kit must fail the map driver");
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

#[test]
fn a_map_driver_fails_the_failure_classification() {
    let message = panic_message(|| {
        switch_suite::run(async { switch_suite::failures_are_classified(&map_fixture()).await })
    });
    assert!(
        message.contains("[failures_are_classified]")
            && message.contains("GigabitEthernet1/0/1")
            && message.contains("refused the login"),
        "the kit names the behaviour, the interface and what broke: {message}"
    );
}

#[test]
fn a_map_driver_fails_the_rejected_change_case() {
    let message = panic_message(|| {
        switch_suite::run(async {
            switch_suite::rejected_change_restores_or_reports_partial(&map_fixture()).await
        })
    });
    assert!(
        message.contains("[rejected_change_restores_or_reports_partial]"),
        "{message}"
    );
}

#[test]
fn a_driver_that_changes_a_port_twice_is_named_in_words() {
    // A device whose lines change on every read: the idempotency case must say so in words.
    #[derive(Debug)]
    struct Drifting(Mutex<u32>);
    #[async_trait]
    impl ConformanceDevice for Drifting {
        async fn config_lines(&self, _: &InterfaceName) -> Vec<String> {
            let mut n = self.0.lock().expect("lock");
            *n += 1;
            vec![format!("counter {n}")]
        }
        async fn add_operator_config(&self, _: &InterfaceName) -> Vec<String> {
            Vec::new()
        }
        async fn inject(&self, _: DeviceFault) {}
        async fn clear_faults(&self) {}
    }
    let message = panic_message(|| {
        switch_suite::run(async {
            let f = SwitchFixture::new(
                Arc::new(MapDriver::default()),
                switch(),
                interfaces(),
                Arc::new(Drifting(Mutex::new(0))),
            );
            switch_suite::apply_is_idempotent(&f).await
        })
    });
    assert!(
        message.contains("[apply_is_idempotent]")
            && message.contains("the second identical apply changed the device's configuration"),
        "{message}"
    );
    assert!(!message.contains("left == right"), "{message}");
}

#[test]
fn vlan_only_features_expect_unsupported_errors() {
    // The in-memory switch stores rate limits, so declaring it VLAN-only must fail the case
    // that checks a VLAN-only driver refuses them.
    let message = panic_message(|| {
        switch_suite::run(async {
            let f = fixture()
                .await
                .with_features(switch_suite::KitFeatures::vlan_only());
            switch_suite::unsupported_features_are_refused(&f).await
        })
    });
    assert!(
        message.contains("permanent Unsupported error expected"),
        "{message}"
    );
}

//! The in-memory switch passes the SwitchDriver conformance suite.
#![cfg(feature = "testkit")]

use std::sync::Arc;

use kurnl_core::memory::InMemorySwitch;
use kurnl_core::model::Switch;
use kurnl_core::ports::SwitchDriver;
use kurnl_core::types::{InterfaceName, SwitchId, VlanId};

async fn fixture() -> (Arc<dyn SwitchDriver>, Switch, Vec<InterfaceName>) {
    let switch = Switch {
        id: SwitchId::new_random(),
        name: "memory".into(),
        driver: "memory".into(),
        address: "127.0.0.1".into(),
        ssh_port: 22,
        credentials_ref: "none".into(),
        host_key: None,
        captive_vlan: VlanId::new(999).expect("vlan"),
        max_sessions: 1,
    };
    let interfaces = (1..=8)
        .map(|n| InterfaceName::parse(&format!("GigabitEthernet1/0/{n}")).expect("name"))
        .collect();
    (Arc::new(InMemorySwitch::new()), switch, interfaces)
}

kurnl_core::switch_conformance_tests!(fixture());

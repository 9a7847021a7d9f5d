//! The drift audit against the strict Junos simulator over real SSH (issue 20): ports
//! changed behind kurnl's back with `set`/`delete` statements and committed, as an operator
//! would, are found; policy `report` writes nothing; policy `repair` commits each port back;
//! a port kurnl does not manage is never touched.

#[path = "common/backend.rs"]
mod backend;
#[path = "common/drift_world.rs"]
mod drift_world;

use std::collections::BTreeMap;
use std::sync::Arc;

use backend::Backend;
use drift_world::{auditor, provisioned, ssh_options};
use kurnl::model::{DriftAction, DriftField, DriftPolicy, Port, PortRef};
use kurnl::ports::{Store, SwitchDriver};
use kurnl::types::InterfaceName;
use kurnl_core::testkit::Fixture;
use kurnl_switch::JunosDriver;
use kurnl_switch::sim::{SimConfig, SwitchSim, Vendor};

/// Subscriptions provisioned on ports 1..=3.
const SUBSCRIBED: usize = 3;
/// A port kurnl never configured.
const UNMANAGED: &str = "ge-0/0/8";

fn iface(n: usize) -> String {
    format!("ge-0/0/{n}")
}

#[tokio::test]
async fn junos_report_then_repair_over_ssh() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Backend::Sqlite(dir.path().join("drift.db"))
        .open()
        .await
        .unwrap();
    let fixture = Fixture::new(store).await;
    let mut config = SimConfig::new(Vendor::Junos).with_interface_count(12);
    config.host_key_seed = Some([9; 32]);
    let sim = SwitchSim::start(config).await.expect("start simulator");
    // The fixture's ports carry IOS names; this switch names them as Junos does.
    for n in 1..=12u32 {
        fixture
            .store
            .put_port(&Port {
                port: PortRef {
                    switch_id: fixture.switch_record.id,
                    port_number: n,
                },
                interface: InterfaceName::parse(&iface(n as usize)).unwrap(),
            })
            .await
            .expect("port");
    }
    let junos: Arc<dyn SwitchDriver> =
        Arc::new(JunosDriver::new(Arc::new(sim.credentials())).with_options(ssh_options()));
    let w = provisioned(fixture, &sim, "junos", junos, SUBSCRIBED).await;
    let desired: Vec<_> = (1..=SUBSCRIBED)
        .map(|n| sim.port(&iface(n)).expect("provisioned port"))
        .collect();

    // Behind kurnl's back: a description, a disabled port, the rate removed in both
    // directions (the upload filter and the download shaping rate; one direction alone is a
    // form kurnl never writes: `other`); and the unmanaged port described.
    let filters: Vec<String> = sim
        .running_config(&iface(3))
        .into_iter()
        .filter(|l| l.contains("filter input") || l.contains("shaping-rate"))
        .map(|l| l.replacen("set ", "delete ", 1))
        .collect();
    assert_eq!(filters.len(), 2, "{:?}", sim.running_config(&iface(3)));
    let mut lines = vec![
        format!("set interfaces {} description patched-by-hand", iface(1)),
        format!("set interfaces {} disable", iface(2)),
        format!("set interfaces {UNMANAGED} description operator-owned"),
    ];
    lines.extend(filters);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    sim.operator(&refs)
        .expect("operator edits committed by the simulator");
    let unmanaged_before = sim.running_config(UNMANAGED);
    let config_before = sim.full_config();
    let wanted = BTreeMap::from([
        (iface(1), vec![DriftField::Description]),
        (iface(2), vec![DriftField::Enabled]),
        (iface(3), vec![DriftField::Rate]),
    ]);

    let report = auditor(&w, DriftPolicy::Report)
        .audit_switch(w.switch.id)
        .await
        .expect("audit");
    let found: BTreeMap<_, _> = report
        .findings
        .iter()
        .map(|f| (f.interface.as_str().to_owned(), f.fields.clone()))
        .collect();
    assert_eq!(found, wanted, "report: each changed port with its field");
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.action == DriftAction::Reported)
    );
    assert_eq!(
        sim.full_config(),
        config_before,
        "report: the audit committed nothing"
    );

    let repair = auditor(&w, DriftPolicy::Repair)
        .audit_switch(w.switch.id)
        .await
        .expect("audit");
    assert!(
        repair
            .findings
            .iter()
            .all(|f| f.action == DriftAction::RepairQueued),
        "{:?}",
        repair.findings
    );
    assert_eq!(repair.findings.len(), SUBSCRIBED);
    w.engine.drain().await.expect("engine");
    for (n, want) in (1..=SUBSCRIBED).zip(&desired) {
        assert_eq!(
            sim.port(&iface(n)).as_ref(),
            Some(want),
            "repair: {} back in its desired state",
            iface(n)
        );
    }
    assert_eq!(
        sim.running_config(UNMANAGED),
        unmanaged_before,
        "the unmanaged port was never touched"
    );
    let again = auditor(&w, DriftPolicy::Repair)
        .audit_switch(w.switch.id)
        .await
        .expect("audit");
    assert!(again.findings.is_empty(), "{:?}", again.findings);
}

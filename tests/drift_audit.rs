//! The drift audit over real SSH against the strict IOS simulator (issue 20), on a SQLite
//! file and on PostgreSQL: ports changed behind kurnl's back (VLAN, rate, MAC, shutdown,
//! description) are found; policy `report` never writes to the switch; policy `repair` puts
//! each port back through a normal port job; a port kurnl does not manage is never touched;
//! a switch that is down makes the audit retry later without failing any job; a switch that
//! comes back with its startup configuration (every managed port reset) is repaired whole.

#[path = "common/backend.rs"]
mod backend;
#[path = "common/drift_world.rs"]
mod drift_world;

use std::collections::BTreeMap;
use std::sync::Arc;

use backend::Backend;
use drift_world::{World, auditor, provisioned, ssh_options};
use kurnl::model::{
    AuditOutcome, DriftAction, DriftField, DriftPolicy, EventData, JobAction, JobStatus,
};
use kurnl::ports::{DriftQuery, EventQuery, JobQuery, Store, SwitchDriver};
use kurnl::types::VlanId;
use kurnl_core::ports::Clock;
use kurnl_core::testkit::Fixture;
use kurnl_switch::IosDriver;
use kurnl_switch::sim::{SimConfig, SwitchSim, Vendor};

/// Subscriptions provisioned on ports 1..=6; each test changes one part of each.
const SUBSCRIBED: usize = 6;
/// A port kurnl never configured (no job ever ran on it).
const UNMANAGED: &str = "GigabitEthernet1/0/8";

async fn start_sim(listen: Option<std::net::SocketAddr>, seed: [u8; 32]) -> SwitchSim {
    let mut config = SimConfig::new(Vendor::Ios).with_interface_count(48);
    config.host_key_seed = Some(seed);
    if let Some(addr) = listen {
        config.listen = addr;
    }
    SwitchSim::start(config).await.expect("start simulator")
}

const SEED: [u8; 32] = [7; 32];

/// The fixture's 48-port switch re-pointed at an IOS simulator, six subscriptions
/// provisioned over SSH.
async fn world(store: Arc<dyn Store>) -> (World, SwitchSim) {
    let fixture = Fixture::new(store).await;
    let sim = start_sim(None, SEED).await;
    let ios: Arc<dyn SwitchDriver> =
        Arc::new(IosDriver::new(Arc::new(sim.credentials())).with_options(ssh_options()));
    let w = provisioned(fixture, &sim, "ios", ios, SUBSCRIBED).await;
    (w, sim)
}

fn iface(n: usize) -> String {
    format!("GigabitEthernet1/0/{n}")
}

/// Changes ports 1..=6 behind kurnl's back, one part each, as an operator at the console
/// would, and the unmanaged port too. Returns what each port should be found drifted in.
fn tamper(sim: &SwitchSim) -> BTreeMap<String, DriftField> {
    let line_of = |n: usize, starts: &str| {
        sim.running_config(&iface(n))
            .into_iter()
            .find(|l| l.trim().starts_with(starts))
            .unwrap_or_else(|| panic!("{} has a {starts:?} line", iface(n)))
            .trim()
            .to_owned()
    };
    let i = |n| format!("interface {}", iface(n));
    let lines = [
        i(1),
        " switchport access vlan 300".to_owned(),
        // The rate limit removed in both directions.
        i(2),
        format!(" no {}", line_of(2, "service-policy input")),
        format!(" no {}", line_of(2, "service-policy output")),
        i(3),
        format!(" no {}", line_of(3, "switchport port-security mac-address")),
        " switchport port-security mac-address 0000.5e00.5301".to_owned(),
        i(4),
        " shutdown".to_owned(),
        i(5),
        " description patched-by-hand".to_owned(),
        // A policy in one direction only: a form kurnl never writes.
        i(6),
        format!(" no {}", line_of(6, "service-policy input")),
        format!("interface {UNMANAGED}"),
        " description operator-owned".to_owned(),
        " switchport access vlan 42".to_owned(),
    ];
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    sim.operator(&refs)
        .expect("operator edits accepted by the simulator");
    BTreeMap::from([
        (iface(1), DriftField::Vlan),
        (iface(2), DriftField::Rate),
        (iface(3), DriftField::Mac),
        (iface(4), DriftField::Enabled),
        (iface(5), DriftField::Description),
        (iface(6), DriftField::Other),
    ])
}

/// Provider A's events of type `name` (every fixture subscription is provider A's).
async fn events_named(fixture: &Fixture, name: &str) -> Vec<EventData> {
    fixture
        .store
        .list_events(&EventQuery {
            provider_id: fixture.a.provider.id,
            since: None,
            status: None,
            limit: 10_000,
        })
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.data)
        .filter(|d| d.name() == name)
        .collect()
}

async fn report_then_repair(store: Arc<dyn Store>) {
    let (w, sim) = world(store).await;
    let desired: Vec<_> = (1..=SUBSCRIBED)
        .map(|n| sim.port(&iface(n)).expect("provisioned port"))
        .collect();
    let expected = tamper(&sim);
    let unmanaged_before = sim.running_config(UNMANAGED);
    let config_before = sim.full_config();

    // Policy report: every drift found with the right field, nothing written.
    let report = auditor(&w, DriftPolicy::Report)
        .audit_switch(w.switch.id)
        .await
        .expect("audit");
    let found: BTreeMap<_, _> = report
        .findings
        .iter()
        .map(|f| (f.interface.as_str().to_owned(), f.fields.clone()))
        .collect();
    let wanted: BTreeMap<_, _> = expected
        .iter()
        .map(|(k, v)| (k.clone(), vec![*v]))
        .collect();
    assert_eq!(found, wanted, "report: each tampered port with its field");
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.action == DriftAction::Reported && f.repair_job_id.is_none()),
        "report: nothing queued"
    );
    assert_eq!(
        report.audit.outcome,
        AuditOutcome::Completed {
            ports_checked: SUBSCRIBED as u32,
            drifted: SUBSCRIBED as u32,
            unreadable: 0
        },
        "report: the managed ports only were compared"
    );
    assert_eq!(
        sim.full_config(),
        config_before,
        "report: the audit wrote nothing to the switch"
    );
    let drift_events = events_named(&w.fixture, "port.drift_detected").await;
    assert_eq!(
        drift_events.len(),
        SUBSCRIBED,
        "one event per drifted subscription"
    );
    assert!(
        drift_events.iter().all(|e| matches!(
            e,
            EventData::PortDriftDetected { policy: DriftPolicy::Report, drifted, .. } if drifted.len() == 1
        )),
        "{drift_events:?}"
    );
    let recorded = w
        .fixture
        .store
        .list_drift_findings(&DriftQuery::default())
        .await
        .expect("findings");
    assert_eq!(recorded.len(), SUBSCRIBED, "findings recorded in the store");

    // Policy repair: jobs queued, run like any job, ports back as desired.
    let completed_before = events_named(&w.fixture, "provisioning.completed")
        .await
        .len();
    let repair = auditor(&w, DriftPolicy::Repair)
        .audit_switch(w.switch.id)
        .await
        .expect("audit");
    assert_eq!(repair.findings.len(), SUBSCRIBED);
    assert!(
        repair
            .findings
            .iter()
            .all(|f| f.action == DriftAction::RepairQueued && f.repair_job_id.is_some()),
        "repair: a job per drifted port: {:?}",
        repair.findings
    );
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
    let jobs = w
        .fixture
        .store
        .list_jobs(&JobQuery {
            switch_id: Some(w.switch.id),
            ..JobQuery::default()
        })
        .await
        .expect("jobs");
    let repairs: Vec<_> = jobs
        .iter()
        .filter(|j| j.action == JobAction::Repair)
        .collect();
    assert_eq!(repairs.len(), SUBSCRIBED);
    assert!(repairs.iter().all(|j| j.status == JobStatus::Completed));
    assert_eq!(
        events_named(&w.fixture, "provisioning.completed")
            .await
            .len(),
        completed_before,
        "a repair job emits no provisioning event"
    );
    let again = auditor(&w, DriftPolicy::Repair)
        .audit_switch(w.switch.id)
        .await
        .expect("audit");
    assert!(
        again.findings.is_empty(),
        "clean after the repair: {:?}",
        again.findings
    );
}

async fn switch_down_then_restored_from_startup(store: Arc<dyn Store>) {
    let (w, sim) = world(store).await;
    let desired: Vec<_> = (1..=SUBSCRIBED)
        .map(|n| sim.port(&iface(n)).expect("provisioned port"))
        .collect();
    let addr = sim.addr();
    drop(sim);
    let audit = auditor(&w, DriftPolicy::Repair);
    let config = audit.config().clone();
    let now = w.fixture.clock.now();
    let report = audit.audit_switch(w.switch.id).await.expect("audit");
    assert!(
        matches!(report.audit.outcome, AuditOutcome::Unreachable { .. }),
        "down switch: {:?}",
        report.audit.outcome
    );
    let states = w.fixture.store.list_switch_audits().await.expect("audits");
    let state = states
        .iter()
        .find(|s| s.switch_id == w.switch.id)
        .expect("audit state");
    assert_eq!(
        state.next_due_at,
        now + chrono::Duration::from_std(config.retry_after).unwrap(),
        "retried after retry_after"
    );
    let failed = w
        .fixture
        .store
        .list_jobs(&JobQuery {
            status: Some(JobStatus::Failed),
            ..JobQuery::default()
        })
        .await
        .expect("jobs");
    assert!(failed.is_empty(), "no job failed because of the audit");

    // Back with its startup configuration: every port captive.
    let sim = start_sim(Some(addr), SEED).await;
    w.fixture
        .clock
        .advance(chrono::Duration::from_std(config.retry_after).unwrap());
    let reports = audit.run_once().await.expect("round");
    let report = reports
        .iter()
        .find(|r| r.audit.switch_id == w.switch.id)
        .expect("due again after retry_after");
    assert_eq!(
        report.findings.len(),
        SUBSCRIBED,
        "every managed port drifted"
    );
    w.engine.drain().await.expect("engine");
    for (n, want) in (1..=SUBSCRIBED).zip(&desired) {
        assert_eq!(
            sim.port(&iface(n)).as_ref(),
            Some(want),
            "{} restored",
            iface(n)
        );
    }
    let captive = VlanId::new(999).unwrap();
    assert_eq!(
        sim.port(UNMANAGED).map(|p| p.vlan),
        Some(captive),
        "the unmanaged port stays as the device has it"
    );
}

#[tokio::test]
async fn sqlite_report_then_repair_over_ssh() {
    let dir = tempfile::tempdir().unwrap();
    let store = Backend::Sqlite(dir.path().join("drift.db"))
        .open()
        .await
        .unwrap();
    report_then_repair(store).await;
}

#[tokio::test]
async fn sqlite_switch_down_then_restored_from_startup() {
    let dir = tempfile::tempdir().unwrap();
    let store = Backend::Sqlite(dir.path().join("drift.db"))
        .open()
        .await
        .unwrap();
    switch_down_then_restored_from_startup(store).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_report_then_repair_over_ssh() {
    let Some(backend) = Backend::postgres("drift_report") else {
        return;
    };
    report_then_repair(backend.open().await.unwrap()).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_switch_down_then_restored_from_startup() {
    let Some(backend) = Backend::postgres("drift_down") else {
        return;
    };
    switch_down_then_restored_from_startup(backend.open().await.unwrap()).await;
}

//! What the drift audit tests share: the fixture's switch pointed at a simulator, its
//! subscriptions provisioned over SSH, and auditors of either policy.
// Each test binary includes this file and uses a part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use kurnl::engine::{AuditConfig, DriftAuditor, EngineConfig, ProvisioningEngine};
use kurnl::model::{DriftPolicy, Switch};
use kurnl::ports::{DriverRegistry, SwitchDriver};
use kurnl_core::testkit::Fixture;
use kurnl_switch::SshOptions;
use kurnl_switch::sim::SwitchSim;

/// The fixture, its switch (on the simulator), the drivers and an engine over them.
pub struct World {
    pub fixture: Fixture,
    pub switch: Switch,
    pub drivers: DriverRegistry,
    pub engine: ProvisioningEngine,
}

/// Short timeouts: the simulator answers at once, and a switch that is down fails fast.
pub fn ssh_options() -> SshOptions {
    SshOptions {
        command_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        ..SshOptions::default()
    }
}

/// Re-points the fixture's switch at `sim` (driver `driver_name`), then provisions
/// `subscribed` subscriptions (locations 0..subscribed, ports 1..=subscribed) over SSH and
/// lets a second pass, so that the audit that follows sees finished jobs.
pub async fn provisioned(
    fixture: Fixture,
    sim: &SwitchSim,
    driver_name: &str,
    driver: Arc<dyn SwitchDriver>,
    subscribed: usize,
) -> World {
    let switch = Switch {
        id: fixture.switch_record.id,
        name: fixture.switch_record.name.clone(),
        captive_vlan: fixture.switch_record.captive_vlan,
        max_sessions: 2,
        ..sim.switch_record(driver_name)
    };
    fixture.store.put_switch(&switch).await.expect("switch");
    let drivers = DriverRegistry::new().with(driver_name, driver);
    let mut config = EngineConfig {
        worker: "drift-test".into(),
        ..EngineConfig::default()
    };
    config.backoff.jitter = 0.0;
    let engine = ProvisioningEngine::new(
        Arc::clone(&fixture.store),
        drivers.clone(),
        fixture.clock.clone(),
        Arc::new(kurnl::ports::TimeOrderedIds),
        config,
    );
    for i in 0..subscribed {
        fixture
            .service
            .provider_initiated(
                &fixture.a.caller,
                fixture.provision_request(&format!("drift{i}@example.com"), i),
            )
            .await
            .expect("provision");
    }
    engine.drain().await.expect("engine");
    // Time passes between the provisioning and the audit (a job finished at the instant an
    // audit starts would supersede its repair).
    fixture.clock.advance(chrono::Duration::seconds(1));
    World {
        fixture,
        switch,
        drivers,
        engine,
    }
}

/// An auditor of the world with `policy` and the other settings at their defaults.
pub fn auditor(w: &World, policy: DriftPolicy) -> DriftAuditor {
    DriftAuditor::new(
        Arc::clone(&w.fixture.store),
        w.drivers.clone(),
        w.fixture.clock.clone(),
        Arc::new(kurnl::ports::TimeOrderedIds),
        AuditConfig {
            policy,
            ..AuditConfig::default()
        },
    )
}

//! Issue 14, "send only what differs": a re-apply of the same state sends no configuration
//! line, a plan change only its VLAN and rate lines. Against the SSH simulator.

use std::sync::Arc;
use std::time::Duration;

use kurnl_core::model::PortConfig;
use kurnl_core::ports::PortChange;
use kurnl_core::types::{JobId, Kbps, PortDescription, RateLimit, VlanId};
use kurnl_switch::sim::{SimConfig, SwitchSim, Vendor};
use kurnl_switch::{IosDriver, JunosDriver, SshOptions};

fn options() -> SshOptions {
    SshOptions {
        command_timeout: Duration::from_secs(10),
        ..SshOptions::default()
    }
}

fn tier(vlan: u16, up: u32, down: u32) -> PortConfig {
    PortConfig {
        vlan: VlanId::new(vlan).expect("vlan"),
        rate: Some(RateLimit {
            up: Kbps::new(up).expect("kbps"),
            down: Kbps::new(down).expect("kbps"),
        }),
        mac: None,
        enabled: true,
        description: PortDescription::parse("SUB-1").expect("description"),
    }
}

fn change(sim: &SwitchSim, port: usize, desired: PortConfig) -> Vec<PortChange> {
    vec![PortChange {
        job_id: JobId::new_random(),
        interface: sim.interfaces()[port].clone(),
        desired,
    }]
}

/// Applies on an open session; the commands the simulator received for it.
macro_rules! commands {
    ($s:expr, $sim:expr, $changes:expr) => {{
        let before = $sim.commands_received();
        let r = $s.apply(&$changes).await;
        assert!(r.iter().all(|r| r.outcome.is_ok()), "{r:?}");
        $sim.commands_received() - before
    }};
}

#[tokio::test]
async fn ios_reapply_sends_no_configuration_line_and_a_plan_change_only_vlan_and_rates() {
    let sim = SwitchSim::start(SimConfig::new(Vendor::Ios))
        .await
        .expect("sim");
    let d = IosDriver::new(Arc::new(sim.credentials())).with_options(options());
    let mut s = d
        .open_session(&sim.switch_record("ios"))
        .await
        .expect("session");
    let (a, b) = (tier(100, 50_000, 100_000), tier(101, 10_000, 20_000));
    // Both tiers' policy-maps exist after these two.
    let _ = commands!(s, sim, change(&sim, 1, b.clone()));
    let _ = commands!(s, sim, change(&sim, 0, a.clone()));
    // configure terminal, the read, end: no interface line, no write memory.
    assert_eq!(commands!(s, sim, change(&sim, 0, a.clone())), 3, "re-apply");
    // configure terminal, read, policy-map read, interface, vlan, 2x (no) service-policy
    // per direction, read-back, end, write memory.
    assert_eq!(
        commands!(s, sim, change(&sim, 0, b.clone())),
        12,
        "plan change"
    );
    assert_eq!(sim.port(sim.interfaces()[0].as_str()), Some(b));
    s.close().await;
}

#[tokio::test]
async fn junos_reapply_sends_no_configuration_line() {
    let sim = SwitchSim::start(SimConfig::new(Vendor::Junos))
        .await
        .expect("sim");
    let d = JunosDriver::new(Arc::new(sim.credentials())).with_options(options());
    let mut s = d
        .open_session(&sim.switch_record("junos"))
        .await
        .expect("session");
    let (a, b) = (tier(100, 50_000, 100_000), tier(101, 10_000, 20_000));
    let _ = commands!(s, sim, change(&sim, 1, b.clone()));
    let _ = commands!(s, sim, change(&sim, 0, a.clone()));
    // configure private, the read, exit configuration-mode: no set line, no commit.
    assert_eq!(commands!(s, sim, change(&sim, 0, a.clone())), 3, "re-apply");
    // configure private, read, delete + set vlan members, filter input, shaping-rate,
    // commit check, commit, exit.
    assert_eq!(
        commands!(s, sim, change(&sim, 0, b.clone())),
        9,
        "plan change"
    );
    assert_eq!(sim.port(sim.interfaces()[0].as_str()), Some(b));
    s.close().await;
}

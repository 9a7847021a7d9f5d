//! Both drivers against the simulator over real SSH: faults, sessions and round trips (the
//! conformance kit runs in `kit_sim.rs`).

use std::sync::Arc;
use std::time::Duration;

use kurnl_core::model::PortConfig;
use kurnl_core::ports::{DriverErrorKind, PortChange, SwitchDriver};
use kurnl_core::testkit::switch_suite;
use kurnl_core::types::{InterfaceName, JobId};
use kurnl_switch::sim::{Faults, SimConfig, SwitchSim, Vendor};
use kurnl_switch::{IosDriver, JunosDriver, SshOptions};

fn options() -> SshOptions {
    SshOptions {
        command_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(10),
        ..SshOptions::default()
    }
}

async fn sim(vendor: Vendor, edit: impl FnOnce(&mut SimConfig)) -> SwitchSim {
    let mut config = SimConfig::new(vendor);
    edit(&mut config);
    SwitchSim::start(config).await.expect("start simulator")
}

fn driver(sim: &SwitchSim, vendor: Vendor, opts: SshOptions) -> Arc<dyn SwitchDriver> {
    let creds = Arc::new(sim.credentials());
    match vendor {
        Vendor::Ios => Arc::new(IosDriver::new(creds).with_options(opts)),
        Vendor::Junos => Arc::new(JunosDriver::new(creds).with_options(opts)),
        Vendor::Eos => {
            unreachable!("kurnl-switch has no EOS driver (see examples/custom_driver.rs)")
        }
    }
}

fn change(iface: &InterfaceName, desired: PortConfig) -> PortChange {
    PortChange {
        job_id: JobId::new_random(),
        interface: iface.clone(),
        desired,
    }
}

#[tokio::test]
async fn ios_state_visible_through_the_sim_api_and_saved() {
    let sim = sim(Vendor::Ios, |_| {}).await;
    let d = driver(&sim, Vendor::Ios, options());
    let switch = sim.switch_record("ios");
    let port = &sim.interfaces()[0];
    let desired = switch_suite::provisioned(1);
    let r = d
        .apply(&switch, &[change(port, desired.clone())])
        .await
        .expect("apply");
    assert!(r[0].outcome.is_ok(), "{r:?}");
    assert_eq!(sim.port(port.as_str()), Some(desired));
    assert!(sim.saved(), "write memory expected");
}

#[tokio::test]
async fn rejected_command_restores_the_port() {
    // 2 ports: per-port reads; 4 ports: one read for the batch. The rejected port is second,
    // so on Junos the first one is replayed after the rollback. A port's lines go to the
    // switch in one write, so a rejected description (the port's first line) is followed by
    // the rest of its lines, which the restore must undo as well; the MAC binding is last.
    let description = vec!["SUB-12341".to_owned()];
    let mac = vec!["00:11:22:33:44:01".to_owned(), "0011.2233.4401".to_owned()];
    for (vendor, n, reject) in [
        (Vendor::Ios, 2, &mac),
        (Vendor::Ios, 4, &mac),
        (Vendor::Ios, 2, &description),
        (Vendor::Ios, 4, &description),
        (Vendor::Junos, 2, &mac),
        (Vendor::Junos, 4, &mac),
        (Vendor::Junos, 4, &description),
    ] {
        let sim = sim(vendor, |_| {}).await;
        let d = driver(&sim, vendor, options());
        let switch = sim.switch_record("x");
        let ifaces = sim.interfaces();
        let before = sim.port(ifaces[1].as_str()).expect("state");
        // A line of port 1 is rejected; the other ports still succeed.
        sim.faults(|f| f.reject = reject.clone());
        let changes: Vec<PortChange> = (0..n)
            .map(|k| change(&ifaces[k], switch_suite::provisioned(k as u16)))
            .collect();
        let r = d.apply(&switch, &changes).await.expect("apply");
        let e = r[1].outcome.clone().expect_err("rejected");
        assert_eq!(e.kind, DriverErrorKind::CommandRejected, "{vendor:?}: {e}");
        assert!(
            reject.iter().any(|p| e.message.contains(p.as_str())),
            "{vendor:?}: the error names another line: {e}"
        );
        assert!(!e.retryable);
        assert_eq!(
            sim.port(ifaces[1].as_str()),
            Some(before),
            "{vendor:?} {n}: port not restored"
        );
        for k in (0..n).filter(|k| *k != 1) {
            assert!(r[k].outcome.is_ok(), "{vendor:?} {n}: {r:?}");
            assert_eq!(
                sim.port(ifaces[k].as_str()),
                Some(switch_suite::provisioned(k as u16)),
                "{vendor:?} {n}"
            );
        }
    }
}

/// Applies `provisioned(k)` to the first `ports` ports of a simulator with `interfaces`
/// interfaces whose faults `refuse` sets, and checks every port succeeded and landed.
async fn batch_succeeds_despite(
    vendor: Vendor,
    interfaces: usize,
    ports: usize,
    refuse: impl FnOnce(&mut Faults),
) {
    let sim = sim(vendor, |c| *c = c.clone().with_interface_count(interfaces)).await;
    sim.faults(refuse);
    let d = driver(&sim, vendor, options());
    let ifaces = sim.interfaces();
    let changes: Vec<PortChange> = (0..ports)
        .map(|k| change(&ifaces[k], switch_suite::provisioned(k as u16)))
        .collect();
    let results = d
        .apply(&sim.switch_record("x"), &changes)
        .await
        .expect("session");
    assert!(
        results.iter().all(|r| r.outcome.is_ok()),
        "{vendor:?}: {results:?}"
    );
    for (k, iface) in ifaces.iter().take(ports).enumerate() {
        assert_eq!(
            sim.port(iface.as_str()),
            Some(switch_suite::provisioned(k as u16)),
            "{vendor:?} port {k}"
        );
    }
}

#[tokio::test]
async fn a_batch_reads_only_its_own_ports() {
    // The whole configuration (IOS `show running-config`, Junos every managed statement) is
    // refused: a batch of three ports must read just those three.
    batch_succeeds_despite(Vendor::Ios, 8, 3, |f| {
        f.reject_exact = vec!["do show running-config".into()];
    })
    .await;
    batch_succeeds_despite(Vendor::Junos, 8, 3, |f| {
        f.reject = vec!["^set (interfaces|vlans|".into()];
    })
    .await;
}

#[tokio::test]
async fn a_batch_of_many_ports_reads_the_whole_configuration_once() {
    // Per-port reads are refused: a batch of 20 ports must read the whole configuration.
    batch_succeeds_despite(Vendor::Ios, 24, 20, |f| {
        f.reject = vec!["show running-config interface".into()];
    })
    .await;
    batch_succeeds_despite(Vendor::Junos, 24, 20, |f| {
        f.reject = vec!["[ .]|vlan-id".into()];
    })
    .await;
}

/// Applies `provisioned(0)` to the first port of `sim` on a fresh session of `$driver` and
/// checks it landed; the command lines and round trips the apply took. (The IOS and Junos
/// sessions are different types with the same methods.)
macro_rules! lines_and_trips {
    ($driver:expr, $sim:expr, $name:expr) => {{
        let (driver, sim) = (&$driver, &$sim);
        let iface = sim.interfaces()[0].clone();
        let mut s = driver
            .open_session(&sim.switch_record($name))
            .await
            .expect("session");
        let (lines, trips) = (s.lines_sent(), s.round_trips());
        let r = s
            .apply(&[change(&iface, switch_suite::provisioned(0))])
            .await;
        assert!(r[0].outcome.is_ok(), "{r:?}");
        let counts = (s.lines_sent() - lines, s.round_trips() - trips);
        assert_eq!(sim.port(iface.as_str()), Some(switch_suite::provisioned(0)));
        s.close().await;
        counts
    }};
}

#[tokio::test]
async fn a_ports_configuration_lines_take_one_round_trip() {
    // One port that needs every line (description, VLAN, rates, MAC binding): typed one at a
    // time that is one round trip per line.
    let sim_ios = sim(Vendor::Ios, |_| {}).await;
    let ios = IosDriver::new(Arc::new(sim_ios.credentials())).with_options(options());
    let (lines, trips) = lines_and_trips!(ios, sim_ios, "ios");
    // configure terminal, read, read the policy-maps, define the tier's two policy-maps (a
    // fresh switch has none), interface, the port's lines, read back, end, write memory.
    assert_eq!(trips, 9, "IOS: {lines} lines in {trips} round trips");
    assert!(
        lines >= trips + 5,
        "IOS: {lines} lines in {trips} round trips"
    );

    let sim_junos = sim(Vendor::Junos, |_| {}).await;
    let junos = JunosDriver::new(Arc::new(sim_junos.credentials())).with_options(options());
    let (lines, trips) = lines_and_trips!(junos, sim_junos, "junos");
    assert!(
        lines >= trips + 5,
        "Junos: {lines} lines in {trips} round trips"
    );
}

#[tokio::test]
async fn junos_failed_commit_rolls_back_everything() {
    let sim = sim(Vendor::Junos, |_| {}).await;
    let d = driver(&sim, Vendor::Junos, options());
    let switch = sim.switch_record("junos");
    let ifaces = sim.interfaces();
    let before = sim.port(ifaces[0].as_str());
    sim.faults(|f| f.reject = vec!["commit check".into()]);
    let r = d
        .apply(&switch, &[change(&ifaces[0], switch_suite::provisioned(1))])
        .await
        .expect("apply");
    let e = r[0].outcome.clone().expect_err("commit failed");
    assert_eq!(e.kind, DriverErrorKind::CommandRejected, "{e}");
    assert_eq!(sim.port(ifaces[0].as_str()), before);
    // The next session works and is not left with a dirty candidate.
    sim.faults(|f| f.reject.clear());
    let r = d
        .apply(&switch, &[change(&ifaces[0], switch_suite::provisioned(1))])
        .await
        .expect("apply");
    assert!(r[0].outcome.is_ok(), "{r:?}");
}

#[tokio::test]
async fn dropped_connection_is_retryable() {
    for vendor in [Vendor::Ios, Vendor::Junos] {
        let sim = sim(vendor, |_| {}).await;
        let d = driver(&sim, vendor, options());
        let switch = sim.switch_record("x");
        let ifaces = sim.interfaces();
        sim.faults(|f| f.drop_after = Some(6));
        let r = d
            .apply(&switch, &[change(&ifaces[0], switch_suite::provisioned(1))])
            .await;
        let e = match r {
            Err(e) => e,
            Ok(r) => r[0].outcome.clone().expect_err("dropped"),
        };
        assert!(e.retryable, "{vendor:?}: {e}");
        // The retry converges.
        let r = d
            .apply(&switch, &[change(&ifaces[0], switch_suite::provisioned(1))])
            .await
            .expect("retry");
        assert!(r[0].outcome.is_ok(), "{vendor:?}: {r:?}");
        assert_eq!(
            sim.port(ifaces[0].as_str()),
            Some(switch_suite::provisioned(1))
        );
    }
}

#[tokio::test]
async fn auth_failure_is_permanent() {
    let sim = sim(Vendor::Ios, |_| {}).await;
    sim.faults(|f| f.fail_auth = true);
    let d = driver(&sim, Vendor::Ios, options());
    let e = d
        .read_port(&sim.switch_record("ios"), &sim.interfaces()[0])
        .await
        .expect_err("auth");
    assert_eq!(e.kind, DriverErrorKind::Auth, "{e}");
    assert!(!e.retryable);
    assert!(!e.message.contains("kurnl-sim-pw"));
}

#[tokio::test]
async fn wrong_host_key_is_refused_with_the_fingerprint() {
    let sim = sim(Vendor::Junos, |_| {}).await;
    let other = self::sim(Vendor::Junos, |_| {}).await;
    let d = driver(&sim, Vendor::Junos, options());
    let mut switch = sim.switch_record("junos");
    switch.host_key = Some(other.fingerprint());
    let e = d
        .read_port(&switch, &sim.interfaces()[0])
        .await
        .expect_err("host key");
    assert_eq!(e.kind, DriverErrorKind::HostKey, "{e}");
    assert!(e.message.contains(&sim.fingerprint()), "{e}");
    assert!(!e.retryable);

    // No pin and no TOFU: refused too.
    switch.host_key = None;
    let e = d
        .read_port(&switch, &sim.interfaces()[0])
        .await
        .expect_err("unknown key");
    assert_eq!(e.kind, DriverErrorKind::HostKey, "{e}");
    assert!(e.message.contains(&sim.fingerprint()), "{e}");

    // With explicit TOFU the key is learned, then pinned.
    let tofu = JunosDriver::new(Arc::new(sim.credentials())).with_options(SshOptions {
        trust_on_first_use: true,
        ..options()
    });
    tofu.read_port(&switch, &sim.interfaces()[0])
        .await
        .expect("tofu");
    assert_eq!(tofu.known_hosts().get(switch.id), Some(sim.fingerprint()));
    // The fingerprint pin works as well as the key line.
    switch.host_key = Some(sim.fingerprint());
    d.read_port(&switch, &sim.interfaces()[0])
        .await
        .expect("pinned fingerprint");
}

#[tokio::test]
async fn legacy_only_switch_needs_the_legacy_profile() {
    let sim = sim(Vendor::Ios, |c| c.legacy_only = true).await;
    let switch = sim.switch_record("ios");
    let d = driver(&sim, Vendor::Ios, options());
    let e = d
        .read_port(&switch, &sim.interfaces()[0])
        .await
        .expect_err("no common kex");
    assert_eq!(e.kind, DriverErrorKind::Negotiation, "{e}");
    assert!(
        e.message.contains("diffie-hellman-group14-sha1"),
        "the server's offer is shown: {e}"
    );
    let legacy = IosDriver::new(Arc::new(sim.credentials())).with_switch_options(
        switch.id,
        SshOptions {
            legacy_algorithms: true,
            ..options()
        },
    );
    legacy
        .read_port(&switch, &sim.interfaces()[0])
        .await
        .expect("legacy profile connects");
}

#[tokio::test]
async fn hung_command_times_out_retryably() {
    let sim = sim(Vendor::Ios, |_| {}).await;
    sim.faults(|f| f.hang_on = Some("show running-config".into()));
    let d = driver(
        &sim,
        Vendor::Ios,
        SshOptions {
            command_timeout: Duration::from_millis(300),
            ..options()
        },
    );
    let e = d
        .read_port(&sim.switch_record("ios"), &sim.interfaces()[0])
        .await
        .expect_err("timeout");
    assert_eq!(e.kind, DriverErrorKind::Timeout, "{e}");
    assert!(e.retryable);
}

#[tokio::test]
async fn paging_is_answered_when_not_disabled() {
    // Without `terminal length 0` (as when AAA refuses it) the engine answers --More--.
    let sim = sim(Vendor::Ios, |c| *c = c.clone().with_interface_count(40)).await;
    let switch = sim.switch_record("ios");
    let creds = kurnl_switch::Credentials::password("kurnl", "kurnl-sim-pw");
    let shell = kurnl_switch::transport::connect(
        &switch,
        &creds,
        &options(),
        &kurnl_switch::KnownHosts::new(),
    )
    .await
    .expect("connect");
    let mut cli = kurnl_switch::cli::CliSession::new(
        shell,
        kurnl_switch::ios::ios_patterns(),
        Duration::from_secs(10),
    );
    cli.wait_prompt().await.expect("prompt");
    let reply = cli.run("show running-config").await.expect("show");
    let text = reply.text();
    assert!(text.contains("interface GigabitEthernet1/0/1\n"), "{text}");
    assert!(text.contains("interface GigabitEthernet1/0/40"), "{text}");
    assert!(!text.contains("More"), "{text}");
    assert!(text.trim_end().ends_with("end"), "{text}");
    cli.close().await;
}

#[tokio::test]
async fn batch_uses_one_session() {
    for vendor in [Vendor::Ios, Vendor::Junos] {
        let sim = sim(vendor, |_| {}).await;
        let d = driver(&sim, vendor, options());
        let switch = sim.switch_record("x");
        let changes: Vec<PortChange> = sim
            .interfaces()
            .iter()
            .enumerate()
            .map(|(n, i)| change(i, switch_suite::provisioned(n as u16)))
            .collect();
        let logins = sim.logins();
        let r = d.apply(&switch, &changes).await.expect("apply");
        assert!(r.iter().all(|r| r.outcome.is_ok()), "{r:?}");
        assert_eq!(
            sim.logins(),
            logins + 1,
            "{vendor:?}: one session per batch"
        );
    }
}

#[tokio::test]
async fn the_idle_session_cap_closes_the_least_recently_used() {
    for vendor in [Vendor::Ios, Vendor::Junos] {
        // Two switches with the same login, one driver that keeps one idle session.
        let (a, b) = (sim(vendor, |_| {}).await, sim(vendor, |_| {}).await);
        let (sa, sb) = (a.switch_record("x"), b.switch_record("x"));
        let creds = Arc::new(a.credentials());
        let d: Arc<dyn SwitchDriver> = match vendor {
            Vendor::Ios => Arc::new(
                IosDriver::new(creds)
                    .with_options(options())
                    .with_max_idle_sessions(1),
            ),
            Vendor::Junos => Arc::new(
                JunosDriver::new(creds)
                    .with_options(options())
                    .with_max_idle_sessions(1),
            ),
            Vendor::Eos => unreachable!("no EOS driver in kurnl-switch"),
        };
        let (pa, pb) = (a.interfaces()[0].clone(), b.interfaces()[0].clone());
        d.read_port(&sa, &pa).await.expect("read a");
        d.read_port(&sb, &pb).await.expect("read b"); // a's idle session is closed
        d.read_port(&sb, &pb).await.expect("read b again");
        d.read_port(&sa, &pa).await.expect("read a again");
        assert_eq!(b.logins(), 1, "{vendor:?}: b's session was the one kept");
        assert_eq!(
            a.logins(),
            2,
            "{vendor:?}: a's session was closed and reopened"
        );
    }
}

#[tokio::test]
async fn sessions_are_reused_unless_disabled() {
    for vendor in [Vendor::Ios, Vendor::Junos] {
        let sim = sim(vendor, |_| {}).await;
        let switch = sim.switch_record("x");
        let port = sim.interfaces()[0].clone();
        let d = driver(&sim, vendor, options());
        let logins = sim.logins();
        d.read_port(&switch, &port).await.expect("read");
        let r = d
            .apply(&switch, &[change(&port, switch_suite::provisioned(3))])
            .await
            .expect("apply");
        assert!(r[0].outcome.is_ok(), "{r:?}");
        d.read_port(&switch, &port).await.expect("read");
        assert_eq!(
            sim.logins(),
            logins + 1,
            "{vendor:?}: one connection for three operations"
        );

        let fresh = driver(
            &sim,
            vendor,
            SshOptions {
                session_reuse: None,
                ..options()
            },
        );
        let logins = sim.logins();
        fresh.read_port(&switch, &port).await.expect("read");
        fresh.read_port(&switch, &port).await.expect("read");
        assert_eq!(sim.logins(), logins + 2, "{vendor:?}: reuse disabled");

        // A changed pin never reuses a session opened under the old one.
        let mut repinned = switch.clone();
        repinned.host_key = Some(sim.fingerprint());
        let logins = sim.logins();
        d.read_port(&repinned, &port).await.expect("read");
        assert_eq!(sim.logins(), logins + 1, "{vendor:?}: new pin, new session");
    }
}

#[tokio::test]
async fn long_sessions_do_not_stall() {
    // Hundreds of lines in one session (the simulator once stalled after 100 messages).
    for vendor in [Vendor::Ios, Vendor::Junos] {
        let sim = sim(vendor, |c| *c = c.clone().with_interface_count(40)).await;
        let d = driver(&sim, vendor, options());
        let switch = sim.switch_record("x");
        let changes: Vec<PortChange> = sim
            .interfaces()
            .iter()
            .enumerate()
            .map(|(n, i)| change(i, switch_suite::provisioned(n as u16)))
            .collect();
        let r = d.apply(&switch, &changes).await.expect("apply");
        assert!(r.iter().all(|r| r.outcome.is_ok()), "{vendor:?}: {r:?}");
        for (n, i) in sim.interfaces().iter().enumerate() {
            assert_eq!(
                sim.port(i.as_str()),
                Some(switch_suite::provisioned(n as u16)),
                "{vendor:?}"
            );
        }
    }
}

/// The drift audit's read: `read_ports` returns what `read_port` returns for each port, a
/// port changed by an operator included, in one typed-ahead write (up to 16 ports) or one
/// read of the whole configuration (more), and never enters configuration mode.
#[tokio::test]
async fn read_ports_matches_read_port_in_few_commands() {
    for vendor in [Vendor::Ios, Vendor::Junos] {
        for ports in [4usize, 20] {
            let sim = sim(vendor, |c| {
                *c = SimConfig::new(vendor).with_interface_count(ports)
            })
            .await;
            let d = driver(&sim, vendor, options());
            let switch = sim.switch_record("x");
            let interfaces = sim.interfaces();
            let changes: Vec<_> = interfaces
                .iter()
                .enumerate()
                .map(|(i, iface)| change(iface, switch_suite::provisioned(i as u16 + 1)))
                .collect();
            let r = d.apply(&switch, &changes).await.expect("apply");
            assert!(r.iter().all(|p| p.outcome.is_ok()), "{vendor:?}: {r:?}");
            let tampered = interfaces[1].as_str();
            let lines: Vec<String> = match vendor {
                Vendor::Junos => vec![format!(
                    "set interfaces {tampered} description patched-by-hand"
                )],
                _ => vec![
                    format!("interface {tampered}"),
                    " description patched-by-hand".to_owned(),
                ],
            };
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            sim.operator(&refs).expect("operator change");
            let config_before = sim.full_config();

            let before = sim.commands_received();
            let many = d
                .read_ports(&switch, &interfaces)
                .await
                .expect("read_ports");
            let used = sim.commands_received() - before;
            assert_eq!(many.len(), ports);
            let limit = if ports > 16 { 3 } else { ports as u64 + 2 };
            assert!(
                used <= limit,
                "{vendor:?}, {ports} ports: {used} commands for the batched read (at most {limit})"
            );
            for (iface, read) in interfaces.iter().zip(&many) {
                let alone = d.read_port(&switch, iface).await.expect("read_port");
                assert_eq!(read.as_ref().ok(), Some(&alone), "{vendor:?} {iface}");
            }
            assert_eq!(
                many[1]
                    .as_ref()
                    .map(|p| p.description.as_str().to_owned())
                    .ok(),
                Some("patched-by-hand".to_owned()),
                "{vendor:?}: the operator's change is what is read"
            );
            assert_eq!(
                sim.full_config(),
                config_before,
                "{vendor:?}: reading changed nothing"
            );
        }
    }
}

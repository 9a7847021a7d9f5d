//! Issue 14, points 1-6: what real switches do, per the vendor command references, and the
//! drivers must cope with. Against the strict simulator over real SSH.

use std::sync::Arc;
use std::time::Duration;

use kurnl_core::model::PortConfig;
use kurnl_core::ports::{DriverError, DriverErrorKind, PortChange, SwitchDriver};
use kurnl_core::testkit::switch_suite;
use kurnl_core::types::{InterfaceName, JobId};
use kurnl_switch::sim::{InterfaceReject, SimConfig, SwitchSim, Vendor};
use kurnl_switch::{CredentialStore, Credentials, IosDriver, JunosDriver, SshOptions};

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

fn driver(sim: &SwitchSim) -> Arc<dyn SwitchDriver> {
    let creds = Arc::new(sim.credentials());
    match sim.config().vendor {
        Vendor::Ios => Arc::new(IosDriver::new(creds).with_options(options())),
        Vendor::Junos => Arc::new(JunosDriver::new(creds).with_options(options())),
        Vendor::Eos => unreachable!("no EOS driver in kurnl-switch"),
    }
}

fn change(iface: &InterfaceName, desired: PortConfig) -> PortChange {
    PortChange {
        job_id: JobId::new_random(),
        interface: iface.clone(),
        desired,
    }
}

/// Applies one change and returns its outcome (a whole-apply failure counts as the port's).
async fn apply(
    d: &dyn SwitchDriver,
    sim: &SwitchSim,
    iface: &InterfaceName,
    desired: PortConfig,
) -> Result<(), DriverError> {
    let switch = sim.switch_record("x");
    d.apply(&switch, &[change(iface, desired)])
        .await?
        .remove(0)
        .outcome
}

fn captive(sim: &SwitchSim) -> PortConfig {
    PortConfig::captive(sim.config().captive_vlan)
}

/// Provision a MAC-bound port, then cancel it: the subscriber must end on the captive VLAN.
async fn provision_then_cancel(sim: &SwitchSim, iface: &InterfaceName, what: &str) {
    let d = driver(sim);
    let desired = switch_suite::provisioned(1);
    apply(&*d, sim, iface, desired.clone())
        .await
        .unwrap_or_else(|e| panic!("{what}: provisioning {iface} failed: {e}"));
    assert_eq!(
        sim.port(iface.as_str()),
        Some(desired),
        "{what}: provisioned"
    );
    apply(&*d, sim, iface, captive(sim))
        .await
        .unwrap_or_else(|e| {
            panic!("{what}: cancel of {iface} failed (subscriber left online): {e}")
        });
    assert_eq!(
        sim.port(iface.as_str()),
        Some(captive(sim)),
        "{what}: {iface} is not back on the captive VLAN"
    );
}

/// Point 1: the Cisco reference writes `no switchport port-security violation restrict` and
/// `no switchport port-security maximum N`; the bare forms are incomplete commands.
#[tokio::test]
async fn ios_cancel_of_a_mac_bound_port_uses_the_reference_no_forms() {
    let sim = sim(Vendor::Ios, |_| {}).await;
    let iface = sim.interfaces()[0].clone();
    provision_then_cancel(&sim, &iface, "IOS plain port").await;
}

/// Point 1: a port where an operator raised the secure-MAC maximum to 2 can be provisioned
/// and cancelled.
#[tokio::test]
async fn ios_cancel_of_a_mac_bound_port_with_operator_maximum_2() {
    let sim = sim(Vendor::Ios, |_| {}).await;
    let iface = sim.interfaces()[1].clone();
    sim.operator(&[
        &format!("interface {iface}"),
        "switchport port-security maximum 2",
    ])
    .expect("operator line");
    provision_then_cancel(&sim, &iface, "IOS port with maximum 2").await;
}

/// Point 2: a rate limit on a switch where the policy objects do not exist yet.
#[tokio::test]
async fn rate_limit_on_a_switch_without_the_policy_objects() {
    for vendor in [Vendor::Ios, Vendor::Junos] {
        let sim = sim(vendor, |_| {}).await;
        let d = driver(&sim);
        let ifaces = sim.interfaces();
        let desired = switch_suite::provisioned(1);
        apply(&*d, &sim, &ifaces[0], desired.clone())
            .await
            .unwrap_or_else(|e| panic!("{vendor:?}: rate-limited provisioning failed: {e}"));
        assert_eq!(sim.port(ifaces[0].as_str()), Some(desired), "{vendor:?}");
        // Another port on the same tier reuses the objects; a re-apply converges.
        let same_tier = switch_suite::provisioned(2);
        apply(&*d, &sim, &ifaces[1], same_tier.clone())
            .await
            .unwrap_or_else(|e| panic!("{vendor:?}: second port on the tier failed: {e}"));
        apply(&*d, &sim, &ifaces[1], same_tier.clone())
            .await
            .unwrap_or_else(|e| panic!("{vendor:?}: re-apply failed: {e}"));
        assert_eq!(sim.port(ifaces[1].as_str()), Some(same_tier), "{vendor:?}");
    }
}

/// Point 3: the change is rejected and so is its undo; the result must say the port is
/// partially changed and which lines stuck.
#[tokio::test]
async fn rejected_change_and_rejected_undo_reports_the_partial_state() {
    let sim = sim(Vendor::Ios, |_| {}).await;
    let d = driver(&sim);
    let iface = sim.interfaces()[0].clone();
    let before = sim.running_config(iface.as_str());
    sim.faults(|f| f.reject_interface = Some(InterfaceReject::sticky(iface.as_str(), 1)));
    let e = apply(&*d, &sim, &iface, switch_suite::provisioned(1))
        .await
        .expect_err("rejected");
    sim.faults(|f| f.reject_interface = None);
    let after = sim.running_config(iface.as_str());
    let stuck: Vec<&String> = after.iter().filter(|l| !before.contains(l)).collect();
    assert!(
        !stuck.is_empty(),
        "the fault leaves one line applied: {after:?}"
    );
    assert_eq!(
        format!("{:?}", e.kind),
        "PartiallyApplied",
        "a change whose undo failed must not look like a clean failure: {e}"
    );
    for line in stuck {
        assert!(
            e.message.contains(line.trim()),
            "the error must name the line that stuck ({line:?}): {e}"
        );
    }
}

/// Point 4: a reset deletes only the statements kurnl set; operator statements on the port
/// stay (Junos `persistent-learning`, a scheduler map; IOS portfast and a raised maximum).
#[tokio::test]
async fn reset_leaves_operator_statements() {
    for vendor in [Vendor::Junos, Vendor::Ios] {
        let sim = sim(vendor, |_| {}).await;
        let iface = sim.interfaces()[2].clone();
        let i = iface.as_str();
        let (typed, kept): (Vec<String>, Vec<String>) = match vendor {
            Vendor::Junos => (
                vec![
                    "set class-of-service schedulers OPS-BE transmit-rate percent 50".into(),
                    "set class-of-service scheduler-maps OPS-SM forwarding-class best-effort scheduler OPS-BE".into(),
                    format!("set class-of-service interfaces {i} scheduler-map OPS-SM"),
                    format!("set switch-options interface {i}.0 persistent-learning"),
                ],
                vec![
                    format!("set class-of-service interfaces {i} scheduler-map OPS-SM"),
                    format!("set switch-options interface {i}.0 persistent-learning"),
                ],
            ),
            _ => (
                vec![
                    format!("interface {i}"),
                    "spanning-tree portfast".into(),
                    "switchport port-security maximum 2".into(),
                ],
                vec![
                    " switchport port-security maximum 2".into(),
                    " spanning-tree portfast".into(),
                ],
            ),
        };
        let typed: Vec<&str> = typed.iter().map(String::as_str).collect();
        sim.operator(&typed).expect("operator statements");
        provision_then_cancel(
            &sim,
            &iface,
            &format!("{vendor:?} with operator statements"),
        )
        .await;
        let running = sim.running_config(i);
        for line in &kept {
            assert!(
                running.contains(line),
                "{vendor:?}: reset removed {line:?} that the operator owns: {running:?}"
            );
        }
    }
}

/// Point 5: pinning the switch's RSA key works although the switch also has an ed25519 key.
#[tokio::test]
async fn rsa_pin_on_a_switch_that_also_has_ed25519() {
    for vendor in [Vendor::Ios, Vendor::Junos] {
        let sim = sim(vendor, |_| {}).await;
        let d = driver(&sim);
        for pin in [
            sim.rsa_host_key().expect("rsa key line"),
            sim.rsa_fingerprint().expect("rsa fingerprint"),
        ] {
            let mut switch = sim.switch_record("x");
            switch.host_key = Some(pin.clone());
            d.read_port(&switch, &sim.interfaces()[0])
                .await
                .unwrap_or_else(|e| panic!("{vendor:?}: RSA pin {pin:?} refused: {e}"));
        }
    }
}

/// Point 6: an enable secret with a newline is refused before anything is sent.
#[tokio::test]
async fn enable_secret_with_a_newline_is_refused_before_connecting() {
    let sim = sim(Vendor::Ios, |c| c.enable_secret = Some("en-secret".into())).await;
    let c = sim.config();
    let creds = Credentials::password(&c.username, &c.password)
        .with_enable_secret("en-secret\nshow running-config");
    let d =
        IosDriver::new(Arc::new(CredentialStore::new().with("sim", creds))).with_options(options());
    let e = d
        .read_port(&sim.switch_record("ios"), &sim.interfaces()[0])
        .await
        .expect_err("refused");
    assert!(!e.retryable, "{e}");
    assert_eq!(e.kind, DriverErrorKind::Configuration, "{e}");
    assert!(
        !e.message.contains("show running-config"),
        "secret leaked: {e}"
    );
    assert_eq!(sim.logins(), 0, "nothing may reach the switch");
    assert_eq!(sim.commands_received(), 0, "nothing may reach the switch");
}

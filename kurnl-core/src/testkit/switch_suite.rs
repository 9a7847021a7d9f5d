//! [`SwitchDriver`] conformance suite (status: ready for use).
//!
//! Every function here takes a [`SwitchFixture`] (the driver, the [`Switch`] record it talks
//! to, the interface names the suite may freely reconfigure, a [`ConformanceDevice`] side
//! door into the device and the [`KitFeatures`] the driver supports), runs one behaviour of
//! the [`SwitchDriver`] contract and panics (like an assertion) when the driver breaks it,
//! with a sentence naming the behaviour, the interface and what was expected. Each function
//! first puts the ports it uses into a known state, so the functions do not depend on each
//! other or on the initial state of the device; they do assume nobody else changes those
//! ports meanwhile.
//!
//! Besides converging ports, the suite checks what a real switch makes hard: configuration
//! an operator owns survives provisioning and reset, a rejected change leaves the port as it
//! was or is reported as partially applied, and failures are classified (auth, host key,
//! rejected command, timeout). Those cases drive the device through [`ConformanceDevice`],
//! so a driver cannot pass them by reporting success.
//!
//! Functions that compare several ports need at least [`MIN_INTERFACES`] interface names.
//!
//! The easiest way to run all of them is [`switch_conformance_tests!`](crate::switch_conformance_tests),
//! which expands to one `#[test]` per behaviour:
//!
//! ```ignore
//! mod conformance {
//!     use kurnl_core::testkit::switch_suite::SwitchFixture;
//!
//!     async fn fixture() -> SwitchFixture {
//!         // start a device or simulator, build a driver for it, wrap the device's side
//!         // door (a `ConformanceDevice`) ...
//!         # unimplemented!()
//!     }
//!
//!     kurnl_core::switch_conformance_tests!(fixture());
//! }
//! ```
//!
//! The factory expression is evaluated (and awaited) once per generated test, inside that
//! test's own multi-threaded Tokio runtime, so a simulator spawned by the factory lives exactly
//! as long as the test. The crate invoking the macro needs no Tokio dependency of its own.

use std::future::Future;

use crate::model::PortConfig;
#[cfg(doc)]
use crate::model::Switch;
#[cfg(doc)]
use crate::ports::SwitchDriver;
use crate::ports::{PortChange, PortResult};
use crate::types::{InterfaceName, JobId, Kbps, MacAddress, PortDescription, RateLimit, VlanId};

pub use super::switch_device::{ConformanceDevice, DeviceFault, KitFeatures, SwitchFixture};
pub use super::switch_faults::{
    failures_are_classified, operator_config_survives_apply_and_reset,
    rejected_change_restores_or_reports_partial, unsupported_features_are_refused,
};

/// Interface names the suite needs for the functions that compare several ports.
pub const MIN_INTERFACES: usize = 3;

/// Runs a future to completion on a fresh multi-threaded Tokio runtime (2 workers, I/O and
/// time enabled). Used by [`switch_conformance_tests!`](crate::switch_conformance_tests).
///
/// # Panics
/// If the runtime cannot be built, or if the future panics.
#[allow(clippy::expect_used)]
pub fn run<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build a tokio runtime for the switch conformance suite")
        .block_on(future)
}

#[allow(clippy::expect_used)]
fn vlan(id: u16) -> VlanId {
    VlanId::new(id).expect("valid vlan")
}

#[allow(clippy::expect_used)]
fn kbps(v: u32) -> Kbps {
    Kbps::new(v).expect("valid rate")
}

#[allow(clippy::expect_used)]
fn mac(raw: &str) -> MacAddress {
    MacAddress::parse(raw).expect("valid mac")
}

#[allow(clippy::expect_used)]
fn description(raw: &str) -> PortDescription {
    PortDescription::parse(raw).expect("valid description")
}

/// A provisioned subscriber port: VLAN `100 + n`, 50/100 Mbit/s, one static MAC, enabled.
pub fn provisioned(n: u16) -> PortConfig {
    let last = u8::try_from(n % 256).unwrap_or(0);
    PortConfig {
        vlan: vlan(100 + n),
        rate: Some(RateLimit {
            down: kbps(100_000),
            up: kbps(50_000),
        }),
        mac: Some(mac(&format!("00:11:22:33:44:{last:02x}"))),
        enabled: true,
        description: description(&format!("SUB-1234{n}")),
    }
}

/// A different plan for the same subscriber: new VLAN and rates, no MAC binding.
pub fn changed_plan(n: u16) -> PortConfig {
    PortConfig {
        vlan: vlan(200 + n),
        rate: Some(RateLimit {
            down: kbps(20_000),
            up: kbps(10_000),
        }),
        mac: None,
        enabled: true,
        description: description(&format!("SUB-5678{n}")),
    }
}

pub(crate) fn need(f: &SwitchFixture, n: usize, behaviour: &str) {
    assert!(
        f.interfaces.len() >= n,
        "switch conformance [{behaviour}]: needs at least {n} interface names, the fixture gave {}",
        f.interfaces.len()
    );
}

pub(crate) fn change(interface: &InterfaceName, desired: PortConfig) -> PortChange {
    PortChange {
        job_id: JobId::new_random(),
        interface: interface.clone(),
        desired,
    }
}

/// Applies `changes`, panicking with the behaviour's name unless every change succeeded.
pub(crate) async fn apply_ok(
    f: &SwitchFixture,
    changes: &[PortChange],
    behaviour: &str,
) -> Vec<PortResult> {
    let ports: Vec<&str> = changes.iter().map(|c| c.interface.as_str()).collect();
    let results = match f.driver.apply(&f.switch, changes).await {
        Ok(results) => results,
        Err(e) => panic!(
            "switch conformance [{behaviour}]: apply to {ports:?} on {} failed as a whole: {e}",
            f.switch.name
        ),
    };
    assert_eq!(
        results.len(),
        changes.len(),
        "switch conformance [{behaviour}]: apply to {ports:?} must return one result per change"
    );
    for (c, r) in changes.iter().zip(&results) {
        assert_eq!(
            r.job_id, c.job_id,
            "switch conformance [{behaviour}]: results must come in the order of the changes ({ports:?})"
        );
        if let Err(e) = &r.outcome {
            panic!(
                "switch conformance [{behaviour}]: the change of {} to {:?} failed: {e}",
                c.interface, c.desired
            );
        }
    }
    results
}

pub(crate) async fn set(
    f: &SwitchFixture,
    interface: &InterfaceName,
    desired: PortConfig,
    behaviour: &str,
) {
    apply_ok(f, &[change(interface, desired)], behaviour).await;
}

pub(crate) async fn read(
    f: &SwitchFixture,
    interface: &InterfaceName,
    behaviour: &str,
) -> PortConfig {
    match f.driver.read_port(&f.switch, interface).await {
        Ok(c) => c,
        Err(e) => panic!("switch conformance [{behaviour}]: read_port({interface}) failed: {e}"),
    }
}

/// Reads `interface` and panics with `what` unless it is `expected`.
pub(crate) async fn expect_port(
    f: &SwitchFixture,
    interface: &InterfaceName,
    expected: &PortConfig,
    behaviour: &str,
    what: &str,
) {
    let actual = read(f, interface, behaviour).await;
    assert!(
        actual == *expected,
        "switch conformance [{behaviour}]: {interface}: {what}\n  expected: {expected:?}\n  read back: {actual:?}"
    );
}

fn captive(f: &SwitchFixture) -> PortConfig {
    PortConfig::captive(f.switch.captive_vlan)
}

/// [`provisioned`] without what the driver does not support.
pub(crate) fn provisioned_for(f: &SwitchFixture, n: u16) -> PortConfig {
    f.features.restrict(provisioned(n))
}

/// [`changed_plan`] without what the driver does not support.
pub(crate) fn changed_plan_for(f: &SwitchFixture, n: u16) -> PortConfig {
    f.features.restrict(changed_plan(n))
}

/// Provision a port, then `read_port` returns exactly the desired state; the same for a plan
/// change (new VLAN and rates, MAC binding removed).
pub async fn apply_then_read_back_matches(f: &SwitchFixture) {
    const B: &str = "apply_then_read_back_matches";
    need(f, 1, B);
    let port = &f.interfaces[0];
    set(f, port, captive(f), B).await;

    let desired = provisioned_for(f, 1);
    set(f, port, desired.clone(), B).await;
    expect_port(
        f,
        port,
        &desired,
        B,
        "read back after provisioning differs from what was applied",
    )
    .await;

    let desired = changed_plan_for(f, 1);
    set(f, port, desired.clone(), B).await;
    expect_port(
        f,
        port,
        &desired,
        B,
        "read back after a change of plan differs from the new plan",
    )
    .await;
}

/// Applying the same desired state twice leaves the port as after the first apply, and both
/// applies succeed.
pub async fn apply_is_idempotent(f: &SwitchFixture) {
    const B: &str = "apply_is_idempotent";
    need(f, 1, B);
    let port = &f.interfaces[0];
    let desired = provisioned_for(f, 2);
    set(f, port, desired.clone(), B).await;
    let first = read(f, port, B).await;
    let lines = f.device.config_lines(port).await;
    set(f, port, desired.clone(), B).await;
    expect_port(
        f,
        port,
        &first,
        B,
        "the second identical apply changed the port",
    )
    .await;
    expect_port(
        f,
        port,
        &desired,
        B,
        "the port is not in the state applied twice",
    )
    .await;
    let again = f.device.config_lines(port).await;
    assert!(
        lines == again,
        "switch conformance [{B}]: {port}: the second identical apply changed the device's configuration\n  after the first: {lines:?}\n  after the second: {again:?}"
    );

    // Idempotent in the captive state too (deleting what is not there must not fail).
    set(f, port, captive(f), B).await;
    set(f, port, captive(f), B).await;
    expect_port(
        f,
        port,
        &captive(f),
        B,
        "applying the captive state twice did not leave the captive state",
    )
    .await;
}

/// Deprovisioning a provisioned (even suspended) port puts it back on the captive VLAN with
/// no limits, no MAC binding, enabled, described `CAPTIVE`.
pub async fn deprovision_resets_to_captive(f: &SwitchFixture) {
    const B: &str = "deprovision_resets_to_captive";
    need(f, 1, B);
    let port = &f.interfaces[0];
    let mut suspended = provisioned_for(f, 3);
    suspended.enabled = false;
    set(f, port, suspended.clone(), B).await;
    expect_port(
        f,
        port,
        &suspended,
        B,
        "the suspended subscriber port does not read back as applied",
    )
    .await;

    set(f, port, captive(f), B).await;
    expect_port(f, port, &captive(f), B, "the deprovisioned port is not in the captive state (captive VLAN, no limits, no MAC, enabled, CAPTIVE)").await;
}

/// Suspending disables the port and keeps everything else; reactivating restores the exact
/// previous state.
pub async fn suspend_disables_and_reactivate_restores(f: &SwitchFixture) {
    const B: &str = "suspend_disables_and_reactivate_restores";
    need(f, 1, B);
    let port = &f.interfaces[0];
    let active = provisioned_for(f, 4);
    set(f, port, active.clone(), B).await;

    let suspended = PortConfig {
        enabled: false,
        ..active.clone()
    };
    set(f, port, suspended.clone(), B).await;
    expect_port(
        f,
        port,
        &suspended,
        B,
        "suspend must disable the port and change nothing else",
    )
    .await;

    set(f, port, active.clone(), B).await;
    expect_port(
        f,
        port,
        &active,
        B,
        "reactivate did not restore the active state",
    )
    .await;
}

/// One `apply` with several changes (different ports, different kinds of change) returns one
/// successful result per change, in order, and every port ends in its own desired state.
pub async fn batch_applies_each_port_with_per_port_results(f: &SwitchFixture) {
    const B: &str = "batch_applies_each_port_with_per_port_results";
    need(f, MIN_INTERFACES, B);
    let ports = &f.interfaces[..MIN_INTERFACES];
    // Start: port 0 captive, port 1 provisioned, port 2 provisioned.
    let setup = [
        change(&ports[0], captive(f)),
        change(&ports[1], provisioned_for(f, 5)),
        change(&ports[2], provisioned_for(f, 6)),
    ];
    apply_ok(f, &setup, B).await;

    let desired = [
        provisioned_for(f, 7),
        PortConfig {
            enabled: false,
            ..provisioned_for(f, 5)
        },
        captive(f),
    ];
    let batch: Vec<PortChange> = ports
        .iter()
        .zip(&desired)
        .map(|(p, d)| change(p, d.clone()))
        .collect();
    apply_ok(f, &batch, B).await;
    for (p, d) in ports.iter().zip(&desired) {
        expect_port(
            f,
            p,
            d,
            B,
            "the port is not in its own desired state after a batch of three",
        )
        .await;
    }

    // A batch may name the same port more than once; the last change wins.
    let twice = [
        change(&ports[0], provisioned_for(f, 8)),
        change(&ports[0], changed_plan_for(f, 8)),
    ];
    apply_ok(f, &twice, B).await;
    expect_port(
        f,
        &ports[0],
        &changed_plan_for(f, 8),
        B,
        "a batch naming the port twice must leave the last change",
    )
    .await;

    // An empty batch is fine and returns no results.
    let none = match f.driver.apply(&f.switch, &[]).await {
        Ok(r) => r,
        Err(e) => panic!("switch conformance [{B}]: an empty apply failed: {e}"),
    };
    assert!(
        none.is_empty(),
        "switch conformance [{B}]: an empty apply returned results: {none:?}"
    );
}

/// Changing one port leaves the others exactly as they were.
pub async fn untouched_ports_unchanged(f: &SwitchFixture) {
    const B: &str = "untouched_ports_unchanged";
    need(f, MIN_INTERFACES, B);
    let ports = &f.interfaces[..MIN_INTERFACES];
    let setup = [
        change(&ports[0], captive(f)),
        change(&ports[1], provisioned_for(f, 9)),
        change(
            &ports[2],
            PortConfig {
                enabled: false,
                ..changed_plan_for(f, 9)
            },
        ),
    ];
    apply_ok(f, &setup, B).await;
    let before = [
        f.device.config_lines(&ports[1]).await,
        f.device.config_lines(&ports[2]).await,
    ];

    set(f, &ports[0], provisioned_for(f, 10), B).await;
    set(f, &ports[0], captive(f), B).await;

    for (p, before) in ports[1..].iter().zip(before) {
        let after = f.device.config_lines(p).await;
        assert!(
            before == after,
            "switch conformance [{B}]: changing {} touched {p}\n  before: {before:?}\n  after: {after:?}",
            ports[0]
        );
    }
}

/// Every behaviour of the suite, in order. Handy for running them all against one fixture.
pub async fn run_all(f: &SwitchFixture) {
    apply_then_read_back_matches(f).await;
    apply_is_idempotent(f).await;
    deprovision_resets_to_captive(f).await;
    suspend_disables_and_reactivate_restores(f).await;
    batch_applies_each_port_with_per_port_results(f).await;
    untouched_ports_unchanged(f).await;
    operator_config_survives_apply_and_reset(f).await;
    unsupported_features_are_refused(f).await;
    rejected_change_restores_or_reports_partial(f).await;
    failures_are_classified(f).await;
}

/// Expands to one `#[test]` per behaviour of the [`SwitchDriver`] conformance suite
/// ([`crate::testkit::switch_suite`]).
///
/// The argument is an expression evaluating to a future whose output is a
/// [`SwitchFixture`](crate::testkit::switch_suite::SwitchFixture) (at least
/// [`MIN_INTERFACES`](crate::testkit::switch_suite::MIN_INTERFACES) interface names and a
/// [`ConformanceDevice`](crate::testkit::switch_suite::ConformanceDevice)). It is evaluated
/// and awaited once per test, on the test's own Tokio runtime, so every test gets a fresh
/// device and driver. Invoke the macro inside a module of its own so the generated test names
/// do not clash. The expansion names only `$crate` paths and `std`, so it works from any crate
/// that depends on `kurnl-core` with the `testkit` feature (or on a facade re-exporting it).
///
/// ```ignore
/// mod ios_conformance {
///     async fn fixture() -> kurnl_core::testkit::switch_suite::SwitchFixture {
///         /* ... */
///         # unimplemented!()
///     }
///     kurnl_core::switch_conformance_tests!(fixture());
/// }
/// ```
#[macro_export]
macro_rules! switch_conformance_tests {
    ($factory:expr) => {
        $crate::switch_conformance_tests!(@each ($factory)
            apply_then_read_back_matches
            apply_is_idempotent
            deprovision_resets_to_captive
            suspend_disables_and_reactivate_restores
            batch_applies_each_port_with_per_port_results
            untouched_ports_unchanged
            operator_config_survives_apply_and_reset
            unsupported_features_are_refused
            rejected_change_restores_or_reports_partial
            failures_are_classified
        );
    };
    (@each ($factory:expr) $($name:ident)*) => {
        $(
            #[test]
            fn $name() {
                $crate::testkit::switch_suite::run(async {
                    let fixture: $crate::testkit::switch_suite::SwitchFixture = $factory.await;
                    $crate::testkit::switch_suite::$name(&fixture).await;
                });
            }
        )*
    };
}

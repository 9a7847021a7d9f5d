//! [`SwitchDriver`] conformance suite (status: ready for use).
//!
//! Every function here takes a driver, the [`Switch`] record it talks to and the interface
//! names the suite may freely reconfigure, runs one behaviour of the [`SwitchDriver`] contract
//! and panics (like an assertion) when the driver breaks it. Each function first puts the
//! ports it uses into a known state, so the functions do not depend on each other or on the
//! initial state of the device; they do assume nobody else changes those ports meanwhile.
//!
//! Functions that compare several ports need at least [`MIN_INTERFACES`] interface names.
//!
//! The easiest way to run all of them is [`switch_conformance_tests!`](crate::switch_conformance_tests),
//! which expands to one `#[test]` per behaviour:
//!
//! ```ignore
//! mod conformance {
//!     use std::sync::Arc;
//!     use kurnl_core::model::Switch;
//!     use kurnl_core::ports::SwitchDriver;
//!     use kurnl_core::types::InterfaceName;
//!
//!     async fn fixture() -> (Arc<dyn SwitchDriver>, Switch, Vec<InterfaceName>) {
//!         // start a device or simulator, build a driver for it ...
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

use crate::model::{PortConfig, Switch};
use crate::ports::{PortChange, PortResult, SwitchDriver};
use crate::types::{InterfaceName, JobId, Kbps, MacAddress, PortDescription, RateLimit, VlanId};

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

fn need(interfaces: &[InterfaceName], n: usize, what: &str) {
    assert!(
        interfaces.len() >= n,
        "switch conformance: {what} needs at least {n} interface names, the fixture gave {}",
        interfaces.len()
    );
}

fn change(interface: &InterfaceName, desired: PortConfig) -> PortChange {
    PortChange {
        job_id: JobId::new_random(),
        interface: interface.clone(),
        desired,
    }
}

async fn apply_ok(
    driver: &dyn SwitchDriver,
    switch: &Switch,
    changes: &[PortChange],
) -> Vec<PortResult> {
    let results = match driver.apply(switch, changes).await {
        Ok(results) => results,
        Err(e) => panic!("switch conformance: apply failed as a whole: {e}"),
    };
    assert_eq!(
        results.len(),
        changes.len(),
        "switch conformance: apply must return one result per change"
    );
    for (c, r) in changes.iter().zip(&results) {
        assert_eq!(
            r.job_id, c.job_id,
            "switch conformance: results must be in the order of the changes"
        );
        if let Err(e) = &r.outcome {
            panic!("switch conformance: change of {} failed: {e}", c.interface);
        }
    }
    results
}

async fn set(
    driver: &dyn SwitchDriver,
    switch: &Switch,
    interface: &InterfaceName,
    desired: PortConfig,
) {
    apply_ok(driver, switch, &[change(interface, desired)]).await;
}

async fn read(driver: &dyn SwitchDriver, switch: &Switch, interface: &InterfaceName) -> PortConfig {
    match driver.read_port(switch, interface).await {
        Ok(c) => c,
        Err(e) => panic!("switch conformance: read_port({interface}) failed: {e}"),
    }
}

/// Provision a port, then `read_port` returns exactly the desired state; the same for a plan
/// change (new VLAN and rates, MAC binding removed).
pub async fn apply_then_read_back_matches(
    driver: &dyn SwitchDriver,
    switch: &Switch,
    interfaces: &[InterfaceName],
) {
    need(interfaces, 1, "apply_then_read_back_matches");
    let port = &interfaces[0];
    set(
        driver,
        switch,
        port,
        PortConfig::captive(switch.captive_vlan),
    )
    .await;

    let desired = provisioned(1);
    set(driver, switch, port, desired.clone()).await;
    assert_eq!(
        read(driver, switch, port).await,
        desired,
        "read back after provision"
    );

    let desired = changed_plan(1);
    set(driver, switch, port, desired.clone()).await;
    assert_eq!(
        read(driver, switch, port).await,
        desired,
        "read back after change of plan"
    );
}

/// Applying the same desired state twice leaves the port as after the first apply, and both
/// applies succeed.
pub async fn apply_is_idempotent(
    driver: &dyn SwitchDriver,
    switch: &Switch,
    interfaces: &[InterfaceName],
) {
    need(interfaces, 1, "apply_is_idempotent");
    let port = &interfaces[0];
    let desired = provisioned(2);
    set(driver, switch, port, desired.clone()).await;
    let first = read(driver, switch, port).await;
    set(driver, switch, port, desired.clone()).await;
    let second = read(driver, switch, port).await;
    assert_eq!(first, second, "second identical apply changed the port");
    assert_eq!(second, desired);

    // Idempotent in the captive state too (deleting what is not there must not fail).
    let captive = PortConfig::captive(switch.captive_vlan);
    set(driver, switch, port, captive.clone()).await;
    set(driver, switch, port, captive.clone()).await;
    assert_eq!(read(driver, switch, port).await, captive);
}

/// Deprovisioning a provisioned (even suspended) port puts it back on the captive VLAN with
/// no limits, no MAC binding, enabled, described `CAPTIVE`.
pub async fn deprovision_resets_to_captive(
    driver: &dyn SwitchDriver,
    switch: &Switch,
    interfaces: &[InterfaceName],
) {
    need(interfaces, 1, "deprovision_resets_to_captive");
    let port = &interfaces[0];
    let mut suspended = provisioned(3);
    suspended.enabled = false;
    set(driver, switch, port, suspended.clone()).await;
    assert_eq!(read(driver, switch, port).await, suspended);

    let captive = PortConfig::captive(switch.captive_vlan);
    set(driver, switch, port, captive.clone()).await;
    let actual = read(driver, switch, port).await;
    assert_eq!(
        actual, captive,
        "deprovisioned port is not in the captive state"
    );
    assert_eq!(actual.vlan, switch.captive_vlan);
    assert!(actual.rate.is_none() && actual.mac.is_none() && actual.enabled);
}

/// Suspending disables the port and keeps everything else; reactivating restores the exact
/// previous state.
pub async fn suspend_disables_and_reactivate_restores(
    driver: &dyn SwitchDriver,
    switch: &Switch,
    interfaces: &[InterfaceName],
) {
    need(interfaces, 1, "suspend_disables_and_reactivate_restores");
    let port = &interfaces[0];
    let active = provisioned(4);
    set(driver, switch, port, active.clone()).await;

    let suspended = PortConfig {
        enabled: false,
        ..active.clone()
    };
    set(driver, switch, port, suspended.clone()).await;
    let actual = read(driver, switch, port).await;
    assert!(!actual.enabled, "suspended port is still enabled");
    assert_eq!(
        actual, suspended,
        "suspend changed more than the admin state"
    );

    set(driver, switch, port, active.clone()).await;
    assert_eq!(
        read(driver, switch, port).await,
        active,
        "reactivate did not restore the port"
    );
}

/// One `apply` with several changes (different ports, different kinds of change) returns one
/// successful result per change, in order, and every port ends in its own desired state.
pub async fn batch_applies_each_port_with_per_port_results(
    driver: &dyn SwitchDriver,
    switch: &Switch,
    interfaces: &[InterfaceName],
) {
    need(
        interfaces,
        MIN_INTERFACES,
        "batch_applies_each_port_with_per_port_results",
    );
    let ports = &interfaces[..MIN_INTERFACES];
    // Start: port 0 captive, port 1 provisioned, port 2 provisioned.
    let setup = [
        change(&ports[0], PortConfig::captive(switch.captive_vlan)),
        change(&ports[1], provisioned(5)),
        change(&ports[2], provisioned(6)),
    ];
    apply_ok(driver, switch, &setup).await;

    let desired = [
        provisioned(7),
        PortConfig {
            enabled: false,
            ..provisioned(5)
        },
        PortConfig::captive(switch.captive_vlan),
    ];
    let batch: Vec<PortChange> = ports
        .iter()
        .zip(&desired)
        .map(|(p, d)| change(p, d.clone()))
        .collect();
    let results = apply_ok(driver, switch, &batch).await;
    assert_eq!(results.len(), 3);
    for (p, d) in ports.iter().zip(&desired) {
        assert_eq!(
            &read(driver, switch, p).await,
            d,
            "port {p} after the batch"
        );
    }

    // A batch may name the same port more than once; the last change wins.
    let twice = [
        change(&ports[0], provisioned(8)),
        change(&ports[0], changed_plan(8)),
    ];
    apply_ok(driver, switch, &twice).await;
    assert_eq!(
        read(driver, switch, &ports[0]).await,
        changed_plan(8),
        "last change of a port in a batch must win"
    );

    // An empty batch is fine and returns no results.
    let none = match driver.apply(switch, &[]).await {
        Ok(r) => r,
        Err(e) => panic!("switch conformance: empty apply failed: {e}"),
    };
    assert!(none.is_empty(), "empty apply returned results");
}

/// Changing one port leaves the others exactly as they were.
pub async fn untouched_ports_unchanged(
    driver: &dyn SwitchDriver,
    switch: &Switch,
    interfaces: &[InterfaceName],
) {
    need(interfaces, MIN_INTERFACES, "untouched_ports_unchanged");
    let ports = &interfaces[..MIN_INTERFACES];
    let setup = [
        change(&ports[0], PortConfig::captive(switch.captive_vlan)),
        change(&ports[1], provisioned(9)),
        change(
            &ports[2],
            PortConfig {
                enabled: false,
                ..changed_plan(9)
            },
        ),
    ];
    apply_ok(driver, switch, &setup).await;
    let before = [
        read(driver, switch, &ports[1]).await,
        read(driver, switch, &ports[2]).await,
    ];

    set(driver, switch, &ports[0], provisioned(10)).await;
    set(
        driver,
        switch,
        &ports[0],
        PortConfig::captive(switch.captive_vlan),
    )
    .await;

    let after = [
        read(driver, switch, &ports[1]).await,
        read(driver, switch, &ports[2]).await,
    ];
    assert_eq!(before, after, "changing {} touched other ports", ports[0]);
}

/// Every behaviour of the suite, in order. Handy for running them all against one fixture.
pub async fn run_all(driver: &dyn SwitchDriver, switch: &Switch, interfaces: &[InterfaceName]) {
    apply_then_read_back_matches(driver, switch, interfaces).await;
    apply_is_idempotent(driver, switch, interfaces).await;
    deprovision_resets_to_captive(driver, switch, interfaces).await;
    suspend_disables_and_reactivate_restores(driver, switch, interfaces).await;
    batch_applies_each_port_with_per_port_results(driver, switch, interfaces).await;
    untouched_ports_unchanged(driver, switch, interfaces).await;
}

/// Expands to one `#[test]` per behaviour of the [`SwitchDriver`] conformance suite
/// ([`crate::testkit::switch_suite`]).
///
/// The argument is an expression evaluating to a future whose output is
/// `(Arc<dyn SwitchDriver>, Switch, Vec<InterfaceName>)` (at least
/// [`MIN_INTERFACES`](crate::testkit::switch_suite::MIN_INTERFACES) names). It is evaluated
/// and awaited once per test, on the test's own Tokio runtime. Invoke the macro inside a module
/// of its own so the generated test names do not clash:
///
/// ```ignore
/// mod ios_conformance {
///     async fn fixture() -> (std::sync::Arc<dyn kurnl_core::ports::SwitchDriver>, kurnl_core::model::Switch, Vec<kurnl_core::types::InterfaceName>) {
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
        );
    };
    (@each ($factory:expr) $($name:ident)*) => {
        $(
            #[test]
            fn $name() {
                $crate::testkit::switch_suite::run(async {
                    let (driver, switch, interfaces): (
                        ::std::sync::Arc<dyn $crate::ports::SwitchDriver>,
                        $crate::model::Switch,
                        ::std::vec::Vec<$crate::types::InterfaceName>,
                    ) = $factory.await;
                    $crate::testkit::switch_suite::$name(&*driver, &switch, &interfaces).await;
                });
            }
        )*
    };
}

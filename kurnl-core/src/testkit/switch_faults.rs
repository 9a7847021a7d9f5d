//! Conformance cases that need the device's side door ([`ConformanceDevice`]): operator
//! configuration, unsupported features, rejected changes and failure classification.

use super::switch_device::{ConformanceDevice, DeviceFault, SwitchFixture};
use super::switch_suite::{
    apply_ok, change, changed_plan_for, expect_port, need, provisioned, provisioned_for, set,
};
use crate::model::PortConfig;
use crate::ports::{DriverError, DriverErrorKind};
use crate::types::InterfaceName;

/// A syntactically valid `SHA256:` fingerprint that no real key has.
const WRONG_FINGERPRINT: &str = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// The name of the error kind a driver must use when a failed change could not be undone.
const PARTIALLY_APPLIED: &str = "PartiallyApplied";

fn is_partially_applied(kind: DriverErrorKind) -> bool {
    format!("{kind:?}") == PARTIALLY_APPLIED
}

async fn missing_lines(
    device: &dyn ConformanceDevice,
    port: &InterfaceName,
    wanted: &[String],
) -> Vec<String> {
    let lines = device.config_lines(port).await;
    wanted
        .iter()
        .filter(|w| !lines.contains(w))
        .cloned()
        .collect()
}

/// Configuration an operator put on a managed port (statements kurnl does not manage) does
/// not stop provisioning, a plan change or a reset, and survives all three: the driver
/// changes only the statements it owns.
pub async fn operator_config_survives_apply_and_reset(f: &SwitchFixture) {
    const B: &str = "operator_config_survives_apply_and_reset";
    need(f, 1, B);
    let port = &f.interfaces[0];
    let captive = PortConfig::captive(f.switch.captive_vlan);
    set(f, port, captive.clone(), B).await;
    let operator = f.device.add_operator_config(port).await;
    assert!(
        !operator.is_empty(),
        "switch conformance [{B}]: the fixture's add_operator_config({port}) returned no lines"
    );
    let missing = missing_lines(&*f.device, port, &operator).await;
    assert!(
        missing.is_empty(),
        "switch conformance [{B}]: {port}: the device does not show the operator lines it was given: {missing:?}"
    );
    for (step, desired) in [
        ("provisioning", provisioned_for(f, 11)),
        ("a change of plan", changed_plan_for(f, 11)),
        ("a reset to the captive state", captive),
    ] {
        set(f, port, desired.clone(), B).await;
        expect_port(
            f,
            port,
            &desired,
            B,
            &format!("{step} over operator configuration did not converge"),
        )
        .await;
        let missing = missing_lines(&*f.device, port, &operator).await;
        assert!(
            missing.is_empty(),
            "switch conformance [{B}]: {port}: {step} removed configuration kurnl does not own: {missing:?}"
        );
    }
}

/// A driver that does not support rate limits or MAC binding (see
/// [`KitFeatures`](crate::testkit::switch_suite::KitFeatures)) refuses a change that asks for them
/// with a permanent `Unsupported` error and leaves the port as it was; a driver that supports
/// them reads them back.
pub async fn unsupported_features_are_refused(f: &SwitchFixture) {
    const B: &str = "unsupported_features_are_refused";
    need(f, 1, B);
    let port = &f.interfaces[0];
    let captive = PortConfig::captive(f.switch.captive_vlan);
    let full = provisioned(12);
    let cases = [
        (
            "rate limits",
            f.features.rate_limits,
            PortConfig {
                mac: None,
                ..full.clone()
            },
        ),
        (
            "MAC binding",
            f.features.mac_binding,
            PortConfig { rate: None, ..full },
        ),
    ];
    for (what, supported, desired) in cases {
        set(f, port, captive.clone(), B).await;
        if supported {
            set(f, port, desired.clone(), B).await;
            expect_port(
                f,
                port,
                &desired,
                B,
                &format!("the driver supports {what} but does not read them back"),
            )
            .await;
            continue;
        }
        let e = port_error(
            f,
            &[change(port, desired)],
            B,
            &format!("does not support {what} (a permanent Unsupported error expected)"),
        )
        .await;
        assert!(
            e.kind == DriverErrorKind::Unsupported && !e.retryable,
            "switch conformance [{B}]: {port}: a change asking for {what}, which the driver does not support, must fail with a permanent Unsupported error, got {e}"
        );
        expect_port(
            f,
            port,
            &captive,
            B,
            &format!("a refused change asking for {what} changed the port"),
        )
        .await;
    }
}

/// The error of the first change of `changes`, whether `apply` failed as a whole or for that
/// port.
async fn port_error(
    f: &SwitchFixture,
    changes: &[crate::ports::PortChange],
    behaviour: &str,
    fault: &str,
) -> DriverError {
    let iface = &changes[0].interface;
    match f.driver.apply(&f.switch, changes).await {
        Err(e) => e,
        Ok(results) => match results.first().map(|r| r.outcome.clone()) {
            Some(Err(e)) => e,
            Some(Ok(())) => panic!(
                "switch conformance [{behaviour}]: {iface}: the change succeeded although the device {fault}"
            ),
            None => panic!("switch conformance [{behaviour}]: {iface}: apply returned no result"),
        },
    }
}

/// When the device rejects a line of a change, the port's result is a permanent error and
/// the other ports of the batch still converge. If the driver's undo is accepted the port
/// is exactly as before; if the undo is rejected too, the port is either as before (atomic
/// devices) or the error kind says `PartiallyApplied`, so nobody mistakes a half-changed
/// port for a clean failure. Afterwards the port can be provisioned normally.
pub async fn rejected_change_restores_or_reports_partial(f: &SwitchFixture) {
    const B: &str = "rejected_change_restores_or_reports_partial";
    need(f, 2, B);
    let (port, other) = (&f.interfaces[0], &f.interfaces[1]);
    let captive = PortConfig::captive(f.switch.captive_vlan);
    apply_ok(
        f,
        &[
            change(port, captive.clone()),
            change(other, captive.clone()),
        ],
        B,
    )
    .await;
    let before = f.device.config_lines(port).await;

    f.device
        .inject(DeviceFault::RejectChange(port.clone()))
        .await;
    let batch = [
        change(port, provisioned_for(f, 13)),
        change(other, provisioned_for(f, 14)),
    ];
    let results = match f.driver.apply(&f.switch, &batch).await {
        Ok(r) => r,
        Err(e) => panic!(
            "switch conformance [{B}]: a rejected line of {port} must fail that port's result, not the whole apply: {e}"
        ),
    };
    f.device.clear_faults().await;
    let e = match results.first().map(|r| r.outcome.clone()) {
        Some(Err(e)) => e,
        other => panic!(
            "switch conformance [{B}]: {port}: the device rejected a line but the result is {other:?}"
        ),
    };
    assert!(
        e.kind == DriverErrorKind::CommandRejected && !e.retryable,
        "switch conformance [{B}]: {port}: a rejected line whose undo succeeded must give a permanent CommandRejected error, got {e}"
    );
    let after = f.device.config_lines(port).await;
    assert!(
        after == before,
        "switch conformance [{B}]: {port}: the change was rejected but the port was not restored\n  before: {before:?}\n  after: {after:?}"
    );
    assert!(
        results.get(1).is_some_and(|r| r.outcome.is_ok()),
        "switch conformance [{B}]: {other}: a rejected change of {port} stopped the other port of the batch: {:?}",
        results.get(1)
    );
    expect_port(
        f,
        other,
        &provisioned_for(f, 14),
        B,
        "the other port of a batch with a rejected change did not converge",
    )
    .await;

    f.device
        .inject(DeviceFault::RejectChangeAndUndo(port.clone()))
        .await;
    let e = port_error(
        f,
        &[change(port, provisioned_for(f, 15))],
        B,
        "rejected its lines and their undo",
    )
    .await;
    f.device.clear_faults().await;
    let after = f.device.config_lines(port).await;
    if after == before {
        assert!(
            e.kind == DriverErrorKind::CommandRejected || is_partially_applied(e.kind),
            "switch conformance [{B}]: {port}: a rejected change must be reported as CommandRejected, got {e}"
        );
    } else {
        assert!(
            is_partially_applied(e.kind),
            "switch conformance [{B}]: {port}: the change and its undo were rejected and the port is left changed, but the error does not say so ({PARTIALLY_APPLIED} expected), got {e}\n  before: {before:?}\n  after: {after:?}"
        );
    }

    set(f, port, provisioned_for(f, 16), B).await;
    expect_port(
        f,
        port,
        &provisioned_for(f, 16),
        B,
        "after a rejected change the port could not be provisioned normally",
    )
    .await;
}

/// Failures carry the right kind and retry status: a refused login is a permanent `Auth`
/// error, a host key that does not match the pin a permanent `HostKey` error, a rejected
/// line a permanent `CommandRejected` error in the port's result, an unresponsive device a
/// retryable `Timeout`. After each fault is cleared the driver works again.
pub async fn failures_are_classified(f: &SwitchFixture) {
    const B: &str = "failures_are_classified";
    need(f, 1, B);
    let port = &f.interfaces[0];
    let captive = PortConfig::captive(f.switch.captive_vlan);

    // The login is refused before any session exists (each case has a fresh fixture).
    f.device.inject(DeviceFault::RefuseLogin).await;
    let e = port_error(f, &[change(port, captive.clone())], B, "refused the login").await;
    f.device.clear_faults().await;
    assert!(
        e.kind == DriverErrorKind::Auth && !e.retryable,
        "switch conformance [{B}]: {port}: a refused login must be a permanent Auth error, got {e}"
    );

    let mut wrong = f.switch.clone();
    wrong.host_key = Some(WRONG_FINGERPRINT.to_owned());
    let e = match f
        .driver
        .apply(&wrong, &[change(port, captive.clone())])
        .await
    {
        Err(e) => e,
        Ok(r) => match r.first().map(|r| r.outcome.clone()) {
            Some(Err(e)) => e,
            other => panic!(
                "switch conformance [{B}]: {port}: a switch whose host key does not match the pin was configured: {other:?}"
            ),
        },
    };
    assert!(
        e.kind == DriverErrorKind::HostKey && !e.retryable,
        "switch conformance [{B}]: {port}: a host key that does not match the pin must be a permanent HostKey error, got {e}"
    );

    set(f, port, captive.clone(), B).await;
    f.device
        .inject(DeviceFault::RejectChange(port.clone()))
        .await;
    let e = port_error(
        f,
        &[change(port, provisioned_for(f, 17))],
        B,
        "rejected one of its lines",
    )
    .await;
    f.device.clear_faults().await;
    assert!(
        e.kind == DriverErrorKind::CommandRejected && !e.retryable,
        "switch conformance [{B}]: {port}: a rejected line must be a permanent CommandRejected error, got {e}"
    );

    f.device.inject(DeviceFault::Unresponsive).await;
    let e = port_error(
        f,
        &[change(port, provisioned_for(f, 18))],
        B,
        "stopped answering",
    )
    .await;
    f.device.clear_faults().await;
    assert!(
        e.kind == DriverErrorKind::Timeout && e.retryable,
        "switch conformance [{B}]: {port}: a device that stops answering must give a retryable Timeout error, got {e}"
    );

    set(f, port, provisioned_for(f, 19), B).await;
    expect_port(
        f,
        port,
        &provisioned_for(f, 19),
        B,
        "after the faults were cleared the driver did not converge the port",
    )
    .await;
}

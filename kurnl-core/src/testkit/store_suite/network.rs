//! The operator's network calls: a switch's ports with their state, deletes refused while
//! something uses the port, disabled switches left out of claims, units with their status.
//!
//! The tests that claim hold the suite's queue lock and run their clock in the 2030s.

use super::fixtures::{
    at, expect_conflict, expect_not_found, new_unit, ok, queue_time, random_location_hash,
    subscription, subscription_with_job, with_status, world,
};
use super::queue::{claim_ours, finish, ids, request};
use super::queue_lock;
use crate::model::Location;
use crate::ports::{ConflictKind, Store, UnitStatus, WriteSet};
use crate::types::{SubscriptionStatus, SwitchId};

/// [`Store::list_ports`], [`Store::delete_port`] and [`Store::delete_switch`].
pub async fn network_ports_and_deletes(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 2, 1).await;
    let t = queue_time();
    let hash = random_location_hash();
    let location = Location {
        hash: hash.clone(),
        port: w.ports[0],
        building_id: None,
        unit_id: None,
    };
    ok(store.put_location(&location).await, "put_location");
    let (sub, job) = subscription_with_job(store, &w, w.ports[0], at(t, 1), t).await;
    let claim = claim_ours(store, &request(at(t, 2), 5), &[w.switch]).await;
    let claim =
        claim.unwrap_or_else(|| panic!("store conformance: the port's job is not claimable"));
    finish(store, claim.lease, &ids(&claim.jobs), at(t, 3)).await;

    let ports = ok(store.list_ports(w.switch).await, "list_ports");
    assert_eq!(
        ports.iter().map(|p| p.port.port).collect::<Vec<_>>(),
        w.ports,
        "store conformance: list_ports lists the switch's ports in port order"
    );
    assert_eq!(
        ports[0].locations,
        vec![hash.clone()],
        "store conformance: the port's locations"
    );
    assert_eq!(
        ports[0].live_subscription.as_ref().map(|s| s.id),
        Some(sub.id),
        "store conformance: the port's live subscription"
    );
    assert_eq!(
        ports[0].last_applied,
        Some((job.desired.clone(), at(t, 3))),
        "store conformance: the desired state of the port's last completed job, and when"
    );
    assert!(
        ports[1].locations.is_empty()
            && ports[1].live_subscription.is_none()
            && ports[1].last_applied.is_none(),
        "store conformance: an unused port has no location, subscription or applied state"
    );
    assert!(
        ok(store.list_ports(SwitchId::new_random()).await, "list_ports").is_empty(),
        "store conformance: an unknown switch has no ports"
    );

    expect_conflict(
        store.delete_port(w.ports[0]).await,
        ConflictKind::InUse,
        "delete_port of a port with a live subscription",
    );
    expect_conflict(
        store.delete_switch(w.switch).await,
        ConflictKind::InUse,
        "delete_switch with a live subscription",
    );
    assert!(
        ok(store.get_location(&hash).await, "get_location").is_some(),
        "store conformance: a refused delete deletes nothing"
    );
    ok(
        store.delete_port(w.ports[1]).await,
        "delete_port of an unused port",
    );
    assert_eq!(ok(store.get_port(w.ports[1]).await, "get_port"), None);
    expect_not_found(store.delete_port(w.ports[1]).await, "delete_port twice");

    let writes = WriteSet {
        subscription_update: Some(with_status(&sub, SubscriptionStatus::Cancelled)),
        ..WriteSet::default()
    };
    ok(store.commit(writes).await, "cancel the subscription");
    ok(
        store.delete_switch(w.switch).await,
        "delete_switch once nothing uses it",
    );
    assert_eq!(ok(store.get_switch(w.switch).await, "get_switch"), None);
    assert_eq!(ok(store.get_port(w.ports[0]).await, "get_port"), None);
    assert_eq!(
        ok(store.get_location(&hash).await, "get_location"),
        None,
        "store conformance: a deleted switch takes its ports' locations with it"
    );
    expect_not_found(store.delete_switch(w.switch).await, "delete_switch twice");

    // An unfinished job alone keeps a port in use.
    let w = world(store, 1, 1).await;
    let late = at(t, 10_000);
    let (sub, _) = subscription_with_job(store, &w, w.ports[0], at(t, 5), late).await;
    let writes = WriteSet {
        subscription_update: Some(with_status(&sub, SubscriptionStatus::Cancelled)),
        ..WriteSet::default()
    };
    ok(store.commit(writes).await, "cancel the second subscription");
    expect_conflict(
        store.delete_port(w.ports[0]).await,
        ConflictKind::InUse,
        "delete_port of a port with a pending job",
    );
}

/// A disabled switch keeps its queue, but no claim takes its jobs until it is enabled.
pub async fn disabled_switch_is_not_claimed(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 1, 1).await;
    let t = queue_time();
    let (_, job) = subscription_with_job(store, &w, w.ports[0], at(t, 1), t).await;
    let mut sw = ok(store.get_switch(w.switch).await, "get_switch")
        .unwrap_or_else(|| panic!("store conformance: the switch is missing"));
    sw.disabled = true;
    ok(store.put_switch(&sw).await, "put_switch (disabled)");
    assert!(
        ok(store.get_switch(w.switch).await, "get_switch").is_some_and(|s| s.disabled),
        "store conformance: the disabled flag is stored"
    );
    assert!(
        claim_ours(store, &request(at(t, 2), 5), &[w.switch])
            .await
            .is_none(),
        "store conformance: a disabled switch's jobs are not claimed"
    );
    sw.disabled = false;
    ok(store.put_switch(&sw).await, "put_switch (enabled)");
    let claim = claim_ours(store, &request(at(t, 3), 5), &[w.switch]).await;
    assert_eq!(
        claim.map(|c| ids(&c.jobs)),
        Some(vec![job.id]),
        "store conformance: enabled again, its queue is served"
    );
}

/// [`Store::list_buildings`] and [`Store::list_units`] with each unit's status.
pub async fn units_with_status(store: &dyn Store) {
    let w = world(store, 1, 1).await;
    let taken = new_unit(store).await;
    let unit = ok(store.get_unit(taken).await, "get_unit")
        .unwrap_or_else(|| panic!("store conformance: the unit is missing"));
    let free = crate::model::Unit {
        id: crate::types::UnitId::new_random(),
        label: "5C".into(),
        ..unit.clone()
    };
    ok(store.put_unit(&free).await, "put_unit");
    let mut sub = subscription(&w, None, queue_time());
    sub.unit_id = Some(taken);
    sub.status = SubscriptionStatus::PendingInstall;
    let writes = WriteSet {
        new_subscription: Some(sub.clone()),
        ..WriteSet::default()
    };
    ok(
        store.commit(writes).await,
        "a home-drop subscription on the unit",
    );
    let buildings = ok(store.list_buildings().await, "list_buildings");
    assert!(
        buildings.iter().any(|b| b.id == unit.building_id),
        "store conformance: list_buildings lists the building"
    );
    let units = ok(store.list_units(unit.building_id).await, "list_units");
    let shown: Vec<_> = units
        .iter()
        .map(|u| (u.unit.label.as_str(), u.status, u.subscription_id))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("4B", UnitStatus::PendingInstall, Some(sub.id)),
            ("5C", UnitStatus::Free, None)
        ],
        "store conformance: units by label, with the status of their live subscription"
    );
    let writes = WriteSet {
        subscription_update: Some(with_status(&sub, SubscriptionStatus::Active)),
        ..WriteSet::default()
    };
    ok(store.commit(writes).await, "activate");
    let units = ok(store.list_units(unit.building_id).await, "list_units");
    assert_eq!(
        units[0].status,
        UnitStatus::Active,
        "store conformance: an active unit"
    );
}

//! Providers, API keys, plans and the network inventory: put, get, replace, list.

use super::fixtures::{
    at, expect_not_found, idle_time, interface, new_plan_version, new_unit, ok, provider,
    random_location_hash, switch, vlan,
};
use crate::model::{ApiKeyRecord, Building, Location, Port, PortRef, WebhookEndpoint};
use crate::ports::{LocationPlacement, Store};
use crate::types::{ApiKeyId, BuildingId, PlanVersionId, Secret, SwitchId, UnitId};

/// Providers, API keys (find by hash, idempotent revoke, `NotFound` for an unknown id) and
/// plan versions (get whatever the owner, list per provider by `effective_from` then id).
pub async fn providers_keys_and_plans_roundtrip(store: &dyn Store) {
    let mut p = provider();
    ok(store.put_provider(&p).await, "put_provider");
    assert_eq!(
        ok(store.get_provider(p.id).await, "get_provider"),
        Some(p.clone()),
        "store conformance: Store::get_provider returns the provider as put"
    );
    p.name = "renamed".into();
    p.live = WebhookEndpoint {
        url: Some("https://example.com/hook".into()),
        secret: Some(Secret::new("whsec_suite")),
        ..Default::default()
    };
    ok(store.put_provider(&p).await, "put_provider (replace)");
    assert_eq!(
        ok(store.get_provider(p.id).await, "get_provider"),
        Some(p.clone()),
        "put_provider must replace"
    );
    p.sandbox = WebhookEndpoint {
        url: None,
        secret: Some(Secret::new("whsec_new")),
        previous_secret: Some(Secret::new("whsec_old")),
        previous_secret_until: Some(at(idle_time(), 3600)),
    };
    ok(store.put_provider(&p).await, "put_provider (rotation)");
    assert_eq!(
        ok(store.get_provider(p.id).await, "get_provider"),
        Some(p.clone()),
        "store conformance: a rotation's previous secret and its end are stored"
    );

    let t = idle_time();
    let hash = format!("{:0>64}", uuid::Uuid::new_v4().simple());
    let key = ApiKeyRecord {
        id: ApiKeyId::new_random(),
        provider_id: p.id,
        key_hash: hash.clone(),
        display_prefix: "krnl_live_ab12".into(),
        sandbox: false,
        created_at: t,
        revoked_at: None,
    };
    ok(store.put_api_key(&key).await, "put_api_key");
    assert_eq!(
        ok(store.find_api_key(&hash).await, "find_api_key"),
        Some(key.clone()),
        "store conformance: Store::find_api_key finds a key by its hash"
    );
    assert_eq!(
        ok(
            store.find_api_key(&format!("{:0>64}", "f")).await,
            "find_api_key"
        ),
        None,
        "store conformance: Store::find_api_key returns None for an unknown hash"
    );
    ok(
        store.revoke_api_key(key.id, at(t, 10)).await,
        "revoke_api_key",
    );
    ok(
        store.revoke_api_key(key.id, at(t, 20)).await,
        "revoke_api_key twice",
    );
    let revoked = ok(store.find_api_key(&hash).await, "find_api_key").and_then(|k| k.revoked_at);
    assert!(
        revoked.is_some(),
        "store conformance: a revoked key must still be found, with revoked_at set"
    );
    let listed = ok(store.list_api_keys(p.id).await, "list_api_keys");
    assert_eq!(
        listed
            .iter()
            .map(|k| (k.id, k.revoked_at))
            .collect::<Vec<_>>(),
        vec![(key.id, Some(at(t, 10)))],
        "store conformance: list_api_keys lists the provider's keys, revoked ones included"
    );
    expect_not_found(
        store.revoke_api_key(ApiKeyId::new_random(), t).await,
        "revoke of an unknown key",
    );
    let providers = ok(store.list_providers().await, "list_providers");
    assert!(
        providers
            .iter()
            .any(|listed| listed.id == p.id && listed.name == p.name),
        "store conformance: list_providers lists a stored provider"
    );
    assert!(
        providers
            .windows(2)
            .all(|w| (&w[0].name, w[0].id.0) <= (&w[1].name, w[1].id.0)),
        "store conformance: list_providers orders by name, then id"
    );

    let mut v1 = new_plan_version(store, p.id).await;
    let mut v2 = new_plan_version(store, p.id).await;
    v1.effective_from = at(t, 100);
    v2.effective_from = at(t, 50);
    v2.effective_to = Some(at(t, 5000));
    ok(
        store.put_plan_version(&v1).await,
        "put_plan_version (replace)",
    );
    ok(
        store.put_plan_version(&v2).await,
        "put_plan_version (replace)",
    );
    let listed = ok(store.list_plan_versions(p.id).await, "list_plan_versions");
    assert_eq!(
        listed,
        vec![v2.clone(), v1.clone()],
        "list_plan_versions must order by effective_from"
    );
    let other = provider();
    ok(store.put_provider(&other).await, "put_provider");
    assert_eq!(
        ok(store.get_plan_version(v1.id).await, "get_plan_version"),
        Some(v1),
        "get_plan_version ignores the owner"
    );
    assert_eq!(
        ok(
            store.get_plan_version(PlanVersionId::new_random()).await,
            "get_plan_version"
        ),
        None,
        "store conformance: Store::get_plan_version returns None for an unknown id"
    );
    assert!(
        ok(
            store.list_plan_versions(other.id).await,
            "list_plan_versions"
        )
        .is_empty(),
        "store conformance: Store::list_plan_versions of a provider without plans is empty (scoped per provider)"
    );
}

/// Switches (replace, list by name), ports, locations (by lower-case hash), buildings and
/// units round-trip unchanged.
pub async fn inventory_roundtrip(store: &dyn Store) {
    let mut a = switch(2);
    let mut b = switch(1);
    a.name = format!("zz-{}", a.name);
    b.name = format!("aa-{}", b.name);
    b.host_key = Some("SHA256:suite".into());
    for s in [&a, &b] {
        ok(store.put_switch(s).await, "put_switch");
    }
    a.max_sessions = 4;
    a.captive_vlan = vlan(998);
    ok(store.put_switch(&a).await, "put_switch (replace)");
    assert_eq!(
        ok(store.get_switch(a.id).await, "get_switch"),
        Some(a.clone()),
        "put_switch must replace"
    );
    assert_eq!(
        ok(store.get_switch(SwitchId::new_random()).await, "get_switch"),
        None,
        "store conformance: Store::get_switch returns None for an unknown id"
    );
    let all = ok(store.list_switches().await, "list_switches");
    let ours: Vec<SwitchId> = all
        .iter()
        .map(|s| s.id)
        .filter(|id| *id == a.id || *id == b.id)
        .collect();
    assert_eq!(ours, vec![b.id, a.id], "list_switches must order by name");

    let port = Port {
        port: PortRef {
            switch_id: a.id,
            port_number: 7,
        },
        interface: interface(7),
    };
    ok(store.put_port(&port).await, "put_port");
    assert_eq!(
        ok(store.get_port(port.port).await, "get_port"),
        Some(port.clone()),
        "store conformance: Store::get_port returns the port as put"
    );
    let moved = Port {
        interface: interface(8),
        ..port.clone()
    };
    ok(store.put_port(&moved).await, "put_port (replace)");
    assert_eq!(
        ok(store.get_port(port.port).await, "get_port"),
        Some(moved),
        "store conformance: Store::put_port on an existing port replaces its interface"
    );
    assert_eq!(
        ok(
            store
                .get_port(PortRef {
                    switch_id: a.id,
                    port_number: 9
                })
                .await,
            "get_port"
        ),
        None,
        "store conformance: Store::get_port returns None for a port number never put"
    );

    let building = Building {
        id: BuildingId::new_random(),
        name: "suite tower".into(),
        address: Some("1 Main St".into()),
    };
    ok(store.put_building(&building).await, "put_building");
    let unit_id = new_unit(store).await;
    let unit = ok(store.get_unit(unit_id).await, "get_unit");
    assert_eq!(unit.map(|u| u.label), Some("4B".to_owned()), "get_unit");
    assert_eq!(
        ok(store.get_unit(UnitId::new_random()).await, "get_unit"),
        None,
        "store conformance: Store::get_unit returns None for an unknown id"
    );

    let hash = random_location_hash();
    let location = Location {
        hash: hash.clone(),
        port: port.port,
        building_id: Some(building.id),
        unit_id: None,
    };
    ok(store.put_location(&location).await, "put_location");
    assert_eq!(
        ok(store.get_location(&hash).await, "get_location"),
        Some(location.clone()),
        "store conformance: Store::get_location returns the location as put"
    );
    assert_eq!(
        ok(
            store.get_location_placement(&hash).await,
            "get_location_placement"
        ),
        Some(LocationPlacement {
            location: location.clone(),
            port: ok(store.get_port(port.port).await, "get_port"),
            switch: Some(a.clone()),
        }),
        "get_location_placement must return the location, its port and its switch"
    );
    assert_eq!(
        ok(
            store.get_location_placement(&random_location_hash()).await,
            "get_location_placement"
        ),
        None,
        "store conformance: Store::get_location_placement returns None for an unknown location hash"
    );
    let replaced = Location {
        unit_id: Some(unit_id),
        ..location
    };
    ok(
        store.put_location(&replaced).await,
        "put_location (replace)",
    );
    assert_eq!(
        ok(store.get_location(&hash).await, "get_location"),
        Some(replaced),
        "store conformance: Store::put_location on an existing hash replaces the location"
    );
    assert_eq!(
        ok(
            store.get_location(&random_location_hash()).await,
            "get_location"
        ),
        None,
        "store conformance: Store::get_location returns None for an unknown hash"
    );
}

//! The operator's network inventory over HTTP (non-standard extensions): switches, ports,
//! locations, buildings and units; changes take effect on the running engine, and deleting
//! what is in use is refused.

use kurnl_core::model::PortRef;
use kurnl_core::types::InterfaceName;
use serde_json::{Value, json};

use crate::support::{Api, op, operator_key};

const CKO04: &str = "/partner/provisioning/provider-initiated";

fn new_switch() -> Value {
    json!({
        "name": "sw-annex",
        "driver": "memory",
        "address": "192.0.2.20",
        "credentials_ref": "annex",
        "captive_vlan": 998,
        "max_sessions": 2
    })
}

#[tokio::test]
async fn provider_keys_reach_no_network_endpoint() {
    let api = Api::new().await;
    for path in ["/operator/switches", "/operator/buildings"] {
        api.get(path)
            .key(api.a())
            .send()
            .await
            .expect_detail(401, "X-Operator-Key header required");
    }
    op(api.post("/operator/switches"), api.a())
        .json(&new_switch())
        .send()
        .await
        .expect_detail(401, "Invalid operator key");
    assert_eq!(
        api.fx.store.list_switches().await.unwrap().len(),
        1,
        "nothing created"
    );
}

#[tokio::test]
async fn switches_are_created_changed_and_refused_with_field_errors() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let created = op(api.post("/operator/switches"), &key)
        .json(&new_switch())
        .send()
        .await
        .expect(201)
        .body;
    let id = created["switch_id"].as_str().unwrap().to_owned();
    assert_eq!(
        (created["ssh_port"].as_u64(), created["disabled"].as_bool()),
        (Some(22), Some(false))
    );
    let listed = op(api.get("/operator/switches"), &key)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        listed.as_array().unwrap().len(),
        2,
        "the fixture's switch and the new one"
    );

    let r = op(api.post("/operator/switches"), &key)
        .json(&json!({"name": "x", "address": "10.0.0.1; reload", "captive_vlan": 5000, "credentials_ref": "a b", "host_key": "not a key"}))
        .send()
        .await
        .expect(422);
    for field in [
        "driver",
        "address",
        "captive_vlan",
        "credentials_ref",
        "host_key",
    ] {
        r.item_at(&["body", field]);
    }
    let mut dup = new_switch();
    dup["id"] = json!(id);
    op(api.post("/operator/switches"), &key)
        .json(&dup)
        .send()
        .await
        .expect_detail(409, "A switch with this id exists");

    let changed = op(api.call("PATCH", &format!("/operator/switches/{id}")), &key)
        .json(&json!({"address": "192.0.2.21", "host_key": "SHA256:Zm9vYmFy", "max_sessions": 4}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(changed["address"], "192.0.2.21");
    assert_eq!(changed["host_key"], "SHA256:Zm9vYmFy");
    assert_eq!(changed["name"], "sw-annex", "left out, left alone");
    let stored = api
        .fx
        .store
        .get_switch(id.parse::<uuid::Uuid>().unwrap().into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.address.as_str(), stored.max_sessions),
        ("192.0.2.21", 4)
    );
    let cleared = op(api.call("PATCH", &format!("/operator/switches/{id}")), &key)
        .json(&json!({"host_key": null}))
        .send()
        .await
        .expect(200)
        .body;
    assert!(cleared["host_key"].is_null());
    op(api.call("PATCH", &format!("/operator/switches/{id}")), &key)
        .json(&json!({"id": uuid::Uuid::new_v4(), "ssh_port": 0}))
        .send()
        .await
        .expect(422)
        .item_at(&["body", "ssh_port"]);
    op(
        api.get(&format!("/operator/switches/{}", uuid::Uuid::new_v4())),
        &key,
    )
    .send()
    .await
    .expect_detail(404, "Switch not found");
}

#[tokio::test]
async fn a_port_added_through_the_api_is_provisioned_by_the_running_engine() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let created = op(api.post("/operator/switches"), &key)
        .json(&new_switch())
        .send()
        .await
        .expect(201)
        .body;
    let id = created["switch_id"].as_str().unwrap().to_owned();
    let port = op(
        api.call("PUT", &format!("/operator/switches/{id}/ports/7")),
        &key,
    )
    .json(&json!({"interface": "GigabitEthernet2/0/7"}))
    .send()
    .await
    .expect(200)
    .body;
    assert_eq!(port["port_number"], 7);
    op(
        api.call("PUT", &format!("/operator/switches/{id}/ports/8")),
        &key,
    )
    .json(&json!({"interface": "Gi2/0/8\nreload"}))
    .send()
    .await
    .expect(422)
    .item_at(&["body", "interface"]);
    let hash = "a1b2c3d4e5";
    op(
        api.call("PUT", &format!("/operator/locations/{hash}")),
        &key,
    )
    .json(&json!({"switch_id": id, "port_number": 7}))
    .send()
    .await
    .expect(200);
    op(api.call("PUT", "/operator/locations/xyz"), &key)
        .json(&json!({"switch_id": id, "port_number": 7}))
        .send()
        .await
        .expect_detail(422, "Invalid location_hash format");
    op(
        api.call("PUT", &format!("/operator/locations/{hash}")),
        &key,
    )
    .json(&json!({"switch_id": id, "port_number": 99}))
    .send()
    .await
    .expect_detail(404, "Port not found");

    // A provider signs up on the new location; the engine configures the new switch.
    let mut body = api.provision("annex@example.com", 0);
    body["location_hash"] = json!(hash);
    api.post(CKO04)
        .key(api.a())
        .json(&body)
        .send()
        .await
        .expect(200);
    api.fx.settle().await;
    let switch_id = id.parse::<uuid::Uuid>().unwrap().into();
    let interface = InterfaceName::parse("GigabitEthernet2/0/7").unwrap();
    let applied = api
        .fx
        .switch
        .port(switch_id, &interface)
        .expect("the port was configured");
    let ports = op(api.get(&format!("/operator/switches/{id}/ports")), &key)
        .send()
        .await
        .expect(200)
        .body;
    let shown = &ports[0];
    assert_eq!(shown["location_hashes"], json!([hash]));
    assert_eq!(shown["subscription"]["status"], "ACTIVE");
    assert_eq!(shown["last_applied"]["config"]["vlan"], applied.vlan.get());

    // In use: neither the port nor the switch can go.
    let r = op(
        api.call("DELETE", &format!("/operator/switches/{id}/ports/7")),
        &key,
    )
    .send()
    .await
    .expect(409);
    assert!(
        r.detail().starts_with("The port is in use"),
        "{}",
        r.detail()
    );
    op(
        api.call("DELETE", &format!("/operator/switches/{id}")),
        &key,
    )
    .send()
    .await
    .expect(409);
    assert!(
        api.fx
            .store
            .get_port(PortRef {
                switch_id,
                port_number: 7
            })
            .await
            .unwrap()
            .is_some(),
        "a refused delete deleted nothing"
    );
}

async fn job_status(api: &Api, key: &str, job: &str) -> Value {
    op(api.get(&format!("/operator/jobs/{job}")), key)
        .send()
        .await
        .expect(200)
        .body["status"]
        .clone()
}

#[tokio::test]
async fn a_disabled_switch_keeps_its_queue_until_enabled_and_free_ports_are_deleted() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let id = api.fx.switch_record.id.to_string();
    op(api.call("PATCH", &format!("/operator/switches/{id}")), &key)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .expect(200);
    let job = api
        .post(CKO04)
        .key(api.a())
        .json(&api.provision("maint@example.com", 0))
        .send()
        .await
        .expect(200)
        .id("job_id");
    api.fx.settle().await;
    assert_eq!(
        job_status(&api, &key, &job).await,
        "pending",
        "nothing runs on a disabled switch"
    );
    assert!(api.fx.switch.history().is_empty());
    op(api.call("PATCH", &format!("/operator/switches/{id}")), &key)
        .json(&json!({"disabled": false}))
        .send()
        .await
        .expect(200);
    api.fx.settle().await;
    assert_eq!(job_status(&api, &key, &job).await, "completed");

    // The last fixture port is free: it goes, with its location.
    let ports = op(api.get(&format!("/operator/switches/{id}/ports")), &key)
        .send()
        .await
        .expect(200)
        .body;
    let last = ports.as_array().unwrap().last().unwrap().clone();
    let n = last["port_number"].as_u64().unwrap();
    let r = op(
        api.call("DELETE", &format!("/operator/switches/{id}/ports/{n}")),
        &key,
    )
    .send()
    .await
    .expect(204);
    assert_eq!(r.body, Value::Null);
    let hash = last["location_hashes"][0].as_str().unwrap();
    let gone = api
        .fx
        .store
        .get_location(&kurnl_core::types::LocationHash::parse(hash).unwrap())
        .await
        .unwrap();
    assert!(gone.is_none(), "the port's location went with it");
    op(
        api.call("DELETE", &format!("/operator/switches/{id}/ports/{n}")),
        &key,
    )
    .send()
    .await
    .expect_detail(404, "Port not found");
}

#[tokio::test]
async fn buildings_and_units_show_whether_a_unit_is_taken() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let buildings = op(api.get("/operator/buildings"), &key)
        .send()
        .await
        .expect(200)
        .body;
    let fixture = buildings
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "Fixture Tower")
        .expect("the fixture's building")
        .clone();
    let building = fixture["building_id"].as_str().unwrap();
    api.post("/partner/external-checkout/complete")
        .secret(&api.fx.a.webhook_secret)
        .json(&api.home_drop("drop@example.com", 0))
        .send()
        .await
        .expect(200);
    let units = op(
        api.get(&format!("/operator/buildings/{building}/units")),
        &key,
    )
    .send()
    .await
    .expect(200)
    .body;
    let by_id = |id: &str| {
        units
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit_id"] == id)
            .unwrap_or_else(|| panic!("unit {id} not listed"))
            .clone()
    };
    let taken = by_id(&api.fx.units[0].to_string());
    assert_eq!(taken["status"], "pending_install");
    assert!(taken["subscription_id"].is_string());
    assert_eq!(by_id(&api.fx.units[1].to_string())["status"], "free");

    let created = op(api.post("/operator/buildings"), &key)
        .json(&json!({"name": "Annex", "address": "2 Main St"}))
        .send()
        .await
        .expect(201)
        .body;
    let annex = created["building_id"].as_str().unwrap();
    let unit = op(
        api.post(&format!("/operator/buildings/{annex}/units")),
        &key,
    )
    .json(&json!({"label": "1A", "floor": "1"}))
    .send()
    .await
    .expect(201)
    .body;
    assert_eq!(
        (unit["label"].as_str(), unit["status"].as_str()),
        (Some("1A"), Some("free"))
    );
    op(
        api.post(&format!("/operator/buildings/{annex}/units")),
        &key,
    )
    .json(&json!({"floor": "1"}))
    .send()
    .await
    .expect(422)
    .item_at(&["body", "label"]);
    op(
        api.get(&format!(
            "/operator/buildings/{}/units",
            uuid::Uuid::new_v4()
        )),
        &key,
    )
    .send()
    .await
    .expect_detail(404, "Building not found");
}

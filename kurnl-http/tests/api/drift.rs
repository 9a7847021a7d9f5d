//! The drift audit over HTTP (`X-Operator-Key`, non-standard extensions): the findings list
//! and its filters, each switch's audit schedule and last audit, both as the OpenAPI document
//! declares them, and the `port.drift_detected` event in the provider's delivery list.

use chrono::{DateTime, Duration, Utc};
use kurnl_core::model::{
    AuditOutcome, DriftAction, DriftField, DriftFinding, DriftPolicy, EventData, FindingToRecord,
    Job, JobAction, JobStatus, NewEvent, PortConfig, PortRef, SwitchAudit,
};
use kurnl_core::ports::{AuditRecord, Clock};
use kurnl_core::types::{
    DriftId, EventId, InterfaceName, JobId, PortDescription, SwitchId, VlanId,
};
use serde_json::{Value, json};

use crate::contract::{conforms, declared, doc};
use crate::support::{Api, op, operator_key};

const DRIFT: &str = "/operator/drift";
const AUDITS: &str = "/operator/audits";

/// Keys of `value` (recursively) that the schema does not declare: what the view serialises
/// must all be in the document.
fn undeclared(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return undeclared(doc, &doc["components"]["schemas"][name], value, at);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        return options
            .iter()
            .find(|s| conforms(doc, s, value))
            .map(|s| undeclared(doc, s, value, at))
            .unwrap_or_else(|| vec![format!("{at}: matches no oneOf option")]);
    }
    let mut out = Vec::new();
    if let Some(obj) = value.as_object() {
        let props = schema["properties"].as_object();
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => out.extend(undeclared(doc, s, v, &format!("{at}.{k}"))),
                None => out.push(format!("{at}.{k}")),
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            out.extend(undeclared(doc, items, v, &format!("{at}[{i}]")));
        }
    }
    out
}

/// Asserts that `body` is what the document declares for `GET path` 200, field for field.
#[track_caller]
fn assert_documented(doc: &Value, path: &str, body: &Value) {
    let schema = declared(doc, "get", path, 200);
    assert!(
        conforms(doc, schema, body),
        "GET {path}: {body} does not match {schema}"
    );
    let extra = undeclared(doc, schema, body, "body");
    assert!(extra.is_empty(), "GET {path}: undeclared fields {extra:?}");
}

#[tokio::test]
async fn drift_endpoints_take_only_an_operator_key_and_start_empty() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    for path in [DRIFT, AUDITS] {
        api.get(path)
            .send()
            .await
            .expect_detail(401, "X-Operator-Key header required");
        api.get(path)
            .key(api.a())
            .send()
            .await
            .expect_detail(401, "X-Operator-Key header required");
        op(api.get(path), api.a())
            .send()
            .await
            .expect_detail(401, "Invalid operator key");
        op(api.get(path), "krnl_op_not_a_key_at_all_0000000000")
            .send()
            .await
            .expect_detail(401, "Invalid operator key");
        let r = op(api.get(path), &key).send().await.expect(200);
        assert_eq!(r.body, json!([]), "GET {path} on a fresh service");
    }
}

#[tokio::test]
async fn bad_filters_are_422_naming_the_query_field() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let doc = doc(&api).await;
    let r = op(
        api.get(&format!("{DRIFT}?switch_id=sw-1&since=yesterday&limit=0")),
        &key,
    )
    .send()
    .await
    .expect(422);
    for field in ["switch_id", "since", "limit"] {
        r.item_at(&["query", field]);
    }
    assert!(
        conforms(&doc, declared(&doc, "get", DRIFT, 422), &r.body),
        "the 422 is the declared one: {}",
        r.body
    );
    for bad in ["limit=501", "limit=abc", "limit=-1"] {
        let r = op(api.get(&format!("{DRIFT}?{bad}")), &key)
            .send()
            .await
            .expect(422);
        r.item_at(&["query", "limit"]);
    }
    let r = op(
        api.get(&format!("{DRIFT}?since=2026-12-06%2010:00:00Z")),
        &key,
    )
    .send()
    .await
    .expect(422);
    assert_eq!(
        r.item_at(&["query", "since"])["type"],
        "value_error.datetime"
    );
    // The edges are accepted.
    for good in [
        "limit=1",
        "limit=500",
        "since=2026-12-06T10:00:00.5%2B01:00",
    ] {
        op(api.get(&format!("{DRIFT}?{good}")), &key)
            .send()
            .await
            .expect(200);
    }
}

/// What the audit of the fixture's switch recorded, as the test wrote it.
struct Recorded {
    switch_id: SwitchId,
    other_switch: String,
    subscribed: DriftFinding,
    free: DriftFinding,
    repair_job: JobId,
    started_at: DateTime<Utc>,
}

/// Provider A's subscription at location 0 is provisioned; then an audit of the fixture's
/// switch (policy `repair`) finds its port and a free port drifted, and an audit of a second
/// switch finds it unreachable.
async fn record_audits(api: &Api, key: &str) -> Recorded {
    let job_id = api
        .post("/partner/provisioning/provider-initiated")
        .key(api.a())
        .json(&api.provision("drift@example.com", 0))
        .send()
        .await
        .expect(200)
        .id("job_id");
    api.fx.settle().await;
    let provider = api.fx.a.provider.id;
    let job = api
        .fx
        .store
        .get_job(provider, JobId(job_id.parse().unwrap()))
        .await
        .unwrap()
        .expect("the provisioning job");
    assert_eq!(job.status, JobStatus::Completed);
    let other = op(api.post("/operator/switches"), key)
        .json(&json!({
            "name": "sw-annex", "driver": "memory", "address": "192.0.2.20",
            "credentials_ref": "annex", "captive_vlan": 998
        }))
        .send()
        .await
        .expect(201)
        .id("switch_id");

    api.fx.clock.advance(Duration::minutes(5));
    let started_at = api.fx.clock.now();
    let switch_id = api.fx.switch_record.id;
    let mut changed = job.desired.clone();
    changed.vlan = VlanId::new(42).unwrap();
    changed.enabled = false;
    let repair = Job {
        id: JobId(uuid::Uuid::new_v4()),
        action: JobAction::Repair,
        status: JobStatus::Pending,
        attempts: 0,
        run_at: started_at,
        lease: None,
        lease_expires_at: None,
        last_error: None,
        created_at: started_at,
        updated_at: started_at,
        ..job.clone()
    };
    let subscribed = DriftFinding {
        id: DriftId(uuid::Uuid::new_v4()),
        port: job.port,
        interface: job.interface.clone(),
        subscription_id: Some(job.subscription_id),
        provider_id: Some(provider),
        desired: job.desired.clone(),
        actual: Some(changed),
        fields: vec![DriftField::Vlan, DriftField::Enabled],
        action: DriftAction::RepairQueued,
        repair_job_id: Some(repair.id),
        detected_at: started_at + Duration::seconds(2),
    };
    let captive = PortConfig::captive(api.fx.switch_record.captive_vlan);
    let free = DriftFinding {
        id: DriftId(uuid::Uuid::new_v4()),
        port: PortRef {
            switch_id,
            port_number: 40,
        },
        interface: InterfaceName::parse("GigabitEthernet1/0/40").unwrap(),
        subscription_id: None,
        provider_id: None,
        desired: captive.clone(),
        actual: Some(PortConfig {
            description: PortDescription::parse("patched-by-hand").unwrap(),
            ..captive
        }),
        fields: vec![DriftField::Description],
        action: DriftAction::Reported,
        repair_job_id: None,
        detected_at: started_at + Duration::seconds(1),
    };
    let event = NewEvent {
        id: EventId(uuid::Uuid::new_v4()),
        provider_id: provider,
        sandbox: false,
        data: EventData::PortDriftDetected {
            subscription_id: job.subscription_id,
            drifted: subscribed.fields.clone(),
            policy: DriftPolicy::Repair,
        },
        created_at: started_at + Duration::seconds(2),
    };
    let recorded = api
        .fx
        .store
        .finish_switch_audit(AuditRecord {
            audit: SwitchAudit {
                switch_id,
                started_at,
                finished_at: started_at + Duration::seconds(3),
                policy: DriftPolicy::Repair,
                outcome: AuditOutcome::Completed {
                    ports_checked: 3,
                    drifted: 2,
                    unreadable: 1,
                },
            },
            next_due_at: started_at + Duration::hours(1),
            findings: vec![
                FindingToRecord {
                    finding: subscribed.clone(),
                    repair: Some(repair.clone()),
                },
                FindingToRecord {
                    finding: free.clone(),
                    repair: None,
                },
            ],
            events: vec![event],
        })
        .await
        .unwrap();
    assert_eq!(
        recorded[0].action,
        DriftAction::RepairQueued,
        "the port's job finished before the audit started"
    );
    let other_id = SwitchId(other.parse().unwrap());
    api.fx
        .store
        .finish_switch_audit(AuditRecord {
            audit: SwitchAudit {
                switch_id: other_id,
                started_at,
                finished_at: started_at + Duration::seconds(10),
                policy: DriftPolicy::Report,
                outcome: AuditOutcome::Unreachable {
                    error: "connection refused by 192.0.2.20:22".to_owned(),
                },
            },
            next_due_at: started_at + Duration::minutes(10),
            findings: vec![],
            events: vec![],
        })
        .await
        .unwrap();
    Recorded {
        switch_id,
        other_switch: other,
        subscribed,
        free,
        repair_job: repair.id,
        started_at,
    }
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|f| f["drift_id"].as_str().unwrap())
        .collect()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[tokio::test]
async fn findings_are_listed_newest_first_with_both_states_and_filtered() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let doc = doc(&api).await;
    let rec = record_audits(&api, &key).await;
    let (a, b) = (rec.subscribed.id.to_string(), rec.free.id.to_string());

    let all = op(api.get(DRIFT), &key).send().await.expect(200).body;
    assert_eq!(ids(&all), vec![a.as_str(), &b], "newest first");
    assert_documented(&doc, DRIFT, &all);
    let f = &all[0];
    assert_eq!(f["switch_id"], rec.switch_id.to_string());
    assert_eq!(f["port_number"], rec.subscribed.port.port_number);
    assert_eq!(f["interface"], rec.subscribed.interface.as_str());
    assert_eq!(
        f["subscription_id"],
        rec.subscribed.subscription_id.unwrap().to_string()
    );
    assert_eq!(f["provider_id"], api.fx.a.provider.id.to_string());
    assert_eq!(
        f["desired"]["vlan"],
        rec.subscribed.desired.vlan.get(),
        "what kurnl applied"
    );
    assert_eq!(f["desired"]["enabled"], true);
    assert_eq!(f["actual"]["vlan"], 42, "what the switch showed");
    assert_eq!(f["actual"]["enabled"], false);
    assert_eq!(f["desired"]["description"], f["actual"]["description"]);
    assert_eq!(f["drifted"], json!(["vlan", "enabled"]));
    assert_eq!(f["action"], "repair_queued");
    assert_eq!(f["repair_job_id"], rec.repair_job.to_string());
    assert_eq!(
        f["detected_at"]
            .as_str()
            .map(|t| t.parse::<DateTime<Utc>>().unwrap()),
        Some(rec.subscribed.detected_at)
    );

    let g = &all[1];
    assert_eq!(g["port_number"], 40);
    assert_eq!(g["interface"], "GigabitEthernet1/0/40");
    for absent in ["subscription_id", "provider_id", "repair_job_id"] {
        assert!(g.get(absent).is_none(), "a free port has no {absent}: {g}");
    }
    assert_eq!(g["drifted"], json!(["description"]));
    assert_eq!(g["action"], "reported");
    assert_eq!(g["actual"]["description"], "patched-by-hand");
    assert_eq!(g["desired"]["rate"], Value::Null);

    // The repair job is an operator job like the others.
    let job = op(api.get(&format!("/operator/jobs/{}", rec.repair_job)), &key)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        (job["action"].as_str(), job["status"].as_str()),
        (Some("repair"), Some("pending"))
    );

    // Filters.
    let on = |q: String| {
        let api = &api;
        let key = &key;
        async move {
            op(api.get(&format!("{DRIFT}?{q}")), key)
                .send()
                .await
                .expect(200)
                .body
        }
    };
    assert_eq!(
        ids(&on(format!("switch_id={}", rec.switch_id)).await),
        vec![a.as_str(), &b]
    );
    assert!(ids(&on(format!("switch_id={}", rec.other_switch)).await).is_empty());
    assert!(ids(&on(format!("switch_id={}", uuid::Uuid::new_v4())).await).is_empty());
    let between = rfc3339(rec.started_at + Duration::milliseconds(1500));
    assert_eq!(ids(&on(format!("since={between}")).await), vec![a.as_str()]);
    let exactly = rfc3339(rec.free.detected_at);
    assert_eq!(
        ids(&on(format!("since={exactly}")).await),
        vec![a.as_str(), &b],
        "since is inclusive"
    );
    assert!(
        ids(&on(format!(
            "since={}",
            rfc3339(rec.started_at + Duration::hours(1))
        ))
        .await)
        .is_empty()
    );
    assert_eq!(ids(&on("limit=1".into()).await), vec![a.as_str()]);
    assert_eq!(
        ids(&on(format!(
            "switch_id={}&since={between}&limit=5",
            rec.switch_id
        ))
        .await),
        vec![a.as_str()]
    );
}

#[tokio::test]
async fn audits_show_each_switch_schedule_and_last_result() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let doc = doc(&api).await;
    let rec = record_audits(&api, &key).await;
    let audits = op(api.get(AUDITS), &key).send().await.expect(200).body;
    assert_documented(&doc, AUDITS, &audits);
    let list = audits.as_array().unwrap();
    assert_eq!(list.len(), 2, "{audits}");
    let mut want = [rec.switch_id.to_string(), rec.other_switch.clone()];
    want.sort();
    let got: Vec<_> = list
        .iter()
        .map(|a| a["switch_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        want.iter().map(String::as_str).collect::<Vec<_>>(),
        "by switch id"
    );
    let find = |id: &str| list.iter().find(|a| a["switch_id"] == id).unwrap();

    let done = find(&rec.switch_id.to_string());
    let at = |v: &Value| v.as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    assert_eq!(
        at(&done["next_due_at"]),
        rec.started_at + Duration::hours(1)
    );
    let last = &done["last"];
    assert_eq!(at(&last["started_at"]), rec.started_at);
    assert_eq!(
        at(&last["finished_at"]),
        rec.started_at + Duration::seconds(3)
    );
    assert_eq!(
        (
            last["policy"].as_str(),
            last["outcome"].as_str(),
            last["ports_checked"].as_u64(),
            last["drifted"].as_u64(),
            last["unreadable"].as_u64()
        ),
        (Some("repair"), Some("completed"), Some(3), Some(2), Some(1))
    );
    assert!(last.get("error").is_none(), "{last}");

    let down = &find(&rec.other_switch)["last"];
    assert_eq!(
        (
            down["policy"].as_str(),
            down["outcome"].as_str(),
            down["ports_checked"].as_u64()
        ),
        (Some("report"), Some("unreachable"), Some(0))
    );
    assert_eq!(down["error"], "connection refused by 192.0.2.20:22");
}

#[tokio::test]
async fn the_provider_sees_port_drift_detected_in_its_delivery_list() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let rec = record_audits(&api, &key).await;
    let page = api
        .get("/provider/webhooks/deliveries?event=port.drift_detected")
        .key(api.a())
        .send()
        .await
        .expect(200)
        .body;
    let results = page["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{page}");
    assert_eq!(results[0]["event"], "port.drift_detected");
    assert_eq!(
        results[0]["subscription_id"],
        rec.subscribed.subscription_id.unwrap().to_string()
    );
    let doc = doc(&api).await;
    assert!(conforms(
        &doc,
        declared(&doc, "get", "/provider/webhooks/deliveries", 200),
        &page
    ));
    // And the body the provider receives is the documented extension schema.
    api.fx.clock.advance(Duration::minutes(1));
    api.fx.settle().await;
    let sent = api
        .fx
        .sink
        .events()
        .into_iter()
        .find(|e| e.data.name() == "port.drift_detected")
        .expect("delivered");
    let body = sent.envelope();
    let schema = json!({"$ref": "#/components/schemas/PortDriftDetected"});
    assert!(conforms(&doc, &schema, &body), "{body}");
    assert!(
        undeclared(&doc, &schema, &body, "body").is_empty(),
        "{body}"
    );
    assert_eq!(body["drifted"], json!(["vlan", "enabled"]));
    assert_eq!(body["policy"], "repair");
}

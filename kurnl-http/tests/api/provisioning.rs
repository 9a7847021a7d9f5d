//! Plans, CKO-04, bulk, job polling, the lifecycle and the sandbox (`X-API-Key`).

use serde_json::json;

use crate::support::Api;

const CKO04: &str = "/partner/provisioning/provider-initiated";

#[tokio::test]
async fn plans_me_lists_the_callers_active_versions() {
    let api = Api::new().await;
    let r = api
        .get("/partner/marketplace/plans/me")
        .key(api.a())
        .send()
        .await
        .expect(200);
    let items = r.body.as_array().unwrap();
    let ids: Vec<&str> = items
        .iter()
        .map(|v| v["document_id"].as_str().unwrap())
        .collect();
    let fx = &api.fx;
    assert!(ids.contains(&fx.a.plan.id.to_string().as_str()));
    assert!(ids.contains(&fx.a.plan_fast.id.to_string().as_str()));
    assert!(!ids.contains(&fx.a.plan_expired.id.to_string().as_str()));
    assert!(!ids.contains(&fx.b.plan.id.to_string().as_str()));
    let plan = items
        .iter()
        .find(|v| v["document_id"] == fx.a.plan.id.to_string().as_str())
        .unwrap();
    for field in [
        "plan_id",
        "name",
        "vlan_id",
        "download_kbps",
        "upload_kbps",
        "effective_from",
        "effective_to",
    ] {
        assert!(plan.get(field).is_some(), "{field}");
    }
    assert_eq!(plan["vlan_id"], 100);
    // Rate-limit headers: 300 per key, window end on the service clock.
    assert_eq!(r.num("x-ratelimit-limit"), 300);
    assert_eq!(r.num("x-ratelimit-remaining"), 299);
    let now = fx.service.clock().now().timestamp();
    assert_eq!(r.num("x-ratelimit-reset"), now - now.rem_euclid(60) + 60);
}

#[tokio::test]
async fn provider_initiated_provisions_and_replays() {
    let api = Api::new().await;
    let body = api.provision("carol@example.com", 0);
    let r = api
        .post(CKO04)
        .key(api.a())
        .json(&body)
        .send()
        .await
        .expect(200);
    assert_eq!(r.body["message"], "Provisioning started");
    for f in ["job_id", "subscription_id", "subscriber_id"] {
        assert!(r.body[f].is_string(), "{f}");
    }
    let again = api
        .post(CKO04)
        .key(api.a())
        .json(&body)
        .send()
        .await
        .expect(200);
    assert_eq!(again.body, r.body, "idempotent by email and plan version");

    // With an external id, the external id is the key.
    let mut ext = api.provision("dave@example.com", 1);
    ext["external_subscription_id"] = json!("crm-77");
    let first = api
        .post(CKO04)
        .key(api.a())
        .json(&ext)
        .send()
        .await
        .expect(200);
    let second = api
        .post(CKO04)
        .key(api.a())
        .json(&ext)
        .send()
        .await
        .expect(200);
    assert_eq!(first.body, second.body);

    api.fx.settle().await;
    let job = api
        .get(&format!("/partner/provisioning/jobs/{}", r.id("job_id")))
        .key(api.a())
        .send()
        .await
        .expect(200);
    assert_eq!(job.body["status"], "completed");
    assert!(api.fx.switch.sessions() > 0);
}

#[tokio::test]
async fn provider_initiated_errors() {
    let api = Api::new().await;
    let send = |body: serde_json::Value| {
        let api = &api;
        async move { api.post(CKO04).key(api.a()).json(&body).send().await }
    };
    let mut foreign = api.provision("f@example.com", 0);
    foreign["plan_version_id"] = json!(api.fx.b.plan.id.to_string());
    send(foreign)
        .await
        .expect_detail(403, "Plan version does not belong to your service provider");
    let mut unknown = api.provision("u@example.com", 0);
    unknown["location_hash"] = json!("0000000000");
    send(unknown)
        .await
        .expect_detail(404, "Location not found for location_hash");
    let mut bad_hash = api.provision("h@example.com", 0);
    bad_hash["location_hash"] = json!("xyz");
    send(bad_hash)
        .await
        .expect_detail(422, "Invalid location_hash format");
    let mut bad = api.provision("not-an-email", 0);
    bad.as_object_mut().unwrap().remove("firstname");
    let r = send(bad).await.expect(422);
    assert_eq!(r.item_at(&["body", "email"])["type"], "value_error.email");
    assert_eq!(
        r.item_at(&["body", "firstname"])["type"],
        "value_error.missing"
    );
    let mut expired = api.provision("x@example.com", 0);
    expired["plan_version_id"] = json!(api.fx.a.plan_expired.id.to_string());
    send(expired)
        .await
        .expect_detail(400, "Plan version not active");
    send(api.provision("one@example.com", 9)).await.expect(200);
    send(api.provision("two@example.com", 9))
        .await
        .expect_detail(409, "Location already has an active subscription");
}

#[tokio::test]
async fn bulk_batches_are_accepted_then_polled_to_completion() {
    let api = Api::new().await;
    let mut bad_hash = api.provision("bulk2@example.com", 21);
    bad_hash["location_hash"] = json!("nope");
    let body = json!({"subscribers": [
        api.provision("bulk1@example.com", 20),
        bad_hash,
        api.provision("bulk3@example.com", 20),
    ]});
    let r = api
        .post("/partner/provisioning/bulk")
        .key(api.a())
        .json(&body)
        .send()
        .await
        .expect(202);
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.body["message"], "Batch queued");
    let poll = format!("/partner/provisioning/bulk/{}", r.id("batch_id"));
    let early = api.get(&poll).key(api.a()).send().await.expect(200);
    assert_eq!(early.body["status"], "in_progress");
    api.fx.settle().await;
    let done = api.get(&poll).key(api.a()).send().await.expect(200);
    assert_eq!(done.body["status"], "completed_with_errors");
    assert_eq!(done.body["batch_id"], r.body["batch_id"]);
    assert_eq!(
        (
            done.body["completed"].as_u64(),
            done.body["failed"].as_u64()
        ),
        (Some(1), Some(2))
    );
    let results = done.body["results"].as_array().unwrap();
    assert_eq!(results[0]["email"], "bulk1@example.com");
    assert_eq!(results[0]["status"], "completed");
    assert!(results[0]["job_id"].is_string());
    assert_eq!(results[1]["status"], "failed");
    assert!(results[1]["error"].is_string());
    assert_eq!(results[2]["status"], "failed");

    // Empty, too many and malformed batches.
    let r = api
        .post("/partner/provisioning/bulk")
        .key(api.a())
        .json(&json!({"subscribers": []}))
        .send()
        .await
        .expect(422);
    r.item_at(&["body", "subscribers"]);
    let many: Vec<_> = (0..101)
        .map(|i| api.provision(&format!("m{i}@example.com"), 0))
        .collect();
    api.post("/partner/provisioning/bulk")
        .key(api.a())
        .json(&json!({ "subscribers": many }))
        .send()
        .await
        .expect(422);
    let r = api
        .post("/partner/provisioning/bulk")
        .key(api.a())
        .json(&json!({}))
        .send()
        .await
        .expect(422);
    assert_eq!(
        r.item_at(&["body", "subscribers"])["type"],
        "value_error.missing"
    );
    api.get("/partner/provisioning/bulk/not-a-batch")
        .key(api.a())
        .send()
        .await
        .expect(404);
}

#[tokio::test]
async fn a_fourth_running_batch_is_refused() {
    let api = Api::new().await;
    for n in 0..3 {
        let body = json!({"subscribers": [api.provision(&format!("b{n}@example.com"), 30 + n)]});
        api.post("/partner/provisioning/bulk")
            .key(api.a())
            .json(&body)
            .send()
            .await
            .expect(202);
    }
    let body = json!({"subscribers": [api.provision("b4@example.com", 40)]});
    api.post("/partner/provisioning/bulk")
        .key(api.a())
        .json(&body)
        .send()
        .await
        .expect_detail(429, "Too many concurrent batches");
    api.fx.settle().await;
    api.post("/partner/provisioning/bulk")
        .key(api.a())
        .json(&body)
        .send()
        .await
        .expect(202);
}

#[tokio::test]
async fn the_lifecycle_over_http() {
    let api = Api::new().await;
    let r = api
        .post(CKO04)
        .key(api.a())
        .json(&api.provision("life@example.com", 0))
        .send()
        .await
        .expect(200);
    let sub = r.id("subscription_id");
    api.fx.settle().await;
    let path = |op: &str| format!("/subscription/{sub}/{op}");
    let op = |name: &'static str| {
        let api = &api;
        let p = path(name);
        async move { api.post(&p).key(api.a()).send().await }
    };

    // Activating an active subscription is a no-op (kurnl-core's choice); from SUSPENDED it
    // is a conflict.
    assert_eq!(op("activate").await.expect(200).body["status"], "ACTIVE");
    let s = op("suspend").await.expect(200);
    assert_eq!(s.body["status"], "SUSPENDED");
    assert_eq!(s.body["subscription_id"], sub.as_str());
    assert!(s.body["job_id"].is_string());
    assert!(s.body["message"].is_string());
    assert_eq!(op("suspend").await.expect(200).body["status"], "SUSPENDED");
    op("activate").await.expect(409);
    assert_eq!(op("reactivate").await.expect(200).body["status"], "ACTIVE");
    assert_eq!(op("reactivate").await.expect(200).body["status"], "ACTIVE");

    let change = |plan: String| {
        let api = &api;
        let p = path("change-plan");
        async move {
            api.post(&p)
                .key(api.a())
                .json(&json!({ "plan_version_id": plan }))
                .send()
                .await
        }
    };
    let c = change(api.fx.a.plan_fast.id.to_string()).await.expect(200);
    assert!(c.body["job_id"].is_string());
    change(api.fx.b.plan.id.to_string())
        .await
        .expect_detail(403, "Plan version does not belong to your service provider");
    change(api.fx.a.plan_expired.id.to_string())
        .await
        .expect_detail(400, "Plan version not active");
    let r = change("nope".into()).await.expect(422);
    r.item_at(&["body", "plan_version_id"]);
    api.post(&path("change-plan"))
        .key(api.a())
        .send()
        .await
        .expect(422);

    assert_eq!(op("cancel").await.expect(200).body["status"], "CANCELLED");
    assert_eq!(op("cancel").await.expect(200).body["status"], "CANCELLED");
    op("suspend").await.expect(409);
    op("reactivate").await.expect(409);
    change(api.fx.a.plan.id.to_string()).await.expect(409);
    api.fx.settle().await;
    let names = api.fx.sink.names();
    assert!(names.contains(&"subscription.cancelled"), "{names:?}");
}

#[tokio::test]
async fn sandbox_keys_never_touch_the_switch() {
    let api = Api::new().await;
    let sb = api.fx.a.sandbox_api_key.clone();
    let r = api
        .post(CKO04)
        .key(&sb)
        .json(&api.provision("sb@example.com", 0))
        .send()
        .await
        .expect(200);
    api.fx.settle().await;
    let job = format!("/partner/provisioning/jobs/{}", r.id("job_id"));
    assert_eq!(
        api.get(&job).key(&sb).send().await.expect(200).body["status"],
        "completed"
    );
    assert_eq!(api.fx.switch.sessions(), 0);
    assert!(api.fx.sink.events().iter().all(|e| e.sandbox));
    // Live credentials do not see sandbox data.
    api.get(&job).key(api.a()).send().await.expect(404);
    let subscriber = format!("/provider/subscribers/{}", r.id("subscriber_id"));
    api.get(&subscriber).key(api.a()).send().await.expect(404);
    api.get(&subscriber).key(&sb).send().await.expect(200);
    // And the live environment can still use the location.
    api.post(CKO04)
        .key(api.a())
        .json(&api.provision("live@example.com", 0))
        .send()
        .await
        .expect(200);
}

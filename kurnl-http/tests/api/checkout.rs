//! CKO-03: external checkout (direct, home-drop, anonymous) with `X-Webhook-Secret`.

use serde_json::json;

use crate::support::Api;

const COMPLETE: &str = "/partner/external-checkout/complete";
const ANONYMOUS: &str = "/partner/external-checkout/anonymous-complete";

#[tokio::test]
async fn direct_checkout_provisions_and_replays_with_the_same_ids() {
    let api = Api::new().await;
    let secret = api.fx.a.webhook_secret.clone();
    let body = api.checkout("alice@example.com", 0);
    let first = api
        .post(COMPLETE)
        .secret(&secret)
        .json(&body)
        .send()
        .await
        .expect(200);
    assert_eq!(first.body["message"], "Provisioning started");
    let keys: Vec<&str> = first
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        ["job_id", "message", "subscriber_id", "subscription_id"]
    );
    // The checkout limit applies here, not the API-key one.
    assert_eq!(first.num("x-ratelimit-limit"), 120);
    assert_eq!(first.num("x-ratelimit-remaining"), 119);

    let replay = api
        .post(COMPLETE)
        .secret(&secret)
        .json(&body)
        .send()
        .await
        .expect(200);
    assert_eq!(replay.body, first.body, "a retry returns the same ids");

    api.fx.settle().await;
    let job = api
        .get(&format!(
            "/partner/provisioning/jobs/{}",
            first.id("job_id")
        ))
        .key(api.a())
        .send()
        .await
        .expect(200);
    assert_eq!(job.body["status"], "completed");
    assert_eq!(job.body["action"], "provision");
    assert_eq!(job.body["subscription_id"], first.body["subscription_id"]);
    assert_eq!(
        api.fx.sink.names(),
        ["subscription.activated", "provisioning.completed"]
    );
}

#[tokio::test]
async fn home_drop_waits_for_confirm_install_then_activation() {
    let api = Api::new().await;
    let secret = api.fx.a.webhook_secret.clone();
    let r = api
        .post(COMPLETE)
        .secret(&secret)
        .json(&api.home_drop("hd@example.com", 0))
        .send()
        .await
        .expect(200);
    assert_eq!(r.body["message"], "Subscription pending installation.");
    assert!(r.body.get("job_id").is_none());
    let sub = r.id("subscription_id");

    // Another subscriber for the same unit: 409.
    api.post(COMPLETE)
        .secret(&secret)
        .json(&api.home_drop("hd2@example.com", 0))
        .send()
        .await
        .expect_detail(409, "Unit already has a pending or active subscription");

    let confirm = json!({
        "subscription_id": sub,
        "switch_id": api.fx.switch_record.id.to_string(),
        "port_number": 7
    });
    let c = api
        .post("/provisioning/confirm-install")
        .key(api.a())
        .json(&confirm)
        .send()
        .await
        .expect(200);
    assert_eq!(c.body["message"], "Provisioning started");
    assert_eq!(c.body["subscription_id"], sub.as_str());
    let again = api
        .post("/provisioning/confirm-install")
        .key(api.a())
        .json(&confirm)
        .send()
        .await
        .expect(200);
    assert_eq!(
        again.body["job_id"], c.body["job_id"],
        "a repeat returns the job"
    );

    // A port that does not exist, and a bad port type.
    let mut missing = confirm.clone();
    missing["port_number"] = json!(999);
    assert_eq!(
        api.post("/provisioning/confirm-install")
            .key(api.a())
            .json(&missing)
            .send()
            .await
            .status,
        404
    );
    let mut bad = confirm.clone();
    bad["port_number"] = json!("seven");
    let r = api
        .post("/provisioning/confirm-install")
        .key(api.a())
        .json(&bad)
        .send()
        .await
        .expect(422);
    assert_eq!(
        r.item_at(&["body", "port_number"])["type"],
        "type_error.integer"
    );

    api.fx.settle().await;
    let a = api
        .post(&format!("/subscription/{sub}/activate"))
        .key(api.a())
        .send()
        .await
        .expect(200);
    assert_eq!(a.body["status"], "ACTIVE");
    assert_eq!(a.body["subscription_id"], sub.as_str());
}

#[tokio::test]
async fn anonymous_checkout_has_no_subscriber_and_replays() {
    let api = Api::new().await;
    let secret = api.fx.a.webhook_secret.clone();
    let body = api.anonymous("ext-1", 3);
    let r = api
        .post(ANONYMOUS)
        .secret(&secret)
        .json(&body)
        .send()
        .await
        .expect(200);
    assert_eq!(r.body["message"], "Provisioning started");
    assert!(r.body.get("subscriber_id").is_none());
    assert!(r.body["job_id"].is_string());
    let replay = api
        .post(ANONYMOUS)
        .secret(&secret)
        .json(&body)
        .send()
        .await
        .expect(200);
    assert_eq!(replay.body, r.body);

    // The documented checkout errors apply here too.
    let mut bad = api.anonymous("ext-2", 4);
    bad["location_hash"] = json!("zz");
    api.post(ANONYMOUS)
        .secret(&secret)
        .json(&bad)
        .send()
        .await
        .expect_detail(422, "Invalid location_hash format");
    let mut unknown = api.anonymous("ext-3", 4);
    unknown["location_hash"] = json!("0000000000");
    api.post(ANONYMOUS)
        .secret(&secret)
        .json(&unknown)
        .send()
        .await
        .expect_detail(404, "Location not found for location_hash");
    let mut missing = api.anonymous("ext-4", 4);
    missing
        .as_object_mut()
        .unwrap()
        .remove("external_subscription_id");
    let r = api
        .post(ANONYMOUS)
        .secret(&secret)
        .json(&missing)
        .send()
        .await
        .expect(422);
    assert_eq!(
        r.item_at(&["body", "external_subscription_id"])["type"],
        "value_error.missing"
    );
}

#[tokio::test]
async fn checkout_errors_have_the_documented_statuses_and_details() {
    let api = Api::new().await;
    let secret = api.fx.a.webhook_secret.clone();
    let send = |body: serde_json::Value| {
        let api = &api;
        let secret = secret.clone();
        async move { api.post(COMPLETE).secret(&secret).json(&body).send().await }
    };

    let mut foreign = api.checkout("f@example.com", 1);
    foreign["plan_version_id"] = json!(api.fx.b.plan.id.to_string());
    send(foreign)
        .await
        .expect_detail(403, "Plan version does not belong to your service provider");

    let mut unknown = api.checkout("u@example.com", 1);
    unknown["location_hash"] = json!("ABCDEF0123");
    send(unknown)
        .await
        .expect_detail(404, "Location not found for location_hash");

    let mut bad_hash = api.checkout("h@example.com", 1);
    bad_hash["location_hash"] = json!("not-a-hash");
    send(bad_hash)
        .await
        .expect_detail(422, "Invalid location_hash format");

    let mut bad_email = api.checkout("e@example.com", 1);
    bad_email["subscriber"]["email"] = json!("not-an-email");
    let r = send(bad_email).await.expect(422);
    let item = r.item_at(&["body", "subscriber", "email"]);
    assert_eq!(item["type"], "value_error.email");
    assert!(item["msg"].is_string());

    let mut expired = api.checkout("x@example.com", 1);
    expired["plan_version_id"] = json!(api.fx.a.plan_expired.id.to_string());
    send(expired)
        .await
        .expect_detail(400, "Plan version not active");

    send(api.checkout("first@example.com", 2)).await.expect(200);
    send(api.checkout("second@example.com", 2))
        .await
        .expect_detail(409, "Location already has an active subscription");

    // Both a location and a unit: 422 naming the field.
    let mut both = api.checkout("both@example.com", 5);
    both["unit_id"] = json!(api.fx.units[1].to_string());
    let r = send(both).await.expect(422);
    r.item_at(&["body", "unit_id"]);

    // A wrong JSON type is located too.
    let mut wrong_type = api.checkout("t@example.com", 5);
    wrong_type["plan_version_id"] = json!(42);
    let r = send(wrong_type).await.expect(422);
    assert_eq!(
        r.item_at(&["body", "plan_version_id"])["type"],
        "type_error.str"
    );
    let mut wrong_enum = api.checkout("t@example.com", 5);
    wrong_enum["subscriber"]["customer_type"] = json!("ALIEN");
    let r = send(wrong_enum).await.expect(422);
    r.item_at(&["body", "subscriber", "customer_type"]);
}

#[tokio::test]
async fn webhook_secret_authentication() {
    let api = Api::new().await;
    for path in [COMPLETE, ANONYMOUS] {
        let body = if path == COMPLETE {
            api.checkout("auth@example.com", 0)
        } else {
            api.anonymous("auth", 0)
        };
        api.post(path)
            .json(&body)
            .send()
            .await
            .expect_detail(401, "X-Webhook-Secret header required");
        // An API key is not a webhook secret.
        api.post(path)
            .key(api.a())
            .json(&body)
            .send()
            .await
            .expect_detail(401, "X-Webhook-Secret header required");
        api.post(path)
            .secret("wrong")
            .json(&body)
            .send()
            .await
            .expect_detail(401, "Invalid webhook secret");
        // B's secret for A's provider id, and A's secret for an unknown provider.
        let b_secret = api.fx.b.webhook_secret.clone();
        api.post(path)
            .secret(&b_secret)
            .json(&body)
            .send()
            .await
            .expect_detail(401, "Invalid webhook secret");
        let mut unknown = body.clone();
        unknown["service_provider_document_id"] = json!(uuid::Uuid::new_v4().to_string());
        api.post(path)
            .secret(&api.fx.a.webhook_secret)
            .json(&unknown)
            .send()
            .await
            .expect_detail(401, "Invalid webhook secret");
        // The secret is checked before the fields: a bad body with a bad secret is a 401.
        let mut bad = body.clone();
        bad["plan_version_id"] = json!(7);
        api.post(path)
            .secret("wrong")
            .json(&bad)
            .send()
            .await
            .expect_detail(401, "Invalid webhook secret");
    }
    assert!(api.fx.sink.names().is_empty());
}

#[tokio::test]
async fn the_sandbox_secret_writes_sandbox_records_only() {
    let api = Api::new().await;
    let sandbox_secret = format!("{}-sb", api.fx.a.webhook_secret);
    let r = api
        .post(COMPLETE)
        .secret(&sandbox_secret)
        .json(&api.checkout("sbx@example.com", 0))
        .send()
        .await
        .expect(200);
    api.fx.settle().await;
    let job = format!("/partner/provisioning/jobs/{}", r.id("job_id"));
    let sb = api
        .get(&job)
        .key(&api.fx.a.sandbox_api_key)
        .send()
        .await
        .expect(200);
    assert_eq!(sb.body["status"], "completed");
    api.get(&job)
        .key(api.a())
        .send()
        .await
        .expect_detail(404, "Job not found");
    assert_eq!(
        api.fx.switch.sessions(),
        0,
        "the sandbox never touches a switch"
    );
}

#[tokio::test]
async fn a_body_without_a_provider_id_is_a_422_naming_the_field() {
    let api = Api::new().await;
    let secret = api.fx.a.webhook_secret.clone();
    for (path, body) in [
        (COMPLETE, api.checkout("np@example.com", 0)),
        (ANONYMOUS, api.anonymous("ext-np", 1)),
    ] {
        let mut missing = body.clone();
        missing
            .as_object_mut()
            .unwrap()
            .remove("service_provider_document_id");
        let r = api
            .post(path)
            .secret(&secret)
            .json(&missing)
            .send()
            .await
            .expect(422);
        assert_eq!(
            r.item_at(&["body", "service_provider_document_id"])["type"],
            "value_error.missing"
        );
        let mut malformed = body.clone();
        malformed["service_provider_document_id"] = json!("not-a-uuid");
        let r = api
            .post(path)
            .secret(&secret)
            .json(&malformed)
            .send()
            .await
            .expect(422);
        assert_eq!(
            r.item_at(&["body", "service_provider_document_id"])["type"],
            "value_error.uuid"
        );
        let mut wrong_type = body;
        wrong_type["service_provider_document_id"] = json!(5);
        let r = api
            .post(path)
            .secret(&secret)
            .json(&wrong_type)
            .send()
            .await
            .expect(422);
        assert_eq!(
            r.item_at(&["body", "service_provider_document_id"])["type"],
            "type_error.str"
        );
    }
    assert!(api.fx.sink.names().is_empty());
}

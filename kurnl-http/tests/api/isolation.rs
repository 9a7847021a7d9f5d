//! Provider isolation: B's key on A's ids is a 404 with nothing but the detail.

use serde_json::json;

use crate::support::Api;

#[tokio::test]
async fn another_providers_ids_are_not_found_on_every_endpoint() {
    let api = Api::new().await;
    let r = api
        .post("/partner/provisioning/provider-initiated")
        .key(api.a())
        .json(&api.provision("iso@example.com", 0))
        .send()
        .await
        .expect(200);
    let (sub, subscriber, job) = (
        r.id("subscription_id"),
        r.id("subscriber_id"),
        r.id("job_id"),
    );
    let batch = api
        .post("/partner/provisioning/bulk")
        .key(api.a())
        .json(&json!({"subscribers": [api.provision("iso2@example.com", 1)]}))
        .send()
        .await
        .expect(202)
        .id("batch_id");
    let home = api
        .post("/partner/external-checkout/complete")
        .secret(&api.fx.a.webhook_secret)
        .json(&api.home_drop("iso3@example.com", 0))
        .send()
        .await
        .expect(200)
        .id("subscription_id");

    let b = api.b().to_owned();
    let calls: Vec<(&str, String, Option<serde_json::Value>)> = vec![
        ("GET", format!("/partner/provisioning/bulk/{batch}"), None),
        ("GET", format!("/partner/provisioning/jobs/{job}"), None),
        ("GET", format!("/provider/subscribers/{subscriber}"), None),
        (
            "PATCH",
            format!("/provider/subscribers/{subscriber}"),
            Some(json!({"city": "Hacked"})),
        ),
        (
            "GET",
            format!("/provider/subscribers/{subscriber}/subscriptions"),
            None,
        ),
        ("POST", format!("/subscription/{sub}/activate"), None),
        ("POST", format!("/subscription/{sub}/suspend"), None),
        ("POST", format!("/subscription/{sub}/reactivate"), None),
        ("POST", format!("/subscription/{sub}/cancel"), None),
        (
            "POST",
            format!("/subscription/{sub}/change-plan"),
            Some(json!({"plan_version_id": api.fx.b.plan.id.to_string()})),
        ),
        (
            "POST",
            "/provisioning/confirm-install".to_owned(),
            Some(json!({
                "subscription_id": home,
                "switch_id": api.fx.switch_record.id.to_string(),
                "port_number": 5
            })),
        ),
    ];
    for (method, path, body) in calls {
        let mut call = api.call(method, &path).key(&b);
        if let Some(body) = &body {
            call = call.json(body);
        }
        let r = call.send().await;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.body);
        let keys: Vec<&String> = r.body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["detail"], "{method} {path} leaks nothing");
        let detail = r.detail();
        assert!(!detail.contains("iso"), "{method} {path}: {detail}");
    }
    let list = api
        .get("/provider/subscribers")
        .key(&b)
        .send()
        .await
        .expect(200);
    assert_eq!(list.body["total"], 0);
    assert_eq!(list.body["results"], json!([]));
    let plans = api
        .get("/partner/marketplace/plans/me")
        .key(&b)
        .send()
        .await
        .expect(200);
    assert!(
        !plans
            .body
            .to_string()
            .contains(&api.fx.a.plan.id.to_string())
    );

    // A's data is untouched.
    let one = api
        .get(&format!("/provider/subscribers/{subscriber}"))
        .key(api.a())
        .send()
        .await
        .expect(200);
    assert_eq!(one.body["city"], "Kelowna");
    assert_eq!(one.body["subscriptions"][0]["status"], "ACTIVE");
    assert_eq!(
        one.body["subscriptions"][0]["plan_version_id"],
        api.fx.a.plan.id.to_string().as_str()
    );
}

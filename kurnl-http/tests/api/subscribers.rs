//! Subscriber management.

use serde_json::json;

use crate::support::Api;

#[tokio::test]
async fn create_is_idempotent_by_email_with_201_then_200() {
    let api = Api::new().await;
    let body = json!({"email": "Bob@Example.com", "firstname": "Bob", "lastname": "Stone", "city": "Victoria"});
    let created = api
        .post("/provider/subscribers")
        .key(api.a())
        .json(&body)
        .send()
        .await
        .expect(201);
    assert_eq!(created.body["country"], "Canada");
    assert_eq!(created.body["firstname"], "Bob");
    let again = api
        .post("/provider/subscribers")
        .key(api.a())
        .json(&body)
        .send()
        .await
        .expect(200);
    assert_eq!(again.body["subscriber_id"], created.body["subscriber_id"]);
    let mut conflict = body.clone();
    conflict["lastname"] = json!("Other");
    api.post("/provider/subscribers")
        .key(api.a())
        .json(&conflict)
        .send()
        .await
        .expect(409);
    let r = api
        .post("/provider/subscribers")
        .key(api.a())
        .json(&json!({"email": "nope", "firstname": "X"}))
        .send()
        .await
        .expect(422);
    assert_eq!(r.item_at(&["body", "email"])["type"], "value_error.email");
    assert_eq!(
        r.item_at(&["body", "lastname"])["type"],
        "value_error.missing"
    );
}

#[tokio::test]
async fn list_get_patch_and_subscriptions() {
    let api = Api::new().await;
    let r = api
        .post("/partner/provisioning/provider-initiated")
        .key(api.a())
        .json(&api.provision("carol@example.com", 0))
        .send()
        .await
        .expect(200);
    let id = r.id("subscriber_id");
    for n in 0..3 {
        let body = json!({"email": format!("p{n}@example.com"), "firstname": "P", "lastname": "Q"});
        api.post("/provider/subscribers")
            .key(api.a())
            .json(&body)
            .send()
            .await
            .expect(201);
    }

    let page = api
        .get("/provider/subscribers")
        .key(api.a())
        .send()
        .await
        .expect(200);
    assert_eq!(page.body["total"], 4);
    assert_eq!(
        (page.body["page"].as_u64(), page.body["page_size"].as_u64()),
        (Some(1), Some(50))
    );
    assert_eq!(page.body["has_more"], false);
    let small = api
        .get("/provider/subscribers?page=2&page_size=3")
        .key(api.a())
        .send()
        .await
        .expect(200);
    assert_eq!(small.body["results"].as_array().unwrap().len(), 1);
    let active = api
        .get("/provider/subscribers?status=active&search=carol")
        .key(api.a())
        .send()
        .await
        .expect(200);
    assert_eq!(active.body["total"], 1);
    assert_eq!(active.body["results"][0]["subscriber_id"], id.as_str());
    let r = api
        .get("/provider/subscribers?page_size=500")
        .key(api.a())
        .send()
        .await
        .expect(422);
    r.item_at(&["query", "page_size"]);
    let r = api
        .get("/provider/subscribers?page=abc")
        .key(api.a())
        .send()
        .await
        .expect(422);
    assert_eq!(r.item_at(&["query", "page"])["type"], "type_error.integer");

    let one = api
        .get(&format!("/provider/subscribers/{id}"))
        .key(api.a())
        .send()
        .await
        .expect(200);
    assert_eq!(one.body["email"], "carol@example.com");
    assert_eq!(one.body["subscriptions"][0]["status"], "ACTIVE");
    assert_eq!(
        one.body["subscriptions"][0]["subscription_id"],
        r_sub(&api, &id).await
    );

    let patched = api
        .call("PATCH", &format!("/provider/subscribers/{id}"))
        .key(api.a())
        .json(&json!({"city": "Penticton", "phonenumber": "+16045550000"}))
        .send()
        .await
        .expect(200);
    assert_eq!(patched.body["city"], "Penticton");
    assert_eq!(
        patched.body["firstname"], "Carol",
        "fields not sent are kept"
    );
    let r = api
        .call("PATCH", &format!("/provider/subscribers/{id}"))
        .key(api.a())
        .json(&json!({"email": "new@example.com"}))
        .send()
        .await
        .expect(422);
    assert_eq!(r.item_at(&["body", "email"])["type"], "value_error.extra");
    let r = api
        .call("PATCH", &format!("/provider/subscribers/{id}"))
        .key(api.a())
        .json(&json!({"firstname": ""}))
        .send()
        .await
        .expect(422);
    r.item_at(&["body", "firstname"]);

    let subs = api
        .get(&format!("/provider/subscribers/{id}/subscriptions"))
        .key(api.a())
        .send()
        .await
        .expect(200);
    assert_eq!(subs.body["total"], 1);
    let s = &subs.body["results"][0];
    assert_eq!(s["subscriber_id"], id.as_str());
    assert_eq!(s["delivery_mode"], "direct");
    assert_eq!(s["location_hash"], api.fx.locations[0].as_str());
    for f in ["plan_version_id", "status", "created_at", "updated_at"] {
        assert!(s.get(f).is_some(), "{f}");
    }
    api.get("/provider/subscribers/not-a-uuid")
        .key(api.a())
        .send()
        .await
        .expect(404);
}

/// The subscription id of the subscriber's only subscription.
async fn r_sub(api: &Api, subscriber: &str) -> String {
    let subs = api
        .get(&format!("/provider/subscribers/{subscriber}/subscriptions"))
        .key(api.a())
        .send()
        .await
        .expect(200);
    subs.body["results"][0]["subscription_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

//! Provider settings and credentials over HTTP (non-standard extensions): the operator's
//! calls on any provider and the provider's own with its API key, kept apart from each other
//! and from other providers.

use kurnl_core::ports::Clock as _;
use serde_json::json;

use crate::support::{Api, Call, op, operator_key};

fn patch<'a>(api: &'a Api, path: &str) -> Call<'a> {
    api.call("PATCH", path)
}

#[tokio::test]
async fn a_provider_reaches_only_its_own_settings_and_keys() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let a = api.fx.a.provider.id;
    let b = api.fx.b.provider.id;
    // A provider key opens no operator endpoint, not even for its own provider.
    for path in [
        "/operator/providers".to_owned(),
        format!("/operator/providers/{a}"),
        format!("/operator/providers/{a}/api-keys"),
    ] {
        api.get(&path)
            .key(api.a())
            .send()
            .await
            .expect_detail(401, "X-Operator-Key header required");
    }
    let own = api
        .get("/provider/settings")
        .key(api.a())
        .send()
        .await
        .expect(200);
    assert_eq!(own.body["provider_id"], a.to_string());
    let own = api
        .get("/provider/settings")
        .key(api.b())
        .send()
        .await
        .expect(200);
    assert_eq!(own.body["provider_id"], b.to_string());
    assert!(
        !own.body.to_string().contains(&api.fx.b.webhook_secret),
        "settings never show a secret"
    );
    // The operator lists every provider, still without a secret.
    let all = op(api.get("/operator/providers"), &key)
        .send()
        .await
        .expect(200);
    let ids: Vec<&str> = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["provider_id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&a.to_string().as_str()) && ids.contains(&b.to_string().as_str()),
        "{ids:?}"
    );
    assert!(
        !all.body.to_string().contains(&api.fx.b.webhook_secret),
        "the list never shows a secret"
    );
    // B's key ids are unknown to A.
    let b_keys = op(api.get(&format!("/operator/providers/{b}/api-keys")), &key)
        .send()
        .await
        .expect(200)
        .body;
    let b_key = b_keys[0]["id"].as_str().unwrap().to_owned();
    api.post(&format!("/provider/api-keys/{b_key}/revoke"))
        .key(api.a())
        .send()
        .await
        .expect_detail(404, "API key not found");
    op(
        api.post(&format!("/operator/providers/{a}/api-keys/{b_key}/revoke")),
        &key,
    )
    .send()
    .await
    .expect_detail(404, "API key not found");
    api.get("/partner/marketplace/plans/me")
        .key(api.b())
        .send()
        .await
        .expect(200);
    op(
        api.get(&format!("/operator/providers/{}", uuid::Uuid::new_v4())),
        &key,
    )
    .send()
    .await
    .expect_detail(404, "Provider not found");
}

#[tokio::test]
async fn settings_change_with_field_errors_and_sandbox_keys_stay_in_the_sandbox() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let a = api.fx.a.provider.id;
    let r = patch(&api, "/provider/settings")
        .key(api.a())
        .json(&json!({"webhook_url": "https://isp.example/hooks", "external_checkout_url": "https://isp.example/buy"}))
        .send()
        .await
        .expect(200);
    assert_eq!(r.body["webhook_url"], "https://isp.example/hooks");
    let stored = api.fx.store.get_provider(a).await.unwrap().unwrap();
    assert_eq!(
        stored.live.url.as_deref(),
        Some("https://isp.example/hooks")
    );
    assert_eq!(
        stored.external_checkout_url.as_deref(),
        Some("https://isp.example/buy")
    );

    let r = patch(&api, "/provider/settings")
        .key(api.a())
        .json(&json!({"webhook_url": "ftp://isp.example", "sandbox_webhook_url": "https://", "name": "x"}))
        .send()
        .await
        .expect(422);
    r.item_at(&["body", "name"]);
    let r = patch(&api, "/provider/settings")
        .key(api.a())
        .json(&json!({"webhook_url": "ftp://isp.example", "sandbox_webhook_url": "https://"}))
        .send()
        .await
        .expect(422);
    r.item_at(&["body", "webhook_url"]);
    r.item_at(&["body", "sandbox_webhook_url"]);

    let sandbox = &api.fx.a.sandbox_api_key;
    patch(&api, "/provider/settings")
        .key(sandbox)
        .json(&json!({"webhook_url": "https://evil.example"}))
        .send()
        .await
        .expect_detail(403, "A sandbox API key can change only sandbox settings");
    let r = patch(&api, "/provider/settings")
        .key(sandbox)
        .json(&json!({"sandbox_webhook_url": "http://127.0.0.1:9999/sb"}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        r.body["webhook_url"], "https://isp.example/hooks",
        "production untouched"
    );
    assert_eq!(r.body["sandbox_webhook_url"], "http://127.0.0.1:9999/sb");

    // The operator may change any provider; null clears.
    let r = op(patch(&api, &format!("/operator/providers/{a}")), &key)
        .json(&json!({"external_checkout_url": null}))
        .send()
        .await
        .expect(200);
    assert!(r.body["external_checkout_url"].is_null());
    assert_eq!(
        r.body["webhook_url"], "https://isp.example/hooks",
        "left out, left alone"
    );
}

#[tokio::test]
async fn a_provider_issues_lists_and_revokes_its_own_keys() {
    let api = Api::new().await;
    let issued = api
        .post("/provider/api-keys")
        .key(api.a())
        .json(&json!({"sandbox": true}))
        .send()
        .await
        .expect(201)
        .body;
    let new_key = issued["key"].as_str().unwrap().to_owned();
    assert!(
        new_key.starts_with("krnl_live_"),
        "a live key issues live keys whatever the body says: {new_key}"
    );
    api.get("/partner/marketplace/plans/me")
        .key(&new_key)
        .send()
        .await
        .expect(200);
    let listed = api
        .get("/provider/api-keys")
        .key(api.a())
        .send()
        .await
        .expect(200)
        .body;
    let listed = listed.as_array().unwrap();
    assert!(
        listed.iter().all(|k| k.get("key").is_none()),
        "a list never shows a key"
    );
    assert!(
        listed.iter().all(|k| k["sandbox"] == false),
        "only the caller's environment"
    );
    assert!(listed.iter().any(|k| k["id"] == issued["id"]));
    let id = issued["id"].as_str().unwrap();
    let revoked = api
        .post(&format!("/provider/api-keys/{id}/revoke"))
        .key(&new_key)
        .send()
        .await
        .expect(200)
        .body;
    assert!(revoked["revoked_at"].is_string());
    api.get("/partner/marketplace/plans/me")
        .key(&new_key)
        .send()
        .await
        .expect_detail(401, "Invalid API key");
    api.get("/partner/marketplace/plans/me")
        .key(api.a())
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn a_rotated_secret_overlaps_with_the_previous_one_then_replaces_it() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let a = api.fx.a.provider.id;
    let old = api.fx.a.webhook_secret.clone();
    let rotated = api
        .post("/provider/webhook-secret/rotate")
        .key(api.a())
        .json(&json!({"overlap_seconds": 3600}))
        .send()
        .await
        .expect(200)
        .body;
    let new = rotated["webhook_secret"].as_str().unwrap().to_owned();
    assert!(new.starts_with("whsec_") && new != old);
    assert_eq!(rotated["sandbox"], false);
    let stored = api.fx.store.get_provider(a).await.unwrap().unwrap();
    assert_eq!(
        stored.live.secret.as_ref().map(|s| s.expose()),
        Some(new.as_str())
    );
    assert_eq!(
        stored.live.previous_secret.as_ref().map(|s| s.expose()),
        Some(old.as_str())
    );
    assert_eq!(
        stored.live.signing_secrets(api.fx.clock.now()).len(),
        2,
        "deliveries are signed with both secrets during the overlap"
    );
    let settings = op(api.get(&format!("/operator/providers/{a}")), &key)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        settings["previous_webhook_secret_valid_until"],
        rotated["previous_secret_valid_until"]
    );

    // External checkout takes either secret during the overlap, only the new one after it.
    for (n, secret) in [(0, old.as_str()), (1, new.as_str())] {
        api.post("/partner/external-checkout/complete")
            .secret(secret)
            .json(&api.checkout(&format!("rot{n}@example.com"), n))
            .send()
            .await
            .expect(200);
    }
    api.fx.clock.advance(chrono::Duration::seconds(3601));
    api.post("/partner/external-checkout/complete")
        .secret(&old)
        .json(&api.checkout("rot2@example.com", 2))
        .send()
        .await
        .expect_detail(401, "Invalid webhook secret");
    api.post("/partner/external-checkout/complete")
        .secret(&new)
        .json(&api.checkout("rot3@example.com", 3))
        .send()
        .await
        .expect(200);
    let stored = api.fx.store.get_provider(a).await.unwrap().unwrap();
    assert_eq!(stored.live.signing_secrets(api.fx.clock.now()).len(), 1);

    // The operator rotates the sandbox secret at once (no overlap); limits are checked.
    let r = op(
        api.post(&format!("/operator/providers/{a}/webhook-secret/rotate")),
        &key,
    )
    .json(&json!({"sandbox": true, "overlap_seconds": 0}))
    .send()
    .await
    .expect(200)
    .body;
    assert_eq!(r["sandbox"], true);
    assert!(r.get("previous_secret_valid_until").is_none());
    op(
        api.post(&format!("/operator/providers/{a}/webhook-secret/rotate")),
        &key,
    )
    .json(&json!({"overlap_seconds": 604801}))
    .send()
    .await
    .expect(422)
    .item_at(&["body", "overlap_seconds"]);
}

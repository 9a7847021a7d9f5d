//! Credentials, malformed requests, unknown routes, the OpenAPI document and request ids.

use kurnl_http::RouterConfig;
use serde_json::json;

use crate::support::{Api, api_key_endpoints};

#[tokio::test]
async fn every_api_key_endpoint_requires_a_valid_key() {
    let api = Api::new().await;
    let id = uuid::Uuid::new_v4().to_string();
    for (method, path) in api_key_endpoints(&id) {
        let r = api.call(method, &path).json(&json!({})).send().await;
        assert_eq!(r.status, 401, "{method} {path}");
        assert_eq!(
            r.body,
            json!({"detail": "X-API-Key header required"}),
            "{method} {path}"
        );
        let r = api
            .call(method, &path)
            .key("krnl_live_not-a-real-key-000000")
            .send()
            .await;
        assert_eq!(
            r.body,
            json!({"detail": "Invalid API key"}),
            "{method} {path}"
        );
        assert_eq!(r.status, 401);
        // A webhook secret is not an API key.
        let r = api
            .call(method, &path)
            .secret(&api.fx.a.webhook_secret)
            .send()
            .await;
        assert_eq!(r.status, 401, "{method} {path}");
    }
    // An empty header is a missing one.
    let r = api
        .get("/partner/marketplace/plans/me")
        .key("")
        .send()
        .await;
    r.expect_detail(401, "X-API-Key header required");
}

#[tokio::test]
async fn malformed_bodies_get_clear_4xx_answers() {
    let api = Api::with_config(RouterConfig::default().with_max_body_bytes(4096)).await;
    let path = "/partner/provisioning/provider-initiated";
    let post = || api.post(path).key(api.a());

    let r = post()
        .header("content-type", "application/json")
        .bytes("{\"email\": ")
        .send()
        .await
        .expect(422);
    let item = r.item_at(&["body"]);
    assert_eq!(item["type"], "value_error.jsondecode");
    assert!(
        item["msg"].as_str().unwrap().starts_with("invalid json: "),
        "{item}"
    );

    post()
        .header("content-type", "text/plain")
        .bytes(serde_json::to_vec(&api.provision("ct@example.com", 0)).unwrap())
        .send()
        .await
        .expect_detail(415, "Content-Type must be application/json");
    post()
        .bytes(serde_json::to_vec(&api.provision("ct@example.com", 0)).unwrap())
        .send()
        .await
        .expect(415);
    // `application/json; charset=utf-8` is JSON.
    post()
        .header("content-type", "application/json; charset=utf-8")
        .bytes(serde_json::to_vec(&api.provision("ct@example.com", 0)).unwrap())
        .send()
        .await
        .expect(200);

    let r = post()
        .header("content-type", "application/json")
        .send()
        .await
        .expect(422);
    assert_eq!(r.item_at(&["body"])["type"], "value_error.missing");
    let r = post().json(&json!([1, 2])).send().await.expect(422);
    r.item_at(&["body"]);

    let mut big = api.provision("big@example.com", 1);
    big["firstname"] = json!("x".repeat(10_000));
    post()
        .json(&big)
        .send()
        .await
        .expect_detail(413, "Request body too large");
    // Without a Content-Length the limit still holds while reading.
    let stream = futures_body(serde_json::to_vec(&big).unwrap());
    let r = api
        .post(path)
        .key(api.a())
        .header("content-type", "application/json")
        .body(stream)
        .send()
        .await;
    r.expect_detail(413, "Request body too large");

    // The same on a webhook-secret endpoint.
    api.post("/partner/external-checkout/complete")
        .secret(&api.fx.a.webhook_secret)
        .header("content-type", "application/json")
        .bytes("not json")
        .send()
        .await
        .expect(422);
    api.post("/partner/external-checkout/complete")
        .secret(&api.fx.a.webhook_secret)
        .header("content-type", "text/xml")
        .bytes("<a/>")
        .send()
        .await
        .expect(415);
}

/// A body of unknown length (no `Content-Length`).
fn futures_body(bytes: Vec<u8>) -> axum::body::Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(512).map(|c| Ok(c.to_vec())).collect();
    axum::body::Body::from_stream(futures::stream::iter(chunks))
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json() {
    let api = Api::new().await;
    let r = api
        .get("/nope")
        .key(api.a())
        .send()
        .await
        .expect_detail(404, "Not Found");
    assert!(r.header("x-ratelimit-limit").is_some());
    api.raw("GET", "/elsewhere")
        .send()
        .await
        .expect_detail(404, "Not Found");
    api.call("DELETE", "/provider/subscribers")
        .key(api.a())
        .send()
        .await
        .expect_detail(405, "Method Not Allowed");
    api.get("/subscription/x/cancel")
        .key(api.a())
        .send()
        .await
        .expect(405);
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let api = Api::new().await;
    let r = api.get("/openapi.json").send().await.expect(200);
    let doc = &r.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let id = "{x}";
    for (method, path) in api_key_endpoints(id) {
        let templated = path
            .replace("bulk/{x}", "bulk/{batch_id}")
            .replace("jobs/{x}", "jobs/{job_id}");
        let templated = if templated.starts_with("/provider") {
            templated.replace("{x}", "{subscriber_id}")
        } else {
            templated.replace("{x}", "{subscription_id}")
        };
        let full = format!("/api/v1{templated}");
        let op = &paths
            .get(&full)
            .unwrap_or_else(|| panic!("{full} missing from the document"))[method.to_lowercase()];
        assert!(op.is_object(), "{method} {full}");
        assert_eq!(op["security"][0]["api_key"], json!([]), "{method} {full}");
    }
    for checkout in ["complete", "anonymous-complete"] {
        let full = format!("/api/v1/partner/external-checkout/{checkout}");
        assert_eq!(
            paths[&full]["post"]["security"][0]["webhook_secret"],
            json!([])
        );
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["api_key"]["name"], "X-API-Key");
    assert_eq!(schemes["webhook_secret"]["name"], "X-Webhook-Secret");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in [
        "ProvisionResponse",
        "CheckoutRequest",
        "SubscriberView",
        "BatchStatusView",
        "ValidationError",
    ] {
        assert!(schemas.contains_key(s), "{s}");
    }
    let plans = &paths["/api/v1/partner/marketplace/plans/me"]["get"]["responses"];
    assert!(plans["200"]["headers"]["X-RateLimit-Reset"].is_object());
    assert!(plans["429"]["headers"]["Retry-After"].is_object());
    assert!(
        paths["/api/v1/partner/provisioning/bulk"]["post"]["responses"]
            .as_object()
            .unwrap()
            .contains_key("202")
    );
}

#[tokio::test]
async fn request_ids_are_returned_and_may_be_supplied() {
    let api = Api::new().await;
    let r = api
        .get("/openapi.json")
        .header("x-request-id", "abc-123")
        .send()
        .await;
    assert_eq!(r.header("x-request-id"), Some("abc-123"));
    let r = api
        .get("/openapi.json")
        .header("x-request-id", "bad id\twith junk")
        .send()
        .await;
    let generated = r.header("x-request-id").unwrap();
    assert_eq!(generated.len(), 32);
    let other = api.get("/openapi.json").send().await;
    assert_ne!(other.header("x-request-id"), Some(generated));
}

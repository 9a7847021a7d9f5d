//! `GET /healthz` and `GET /readyz`: no key, no rate limit, and a store that is not ready
//! makes readiness (not liveness) fail without saying why.

use std::sync::Arc;

use kurnl_core::ports::{MockStore, StoreError};
use kurnl_core::service::Service;
use kurnl_http::RouterConfig;

use crate::support::Api;

#[tokio::test]
async fn healthz_and_readyz_answer_without_a_key() {
    let api = Api::new().await;
    let r = api.raw("GET", "/healthz").send().await.expect(200);
    assert_eq!(r.body["status"], "ok");
    let r = api.raw("GET", "/readyz").send().await.expect(200);
    assert_eq!(r.body["status"], "ready");
}

#[tokio::test]
async fn a_store_that_is_not_ready_fails_readiness_but_not_liveness() {
    let mut store = MockStore::new();
    store.expect_check_ready().returning(|| {
        Err(StoreError::backend(
            "the schema is at migration 3; this build of kurnl expects 5 (host db.internal)",
        ))
    });
    let api = Api::bare(kurnl_http::router(Service::new(Arc::new(store)))).await;
    let r = api.raw("GET", "/readyz").send().await.expect(503);
    assert_eq!(r.body["status"], "unavailable");
    assert_eq!(r.body["reason"], "store");
    let text = r.body.to_string();
    assert!(
        !text.contains("db.internal") && !text.contains("migration"),
        "the readiness answer must not carry the store's error: {text}"
    );
    api.raw("GET", "/healthz").send().await.expect(200);
}

#[tokio::test]
async fn probes_are_not_rate_limited() {
    let api = Api::with_config(RouterConfig::default().with_api_key_limit(2)).await;
    for _ in 0..5 {
        api.raw("GET", "/healthz").send().await.expect(200);
        api.raw("GET", "/readyz").send().await.expect(200);
    }
    // The same client is limited on the API itself.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(api.raw("GET", "/api/v1/openapi.json").send().await.status);
    }
    assert_eq!(statuses, [200, 200, 429]);
}

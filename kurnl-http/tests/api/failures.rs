//! Server-side failures: a 500 says nothing about internals, and a panic is a 500 too.

use std::sync::Arc;

use kurnl_core::ports::{MockStore, StoreError};
use kurnl_core::service::Service;

use crate::support::Api;

async fn api_over(store: MockStore) -> Api {
    Api::bare(kurnl_http::router(Service::new(Arc::new(store)))).await
}

#[tokio::test]
async fn a_store_failure_is_a_generic_500() {
    let mut store = MockStore::new();
    store.expect_find_api_key().returning(|_| {
        Err(StoreError::backend(
            "connection to db.internal:5432 refused (user=kurnl password=hunter2)",
        ))
    });
    let api = api_over(store).await;
    let r = api
        .raw("GET", "/api/v1/partner/marketplace/plans/me")
        .key("krnl_live_some-key-some-key-0000")
        .send()
        .await
        .expect_detail(500, "Internal server error");
    assert!(r.header("x-ratelimit-limit").is_some());
}

#[tokio::test]
async fn a_panic_is_a_generic_500() {
    // A mock with no expectations panics when called.
    let api = api_over(MockStore::new()).await;
    let r = api
        .raw("GET", "/api/v1/provider/subscribers")
        .key("krnl_live_some-key-some-key-0000")
        .send()
        .await
        .expect_detail(500, "Internal server error");
    assert!(r.header("x-ratelimit-remaining").is_some());
    // The router keeps serving.
    api.raw("GET", "/api/v1/openapi.json")
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn a_revoked_key_fails_at_once() {
    let api = Api::new().await;
    let issued = api
        .fx
        .service
        .issue_api_key(api.fx.a.provider.id, false)
        .await
        .unwrap();
    let key = issued.key.expose().to_owned();
    api.get("/partner/marketplace/plans/me")
        .key(&key)
        .send()
        .await
        .expect(200);
    api.fx.service.revoke_api_key(issued.id).await.unwrap();
    api.get("/partner/marketplace/plans/me")
        .key(&key)
        .send()
        .await
        .expect_detail(401, "Invalid API key");
}

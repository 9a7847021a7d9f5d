//! The webhook test ping (gap G23) through the service: sent through the event sink to the
//! environment's URL, nothing sent without a URL, a clear error without a sink, and a
//! provider's sandbox key pings its sandbox URL only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use kurnl_core::memory::InMemoryStore;
use kurnl_core::ports::{SinkOutcome, Store};
use kurnl_core::service::SettingsActor;
use kurnl_core::testkit::Fixture;

async fn fixture() -> Fixture {
    Fixture::new(Arc::new(InMemoryStore::new()) as Arc<dyn Store>).await
}

#[tokio::test]
async fn a_ping_goes_to_the_environments_url_and_reports_the_answer() {
    let fx = fixture().await;
    let service = fx.service.clone().with_event_sink(fx.sink.clone());
    let id = fx.a.provider.id.to_string();

    let live = service
        .send_test_ping(SettingsActor::Operator, &id, Some(false))
        .await
        .unwrap();
    assert!(live.url_set && live.acknowledged, "{live:?}");
    assert_eq!(live.status_code, Some(200));
    assert_eq!(fx.sink.pings(), vec![(fx.a.provider.id, false)]);
    assert!(live.summary().contains("HTTP 200"), "{}", live.summary());

    // The fixture's provider has no sandbox URL: nothing is sent, and it says so.
    let sandbox = service
        .send_test_ping(SettingsActor::Provider(fx.a.sandbox_caller), &id, None)
        .await
        .unwrap();
    assert!(sandbox.sandbox && !sandbox.url_set && !sandbox.acknowledged);
    assert_eq!(fx.sink.pings().len(), 1, "a ping went to no URL");
    assert!(sandbox.summary().contains("no sandbox webhook URL"));

    // A receiver that answers 503: not acknowledged, the status and error shown.
    fx.sink
        .script([SinkOutcome::Retryable { retry_after: None }]);
    let failed = service
        .send_test_ping(SettingsActor::Provider(fx.a.caller), &id, Some(true))
        .await
        .unwrap();
    assert!(!failed.sandbox, "a live key pinged the sandbox URL");
    assert!(!failed.acknowledged);
    assert_eq!(failed.status_code, Some(503));
    assert!(failed.summary().contains("failed"), "{}", failed.summary());
    // Nothing of it reached the outbox.
    assert!(fx.sink.events().is_empty());
}

#[tokio::test]
async fn without_a_sink_or_a_provider_the_ping_is_refused_clearly() {
    let fx = fixture().await;
    let err = fx
        .service
        .send_test_ping(SettingsActor::Operator, &fx.a.provider.id.to_string(), None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 500);
    assert!(err.to_string().contains("no event sink"), "{err}");

    let service = fx.service.clone().with_event_sink(fx.sink.clone());
    let err = service
        .send_test_ping(
            SettingsActor::Operator,
            "00000000-0000-4000-8000-00000000dead",
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), 404);
}

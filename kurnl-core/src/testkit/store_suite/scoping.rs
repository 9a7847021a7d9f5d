//! Provider scoping of every read that takes a provider.

use super::fixtures::{
    event, expect_not_found, idle_time, job, new_provider, ok, subscriber, subscription, world,
};
use crate::model::{Batch, BatchEntry};
use crate::ports::{EventQuery, Store, SubscriberQuery, WriteSet};
use crate::types::BatchId;

/// Every read that takes a provider returns nothing for another provider's rows.
pub async fn provider_scoping(store: &dyn Store) {
    let w = world(store, 1, 1).await;
    let intruder = new_provider(store).await;
    let t = idle_time();
    let owner = subscriber(w.provider, false, t);
    ok(store.insert_subscriber(&owner).await, "insert_subscriber");
    let mut sub = subscription(&w, Some(w.ports[0]), t);
    sub.subscriber_id = Some(owner.id);
    let j = job(&sub, w.ports[0], t, t);
    let e = event(&sub, t);
    let writes = WriteSet {
        new_subscription: Some(sub.clone()),
        jobs: vec![j.clone()],
        events: vec![e.clone()],
        ..Default::default()
    };
    ok(store.commit(writes).await, "commit");
    let batch = Batch {
        id: BatchId::new_random(),
        provider_id: w.provider,
        sandbox: false,
        created_at: t,
        entries: vec![BatchEntry {
            index: 0,
            email: owner.email.to_string(),
            request: serde_json::json!({}),
            outcome: None,
        }],
    };
    ok(store.create_batch(&batch, 3).await, "create_batch");
    let key = sub.idempotency_key.clone().unwrap_or_default();

    // The owner sees everything ...
    assert!(
        ok(
            store.get_subscription(w.provider, sub.id).await,
            "get_subscription"
        )
        .is_some(),
        "store conformance: Store::get_subscription finds the subscription for its own provider"
    );
    assert!(
        ok(store.get_job(w.provider, j.id).await, "get_job").is_some(),
        "store conformance: Store::get_job finds the job for its own provider"
    );
    assert!(
        ok(store.get_event(w.provider, e.id).await, "get_event").is_some(),
        "store conformance: Store::get_event finds the event for its own provider"
    );
    assert!(
        ok(store.get_batch(w.provider, batch.id).await, "get_batch").is_some(),
        "store conformance: Store::get_batch finds the batch for its own provider"
    );
    // ... the intruder nothing.
    let p = intruder;
    let leak = "store conformance: provider scoping leaks through";
    assert!(
        ok(store.get_subscriber(p, owner.id).await, "get_subscriber").is_none(),
        "{leak} get_subscriber"
    );
    assert!(
        ok(
            store.find_subscriber_by_email(p, false, &owner.email).await,
            "find"
        )
        .is_none(),
        "{leak} find_subscriber_by_email"
    );
    assert!(
        ok(store.get_subscription(p, sub.id).await, "get_subscription").is_none(),
        "{leak} get_subscription"
    );
    assert!(
        ok(
            store.find_live_subscription_by_key(p, false, &key).await,
            "find"
        )
        .is_none(),
        "{leak} find_live_subscription_by_key"
    );
    assert!(
        ok(store.list_subscriptions_of(p, owner.id).await, "list").is_empty(),
        "{leak} list_subscriptions_of"
    );
    assert!(
        ok(store.get_job(p, j.id).await, "get_job").is_none(),
        "{leak} get_job"
    );
    assert!(
        ok(store.list_jobs_of(p, sub.id).await, "list_jobs_of").is_empty(),
        "{leak} list_jobs_of"
    );
    assert!(
        ok(store.get_event(p, e.id).await, "get_event").is_none(),
        "{leak} get_event"
    );
    assert!(
        ok(store.list_events_of(p, sub.id).await, "list_events_of").is_empty(),
        "{leak} list_events_of"
    );
    let events = ok(
        store
            .list_events(&EventQuery {
                provider_id: p,
                since: None,
                status: None,
                limit: 1000,
            })
            .await,
        "list_events",
    );
    assert!(
        events.iter().all(|ev| ev.provider_id == p),
        "{leak} list_events"
    );
    expect_not_found(
        store.replay_event(p, e.id, t).await,
        "replay of another provider's event",
    );
    assert!(
        ok(store.get_batch(p, batch.id).await, "get_batch").is_none(),
        "{leak} get_batch"
    );
    assert!(
        ok(store.list_plan_versions(p).await, "list_plan_versions").is_empty(),
        "{leak} list_plan_versions"
    );
    let q = SubscriberQuery {
        provider_id: p,
        sandbox: false,
        page: 1,
        page_size: 100,
        status: None,
        search: None,
    };
    assert_eq!(
        ok(store.list_subscribers(&q).await, "list_subscribers").total,
        0,
        "{leak} list_subscribers"
    );
}

//! Subscriptions: atomic commits, live uniqueness, revisions.

use super::fixtures::{
    at, event, expect_conflict, expect_not_found, idle_time, insert_subscription, job, new_unit,
    ok, subscriber, subscription, with_status, world,
};
use crate::ports::{ConflictKind, Store, SubscriptionUpdate, WriteSet};
use crate::types::SubscriptionStatus;

/// A write set that breaks a rule writes nothing: not its subscriber, subscription, jobs or
/// events, and it does not use up event sequence numbers.
pub async fn commit_is_atomic_on_conflict(store: &dyn Store) {
    let w = world(store, 2, 1).await;
    let t = idle_time();
    let holder = subscription(&w, Some(w.ports[0]), t);
    let first_event = event(&holder, t);
    let writes = WriteSet {
        new_subscription: Some(holder.clone()),
        events: vec![first_event],
        ..Default::default()
    };
    ok(store.commit(writes).await, "commit");

    // A new subscriber + subscription on the taken port + job + event: all or nothing.
    let newcomer = subscriber(w.provider, false, t);
    let mut sub = subscription(&w, Some(w.ports[0]), at(t, 1));
    sub.subscriber_id = Some(newcomer.id);
    let j = job(&sub, w.ports[0], at(t, 1), at(t, 1));
    let e = event(&sub, at(t, 1));
    let holder_event = event(&holder, at(t, 1));
    let writes = WriteSet {
        new_subscriber: Some(newcomer.clone()),
        new_subscription: Some(sub.clone()),
        subscription_update: None,
        jobs: vec![j.clone()],
        events: vec![e.clone(), holder_event.clone()],
    };
    expect_conflict(
        store.commit(writes).await,
        ConflictKind::PortTaken,
        "commit on a taken port",
    );
    assert_nothing_stored(store, &w, &newcomer, &sub, &j, &[e.id, holder_event.id]).await;

    // A stale update next to new rows: nothing either.
    let stale = SubscriptionUpdate {
        expected_revision: 7,
        after: with_status(&holder, SubscriptionStatus::Suspended).after,
    };
    let mut free = subscription(&w, Some(w.ports[1]), at(t, 2));
    free.subscriber_id = Some(newcomer.id);
    let j2 = job(&free, w.ports[1], at(t, 2), at(t, 2));
    let e2 = event(&free, at(t, 2));
    let writes = WriteSet {
        new_subscriber: Some(newcomer.clone()),
        new_subscription: Some(free.clone()),
        subscription_update: Some(stale),
        jobs: vec![j2.clone()],
        events: vec![e2.clone()],
    };
    expect_conflict(
        store.commit(writes).await,
        ConflictKind::Revision,
        "commit with a stale revision",
    );
    assert_nothing_stored(store, &w, &newcomer, &free, &j2, &[e2.id]).await;
    let stored = ok(
        store.get_subscription(w.provider, holder.id).await,
        "get_subscription",
    );
    assert_eq!(
        stored,
        Some(holder.clone()),
        "a failed commit changed the subscription"
    );

    // Sequence numbers continue without a gap after failed commits.
    let next = event(&holder, at(t, 3));
    ok(
        store
            .commit(WriteSet {
                events: vec![next.clone()],
                ..Default::default()
            })
            .await,
        "commit of an event",
    );
    let seqs: Vec<i64> = ok(
        store.list_events_of(w.provider, holder.id).await,
        "list_events_of",
    )
    .iter()
    .map(|e| e.sequence)
    .collect();
    assert_eq!(
        seqs,
        vec![1, 2],
        "failed commits must not use up event sequence numbers"
    );
}

async fn assert_nothing_stored(
    store: &dyn Store,
    w: &super::fixtures::World,
    subscriber: &crate::model::Subscriber,
    sub: &crate::model::Subscription,
    j: &crate::model::Job,
    events: &[crate::types::EventId],
) {
    let what = "a rejected commit wrote";
    assert_eq!(
        ok(
            store.get_subscriber(w.provider, subscriber.id).await,
            "get_subscriber"
        ),
        None,
        "{what} its subscriber"
    );
    assert_eq!(
        ok(
            store.get_subscription(w.provider, sub.id).await,
            "get_subscription"
        ),
        None,
        "{what} its subscription"
    );
    assert_eq!(
        ok(store.get_job(w.provider, j.id).await, "get_job"),
        None,
        "{what} its job"
    );
    for id in events {
        assert_eq!(
            ok(store.get_event(w.provider, *id).await, "get_event"),
            None,
            "{what} its event"
        );
    }
    assert!(
        ok(
            store.list_events_of(w.provider, sub.id).await,
            "list_events_of"
        )
        .is_empty(),
        "{what} events"
    );
}

/// Among live subscriptions `(provider, sandbox, idempotency_key)` is unique; another
/// environment or provider may reuse the key; cancelling frees it; no key is no constraint.
pub async fn idempotency_key_unique_among_live(store: &dyn Store) {
    let w = world(store, 5, 1).await;
    let t = idle_time();
    let a = subscription(&w, Some(w.ports[0]), t);
    insert_subscription(store, &a).await;
    let key = a.idempotency_key.clone().unwrap_or_default();

    let mut b = subscription(&w, Some(w.ports[1]), at(t, 1));
    b.idempotency_key = a.idempotency_key.clone();
    let writes = WriteSet {
        new_subscription: Some(b.clone()),
        ..Default::default()
    };
    expect_conflict(
        store.commit(writes).await,
        ConflictKind::IdempotencyKey,
        "second live subscription with one key",
    );

    let mut sandbox = b.clone();
    sandbox.id = crate::types::SubscriptionId::new_random();
    sandbox.sandbox = true;
    insert_subscription(store, &sandbox).await;
    let other = world(store, 1, 1).await;
    let mut elsewhere = subscription(&other, Some(other.ports[0]), t);
    elsewhere.idempotency_key = a.idempotency_key.clone();
    insert_subscription(store, &elsewhere).await;

    let found = ok(
        store
            .find_live_subscription_by_key(w.provider, false, &key)
            .await,
        "find_live_subscription_by_key",
    );
    assert_eq!(found, Some(a.clone()), "find_live_subscription_by_key");
    let found = ok(
        store
            .find_live_subscription_by_key(w.provider, true, &key)
            .await,
        "find_live_subscription_by_key",
    );
    assert_eq!(
        found.map(|s| s.id),
        Some(sandbox.id),
        "the sandbox has its own key space"
    );

    let cancel = with_status(&a, SubscriptionStatus::Cancelled);
    ok(
        store
            .commit(WriteSet {
                subscription_update: Some(cancel),
                ..Default::default()
            })
            .await,
        "cancel",
    );
    let found = ok(
        store
            .find_live_subscription_by_key(w.provider, false, &key)
            .await,
        "find_live_subscription_by_key",
    );
    assert_eq!(found, None, "a cancelled subscription is not live");
    insert_subscription(store, &b).await;
    let found = ok(
        store
            .find_live_subscription_by_key(w.provider, false, &key)
            .await,
        "find_live_subscription_by_key",
    );
    assert_eq!(
        found.map(|s| s.id),
        Some(b.id),
        "the key is reusable once the holder is cancelled"
    );

    for port in &w.ports[2..4] {
        let mut keyless = subscription(&w, Some(*port), t);
        keyless.idempotency_key = None;
        insert_subscription(store, &keyless).await;
    }
}

/// `(sandbox, port)` and `(sandbox, unit_id)` are unique among live subscriptions only:
/// another environment may use them, and cancelling the holder frees them.
pub async fn cancelled_frees_port_and_unit(store: &dyn Store) {
    let w = world(store, 2, 1).await;
    let unit = new_unit(store).await;
    let t = idle_time();
    let mut holder = subscription(&w, Some(w.ports[0]), t);
    holder.unit_id = Some(unit);
    insert_subscription(store, &holder).await;

    let on_port = subscription(&w, Some(w.ports[0]), at(t, 1));
    let mut on_unit = subscription(&w, Some(w.ports[1]), at(t, 1));
    on_unit.unit_id = Some(unit);
    let attempt = |s: &crate::model::Subscription| WriteSet {
        new_subscription: Some(s.clone()),
        ..Default::default()
    };
    expect_conflict(
        store.commit(attempt(&on_port)).await,
        ConflictKind::PortTaken,
        "second live subscription on a port",
    );
    expect_conflict(
        store.commit(attempt(&on_unit)).await,
        ConflictKind::UnitTaken,
        "second live subscription on a unit",
    );

    let mut sandbox = on_unit.clone();
    sandbox.id = crate::types::SubscriptionId::new_random();
    sandbox.sandbox = true;
    sandbox.port = Some(w.ports[0]);
    insert_subscription(store, &sandbox).await;

    let mut cancelled = subscription(&w, Some(w.ports[0]), at(t, 2));
    cancelled.unit_id = Some(unit);
    cancelled.status = SubscriptionStatus::Cancelled;
    insert_subscription(store, &cancelled).await;

    let cancel = with_status(&holder, SubscriptionStatus::Cancelled);
    ok(
        store
            .commit(WriteSet {
                subscription_update: Some(cancel),
                ..Default::default()
            })
            .await,
        "cancel",
    );
    insert_subscription(store, &on_port).await;
    insert_subscription(store, &on_unit).await;
}

/// Updates are compare-and-swap on `revision`; a missing row is `NotFound`; moving onto a
/// port or unit held by another live subscription is `PortTaken` / `UnitTaken`; keeping its
/// own port is fine.
pub async fn revision_cas(store: &dyn Store) {
    let w = world(store, 3, 1).await;
    let unit = new_unit(store).await;
    let t = idle_time();
    let a = subscription(&w, Some(w.ports[0]), t);
    let mut b = subscription(&w, Some(w.ports[1]), t);
    b.unit_id = Some(unit);
    insert_subscription(store, &a).await;
    insert_subscription(store, &b).await;
    let update = |u: SubscriptionUpdate| WriteSet {
        subscription_update: Some(u),
        ..Default::default()
    };

    let suspended = with_status(&a, SubscriptionStatus::Suspended);
    ok(
        store.commit(update(suspended.clone())).await,
        "update with the current revision (same port)",
    );
    let stale = with_status(&a, SubscriptionStatus::Pending);
    expect_conflict(
        store.commit(update(stale)).await,
        ConflictKind::Revision,
        "update with a stale revision",
    );
    let stored = ok(
        store.get_subscription(w.provider, a.id).await,
        "get_subscription",
    );
    assert_eq!(
        stored.as_ref(),
        Some(&suspended.after),
        "the stored row must be the first update"
    );

    let current = suspended.after;
    let mut onto_port = with_status(&current, SubscriptionStatus::Active);
    onto_port.after.port = Some(w.ports[1]);
    expect_conflict(
        store.commit(update(onto_port)).await,
        ConflictKind::PortTaken,
        "update onto a taken port",
    );
    let mut onto_unit = with_status(&current, SubscriptionStatus::Active);
    onto_unit.after.unit_id = Some(unit);
    expect_conflict(
        store.commit(update(onto_unit)).await,
        ConflictKind::UnitTaken,
        "update onto a taken unit",
    );
    let stored = ok(
        store.get_subscription(w.provider, a.id).await,
        "get_subscription",
    );
    assert_eq!(
        stored.map(|s| s.revision),
        Some(2),
        "a rejected update wrote"
    );

    let mut moved = with_status(&current, SubscriptionStatus::Active);
    moved.after.port = Some(w.ports[2]);
    ok(store.commit(update(moved)).await, "update onto a free port");

    let ghost = subscription(&w, None, t);
    let missing = SubscriptionUpdate {
        expected_revision: 1,
        after: ghost,
    };
    expect_not_found(
        store.commit(update(missing)).await,
        "update of an unknown subscription",
    );
}

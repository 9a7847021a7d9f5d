//! Per-subscription delivery order, the delivery list, bulk replays and disabled endpoints.
//!
//! Tests that claim hold the suite's queue lock and run their clock in the 2030s; see the
//! module docs of [`super`].

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::fixtures::{
    at, event, idle_time, insert_subscription, new_provider, ok, queue_time, subscription, world,
};
use super::outbox::{attempt, claim_ours, lease_of, stored};
use super::queue_lock;
use crate::model::{DeliveryStatus, Event};
use crate::ports::{
    DeliveryFilter, DeliveryNext, DeliveryRecord, DisabledEndpoint, Store, WriteSet,
};
use crate::types::EventId;

fn ids(events: &[Event]) -> Vec<EventId> {
    events.iter().map(|e| e.id).collect()
}

async fn record(
    store: &dyn Store,
    claimed: &[Event],
    id: EventId,
    n: u32,
    now: DateTime<Utc>,
    next: DeliveryNext,
) {
    let r = DeliveryRecord {
        lease: lease_of(claimed, id),
        attempt: attempt(id, n, now),
        next,
    };
    ok(store.record_delivery(id, &r).await, "record_delivery");
}

/// One subscription's events are claimed one at a time in sequence order: a later event is
/// not claimed while an earlier one is pending (even when the earlier one waits for a retry
/// and the later one is due), and a failed event does not hold its successors back.
pub async fn outbox_claims_in_subscription_order(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 1, 1).await;
    let t = queue_time();
    let sub = subscription(&w, Some(w.ports[0]), t);
    let events = [event(&sub, t), event(&sub, at(t, 1)), event(&sub, at(t, 2))];
    let [e1, e2, e3] = events.clone().map(|e| e.id);
    ok(
        store
            .commit(WriteSet {
                new_subscription: Some(sub.clone()),
                events: events.to_vec(),
                ..Default::default()
            })
            .await,
        "commit",
    );
    let ours: HashSet<EventId> = [e1, e2, e3].into();
    let now = at(t, 60);
    let first = claim_ours(store, now, &ours).await;
    assert_eq!(
        ids(&first),
        vec![e1],
        "store conformance: claim_events must return only the first pending event of a subscription"
    );
    record(store, &first, e1, 1, now, DeliveryNext::RetryAt(at(t, 300))).await;
    assert!(
        claim_ours(store, at(t, 100), &ours).await.is_empty(),
        "store conformance: claim_events returned a later event of a subscription whose earlier event is pending (waiting for its retry)"
    );
    let retried = claim_ours(store, at(t, 301), &ours).await;
    assert_eq!(
        ids(&retried),
        vec![e1],
        "store conformance: the earlier event must be claimed again first"
    );
    record(store, &retried, e1, 2, at(t, 301), DeliveryNext::Failed).await;
    let second = claim_ours(store, at(t, 302), &ours).await;
    assert_eq!(
        ids(&second),
        vec![e2],
        "store conformance: a failed event must not hold back the next event of its subscription"
    );
    record(store, &second, e2, 1, at(t, 302), DeliveryNext::Delivered).await;
    let third = claim_ours(store, at(t, 303), &ours).await;
    assert_eq!(
        ids(&third),
        vec![e3],
        "store conformance: the next event is claimed once the earlier one is delivered"
    );
    record(store, &third, e3, 1, at(t, 303), DeliveryNext::Delivered).await;
}

/// `list_deliveries` filters one provider environment by status, event name and creation
/// time (`since` inclusive, `until` exclusive), pages oldest first with the total and each
/// event's latest attempt; `replay_deliveries` queues the matching events again (attempts
/// reset, due now, log kept) and answers how many.
pub async fn delivery_list_and_replay(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 2, 1).await;
    let t = queue_time();
    let (a, b) = (
        subscription(&w, Some(w.ports[0]), t),
        subscription(&w, Some(w.ports[1]), t),
    );
    insert_subscription(store, &a).await;
    insert_subscription(store, &b).await;
    // delivered, failed, pending-in-retry, never attempted (not due yet)
    let events = [
        event(&a, t),
        event(&b, at(t, 10)),
        event(&a, at(t, 20)),
        event(&b, at(t, 10_000)),
    ];
    let [delivered, failed, retrying, future] = events.clone().map(|e| e.id);
    ok(
        store
            .commit(WriteSet {
                events: events.to_vec(),
                ..Default::default()
            })
            .await,
        "commit",
    );
    let ours: HashSet<EventId> = [delivered, failed, retrying, future].into();
    let now = at(t, 60);
    let claimed = claim_ours(store, now, &ours).await;
    assert_eq!(
        ids(&claimed),
        vec![delivered, failed],
        "store conformance: claim_events (one per subscription)"
    );
    record(store, &claimed, delivered, 1, now, DeliveryNext::Delivered).await;
    record(store, &claimed, failed, 1, now, DeliveryNext::Failed).await;
    let claimed = claim_ours(store, at(t, 61), &ours).await;
    assert_eq!(
        ids(&claimed),
        vec![retrying],
        "store conformance: claim_events after the first was delivered"
    );
    record(
        store,
        &claimed,
        retrying,
        1,
        at(t, 61),
        DeliveryNext::RetryAt(at(t, 5_000)),
    )
    .await;

    let all = DeliveryFilter::all(w.provider, false);
    let list = |filter: DeliveryFilter, page: u32, size: u32| async move {
        ok(
            store.list_deliveries(&filter, page, size).await,
            "list_deliveries",
        )
    };
    let page = list(all.clone(), 1, 10).await;
    assert_eq!(page.total, 4, "store conformance: list_deliveries total");
    assert_eq!(
        page.results.iter().map(|d| d.event.id).collect::<Vec<_>>(),
        vec![delivered, failed, retrying, future],
        "store conformance: list_deliveries must list oldest first"
    );
    let statuses: Vec<(DeliveryStatus, u32, Option<u32>)> = page
        .results
        .iter()
        .map(|d| {
            (
                d.event.status,
                d.event.attempts,
                d.last_attempt.as_ref().map(|a| a.attempt),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            (DeliveryStatus::Delivered, 1, Some(1)),
            (DeliveryStatus::Failed, 1, Some(1)),
            (DeliveryStatus::Pending, 1, Some(1)),
            (DeliveryStatus::Pending, 0, None),
        ],
        "store conformance: list_deliveries must show each event's state and latest attempt"
    );
    let second = list(all.clone(), 2, 3).await;
    assert_eq!(
        (
            second.total,
            second
                .results
                .iter()
                .map(|d| d.event.id)
                .collect::<Vec<_>>()
        ),
        (4, vec![future]),
        "store conformance: list_deliveries page 2 of size 3"
    );
    let failed_only = DeliveryFilter {
        status: Some(DeliveryStatus::Failed),
        ..all.clone()
    };
    let f = list(failed_only.clone(), 1, 10).await;
    assert_eq!(
        (
            f.total,
            f.results.iter().map(|d| d.event.id).collect::<Vec<_>>()
        ),
        (1, vec![failed]),
        "store conformance: list_deliveries by status"
    );
    let window = DeliveryFilter {
        since: Some(at(t, 10)),
        until: Some(at(t, 20)),
        ..all.clone()
    };
    assert_eq!(
        list(window, 1, 10)
            .await
            .results
            .iter()
            .map(|d| d.event.id)
            .collect::<Vec<_>>(),
        vec![failed],
        "store conformance: list_deliveries since (inclusive) and until (exclusive)"
    );
    let by_name = DeliveryFilter {
        event: Some("subscription.cancelled".into()),
        ..all.clone()
    };
    assert_eq!(
        list(by_name, 1, 10).await.total,
        4,
        "store conformance: list_deliveries by event name"
    );
    let other_name = DeliveryFilter {
        event: Some("provisioning.completed".into()),
        ..all.clone()
    };
    assert_eq!(
        list(other_name, 1, 10).await.total,
        0,
        "store conformance: list_deliveries by another event name"
    );
    let sandbox = DeliveryFilter::all(w.provider, true);
    assert_eq!(
        list(sandbox, 1, 10).await.total,
        0,
        "store conformance: list_deliveries must keep environments apart"
    );
    let other = DeliveryFilter::all(new_provider(store).await, false);
    assert_eq!(
        ok(
            store.replay_deliveries(&other, at(t, 100)).await,
            "replay_deliveries of another provider"
        ),
        0,
        "store conformance: replay_deliveries must only touch the provider's events"
    );

    let replay_at = at(t, 100);
    assert_eq!(
        ok(
            store.replay_deliveries(&failed_only, replay_at).await,
            "replay_deliveries"
        ),
        1,
        "store conformance: replay_deliveries count"
    );
    let (e, log) = stored(store, w.provider, failed).await;
    assert_eq!(
        (e.status, e.attempts, e.next_attempt_at, log.len()),
        (DeliveryStatus::Pending, 0, replay_at, 1),
        "store conformance: a replayed delivery is pending, due now, attempts reset, log kept"
    );
    // Everything since t: 4 events, the failed one again included.
    assert_eq!(
        ok(
            store
                .replay_deliveries(
                    &DeliveryFilter {
                        since: Some(t),
                        ..all.clone()
                    },
                    replay_at
                )
                .await,
            "replay_deliveries since"
        ),
        4,
        "store conformance: replay_deliveries since"
    );
    let (e, _) = stored(store, w.provider, delivered).await;
    assert_eq!(
        e.status,
        DeliveryStatus::Pending,
        "store conformance: a replayed delivered event"
    );

    // An attempt in flight is left alone.
    let claimed = claim_ours(store, replay_at, &ours).await;
    assert_eq!(
        ids(&claimed),
        vec![delivered, failed],
        "store conformance: replayed events are due"
    );
    assert_eq!(
        ok(
            store.replay_deliveries(&all, replay_at).await,
            "replay_deliveries with attempts in flight"
        ),
        2,
        "store conformance: replay_deliveries must skip events under a live lease"
    );
    for id in [delivered, failed] {
        record(store, &claimed, id, 1, replay_at, DeliveryNext::Delivered).await;
    }
    // Leave nothing due for other tests.
    for _ in 0..4 {
        let rest = claim_ours(store, at(t, 20_000), &ours).await;
        for e in &rest {
            record(
                store,
                &rest,
                e.id,
                1,
                at(t, 20_000),
                DeliveryNext::Delivered,
            )
            .await;
        }
    }
}

/// `disable_endpoint` records (and replaces) one disabled endpoint per provider environment,
/// `list_disabled_endpoints` returns it, `enable_endpoint` removes it and says whether it
/// was there.
pub async fn disabled_endpoints_roundtrip(store: &dyn Store) {
    let provider = new_provider(store).await;
    let t = idle_time();
    let mine = |all: Vec<DisabledEndpoint>| {
        all.into_iter()
            .filter(|d| d.provider_id == provider)
            .collect::<Vec<_>>()
    };
    let first = DisabledEndpoint {
        provider_id: provider,
        sandbox: false,
        url: "https://isp.example/hooks".into(),
        disabled_at: t,
        reason: "http 410 Gone".into(),
    };
    ok(store.disable_endpoint(&first).await, "disable_endpoint");
    let sandbox = DisabledEndpoint {
        sandbox: true,
        url: "https://isp.example/sb".into(),
        ..first.clone()
    };
    ok(
        store.disable_endpoint(&sandbox).await,
        "disable_endpoint (sandbox)",
    );
    let again = DisabledEndpoint {
        url: "https://isp.example/v2".into(),
        disabled_at: at(t, 5),
        ..first.clone()
    };
    ok(
        store.disable_endpoint(&again).await,
        "disable_endpoint again",
    );
    let listed = mine(ok(
        store.list_disabled_endpoints().await,
        "list_disabled_endpoints",
    ));
    assert_eq!(
        listed,
        vec![sandbox.clone(), again.clone()],
        "store conformance: one disabled endpoint per provider environment, the latest record, oldest first"
    );
    assert!(
        ok(
            store.enable_endpoint(provider, false).await,
            "enable_endpoint"
        ),
        "store conformance: enable_endpoint of a disabled endpoint must say it was disabled"
    );
    assert!(
        !ok(
            store.enable_endpoint(provider, false).await,
            "enable_endpoint"
        ),
        "store conformance: enable_endpoint twice"
    );
    let listed = mine(ok(
        store.list_disabled_endpoints().await,
        "list_disabled_endpoints",
    ));
    assert_eq!(
        listed,
        vec![sandbox],
        "store conformance: enable_endpoint removes only its environment"
    );
    assert!(
        ok(
            store.enable_endpoint(provider, true).await,
            "enable_endpoint (sandbox)"
        ),
        "store conformance: enable_endpoint (sandbox)"
    );
}

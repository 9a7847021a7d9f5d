//! The outbox: event leases, delivery records, replay, listing.
//!
//! Claiming tests hold the suite's queue lock and run their clock in the 2030s; see the module
//! docs of [`super`].

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use super::fixtures::{
    at, event, expect_lease_lost, expect_not_found, idle_time, insert_subscription, ok, queue_time,
    subscription, world,
};
use super::queue_lock;
use crate::model::{DeliveryAttempt, DeliveryStatus, Event};
use crate::ports::{DeliveryNext, DeliveryRecord, EventClaim, EventQuery, Store, WriteSet};
use crate::types::{EventId, LeaseToken, ProviderId};

/// Claims until nothing is left and returns the claimed events of `ours`. Other events
/// (left over by aborted runs) are recorded as failed so that they stop coming back.
pub(super) async fn claim_ours(
    store: &dyn Store,
    now: DateTime<Utc>,
    ours: &HashSet<EventId>,
) -> Vec<Event> {
    let claim = EventClaim {
        now,
        lease: Duration::seconds(30),
        limit: 100,
    };
    let mut mine = Vec::new();
    for _ in 0..10_000 {
        let batch = ok(store.claim_events(&claim).await, "claim_events");
        if batch.is_empty() {
            return mine;
        }
        assert!(
            batch.len() <= 100,
            "store conformance: claim_events returned more than its limit"
        );
        for e in batch {
            if ours.contains(&e.id) {
                mine.push(e);
            } else if let Some(lease) = e.lease {
                let record = DeliveryRecord {
                    lease,
                    attempt: attempt(e.id, 1, now),
                    next: DeliveryNext::Failed,
                };
                ok(
                    store.record_delivery(e.id, &record).await,
                    "record_delivery of a foreign event",
                );
            }
        }
    }
    panic!("store conformance: claim_events never runs dry");
}

pub(super) fn attempt(event: EventId, n: u32, at: DateTime<Utc>) -> DeliveryAttempt {
    DeliveryAttempt {
        event_id: event,
        attempt: n,
        at,
        status_code: Some(503),
        latency_ms: 12,
        error: Some("busy".into()),
    }
}

pub(super) async fn stored(
    store: &dyn Store,
    provider: ProviderId,
    id: EventId,
) -> (Event, Vec<DeliveryAttempt>) {
    match ok(store.get_event(provider, id).await, "get_event") {
        Some(e) => e,
        None => panic!("store conformance: event {id} disappeared"),
    }
}

pub(super) fn lease_of(events: &[Event], id: EventId) -> LeaseToken {
    match events.iter().find(|e| e.id == id).and_then(|e| e.lease) {
        Some(lease) => lease,
        None => panic!("store conformance: claimed event {id} carries no lease"),
    }
}

/// Claiming leases due pending events (not future ones, not leased ones); a delivery record
/// needs the lease, appends to the log and moves the event on (delivered / retry at / failed);
/// `attempts` counts recorded attempts; replay resets it to 0, makes the event due now and
/// keeps the log; replay of another provider's or an unknown event is `NotFound`.
pub async fn outbox_claim_record_replay(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 2, 1).await;
    let t = queue_time();
    let sub = subscription(&w, Some(w.ports[0]), t);
    // e2 belongs to another subscription: one subscription's events are claimed one at a
    // time (`outbox_claims_in_subscription_order`).
    let sub2 = subscription(&w, Some(w.ports[1]), t);
    insert_subscription(store, &sub2).await;
    let (e1, e2, future) = (
        event(&sub, t),
        event(&sub2, at(t, 1)),
        event(&sub, at(t, 10_000)),
    );
    let writes = WriteSet {
        new_subscription: Some(sub.clone()),
        events: vec![e1.clone(), e2.clone(), future.clone()],
        ..Default::default()
    };
    ok(store.commit(writes).await, "commit");
    let ours: HashSet<EventId> = [e1.id, e2.id, future.id].into();
    let p = w.provider;
    let fresh = stored(store, p, e1.id).await.0;
    assert_eq!(
        (fresh.status, fresh.attempts, fresh.lease),
        (DeliveryStatus::Pending, 0, None),
        "a new event"
    );
    assert_eq!(
        fresh.next_attempt_at, e1.created_at,
        "a new event is due at its created_at"
    );

    let now = at(t, 60);
    let claimed = claim_ours(store, now, &ours).await;
    let claimed_ids: Vec<EventId> = claimed.iter().map(|e| e.id).collect();
    assert_eq!(
        claimed_ids,
        vec![e1.id, e2.id],
        "claim_events must return the due events, oldest first"
    );
    assert!(
        claim_ours(store, now, &ours).await.is_empty(),
        "leased events were claimed again"
    );

    let lease1 = lease_of(&claimed, e1.id);
    let wrong = DeliveryRecord {
        lease: LeaseToken::new_random(),
        attempt: attempt(e1.id, 1, now),
        next: DeliveryNext::Delivered,
    };
    expect_lease_lost(
        store.record_delivery(e1.id, &wrong).await,
        "record_delivery with a wrong lease",
    );
    let delivered = DeliveryRecord {
        lease: lease1,
        attempt: attempt(e1.id, 1, now),
        next: DeliveryNext::Delivered,
    };
    ok(
        store.record_delivery(e1.id, &delivered).await,
        "record_delivery (delivered)",
    );
    let (e, log) = stored(store, p, e1.id).await;
    assert_eq!(
        (e.status, e.attempts, e.lease),
        (DeliveryStatus::Delivered, 1, None),
        "a delivered event"
    );
    assert_eq!(log, vec![delivered.attempt.clone()], "the attempt log");
    expect_lease_lost(
        store.record_delivery(e1.id, &delivered).await,
        "recording twice",
    );

    let lease2 = lease_of(&claimed, e2.id);
    let retry = DeliveryRecord {
        lease: lease2,
        attempt: attempt(e2.id, 1, now),
        next: DeliveryNext::RetryAt(at(t, 300)),
    };
    ok(
        store.record_delivery(e2.id, &retry).await,
        "record_delivery (retry)",
    );
    let (e, _) = stored(store, p, e2.id).await;
    assert_eq!(
        (e.status, e.attempts, e.lease, e.next_attempt_at),
        (DeliveryStatus::Pending, 1, None, at(t, 300)),
        "a retried event"
    );
    assert!(
        claim_ours(store, at(t, 200), &ours).await.is_empty(),
        "an event was claimed before next_attempt_at"
    );
    let again = claim_ours(store, at(t, 301), &ours).await;
    assert_eq!(
        again.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![e2.id],
        "the retried event is due again"
    );
    let failed = DeliveryRecord {
        lease: lease_of(&again, e2.id),
        attempt: attempt(e2.id, 2, at(t, 301)),
        next: DeliveryNext::Failed,
    };
    ok(
        store.record_delivery(e2.id, &failed).await,
        "record_delivery (failed)",
    );
    let (e, log) = stored(store, p, e2.id).await;
    assert_eq!(
        (e.status, e.attempts, log.len()),
        (DeliveryStatus::Failed, 2, 2),
        "a failed event"
    );
    assert_eq!(
        ok(
            store.list_delivery_attempts(e2.id).await,
            "list_delivery_attempts"
        ),
        log,
        "list_delivery_attempts"
    );

    let replay_at = at(t, 400);
    ok(
        store.replay_event(p, e2.id, replay_at).await,
        "replay_event",
    );
    let (e, log) = stored(store, p, e2.id).await;
    assert_eq!(
        (e.status, e.attempts, e.next_attempt_at, e.lease),
        (DeliveryStatus::Pending, 0, replay_at, None),
        "a replayed event"
    );
    assert_eq!(log.len(), 2, "replay must keep the attempt log");
    ok(
        store.replay_event(p, e1.id, replay_at).await,
        "replay of a delivered event",
    );
    let other = super::fixtures::new_provider(store).await;
    expect_not_found(
        store.replay_event(other, e2.id, replay_at).await,
        "replay of another provider's event",
    );
    expect_not_found(
        store
            .replay_event(p, EventId::new_random(), replay_at)
            .await,
        "replay of an unknown event",
    );

    let replayed = claim_ours(store, replay_at, &ours).await;
    assert_eq!(
        replayed.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![e1.id, e2.id],
        "replayed events are due"
    );
    for e in &replayed {
        let done = DeliveryRecord {
            lease: lease_of(&replayed, e.id),
            attempt: attempt(e.id, 1, replay_at),
            next: DeliveryNext::Delivered,
        };
        ok(store.record_delivery(e.id, &done).await, "record_delivery");
    }
}

/// An event whose delivery lease expired can be claimed again under a new lease; the old
/// lease is then refused.
pub async fn outbox_lease_expiry(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 1, 1).await;
    let t = queue_time();
    let sub = subscription(&w, Some(w.ports[0]), t);
    let e = event(&sub, t);
    ok(
        store
            .commit(WriteSet {
                new_subscription: Some(sub.clone()),
                events: vec![e.clone()],
                ..Default::default()
            })
            .await,
        "commit",
    );
    let ours: HashSet<EventId> = [e.id].into();
    let first = claim_ours(store, at(t, 1), &ours).await;
    let old = lease_of(&first, e.id);
    assert!(
        claim_ours(store, at(t, 20), &ours).await.is_empty(),
        "an event was claimed under a live lease"
    );
    let second = claim_ours(store, at(t, 32), &ours).await;
    let new = lease_of(&second, e.id);
    assert_ne!(old, new, "a reclaimed event needs a new lease");
    let late = DeliveryRecord {
        lease: old,
        attempt: attempt(e.id, 1, at(t, 33)),
        next: DeliveryNext::Delivered,
    };
    expect_lease_lost(
        store.record_delivery(e.id, &late).await,
        "record_delivery with an expired, reclaimed lease",
    );
    let done = DeliveryRecord { lease: new, ..late };
    ok(
        store.record_delivery(e.id, &done).await,
        "record_delivery with the new lease",
    );
}

/// `list_events` filters by provider, `since` (inclusive) and status, honours `limit` and
/// returns oldest first; `list_events_of` returns a subscription's events by sequence.
pub async fn event_listing_filters(store: &dyn Store) {
    let w = world(store, 1, 1).await;
    let t = idle_time();
    let sub = subscription(&w, Some(w.ports[0]), t);
    insert_subscription(store, &sub).await;
    let events: Vec<_> = (0..4).map(|i| event(&sub, at(t, i * 10))).collect();
    for e in &events {
        ok(
            store
                .commit(WriteSet {
                    events: vec![e.clone()],
                    ..Default::default()
                })
                .await,
            "commit of an event",
        );
    }
    let all: Vec<EventId> = events.iter().map(|e| e.id).collect();
    let q = |since: Option<DateTime<Utc>>, status: Option<DeliveryStatus>, limit| EventQuery {
        provider_id: w.provider,
        since,
        status,
        limit,
    };
    let list = |q: EventQuery| async move {
        ok(store.list_events(&q).await, "list_events")
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        list(q(None, None, 100)).await,
        all,
        "list_events returns the provider's events oldest first"
    );
    assert_eq!(
        list(q(None, None, 2)).await,
        all[..2].to_vec(),
        "list_events honours limit"
    );
    assert_eq!(
        list(q(Some(at(t, 10)), None, 100)).await,
        all[1..].to_vec(),
        "since is inclusive"
    );
    assert_eq!(
        list(q(None, Some(DeliveryStatus::Pending), 100)).await,
        all,
        "status filter (pending)"
    );
    assert!(
        list(q(None, Some(DeliveryStatus::Delivered), 100))
            .await
            .is_empty(),
        "status filter (delivered)"
    );
    let of_sub = ok(
        store.list_events_of(w.provider, sub.id).await,
        "list_events_of",
    );
    assert_eq!(
        of_sub
            .iter()
            .map(|e| (e.id, e.sequence))
            .collect::<Vec<_>>(),
        all.iter().copied().zip(1..).collect::<Vec<_>>(),
        "store conformance: Store::list_events_of returns the subscription's events in order with sequences 1, 2, ..."
    );
    let (e, log) = stored(store, w.provider, all[0]).await;
    assert_eq!(
        (e.data.clone(), e.created_at, log.len()),
        (events[0].data.clone(), events[0].created_at, 0),
        "get_event"
    );
}

/// Delivery records made at the same time (a dispatcher records each attempt as its response
/// comes, and a store may write concurrent records together) each get their own outcome: the
/// leased ones move their event on and append their attempt, a wrong lease is `LeaseLost` and
/// leaves its event as it was, an unknown event is `NotFound`, and of two records of one event
/// under one lease exactly one lands.
pub async fn concurrent_delivery_records_keep_their_own_outcomes(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 10, 1).await;
    let t = queue_time();
    let mut writes = WriteSet::default();
    let mut events = Vec::new();
    for (i, port) in w.ports.iter().enumerate() {
        let sub = subscription(&w, Some(*port), t);
        insert_subscription(store, &sub).await;
        let e = event(&sub, at(t, i as i64));
        writes.events.push(e.clone());
        events.push(e);
    }
    ok(store.commit(writes).await, "commit of ten events");
    let ours: HashSet<EventId> = events.iter().map(|e| e.id).collect();
    let now = at(t, 60);
    let claimed = claim_ours(store, now, &ours).await;
    assert_eq!(claimed.len(), 10, "store conformance: ten events claimed");
    let retry_at = at(t, 600);
    let record = |i: usize, right_lease: bool, next: DeliveryNext| {
        let id = events[i].id;
        let lease = if right_lease {
            lease_of(&claimed, id)
        } else {
            LeaseToken::new_random()
        };
        (
            id,
            DeliveryRecord {
                lease,
                attempt: attempt(id, 1, now),
                next,
            },
        )
    };
    let mut records = vec![
        record(0, true, DeliveryNext::Delivered),
        record(1, true, DeliveryNext::Delivered),
        record(2, true, DeliveryNext::RetryAt(retry_at)),
        record(3, true, DeliveryNext::Failed),
        record(4, false, DeliveryNext::Delivered),
        record(5, false, DeliveryNext::Failed),
        record(6, true, DeliveryNext::Delivered),
        record(6, true, DeliveryNext::Delivered),
        record(7, true, DeliveryNext::Delivered),
    ];
    let unknown = EventId::new_random();
    records.push((
        unknown,
        DeliveryRecord {
            lease: LeaseToken::new_random(),
            attempt: attempt(unknown, 1, now),
            next: DeliveryNext::Delivered,
        },
    ));
    let results = futures::future::join_all(
        records
            .iter()
            .map(|(id, record)| store.record_delivery(*id, record)),
    )
    .await;
    for i in [0, 1, 2, 3, 8] {
        ok(
            results[i].as_ref().map(|_| ()).map_err(clone_error),
            "a leased record",
        );
    }
    expect_lease_lost(clone_result(&results[4]), "a record with a wrong lease");
    expect_lease_lost(clone_result(&results[5]), "a record with a wrong lease");
    expect_not_found(clone_result(&results[9]), "a record of an unknown event");
    let twice = [results[6].is_ok(), results[7].is_ok()];
    assert_eq!(
        twice.iter().filter(|ok| **ok).count(),
        1,
        "store conformance: of two concurrent records of one event under one lease exactly \
         one lands: {:?}",
        [&results[6], &results[7]]
    );
    let other = if twice[0] { 7 } else { 6 };
    expect_lease_lost(
        clone_result(&results[other]),
        "the second record of an event",
    );

    let expect = [
        (0, DeliveryStatus::Delivered, 1),
        (1, DeliveryStatus::Delivered, 1),
        (2, DeliveryStatus::Pending, 1),
        (3, DeliveryStatus::Failed, 1),
        (4, DeliveryStatus::Pending, 0),
        (5, DeliveryStatus::Pending, 0),
        (6, DeliveryStatus::Delivered, 1),
        (7, DeliveryStatus::Delivered, 1),
    ];
    for (i, status, attempts) in expect {
        let (e, log) = stored(store, w.provider, events[i].id).await;
        assert_eq!(
            (e.status, e.attempts, log.len()),
            (status, attempts, attempts as usize),
            "store conformance: event {i} after concurrent records (status, attempts, log)"
        );
        if attempts == 0 {
            assert_eq!(
                e.lease,
                Some(lease_of(&claimed, e.id)),
                "store conformance: a refused record must leave the event's lease alone"
            );
        } else {
            assert_eq!(log[0], attempt(e.id, 1, now), "the appended attempt");
        }
    }
    let (retried, _) = stored(store, w.provider, events[2].id).await;
    assert_eq!(
        retried.next_attempt_at, retry_at,
        "store conformance: a retry record sets next_attempt_at"
    );
    // Leave nothing pending for later claiming tests.
    for i in [2, 4, 5, 8, 9] {
        let lease = lease_of(&claimed, events[i].id);
        let done = DeliveryRecord {
            lease,
            attempt: attempt(events[i].id, 2, now),
            next: DeliveryNext::Failed,
        };
        let _ = store.record_delivery(events[i].id, &done).await;
    }
}

fn clone_error(err: &crate::ports::StoreError) -> crate::ports::StoreError {
    crate::ports::StoreError::backend(err.to_string())
}

fn clone_result(
    result: &Result<(), crate::ports::StoreError>,
) -> Result<(), crate::ports::StoreError> {
    match result {
        Ok(()) => Ok(()),
        Err(crate::ports::StoreError::LeaseLost) => Err(crate::ports::StoreError::LeaseLost),
        Err(crate::ports::StoreError::NotFound(what)) => {
            Err(crate::ports::StoreError::NotFound(what))
        }
        Err(other) => Err(clone_error(other)),
    }
}

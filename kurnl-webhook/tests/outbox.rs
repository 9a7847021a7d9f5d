//! The outbox dispatcher over the in-memory store, delivering with HttpEventSink to a scripted
//! local receiver, on a manual clock: retry schedules, outages, restarts, crashes, replay.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::DateTime;
use chrono::Utc;
use common::{Action, Receiver, provider, t0};
use kurnl_core::engine::{DeliveryPolicy, DispatcherConfig, OutboxDispatcher};
use kurnl_core::memory::InMemoryStore;
use kurnl_core::model::{DeliveryAttempt, DeliveryStatus, EventData, NewEvent, Provider};
use kurnl_core::ports::{Clock, EventClaim, EventQuery, EventSink, Store, WriteSet};
use kurnl_core::testkit::ManualClock;
use kurnl_core::types::{EventId, JobId, SubscriptionId};
use kurnl_webhook::HttpEventSink;

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

struct World {
    store: Arc<InMemoryStore>,
    clock: Arc<ManualClock>,
    rx: Receiver,
    provider: Provider,
}

impl World {
    async fn new() -> Self {
        let rx = Receiver::start().await;
        let provider = provider(
            Some(&rx.url),
            Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        );
        let store = Arc::new(InMemoryStore::new());
        store.put_provider(&provider).await.unwrap();
        Self {
            store,
            clock: Arc::new(ManualClock::at(t0())),
            rx,
            provider,
        }
    }

    fn sink(&self) -> Arc<HttpEventSink> {
        Arc::new(
            HttpEventSink::builder()
                .clock(self.clock.clone())
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap(),
        )
    }

    fn dispatcher(&self, policy: DeliveryPolicy) -> OutboxDispatcher {
        OutboxDispatcher::new(
            self.store.clone(),
            self.sink(),
            self.clock.clone(),
            policy.without_jitter(),
        )
    }

    /// Appends `n` events created now.
    async fn events(&self, n: usize) -> Vec<EventId> {
        let now = self.clock.now();
        let events: Vec<NewEvent> = (0..n)
            .map(|_| NewEvent {
                id: EventId::new_random(),
                provider_id: self.provider.id,
                sandbox: false,
                data: EventData::ProvisioningCompleted {
                    job_id: JobId::new_random(),
                    subscription_id: SubscriptionId::new_random(),
                },
                created_at: now,
            })
            .collect();
        let ids = events.iter().map(|e| e.id).collect();
        self.store
            .commit(WriteSet {
                events,
                ..WriteSet::default()
            })
            .await
            .unwrap();
        ids
    }

    async fn status(&self, id: EventId) -> (DeliveryStatus, Vec<DeliveryAttempt>) {
        let (event, attempts) = self
            .store
            .get_event(self.provider.id, id)
            .await
            .unwrap()
            .unwrap();
        (event.status, attempts)
    }

    fn at(&self, offset: i64) -> DateTime<Utc> {
        t0() + secs(offset)
    }

    fn go_to(&self, offset: i64) {
        self.clock.set(self.at(offset));
    }

    fn acknowledged_ids(&self) -> Vec<String> {
        self.rx
            .acknowledged()
            .iter()
            .map(|r| r.header("webhook-id").unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn documented_policy_three_attempts_then_failed_then_replay() {
    let w = World::new().await;
    w.rx.set_default(Action::status(500));
    let d = w.dispatcher(DeliveryPolicy::kurnl_default());
    let id = w.events(1).await[0];

    assert_eq!(d.run_once().await.unwrap(), 1);
    w.go_to(1);
    assert_eq!(d.run_once().await.unwrap(), 0, "not due before 2 s");
    w.go_to(2);
    assert_eq!(d.run_once().await.unwrap(), 1);
    w.go_to(9);
    assert_eq!(d.run_once().await.unwrap(), 0, "not due before 2 + 8 s");
    w.go_to(10);
    assert_eq!(d.run_once().await.unwrap(), 1);
    w.go_to(100);
    assert_eq!(d.run_once().await.unwrap(), 0, "3 attempts in total");

    let (status, log) = w.status(id).await;
    assert_eq!(status, DeliveryStatus::Failed);
    assert_eq!(log.iter().map(|a| a.attempt).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(
        log.iter().map(|a| a.at).collect::<Vec<_>>(),
        [w.at(0), w.at(2), w.at(10)]
    );
    assert!(
        log.iter()
            .all(|a| a.status_code == Some(500) && a.error.as_deref() == Some("http 500"))
    );
    assert_eq!(w.rx.received().len(), 3);

    // Replay one by one: pending again, attempt counter reset, log kept.
    w.rx.set_default(Action::status(200));
    d.replay(w.provider.id, id).await.unwrap();
    assert_eq!(d.run_once().await.unwrap(), 1);
    let (status, log) = d.delivery_log(w.provider.id, id).await.unwrap().unwrap();
    assert_eq!(status.status, DeliveryStatus::Delivered);
    assert_eq!(
        log.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2, 3, 1]
    );
    assert_eq!(log[3].status_code, Some(200));
    assert_eq!(log[3].error, None);
}

#[tokio::test]
async fn client_error_fails_at_once() {
    let w = World::new().await;
    w.rx.script([Action::status(404)]);
    let d = w.dispatcher(DeliveryPolicy::kurnl_default());
    let id = w.events(1).await[0];
    d.run_once().await.unwrap();
    w.go_to(3600);
    assert_eq!(d.run_once().await.unwrap(), 0);
    let (status, log) = w.status(id).await;
    assert_eq!(status, DeliveryStatus::Failed);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status_code, Some(404));
}

#[tokio::test]
async fn retry_after_longer_than_the_schedule_is_honoured() {
    let w = World::new().await;
    w.rx.script([Action::with_header(429, "Retry-After", "60")]);
    let d = w.dispatcher(DeliveryPolicy::kurnl_default());
    let id = w.events(1).await[0];
    d.run_once().await.unwrap();
    w.go_to(2);
    assert_eq!(
        d.run_once().await.unwrap(),
        0,
        "Retry-After: 60 beats the 2 s back-off"
    );
    w.go_to(59);
    assert_eq!(d.run_once().await.unwrap(), 0);
    w.go_to(60);
    assert_eq!(d.run_once().await.unwrap(), 1);
    assert_eq!(w.status(id).await.0, DeliveryStatus::Delivered);
}

#[tokio::test]
async fn ten_minute_outage_under_the_standard_webhooks_schedule_loses_nothing() {
    let w = World::new().await;
    let ids = w.events(25).await;
    let d = w.dispatcher(DeliveryPolicy::standard_webhooks());
    w.rx.set_down(true);
    // Three hours in 5 s steps; the receiver is back after 10 minutes.
    let mut offset = 0;
    while offset <= 3 * 3600 {
        w.go_to(offset);
        if offset >= 600 {
            w.rx.set_down(false);
        }
        d.run_once().await.unwrap();
        offset += 5;
    }
    let delivered: HashSet<String> = w.acknowledged_ids().into_iter().collect();
    assert_eq!(delivered.len(), 25);
    assert_eq!(
        w.rx.acknowledged().len(),
        25,
        "each event acknowledged once"
    );
    for id in ids {
        assert!(delivered.contains(&id.to_string()));
        let (status, log) = w.status(id).await;
        assert_eq!(status, DeliveryStatus::Delivered);
        // Immediately, +5 s, +5 min (both in the outage), then +30 min: delivered.
        assert_eq!(
            log.iter().map(|a| a.at).collect::<Vec<_>>(),
            [w.at(0), w.at(5), w.at(305), w.at(2105)]
        );
        assert!(
            log[..3]
                .iter()
                .all(|a| a.status_code.is_none() && a.error.is_some())
        );
        assert_eq!(log[3].status_code, Some(200));
    }
}

#[tokio::test]
async fn a_new_dispatcher_on_the_same_store_resumes_pending_deliveries() {
    let w = World::new().await;
    let ids = w.events(5).await;
    w.rx.script((0..5).map(|_| Action::status(503)));
    {
        let first = w.dispatcher(DeliveryPolicy::standard_webhooks());
        assert_eq!(first.run_once().await.unwrap(), 5);
        // "Restart": the dispatcher and its sink are dropped here.
    }
    w.go_to(5);
    let second = w.dispatcher(DeliveryPolicy::standard_webhooks());
    assert_eq!(second.run_once().await.unwrap(), 5);
    for id in ids {
        let (status, log) = w.status(id).await;
        assert_eq!(status, DeliveryStatus::Delivered);
        assert_eq!(
            log.iter()
                .map(|a| (a.attempt, a.status_code))
                .collect::<Vec<_>>(),
            [(1, Some(503)), (2, Some(200))]
        );
    }
}

#[tokio::test]
async fn a_crash_mid_delivery_is_redelivered_after_the_lease() {
    let w = World::new().await;
    let id = w.events(1).await[0];
    // A process claims the event, sends it, and dies before recording the attempt.
    let claimed = w
        .store
        .claim_events(&EventClaim {
            now: w.clock.now(),
            lease: secs(30),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    w.sink().deliver(&claimed[0], &w.provider).await;

    let d = w.dispatcher(DeliveryPolicy::kurnl_default());
    assert_eq!(
        d.run_once().await.unwrap(),
        0,
        "still leased by the dead process"
    );
    w.go_to(31);
    assert_eq!(d.run_once().await.unwrap(), 1);
    let (status, log) = w.status(id).await;
    assert_eq!(status, DeliveryStatus::Delivered);
    assert_eq!(log.len(), 1);
    // At least once: the receiver saw it twice, with the same webhook-id to deduplicate on.
    assert_eq!(w.acknowledged_ids(), [id.to_string(), id.to_string()]);
}

#[tokio::test]
async fn replay_failed_since_replays_only_later_failures() {
    let w = World::new().await;
    w.rx.set_default(Action::status(400));
    let d = w.dispatcher(DeliveryPolicy::kurnl_default());
    let mut ids = Vec::new();
    for hour in 0..3 {
        w.go_to(hour * 3600);
        ids.extend(w.events(1).await);
        d.run_once().await.unwrap();
    }
    for id in &ids {
        assert_eq!(w.status(*id).await.0, DeliveryStatus::Failed);
    }
    w.rx.set_default(Action::status(200));
    assert_eq!(
        d.replay_failed_since(w.provider.id, w.at(1800))
            .await
            .unwrap(),
        2
    );
    assert_eq!(d.run_once().await.unwrap(), 2);
    assert_eq!(w.status(ids[0]).await.0, DeliveryStatus::Failed);
    assert_eq!(w.status(ids[1]).await.0, DeliveryStatus::Delivered);
    assert_eq!(w.status(ids[2]).await.0, DeliveryStatus::Delivered);
    let failed = EventQuery {
        provider_id: w.provider.id,
        since: None,
        status: Some(DeliveryStatus::Failed),
        limit: 10,
    };
    assert_eq!(w.store.list_events(&failed).await.unwrap().len(), 1);
    // Another provider's events cannot be replayed.
    assert!(
        d.replay(kurnl_core::types::ProviderId::new_random(), ids[0])
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_missing_provider_fails_the_event() {
    let w = World::new().await;
    let store = Arc::new(InMemoryStore::new());
    let id = EventId::new_random();
    let ghost = kurnl_core::types::ProviderId::new_random();
    let data = EventData::SubscriptionCancelled {
        subscription_id: SubscriptionId::new_random(),
    };
    let event = NewEvent {
        id,
        provider_id: ghost,
        sandbox: false,
        data,
        created_at: t0(),
    };
    store
        .commit(WriteSet {
            events: vec![event],
            ..WriteSet::default()
        })
        .await
        .unwrap();
    let d = OutboxDispatcher::new(
        store.clone(),
        w.sink(),
        w.clock.clone(),
        DeliveryPolicy::kurnl_default(),
    );
    assert_eq!(d.run_once().await.unwrap(), 1);
    let (event, log) = store.get_event(ghost, id).await.unwrap().unwrap();
    assert_eq!(event.status, DeliveryStatus::Failed);
    assert_eq!(log[0].error.as_deref(), Some("provider not found"));
}

#[tokio::test]
async fn a_hanging_receiver_is_cut_off_by_the_policy_timeout() {
    let w = World::new().await;
    w.rx.script([Action::Hang]);
    let policy = DeliveryPolicy::kurnl_default().with_timeout(Duration::from_millis(300));
    let d = w.dispatcher(policy);
    let id = w.events(1).await[0];
    d.run_once().await.unwrap();
    let (status, log) = w.status(id).await;
    assert_eq!(status, DeliveryStatus::Pending);
    assert_eq!(log[0].error.as_deref(), Some("timed out after 300 ms"));
}

#[tokio::test]
async fn a_batch_is_delivered_concurrently_and_in_full() {
    let w = World::new().await;
    let ids = w.events(200).await;
    let d = w
        .dispatcher(DeliveryPolicy::kurnl_default())
        .with_config(DispatcherConfig {
            batch_size: 64,
            concurrency: 16,
            ..DispatcherConfig::default()
        });
    let mut total = 0;
    loop {
        let n = d.run_once().await.unwrap();
        if n == 0 {
            break;
        }
        total += n;
    }
    assert_eq!(total, 200);
    let acked: HashSet<String> = w.acknowledged_ids().into_iter().collect();
    assert_eq!(acked.len(), 200);
    for id in ids {
        assert_eq!(w.status(id).await.0, DeliveryStatus::Delivered);
    }
}

#[tokio::test]
async fn the_run_loop_delivers_and_stops_on_shutdown() {
    let w = World::new().await;
    let ids = w.events(3).await;
    let d = w
        .dispatcher(DeliveryPolicy::kurnl_default())
        .with_config(DispatcherConfig {
            poll_interval: Duration::from_millis(10),
            ..DispatcherConfig::default()
        });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(d.run(stopped));
    // Wait (bounded) until the loop has delivered everything.
    for _ in 0..1000 {
        if w.rx.acknowledged().len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(true).unwrap();
    task.await.unwrap();
    for id in ids {
        assert_eq!(w.status(id).await.0, DeliveryStatus::Delivered);
    }
}

#[tokio::test]
async fn a_hanging_receiver_does_not_hold_back_other_providers_in_the_run_loop() {
    let w = World::new().await;
    let slow_rx = Receiver::start().await;
    slow_rx.set_default(Action::Hang);
    let slow = provider(Some(&slow_rx.url), Some("slow-secret"));
    w.store.put_provider(&slow).await.unwrap();
    let slow_events: Vec<NewEvent> = (0..2)
        .map(|_| NewEvent {
            id: EventId::new_random(),
            provider_id: slow.id,
            sandbox: false,
            data: EventData::SubscriptionCancelled {
                subscription_id: SubscriptionId::new_random(),
            },
            created_at: t0(),
        })
        .collect();
    let slow_ids: Vec<EventId> = slow_events.iter().map(|e| e.id).collect();
    w.store
        .commit(WriteSet {
            events: slow_events,
            ..WriteSet::default()
        })
        .await
        .unwrap();

    let policy = DeliveryPolicy::kurnl_default().with_timeout(Duration::from_secs(120));
    let sink = Arc::new(
        HttpEventSink::builder()
            .clock(w.clock.clone())
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap(),
    );
    let d = OutboxDispatcher::new(w.store.clone(), sink, w.clock.clone(), policy).with_config(
        DispatcherConfig {
            concurrency: 4,
            batch_size: 4,
            poll_interval: Duration::from_millis(10),
            ..DispatcherConfig::default()
        },
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(d.run(stopped));

    // The slow provider's events are claimed first (oldest) and hang; events of the fast
    // provider created afterwards still flow through the free slots.
    for _ in 0..1000 {
        if slow_rx.received().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    w.go_to(1);
    let fast_ids = w.events(10).await;
    for _ in 0..1000 {
        if w.rx.acknowledged().len() == 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for id in &fast_ids {
        assert_eq!(w.status(*id).await.0, DeliveryStatus::Delivered);
    }
    for id in &slow_ids {
        let (event, log) = w.store.get_event(slow.id, *id).await.unwrap().unwrap();
        assert_eq!(
            (event.status, log.len()),
            (DeliveryStatus::Pending, 0),
            "still in flight"
        );
    }

    // Shutdown finishes the attempts in flight (released: 503, retry scheduled) and records them.
    slow_rx.release();
    stop.send(true).unwrap();
    task.await.unwrap();
    for id in &slow_ids {
        let (event, log) = w.store.get_event(slow.id, *id).await.unwrap().unwrap();
        assert_eq!(event.status, DeliveryStatus::Pending);
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].status_code, Some(503));
    }
}

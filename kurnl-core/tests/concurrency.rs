//! 50 concurrent identical calls per operation create exactly one of everything; the same key
//! with another body is refused.
#![cfg(feature = "testkit")]

use std::sync::Arc;

use futures::future::join_all;
use kurnl_core::service::*;
use kurnl_core::testkit::Fixture;

const RACERS: usize = 50;

async fn race<F, Fut, T>(f: F) -> Vec<kurnl_core::Result<T>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = kurnl_core::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = (0..RACERS).map(|_| tokio::spawn(f())).collect();
    join_all(handles)
        .await
        .into_iter()
        .map(|h| h.expect("task"))
        .collect()
}

/// Everything stored about provider A's subscriptions: (subscriptions, jobs, events).
async fn counts(fx: &Fixture, subscriber_email: Option<&str>) -> (usize, usize, usize) {
    let a = fx.a.provider.id;
    let page = fx
        .store
        .list_subscribers(&kurnl_core::ports::SubscriberQuery {
            provider_id: a,
            sandbox: false,
            page: 1,
            page_size: 100,
            status: None,
            search: subscriber_email.map(str::to_owned),
        })
        .await
        .unwrap();
    let mut subs = Vec::new();
    for s in &page.results {
        subs.extend(fx.store.list_subscriptions_of(a, s.id).await.unwrap());
    }
    let mut jobs = 0;
    let mut events = 0;
    for s in &subs {
        jobs += fx.store.list_jobs_of(a, s.id).await.unwrap().len();
        events += fx.store.list_events_of(a, s.id).await.unwrap().len();
    }
    (subs.len(), jobs, events)
}

fn all_equal<T: PartialEq + std::fmt::Debug>(results: Vec<kurnl_core::Result<T>>) -> T {
    let values: Vec<T> = results
        .into_iter()
        .map(|r| r.expect("every racer succeeds"))
        .collect();
    assert!(
        values.windows(2).all(|w| w[0] == w[1]),
        "racers got different answers: {values:?}"
    );
    values.into_iter().next().expect("racers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn provider_initiated_races_create_one_subscription() {
    let fx = Arc::new(Fixture::in_memory().await);
    let f = fx.clone();
    let results = race(move || {
        let f = f.clone();
        async move {
            f.service
                .provider_initiated(&f.a.caller, f.provision_request("race@example.com", 0))
                .await
        }
    })
    .await;
    let answer = all_equal(results);
    assert!(answer.job_id.is_some());
    assert_eq!(counts(&fx, Some("race@example.com")).await, (1, 1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn checkout_races_create_one_subscription() {
    let fx = Arc::new(Fixture::in_memory().await);
    let f = fx.clone();
    let answer = all_equal(
        race(move || {
            let f = f.clone();
            async move {
                f.service
                    .checkout_complete(&f.a.caller, f.checkout_request("race2@example.com", 1))
                    .await
            }
        })
        .await,
    );
    assert!(answer.subscriber_id.is_some());
    assert_eq!(counts(&fx, Some("race2@example.com")).await, (1, 1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn anonymous_races_create_one_subscription() {
    let fx = Arc::new(Fixture::in_memory().await);
    let f = fx.clone();
    let answer = all_equal(
        race(move || {
            let f = f.clone();
            async move {
                let req = AnonymousRequest {
                    plan_version_id: Some(f.a.plan.id.to_string()),
                    location_hash: Some(f.locations[2].as_str().into()),
                    external_subscription_id: Some("ext-race".into()),
                    ..Default::default()
                };
                f.service.anonymous_complete(&f.a.caller, req).await
            }
        })
        .await,
    );
    let sub = fx
        .store
        .get_subscription(fx.a.provider.id, answer.subscription_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        fx.store
            .list_jobs_of(fx.a.provider.id, sub.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        fx.store
            .list_events_of(fx.a.provider.id, sub.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn subscriber_create_races_create_one_subscriber() {
    let fx = Arc::new(Fixture::in_memory().await);
    let f = fx.clone();
    let results = race(move || {
        let f = f.clone();
        async move {
            let req = SubscriberCreateRequest {
                email: Some("sub-race@example.com".into()),
                firstname: Some("R".into()),
                lastname: Some("Ace".into()),
                ..Default::default()
            };
            f.service
                .create_subscriber(&f.a.caller, req)
                .await
                .map(|c| (c.created, c.subscriber.subscriber_id))
        }
    })
    .await;
    let values: Vec<_> = results.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(
        values.iter().filter(|(created, _)| *created).count(),
        1,
        "exactly one 201"
    );
    assert!(values.windows(2).all(|w| w[0].1 == w[1].1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lifecycle_races_apply_once() {
    let fx = Arc::new(Fixture::in_memory().await);
    let r = fx
        .service
        .provider_initiated(&fx.a.caller, fx.provision_request("life@example.com", 3))
        .await
        .unwrap();
    let id = r.subscription_id.to_string();
    for op in ["suspend", "reactivate", "cancel"] {
        let (f, id) = (fx.clone(), id.clone());
        let results = race(move || {
            let (f, id) = (f.clone(), id.clone());
            async move {
                match op {
                    "suspend" => f.service.suspend(&f.a.caller, &id).await,
                    "reactivate" => f.service.reactivate(&f.a.caller, &id).await,
                    _ => f.service.cancel(&f.a.caller, &id).await,
                }
            }
        })
        .await;
        let jobs_started = results
            .iter()
            .filter(|r| r.as_ref().expect("no error").job_id.is_some())
            .count();
        assert_eq!(jobs_started, 1, "{op}: exactly one racer changes the state");
    }
    let jobs = fx
        .store
        .list_jobs_of(fx.a.provider.id, r.subscription_id)
        .await
        .unwrap();
    assert_eq!(
        jobs.len(),
        4,
        "provision + suspend + reactivate + deprovision"
    );
    let events = fx
        .store
        .list_events_of(fx.a.provider.id, r.subscription_id)
        .await
        .unwrap();
    assert_eq!(
        events.iter().map(|e| e.data.name()).collect::<Vec<_>>(),
        ["subscription.activated", "subscription.cancelled"]
    );
    assert_eq!(
        events.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        [1, 2]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_different_people_for_one_location_leaves_one_winner() {
    let fx = Arc::new(Fixture::in_memory().await);
    let handles: Vec<_> = (0..RACERS)
        .map(|n| {
            let f = fx.clone();
            tokio::spawn(async move {
                f.service
                    .provider_initiated(
                        &f.a.caller,
                        f.provision_request(&format!("p{n}@example.com"), 4),
                    )
                    .await
            })
        })
        .collect();
    let results: Vec<_> = join_all(handles)
        .await
        .into_iter()
        .map(|h| h.unwrap())
        .collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.status() == 409)
    );
}

//! Events per second from an outbox (in-memory store) through the dispatcher and the HTTP sink
//! to a local axum receiver that verifies nothing and answers 204.
//!
//! ```text
//! cargo bench -p kurnl-webhook --bench delivery
//! ```
//!
//! Each iteration appends a batch of signed events to a fresh store and measures until the
//! dispatcher has delivered all of them (setup excluded).

#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kurnl_core::engine::{DeliveryPolicy, DispatcherConfig, OutboxDispatcher};
use kurnl_core::memory::InMemoryStore;
use kurnl_core::model::{BillingMode, EventData, NewEvent, Provider, WebhookEndpoint};
use kurnl_core::ports::{Store, SystemClock, WriteSet};
use kurnl_core::types::{EventId, JobId, ProviderId, Secret, SubscriptionId};
use kurnl_webhook::HttpEventSink;

const EVENTS: usize = 2_000;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = Router::new().route("/hook", post(|| async { StatusCode::NO_CONTENT }));
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    });
    let provider = Provider {
        id: ProviderId::new_random(),
        name: "bench".into(),
        live: WebhookEndpoint {
            url: Some(url),
            secret: Some(Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")),
            ..Default::default()
        },
        sandbox: WebhookEndpoint::default(),
        external_checkout_url: None,
        billing_mode: BillingMode::default(),
    };
    let sink = Arc::new(HttpEventSink::new().unwrap());

    let mut group = c.benchmark_group("webhook_delivery");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for concurrency in [32usize, 64] {
        group.bench_function(
            format!("in_memory_outbox_to_local_receiver/concurrency_{concurrency}"),
            |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            let store = Arc::new(InMemoryStore::new());
                            store.put_provider(&provider).await.unwrap();
                            let events = (0..EVENTS)
                                .map(|_| NewEvent {
                                    id: EventId::new_random(),
                                    provider_id: provider.id,
                                    sandbox: false,
                                    data: EventData::ProvisioningCompleted {
                                        job_id: JobId::new_random(),
                                        subscription_id: SubscriptionId::new_random(),
                                    },
                                    created_at: chrono::Utc::now(),
                                })
                                .collect();
                            store
                                .commit(WriteSet {
                                    events,
                                    ..WriteSet::default()
                                })
                                .await
                                .unwrap();
                            let dispatcher = OutboxDispatcher::new(
                                store,
                                sink.clone(),
                                Arc::new(SystemClock),
                                DeliveryPolicy::kurnl_default(),
                            )
                            .with_config(DispatcherConfig {
                                batch_size: 500,
                                concurrency,
                                ..DispatcherConfig::default()
                            });
                            let start = Instant::now();
                            let mut delivered = 0;
                            while delivered < EVENTS {
                                let n = dispatcher.run_once().await.unwrap();
                                assert!(n > 0, "outbox drained early");
                                delivered += n;
                            }
                            total += start.elapsed();
                        }
                        total
                    })
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Events delivered per second from a durable SQLite outbox to a local HTTP receiver, through
//! the `OutboxDispatcher` run loop and `HttpEventSink` (signing included).
//!
//! `cargo bench --bench webhook_outbox` (env: `EVENTS`, default 10000; `MODES`, e.g. `run:64,run_once:64`;
//! `WORKERS`, tokio worker threads, default 2).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use kurnl_core::engine::{DeliveryPolicy, DispatcherConfig, OutboxDispatcher};
use kurnl_core::model::{BillingMode, EventData, NewEvent, Provider, WebhookEndpoint};
use kurnl_core::ports::{Store, SystemClock, WriteSet};
use kurnl_core::types::{EventId, JobId, ProviderId, Secret, SubscriptionId};
use kurnl_store::SqliteStore;
use kurnl_webhook::HttpEventSink;

fn main() {
    let workers: usize = std::env::var("WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = Router::new().route("/hook", post(|| async { StatusCode::NO_CONTENT }));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let provider = Provider {
            id: ProviderId::new_random(),
            name: "bench".into(),
            live: WebhookEndpoint { url: Some(url), secret: Some(Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")), ..Default::default() },
            sandbox: WebhookEndpoint::default(),
            external_checkout_url: None,
            billing_mode: BillingMode::default(),
        };
        let n: usize = std::env::var("EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
        let modes: Vec<(String, usize)> = std::env::var("MODES").unwrap_or("run_once:64,run:64".into()).split(',').map(|m| { let (a, b) = m.split_once(':').unwrap(); (a.to_owned(), b.parse().unwrap()) }).collect();
        for (mode, concurrency) in modes {
            let dir = tempfile::tempdir().unwrap();
            let store: Arc<dyn Store> = if std::env::var("STORE").as_deref() == Ok("memory") {
                Arc::new(kurnl_core::memory::InMemoryStore::new())
            } else {
                Arc::new(SqliteStore::open(dir.path().join("bench.db")).await.unwrap())
            };
            store.put_provider(&provider).await.unwrap();
            for chunk in 0..(n / 1000) {
                let _ = chunk;
                let events = (0..1000)
                    .map(|_| NewEvent {
                        id: EventId::new_random(),
                        provider_id: provider.id,
                        sandbox: false,
                        data: EventData::ProvisioningCompleted { job_id: JobId::new_random(), subscription_id: SubscriptionId::new_random() },
                        created_at: chrono::Utc::now(),
                    })
                    .collect();
                store.commit(WriteSet { events, ..WriteSet::default() }).await.unwrap();
            }
            let sink: Arc<dyn kurnl_core::ports::EventSink> = if std::env::var("SINK").as_deref() == Ok("null") {
                Arc::new(NullSink)
            } else {
                Arc::new(HttpEventSink::new().unwrap())
            };
            let d = OutboxDispatcher::new(store.clone(), sink, Arc::new(SystemClock), DeliveryPolicy::kurnl_default())
                .with_config(DispatcherConfig { batch_size: 500, concurrency, poll_interval: Duration::from_millis(5), ..DispatcherConfig::default() });
            let start = Instant::now();
            if mode.as_str() == "run_once" {
                let mut done = 0;
                while done < n {
                    let k = d.run_once().await.unwrap();
                    assert!(k > 0);
                    done += k;
                }
            } else {
                let (stop, stopped) = tokio::sync::watch::channel(false);
                let task = tokio::spawn(d.run(stopped));
                let q = kurnl_core::ports::EventQuery { provider_id: provider.id, since: None, status: Some(kurnl_core::model::DeliveryStatus::Pending), limit: 1 };
                let mut ticks = 0u32;
                while !store.list_events(&q).await.unwrap().is_empty() {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    ticks += 1;
                    if ticks.is_multiple_of(200) {
                        let all = kurnl_core::ports::EventQuery { limit: 1_000_000, ..q.clone() };
                        eprintln!("pending: {}", store.list_events(&all).await.unwrap().len());
                    }
                }
                stop.send(true).unwrap();
                task.await.unwrap();
            }
            let secs = start.elapsed().as_secs_f64();
            println!("sqlite outbox -> local receiver, {mode}, concurrency {concurrency}: {n} events in {secs:.2} s = {:.0} events/s", n as f64 / secs);
        }
    });
}

#[derive(Debug)]
struct NullSink;
#[async_trait::async_trait]
impl kurnl_core::ports::EventSink for NullSink {
    async fn deliver(
        &self,
        _: &kurnl_core::model::Event,
        _: &Provider,
    ) -> kurnl_core::ports::SinkReport {
        kurnl_core::ports::SinkReport::acknowledged(Some(204))
    }
}

//! Workloads of the store benchmarks: the same work through the `Store` port and as plain
//! sqlx statements (the baseline), so that the reported figure is a ratio of our overhead.

pub mod plain;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use kurnl_core::model::{EventData, Job, NewEvent, PortRef};
use kurnl_core::ports::{ClaimRequest, JobOutcome, JobResult, Store, WriteSet};
use kurnl_core::testkit::store_suite::fixtures::{self, World};
use kurnl_core::types::EventId;

/// The clock of the benchmarks: every job is due.
pub fn bench_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// One provisioning write: subscriber + subscription + job + event.
pub fn provisioning_write(world: &World, n: u64) -> WriteSet {
    let t = bench_time();
    let subscriber = fixtures::subscriber(world.provider, false, t);
    let mut subscription = fixtures::subscription(world, None, t);
    subscription.subscriber_id = Some(subscriber.id);
    let port = world.ports[(n as usize) % world.ports.len()];
    let job = fixtures::job(&subscription, port, t, t);
    let event = fixtures::event(&subscription, t);
    WriteSet {
        new_subscriber: Some(subscriber),
        new_subscription: Some(subscription),
        subscription_update: None,
        jobs: vec![job],
        events: vec![event],
    }
}

/// Runs `total` calls of `op` from `concurrency` tasks; the wall time.
pub async fn run_concurrent<F, Fut>(total: u64, concurrency: usize, op: F) -> Duration
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicU64::new(0));
    let op = Arc::new(op);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let next = next.clone();
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                op(n).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("benchmark task");
    }
    start.elapsed()
}

/// Switches and ports the queue benchmarks spread their jobs over.
pub struct Fleet {
    /// One world per switch (the same provider and plan version).
    pub worlds: Vec<World>,
}

/// Stores `switches` switches with `ports` ports each (one session per switch).
pub async fn fleet(store: &dyn Store, switches: usize, ports: u32) -> Fleet {
    let first = fixtures::world(store, ports, 1).await;
    let mut worlds = vec![first.clone()];
    for _ in 1..switches {
        let (switch, port_refs) = fixtures::new_switch(store, ports, 1).await;
        worlds.push(World {
            switch,
            ports: port_refs,
            ..first.clone()
        });
    }
    Fleet { worlds }
}

/// Queues `count` due jobs round-robin over the fleet's ports (untimed set-up).
pub async fn enqueue(store: &dyn Store, fleet: &Fleet, count: u64) {
    let t = bench_time();
    // Interleaved over the switches (job i on switch i mod 20), as a queue fed by many
    // buildings is: consecutive jobs do not all wait for the same switch's single session.
    let most = fleet
        .worlds
        .iter()
        .map(|w| w.ports.len())
        .max()
        .unwrap_or(0);
    let ports: Vec<(usize, PortRef)> = (0..most)
        .flat_map(|p| {
            fleet
                .worlds
                .iter()
                .enumerate()
                .filter_map(move |(w, world)| Some((w, *world.ports.get(p)?)))
        })
        .collect();
    let mut n = 0;
    while n < count {
        let chunk = (count - n).min(200);
        let mut writes = WriteSet::default();
        let subscription = fixtures::subscription(&fleet.worlds[0], None, t);
        for i in 0..chunk {
            let (w, port) = ports[((n + i) as usize) % ports.len()];
            // One subscription per job, as in real traffic: the per-subscription event
            // sequence is then no hot row that every finishing worker queues on.
            let mut sub = subscription.clone();
            sub.id = kurnl_core::types::SubscriptionId::new_time_ordered();
            sub.provider_id = fleet.worlds[w].provider;
            let job: Job = fixtures::job(&sub, port, t, t);
            writes.jobs.push(job);
        }
        store.commit(writes).await.expect("enqueue jobs");
        n += chunk;
    }
}

/// Claims and completes jobs (with a `provisioning.completed` event each) until `total` are
/// done, with `workers` concurrent workers each claiming up to `max_jobs` per lease.
pub async fn drain(store: Arc<dyn Store>, total: u64, workers: usize, max_jobs: u32) -> Duration {
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let store = store.clone();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let request = ClaimRequest {
                worker: format!("bench-{w}"),
                now: bench_time(),
                lease: chrono::Duration::seconds(60),
                max_jobs,
            };
            while done.load(Ordering::Relaxed) < total {
                let Some(claimed) = store.claim_jobs(&request).await.expect("claim") else {
                    tokio::time::sleep(Duration::from_micros(200)).await;
                    continue;
                };
                let outcomes = claimed
                    .jobs
                    .iter()
                    .map(|job| JobOutcome {
                        job_id: job.id,
                        result: JobResult::Completed {
                            events: vec![NewEvent {
                                id: EventId::new_time_ordered(),
                                provider_id: job.provider_id,
                                sandbox: false,
                                data: EventData::ProvisioningCompleted {
                                    job_id: job.id,
                                    subscription_id: job.subscription_id,
                                },
                                created_at: bench_time(),
                            }],
                        },
                    })
                    .collect::<Vec<_>>();
                let n = outcomes.len() as u64;
                store
                    .finish_jobs(claimed.lease, outcomes, bench_time())
                    .await
                    .expect("finish");
                done.fetch_add(n, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.expect("worker task");
    }
    start.elapsed()
}

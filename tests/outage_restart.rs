//! Webhooks across a long receiver outage with the process restarted in the middle (issue
//! 15.2). A real HTTP receiver (it verifies the signatures) answers 503 for ten minutes of
//! virtual time (a manual clock drives the delivery schedule; the HTTP is real). Half way
//! through, the [`Kurnl`] handle is dropped and built again on the same store (a SQLite
//! file, and a PostgreSQL schema), so the retry schedule must continue from the database.
//!
//! - With the default (Standard Webhooks) schedule every event arrives after the recovery,
//!   once, in per-subscription sequence order, and the delivery list over HTTP shows them
//!   delivered after the attempts the outage cost.
//! - With kurnl's documented 3-attempt policy the same outage fails every event; a replay
//!   over HTTP (`POST /api/v1/provider/webhooks/replay`) after the restart delivers each of
//!   them once, with its original `event_id`.

#[path = "common/backend.rs"]
mod backend;
#[path = "../examples/common/receiver.rs"]
mod receiver;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, ensure};
use backend::Backend;
use chrono::{DateTime, Utc};
use kurnl::Kurnl;
use kurnl::engine::DeliveryPolicy;
use kurnl::types::Secret;
use kurnl_core::testkit::{Fixture, ManualClock};
use receiver::Receiver;
use serde_json::{Value, json};

/// One "process": the handle on a freshly opened store, its API served on a local port.
struct Process {
    kurnl: Kurnl,
    base: String,
    server: tokio::task::JoinHandle<()>,
}

impl Process {
    async fn start(
        backend: &Backend,
        fixture: &Fixture,
        policy: &DeliveryPolicy,
    ) -> anyhow::Result<Self> {
        let kurnl = Kurnl::builder()
            .store(backend.open().await?)
            .driver(
                fixture.switch_record.driver.clone(),
                Arc::clone(&fixture.switch) as Arc<dyn kurnl::ports::SwitchDriver>,
            )
            .clock(Arc::clone(&fixture.clock) as Arc<dyn kurnl::ports::Clock>)
            .delivery_policy(policy.clone())
            .build()
            .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}/api/v1", listener.local_addr()?);
        let app = kurnl
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            kurnl,
            base,
            server,
        })
    }

    /// Stops serving and drops the handle (and with it this store connection).
    async fn stop(self) -> anyhow::Result<()> {
        self.server.abort();
        let _ = self.server.await;
        let report = self.kurnl.shutdown().await?;
        ensure!(report.finished_in_time, "nothing was in flight");
        Ok(())
    }

    /// Runs the dispatcher until nothing is due at the clock's current time.
    async fn deliver_due(&self) -> anyhow::Result<()> {
        while self.kurnl.dispatcher().run_once().await? > 0 {}
        Ok(())
    }
}

/// Moves the clock forward in 20 s steps up to `until`, delivering what is due at each step.
async fn run_until(
    process: &Process,
    clock: &ManualClock,
    until: DateTime<Utc>,
) -> anyhow::Result<()> {
    use kurnl::ports::Clock;
    while clock.now() < until {
        // Small steps: an attempt runs at most 5 s after it is due, so the schedule's own
        // jitter, not the step, decides when each attempt happens.
        clock.advance(chrono::Duration::seconds(5));
        process.deliver_due().await?;
    }
    Ok(())
}

/// Three live subscriptions, the first one also suspended and reactivated, so that one
/// subscription has several events whose order matters. Returns the subscription ids.
async fn signups(fixture: &Fixture, process: &Process) -> anyhow::Result<Vec<String>> {
    let service = process.kurnl.service();
    let mut ids = Vec::new();
    for i in 0..3 {
        let started = service
            .provider_initiated(
                &fixture.a.caller,
                fixture.provision_request(&format!("outage{i}@example.com"), i),
            )
            .await?;
        ids.push(started.subscription_id.to_string());
    }
    process.kurnl.engine().drain().await?;
    service.suspend(&fixture.a.caller, &ids[0]).await?;
    process.kurnl.engine().drain().await?;
    service.reactivate(&fixture.a.caller, &ids[0]).await?;
    process.kurnl.engine().drain().await?;
    Ok(ids)
}

/// Every delivery of provider A, read page by page over HTTP.
async fn deliveries(
    http: &reqwest::Client,
    process: &Process,
    key: &str,
    query: &str,
) -> anyhow::Result<Vec<Value>> {
    let mut all = Vec::new();
    for page in 1.. {
        let sep = if query.is_empty() { '?' } else { '&' };
        let body: Value = http
            .get(format!(
                "{}/provider/webhooks/deliveries{query}{sep}page={page}&page_size=2",
                process.base
            ))
            .header("X-API-Key", key)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        all.extend(
            body["results"]
                .as_array()
                .context("results")?
                .iter()
                .cloned(),
        );
        if body["has_more"] != json!(true) {
            break;
        }
    }
    Ok(all)
}

/// What the receiver got is every event once, in per-subscription sequence order.
fn check_received(received: &[Value], want: &HashSet<String>) -> anyhow::Result<()> {
    let ids: Vec<&str> = received
        .iter()
        .map(|e| e["event_id"].as_str().unwrap_or_default())
        .collect();
    let distinct: HashSet<String> = ids.iter().map(|s| s.to_string()).collect();
    ensure!(
        ids.len() == distinct.len(),
        "an event arrived twice: {ids:?}"
    );
    ensure!(
        &distinct == want,
        "received {distinct:?}, the store holds {want:?}"
    );
    let mut last: HashMap<String, i64> = HashMap::new();
    for event in received {
        let subscription = event["subscription_id"]
            .as_str()
            .context("subscription_id")?
            .to_owned();
        let sequence = event["sequence"].as_i64().context("sequence")?;
        if let Some(before) = last.insert(subscription.clone(), sequence) {
            ensure!(
                before < sequence,
                "subscription {subscription}: sequence {sequence} arrived after {before}"
            );
        }
    }
    Ok(())
}

async fn receiver_for(fixture: &Fixture, backend: &Backend) -> anyhow::Result<Receiver> {
    let receiver = Receiver::start(Secret::new(&fixture.a.webhook_secret)).await?;
    let store = backend.open().await?;
    let mut provider = fixture.a.provider.clone();
    provider.live.url = Some(receiver.url());
    store.put_provider(&provider).await?;
    Ok(receiver)
}

async fn outage_with_the_default_schedule(backend: Backend) -> anyhow::Result<()> {
    let fixture = Fixture::new(backend.open().await?).await;
    let receiver = receiver_for(&fixture, &backend).await?;
    let http = reqwest::Client::new();
    let policy = DeliveryPolicy::default();
    let clock = &fixture.clock;
    let start = {
        use kurnl::ports::Clock;
        clock.now()
    };
    let minutes = |m: i64| start + chrono::Duration::minutes(m);

    receiver.set_down(true);
    let first = Process::start(&backend, &fixture, &policy).await?;
    let subscriptions = signups(&fixture, &first).await?;
    // Past the third attempt whatever the jitter drew: the first runs within a step (5 s),
    // the second 5 s ± 10 % later (within a step), the third at most 5.5 min after that.
    run_until(&first, clock, minutes(7)).await?;
    ensure!(receiver.received().is_empty(), "the receiver is down");
    first.stop().await?;

    // The restart: a new handle on the same store, still during the outage.
    let second = Process::start(&backend, &fixture, &policy).await?;
    let pending = deliveries(&http, &second, &fixture.a.api_key, "?status=pending").await?;
    ensure!(
        pending.iter().any(|d| d["attempts"].as_u64() >= Some(3)),
        "the schedule continues from the database: {pending:?}"
    );
    run_until(&second, clock, minutes(10)).await?;
    ensure!(receiver.received().is_empty(), "the receiver is still down");

    receiver.set_down(false);
    run_until(&second, clock, minutes(45)).await?;

    let all = deliveries(&http, &second, &fixture.a.api_key, "").await?;
    ensure!(all.len() >= 5, "three signups and two changes: {all:?}");
    for d in &all {
        ensure!(d["status"] == "delivered", "not delivered: {d}");
    }
    let want: HashSet<String> = all
        .iter()
        .map(|d| d["event_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    check_received(&receiver.received(), &want)?;
    for subscription in &subscriptions {
        ensure!(
            receiver
                .received()
                .iter()
                .any(|e| e["subscription_id"] == json!(subscription)),
            "nothing arrived for {subscription}"
        );
    }
    // The first event of each subscription paid for the outage: attempts at 0 s, 5 s and
    // 5 min failed, the one at about 35 min went through.
    let retried = all
        .iter()
        .filter(|d| d["attempts"].as_u64() == Some(4))
        .count();
    ensure!(
        retried == subscriptions.len(),
        "one event per subscription took 4 attempts: {all:?}"
    );
    ensure!(receiver.rejected() == 0, "every signature verified");
    second.stop().await
}

async fn outage_with_the_documented_policy_then_replay(backend: Backend) -> anyhow::Result<()> {
    let fixture = Fixture::new(backend.open().await?).await;
    let receiver = receiver_for(&fixture, &backend).await?;
    let http = reqwest::Client::new();
    let policy = DeliveryPolicy::named("kurnl").context("the kurnl policy")?;
    let clock = &fixture.clock;
    let start = {
        use kurnl::ports::Clock;
        clock.now()
    };

    receiver.set_down(true);
    let first = Process::start(&backend, &fixture, &policy).await?;
    signups(&fixture, &first).await?;
    run_until(&first, clock, start + chrono::Duration::minutes(5)).await?;
    first.stop().await?;
    let second = Process::start(&backend, &fixture, &policy).await?;
    run_until(&second, clock, start + chrono::Duration::minutes(10)).await?;

    let failed = deliveries(&http, &second, &fixture.a.api_key, "?status=failed").await?;
    let all = deliveries(&http, &second, &fixture.a.api_key, "").await?;
    ensure!(
        failed.len() == all.len() && all.len() >= 5,
        "3 attempts each, all failed: {all:?}"
    );
    ensure!(receiver.received().is_empty(), "the receiver was down");

    // The receiver is back; the provider replays over HTTP after another restart.
    second.stop().await?;
    receiver.set_down(false);
    let third = Process::start(&backend, &fixture, &policy).await?;
    let reply: Value = http
        .post(format!("{}/provider/webhooks/replay", third.base))
        .header("X-API-Key", &fixture.a.api_key)
        .json(&json!({"since": start.to_rfc3339(), "status": "failed"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    ensure!(
        reply == json!({"queued": all.len(), "endpoint_reenabled": false}),
        "{reply}"
    );
    run_until(&third, clock, start + chrono::Duration::minutes(11)).await?;
    let want: HashSet<String> = failed
        .iter()
        .map(|d| d["event_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    check_received(&receiver.received(), &want)?;
    let delivered = deliveries(&http, &third, &fixture.a.api_key, "?status=delivered").await?;
    ensure!(delivered.len() == all.len(), "{delivered:?}");
    third.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_minute_outage_with_a_restart_loses_nothing_on_sqlite() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    outage_with_the_default_schedule(Backend::Sqlite(dir.path().join("kurnl.db"))).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_deliveries_are_replayed_over_http_after_a_restart_on_sqlite() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    outage_with_the_documented_policy_then_replay(Backend::Sqlite(dir.path().join("kurnl.db")))
        .await
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_minute_outage_with_a_restart_loses_nothing_on_postgres() -> anyhow::Result<()> {
    match Backend::postgres("outage") {
        Some(backend) => outage_with_the_default_schedule(backend).await,
        None => Ok(()),
    }
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_deliveries_are_replayed_over_http_after_a_restart_on_postgres() -> anyhow::Result<()>
{
    match Backend::postgres("replay") {
        Some(backend) => outage_with_the_documented_policy_then_replay(backend).await,
        None => Ok(()),
    }
}

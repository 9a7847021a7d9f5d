//! The server example restarted on its own database (issue 15.1 and 15.3): the real binary
//! (`examples/server.rs`) is started on a SQLite file (and on a PostgreSQL schema), provisions
//! over HTTP, is stopped with SIGINT, started again, killed with SIGKILL right after more
//! signups, started again with a changed inventory entry, and provisions again. Then nothing
//! may be lost or duplicated: every subscriber once, every job completed, every event
//! delivered (by event id, none emitted twice), nothing left queued, and the changed entry
//! updated.
//!
//! The binary is run by `tests/common/server_process.rs`.
#![cfg(unix)]

#[path = "common/backend.rs"]
mod backend;
#[path = "common/provider_flow.rs"]
mod provider_flow;
#[path = "../examples/common/receiver.rs"]
mod receiver;
#[path = "common/server_process.rs"]
mod server_process;

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, ensure};
use backend::Backend;
use kurnl::ports::SubscriberQuery;
use kurnl::types::{ProviderId, Secret};
use provider_flow::*;
use receiver::Receiver;
use server_process::Server;

const SUBSCRIBERS: usize = 6;

/// The lease is short so that work cut short by SIGKILL is taken over quickly.
fn server_args(backend: &Backend) -> Vec<String> {
    let mut args = vec!["--lease-secs".to_owned(), "4".to_owned()];
    args.extend(backend.server_args());
    args
}

async fn restart_scenario(backend: Backend, dir: &Path) -> anyhow::Result<()> {
    let secret = "restart-webhook-secret-0123456789abcdef";
    let receiver = Receiver::start(Secret::new(secret)).await?;
    let inventory_file = dir.join("network.toml");
    let write_inventory = |name: &str, switch_at: Option<&str>| {
        std::fs::write(
            &inventory_file,
            inventory(name, &receiver.url(), secret, switch_at, SUBSCRIBERS),
        )
    };
    write_inventory("Restart ISP", None)?;
    let http = reqwest::Client::new();
    let mut subscriptions = Vec::new();
    let mut jobs = Vec::new();

    // Run 1: provision, let it finish, stop gracefully.
    let server = Server::start(&server_args(&backend), &inventory_file).await?;
    for i in 0..2 {
        let (sub, job) = provision(&http, &server, i).await?;
        subscriptions.push(sub);
        jobs.push(job);
    }
    wait_jobs_completed(&http, &server, &jobs).await?;
    wait_events(&receiver, 4).await?;
    let output = server.interrupt().await?;
    ensure!(
        output.iter().any(|l| l.starts_with("stopped;")),
        "no shutdown report after SIGINT: {output:?}"
    );

    // Run 2 on the same database (failed with `UNIQUE constraint failed: api_keys.key_hash`),
    // with the switch unreachable (a closed port) and the receiver down: sign up two more and
    // die with their jobs and events queued or in flight.
    let closed = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        probe.local_addr()?
    };
    write_inventory("Restart ISP", Some(&closed.to_string()))?;
    receiver.set_down(true);
    let server = Server::start(&server_args(&backend), &inventory_file).await?;
    for i in 2..4 {
        let (sub, job) = provision(&http, &server, i).await?;
        subscriptions.push(sub);
        jobs.push(job);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.kill().await?;
    receiver.set_down(false);
    let queued = backend.open().await?.queued_work().await?;
    ensure!(
        queued.jobs >= 2 && queued.events >= 2,
        "the killed run left no work to resume ({queued:?}): the test would prove nothing"
    );

    // Run 3 with the simulated switch back and a changed provider name: the retried signup
    // returns the original ids, new ones work, and the work the killed run left finishes.
    write_inventory("Restart ISP (renamed)", None)?;
    let server = Server::start(&server_args(&backend), &inventory_file).await?;
    let retried = provision(&http, &server, 3).await?;
    ensure!(
        retried == (subscriptions[3].clone(), jobs[3].clone()),
        "a signup retried after the restart created new ids: {retried:?}"
    );
    for i in 4..SUBSCRIBERS {
        let (sub, job) = provision(&http, &server, i).await?;
        subscriptions.push(sub);
        jobs.push(job);
    }
    wait_jobs_completed(&http, &server, &jobs).await?;
    wait_events(&receiver, 2 * SUBSCRIBERS).await?;
    server.interrupt().await?;

    // Nothing lost, nothing duplicated.
    let events = received_events(&receiver);
    let pairs: HashSet<(String, String)> = events.values().cloned().collect();
    ensure!(
        events.len() == 2 * SUBSCRIBERS && pairs.len() == 2 * SUBSCRIBERS,
        "expected one subscription.activated and one provisioning.completed per subscription \
         under distinct event ids, got {events:?}"
    );
    for sub in &subscriptions {
        for event in ["subscription.activated", "provisioning.completed"] {
            ensure!(
                pairs.contains(&(sub.clone(), event.to_owned())),
                "{event} of subscription {sub} never arrived"
            );
        }
    }
    ensure!(receiver.rejected() == 0, "a webhook failed verification");
    let store = backend.open().await?;
    let provider: ProviderId = PROVIDER.parse()?;
    let queued = store.queued_work().await?;
    ensure!(
        queued == kurnl::ports::QueuedWork::default(),
        "work left queued after the last run: {queued:?}"
    );
    let page = store
        .list_subscribers(&SubscriberQuery {
            provider_id: provider,
            sandbox: false,
            page: 1,
            page_size: 100,
            status: None,
            search: None,
        })
        .await?;
    ensure!(
        page.total == SUBSCRIBERS as u64,
        "expected {SUBSCRIBERS} subscribers, found {}",
        page.total
    );
    for s in &page.results {
        let subs = store.list_subscriptions_of(provider, s.id).await?;
        ensure!(
            subs.len() == 1,
            "subscriber {} has {} subscriptions",
            s.id,
            subs.len()
        );
        let jobs = store.list_jobs_of(provider, subs[0].id).await?;
        ensure!(
            jobs.len() == 1 && jobs[0].status == kurnl::model::JobStatus::Completed,
            "subscription {} has jobs {jobs:?}",
            subs[0].id
        );
    }
    let stored = store
        .get_provider(provider)
        .await?
        .context("provider missing")?;
    ensure!(
        stored.name == "Restart ISP (renamed)",
        "the changed inventory entry was not updated: {:?}",
        stored.name
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restarts_on_its_own_sqlite_file_after_sigint_and_sigkill() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let backend = Backend::Sqlite(dir.path().join("kurnl.db"));
    restart_scenario(backend, dir.path()).await
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restarts_on_its_own_postgres_schema_after_sigint_and_sigkill() -> anyhow::Result<()>
{
    let Some(backend) = Backend::postgres("restart") else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    restart_scenario(backend, dir.path()).await
}

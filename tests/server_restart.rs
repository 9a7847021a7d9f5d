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
#[path = "../examples/common/receiver.rs"]
mod receiver;
#[path = "common/server_process.rs"]
mod server_process;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, ensure};
use backend::Backend;
use kurnl::ports::SubscriberQuery;
use kurnl::types::{ProviderId, Secret};
use receiver::Receiver;
use server_process::Server;

const PROVIDER: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const API_KEY: &str = "krnl_live_restart_0123456789abcdef";
const PLAN_VERSION: &str = "f7e8d9c0-b1a2-3456-cdef-012345678901";
const SUBSCRIBERS: usize = 6;

/// The inventory file: one provider (named `name`), one plan, one IOS switch with a location
/// per port, simulated unless `switch_at` names a management address (`host:port`).
fn inventory(name: &str, webhook_url: &str, secret: &str, switch_at: Option<&str>) -> String {
    let (address, ssh_port) = switch_at
        .and_then(|a| a.split_once(':'))
        .unwrap_or(("sim", "22"));
    let mut text = format!(
        r#"
[[providers]]
id = "{PROVIDER}"
name = "{name}"
api_keys = ["{API_KEY}"]
webhook_url = "{webhook_url}"
webhook_secret = "{secret}"

[[plans]]
id = "e1e2e3e4-0000-4000-8000-000000000001"
provider = "{PROVIDER}"
name = "Fibre"

[[plans.versions]]
id = "{PLAN_VERSION}"
name = "Fibre 100"
vlan = 100
download_kbps = 100000
upload_kbps = 50000
effective_from = "2024-01-01T00:00:00Z"

[[switches]]
id = "5a5a5a5a-0000-4000-8000-000000000001"
name = "restart-sw1"
driver = "ios"
address = "{address}"
ssh_port = {ssh_port}
credentials_ref = "sim"
captive_vlan = 999
"#
    );
    for n in 1..=SUBSCRIBERS {
        text.push_str(&format!(
            "\n[[switches.ports]]\nnumber = {n}\ninterface = \"GigabitEthernet1/0/{n}\"\nlocation_hash = \"{}\"\n",
            location(n - 1)
        ));
    }
    text
}

fn location(i: usize) -> String {
    format!("abcdef{i:04}")
}

/// The lease is short so that work cut short by SIGKILL is taken over quickly.
fn server_args(backend: &Backend) -> Vec<String> {
    let mut args = vec!["--lease-secs".to_owned(), "4".to_owned()];
    args.extend(backend.server_args());
    args
}

/// CKO-04 for subscriber `i`; returns `(subscription_id, job_id)`.
async fn provision(
    http: &reqwest::Client,
    server: &Server,
    i: usize,
) -> anyhow::Result<(String, String)> {
    let body = serde_json::json!({
        "plan_version_id": PLAN_VERSION,
        "location_hash": location(i),
        "email": format!("restart{i}@example.com"),
        "firstname": "Rita",
        "lastname": format!("Start{i}"),
        "street": "Main St",
        "housenumber": "1",
        "postalcode": "A1B 2C3",
        "city": "Ottawa",
        "province": "ON",
    });
    let response = http
        .post(format!(
            "{}/partner/provisioning/provider-initiated",
            server.base
        ))
        .header("X-API-Key", API_KEY)
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let json: serde_json::Value = response.json().await?;
    ensure!(status.is_success(), "provision {i}: {status} {json}");
    let field = |name: &str| {
        json[name]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("provision {i}: no {name} in {json}"))
    };
    Ok((field("subscription_id")?, field("job_id")?))
}

/// Polls the job endpoint until every job completed.
async fn wait_jobs_completed(
    http: &reqwest::Client,
    server: &Server,
    jobs: &[String],
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    for job in jobs {
        loop {
            let json: serde_json::Value = http
                .get(format!("{}/partner/provisioning/jobs/{job}", server.base))
                .header("X-API-Key", API_KEY)
                .send()
                .await?
                .json()
                .await?;
            let status = json["status"].as_str().unwrap_or("?").to_owned();
            if status == "completed" {
                break;
            }
            ensure!(
                status != "failed",
                "job {job} failed across the restart: {json}"
            );
            ensure!(
                tokio::time::Instant::now() < deadline,
                "job {job} still {status} 90 s after the restart"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    Ok(())
}

/// Distinct event ids received, with their `(subscription_id, event)`.
fn received_events(receiver: &Receiver) -> HashMap<String, (String, String)> {
    receiver
        .received()
        .iter()
        .filter_map(|e| {
            Some((
                e["event_id"].as_str()?.to_owned(),
                (
                    e["subscription_id"].as_str()?.to_owned(),
                    e["event"].as_str()?.to_owned(),
                ),
            ))
        })
        .collect()
}

async fn wait_events(receiver: &Receiver, n: usize) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    while received_events(receiver).len() < n {
        ensure!(
            tokio::time::Instant::now() < deadline,
            "{} of {n} distinct events arrived within 90 s",
            received_events(receiver).len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

async fn restart_scenario(backend: Backend, dir: &Path) -> anyhow::Result<()> {
    let secret = "restart-webhook-secret-0123456789abcdef";
    let receiver = Receiver::start(Secret::new(secret)).await?;
    let inventory_file = dir.join("network.toml");
    let write_inventory = |name: &str, switch_at: Option<&str>| {
        std::fs::write(
            &inventory_file,
            inventory(name, &receiver.url(), secret, switch_at),
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

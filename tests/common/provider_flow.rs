//! One provider's flow against the server binary, shared by the tests that run it: the
//! inventory file (one provider, one plan, one simulated IOS switch), CKO-04 signups over
//! HTTP, and waiting for their jobs and webhooks.
// Each test binary includes this file and uses a part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, ensure};

use crate::receiver::Receiver;
use crate::server_process::Server;

pub const PROVIDER: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
pub const API_KEY: &str = "krnl_live_restart_0123456789abcdef";
pub const PLAN_VERSION: &str = "f7e8d9c0-b1a2-3456-cdef-012345678901";

/// The inventory file: one provider (named `name`), one plan, one IOS switch with `ports`
/// ports, a location each, simulated unless `switch_at` names a management address (`host:port`).
pub fn inventory(
    name: &str,
    webhook_url: &str,
    secret: &str,
    switch_at: Option<&str>,
    ports: usize,
) -> String {
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
    for n in 1..=ports {
        text.push_str(&format!(
            "\n[[switches.ports]]\nnumber = {n}\ninterface = \"GigabitEthernet1/0/{n}\"\nlocation_hash = \"{}\"\n",
            location(n - 1)
        ));
    }
    text
}

pub fn location(i: usize) -> String {
    format!("abcdef{i:04}")
}

/// CKO-04 for subscriber `i`; returns `(subscription_id, job_id)`.
pub async fn provision(
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
pub async fn wait_jobs_completed(
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
pub fn received_events(receiver: &Receiver) -> HashMap<String, (String, String)> {
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

pub async fn wait_events(receiver: &Receiver, n: usize) -> anyhow::Result<()> {
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

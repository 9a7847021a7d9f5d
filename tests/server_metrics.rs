//! The server example's probes and metrics (issue 18): the real binary is started on a
//! SQLite file, answers `/healthz` and `/readyz`, provisions two subscribers over HTTP, and
//! its `/metrics` (the Prometheus text format, `metrics-exporter-prometheus`) must then show
//! the counters moved by exactly what happened: two signups answered, one rejected request,
//! two jobs completed on the switch, four webhooks delivered, sessions opened on the switch.
//!
//! The binary is run by `tests/common/server_process.rs`.
#![cfg(unix)]

#[path = "common/provider_flow.rs"]
mod provider_flow;
#[path = "../examples/common/receiver.rs"]
mod receiver;
#[path = "common/server_process.rs"]
mod server_process;

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, ensure};
use kurnl::types::Secret;
use provider_flow::*;
use receiver::Receiver;
use server_process::Server;

/// One sample of the scrape: metric name and its labels, sorted.
type Series = (String, BTreeMap<String, String>);

/// Parses the Prometheus text format's sample lines (comments and blank lines skipped).
fn parse(text: &str) -> anyhow::Result<BTreeMap<Series, f64>> {
    let mut samples = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line.rsplit_once(' ').context("sample without a value")?;
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.strip_suffix('}').context("unclosed labels")?),
            None => (series, ""),
        };
        let mut map = BTreeMap::new();
        for pair in labels.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').context("label without =")?;
            map.insert(k.to_owned(), v.trim_matches('"').to_owned());
        }
        samples.insert((name.to_owned(), map), value.parse()?);
    }
    Ok(samples)
}

/// The sample's value, 0 when the series does not exist yet.
fn value(samples: &BTreeMap<Series, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let labels = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    samples
        .get(&(name.to_owned(), labels))
        .copied()
        .unwrap_or(0.0)
}

async fn scrape(http: &reqwest::Client, server: &Server) -> anyhow::Result<BTreeMap<Series, f64>> {
    let root = server.base.trim_end_matches("/api/v1");
    let response = http.get(format!("{root}/metrics")).send().await?;
    ensure!(
        response.status() == 200,
        "/metrics answered {}",
        response.status()
    );
    parse(&response.text().await?)
}

#[tokio::test]
async fn probes_answer_and_metrics_count_what_happened() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let secret = "metrics-webhook-secret-0123456789abcdef";
    let receiver = Receiver::start(Secret::new(secret)).await?;
    let inventory_file = dir.path().join("network.toml");
    std::fs::write(
        &inventory_file,
        inventory("Metrics ISP", &receiver.url(), secret, None, 3),
    )?;
    let db = dir.path().join("kurnl.db");
    let args = vec!["--db".to_owned(), db.display().to_string()];
    let server = Server::start(&args, &inventory_file).await?;
    let http = reqwest::Client::new();
    let root = server.base.trim_end_matches("/api/v1").to_owned();

    for (probe, status) in [("healthz", "ok"), ("readyz", "ready")] {
        let response = http.get(format!("{root}/{probe}")).send().await?;
        ensure!(response.status() == 200, "/{probe}: {}", response.status());
        let json: serde_json::Value = response.json().await?;
        ensure!(json["status"] == status, "/{probe}: {json}");
    }

    let before = scrape(&http, &server).await?;
    let route = "/api/v1/partner/provisioning/provider-initiated";
    let mut jobs = Vec::new();
    for i in 0..2 {
        jobs.push(provision(&http, &server, i).await?.1);
    }
    let rejected = http
        .post(format!("{root}{route}"))
        .header("X-API-Key", API_KEY)
        .json(&serde_json::json!({"plan_version_id": PLAN_VERSION}))
        .send()
        .await?;
    ensure!(
        rejected.status() == 422,
        "an incomplete signup: {}",
        rejected.status()
    );
    wait_jobs_completed(&http, &server, &jobs).await?;
    wait_events(&receiver, 4).await?;

    // The dispatcher counts a delivery once it has recorded it, just after the receiver saw it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let after = loop {
        let after = scrape(&http, &server).await?;
        let delivered = value(
            &after,
            "kurnl_webhook_deliveries_total",
            &[("outcome", "delivered")],
        );
        // The queue gauges are refreshed once a second (the engine's reaping cadence).
        let drained = after
            .get(&("kurnl_jobs_queued".to_owned(), BTreeMap::new()))
            .is_some_and(|n| *n == 0.0);
        if (delivered >= 4.0 && drained) || tokio::time::Instant::now() > deadline {
            break after;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };

    let requests = "kurnl_http_requests_total";
    let post = |status| [("method", "POST"), ("route", route), ("status", status)];
    ensure!(
        moved(requests, &post("200")) == 2.0,
        "two signups answered 200: {after:?}"
    );
    ensure!(moved(requests, &post("422")) == 1.0, "one rejected signup");
    ensure!(
        value(
            &after,
            requests,
            &[("method", "GET"), ("route", "/readyz"), ("status", "200")]
        ) == 1.0,
        "the readiness probe counted once"
    );
    ensure!(
        moved("kurnl_jobs_total", &[("outcome", "completed")]) == 2.0,
        "two jobs completed"
    );
    ensure!(
        moved("kurnl_jobs_total", &[("outcome", "failed")]) == 0.0,
        "no job failed"
    );
    ensure!(
        moved(
            "kurnl_webhook_deliveries_total",
            &[("outcome", "delivered")]
        ) == 4.0,
        "four webhooks delivered (subscription.activated and provisioning.completed, twice)"
    );
    ensure!(
        value(
            &after,
            "kurnl_switch_sessions_opened_total",
            &[("driver", "ios")]
        ) >= 1.0,
        "a session was opened on the IOS switch"
    );
    ensure!(
        value(&after, "kurnl_job_duration_seconds_count", &[]) >= 2.0,
        "job durations recorded"
    );
    for gauge in ["kurnl_jobs_queued", "kurnl_webhook_events_queued"] {
        ensure!(
            after.get(&(gauge.to_owned(), BTreeMap::new())) == Some(&0.0),
            "{gauge} is exported and reads 0 once everything is done (the per-switch gauges are checked in kurnl-core's metrics tests)"
        );
    }
    server.interrupt().await?;
    Ok(())
}

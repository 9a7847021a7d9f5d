//! Bulk import: submits a CSV of subscribers to a kurnl API in batches of 100, shows a
//! progress bar until every entry is completed or failed, prints a summary and writes the
//! failures to a CSV.
//!
//! ```text
//! cargo run --example server                      # in another terminal
//! cargo run --example bulk_import -- examples/subscribers.csv \
//!     --api-key krnl_live_demo_0123456789abcdef0123
//! ```
//!
//! CSV columns are the bulk entry fields: `plan_version_id, location_hash, email, firstname,
//! lastname, street, housenumber, postalcode, city, province` and optionally `country,
//! phonenumber, mac_address, external_subscription_id`. Empty cells are left out.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

#[derive(Debug, Parser)]
#[command(about = "Submit a CSV of subscribers to kurnl's bulk provisioning API")]
struct Args {
    /// The CSV file.
    csv: PathBuf,
    /// API base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080/api/v1")]
    url: String,
    /// API key (or set KURNL_API_KEY).
    #[arg(long, env = "KURNL_API_KEY", hide_env_values = true)]
    api_key: String,
    /// Where to write the failed entries (default: `<csv>.failures.csv`).
    #[arg(long)]
    failures: Option<PathBuf>,
    /// Entries per batch (at most 100).
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
}

fn read_entries(path: &PathBuf) -> anyhow::Result<Vec<BTreeMap<String, String>>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let mut entries = Vec::new();
    for (line, record) in reader.deserialize::<BTreeMap<String, String>>().enumerate() {
        let record = record.with_context(|| format!("{} row {}", path.display(), line + 2))?;
        entries.push(
            record
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .collect(),
        );
    }
    Ok(entries)
}

/// Submits one batch, waiting while the provider already has 3 batches in progress.
async fn submit(
    client: &reqwest::Client,
    args: &Args,
    batch: &[BTreeMap<String, String>],
) -> anyhow::Result<String> {
    loop {
        let response = client
            .post(format!("{}/partner/provisioning/bulk", args.url))
            .header("X-API-Key", &args.api_key)
            .json(&serde_json::json!({ "subscribers": batch }))
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        match status.as_u16() {
            202 => {
                return body["batch_id"]
                    .as_str()
                    .map(str::to_owned)
                    .context("202 without batch_id");
            }
            429 => tokio::time::sleep(Duration::from_secs(1)).await,
            _ => bail!("bulk submit answered {status}: {}", body["detail"]),
        }
    }
}

async fn poll(client: &reqwest::Client, args: &Args, batch_id: &str) -> anyhow::Result<Value> {
    let response = client
        .get(format!("{}/partner/provisioning/bulk/{batch_id}", args.url))
        .header("X-API-Key", &args.api_key)
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await?;
    if !status.is_success() {
        bail!("bulk poll answered {status}: {}", body["detail"]);
    }
    Ok(body)
}

fn finished(entry: &Value) -> bool {
    matches!(entry["status"].as_str(), Some("completed" | "failed"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !(1..=100).contains(&args.batch_size) {
        bail!("--batch-size must be 1..=100");
    }
    let entries = read_entries(&args.csv)?;
    if entries.is_empty() {
        bail!("{} has no rows", args.csv.display());
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let bar = ProgressBar::new(entries.len() as u64);
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} entries done ({msg}) {elapsed}",
    )?);

    let mut pending: Vec<(String, &[BTreeMap<String, String>])> = Vec::new();
    let mut results: Vec<(BTreeMap<String, String>, Value)> = Vec::new();
    let mut chunks = entries.chunks(args.batch_size);
    loop {
        // Keep up to 3 batches in flight (kurnl's limit per provider).
        while pending.len() < 3 {
            let Some(chunk) = chunks.next() else { break };
            pending.push((submit(&client, &args, chunk).await?, chunk));
        }
        if pending.is_empty() {
            break;
        }
        let mut still = Vec::new();
        let mut done_now = 0;
        for (id, chunk) in pending {
            let view = poll(&client, &args, &id).await?;
            let rows = view["results"].as_array().cloned().unwrap_or_default();
            if view["status"] == "in_progress" {
                done_now += rows.iter().filter(|r| finished(r)).count();
                still.push((id, chunk));
            } else {
                results.extend(chunk.iter().cloned().zip(rows));
            }
        }
        pending = still;
        let done = results.len() + done_now;
        let failed = results
            .iter()
            .filter(|(_, r)| r["status"] == "failed")
            .count();
        bar.set_position(done as u64);
        bar.set_message(format!("{failed} failed"));
        if !pending.is_empty() {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    bar.finish();

    let failed: Vec<_> = results
        .iter()
        .filter(|(_, r)| r["status"] == "failed")
        .collect();
    println!(
        "{} entries: {} completed, {} failed",
        results.len(),
        results.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        let path = args
            .failures
            .clone()
            .unwrap_or_else(|| args.csv.with_extension("failures.csv"));
        let mut writer = csv::Writer::from_path(&path)?;
        writer.write_record(["email", "location_hash", "plan_version_id", "error"])?;
        for (entry, result) in &failed {
            let field = |k: &str| entry.get(k).cloned().unwrap_or_default();
            writer.write_record([
                field("email"),
                field("location_hash"),
                field("plan_version_id"),
                result["error"].as_str().unwrap_or("").to_owned(),
            ])?;
        }
        writer.flush()?;
        println!("failures written to {}", path.display());
    }
    Ok(())
}

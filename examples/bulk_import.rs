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
//!
//! The progress bar counts an entry as done, and a failure as failed, as soon as a poll of its
//! batch shows it, not when the whole batch finishes. Failed entries are written with every
//! column of the input plus `error`, beside the input as `<name>.failures.csv`
//! (`subscribers.csv` gives `subscribers.failures.csv`), so the file can be fixed and submitted
//! again as it is (an `error` column in the input is ignored).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
    /// Where to write the failed entries: every input column plus `error` (default: beside the
    /// CSV, `.csv` replaced by `.failures.csv`: subscribers.csv gives subscribers.failures.csv).
    #[arg(long)]
    failures: Option<PathBuf>,
    /// Entries per batch (at most 100).
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
}

/// The input's header row and its entries (empty cells left out).
type Input = (Vec<String>, Vec<BTreeMap<String, String>>);

fn read_entries(path: &Path) -> anyhow::Result<Input> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let headers = reader
        .headers()
        .with_context(|| format!("{} header row", path.display()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut entries = Vec::new();
    for (line, record) in reader.deserialize::<BTreeMap<String, String>>().enumerate() {
        let record = record.with_context(|| format!("{} row {}", path.display(), line + 2))?;
        entries.push(
            record
                .into_iter()
                // `error` is the column this tool adds to its failures file.
                .filter(|(k, v)| !v.trim().is_empty() && k != "error")
                .collect(),
        );
    }
    Ok((headers, entries))
}

/// Where the failures go when `--failures` is not given: beside the input, `.csv` replaced by
/// `.failures.csv`.
fn default_failures_path(csv: &Path) -> PathBuf {
    csv.with_extension("failures.csv")
}

/// Entries done and failed so far, counting the finished rows of batches still in progress.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    done: usize,
    failed: usize,
}

impl Tally {
    /// Adds the rows of one poll (a finished batch or one still in progress).
    fn add_rows(&mut self, rows: &[Value]) {
        for row in rows.iter().filter(|r| finished(r)) {
            self.done += 1;
            if row["status"] == "failed" {
                self.failed += 1;
            }
        }
    }
}

/// Writes the failed entries with every input column plus `error`.
fn write_failures(
    path: &Path,
    headers: &[String],
    failed: &[&(BTreeMap<String, String>, Value)],
) -> anyhow::Result<()> {
    let mut writer =
        csv::Writer::from_path(path).with_context(|| format!("creating {}", path.display()))?;
    let mut header_row = headers.to_vec();
    header_row.push("error".into());
    writer.write_record(&header_row)?;
    for (entry, result) in failed {
        let mut row: Vec<String> = headers
            .iter()
            .map(|h| entry.get(h).cloned().unwrap_or_default())
            .collect();
        row.push(result["error"].as_str().unwrap_or("").to_owned());
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
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
    let (headers, entries) = read_entries(&args.csv)?;
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
    let mut finished_batches = Tally::default();
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
        let mut in_flight = Tally::default();
        for (id, chunk) in pending {
            let view = poll(&client, &args, &id).await?;
            let rows = view["results"].as_array().cloned().unwrap_or_default();
            if view["status"] == "in_progress" {
                in_flight.add_rows(&rows);
                still.push((id, chunk));
            } else {
                finished_batches.add_rows(&rows);
                results.extend(chunk.iter().cloned().zip(rows));
            }
        }
        pending = still;
        bar.set_position((finished_batches.done + in_flight.done) as u64);
        bar.set_message(format!(
            "{} failed",
            finished_batches.failed + in_flight.failed
        ));
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
            .unwrap_or_else(|| default_failures_path(&args.csv));
        write_failures(&path, &headers, &failed)?;
        println!("failures written to {}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use serde_json::json;

    use super::*;

    #[test]
    fn failures_in_a_batch_still_in_progress_are_counted_at_once() {
        let mut tally = Tally::default();
        tally.add_rows(&[
            json!({"status": "failed", "error": "Location not found"}),
            json!({"status": "pending"}),
            json!({"status": "completed"}),
            json!({"status": "in_progress"}),
        ]);
        assert_eq!(tally, Tally { done: 2, failed: 1 });
    }

    #[test]
    fn help_names_the_failures_file_that_is_written() {
        let written = default_failures_path(Path::new("examples/subscribers.csv"));
        assert_eq!(written, Path::new("examples/subscribers.failures.csv"));
        let help = Args::command().render_long_help().to_string();
        let name = written.file_name().unwrap().to_string_lossy().into_owned();
        assert!(help.contains(&name), "--help does not name {name}:\n{help}");
    }

    #[test]
    fn the_failures_file_keeps_every_input_column_and_can_be_submitted_again() {
        let dir = std::env::temp_dir().join(format!("kurnl-bulk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("subscribers.csv");
        std::fs::write(
            &input,
            "plan_version_id,location_hash,email,phonenumber\n\
             plan-1,ab12cd34ef,a@example.com,\n\
             plan-1,ffffffffff,b@example.com,+31201234567\n",
        )
        .unwrap();
        let (headers, entries) = read_entries(&input).unwrap();
        let failed = (
            entries[1].clone(),
            json!({"status": "failed", "error": "Location not found"}),
        );
        let path = default_failures_path(&input);
        write_failures(&path, &headers, &[&failed]).unwrap();

        let written = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            written,
            "plan_version_id,location_hash,email,phonenumber,error\n\
             plan-1,ffffffffff,b@example.com,+31201234567,Location not found\n"
        );
        // The failures file reads back as input: the error column is one more cell.
        let (again_headers, again) = read_entries(&path).unwrap();
        assert_eq!(&again_headers[..4], &headers[..]);
        assert_eq!(again[0]["email"], "b@example.com");
        assert!(
            !again[0].contains_key("error"),
            "the error column is not resubmitted"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! The README's "The documented calls, in order" run as written (issue 16.7): the server
//! example is started on a fresh SQLite file with the demo network, and every `curl` block of
//! that section is parsed and sent in order, with only the host changed and the
//! `{subscription_id}`, `{subscriber_id}` and `{job_id}` placeholders filled from the last
//! response that carried one. Every call must succeed, every documented call of kurnl's seed
//! documents must be among them, and every port job they start must complete on the simulated
//! switches.
#![cfg(unix)]

#[path = "common/server_process.rs"]
mod server_process;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use serde_json::Value;
use server_process::Server;

const SECTION: &str = "## The documented calls, in order";
const README_HOST: &str = "http://127.0.0.1:8080/api/v1";
const API_KEY: &str = "krnl_live_demo_0123456789abcdef0123";

/// The calls of kurnl's own documentation (`shared/seeds`), as method and path template.
const DOCUMENTED: &[(&str, &str)] = &[
    ("POST", "/partner/external-checkout/complete"),
    ("POST", "/partner/external-checkout/anonymous-complete"),
    ("POST", "/partner/provisioning/provider-initiated"),
    ("POST", "/provisioning/confirm-install"),
    ("POST", "/provider/subscribers"),
    ("GET", "/provider/subscribers"),
    ("GET", "/provider/subscribers/{subscriber_id}"),
    ("PATCH", "/provider/subscribers/{subscriber_id}"),
    ("GET", "/provider/subscribers/{subscriber_id}/subscriptions"),
    ("POST", "/subscription/{subscription_id}/activate"),
    ("POST", "/subscription/{subscription_id}/change-plan"),
    ("POST", "/subscription/{subscription_id}/cancel"),
    ("POST", "/subscription/{subscription_id}/suspend"),
    ("POST", "/subscription/{subscription_id}/reactivate"),
];

/// The ids a later call may refer to.
const PLACEHOLDERS: &[&str] = &["subscription_id", "subscriber_id", "job_id"];

/// One `curl` command of the README.
#[derive(Debug)]
struct Call {
    text: String,
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

impl Call {
    /// Parses one shell block holding a single `curl` command (lines joined at `\`).
    fn parse(block: &str) -> anyhow::Result<Self> {
        let text = block.replace("\\\n", " ");
        let words = shlex::split(&text).with_context(|| format!("unbalanced quotes in {text}"))?;
        let mut words = words.into_iter();
        ensure!(
            words.next().as_deref() == Some("curl"),
            "not a curl call: {text}"
        );
        let (mut method, mut url, mut headers, mut body) = (None, None, Vec::new(), None);
        while let Some(word) = words.next() {
            match word.as_str() {
                "-X" => method = words.next(),
                "-H" => {
                    let header = words.next().context("-H without a value")?;
                    let (name, value) = header
                        .split_once(':')
                        .with_context(|| format!("header without ':' in {text}"))?;
                    headers.push((name.trim().to_owned(), value.trim().to_owned()));
                }
                "-d" => body = words.next(),
                flag if flag.starts_with('-') => bail!("unexpected curl flag {flag} in {text}"),
                _ => url = Some(word),
            }
        }
        let method = method.unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.into());
        let url = url.with_context(|| format!("no URL in {text}"))?;
        Ok(Self {
            text,
            method,
            url,
            headers,
            body,
        })
    }

    /// The path after the API base, without the query.
    fn path_template(&self) -> &str {
        let path = self.url.strip_prefix(README_HOST).unwrap_or(&self.url);
        path.split('?').next().unwrap_or(path)
    }
}

/// The `curl` blocks of the README section, in order.
fn readme_calls() -> anyhow::Result<Vec<Call>> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))?;
    let start = readme
        .find(SECTION)
        .with_context(|| format!("README has no section {SECTION:?}"))?;
    let section = &readme[start + SECTION.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut calls = Vec::new();
    for (i, part) in section.split("```").enumerate() {
        // Odd parts are inside fences; the server's start command is the one block that is not
        // a curl call.
        if i % 2 == 1 {
            let code = part
                .strip_prefix("sh\n")
                .context("a fence that is not ```sh")?;
            if code.trim_start().starts_with("curl") {
                calls.push(Call::parse(code.trim())?);
            }
        }
    }
    Ok(calls)
}

/// Fills the placeholders from the ids seen so far.
fn fill(text: &str, ids: &HashMap<&str, String>) -> anyhow::Result<String> {
    let mut out = text.to_owned();
    for name in PLACEHOLDERS {
        let placeholder = format!("{{{name}}}");
        if out.contains(&placeholder) {
            let id = ids
                .get(name)
                .with_context(|| format!("{placeholder} before any response carried it"))?;
            out = out.replace(&placeholder, id);
        }
    }
    Ok(out)
}

#[tokio::test]
async fn the_readme_calls_run_in_order_against_the_server_example() -> anyhow::Result<()> {
    let calls = readme_calls()?;
    let covered: BTreeSet<(&str, &str)> = calls
        .iter()
        .map(|c| (c.method.as_str(), c.path_template()))
        .collect();
    for documented in DOCUMENTED {
        ensure!(
            covered.contains(documented),
            "the README section lacks the documented call {documented:?}"
        );
    }

    let dir = tempfile::tempdir()?;
    let inventory = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-network.toml");
    let db = dir.path().join("kurnl.db").display().to_string();
    let server = Server::start(&["--db".into(), db], &inventory).await?;
    for credential in [
        API_KEY,
        "krnl_sb_demo_0123456789abcdef01234567",
        "demo-webhook-secret-0123456789abcdef",
        "demo-sandbox-secret-0123456789abcdef",
    ] {
        ensure!(
            server.wait_for_output(credential).await,
            "the banner does not print {credential}"
        );
    }

    let http = reqwest::Client::new();
    let mut ids: HashMap<&str, String> = HashMap::new();
    let mut jobs = BTreeSet::new();
    for call in &calls {
        let url = fill(&call.url, &ids)?.replace(README_HOST, &server.base);
        let method = reqwest::Method::from_bytes(call.method.as_bytes())?;
        let mut request = http.request(method, &url);
        for (name, value) in &call.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &call.body {
            request = request.body(fill(body, &ids)?);
        }
        let response = request.send().await?;
        let status = response.status();
        let json: Value = response.json().await.unwrap_or(Value::Null);
        ensure!(
            status.is_success(),
            "{status} {json} for the README call\n{}",
            call.text
        );
        for name in PLACEHOLDERS {
            if let Some(id) = json[name].as_str() {
                ids.insert(name, id.to_owned());
            }
        }
        if let Some(job) = json["job_id"].as_str() {
            jobs.insert(job.to_owned());
        }
    }

    // Every port job the calls started completes on the simulated switches.
    ensure!(!jobs.is_empty(), "no call answered with a job_id");
    for job in &jobs {
        let url = format!("{}/partner/provisioning/jobs/{job}", server.base);
        let finished = tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                let view: Value = http
                    .get(&url)
                    .header("X-API-Key", API_KEY)
                    .send()
                    .await?
                    .json()
                    .await?;
                match view["status"].as_str() {
                    Some("completed") => return anyhow::Ok(view),
                    Some("failed") => bail!("job {job} failed: {view}"),
                    _ => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        })
        .await
        .with_context(|| format!("job {job} did not finish within 60 s"))?;
        finished?;
    }
    eprintln!(
        "{} README calls, {} jobs completed",
        calls.len(),
        jobs.len()
    );
    server.interrupt().await?;
    Ok(())
}

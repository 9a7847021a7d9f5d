//! The console (issue 19) in a real headless Chromium driven over WebDriver (Debian's
//! `chromium` and `chromium-driver`; fantoccini as the client) against the server example on
//! the demo network: log in, copy a port's location hash, provision through the sandbox
//! try-it panel and watch the job complete live, rotate a webhook secret; a provider cannot
//! open the operator's pages or another provider's; a form without its CSRF token is refused.
//! Screenshots of each page go to `target/tmp/console-screenshots/`.
//!
//! Without `chromedriver` on the PATH the test says so and passes, unless
//! `KURNL_TEST_REQUIRE` names `chromium` (CI), which makes it fail instead.
#![cfg(unix)]

#[path = "common/server_process.rs"]
mod server_process;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};
use server_process::Server;

const OTHER_PROVIDER: &str = "0b0b0b0b-0000-4000-8000-000000000002";

fn chromedriver() -> anyhow::Result<Option<PathBuf>> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("chromedriver"))
            .find(|p| p.is_file())
    });
    let required = std::env::var("KURNL_TEST_REQUIRE")
        .is_ok_and(|v| v.split(',').any(|p| p.trim() == "chromium"));
    match found {
        Some(p) => Ok(Some(p)),
        None if required => bail!("KURNL_TEST_REQUIRE=chromium but no chromedriver on the PATH"),
        None => {
            eprintln!(
                "skipped: no chromedriver on the PATH (apt install chromium chromium-driver)"
            );
            Ok(None)
        }
    }
}

/// chromedriver on a free port, killed on drop.
struct Driver {
    child: tokio::process::Child,
    port: u16,
}

impl Driver {
    async fn start(binary: &Path) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = tokio::process::Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting chromedriver")?;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(Self { child, port });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("chromedriver did not listen on {port}")
    }

    async fn browser(&self) -> anyhow::Result<Client> {
        // Two rustls crypto providers are compiled in (reqwest's and fantoccini's); pick one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--window-size=1280,1000"] }),
        );
        Ok(ClientBuilder::rustls()?
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await?)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

fn screenshots() -> anyhow::Result<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn shot(b: &Client, name: &str) -> anyhow::Result<()> {
    let png = b.screenshot().await?;
    std::fs::write(screenshots()?.join(format!("{name}.png")), png)?;
    Ok(())
}

async fn login(b: &Client, root: &str, user: &str, password: &str) -> anyhow::Result<()> {
    b.goto(&format!("{root}/console/login")).await?;
    b.find(Locator::Id("username"))
        .await?
        .send_keys(user)
        .await?;
    b.find(Locator::Id("password"))
        .await?
        .send_keys(password)
        .await?;
    b.find(Locator::Css("form button[type=submit]"))
        .await?
        .click()
        .await?;
    b.wait().for_element(Locator::Css("nav .who")).await?;
    Ok(())
}

async fn logout(b: &Client) -> anyhow::Result<()> {
    b.find(Locator::Css("form.logout button"))
        .await?
        .click()
        .await?;
    b.wait().for_element(Locator::Id("username")).await?;
    Ok(())
}

async fn body_text(b: &Client) -> anyhow::Result<String> {
    Ok(b.find(Locator::Css("body")).await?.text().await?)
}

/// Waits until the page's body contains `needle`.
async fn wait_for_text(b: &Client, needle: &str) -> anyhow::Result<()> {
    for _ in 0..100 {
        if body_text(b).await?.contains(needle) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!(
        "the page never showed {needle:?}; it shows:\n{}",
        body_text(b).await?
    )
}

#[tokio::test]
async fn the_console_works_in_a_real_browser() -> anyhow::Result<()> {
    let Some(chromedriver) = chromedriver()? else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let inventory = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-network.toml");
    let args = vec![
        "--db".to_owned(),
        dir.path().join("kurnl.db").display().to_string(),
    ];
    let server = Server::start(&args, &inventory).await?;
    let root = server.base.trim_end_matches("/api/v1").to_owned();
    let driver = Driver::start(&chromedriver).await?;
    let b = driver.browser().await?;
    let outcome = flow(&b, &root).await;
    if outcome.is_err() {
        let _ = shot(&b, "failure").await;
    }
    b.close().await?;
    server.kill().await?;
    outcome
}

async fn flow(b: &Client, root: &str) -> anyhow::Result<()> {
    // The operator: the network with its ports, and a location hash copied.
    login(b, root, "operator", "demo-operator-password").await?;
    ensure!(b.current_url().await?.path() == "/console/network");
    shot(b, "network").await?;
    let copy = b.find(Locator::Css("td button[data-copy]")).await?;
    let hash = copy
        .attr("data-copy")
        .await?
        .context("copy button without a hash")?;
    copy.click().await?;
    let mut copied = None;
    for _ in 0..50 {
        copied = copy.attr("data-copied").await?;
        if copied.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ensure!(
        copied.as_deref() == Some(hash.as_str()),
        "the copy button did not copy {hash}"
    );
    ensure!(copy.text().await? == "Copied");
    for page in [
        "buildings",
        "subscriptions",
        "jobs",
        "webhooks",
        "settings",
        "sandbox",
    ] {
        b.goto(&format!("{root}/console/{page}")).await?;
        b.wait().for_element(Locator::Css("main h1")).await?;
        shot(b, page).await?;
    }
    // Secret rotation: the new secret is shown once.
    b.goto(&format!("{root}/console/settings")).await?;
    b.find(Locator::Css("form[action$='/rotate'] button"))
        .await?
        .click()
        .await?;
    b.accept_alert().await?;
    let shown = b
        .wait()
        .for_element(Locator::Id("shown-once"))
        .await?
        .text()
        .await?;
    ensure!(shown.len() >= 32, "rotation showed {shown:?}");
    logout(b).await?;

    // A provider: the sandbox try-it panel, its job followed live to completion.
    login(b, root, "demo-isp", "demo-isp-password").await?;
    ensure!(b.current_url().await?.path() == "/console/subscriptions");
    b.goto(&format!("{root}/console/sandbox")).await?;
    b.find(Locator::Css("#try-result")).await?;
    b.find(Locator::Css("form[hx-post] button[type=submit]"))
        .await?
        .click()
        .await?;
    let htmx = b.execute("return typeof htmx", vec![]).await?;
    ensure!(
        htmx == serde_json::json!("object"),
        "htmx did not load: {htmx}"
    );
    b.wait().for_element(Locator::Id("try-job")).await?;
    let mut status = String::new();
    for _ in 0..150 {
        if let Ok(job) = b.find(Locator::Id("try-job")).await {
            status = job.attr("data-status").await?.unwrap_or_default();
            if status == "completed" {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    ensure!(
        status == "completed",
        "the sandbox job ended {status:?}: {}",
        body_text(b).await?
    );
    shot(b, "sandbox-try-it").await?;

    // Isolation: no operator page, no other provider's page.
    for path in [
        "/console/network".to_owned(),
        format!("/console/subscriptions?provider={OTHER_PROVIDER}"),
        format!("/console/settings?provider={OTHER_PROVIDER}"),
    ] {
        b.goto(&format!("{root}{path}")).await?;
        wait_for_text(b, "403")
            .await
            .with_context(|| format!("{path} was not refused"))?;
    }
    // CSRF: a POST from the logged-in browser without the token is refused.
    b.goto(&format!("{root}/console/webhooks")).await?;
    let status = b
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch('/console/webhooks/replay', { method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                 body: 'provider=a1b2c3d4-e5f6-7890-abcd-ef1234567890&since=2026-01-01T00:00' })
               .then(r => done(r.status), e => done(String(e)));",
            vec![],
        )
        .await?;
    ensure!(
        status == serde_json::json!(403),
        "a form without its CSRF token answered {status}"
    );
    logout(b).await?;
    Ok(())
}

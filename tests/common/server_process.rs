//! The server example (`examples/server.rs`) run as an OS process by the integration tests.
//!
//! The binary is `target/<profile>/examples/server`, which `cargo test` / `cargo nextest` build
//! with the tests; when it is missing it is built with `cargo build --example server`.
// Each test binary includes this file and uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, ensure};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The example binary next to this test's `deps/` directory, built when missing.
pub fn server_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("test binary has no profile directory")?;
    let binary = profile_dir.join("examples").join("server");
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = std::process::Command::new(cargo);
        build.args(["build", "--example", "server"]);
        if cfg!(feature = "postgres") {
            build.args(["--features", "postgres"]);
        }
        let status = build.current_dir(env!("CARGO_MANIFEST_DIR")).status()?;
        ensure!(status.success(), "cargo build --example server failed");
    }
    Ok(binary)
}

/// One run of the server binary.
pub struct Server {
    child: Child,
    /// The API base URL, `http://127.0.0.1:<port>/api/v1`.
    pub base: String,
    output: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the binary on `inventory` with `args` added and waits for its banner.
    pub async fn start(args: &[String], inventory: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(server_binary()?)
            .args(["--listen", "127.0.0.1:0", "--inventory"])
            .arg(inventory)
            .args(args)
            .env("RUST_LOG", "warn")
            // Credentials for the run whose switch is not simulated.
            .env("KURNL_SSH_USER_SIM", "admin")
            .env("KURNL_SSH_PASSWORD_SIM", "unused")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let output = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let stdout = child.stdout.take().context("stdout")?;
        let stderr = child.stderr.take().context("stderr")?;
        for (stream, lines) in [
            (
                Box::new(stdout) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
                "out",
            ),
            (Box::new(stderr), "err"),
        ] {
            let output = Arc::clone(&output);
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream).lines();
                while let Ok(Some(line)) = reader.next_line().await {
                    eprintln!("server {lines}: {line}");
                    output.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        drop(tx);
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = rx.recv().await {
                if let Some(rest) = line.strip_prefix("api       http://")
                    && let Some(addr) = rest.split('/').next()
                {
                    return Some(format!("http://{addr}/api/v1"));
                }
            }
            None
        })
        .await;
        match base {
            Ok(Some(base)) => Ok(Self {
                child,
                base,
                output,
            }),
            _ => {
                let status = child.try_wait()?;
                anyhow::bail!(
                    "server did not start (exit {status:?}); output:\n{}",
                    output.lock().unwrap().join("\n")
                )
            }
        }
    }

    /// Waits up to 10 s until a line of the output contains `needle`.
    pub async fn wait_for_output(&self, needle: &str) -> bool {
        for _ in 0..100 {
            if self
                .output
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.contains(needle))
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// SIGINT, then waits for a clean exit.
    pub async fn interrupt(mut self) -> anyhow::Result<Vec<String>> {
        let pid = self.child.id().context("server already exited")?;
        let status = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()?;
        ensure!(status.success(), "kill -INT failed");
        let exit = tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .context("server did not stop within 60 s of SIGINT")??;
        // The output readers finish once the pipes close.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let output = self.output.lock().unwrap().clone();
        ensure!(
            exit.success(),
            "server exited with {exit} after SIGINT:\n{}",
            output.join("\n")
        );
        Ok(output)
    }

    /// SIGKILL: no shutdown at all.
    pub async fn kill(mut self) -> anyhow::Result<()> {
        self.child.start_kill()?;
        self.child.wait().await?;
        Ok(())
    }
}

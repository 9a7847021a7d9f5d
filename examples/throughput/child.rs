//! Child processes: this binary re-invoked with a hidden `--role`, talking line by line over
//! stdin/stdout.
//!
//! A child is killed when its handle is dropped (`kill_on_drop`, so also when the parent
//! returns early with an error) and exits by itself when its stdin closes (so also when the
//! parent is killed). Its stderr is forwarded with a `[name]` prefix; the last lines are kept
//! for the error message when it fails.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::procfs::ProcStats;

const TAIL: usize = 20;

pub struct ChildProc {
    name: String,
    child: Child,
    pid: u32,
    stdin: Option<ChildStdin>,
    stdout: Lines<BufReader<ChildStdout>>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

impl ChildProc {
    /// Starts `current_exe() args...` with `env` added.
    pub fn spawn(name: &str, args: &[String], env: &[(&str, String)]) -> anyhow::Result<Self> {
        let mut command = tokio::process::Command::new(std::env::current_exe()?);
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let pid = child.id().context("child has no pid")?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().context("child stdout")?).lines();
        let stderr = child.stderr.take().context("child stderr")?;
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail = Arc::clone(&stderr_tail);
        let prefix = name.to_owned();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("[{prefix}] {line}");
                let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
                if tail.len() == TAIL {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        });
        Ok(Self {
            name: name.to_owned(),
            child,
            pid,
            stdin,
            stdout,
            stderr_tail,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Memory and CPU of the child so far.
    pub fn stats(&self) -> ProcStats {
        ProcStats::of(Some(self.pid))
    }

    /// Sends one line to the child's stdin.
    pub async fn send(&mut self, line: &str) -> anyhow::Result<()> {
        let stdin = self.stdin.as_mut().context("stdin already closed")?;
        let sent = async {
            stdin.write_all(line.as_bytes()).await?;
            stdin.write_all(b"\n").await?;
            stdin.flush().await
        }
        .await;
        if sent.is_err() {
            return Err(self.failure("stopped taking commands").await);
        }
        Ok(())
    }

    /// The next line the child prints on stdout; an error (with its exit status and last
    /// stderr lines) when it closed stdout.
    pub async fn recv(&mut self) -> anyhow::Result<String> {
        match self.stdout.next_line().await {
            Ok(Some(line)) => Ok(line),
            _ => Err(self.failure("closed its stdout").await),
        }
    }

    /// An error when the child has exited already.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait()? {
            None => Ok(()),
            Some(status) => Err(anyhow!(
                "{} exited early ({status}){}",
                self.name,
                self.tail()
            )),
        }
    }

    /// Closes stdin (the child's signal to stop), waits up to `timeout` for it to exit and
    /// checks that it exited with success; kills it after the timeout.
    pub async fn finish(mut self, timeout: Duration) -> anyhow::Result<()> {
        drop(self.stdin.take());
        match tokio::time::timeout(timeout, self.child.wait()).await {
            Ok(status) => {
                let status = status?;
                if !status.success() {
                    bail!("{} exited with {status}{}", self.name, self.tail());
                }
                Ok(())
            }
            Err(_) => {
                let _ = self.child.start_kill();
                let _ = self.child.wait().await;
                bail!(
                    "{} did not stop within {timeout:?}; killed{}",
                    self.name,
                    self.tail()
                )
            }
        }
    }

    async fn failure(&mut self, what: &str) -> anyhow::Error {
        // Give it a moment to exit so the status is known.
        let status = tokio::time::timeout(Duration::from_secs(2), self.child.wait()).await;
        let status = match status {
            Ok(Ok(s)) => s.to_string(),
            _ => "still running".into(),
        };
        anyhow!("{} {what} ({status}){}", self.name, self.tail())
    }

    fn tail(&self) -> String {
        let tail = self.stderr_tail.lock().unwrap_or_else(|e| e.into_inner());
        if tail.is_empty() {
            String::new()
        } else {
            format!(
                "; last stderr lines:\n  {}",
                tail.iter().cloned().collect::<Vec<_>>().join("\n  ")
            )
        }
    }
}

/// In a child: resolves when stdin closes (the parent finished or died) or says `stop`;
/// every other line goes to `on_line`, whose answer (if any) is printed on stdout. (Stdin is
/// read on a thread of its own: the workspace's Tokio has no `io-std`.)
pub async fn serve_stdin(mut on_line: impl FnMut(&str) -> Option<String>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    while let Some(line) = rx.recv().await {
        let line = line.trim();
        if line == "stop" {
            break;
        }
        if let Some(answer) = on_line(line) {
            println!("{answer}");
        }
    }
}

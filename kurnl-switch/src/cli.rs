//! The CLI engine: prompt detection on the buffer tail, per-line echo synchronisation,
//! paging fallback, interactive confirmations, deadlines.

use std::time::Duration;

use kurnl_core::ports::{DriverError, DriverErrorKind};
use regex::Regex;
use russh::ChannelMsg;
use tokio::time::Instant;

use crate::transport::SshShell;

/// Prompt patterns of one CLI dialect. All patterns are matched against the last (incomplete)
/// line of the buffer only, and must be anchored (`^...$`).
#[derive(Debug, Clone)]
pub struct PromptPatterns {
    /// Any prompt of the device.
    pub prompt: Regex,
    /// A pager marker (`--More--`, `---(more)---`); answered with a space.
    pub more: Regex,
}

/// What came back for one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Output lines between the echoed command and the prompt.
    pub lines: Vec<String>,
    /// The prompt that ended the output.
    pub prompt: String,
}

impl Reply {
    /// The output as one string.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// A CLI session over an SSH shell.
#[derive(Debug)]
pub struct CliSession {
    shell: Option<SshShell>,
    buf: String,
    patterns: PromptPatterns,
    timeout: Duration,
    /// Lines sent so far (round trips).
    pub lines_sent: u64,
    /// The last prompt seen.
    pub last_prompt: String,
    ansi: Regex,
}

#[allow(clippy::expect_used)]
fn ansi_regex() -> Regex {
    static ANSI: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]").expect("static regex")
    });
    ANSI.clone()
}

fn closed() -> DriverError {
    DriverError::transient(DriverErrorKind::Connect, "connection closed by the switch")
}

impl CliSession {
    /// Wraps an open shell.
    pub fn new(shell: SshShell, patterns: PromptPatterns, timeout: Duration) -> Self {
        Self {
            shell: Some(shell),
            buf: String::new(),
            patterns,
            timeout,
            lines_sent: 0,
            last_prompt: String::new(),
            ansi: ansi_regex(),
        }
    }

    fn shell(&mut self) -> Result<&mut SshShell, DriverError> {
        self.shell.as_mut().ok_or_else(closed)
    }

    fn push(&mut self, data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let text = self.ansi.replace_all(&text, "");
        for c in text.chars() {
            match c {
                '\r' | '\0' | '\x07' => {}
                '\x08' => {
                    if !self.buf.ends_with('\n') {
                        self.buf.pop();
                    }
                }
                c => self.buf.push(c),
            }
        }
    }

    async fn fill(&mut self, deadline: Instant) -> Result<(), DriverError> {
        let shell = self.shell()?;
        let msg = match tokio::time::timeout_at(deadline, shell.channel.wait()).await {
            Err(_) => {
                return Err(DriverError::transient(
                    DriverErrorKind::Timeout,
                    "no prompt from the switch before the command deadline",
                ));
            }
            Ok(m) => m,
        };
        match msg {
            Some(ChannelMsg::Data { data }) => {
                self.push(&data);
                Ok(())
            }
            Some(ChannelMsg::ExtendedData { data, .. }) => {
                self.push(&data);
                Ok(())
            }
            Some(ChannelMsg::Eof | ChannelMsg::Close | ChannelMsg::ExitStatus { .. }) | None => {
                self.shell = None;
                Err(closed())
            }
            Some(_) => Ok(()),
        }
    }

    async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), DriverError> {
        let shell = self.shell()?;
        let r = shell.channel.data_bytes(bytes.to_vec()).await;
        r.map_err(|_| closed())
    }

    fn last_line(&self) -> &str {
        match self.buf.rfind('\n') {
            Some(i) => &self.buf[i + 1..],
            None => &self.buf,
        }
    }

    /// Reads until a prompt sits at the tail of the buffer, answering pagers and the given
    /// confirmations (`(pattern on the last line, answer line)`). Returns the text before the
    /// prompt and the prompt; both are consumed from the buffer.
    async fn read_to_prompt(
        &mut self,
        deadline: Instant,
        confirm: &[(&Regex, &str)],
    ) -> Result<(String, String), DriverError> {
        loop {
            let last = self.last_line().to_owned();
            if self.patterns.prompt.is_match(&last) {
                let cut = self.buf.len() - last.len();
                let before = self.buf[..cut].to_owned();
                self.buf.clear();
                self.last_prompt = last.trim_end().to_owned();
                return Ok((before, self.last_prompt.clone()));
            }
            if self.patterns.more.is_match(&last) {
                let cut = self.buf.len() - last.len();
                self.buf.truncate(cut);
                self.send_raw(b" ").await?;
                continue;
            }
            if let Some((_, answer)) = confirm.iter().find(|(re, _)| re.is_match(&last)) {
                let answer = format!("{answer}\n");
                self.buf.push('\n');
                self.send_raw(answer.as_bytes()).await?;
                continue;
            }
            self.fill(deadline).await?;
        }
    }

    /// Waits for the first prompt after login.
    ///
    /// # Errors
    /// Timeout or closed connection.
    pub async fn wait_prompt(&mut self) -> Result<String, DriverError> {
        let deadline = Instant::now() + self.timeout;
        match self.read_to_prompt(deadline, &[]).await {
            Ok((_, p)) => Ok(p),
            Err(e) if e.kind == DriverErrorKind::Timeout => {
                // Some devices print the prompt only after a keystroke.
                self.send_raw(b"\n").await?;
                let deadline = Instant::now() + self.timeout;
                self.read_to_prompt(deadline, &[]).await.map(|(_, p)| p)
            }
            Err(e) => Err(e),
        }
    }

    /// Sends one line and returns its output (after the echo) and the next prompt.
    ///
    /// # Errors
    /// Timeout, closed connection.
    pub async fn run(&mut self, line: &str) -> Result<Reply, DriverError> {
        self.run_confirm(line, &[]).await
    }

    /// Like [`CliSession::run`], answering interactive confirmations.
    ///
    /// # Errors
    /// Timeout, closed connection.
    pub async fn run_confirm(
        &mut self,
        line: &str,
        confirm: &[(&Regex, &str)],
    ) -> Result<Reply, DriverError> {
        debug_assert!(!line.contains(['\n', '\r']));
        self.lines_sent += 1;
        let sent = format!("{line}\n");
        self.send_raw(sent.as_bytes()).await?;
        let deadline = Instant::now() + self.timeout;
        let wanted: String = line.split_whitespace().collect();
        let mut acc = String::new();
        loop {
            let (before, prompt) = self.read_to_prompt(deadline, confirm).await?;
            acc.push_str(&before);
            // Echo synchronisation: the prompt counts only after the echo of our line.
            let mut lines: Vec<&str> = acc.split('\n').collect();
            let echo_at = lines.iter().position(|l| {
                let folded: String = l.split_whitespace().collect();
                folded.ends_with(&wanted)
            });
            match echo_at {
                Some(i) => {
                    let out: Vec<String> = lines
                        .drain(i + 1..)
                        .map(|l| l.trim_end().to_owned())
                        .filter(|l| !l.is_empty())
                        .collect();
                    return Ok(Reply { lines: out, prompt });
                }
                None => {
                    // A stale prompt (or our echo is still coming): keep reading.
                    acc.push_str(&prompt);
                    acc.push('\n');
                }
            }
        }
    }

    /// Closes the connection.
    pub async fn close(mut self) {
        if let Some(shell) = self.shell.take() {
            shell.close().await;
        }
    }
}

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
    /// Command lines sent so far.
    pub lines_sent: u64,
    /// Writes that waited for their replies so far: a [`CliSession::run_batch`] of several
    /// lines is one round trip.
    pub round_trips: u64,
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
            round_trips: 0,
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
        self.round_trips += 1;
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

    /// Sends `lines` in one write and returns one reply per line, in order (the device reads
    /// them as typed-ahead input, as netmiko's and scrapli's config sets do): one round trip
    /// instead of one per line.
    ///
    /// Every line is sent whatever the replies say, so use it only for lines that are safe to
    /// run after an earlier one failed, in the mode the first line starts in (configuration
    /// statements of one interface, say); the caller checks each reply. Only lines with short
    /// output: output long enough to page would take the next typed-ahead line as the pager's
    /// answer. Replies are matched to lines by their echoes, in order; text before the first
    /// echo (a stale prompt) is skipped. The command deadline covers the whole batch.
    ///
    /// # Errors
    /// Timeout, closed connection.
    pub async fn run_batch(&mut self, lines: &[String]) -> Result<Vec<Reply>, DriverError> {
        if lines.is_empty() {
            return Ok(Vec::new());
        }
        let mut sent = String::new();
        for line in lines {
            debug_assert!(!line.contains(['\n', '\r']));
            sent.push_str(line);
            sent.push('\n');
        }
        self.lines_sent += lines.len() as u64;
        self.round_trips += 1;
        self.send_raw(sent.as_bytes()).await?;
        let deadline = Instant::now() + self.timeout;
        let mut acc = String::new();
        loop {
            let (before, prompt) = self.read_to_prompt(deadline, &[]).await?;
            acc.push_str(&before);
            acc.push_str(&prompt);
            if let Some(replies) = split_replies(&acc, lines) {
                return Ok(replies);
            }
            // Not every echo has come back yet: the prompt was an intermediate one, and the
            // next echo continues its line.
        }
    }

    /// Closes the connection.
    pub async fn close(mut self) {
        if let Some(shell) = self.shell.take() {
            shell.close().await;
        }
    }
}

/// A line with its whitespace removed (echoes may re-space or wrap a long line).
fn folded(line: &str) -> String {
    line.split_whitespace().collect()
}

/// Splits the text a batch produced (its last line the final prompt) into one reply per sent
/// line, or `None` while some echo is still missing. An echo is the first line at or after
/// the previous echo that ends with the sent line; the reply's output is the text up to the
/// next echo, whose line starts with the prompt the reply ended with.
fn split_replies(acc: &str, lines: &[String]) -> Option<Vec<Reply>> {
    let text: Vec<&str> = acc.split('\n').collect();
    let mut echoes = Vec::with_capacity(lines.len());
    let mut from = 0;
    for line in lines {
        let wanted = folded(line);
        // The final prompt (the last text line) is never an echo of this batch.
        let at = text[from..text.len() - 1]
            .iter()
            .position(|l| folded(l).ends_with(&wanted))?
            + from;
        echoes.push(at);
        from = at + 1;
    }
    let final_prompt = text[text.len() - 1].trim_end().to_owned();
    let replies = echoes
        .iter()
        .enumerate()
        .map(|(i, &at)| {
            let (end, prompt) = match echoes.get(i + 1) {
                Some(&next) => (next, prompt_before(text[next], &lines[i + 1])),
                None => (text.len() - 1, final_prompt.clone()),
            };
            let out = text[at + 1..end]
                .iter()
                .map(|l| l.trim_end().to_owned())
                .filter(|l| !l.is_empty())
                .collect();
            Reply { lines: out, prompt }
        })
        .collect();
    Some(replies)
}

/// The prompt in front of an echoed `line` (the whole echo line when the echo is not the
/// line verbatim).
fn prompt_before(echo: &str, line: &str) -> String {
    let echo = echo.trim_end();
    echo.strip_suffix(line.trim_end())
        .unwrap_or(echo)
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_batch_splits_into_one_reply_per_line_with_the_prompt_that_followed_it() {
        let sent = lines(&["description a", "bogus", "switchport mode access"]);
        let acc = "description a\nsw1(config-if)#bogus\n% Invalid input detected at '^' marker.\n\nsw1(config-if)#switchport mode access\nsw1(config-if)#";
        let replies = split_replies(acc, &sent).expect("all echoes present");
        assert_eq!(replies.len(), 3);
        assert_eq!(replies[0].lines, Vec::<String>::new());
        assert_eq!(replies[0].prompt, "sw1(config-if)#");
        assert_eq!(
            replies[1].lines,
            vec!["% Invalid input detected at '^' marker.".to_owned()]
        );
        assert_eq!(replies[1].prompt, "sw1(config-if)#");
        assert!(replies[2].lines.is_empty());
        assert_eq!(replies[2].prompt, "sw1(config-if)#");
    }

    #[test]
    fn a_batch_is_incomplete_until_the_last_echo_and_its_prompt_arrived() {
        let sent = lines(&["set a", "set b"]);
        // Only the first line has been answered: the prompt at the tail is an intermediate one.
        assert!(split_replies("set a\n[edit]\nuser@sw# ", &sent).is_none());
        let done = split_replies("set a\n[edit]\nuser@sw# set b\n[edit]\nuser@sw# ", &sent)
            .expect("complete");
        assert_eq!(done[0].lines, vec!["[edit]".to_owned()]);
        assert_eq!(done[0].prompt, "user@sw#");
        assert_eq!(done[1].lines, vec!["[edit]".to_owned()]);
    }

    #[test]
    fn text_before_the_first_echo_is_skipped() {
        let sent = lines(&["end"]);
        let replies = split_replies("sw1(config)#\nsw1(config)#end\nsw1#", &sent).expect("done");
        assert!(replies[0].lines.is_empty());
        assert_eq!(replies[0].prompt, "sw1#");
    }
}

/// A value typed into a switch CLI as one line (an enable secret, a confirmation answer):
/// no newline, carriage return or other control character, so it cannot end its line early
/// and run a second command. `Debug` is redacted: the value may be a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct CliText(String);

impl CliText {
    /// Checks `value`; `what` names the field in the error.
    ///
    /// # Errors
    /// A permanent `Configuration` error naming `what` (never the value) when `value` holds a
    /// control character or is longer than 256 bytes.
    pub fn new(what: &str, value: &str) -> Result<Self, kurnl_core::ports::DriverError> {
        use kurnl_core::ports::{DriverError, DriverErrorKind};
        if let Some(at) = value.chars().position(char::is_control) {
            return Err(DriverError::permanent(
                DriverErrorKind::Configuration,
                format!(
                    "{what} contains a control character (newline, carriage return, ...) at position {at}; it would be typed into the switch CLI as more than one line"
                ),
            ));
        }
        if value.len() > 256 {
            return Err(DriverError::permanent(
                DriverErrorKind::Configuration,
                format!("{what} is longer than 256 bytes"),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The checked value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for CliText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CliText(***)")
    }
}

#[cfg(test)]
mod cli_text_tests {
    use super::CliText;

    #[test]
    fn control_characters_are_refused_and_named() {
        for bad in ["a\nshow run", "a\rb", "a\u{1b}b", "\t"] {
            let e = CliText::new("enable_secret", bad).expect_err(bad);
            assert!(e.message.starts_with("enable_secret contains"), "{e}");
            assert!(!e.message.contains("show run"), "{e}");
        }
        assert_eq!(
            CliText::new("x", "s3cr et!")
                .map(|t| t.as_str().to_owned())
                .ok()
                .as_deref(),
            Some("s3cr et!")
        );
        assert_eq!(
            format!("{:?}", CliText::new("x", "secret").ok()),
            "Some(CliText(***))"
        );
    }
}

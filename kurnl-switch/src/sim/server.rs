//! The SSH side of the simulator: russh server and handler, authentication, the per-channel
//! line discipline (echo, backspace, pager) and the fault checks before each command.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use russh::server::{Auth, Msg, Response, Session};
use russh::{Channel, ChannelId};

use super::{Cli, Shared, Step, lock, new_cli};

#[derive(Clone)]
pub(super) struct SimServer {
    pub(super) shared: Arc<Shared>,
}

impl russh::server::Server for SimServer {
    type Handler = SimHandler;
    fn new_client(&mut self, _: Option<SocketAddr>) -> SimHandler {
        SimHandler {
            shared: self.shared.clone(),
            channels: std::collections::HashMap::new(),
        }
    }
}

pub(super) struct SimHandler {
    shared: Arc<Shared>,
    channels: std::collections::HashMap<ChannelId, ChannelState>,
}

impl SimHandler {
    fn check(&self, user: &str, password: &str) -> Auth {
        let c = &self.shared.config;
        if !lock(&self.shared.faults).fail_auth && user == c.username && password == c.password {
            self.shared.logins.fetch_add(1, Ordering::Relaxed);
            Auth::Accept
        } else {
            Auth::reject()
        }
    }
}

impl russh::server::Handler for SimHandler {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        Ok(self.check(user, password))
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        match response {
            None => Ok(Auth::Partial {
                name: Cow::Borrowed(""),
                instructions: Cow::Borrowed(""),
                prompts: Cow::Owned(vec![(Cow::Borrowed("Password: "), false)]),
            }),
            Some(mut r) => {
                let answer = r
                    .next()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                Ok(self.check(user, &answer))
            }
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let _ = session;
        // Input arrives through `Handler::data`; the channel object is not read, and dropping
        // it is what keeps russh from queueing (and blocking on) a copy of every message.
        let id = channel.id();
        drop(channel);
        reply.accept().await;
        let cli = new_cli(&self.shared);
        self.channels.insert(
            id,
            ChannelState {
                cli,
                line: String::new(),
                skip_lf: false,
                paged: None,
                hung: false,
            },
        );
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        if let Some(st) = self.channels.get_mut(&channel) {
            let greeting = st.cli.greeting();
            session.data(channel, crlf(&greeting))?;
        }
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.feed(channel, data, session).await
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.remove(&channel);
        Ok(())
    }
}

const PAGE: usize = 23;

/// The CLI state of one session channel. The handler runs it inline (no task per channel),
/// so a reply costs no extra task hops; per-command latency delays that connection only.
struct ChannelState {
    cli: Box<dyn Cli>,
    line: String,
    skip_lf: bool,
    /// Lines still to show behind a pager marker, and the prompt after them.
    paged: Option<(Vec<String>, String)>,
    /// A `hang_on` fault fired: never answer again.
    hung: bool,
}

fn crlf(text: &str) -> Vec<u8> {
    text.replace('\n', "\r\n").into_bytes()
}

const ERASE: &str =
    "\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08          \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08";

impl SimHandler {
    /// Feeds received bytes to a channel's CLI; writes echo and replies to the session.
    async fn feed(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), russh::Error> {
        let shared = self.shared.clone();
        let Some(st) = self.channels.get_mut(&channel) else {
            return Ok(());
        };
        if st.hung {
            return Ok(());
        }
        let mut out = String::new();
        for &b in data {
            if let Some((rest, prompt)) = st.paged.take() {
                // Any key continues (q aborts).
                out.push_str(ERASE);
                if b == b'q' {
                    out.push('\n');
                    out.push_str(&prompt);
                } else {
                    st.paged = page(rest, prompt, st.cli.more_marker(), &mut out);
                }
                continue;
            }
            match b {
                b'\r' | b'\n' => {
                    if b == b'\n' && st.skip_lf {
                        st.skip_lf = false;
                        continue;
                    }
                    st.skip_lf = b == b'\r';
                    out.push('\n');
                    let cmd = std::mem::take(&mut st.line).trim_end().to_owned();
                    shared.commands.fetch_add(1, Ordering::Relaxed);
                    let (reject, drop_now, hang) = {
                        let mut f = lock(&shared.faults);
                        let mut reject = !cmd.is_empty()
                            && (f.reject.iter().any(|p| cmd.contains(p.as_str()))
                                || f.reject_exact.contains(&cmd));
                        if let Some(r) = f.reject_interface.as_mut()
                            && !reject
                            && st.cli.interface_of(&cmd).as_deref() == Some(r.interface.as_str())
                        {
                            reject = r.hit();
                        }
                        let drop_now = match f.drop_after {
                            Some(0 | 1) => {
                                f.drop_after = None;
                                true
                            }
                            Some(k) => {
                                f.drop_after = Some(k - 1);
                                false
                            }
                            None => false,
                        };
                        let hang = f
                            .hang_on
                            .as_ref()
                            .is_some_and(|h| !cmd.is_empty() && cmd.contains(h.as_str()));
                        (reject, drop_now, hang)
                    };
                    if drop_now {
                        session.data(channel, crlf(&out))?;
                        session.close(channel)?;
                        session.disconnect(
                            russh::Disconnect::ByApplication,
                            "fault injected",
                            "",
                        )?;
                        self.channels.remove(&channel);
                        return Ok(());
                    }
                    if hang {
                        st.hung = true;
                        break;
                    }
                    if !shared.config.latency.is_zero() {
                        // Echo first, then the reply after the device's think time.
                        session.data(channel, crlf(&std::mem::take(&mut out)))?;
                        tokio::time::sleep(shared.config.latency).await;
                    }
                    let step = if reject {
                        Step::Reply(st.cli.injected_error(&cmd))
                    } else {
                        st.cli.line(&cmd)
                    };
                    match step {
                        Step::Reply(text) => {
                            if st.cli.paging() {
                                let (body, prompt) = match text.rfind('\n') {
                                    Some(i) => (text[..i].to_owned(), text[i + 1..].to_owned()),
                                    None => (String::new(), text),
                                };
                                let lines: Vec<String> = if body.is_empty() {
                                    Vec::new()
                                } else {
                                    body.split('\n').map(str::to_owned).collect()
                                };
                                st.paged = page(lines, prompt, st.cli.more_marker(), &mut out);
                            } else {
                                out.push_str(&text);
                            }
                        }
                        Step::Close(text) => {
                            out.push_str(&text);
                            session.data(channel, crlf(&out))?;
                            session.eof(channel)?;
                            session.close(channel)?;
                            self.channels.remove(&channel);
                            return Ok(());
                        }
                    }
                }
                0x08 | 0x7f if st.line.pop().is_some() => out.push_str("\x08 \x08"),
                0x08 | 0x7f => {}
                0x03 => st.line.clear(),
                b if b >= 0x20 => {
                    st.line.push(b as char);
                    out.push(b as char);
                }
                _ => {}
            }
        }
        if !out.is_empty() {
            session.data(channel, crlf(&out))?;
        }
        Ok(())
    }
}

/// Writes up to a page of `lines` to `out`; returns what is left (with the prompt) or writes
/// the prompt when everything fit.
fn page(
    mut lines: Vec<String>,
    prompt: String,
    marker: &str,
    out: &mut String,
) -> Option<(Vec<String>, String)> {
    if lines.len() <= PAGE {
        for l in &lines {
            out.push_str(l);
            out.push('\n');
        }
        out.push_str(&prompt);
        return None;
    }
    let rest = lines.split_off(PAGE);
    for l in &lines {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(marker);
    Some((rest, prompt))
}

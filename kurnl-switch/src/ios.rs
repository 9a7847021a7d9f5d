//! Cisco IOS / IOS-XE Catalyst access ports.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use kurnl_core::model::{PortConfig, Switch};
use kurnl_core::ports::{
    DriverCapabilities, DriverError, DriverErrorKind, PortChange, PortResult, SwitchDriver,
};
use kurnl_core::types::{InterfaceName, SwitchId};
use regex::Regex;

use crate::cli::{CliSession, CliText, PromptPatterns, Reply};
use crate::credentials::CredentialResolver;
use crate::driver::{DriverCore, Session, first_rejected, rejected};
use crate::template::{IosPort, IosTemplates};
use crate::transport::{KnownHosts, SshOptions};

#[allow(clippy::expect_used)]
fn re(s: &str) -> Regex {
    Regex::new(s).expect("static regex")
}

/// Up to this many distinct ports, a batch reads (and reads back) its ports with one
/// typed-ahead `show running-config interface` per port: one round trip of a few lines per
/// port. Above it, the whole running config once, whose size does not grow with the batch.
const PER_PORT_READ_MAX: usize = 16;

/// Whether `name` (possibly abbreviated, `Gi1/0/1`) names the interface `full`
/// (`GigabitEthernet1/0/1`), as IOS resolves abbreviations.
fn same_interface(name: &str, full: &str) -> bool {
    let split = |s: &str| {
        let at = s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
        (s[..at].to_ascii_lowercase(), s[at..].to_owned())
    };
    let (k, n) = split(name);
    let (fk, fnum) = split(full);
    !k.is_empty() && n == fnum && fk.starts_with(&k)
}

/// IOS prompts: `host>`, `host#`, `host(config)#`, `host(config-if)#`; hostnames may contain
/// `( ) . - _ / : @` and are truncated in config mode.
pub fn ios_patterns() -> PromptPatterns {
    static P: LazyLock<PromptPatterns> = LazyLock::new(|| PromptPatterns {
        prompt: re(r"^[A-Za-z0-9._\-/:@()]{1,64}?(?:\([a-z0-9.\-]+\))?[>#] ?$"),
        more: re(r"(?i)^\s*-+ ?more ?-+\s*$"),
    });
    P.clone()
}

static IOS_ERRORS: LazyLock<IosErrors> = LazyLock::new(IosErrors::new);

struct IosErrors {
    error: Regex,
    info: Regex,
}

impl IosErrors {
    fn new() -> Self {
        Self {
            error: re(
                r"(?i)^\s*(% ?(invalid input|incomplete command|ambiguous command|unknown command|bad |error|.*not configured|.*not allowed|.*failed)|command rejected|command authorization failed|.*policy map .* not configured|.*already attached)",
            ),
            info: re(r"(?i)^\s*% ?access vlan does not exist"),
        }
    }

    fn is_error(&self, reply: &Reply) -> bool {
        reply
            .lines
            .iter()
            .any(|l| self.error.is_match(l) && !self.info.is_match(l))
    }
}

/// The error of a change whose undo was rejected too: the port is partially changed.
fn partially_applied(
    interface: &InterfaceName,
    cause: &DriverError,
    undo: &DriverError,
    stuck: &[String],
) -> DriverError {
    DriverError::permanent(
        DriverErrorKind::PartiallyApplied,
        format!(
            "port {interface} is partially changed: {}; the undo failed too ({}); lines that stuck: {}",
            cause.message,
            undo.message,
            stuck.join("; ")
        ),
    )
}

/// Configures Cisco IOS / IOS-XE access ports over SSH. See the crate docs for the sequence.
#[derive(Debug, Clone)]
pub struct IosDriver {
    core: DriverCore,
    templates: IosTemplates,
}

impl IosDriver {
    /// A driver with default SSH options and templates.
    pub fn new(credentials: Arc<dyn CredentialResolver>) -> Self {
        Self {
            core: DriverCore::new(credentials),
            templates: IosTemplates::default(),
        }
    }

    /// Replaces the SSH options of all switches.
    #[must_use]
    pub fn with_options(mut self, options: SshOptions) -> Self {
        self.core.options = options;
        self
    }

    /// SSH options for one switch (e.g. the legacy algorithm profile).
    #[must_use]
    pub fn with_switch_options(mut self, switch: SwitchId, options: SshOptions) -> Self {
        self.core.per_switch.insert(switch, options);
        self
    }

    /// Replaces the command templates.
    ///
    /// # Errors
    /// When a template would not render to a single safe token.
    pub fn with_templates(mut self, templates: IosTemplates) -> Result<Self, DriverError> {
        templates.validate()?;
        self.templates = templates;
        Ok(self)
    }

    /// Caps concurrent sessions across all switches (default 32).
    #[must_use]
    pub fn with_global_sessions(mut self, n: usize) -> Self {
        self.core.set_global_sessions(n);
        self
    }

    /// Keeps at most `n` idle sessions for reuse (0: none), closing the least recently used
    /// when another one is returned. Without a cap the driver keeps one idle session per
    /// switch used within [`SshOptions::session_reuse`], which with thousands of switches is
    /// thousands of open connections (and their memory) on both ends.
    #[must_use]
    pub fn with_max_idle_sessions(mut self, n: usize) -> Self {
        self.core.set_max_idle_sessions(n);
        self
    }

    /// Host keys learned by trust-on-first-use.
    pub fn known_hosts(&self) -> &KnownHosts {
        &self.core.known
    }

    /// Whether a prompt is privileged exec mode (where sessions start and end).
    fn healthy(prompt: &str) -> bool {
        prompt.ends_with('#') && !prompt.contains("(config")
    }

    /// A pooled session (probed when idle for a while) or a new one.
    async fn session(&self, switch: &Switch) -> Result<Session, DriverError> {
        if let Some(mut s) = self.core.checkout(switch).await? {
            if s.idle_for() < std::time::Duration::from_secs(1) {
                return Ok(s);
            }
            if let Ok(reply) = s.cli.run("").await
                && Self::healthy(&reply.prompt)
            {
                return Ok(s);
            }
            s.cli.close().await;
        }
        self.fresh_session(switch).await
    }

    async fn fresh_session(&self, switch: &Switch) -> Result<Session, DriverError> {
        let mut s = self.core.open(switch, ios_patterns()).await?;
        let prompt = s.cli.wait_prompt().await?;
        if prompt.ends_with('>') {
            let secret = s
                .credentials
                .enable_secret
                .clone()
                .or_else(|| s.credentials.password.clone());
            static PASSWORD: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)password: ?$"));
            let password = &*PASSWORD;
            let what = if s.credentials.enable_secret.is_some() {
                "enable_secret"
            } else {
                "password (used as the enable secret)"
            };
            let answer = CliText::new(what, secret.as_ref().map_or("", |s| s.expose()))?;
            let reply = s
                .cli
                .run_confirm("enable", &[(password, answer.as_str())])
                .await?;
            if !reply.prompt.ends_with('#') {
                return Err(DriverError::permanent(
                    DriverErrorKind::Auth,
                    "enable failed: still in user exec mode",
                ));
            }
        }
        let errors = &*IOS_ERRORS;
        for line in ["terminal length 0", "terminal width 511"] {
            let reply = s.cli.run(line).await?;
            if errors.is_error(&reply) {
                // Paging stays on: the engine answers --More-- as a fallback.
                tracing::warn!(switch = %switch.name, command = line, "terminal setup refused; relying on --More-- handling");
            }
        }
        Ok(s)
    }

    async fn read(
        &self,
        cli: &mut CliSession,
        interface: &InterfaceName,
        in_config: bool,
    ) -> Result<IosPort, DriverError> {
        let line = Self::read_line(interface, in_config);
        let reply = cli.run(&line).await?;
        Self::port_block(&line, &reply)
    }

    fn read_line(interface: &InterfaceName, in_config: bool) -> String {
        if in_config {
            format!("do show running-config interface {interface}")
        } else {
            format!("show running-config interface {interface}")
        }
    }

    /// The interface block of one `show running-config interface` reply.
    fn port_block(line: &str, reply: &Reply) -> Result<IosPort, DriverError> {
        if IOS_ERRORS.is_error(reply) {
            return Err(rejected(line, &reply.lines));
        }
        if !reply.lines.iter().any(|l| l.starts_with("interface ")) {
            return Err(DriverError::transient(
                DriverErrorKind::Protocol,
                format!("no interface block in the output of {line:?}"),
            ));
        }
        let lines: Vec<String> = reply
            .lines
            .iter()
            .skip_while(|l| !l.starts_with("interface "))
            .skip(1)
            .take_while(|l| l.trim() != "end")
            .cloned()
            .collect();
        Ok(IosPort::parse(&lines))
    }

    /// Reads `interfaces` in configuration mode in one round trip: up to
    /// [`PER_PORT_READ_MAX`] with one typed-ahead read per port, more from the whole running
    /// config. Ports that could not be read are left out (the caller reads them alone, which
    /// reports why).
    async fn read_many<'a>(
        &self,
        cli: &mut CliSession,
        interfaces: &[&'a InterfaceName],
        in_config: bool,
    ) -> Result<HashMap<&'a InterfaceName, IosPort>, DriverError> {
        let mut out = HashMap::with_capacity(interfaces.len());
        if interfaces.len() > PER_PORT_READ_MAX {
            let all = self.read_all(cli, in_config).await?;
            for iface in interfaces {
                if let Some((_, port)) = all.iter().find(|(n, _)| same_interface(iface.as_str(), n))
                {
                    out.insert(*iface, port.clone());
                }
            }
            return Ok(out);
        }
        let lines: Vec<String> = interfaces
            .iter()
            .map(|iface| Self::read_line(iface, in_config))
            .collect();
        let replies = cli.run_batch(&lines).await?;
        for ((iface, line), reply) in interfaces.iter().zip(&lines).zip(&replies) {
            if let Ok(port) = Self::port_block(line, reply) {
                out.insert(*iface, port);
            }
        }
        Ok(out)
    }

    /// Reads every interface block of `show running-config` in one round trip (`do` form in
    /// configuration mode).
    async fn read_all(
        &self,
        cli: &mut CliSession,
        in_config: bool,
    ) -> Result<Vec<(String, IosPort)>, DriverError> {
        let line = if in_config {
            "do show running-config"
        } else {
            "show running-config"
        };
        let reply = cli.run(line).await?;
        if IOS_ERRORS.is_error(&reply) {
            return Err(rejected(line, &reply.lines));
        }
        let mut out = Vec::new();
        let mut current: Option<(String, Vec<String>)> = None;
        for l in &reply.lines {
            if let Some(name) = l.strip_prefix("interface ") {
                if let Some((n, lines)) = current.take() {
                    out.push((n, IosPort::parse(&lines)));
                }
                current = Some((name.trim().to_owned(), Vec::new()));
            } else if l.starts_with(' ') {
                if let Some((_, lines)) = current.as_mut() {
                    lines.push(l.clone());
                }
            } else if let Some((n, lines)) = current.take() {
                out.push((n, IosPort::parse(&lines)));
            }
        }
        if let Some((n, lines)) = current.take() {
            out.push((n, IosPort::parse(&lines)));
        }
        Ok(out)
    }

    /// Runs interface-mode lines; returns the failing line and its output on the first error.
    ///
    /// `interface X` is a round trip of its own (nothing is sent unless the device is in that
    /// interface's mode); the interface's lines then go in one write ([`CliSession::run_batch`]).
    /// A rejected line does not stop the lines after it, as it would typed one at a time: the
    /// caller restores the interface from a fresh read, which undoes them too.
    async fn run_lines(
        cli: &mut CliSession,
        interface: &InterfaceName,
        lines: &[String],
    ) -> Result<Result<(), DriverError>, DriverError> {
        let errors = &*IOS_ERRORS;
        let enter = format!("interface {interface}");
        let reply = cli.run(&enter).await?;
        if errors.is_error(&reply) || !reply.prompt.contains("(config-if") {
            return Ok(Err(rejected(&enter, &reply.lines)));
        }
        let replies = cli.run_batch(lines).await?;
        Ok(first_rejected(lines, &replies, |r| errors.is_error(r)))
    }

    /// Restores `before` on an interface (config mode) after `cause` rejected a change.
    ///
    /// `Ok(Ok)`: the port is as before. `Ok(Err)`: the undo was rejected too; the error is
    /// [`DriverErrorKind::PartiallyApplied`] and names the lines that stuck (read again).
    async fn restore(
        &self,
        cli: &mut CliSession,
        interface: &InterfaceName,
        before: &IosPort,
        cause: &DriverError,
    ) -> Result<Result<(), DriverError>, DriverError> {
        let now = self.read(cli, interface, true).await?;
        let undo = now.diff(before);
        if undo.is_empty() {
            return Ok(Ok(()));
        }
        let Err(undo_error) = Self::run_lines(cli, interface, &undo).await? else {
            return Ok(Ok(()));
        };
        let after = self.read(cli, interface, true).await?;
        let stuck = before.diff(&after);
        if stuck.is_empty() {
            return Ok(Ok(()));
        }
        tracing::error!(interface = %interface, error = %undo_error, "restoring the previous interface config failed; the port is partially changed");
        Ok(Err(partially_applied(
            interface,
            cause,
            &undo_error,
            &stuck,
        )))
    }

    /// Makes sure the policy-maps `desired` references exist (`known`: read once per batch),
    /// defining missing ones from the plan's rates. `Ok(Err)`: a definition was rejected and
    /// the port was not touched.
    async fn ensure_policies(
        &self,
        cli: &mut CliSession,
        known: &mut Option<HashSet<String>>,
        desired: &PortConfig,
        port: &IosPort,
    ) -> Result<Result<(), DriverError>, DriverError> {
        let Some(rate) = desired.rate else {
            return Ok(Ok(()));
        };
        let wanted = [&port.policy_in, &port.policy_out];
        if let Some(k) = known.as_ref()
            && wanted
                .iter()
                .all(|w| w.as_ref().is_none_or(|n| k.contains(n)))
        {
            return Ok(Ok(()));
        }
        if known.is_none() {
            let line = "do show running-config | include ^policy-map ";
            let reply = cli.run(line).await?;
            if IOS_ERRORS.is_error(&reply) {
                return Ok(Err(rejected(line, &reply.lines)));
            }
            *known = Some(
                reply
                    .lines
                    .iter()
                    .filter_map(|l| l.trim().strip_prefix("policy-map "))
                    .map(|n| n.trim().to_owned())
                    .collect(),
            );
        }
        let known = known.get_or_insert_with(HashSet::new);
        // Every missing definition in one write (policy-map and class modes echo and prompt
        // like any other line).
        let (names, lines): (Vec<String>, Vec<Vec<String>>) = self
            .templates
            .policy_definitions(&rate)
            .into_iter()
            .filter(|(name, _)| !known.contains(name))
            .unzip();
        let lines: Vec<String> = lines.concat();
        if lines.is_empty() {
            return Ok(Ok(()));
        }
        let replies = cli.run_batch(&lines).await?;
        if let Err(e) = first_rejected(&lines, &replies, |r| IOS_ERRORS.is_error(r)) {
            // Back to global configuration mode, whatever mode the rejection left.
            for _ in 0..3 {
                if !cli.last_prompt.contains("(config-") {
                    break;
                }
                cli.run("exit").await?;
            }
            return Ok(Err(e));
        }
        known.extend(names);
        Ok(Ok(()))
    }

    async fn apply_in(
        &self,
        s: &mut Session,
        changes: &[PortChange],
    ) -> Result<Vec<PortResult>, DriverError> {
        let cli = &mut s.cli;
        let errors = &*IOS_ERRORS;
        let reply = cli.run("configure terminal").await?;
        if errors.is_error(&reply) || !reply.prompt.contains("(config") {
            return Err(DriverError::transient(
                DriverErrorKind::Protocol,
                "could not enter configuration mode",
            ));
        }
        let mut outcomes: Vec<Result<(), DriverError>> = Vec::with_capacity(changes.len());
        // Per interface: the state before the batch, and the state the last change wants.
        let mut original: HashMap<&InterfaceName, IosPort> = HashMap::new();
        let mut current: HashMap<&InterfaceName, IosPort> = HashMap::new();
        let mut last: HashMap<&InterfaceName, (usize, IosPort)> = HashMap::new();
        let mut changed = false;
        let mut policies: Option<HashSet<String>> = None;
        let mut distinct: Vec<&InterfaceName> = changes.iter().map(|c| &c.interface).collect();
        distinct.sort();
        distinct.dedup();
        // Every port of the batch in one round trip.
        if distinct.len() > 1 {
            current = self.read_many(cli, &distinct, true).await?;
        }
        for (idx, change) in changes.iter().enumerate() {
            let iface = &change.interface;
            let before = match current.get(iface) {
                Some(b) => b.clone(),
                None => match self.read(cli, iface, true).await {
                    Ok(b) => b,
                    Err(e) => {
                        outcomes.push(Err(e));
                        continue;
                    }
                },
            };
            original.entry(iface).or_insert_with(|| before.clone());
            let mut desired = self.templates.desired(&change.desired);
            // The secure-MAC maximum is the operator's (1 is the default): never changed.
            desired.ps_max = before.ps_max;
            let lines = before.diff(&desired);
            if lines.is_empty() {
                current.insert(iface, before);
                outcomes.push(Ok(()));
                continue;
            }
            if let Err(e) = self
                .ensure_policies(cli, &mut policies, &change.desired, &desired)
                .await?
            {
                outcomes.push(Err(e));
                continue;
            }
            match Self::run_lines(cli, iface, &lines).await? {
                Ok(()) => {
                    changed = true;
                    current.insert(iface, desired.clone());
                    last.insert(iface, (idx, desired));
                    outcomes.push(Ok(()));
                }
                Err(e) => match self.restore(cli, iface, &before, &e).await? {
                    Ok(()) => {
                        current.insert(iface, before);
                        outcomes.push(Err(e));
                    }
                    Err(partial) => {
                        current.remove(iface);
                        outcomes.push(Err(partial));
                    }
                },
            }
        }
        // Read back what changed; restore and fail the change on a mismatch.
        let mut mismatched = Vec::new();
        let mut changed_ports: Vec<&InterfaceName> = last.keys().copied().collect();
        changed_ports.sort();
        let mut read_back = if changed_ports.len() > 1 {
            self.read_many(cli, &changed_ports, true).await?
        } else {
            HashMap::new()
        };
        for (iface, (idx, desired)) in &last {
            let after = match read_back.remove(iface) {
                Some(p) => p,
                None => self.read(cli, iface, true).await?,
            };
            if after != *desired {
                let mismatch = DriverError::transient(
                    DriverErrorKind::Protocol,
                    format!(
                        "read-back of {iface} does not match the desired state (device has {after:?}); restored"
                    ),
                );
                let outcome = match original.get(iface) {
                    Some(orig) => self.restore(cli, iface, orig, &mismatch).await?,
                    None => Ok(()),
                };
                mismatched.push((*idx, outcome.err().unwrap_or(mismatch)));
            }
        }
        for (idx, e) in mismatched {
            outcomes[idx] = Err(e);
        }
        let reply = cli.run("end").await?;
        if !reply.prompt.ends_with('#') || reply.prompt.contains("(config") {
            return Err(DriverError::transient(
                DriverErrorKind::Protocol,
                "could not leave configuration mode",
            ));
        }
        if changed && self.templates.write_memory {
            static CONFIRM: LazyLock<Regex> = LazyLock::new(|| {
                re(r"(?i)(\[confirm\]|destination filename \[startup-config\]\?)\s*$")
            });
            let confirm = &*CONFIRM;
            let reply = cli.run_confirm("write memory", &[(confirm, "")]).await?;
            if errors.is_error(&reply) {
                tracing::error!(output = %reply.text(), "write memory failed; the running config is changed but not saved");
            }
        }
        Ok(changes
            .iter()
            .zip(outcomes)
            .map(|(c, outcome)| PortResult {
                job_id: c.job_id,
                outcome,
            })
            .collect())
    }
}

#[async_trait]
impl SwitchDriver for IosDriver {
    fn capabilities(&self) -> DriverCapabilities {
        DriverCapabilities {
            atomic_commit: false,
            commit_confirmed: false,
            batching: true,
            max_sessions: None,
        }
    }

    async fn apply(
        &self,
        switch: &Switch,
        changes: &[PortChange],
    ) -> Result<Vec<PortResult>, DriverError> {
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let mut s = self.session(switch).await?;
        let result = self.apply_in(&mut s, changes).await;
        let healthy = result.is_ok() && Self::healthy(&s.cli.last_prompt);
        self.core.checkin(switch, s, healthy).await;
        // A failure mid-session (connection lost, timeout) fails every change of the batch;
        // they are idempotent, so a retry converges the ones that were already applied.
        Ok(result.unwrap_or_else(|e| {
            changes
                .iter()
                .map(|c| PortResult {
                    job_id: c.job_id,
                    outcome: Err(e.clone()),
                })
                .collect()
        }))
    }

    async fn read_port(
        &self,
        switch: &Switch,
        interface: &InterfaceName,
    ) -> Result<PortConfig, DriverError> {
        let mut s = self.session(switch).await?;
        let port = self.read(&mut s.cli, interface, false).await;
        let healthy = port
            .as_ref()
            .map_or_else(|e| e.kind == DriverErrorKind::CommandRejected, |_| true)
            && Self::healthy(&s.cli.last_prompt);
        self.core.checkin(switch, s, healthy).await;
        self.templates.to_port_config(&port?)
    }

    /// Reads in exec mode: up to 16 ports with one typed-ahead `show running-config
    /// interface` each in one write, more from one `show running-config`. A port missing
    /// from those replies is read alone, which reports why.
    async fn read_ports(
        &self,
        switch: &Switch,
        interfaces: &[InterfaceName],
    ) -> Result<Vec<Result<PortConfig, DriverError>>, DriverError> {
        if interfaces.is_empty() {
            return Ok(Vec::new());
        }
        let mut s = self.session(switch).await?;
        let refs: Vec<&InterfaceName> = interfaces.iter().collect();
        let many = match self.read_many(&mut s.cli, &refs, false).await {
            Ok(many) => many,
            Err(e) => {
                self.core.checkin(switch, s, false).await;
                return Err(e);
            }
        };
        let mut out = Vec::with_capacity(interfaces.len());
        for iface in interfaces {
            let port = match many.get(iface) {
                Some(port) => Ok(port.clone()),
                None => self.read(&mut s.cli, iface, false).await,
            };
            out.push(port.and_then(|p| self.templates.to_port_config(&p)));
        }
        let healthy = Self::healthy(&s.cli.last_prompt);
        self.core.checkin(switch, s, healthy).await;
        Ok(out)
    }
}

/// An open session on one switch: several applies and reads over one SSH connection.
///
/// Cancel-safe: if an operation's future is dropped half-way, the session refuses further
/// use (the CLI may be left in configuration mode), and dropping it closes the connection.
#[derive(Debug)]
pub struct IosSession<'d> {
    driver: &'d IosDriver,
    session: Session,
    interrupted: bool,
}

impl IosDriver {
    /// Connects, logs in and disables paging; the session is closed when dropped (or with
    /// [`IosSession::close`]).
    ///
    /// # Errors
    /// As for [`SwitchDriver::apply`] when nothing could be attempted.
    pub async fn open_session(&self, switch: &Switch) -> Result<IosSession<'_>, DriverError> {
        Ok(IosSession {
            driver: self,
            session: self.session(switch).await?,
            interrupted: false,
        })
    }
}

impl IosSession<'_> {
    fn guard(&mut self) -> Result<(), DriverError> {
        if self.interrupted {
            return Err(DriverError::transient(
                DriverErrorKind::Protocol,
                "session was interrupted mid-operation; open a new one",
            ));
        }
        self.interrupted = true;
        Ok(())
    }

    /// Applies changes (one configuration mode entry, one save/commit) with per-port results.
    pub async fn apply(&mut self, changes: &[PortChange]) -> Vec<PortResult> {
        if changes.is_empty() {
            return Vec::new();
        }
        if let Err(e) = self.guard() {
            return changes
                .iter()
                .map(|c| PortResult {
                    job_id: c.job_id,
                    outcome: Err(e.clone()),
                })
                .collect();
        }
        let r = self.driver.apply_in(&mut self.session, changes).await;
        match r {
            Ok(r) => {
                self.interrupted = false;
                r
            }
            Err(e) => changes
                .iter()
                .map(|c| PortResult {
                    job_id: c.job_id,
                    outcome: Err(e.clone()),
                })
                .collect(),
        }
    }

    /// Reads a port.
    ///
    /// # Errors
    /// As for [`SwitchDriver::read_port`].
    pub async fn read_port(
        &mut self,
        interface: &InterfaceName,
    ) -> Result<PortConfig, DriverError> {
        self.guard()?;
        let port = self
            .driver
            .read(&mut self.session.cli, interface, false)
            .await?;
        self.interrupted = false;
        self.driver.templates.to_port_config(&port)
    }

    /// CLI lines sent on this session so far.
    pub fn lines_sent(&self) -> u64 {
        self.session.cli.lines_sent
    }

    /// Round trips on this session so far: an interface's configuration lines are sent in
    /// one write, so this is below [`Self::lines_sent`] once a port was configured.
    pub fn round_trips(&self) -> u64 {
        self.session.cli.round_trips
    }

    /// Logs out and closes the connection.
    pub async fn close(self) {
        self.session.cli.close().await;
    }
}

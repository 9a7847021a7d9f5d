//! Juniper Junos EX (ELS) access ports.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use kurnl_core::model::{PortConfig, Switch};
use kurnl_core::ports::{
    DriverCapabilities, DriverError, DriverErrorKind, PortChange, PortResult, SwitchDriver,
};
use kurnl_core::types::{InterfaceName, SwitchId};
use regex::Regex;

use crate::cli::{CliSession, PromptPatterns, Reply};
use crate::credentials::CredentialResolver;
use crate::driver::{DriverCore, Session, first_rejected, rejected};
use crate::template::{JunosPort, JunosTemplates};
use crate::transport::{KnownHosts, SshOptions};

#[allow(clippy::expect_used)]
fn re(s: &str) -> Regex {
    Regex::new(s).expect("static regex")
}

/// Up to this many distinct ports, a batch reads the candidate's lines of its own ports (one
/// `match` expression naming them); above it, every statement the driver manages.
const PER_PORT_MATCH_MAX: usize = 16;

/// `match` expression selecting every statement the driver manages.
const BATCH_MATCH: &str = "^set (interfaces|vlans|switch-options|class-of-service|firewall family ethernet-switching filter) ";

/// Junos prompts: `user@host> ` (operational) and `user@host# ` (configuration, preceded by an
/// `[edit ...]` line); `{master:0}` lines come before the prompt on virtual chassis.
pub fn junos_patterns() -> PromptPatterns {
    static P: LazyLock<PromptPatterns> = LazyLock::new(|| PromptPatterns {
        prompt: re(r"^(?:\{[^}]*\}\s*)?[A-Za-z0-9._\-]+@[A-Za-z0-9._\-/:()]+[>#] ?$"),
        more: re(r"(?i)^\s*---\(more[^)]*\)---\s*$"),
    });
    P.clone()
}

static JUNOS_ERRORS: LazyLock<JunosErrors> = LazyLock::new(JunosErrors::new);

struct JunosErrors {
    error: Regex,
}

impl JunosErrors {
    fn new() -> Self {
        Self {
            error: re(
                r"(?i)^\s*(error:|syntax error|unknown command|missing mandatory argument|invalid numeric value|.* is ambiguous|invalid value)",
            ),
        }
    }

    fn is_error(&self, reply: &Reply) -> bool {
        reply.lines.iter().any(|l| self.error.is_match(l))
    }
}

/// Output lines without the `[edit]` / `{master:0}` decorations.
fn content(reply: &Reply) -> Vec<String> {
    reply
        .lines
        .iter()
        .filter(|l| !(l.starts_with("[edit") || l.starts_with('{')))
        .cloned()
        .collect()
}

/// Configures Junos EX (ELS) access ports over SSH: `configure private`, set/delete lines,
/// `commit check`, `commit` (optionally confirmed), `rollback 0` on any error.
#[derive(Debug, Clone)]
pub struct JunosDriver {
    core: DriverCore,
    templates: JunosTemplates,
}

impl JunosDriver {
    /// A driver with default SSH options and templates.
    pub fn new(credentials: Arc<dyn CredentialResolver>) -> Self {
        Self {
            core: DriverCore::new(credentials),
            templates: JunosTemplates::default(),
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
    pub fn with_templates(mut self, templates: JunosTemplates) -> Result<Self, DriverError> {
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

    /// Whether a prompt is operational mode (where sessions start and end).
    fn healthy(prompt: &str) -> bool {
        prompt.ends_with('>')
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
        let mut s = self.core.open(switch, junos_patterns()).await?;
        s.cli.wait_prompt().await?;
        let errors = &*JUNOS_ERRORS;
        for line in ["set cli screen-length 0", "set cli screen-width 511"] {
            let reply = s.cli.run(line).await?;
            if errors.is_error(&reply) {
                tracing::warn!(switch = %switch.name, command = line, "terminal setup refused; relying on ---(more)--- handling");
            }
        }
        Ok(s)
    }

    async fn read(
        cli: &mut CliSession,
        interface: &InterfaceName,
        in_config: bool,
    ) -> Result<JunosPort, DriverError> {
        let expr = JunosPort::match_expr(interface.as_str());
        let line = if in_config {
            format!("show | display set | match \"{expr}\"")
        } else {
            format!("show configuration | display set | match \"{expr}\"")
        };
        let reply = cli.run(&line).await?;
        if JUNOS_ERRORS.is_error(&reply) {
            return Err(rejected(&line, &reply.lines));
        }
        Ok(JunosPort::parse(interface.as_str(), &content(&reply)))
    }

    /// Runs configuration lines in one write ([`CliSession::run_batch`]); `Ok(Err)` names the
    /// first rejected line. Lines after a rejected one reach the candidate too; the caller
    /// drops the candidate (`rollback 0`) on an error anyway.
    async fn run_lines(
        cli: &mut CliSession,
        lines: &[String],
    ) -> Result<Result<(), DriverError>, DriverError> {
        let errors = &*JUNOS_ERRORS;
        let replies = cli.run_batch(lines).await?;
        Ok(first_rejected(lines, &replies, |r| errors.is_error(r)))
    }

    async fn leave(cli: &mut CliSession) -> Result<(), DriverError> {
        static YES: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\[yes,no\] \(\w+\)\s*$"));
        let yes = &*YES;
        cli.run_confirm("exit configuration-mode", &[(yes, "yes")])
            .await?;
        Ok(())
    }

    async fn discard(cli: &mut CliSession) -> Result<(), DriverError> {
        cli.run("rollback 0").await?;
        Self::leave(cli).await
    }

    async fn apply_in(
        &self,
        cli: &mut CliSession,
        changes: &[PortChange],
    ) -> Result<Vec<Result<(), DriverError>>, DriverError> {
        let errors = &*JUNOS_ERRORS;
        let reply = cli.run("configure private").await?;
        if errors.is_error(&reply) || !reply.prompt.ends_with('#') {
            let _ = Self::leave(cli).await;
            return Err(DriverError::transient(
                DriverErrorKind::Protocol,
                format!("could not enter configure private: {}", reply.text()),
            ));
        }
        let mut outcomes: Vec<Result<(), DriverError>> = Vec::with_capacity(changes.len());
        // Lines of the changes that succeeded, to replay after a rollback.
        let mut applied: Vec<(usize, Vec<String>)> = Vec::new();
        let work = async {
            let mut distinct: Vec<&InterfaceName> = changes.iter().map(|c| &c.interface).collect();
            distinct.sort();
            distinct.dedup();
            // Several ports: read their candidate config once, then track it in memory.
            let snapshot = if distinct.len() > 1 {
                let expr = if distinct.len() > PER_PORT_MATCH_MAX {
                    BATCH_MATCH.to_owned()
                } else {
                    let names: Vec<&str> = distinct.iter().map(|i| i.as_str()).collect();
                    JunosPort::match_expr_for(&names)
                };
                let line = format!("show | display set | match \"{expr}\"");
                let reply = cli.run(&line).await?;
                if errors.is_error(&reply) {
                    return Err(rejected(&line, &reply.lines));
                }
                Some(content(&reply))
            } else {
                None
            };
            let mut vlans = snapshot
                .as_ref()
                .map(|snap| JunosPort::parse("", snap).vlans);
            let mut state: HashMap<&InterfaceName, JunosPort> = HashMap::new();
            // Filters defined in this candidate (a rollback drops them; replay redefines).
            let mut defined: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
            for (idx, change) in changes.iter().enumerate() {
                let iface = &change.interface;
                let before = match (state.get(iface), &snapshot) {
                    (Some(p), _) => p.clone(),
                    (None, Some(snap)) => {
                        let mut p = JunosPort::parse(iface.as_str(), snap);
                        p.vlans = vlans.clone().unwrap_or_default();
                        p
                    }
                    (None, None) => Self::read(cli, iface, true).await?,
                };
                let mut desired = self.templates.desired(&change.desired, &before.vlans);
                desired.filters = before.filters.clone();
                desired.filters.extend(defined.iter().cloned());
                let mut lines = before.diff(iface.as_str(), &desired);
                // A referenced filter that does not exist yet is defined first.
                if desired.filter_input != before.filter_input
                    && let Some((name, defs)) = self.templates.filter_definitions(&change.desired)
                    && !desired.filters.contains(&name)
                {
                    lines.splice(0..0, defs);
                    desired.filters.insert(name);
                }
                if lines.is_empty() {
                    outcomes.push(Ok(()));
                    continue;
                }
                match Self::run_lines(cli, &lines).await? {
                    Ok(()) => {
                        defined.extend(desired.filters.iter().cloned());
                        if snapshot.is_some() {
                            vlans = Some(desired.vlans.clone());
                            state.insert(iface, desired);
                        }
                        applied.push((idx, lines));
                        outcomes.push(Ok(()));
                    }
                    Err(e) => {
                        // No per-statement undo on Junos: drop the candidate, replay the others.
                        cli.run("rollback 0").await?;
                        for (_, lines) in &applied {
                            Self::run_lines(cli, lines).await??;
                        }
                        outcomes.push(Err(e));
                    }
                }
            }
            if applied.is_empty() {
                return Ok(());
            }
            if self.templates.commit_check {
                let reply = cli.run("commit check").await?;
                if errors.is_error(&reply) || !reply.text().contains("configuration check succeeds")
                {
                    return Err(rejected("commit check", &reply.lines));
                }
            }
            if let Some(minutes) = self.templates.commit_confirmed_minutes {
                let line = format!("commit confirmed {minutes} comment kurnl");
                let reply = cli.run(&line).await?;
                if errors.is_error(&reply) || !reply.text().contains("commit complete") {
                    return Err(rejected(&line, &reply.lines));
                }
            }
            let reply = cli.run("commit").await?;
            if errors.is_error(&reply) || !reply.text().contains("commit complete") {
                return Err(rejected("commit", &reply.lines));
            }
            Ok(())
        };
        match work.await {
            Ok(()) => {
                Self::leave(cli).await?;
                Ok(outcomes)
            }
            Err(e) => {
                if e.kind == DriverErrorKind::CommandRejected || e.kind == DriverErrorKind::Protocol
                {
                    let _ = Self::discard(cli).await;
                }
                // The commit (or a replay) failed: nothing of the batch is committed.
                Ok(changes.iter().map(|_| Err(e.clone())).collect())
            }
        }
    }
}

#[async_trait]
impl SwitchDriver for JunosDriver {
    fn capabilities(&self) -> DriverCapabilities {
        DriverCapabilities {
            atomic_commit: true,
            commit_confirmed: self.templates.commit_confirmed_minutes.is_some(),
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
        let result = self.apply_in(&mut s.cli, changes).await;
        let healthy = result.is_ok() && Self::healthy(&s.cli.last_prompt);
        self.core.checkin(switch, s, healthy).await;
        let outcomes = result.unwrap_or_else(|e| changes.iter().map(|_| Err(e.clone())).collect());
        Ok(changes
            .iter()
            .zip(outcomes)
            .map(|(c, outcome)| PortResult {
                job_id: c.job_id,
                outcome,
            })
            .collect())
    }

    async fn read_port(
        &self,
        switch: &Switch,
        interface: &InterfaceName,
    ) -> Result<PortConfig, DriverError> {
        let mut s = self.session(switch).await?;
        let port = Self::read(&mut s.cli, interface, false).await;
        let healthy = port
            .as_ref()
            .map_or_else(|e| e.kind == DriverErrorKind::CommandRejected, |_| true)
            && Self::healthy(&s.cli.last_prompt);
        self.core.checkin(switch, s, healthy).await;
        self.templates.to_port_config(&port?)
    }

    /// Reads in operational mode with one `show configuration | display set | match` for
    /// all the ports (their names up to 16, the interface, VLAN, class-of-service and filter
    /// hierarchies beyond), parsed per port.
    async fn read_ports(
        &self,
        switch: &Switch,
        interfaces: &[InterfaceName],
    ) -> Result<Vec<Result<PortConfig, DriverError>>, DriverError> {
        if interfaces.is_empty() {
            return Ok(Vec::new());
        }
        let mut s = self.session(switch).await?;
        let expr = if interfaces.len() > PER_PORT_MATCH_MAX {
            BATCH_MATCH.to_owned()
        } else {
            let names: Vec<&str> = interfaces.iter().map(|i| i.as_str()).collect();
            JunosPort::match_expr_for(&names)
        };
        let line = format!("show configuration | display set | match \"{expr}\"");
        let reply = match s.cli.run(&line).await {
            Ok(reply) => reply,
            Err(e) => {
                self.core.checkin(switch, s, false).await;
                return Err(e);
            }
        };
        let healthy = Self::healthy(&s.cli.last_prompt);
        self.core.checkin(switch, s, healthy).await;
        if JUNOS_ERRORS.is_error(&reply) {
            let e = rejected(&line, &reply.lines);
            return Ok(interfaces.iter().map(|_| Err(e.clone())).collect());
        }
        let snapshot = content(&reply);
        let vlans = JunosPort::parse("", &snapshot).vlans;
        Ok(interfaces
            .iter()
            .map(|iface| {
                let mut port = JunosPort::parse(iface.as_str(), &snapshot);
                port.vlans = vlans.clone();
                self.templates.to_port_config(&port)
            })
            .collect())
    }
}

/// An open session on one switch: several applies and reads over one SSH connection.
///
/// Cancel-safe: if an operation's future is dropped half-way, the session refuses further
/// use (the CLI may be left in configuration mode), and dropping it closes the connection.
#[derive(Debug)]
pub struct JunosSession<'d> {
    driver: &'d JunosDriver,
    session: Session,
    interrupted: bool,
}

impl JunosDriver {
    /// Connects, logs in and disables paging; the session is closed when dropped (or with
    /// [`JunosSession::close`]).
    ///
    /// # Errors
    /// As for [`SwitchDriver::apply`] when nothing could be attempted.
    pub async fn open_session(&self, switch: &Switch) -> Result<JunosSession<'_>, DriverError> {
        Ok(JunosSession {
            driver: self,
            session: self.session(switch).await?,
            interrupted: false,
        })
    }
}

impl JunosSession<'_> {
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
        let r = self
            .driver
            .apply_in(&mut self.session.cli, changes)
            .await
            .map(|outcomes| {
                changes
                    .iter()
                    .zip(outcomes)
                    .map(|(c, outcome)| PortResult {
                        job_id: c.job_id,
                        outcome,
                    })
                    .collect()
            });
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
        let port = JunosDriver::read(&mut self.session.cli, interface, false).await?;
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

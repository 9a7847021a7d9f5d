//! What both drivers share: credentials, SSH options per switch, session caps, connecting.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kurnl_core::model::Switch;
use kurnl_core::ports::{DriverError, DriverErrorKind};
use kurnl_core::types::SwitchId;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::cli::{CliSession, CliText, PromptPatterns, Reply};
use crate::credentials::{CredentialResolver, Credentials, resolve};
use crate::transport::{KnownHosts, SshOptions, connect};
use kurnl_core::metrics::{record_switch_session, record_switch_session_failure};

/// Default cap on concurrent SSH sessions of one driver across all switches.
pub const DEFAULT_GLOBAL_SESSIONS: usize = 32;

/// Limits concurrent sessions: per switch (`Switch::max_sessions`, at least 1) and globally.
#[derive(Debug, Clone)]
pub(crate) struct Governor {
    global: Arc<Semaphore>,
    per_switch: Arc<Mutex<HashMap<SwitchId, Arc<Semaphore>>>>,
}

impl Governor {
    fn new(global: usize) -> Self {
        Self {
            global: Arc::new(Semaphore::new(global.max(1))),
            per_switch: Arc::default(),
        }
    }

    async fn acquire(
        &self,
        switch: &Switch,
    ) -> Result<(OwnedSemaphorePermit, OwnedSemaphorePermit), DriverError> {
        let sem = {
            let mut m = self.per_switch.lock().map_err(|_| {
                DriverError::transient(DriverErrorKind::Protocol, "session governor poisoned")
            })?;
            m.entry(switch.id)
                .or_insert_with(|| Arc::new(Semaphore::new(switch.max_sessions.max(1) as usize)))
                .clone()
        };
        let closed =
            |_| DriverError::transient(DriverErrorKind::Protocol, "session governor closed");
        let one = sem.acquire_owned().await.map_err(closed)?;
        let all = self.global.clone().acquire_owned().await.map_err(closed)?;
        Ok((one, all))
    }
}

/// What a pooled session was opened with; a change (new address, new pinned key) discards it.
type PoolKey = (String, u16, Option<String>, Option<String>);

fn pool_key(switch: &Switch) -> PoolKey {
    (
        switch.address.clone(),
        switch.ssh_port,
        switch.host_key.clone(),
        Some(switch.credentials_ref.clone()),
    )
}

/// Idle sessions kept for reuse, at most one per switch.
type Pool = Arc<Mutex<HashMap<SwitchId, (PoolKey, Session)>>>;

/// Removes the least recently used sessions of `pool` until at most `max` are left.
fn evict_least_recently_used(
    pool: &mut HashMap<SwitchId, (PoolKey, Session)>,
    max: usize,
) -> Vec<Session> {
    let mut evicted = Vec::new();
    while pool.len() > max {
        let Some(oldest) = pool
            .iter()
            .min_by_key(|(_, (_, s))| s.idle_since)
            .map(|(id, _)| *id)
        else {
            break;
        };
        if let Some((_, session)) = pool.remove(&oldest) {
            evicted.push(session);
        }
    }
    evicted
}

/// Shared settings and state of a driver.
#[derive(Debug, Clone)]
pub(crate) struct DriverCore {
    pub(crate) credentials: Arc<dyn CredentialResolver>,
    pub(crate) options: SshOptions,
    pub(crate) per_switch: HashMap<SwitchId, SshOptions>,
    pub(crate) known: KnownHosts,
    governor: Governor,
    pool: Pool,
    /// Most idle sessions kept (`None`: one per switch used within `session_reuse`).
    max_idle: Option<usize>,
}

/// An open CLI session; holds its session permits while in use (not while pooled).
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) cli: CliSession,
    pub(crate) credentials: Credentials,
    permits: Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)>,
    idle_since: Instant,
}

impl Session {
    /// How long it sat in the pool.
    pub(crate) fn idle_for(&self) -> Duration {
        self.idle_since.elapsed()
    }
}

impl DriverCore {
    pub(crate) fn new(credentials: Arc<dyn CredentialResolver>) -> Self {
        Self {
            credentials,
            options: SshOptions::default(),
            per_switch: HashMap::new(),
            known: KnownHosts::new(),
            governor: Governor::new(DEFAULT_GLOBAL_SESSIONS),
            pool: Arc::default(),
            max_idle: None,
        }
    }

    /// An idle session of this switch, if one is kept and still fresh (permits re-acquired).
    pub(crate) async fn checkout(&self, switch: &Switch) -> Result<Option<Session>, DriverError> {
        let Some(window) = self.options_for(switch).session_reuse else {
            return Ok(None);
        };
        let found = {
            let mut pool = self.pool.lock().map_err(|_| {
                DriverError::transient(DriverErrorKind::Protocol, "session pool poisoned")
            })?;
            pool.retain(|_, (_, s)| s.idle_for() < window);
            pool.remove(&switch.id)
        };
        match found {
            Some((key, mut s)) if key == pool_key(switch) => {
                s.permits = Some(self.governor.acquire(switch).await?);
                Ok(Some(s))
            }
            _ => Ok(None),
        }
    }

    /// Keeps a healthy session (CLI back in exec mode) for reuse; closes it otherwise. Over
    /// the idle cap, the least recently used idle sessions are closed.
    pub(crate) async fn checkin(&self, switch: &Switch, mut session: Session, healthy: bool) {
        if healthy && self.options_for(switch).session_reuse.is_some() {
            session.permits = None;
            session.idle_since = Instant::now();
            let evicted = match self.pool.lock() {
                Ok(mut pool) => match pool.entry(switch.id) {
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert((pool_key(switch), session));
                        match self.max_idle {
                            Some(max) => evict_least_recently_used(&mut pool, max),
                            None => Vec::new(),
                        }
                    }
                    std::collections::hash_map::Entry::Occupied(_) => vec![session],
                },
                Err(_) => vec![session],
            };
            // Closed outside the lock: a logout is a round trip.
            for s in evicted {
                s.cli.close().await;
            }
            return;
        }
        session.cli.close().await;
    }

    pub(crate) fn set_global_sessions(&mut self, n: usize) {
        self.governor = Governor::new(n);
    }

    pub(crate) fn set_max_idle_sessions(&mut self, n: usize) {
        self.max_idle = Some(n);
    }

    pub(crate) fn options_for(&self, switch: &Switch) -> &SshOptions {
        self.per_switch.get(&switch.id).unwrap_or(&self.options)
    }

    pub(crate) async fn open(
        &self,
        switch: &Switch,
        patterns: PromptPatterns,
    ) -> Result<Session, DriverError> {
        let credentials = resolve(&self.credentials, &switch.credentials_ref)?;
        // Typed into the CLI: checked before anything reaches the switch.
        if let Some(secret) = &credentials.enable_secret {
            CliText::new("enable_secret", secret.expose())?;
        }
        let permits = self.governor.acquire(switch).await?;
        let options = self.options_for(switch);
        let shell = match connect(switch, &credentials, options, &self.known).await {
            Ok(shell) => shell,
            Err(e) => {
                record_switch_session_failure(&switch.driver, e.kind);
                return Err(e);
            }
        };
        record_switch_session(&switch.driver);
        let cli = CliSession::new(shell, patterns, options.command_timeout);
        Ok(Session {
            cli,
            credentials,
            permits: Some(permits),
            idle_since: Instant::now(),
        })
    }
}

pub(crate) fn rejected(line: &str, output: &[String]) -> DriverError {
    let detail: Vec<&str> = output
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty() && *s != "^")
        .collect();
    DriverError::permanent(
        DriverErrorKind::CommandRejected,
        format!("switch rejected {line:?}: {}", detail.join(" / ")),
    )
}

/// The first of `lines` whose reply `is_error` says was rejected, as [`rejected`]; `Ok` when
/// none was.
pub(crate) fn first_rejected(
    lines: &[String],
    replies: &[Reply],
    is_error: impl Fn(&Reply) -> bool,
) -> Result<(), DriverError> {
    match lines.iter().zip(replies).find(|(_, reply)| is_error(reply)) {
        Some((line, reply)) => Err(rejected(line, &reply.lines)),
        None => Ok(()),
    }
}

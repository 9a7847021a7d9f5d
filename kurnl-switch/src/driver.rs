//! What both drivers share: credentials, SSH options per switch, session caps, connecting.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kurnl_core::model::Switch;
use kurnl_core::ports::{DriverError, DriverErrorKind};
use kurnl_core::types::SwitchId;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::cli::{CliSession, PromptPatterns};
use crate::credentials::{CredentialResolver, Credentials, resolve};
use crate::transport::{KnownHosts, SshOptions, connect};

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

/// Shared settings and state of a driver.
#[derive(Debug, Clone)]
pub(crate) struct DriverCore {
    pub(crate) credentials: Arc<dyn CredentialResolver>,
    pub(crate) options: SshOptions,
    pub(crate) per_switch: HashMap<SwitchId, SshOptions>,
    pub(crate) known: KnownHosts,
    governor: Governor,
}

/// An open CLI session holding its session permits.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) cli: CliSession,
    pub(crate) credentials: Credentials,
    _permits: (OwnedSemaphorePermit, OwnedSemaphorePermit),
}

impl DriverCore {
    pub(crate) fn new(credentials: Arc<dyn CredentialResolver>) -> Self {
        Self {
            credentials,
            options: SshOptions::default(),
            per_switch: HashMap::new(),
            known: KnownHosts::new(),
            governor: Governor::new(DEFAULT_GLOBAL_SESSIONS),
        }
    }

    pub(crate) fn set_global_sessions(&mut self, n: usize) {
        self.governor = Governor::new(n);
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
        let permits = self.governor.acquire(switch).await?;
        let options = self.options_for(switch);
        let shell = connect(switch, &credentials, options, &self.known).await?;
        let cli = CliSession::new(shell, patterns, options.command_timeout);
        Ok(Session {
            cli,
            credentials,
            _permits: permits,
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

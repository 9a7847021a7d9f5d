//! How a host configures the console.

use chrono::Duration;

use crate::accounts::ConsoleAccount;

/// The console's settings. [`ConsoleConfig::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// Who may log in.
    pub accounts: Vec<ConsoleAccount>,
    /// Where the host mounts the router (`/console`): links and the cookie path use it.
    pub mount_path: String,
    /// Marks the session cookie `Secure` (true). Turn it off only for plain-HTTP development
    /// on a loopback address.
    pub secure_cookie: bool,
    /// A session ends after this long without a request (30 minutes).
    pub idle_timeout: Duration,
    /// A session ends this long after login whatever happens (8 hours).
    pub absolute_timeout: Duration,
    /// How often live tables refresh, in milliseconds (2000).
    pub refresh_ms: u32,
    /// Login attempts allowed per minute for each account, and for all names that are no
    /// account together (10); more are answered 429 without checking the password. 0 turns
    /// the limit off.
    pub login_attempts_per_minute: u32,
}

impl ConsoleConfig {
    /// The defaults, with these accounts.
    pub fn new(accounts: Vec<ConsoleAccount>) -> Self {
        Self {
            accounts,
            mount_path: "/console".to_owned(),
            secure_cookie: true,
            idle_timeout: Duration::minutes(30),
            absolute_timeout: Duration::hours(8),
            refresh_ms: 2000,
            login_attempts_per_minute: 10,
        }
    }

    /// Mounted at `path` instead of `/console` (no trailing slash).
    pub fn mounted_at(mut self, path: &str) -> Self {
        self.mount_path = path.trim_end_matches('/').to_owned();
        self
    }

    /// With or without the `Secure` cookie attribute.
    pub fn with_secure_cookie(mut self, secure: bool) -> Self {
        self.secure_cookie = secure;
        self
    }
}

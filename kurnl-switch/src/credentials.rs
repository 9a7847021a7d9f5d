//! Login credentials for switches, looked up by [`Switch::credentials_ref`](kurnl_core::model::Switch).

use std::collections::HashMap;
use std::sync::Arc;

use kurnl_core::ports::{DriverError, DriverErrorKind};
use kurnl_core::types::Secret;

/// How to log in to one switch. Every secret is a [`Secret`], so `Debug` never shows it and
/// nothing here is ever logged.
#[derive(Clone)]
pub struct Credentials {
    /// SSH user name.
    pub username: String,
    /// Password for `password` and `keyboard-interactive` authentication.
    pub password: Option<Secret>,
    /// OpenSSH private key (PEM text) for public-key authentication.
    pub private_key: Option<Secret>,
    /// Passphrase of the private key.
    pub key_passphrase: Option<Secret>,
    /// IOS `enable` secret, when the login lands in user exec mode (`>`).
    pub enable_secret: Option<Secret>,
}

impl Credentials {
    /// User name and password (also answers keyboard-interactive prompts and, unless
    /// [`Credentials::with_enable_secret`] is given, the `enable` password prompt).
    pub fn password(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: Some(Secret::new(password)),
            private_key: None,
            key_passphrase: None,
            enable_secret: None,
        }
    }

    /// User name and an OpenSSH private key (PEM text).
    pub fn private_key(
        username: impl Into<String>,
        pem: impl Into<String>,
        passphrase: Option<String>,
    ) -> Self {
        Self {
            username: username.into(),
            password: None,
            private_key: Some(Secret::new(pem)),
            key_passphrase: passphrase.map(Secret::new),
            enable_secret: None,
        }
    }

    /// Sets the IOS enable secret.
    #[must_use]
    pub fn with_enable_secret(mut self, secret: impl Into<String>) -> Self {
        self.enable_secret = Some(Secret::new(secret));
        self
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("private_key", &self.private_key.as_ref().map(|_| "***"))
            .field("enable_secret", &self.enable_secret.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

/// Finds the credentials named by a switch's `credentials_ref` (a vault, a config file, ...).
pub trait CredentialResolver: Send + Sync + std::fmt::Debug + 'static {
    /// The credentials for `credentials_ref`, or `None` when unknown.
    fn resolve(&self, credentials_ref: &str) -> Option<Credentials>;
}

/// A fixed map `credentials_ref -> Credentials`.
#[derive(Debug, Clone, Default)]
pub struct CredentialStore {
    entries: HashMap<String, Credentials>,
}

impl CredentialStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) an entry.
    #[must_use]
    pub fn with(mut self, credentials_ref: impl Into<String>, credentials: Credentials) -> Self {
        self.entries.insert(credentials_ref.into(), credentials);
        self
    }

    /// Adds (or replaces) an entry in place.
    pub fn insert(&mut self, credentials_ref: impl Into<String>, credentials: Credentials) {
        self.entries.insert(credentials_ref.into(), credentials);
    }
}

impl CredentialResolver for CredentialStore {
    fn resolve(&self, credentials_ref: &str) -> Option<Credentials> {
        self.entries.get(credentials_ref).cloned()
    }
}

pub(crate) fn resolve(
    resolver: &Arc<dyn CredentialResolver>,
    credentials_ref: &str,
) -> Result<Credentials, DriverError> {
    resolver.resolve(credentials_ref).ok_or_else(|| {
        DriverError::permanent(
            DriverErrorKind::Configuration,
            format!("no credentials under {credentials_ref:?}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let c = Credentials::password("admin", "hunter2secret").with_enable_secret("enablesecret");
        let s = format!("{c:?}");
        assert!(
            !s.contains("hunter2secret") && !s.contains("enablesecret"),
            "{s}"
        );
        assert!(s.contains("admin"));
    }
}

//! SSH transport: connect, host key pinning, authentication, an interactive shell channel.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kurnl_core::model::Switch;
use kurnl_core::ports::{DriverError, DriverErrorKind};
use kurnl_core::types::SwitchId;
use russh::client::{self, KeyboardInteractiveAuthResponse};
use russh::keys::{Algorithm, HashAlg, PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate};
use russh::{Preferred, cipher, kex, mac};

use crate::credentials::Credentials;

/// SSH settings of a driver (or of one switch, see `with_switch_options` on the drivers).
#[derive(Debug, Clone)]
pub struct SshOptions {
    /// TCP connect + key exchange deadline.
    pub connect_timeout: Duration,
    /// Authentication deadline.
    pub auth_timeout: Duration,
    /// Deadline for one CLI command (from sending the line to its prompt).
    pub command_timeout: Duration,
    /// The connection is closed after this long without traffic.
    pub idle_timeout: Duration,
    /// SSH keepalive interval.
    pub keepalive_interval: Option<Duration>,
    /// Append SHA-1 key exchanges, CBC ciphers and hmac-sha1 to russh's defaults (old IOS).
    pub legacy_algorithms: bool,
    /// Accept and remember the key of a switch that has no pinned key (trust on first use).
    /// Off by default: a switch without `host_key` is refused.
    pub trust_on_first_use: bool,
    /// Keep a session open this long after an operation and reuse it for the next one on the
    /// same switch (`None` = a new connection every time). A session idle for more than a
    /// second is probed with an empty line first.
    pub session_reuse: Option<Duration>,
}

impl Default for SshOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            auth_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
            keepalive_interval: Some(Duration::from_secs(15)),
            legacy_algorithms: false,
            trust_on_first_use: false,
            session_reuse: Some(Duration::from_secs(30)),
        }
    }
}

/// The legacy profile: russh's defaults plus SHA-1 KEX, CBC ciphers and hmac-sha1.
pub fn legacy_preferred() -> Preferred {
    let base = Preferred::default();
    let mut kexes: Vec<kex::Name> = base.kex.to_vec();
    // Keep the extension markers last; insert the legacy exchanges before them.
    let at = kexes
        .iter()
        .position(|k| k.as_ref().starts_with("ext-info") || k.as_ref().starts_with("kex-strict"))
        .unwrap_or(kexes.len());
    for (i, k) in [kex::DH_G14_SHA1, kex::DH_GEX_SHA1, kex::DH_G1_SHA1]
        .into_iter()
        .enumerate()
    {
        kexes.insert(at + i, k);
    }
    let mut ciphers: Vec<cipher::Name> = base.cipher.to_vec();
    ciphers.extend([
        cipher::AES_128_CBC,
        cipher::AES_192_CBC,
        cipher::AES_256_CBC,
    ]);
    let mut macs: Vec<mac::Name> = base.mac.to_vec();
    macs.extend([mac::HMAC_SHA1]);
    Preferred {
        kex: Cow::Owned(kexes),
        cipher: Cow::Owned(ciphers),
        mac: Cow::Owned(macs),
        ..base
    }
}

/// Host keys learned by trust-on-first-use, by switch (`SHA256:` fingerprints).
#[derive(Debug, Clone, Default)]
pub struct KnownHosts {
    inner: Arc<Mutex<HashMap<SwitchId, String>>>,
}

impl KnownHosts {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The fingerprint learned for a switch, if any (persist it into `Switch::host_key`).
    pub fn get(&self, switch: SwitchId) -> Option<String> {
        self.inner.lock().ok().and_then(|m| m.get(&switch).cloned())
    }

    fn remember(&self, switch: SwitchId, fingerprint: String) {
        if let Ok(mut m) = self.inner.lock() {
            m.insert(switch, fingerprint);
        }
    }
}

/// The `SHA256:...` fingerprint of a public key, as OpenSSH prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// What the pin says about a presented key.
fn pin_matches(pin: &str, key: &PublicKey) -> Result<bool, String> {
    let pin = pin.trim();
    if pin.starts_with("SHA256:") {
        return Ok(pin == fingerprint(key));
    }
    let pinned = PublicKey::from_openssh(pin)
        .map_err(|e| format!("pinned host key is not an openssh public key line: {e}"))?;
    Ok(pinned.key_data() == key.key_data())
}

/// A host key family, to ask the server for the pinned key's algorithm first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyFamily {
    Rsa,
    Ecdsa,
    Ed25519,
    Other,
}

fn family(a: &Algorithm) -> KeyFamily {
    match a {
        Algorithm::Rsa { .. } => KeyFamily::Rsa,
        Algorithm::Ecdsa { .. } => KeyFamily::Ecdsa,
        Algorithm::Ed25519 => KeyFamily::Ed25519,
        _ => KeyFamily::Other,
    }
}

/// `base` with the algorithms of `first` moved to the front (order otherwise kept), as
/// OpenSSH orders `HostKeyAlgorithms` by the key types known_hosts holds for the host.
fn prefer(base: &[Algorithm], first: KeyFamily) -> Vec<Algorithm> {
    let (mut front, back): (Vec<Algorithm>, Vec<Algorithm>) =
        base.iter().cloned().partition(|a| family(a) == first);
    front.extend(back);
    front
}

/// The family of a pinned OpenSSH key line; `None` for a `SHA256:` fingerprint.
fn pinned_family(pin: &str) -> Option<KeyFamily> {
    if pin.starts_with("SHA256:") {
        return None;
    }
    PublicKey::from_openssh(pin.trim())
        .ok()
        .map(|k| family(&k.algorithm()))
}

pub(crate) struct ClientHandler {
    switch: SwitchId,
    /// The family of the key the server presented.
    presented: Arc<Mutex<Option<KeyFamily>>>,
    pin: Option<String>,
    tofu: bool,
    known: KnownHosts,
    verdict: Arc<Mutex<Option<String>>>,
}

impl client::Handler for ClientHandler {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_public_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = server_public_key.public_key();
        if let Ok(mut slot) = self.presented.lock() {
            *slot = Some(family(&key.algorithm()));
        }
        let presented = fingerprint(&key);
        let pin = self.pin.clone().or_else(|| self.known.get(self.switch));
        let verdict = match pin {
            Some(pin) => match pin_matches(&pin, &key) {
                Ok(true) => None,
                Ok(false) => Some(format!(
                    "host key changed: presented {presented}, pinned {pin}"
                )),
                Err(e) => Some(format!("{e}; presented {presented}")),
            },
            None if self.tofu => {
                tracing::info!(switch = %self.switch, fingerprint = %presented, "trusting host key on first use");
                self.known.remember(self.switch, presented.clone());
                None
            }
            None => Some(format!(
                "unknown host key {presented}: no key pinned for this switch and trust on first use is off"
            )),
        };
        let ok = verdict.is_none();
        if let (Some(v), Ok(mut slot)) = (verdict, self.verdict.lock()) {
            *slot = Some(v);
        }
        Ok(ok)
    }
}

/// An authenticated SSH connection with an interactive shell on a PTY.
pub struct SshShell {
    /// Keeps the connection alive.
    pub(crate) handle: client::Handle<ClientHandler>,
    /// The shell channel.
    pub(crate) channel: russh::Channel<client::Msg>,
}

impl std::fmt::Debug for SshShell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshShell").finish_non_exhaustive()
    }
}

impl SshShell {
    /// Closes the connection (best effort).
    pub async fn close(self) {
        let _ = self.channel.close().await;
        let _ = self
            .handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
    }
}

fn map_russh(e: russh::Error, what: &str) -> DriverError {
    match e {
        russh::Error::NoCommonAlgo { .. } => DriverError::permanent(
            DriverErrorKind::Negotiation,
            format!(
                "{what}: {e}; an old switch may need the legacy algorithm profile (SshOptions::legacy_algorithms, set per switch with with_switch_options)"
            ),
        ),
        russh::Error::IO(ref io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            DriverError::transient(DriverErrorKind::Connect, format!("{what}: {e}"))
        }
        russh::Error::IO(_)
        | russh::Error::Disconnect
        | russh::Error::HUP
        | russh::Error::ConnectionTimeout => {
            DriverError::transient(DriverErrorKind::Connect, format!("{what}: {e}"))
        }
        _ => DriverError::transient(DriverErrorKind::Protocol, format!("{what}: {e}")),
    }
}

/// TCP connect, key exchange and host key check with `preferred`; on an error, the family
/// of the key the server presented (if it got that far).
async fn handshake(
    switch: &Switch,
    options: &SshOptions,
    known: &KnownHosts,
    pin: Option<String>,
    preferred: Preferred,
) -> Result<client::Handle<ClientHandler>, (DriverError, Option<KeyFamily>)> {
    let config = client::Config {
        inactivity_timeout: Some(options.idle_timeout),
        keepalive_interval: options.keepalive_interval,
        preferred,
        nodelay: true,
        ..Default::default()
    };
    let verdict = Arc::new(Mutex::new(None));
    let presented = Arc::new(Mutex::new(None));
    let handler = ClientHandler {
        switch: switch.id,
        presented: presented.clone(),
        pin,
        tofu: options.trust_on_first_use,
        known: known.clone(),
        verdict: verdict.clone(),
    };
    let addr = (switch.address.clone(), switch.ssh_port);
    let connected = tokio::time::timeout(
        options.connect_timeout,
        client::connect(Arc::new(config), addr, handler),
    )
    .await;
    let family = || presented.lock().ok().and_then(|p| *p);
    match connected {
        Err(_) => Err((
            DriverError::transient(
                DriverErrorKind::Timeout,
                format!(
                    "connect to {}:{} timed out",
                    switch.address, switch.ssh_port
                ),
            ),
            family(),
        )),
        Ok(Ok(h)) => Ok(h),
        Ok(Err(e)) => {
            if let Some(v) = verdict.lock().ok().and_then(|mut v| v.take()) {
                return Err((
                    DriverError::permanent(
                        DriverErrorKind::HostKey,
                        format!("switch {}: {v}", switch.name),
                    ),
                    family(),
                ));
            }
            Err((
                map_russh(
                    e,
                    &format!("connect to {}:{}", switch.address, switch.ssh_port),
                ),
                family(),
            ))
        }
    }
}

/// Connects, checks the host key, authenticates and opens a shell (PTY 511 columns).
///
/// # Errors
/// `Connect` (retryable), `HostKey` (permanent, with the presented fingerprint), `Negotiation`
/// (permanent, with both sides' offers), `Auth` (permanent), `Timeout` (retryable).
pub async fn connect(
    switch: &Switch,
    credentials: &Credentials,
    options: &SshOptions,
    known: &KnownHosts,
) -> Result<SshShell, DriverError> {
    let base = if options.legacy_algorithms {
        legacy_preferred()
    } else {
        Preferred::default()
    };
    let pin = switch.host_key.clone().filter(|k| !k.trim().is_empty());
    // A pinned key line says its algorithm: ask for it first. A pinned fingerprint does not:
    // when the presented key does not match, ask again for each other family first (a
    // switch with RSA and ed25519 keys presents the one asked for).
    let mut order: Vec<Option<KeyFamily>> = match pin.as_deref().and_then(pinned_family) {
        Some(f) => vec![Some(f)],
        None if pin.is_some() => vec![
            None,
            Some(KeyFamily::Rsa),
            Some(KeyFamily::Ecdsa),
            Some(KeyFamily::Ed25519),
        ],
        None => vec![None],
    };
    order.reverse();
    let mut seen: Vec<KeyFamily> = Vec::new();
    let mut handle = loop {
        let Some(first) = order.pop() else {
            return Err(DriverError::permanent(
                DriverErrorKind::HostKey,
                format!("switch {}: no host key matches the pin", switch.name),
            ));
        };
        if first.is_some_and(|f| seen.contains(&f)) {
            continue;
        }
        let mut preferred = base.clone();
        if let Some(f) = first {
            preferred.key = Cow::Owned(prefer(&base.key, f));
        }
        match handshake(switch, options, known, pin.clone(), preferred).await {
            Ok(h) => break h,
            Err((e, presented)) => {
                let more = e.kind == DriverErrorKind::HostKey
                    && e.message.contains("host key changed")
                    && presented.is_some_and(|p| !seen.contains(&p));
                if let Some(p) = presented {
                    seen.push(p);
                }
                if !more || order.is_empty() {
                    return Err(e);
                }
            }
        }
    };
    match tokio::time::timeout(options.auth_timeout, authenticate(&mut handle, credentials)).await {
        Err(_) => {
            return Err(DriverError::transient(
                DriverErrorKind::Timeout,
                "authentication timed out",
            ));
        }
        Ok(Err(e)) => return Err(e),
        Ok(Ok(())) => {}
    }
    let open = async {
        let channel = handle.channel_open_session().await?;
        channel
            .request_pty(false, "vt100", 511, 24, 0, 0, &[])
            .await?;
        channel.request_shell(false).await?;
        Ok::<_, russh::Error>(channel)
    };
    let channel = match tokio::time::timeout(options.connect_timeout, open).await {
        Err(_) => {
            return Err(DriverError::transient(
                DriverErrorKind::Timeout,
                "opening the shell timed out",
            ));
        }
        Ok(Err(e)) => return Err(map_russh(e, "open shell")),
        Ok(Ok(c)) => c,
    };
    Ok(SshShell { handle, channel })
}

async fn authenticate(
    handle: &mut client::Handle<ClientHandler>,
    credentials: &Credentials,
) -> Result<(), DriverError> {
    let user = credentials.username.clone();
    if let Some(pem) = &credentials.private_key {
        let key = russh::keys::decode_secret_key(
            pem.expose(),
            credentials.key_passphrase.as_ref().map(|p| p.expose()),
        )
        .map_err(|e| {
            DriverError::permanent(
                DriverErrorKind::Configuration,
                format!("private key cannot be read: {e}"),
            )
        })?;
        let hash = handle
            .best_supported_rsa_hash()
            .await
            .map_err(|e| map_russh(e, "auth"))?
            .flatten();
        let res = handle
            .authenticate_publickey(
                user.clone(),
                PrivateKeyWithHashAlg::new(Arc::new(key), hash),
            )
            .await
            .map_err(|e| map_russh(e, "public key authentication"))?;
        if res.success() {
            return Ok(());
        }
    }
    if let Some(password) = &credentials.password {
        let res = handle
            .authenticate_password(user.clone(), password.expose())
            .await
            .map_err(|e| map_russh(e, "password authentication"))?;
        if res.success() {
            return Ok(());
        }
        // Many switches only answer the password through keyboard-interactive.
        let mut reply = handle
            .authenticate_keyboard_interactive_start(user.clone(), None)
            .await
            .map_err(|e| map_russh(e, "keyboard-interactive authentication"))?;
        for _ in 0..5 {
            match reply {
                KeyboardInteractiveAuthResponse::Success => return Ok(()),
                KeyboardInteractiveAuthResponse::Failure { .. } => break,
                KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                    let answers = prompts
                        .iter()
                        .map(|_| password.expose().to_owned())
                        .collect();
                    reply = handle
                        .authenticate_keyboard_interactive_respond(answers)
                        .await
                        .map_err(|e| map_russh(e, "keyboard-interactive authentication"))?;
                }
            }
        }
    }
    Err(DriverError::permanent(
        DriverErrorKind::Auth,
        format!("authentication as {user:?} failed"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_profile_appends() {
        let p = legacy_preferred();
        let d = Preferred::default();
        assert!(p.kex.len() > d.kex.len() && p.kex.contains(&kex::DH_G14_SHA1));
        assert!(
            p.cipher.contains(&cipher::AES_128_CBC)
                && p.cipher.contains(&cipher::CHACHA20_POLY1305)
        );
        assert!(p.mac.contains(&mac::HMAC_SHA1));
    }
}

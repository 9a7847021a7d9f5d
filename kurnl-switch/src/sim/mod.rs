//! A switch simulator (feature `sim`): a real SSH server (russh) that emulates a Cisco IOS,
//! Junos EX (ELS) or Arista EOS CLI with per-interface state, per-command latency and fault
//! injection.
//!
//! The emulation is strict: each vendor module accepts only the command forms its vendor's
//! command reference documents (cited per command family), rejects references to objects
//! that do not exist (IOS `service-policy` to an undefined `policy-map`, Junos filters and
//! policers at commit), and keeps configuration an operator typed that no driver manages
//! ([`SwitchSim::operator`]), so a driver that deletes too much is caught.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use kurnl_switch::sim::{SimConfig, SwitchSim, Vendor};
//! let sim = SwitchSim::start(SimConfig::new(Vendor::Ios)).await?;
//! let switch = sim.switch_record("ios"); // a kurnl Switch pointing at the simulator
//! let port = sim.port("GigabitEthernet1/0/1"); // the emulated state, as a PortConfig
//! # let _ = (switch, port);
//! # Ok(()) }
//! ```

mod eos;
mod ios;
mod junos;
mod kit;
mod server;

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use kurnl_core::model::{PortConfig, Switch};
use kurnl_core::types::{InterfaceName, SwitchId, VlanId};
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{PrivateKey, PublicKey};
use russh::server::Server as _;
use russh::{MethodKind, MethodSet, Preferred, cipher, kex, mac};
use server::SimServer;
use tokio::sync::broadcast;

pub use eos::EosInterface;
pub use ios::IosInterface;

/// Which CLI to emulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    /// Cisco IOS / IOS-XE Catalyst.
    Ios,
    /// Junos EX with ELS.
    Junos,
    /// Arista EOS (access ports: description, access VLAN, admin state).
    Eos,
}

impl Vendor {
    /// The name of interface `n` (`GigabitEthernet1/0/n`, `ge-0/0/n`, `Ethernetn`).
    #[allow(clippy::expect_used)]
    pub fn interface(self, n: usize) -> InterfaceName {
        let name = match self {
            Vendor::Ios => format!("GigabitEthernet1/0/{n}"),
            Vendor::Junos => format!("ge-0/0/{n}"),
            Vendor::Eos => format!("Ethernet{n}"),
        };
        InterfaceName::parse(&name).expect("generated interface name")
    }
}

/// How to build a simulator.
#[derive(Clone)]
pub struct SimConfig {
    /// CLI dialect.
    pub vendor: Vendor,
    /// Address to listen on (`127.0.0.1:0` = any free port).
    pub listen: SocketAddr,
    /// Hostname in prompts.
    pub hostname: String,
    /// Login user.
    pub username: String,
    /// Login password (password and keyboard-interactive).
    pub password: String,
    /// IOS: land in user exec (`>`) and require `enable` with this secret.
    pub enable_secret: Option<String>,
    /// Interfaces of the device, all starting in the captive state.
    pub interfaces: Vec<InterfaceName>,
    /// Captive VLAN of the initial state.
    pub captive_vlan: VlanId,
    /// Delay before the reply to every command.
    pub latency: Duration,
    /// Seed of the Ed25519 host key (`None` = random).
    pub host_key_seed: Option<[u8; 32]>,
    /// Also offer an RSA host key (the same built-in test key for every simulator), as
    /// switches that have both an RSA and an ed25519 key do. Clients that prefer ed25519
    /// (russh, OpenSSH) negotiate ed25519 unless they ask for RSA first.
    pub rsa_host_key: bool,
    /// Offer only SHA-1 key exchanges, CBC ciphers and hmac-sha1 (an old switch).
    pub legacy_only: bool,
    /// Login banner (may contain `#` and `>`).
    pub banner: Option<String>,
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("vendor", &self.vendor)
            .field("listen", &self.listen)
            .field("hostname", &self.hostname)
            .field("username", &self.username)
            .field("interfaces", &self.interfaces.len())
            .field("latency", &self.latency)
            .field("legacy_only", &self.legacy_only)
            .finish_non_exhaustive()
    }
}

impl SimConfig {
    /// Defaults: `127.0.0.1:0`, user `kurnl` / password `kurnl-sim-pw`, 8 interfaces
    /// (`GigabitEthernet1/0/1..8`, `ge-0/0/1..8` or `Ethernet1..8`), captive VLAN 999, no
    /// latency, an ed25519 and an RSA host key, no policy objects (policy-maps, firewall
    /// filters) defined.
    #[allow(clippy::expect_used)]
    pub fn new(vendor: Vendor) -> Self {
        let interfaces = (1..=8).map(|n| vendor.interface(n)).collect();
        Self {
            vendor,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            hostname: match vendor {
                Vendor::Ios => "sim-sw1".into(),
                Vendor::Junos => "sim-ex1".into(),
                Vendor::Eos => "sim-eos1".into(),
            },
            username: "kurnl".into(),
            password: "kurnl-sim-pw".into(),
            enable_secret: None,
            interfaces,
            captive_vlan: VlanId::new(999).expect("static vlan"),
            latency: Duration::ZERO,
            host_key_seed: None,
            rsa_host_key: true,
            legacy_only: false,
            banner: None,
        }
    }

    /// Sets the number of interfaces (`GigabitEthernet1/0/1..n` / `ge-0/0/1..n` /
    /// `Ethernet1..n`).
    #[must_use]
    pub fn with_interface_count(mut self, n: usize) -> Self {
        self.interfaces = (1..=n).map(|i| self.vendor.interface(i)).collect();
        self
    }
}

/// Faults to inject; change them at any time with [`SwitchSim::faults`].
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Commands containing any of these substrings are rejected with the vendor's error.
    pub reject: Vec<String>,
    /// Commands equal to one of these are rejected with the vendor's error.
    pub reject_exact: Vec<String>,
    /// Close the connection when this many more commands have been received (one shot).
    pub drop_after: Option<u64>,
    /// Never answer commands containing this substring.
    pub hang_on: Option<String>,
    /// Refuse every login.
    pub fail_auth: bool,
    /// Reject configuration lines of one interface (IOS/EOS: lines typed in its interface
    /// mode; Junos: `set`/`delete` statements naming it).
    pub reject_interface: Option<InterfaceReject>,
}

/// Rejects configuration lines of one interface: the first `accept` lines pass, then one line
/// (or, with `sticky`, every later line, so an undo fails too) is rejected with the vendor's
/// error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceReject {
    /// Interface name as the device spells it (`GigabitEthernet1/0/1`, `ge-0/0/1`).
    pub interface: String,
    /// Lines of this interface accepted before the first rejection.
    pub accept: u32,
    /// Keep rejecting after the first rejection (until cleared).
    pub sticky: bool,
    /// Lines rejected so far (maintained by the simulator).
    pub rejected: u32,
}

impl InterfaceReject {
    /// Rejects one line of `interface` after `accept` accepted ones.
    pub fn once(interface: &str, accept: u32) -> Self {
        Self {
            interface: interface.to_owned(),
            accept,
            sticky: false,
            rejected: 0,
        }
    }

    /// Rejects every line of `interface` after `accept` accepted ones.
    pub fn sticky(interface: &str, accept: u32) -> Self {
        Self {
            sticky: true,
            ..Self::once(interface, accept)
        }
    }

    /// Whether the next line of the interface is rejected (and counts it).
    fn hit(&mut self) -> bool {
        if self.accept > 0 {
            self.accept -= 1;
            return false;
        }
        if self.rejected > 0 && !self.sticky {
            return false;
        }
        self.rejected += 1;
        true
    }
}

/// Device state shared by all sessions.
#[derive(Debug)]
pub(crate) struct Device {
    pub(crate) ios: Vec<IosInterface>,
    pub(crate) ios_vlans: BTreeSet<u16>,
    /// IOS global QoS objects (class-maps, policy-maps).
    pub(crate) ios_qos: ios::Qos,
    pub(crate) eos: Vec<EosInterface>,
    /// Junos committed configuration, as `set` statements without the `set `.
    pub(crate) junos: BTreeSet<String>,
    pub(crate) saved: bool,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: SimConfig,
    pub(crate) device: Mutex<Device>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) commands: AtomicU64,
    pub(crate) logins: AtomicU64,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a CLI emulator wants done after a line.
pub(crate) enum Step {
    /// Send this text (output + next prompt).
    Reply(String),
    /// Send this text and close the connection.
    Close(String),
}

/// A running simulator. Dropping it stops the listener (open sessions end with their
/// connections).
#[derive(Debug)]
pub struct SwitchSim {
    addr: SocketAddr,
    shared: Arc<Shared>,
    public_key: PublicKey,
    rsa_public_key: Option<PublicKey>,
    shutdown: broadcast::Sender<()>,
}

/// The built-in RSA host key (a test key, generated once for the simulator; never a secret).
#[allow(clippy::expect_used)]
fn rsa_key() -> PrivateKey {
    static KEY: std::sync::OnceLock<PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        PrivateKey::from_openssh(include_str!("rsa_host_key")).expect("built-in RSA host key")
    })
    .clone()
}

impl Drop for SwitchSim {
    fn drop(&mut self) {
        let _ = self.shutdown.send(());
    }
}

impl SwitchSim {
    /// Binds and starts serving in the background (on the current Tokio runtime).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn start(config: SimConfig) -> std::io::Result<Self> {
        let seed = config.host_key_seed.unwrap_or_else(rand::random);
        let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
        let public_key = key.public_key().clone();
        let mut keys = vec![key];
        let rsa_public_key = if config.rsa_host_key {
            let rsa = rsa_key();
            let public = rsa.public_key().clone();
            keys.push(rsa);
            Some(public)
        } else {
            None
        };
        let preferred = if config.legacy_only {
            Preferred {
                kex: Cow::Owned(vec![
                    kex::DH_G14_SHA1,
                    kex::DH_G1_SHA1,
                    kex::EXTENSION_SUPPORT_AS_SERVER,
                ]),
                cipher: Cow::Owned(vec![cipher::AES_128_CBC, cipher::AES_256_CBC]),
                mac: Cow::Owned(vec![mac::HMAC_SHA1]),
                ..Preferred::default()
            }
        } else {
            Preferred::default()
        };
        let server_config = Arc::new(russh::server::Config {
            methods: MethodSet::from(&[MethodKind::Password, MethodKind::KeyboardInteractive][..]),
            auth_rejection_time: Duration::from_millis(20),
            auth_rejection_time_initial: Some(Duration::ZERO),
            keys,
            preferred,
            inactivity_timeout: Some(Duration::from_secs(600)),
            nodelay: true,
            ..Default::default()
        });
        let device = Device {
            ios: config
                .interfaces
                .iter()
                .map(|i| IosInterface::captive(i.as_str(), config.captive_vlan.get()))
                .collect(),
            ios_vlans: [1, config.captive_vlan.get()].into_iter().collect(),
            ios_qos: ios::Qos::default(),
            eos: config
                .interfaces
                .iter()
                .map(|i| EosInterface::captive(i.as_str(), config.captive_vlan.get()))
                .collect(),
            junos: junos::initial(&config),
            saved: true,
        };
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            config,
            device: Mutex::new(device),
            faults: Mutex::new(Faults::default()),
            commands: AtomicU64::new(0),
            logins: AtomicU64::new(0),
        });
        let (shutdown, mut stop) = broadcast::channel(1);
        let mut server = SimServer {
            shared: shared.clone(),
        };
        tokio::spawn(async move {
            let running = server.run_on_socket(server_config, &listener);
            tokio::select! {
                _ = running => {}
                _ = stop.recv() => {}
            }
        });
        Ok(Self {
            addr,
            shared,
            public_key,
            rsa_public_key,
            shutdown,
        })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The host key as an OpenSSH public key line.
    pub fn host_key(&self) -> String {
        self.public_key.to_openssh().unwrap_or_default()
    }

    /// The host key's `SHA256:` fingerprint.
    pub fn fingerprint(&self) -> String {
        crate::transport::fingerprint(&self.public_key)
    }

    /// The RSA host key as an OpenSSH public key line (`None` without
    /// [`SimConfig::rsa_host_key`]).
    pub fn rsa_host_key(&self) -> Option<String> {
        self.rsa_public_key
            .as_ref()
            .and_then(|k| k.to_openssh().ok())
    }

    /// The RSA host key's `SHA256:` fingerprint.
    pub fn rsa_fingerprint(&self) -> Option<String> {
        self.rsa_public_key
            .as_ref()
            .map(crate::transport::fingerprint)
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    /// A kurnl [`Switch`] record for this simulator: driver `driver`, host key pinned,
    /// credentials under `"sim"` (see [`SwitchSim::credentials`]).
    pub fn switch_record(&self, driver: &str) -> Switch {
        Switch {
            id: SwitchId::new_random(),
            name: self.shared.config.hostname.clone(),
            driver: driver.into(),
            address: self.addr.ip().to_string(),
            ssh_port: self.addr.port(),
            credentials_ref: "sim".into(),
            host_key: Some(self.host_key()),
            captive_vlan: self.shared.config.captive_vlan,
            max_sessions: 1,
            disabled: false,
        }
    }

    /// A credential store with the simulator's login under `"sim"`.
    pub fn credentials(&self) -> crate::CredentialStore {
        let c = &self.shared.config;
        let mut creds = crate::Credentials::password(&c.username, &c.password);
        if let Some(s) = &c.enable_secret {
            creds = creds.with_enable_secret(s);
        }
        crate::CredentialStore::new().with("sim", creds)
    }

    /// The interfaces of the device.
    pub fn interfaces(&self) -> Vec<InterfaceName> {
        self.shared.config.interfaces.clone()
    }

    /// Edits the fault injection settings.
    pub fn faults(&self, edit: impl FnOnce(&mut Faults)) {
        edit(&mut lock(&self.shared.faults));
    }

    /// Command lines received so far (all sessions).
    pub fn commands_received(&self) -> u64 {
        self.shared.commands.load(Ordering::Relaxed)
    }

    /// Successful logins so far.
    pub fn logins(&self) -> u64 {
        self.shared.logins.load(Ordering::Relaxed)
    }

    /// The running (IOS) or committed (Junos) config lines of an interface, as the device
    /// shows them.
    pub fn running_config(&self, interface: &str) -> Vec<String> {
        let dev = lock(&self.shared.device);
        match self.shared.config.vendor {
            Vendor::Ios => ios::find(&dev.ios, interface)
                .map(|i| dev.ios[i].render())
                .unwrap_or_default(),
            Vendor::Junos => junos::port_lines(&dev.junos, interface),
            Vendor::Eos => eos::find(&dev.eos, interface)
                .map(|i| dev.eos[i].render())
                .unwrap_or_default(),
        }
    }

    /// The device's whole configuration as `show running-config` (IOS, EOS) or
    /// `show configuration | display set` (Junos) prints it.
    pub fn full_config(&self) -> Vec<String> {
        let mut cli = self.new_cli();
        let command = match self.shared.config.vendor {
            Vendor::Junos => "show configuration | display set",
            Vendor::Ios | Vendor::Eos => "show running-config",
        };
        let _ = self.login_as_operator(&mut *cli);
        match cli.line(command) {
            Step::Reply(text) | Step::Close(text) => {
                let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
                lines.pop(); // the prompt
                lines
            }
        }
    }

    /// Configures the device as an operator at its console would, bypassing faults and
    /// counters: IOS/EOS lines are typed in global configuration mode (`interface X` first for
    /// interface lines) and ended with `end`; Junos lines are `set`/`delete` statements,
    /// committed at the end. The vendor grammar applies as for any session.
    ///
    /// # Errors
    /// The device's output for the first line it rejected (nothing after it is typed; on
    /// Junos nothing is committed).
    pub fn operator(&self, lines: &[&str]) -> Result<(), String> {
        let mut cli = self.new_cli();
        self.login_as_operator(&mut *cli)?;
        let (enter, leave): (&[&str], &[&str]) = match self.shared.config.vendor {
            Vendor::Junos => (&["configure"], &["commit", "exit configuration-mode"]),
            Vendor::Ios | Vendor::Eos => (&["configure terminal"], &["end"]),
        };
        let run = |cli: &mut dyn Cli, line: &str| -> Result<(), String> {
            match cli.line(line) {
                Step::Reply(text) if !cli.is_error(&text) => Ok(()),
                Step::Reply(text) | Step::Close(text) => Err(format!("{line}: {}", text.trim())),
            }
        };
        for line in enter {
            run(&mut *cli, line)?;
        }
        for line in lines {
            if let Err(e) = run(&mut *cli, line) {
                let _ = cli.line("rollback 0");
                let _ = cli.line("end");
                return Err(e);
            }
        }
        for line in leave {
            run(&mut *cli, line)?;
        }
        Ok(())
    }

    fn new_cli(&self) -> Box<dyn Cli> {
        new_cli(&self.shared)
    }

    /// IOS/EOS with an enable secret: `enable` and the secret.
    fn login_as_operator(&self, cli: &mut dyn Cli) -> Result<(), String> {
        let c = &self.shared.config;
        if let (Vendor::Ios | Vendor::Eos, Some(secret)) = (c.vendor, &c.enable_secret) {
            let _ = cli.line("enable");
            let _ = cli.line(secret);
        }
        Ok(())
    }

    /// The actual state of an interface, read from the emulated device (not through SSH).
    /// `None` for an unknown interface or a state kurnl cannot express.
    pub fn port(&self, interface: &str) -> Option<PortConfig> {
        let dev = lock(&self.shared.device);
        match self.shared.config.vendor {
            Vendor::Ios => ios::find(&dev.ios, interface).and_then(|i| dev.ios[i].to_port_config()),
            Vendor::Junos => junos::port_config(&dev.junos, interface),
            Vendor::Eos => eos::find(&dev.eos, interface).and_then(|i| dev.eos[i].to_port_config()),
        }
    }

    /// Whether the running config was saved (`write memory`) since the last change (IOS).
    pub fn saved(&self) -> bool {
        lock(&self.shared.device).saved
    }
}

fn new_cli(shared: &Arc<Shared>) -> Box<dyn Cli> {
    match shared.config.vendor {
        Vendor::Ios => Box::new(ios::IosCli::new(shared.clone())),
        Vendor::Junos => Box::new(junos::JunosCli::new(shared.clone())),
        Vendor::Eos => Box::new(eos::EosCli::new(shared.clone())),
    }
}

/// One interactive CLI session.
pub(crate) trait Cli: Send {
    /// Banner + first prompt.
    fn greeting(&mut self) -> String;
    /// Handles one line (without the newline).
    fn line(&mut self, line: &str) -> Step;
    /// The pager marker.
    fn more_marker(&self) -> &'static str;
    /// Whether output is paged.
    fn paging(&self) -> bool;
    /// An error for an injected rejection of `line`.
    fn injected_error(&mut self, line: &str) -> String;
    /// The interface a configuration line would change in the current mode, if any (for
    /// [`Faults::reject_interface`]).
    fn interface_of(&self, line: &str) -> Option<String>;
    /// Whether a reply carries the vendor's error marker.
    fn is_error(&self, reply: &str) -> bool;
}

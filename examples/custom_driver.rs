//! Your own switch driver: Arista EOS access ports over SSH, built on kurnl-switch's CLI layer
//! (SSH transport with host key pinning, prompt matching, validated CLI text), registered like
//! the built-in drivers, and proven with the switch conformance kit.
//!
//! ```text
//! cargo run --example custom_driver -- --sim          # against the EOS simulator
//! cargo run --example custom_driver -- HOST USER PASSWORD Ethernet3 VLAN   # a real switch
//! cargo test --example custom_driver                  # the conformance kit (simulator)
//! ```
//!
//! EOS (Arista EOS User Manual, "Ethernet Ports", "VLANs"): `configure`, `interface
//! EthernetN`, `description`, `switchport access vlan N`, `[no] shutdown`, `end`, `write
//! memory`; errors start with `% `. This driver manages VLAN, description and admin state;
//! rate limits and MAC bindings are refused as `Unsupported` before connecting.

use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use kurnl_core::model::{PortConfig, Switch};
use kurnl_core::ports::{
    DriverCapabilities, DriverError, DriverErrorKind, PortChange, PortResult, SwitchDriver,
};
use kurnl_core::types::{InterfaceName, PortDescription, SwitchId, VlanId};
use kurnl_switch::cli::{CliSession, PromptPatterns, Reply};
use kurnl_switch::regex::Regex;
use kurnl_switch::transport::connect;
use kurnl_switch::{CliText, CredentialResolver, CredentialStore, Credentials, KnownHosts};
use kurnl_switch::{DriverName, SshOptions};

#[allow(clippy::expect_used)]
fn patterns() -> PromptPatterns {
    static P: LazyLock<PromptPatterns> = LazyLock::new(|| PromptPatterns {
        prompt: Regex::new(r"^[A-Za-z0-9._\-]{1,64}(\(config(-[A-Za-z0-9/.\-]+)?\))?[>#] ?$")
            .expect("static regex"),
        more: Regex::new(r"^\s*--More--\s*$").expect("static regex"),
    });
    P.clone()
}

fn is_error(reply: &Reply) -> bool {
    reply.lines.iter().any(|l| l.trim_start().starts_with("% "))
}

fn rejected(line: &str, reply: &Reply) -> DriverError {
    DriverError::permanent(
        DriverErrorKind::CommandRejected,
        format!("switch rejected {line:?}: {}", reply.text().trim()),
    )
}

/// The part of an EOS interface this driver manages.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EosPort {
    description: Option<String>,
    vlan: u16,
    shutdown: bool,
}

impl EosPort {
    fn parse(lines: &[String]) -> Self {
        let mut p = Self {
            description: None,
            vlan: 1,
            shutdown: false,
        };
        for l in lines
            .iter()
            .skip_while(|l| !l.starts_with("interface "))
            .skip(1)
        {
            match l.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["description", d @ ..] if !d.is_empty() => p.description = Some(d.join(" ")),
                ["switchport", "access", "vlan", v] => p.vlan = v.parse().unwrap_or(1),
                ["shutdown"] => p.shutdown = true,
                _ => {} // operator lines: not ours, never touched
            }
        }
        p
    }

    fn desired(c: &PortConfig) -> Self {
        Self {
            description: Some(c.description.as_str().to_owned()),
            vlan: c.vlan.get(),
            shutdown: !c.enabled,
        }
    }

    /// Interface lines from `self` to `to`, only what differs.
    fn diff(&self, to: &Self) -> Vec<String> {
        let mut out = Vec::new();
        if self.description != to.description {
            out.push(
                to.description
                    .as_ref()
                    .map_or("no description".into(), |d| format!("description {d}")),
            );
        }
        if self.vlan != to.vlan {
            out.push(format!("switchport access vlan {}", to.vlan));
        }
        if self.shutdown != to.shutdown {
            out.push(
                if to.shutdown {
                    "shutdown"
                } else {
                    "no shutdown"
                }
                .into(),
            );
        }
        out
    }

    fn to_port_config(&self) -> Result<PortConfig, DriverError> {
        let protocol = |e: String| DriverError::transient(DriverErrorKind::Protocol, e);
        Ok(PortConfig {
            vlan: VlanId::new(self.vlan).map_err(|e| protocol(e.to_string()))?,
            rate: None,
            mac: None,
            enabled: !self.shutdown,
            description: match &self.description {
                Some(d) => PortDescription::parse(d).map_err(|e| protocol(e.to_string()))?,
                None => PortDescription::captive(),
            },
        })
    }
}

/// Arista EOS access ports.
#[derive(Debug, Clone)]
struct EosDriver {
    credentials: Arc<dyn CredentialResolver>,
    options: SshOptions,
    known: KnownHosts,
}

impl EosDriver {
    async fn open(&self, switch: &Switch) -> Result<CliSession, DriverError> {
        let creds = self
            .credentials
            .resolve(&switch.credentials_ref)
            .ok_or_else(|| {
                DriverError::permanent(
                    DriverErrorKind::Configuration,
                    format!("no credentials {:?}", switch.credentials_ref),
                )
            })?;
        // Everything typed into the CLI is checked before connecting.
        let secret = creds.enable_secret.as_ref().or(creds.password.as_ref());
        let secret = CliText::new("enable_secret", secret.map_or("", |s| s.expose()))?;
        let shell = connect(switch, &creds, &self.options, &self.known).await?;
        let mut cli = CliSession::new(shell, patterns(), self.options.command_timeout);
        if cli.wait_prompt().await?.ends_with('>') {
            #[allow(clippy::expect_used)]
            let password = Regex::new(r"(?i)password: ?$").expect("static regex");
            let reply = cli
                .run_confirm("enable", &[(&password, secret.as_str())])
                .await?;
            if !reply.prompt.ends_with('#') {
                return Err(DriverError::permanent(
                    DriverErrorKind::Auth,
                    "enable failed",
                ));
            }
        }
        cli.run("terminal length 0").await?;
        Ok(cli)
    }

    async fn read(
        cli: &mut CliSession,
        iface: &InterfaceName,
        config: bool,
    ) -> Result<EosPort, DriverError> {
        let line = format!(
            "{}show running-config interfaces {iface}",
            if config { "do " } else { "" }
        );
        let reply = cli.run(&line).await?;
        if is_error(&reply) || !reply.lines.iter().any(|l| l.starts_with("interface ")) {
            return Err(rejected(&line, &reply));
        }
        Ok(EosPort::parse(&reply.lines))
    }

    /// Runs an interface's lines; the first rejected one as an error.
    async fn run_lines(
        cli: &mut CliSession,
        iface: &InterfaceName,
        lines: &[String],
    ) -> Result<Result<(), DriverError>, DriverError> {
        let enter = format!("interface {iface}");
        let reply = cli.run(&enter).await?;
        if is_error(&reply) || !reply.prompt.contains("(config-if") {
            return Ok(Err(rejected(&enter, &reply)));
        }
        let replies = cli.run_batch(lines).await?;
        Ok(
            match lines.iter().zip(&replies).find(|(_, r)| is_error(r)) {
                Some((line, r)) => Err(rejected(line, r)),
                None => Ok(()),
            },
        )
    }

    async fn apply_in(
        &self,
        cli: &mut CliSession,
        changes: &[PortChange],
    ) -> Result<Vec<Result<(), DriverError>>, DriverError> {
        cli.run("configure").await?;
        let (mut outcomes, mut changed) = (Vec::new(), false);
        for c in changes {
            let before = Self::read(cli, &c.interface, true).await?;
            let lines = before.diff(&EosPort::desired(&c.desired));
            if lines.is_empty() {
                outcomes.push(Ok(()));
                continue;
            }
            changed = true;
            let outcome = Self::run_lines(cli, &c.interface, &lines).await?;
            if let Err(e) = &outcome {
                // Undo what went through; an undo the switch refuses is reported as partial.
                let now = Self::read(cli, &c.interface, true).await?;
                if let Err(undo) = Self::run_lines(cli, &c.interface, &now.diff(&before)).await? {
                    let stuck = before.diff(&Self::read(cli, &c.interface, true).await?);
                    outcomes.push(Err(DriverError::permanent(DriverErrorKind::PartiallyApplied, format!(
                        "port {} is partially changed: {}; undo failed ({}); lines that stuck: {}",
                        c.interface, e.message, undo.message, stuck.join("; ")))));
                    continue;
                }
            }
            outcomes.push(outcome);
        }
        cli.run("end").await?;
        if changed {
            cli.run("write memory").await?;
        }
        Ok(outcomes)
    }
}

#[async_trait]
impl SwitchDriver for EosDriver {
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
        if let Some(c) = changes
            .iter()
            .find(|c| c.desired.rate.is_some() || c.desired.mac.is_some())
        {
            return Err(DriverError::permanent(
                DriverErrorKind::Unsupported,
                format!(
                    "{}: this EOS driver does not do rate limits or MAC binding",
                    c.interface
                ),
            ));
        }
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let mut cli = self.open(switch).await?;
        let result = self.apply_in(&mut cli, changes).await;
        cli.close().await;
        let outcomes = match result {
            Ok(o) => o,
            Err(e) => changes.iter().map(|_| Err(e.clone())).collect(),
        };
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
        let mut cli = self.open(switch).await?;
        let port = Self::read(&mut cli, interface, false).await;
        cli.close().await;
        port?.to_port_config()
    }
}

fn driver(credentials: Arc<dyn CredentialResolver>, options: SshOptions) -> EosDriver {
    EosDriver {
        credentials,
        options,
        known: KnownHosts::new(),
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `arista_eos` (netmiko's name) and `eos` both name this driver.
    let name = DriverName::parse("arista_eos")?;
    let (_sim, switch, d, iface, vlan) = match args.as_slice() {
        [flag] if flag == "--sim" => {
            let sim = kurnl_switch::sim::SwitchSim::start(kurnl_switch::sim::SimConfig::new(
                kurnl_switch::sim::Vendor::Eos,
            ))
            .await?;
            let (switch, iface) = (
                sim.switch_record(name.as_str()),
                sim.interfaces()[0].clone(),
            );
            let d = driver(Arc::new(sim.credentials()), SshOptions::default());
            (Some(sim), switch, d, iface, VlanId::new(100)?)
        }
        [host, user, password, iface, vlan] => {
            let creds = CredentialStore::new().with("eos", Credentials::password(user, password));
            let options = SshOptions {
                trust_on_first_use: true,
                ..SshOptions::default()
            };
            let switch = Switch {
                id: SwitchId::new_random(),
                name: host.clone(),
                driver: name.as_str().into(),
                address: host.clone(),
                ssh_port: 22,
                credentials_ref: "eos".into(),
                host_key: None,
                captive_vlan: VlanId::new(999)?,
                max_sessions: 1,
                disabled: false,
            };
            (
                None,
                switch,
                driver(Arc::new(creds), options),
                InterfaceName::parse(iface)?,
                VlanId::new(vlan.parse()?)?,
            )
        }
        _ => {
            return Err(
                "usage: custom_driver --sim | custom_driver HOST USER PASSWORD INTERFACE VLAN"
                    .into(),
            );
        }
    };
    let mut desired = PortConfig::captive(vlan);
    desired.description = PortDescription::parse("SUB-example")?;
    let change = PortChange {
        job_id: kurnl_core::types::JobId::new_random(),
        interface: iface.clone(),
        desired,
    };
    let r = d.apply(&switch, &[change]).await?;
    println!("apply {iface}: {:?}", r[0].outcome);
    println!("read back: {:?}", d.read_port(&switch, &iface).await?);
    Ok(())
}

#[cfg(test)]
mod conformance {
    use std::time::Duration;

    use kurnl_core::testkit::switch_suite::{KitFeatures, SwitchFixture};
    use kurnl_switch::sim::{SimConfig, SwitchSim, Vendor};

    async fn fixture() -> SwitchFixture {
        let sim = std::sync::Arc::new(
            SwitchSim::start(SimConfig::new(Vendor::Eos))
                .await
                .expect("simulator"),
        );
        let options = super::SshOptions {
            command_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(5),
            ..super::SshOptions::default()
        };
        let d = super::driver(std::sync::Arc::new(sim.credentials()), options);
        sim.conformance_fixture(std::sync::Arc::new(d), "eos")
            .with_features(KitFeatures::vlan_only())
    }

    mod kit {
        kurnl_core::switch_conformance_tests!(super::fixture());
    }
}

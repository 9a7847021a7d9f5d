//! The simulated switches, in a child process of their own so that the parent's memory and
//! CPU figures are kurnl's.
//!
//! The child (`--role sims`) starts the simulators and prints one JSON line per switch
//! (address, host name, host key), then answers `stats` and `check N VLAN` lines on stdin until
//! stdin closes. The parent pins each printed host key in the switch record it stores.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use kurnl::model::Switch;
use kurnl::switch::sim::{SimConfig, SwitchSim, Vendor};
use kurnl::switch::{CredentialStore, Credentials};
use kurnl::types::{InterfaceName, SwitchId, VlanId};
use serde::{Deserialize, Serialize};

use crate::args::Args;
use crate::child::{ChildProc, serve_stdin};
use crate::inventory::slot_place;
use crate::procfs::ProcStats;

/// What the child prints on stdout, one JSON object a line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    /// The login every simulator accepts.
    Login { user: String, password: String },
    /// One simulator.
    Switch {
        ios: bool,
        addr: SocketAddr,
        hostname: String,
        host_key: String,
        captive_vlan: u16,
    },
    /// All simulators are listening.
    Ready,
    /// Answer to `stats`.
    Stats { logins: u64, commands: u64 },
    /// Answer to `check N VLAN`: ports of the first N slots not enabled on VLAN.
    Checked { bad: usize },
}

/// Vendor of switch `i` (IOS and Junos alternate).
fn vendor(i: usize) -> Vendor {
    if i.is_multiple_of(2) {
        Vendor::Ios
    } else {
        Vendor::Junos
    }
}

fn config(i: usize, ports: usize, latency_ms: u64) -> SimConfig {
    let mut config = SimConfig::new(vendor(i)).with_interface_count(ports);
    config.hostname = format!("sim-{}{i}", if i.is_multiple_of(2) { "sw" } else { "ex" });
    config.latency = Duration::from_millis(latency_ms);
    config
}

/// The child: runs `count` simulators until stdin closes.
pub async fn child_main(args: &Args, count: usize) -> anyhow::Result<()> {
    let mut sims = Vec::with_capacity(count);
    for i in 0..count {
        let sim = SwitchSim::start(config(i, args.ports, args.latency_ms))
            .await
            .with_context(|| format!("starting simulator {i}"))?;
        sims.push(sim);
    }
    let c = sims[0].config();
    print(&Line::Login {
        user: c.username.clone(),
        password: c.password.clone(),
    })?;
    for sim in &sims {
        let c = sim.config();
        print(&Line::Switch {
            ios: c.vendor == Vendor::Ios,
            addr: sim.addr(),
            hostname: c.hostname.clone(),
            host_key: sim.host_key(),
            captive_vlan: c.captive_vlan.get(),
        })?;
    }
    print(&Line::Ready)?;
    serve_stdin(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let answer = match words.as_slice() {
            ["stats"] => Line::Stats {
                logins: sims.iter().map(SwitchSim::logins).sum(),
                commands: sims.iter().map(SwitchSim::commands_received).sum(),
            },
            ["check", n, vlan] => Line::Checked {
                bad: check_ports(&sims, n.parse().ok()?, vlan.parse().ok()?),
            },
            _ => return Some(format!("{{\"error\":\"unknown command {line:?}\"}}")),
        };
        serde_json::to_string(&answer).ok()
    })
    .await;
    Ok(())
}

fn print(line: &Line) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(line)?);
    Ok(())
}

/// Ports of the first `n` slots whose switch does not show them enabled on `vlan`.
fn check_ports(sims: &[SwitchSim], n: usize, vlan: u16) -> usize {
    (0..n)
        .filter(|&i| {
            let (switch, port) = slot_place(i, sims.len());
            let sim = &sims[switch];
            let port = sim.port(sim.config().interfaces[port].as_str());
            !port.is_some_and(|p| p.enabled && p.vlan.get() == vlan)
        })
        .count()
}

/// A credential store with `user:password` under `"sim"`.
pub fn credentials(login: &str) -> CredentialStore {
    let (user, password) = login.split_once(':').unwrap_or((login, ""));
    CredentialStore::new().with("sim", Credentials::password(user, password))
}

/// One simulated switch as the parent knows it.
pub struct SimSwitch {
    pub record: Switch,
    pub interfaces: Vec<InterfaceName>,
}

/// The parent's handle on the simulator process.
pub struct Fleet {
    proc: ChildProc,
    pub switches: Vec<SimSwitch>,
    /// The login every simulator accepts (user, password).
    login: (String, String),
}

/// What the simulators counted.
pub struct FleetStats {
    pub logins: u64,
    pub commands: u64,
    pub process: ProcStats,
}

impl Fleet {
    /// Starts the simulator process and reads its switches.
    pub async fn start(args: &Args, count: usize) -> anyhow::Result<Self> {
        let child_args = vec![
            "--role".into(),
            "sims".into(),
            "--switches".into(),
            count.to_string(),
            "--ports".into(),
            args.ports.to_string(),
            "--latency-ms".into(),
            args.latency_ms.to_string(),
        ];
        let mut proc = ChildProc::spawn("sims", &child_args, &[])?;
        let mut login = None;
        let mut switches = Vec::with_capacity(count);
        loop {
            let line = proc.recv().await?;
            match serde_json::from_str::<Line>(&line)
                .with_context(|| format!("simulator process said {line:?}"))?
            {
                Line::Login { user, password } => login = Some((user, password)),
                Line::Switch {
                    ios,
                    addr,
                    hostname,
                    host_key,
                    captive_vlan,
                } => {
                    let i = switches.len();
                    let record = Switch {
                        id: SwitchId::new_random(),
                        name: hostname,
                        driver: if ios { "ios" } else { "junos" }.into(),
                        address: addr.ip().to_string(),
                        ssh_port: addr.port(),
                        credentials_ref: "sim".into(),
                        host_key: Some(host_key),
                        captive_vlan: VlanId::new(captive_vlan)?,
                        max_sessions: 1,
                        disabled: false,
                    };
                    switches.push(SimSwitch {
                        record,
                        interfaces: config(i, args.ports, 0).interfaces,
                    });
                }
                Line::Ready => break,
                other => bail!("simulator process said {other:?} while starting"),
            }
        }
        if switches.len() != count {
            bail!(
                "simulator process started {} of {count} switches",
                switches.len()
            );
        }
        Ok(Self {
            proc,
            switches,
            login: login.context("simulator process sent no login")?,
        })
    }

    /// The login every simulator accepts, as `user:password`.
    pub fn login(&self) -> String {
        format!("{}:{}", self.login.0, self.login.1)
    }

    /// Credentials for the drivers (under `"sim"`, the switch records' `credentials_ref`).
    pub fn credentials(&self) -> CredentialStore {
        credentials(&self.login())
    }

    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        self.proc.check_alive()
    }

    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// Logins and commands so far, and the process's memory and CPU.
    pub async fn stats(&mut self) -> anyhow::Result<FleetStats> {
        let process = self.proc.stats();
        self.proc.send("stats").await?;
        match serde_json::from_str::<Line>(&self.proc.recv().await?)? {
            Line::Stats { logins, commands } => Ok(FleetStats {
                logins,
                commands,
                process,
            }),
            other => bail!("simulator process answered {other:?} to stats"),
        }
    }

    /// Ports of the first `n` slots that do not carry `vlan` (enabled) on their switch.
    pub async fn check_ports(&mut self, n: usize, vlan: u16) -> anyhow::Result<usize> {
        self.proc.send(&format!("check {n} {vlan}")).await?;
        match serde_json::from_str::<Line>(&self.proc.recv().await?)? {
            Line::Checked { bad } => Ok(bad),
            other => bail!("simulator process answered {other:?} to check"),
        }
    }

    /// Stops the simulator process.
    pub async fn finish(self) -> anyhow::Result<()> {
        self.proc.finish(Duration::from_secs(10)).await
    }
}

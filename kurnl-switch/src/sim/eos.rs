//! Arista EOS emulation: access ports only (description, access VLAN, admin state), enough
//! for a third-party driver such as `examples/custom_driver.rs`.
//!
//! Sources (Arista EOS User Manual): "Command-Line Interface" (modes and prompts:
//! `host>`, `host#`, `host(config)#`, `host(config-if-Et1)#`; `enable`, `configure`,
//! `end`, `exit`; `terminal length 0`), "Ethernet Ports" (`interface ethernet`,
//! `description`, `shutdown`, `show running-config interfaces`), "VLANs"
//! (`switchport mode access` is the default and not shown in the running config;
//! `switchport access vlan <1-4094>`, `no switchport access vlan`). Running-config lines
//! are indented by three spaces.

use std::sync::Arc;

use kurnl_core::model::PortConfig;
use kurnl_core::types::{PortDescription, VlanId};

use super::{Cli, Shared, Step, lock};

/// One emulated EOS interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EosInterface {
    /// Full name (`Ethernet1`).
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `switchport access vlan` (None = 1).
    pub vlan: Option<u16>,
    /// `shutdown`.
    pub shutdown: bool,
    /// Lines an operator configured that no driver manages (`spanning-tree portfast`, ...),
    /// kept as typed.
    pub operator: Vec<String>,
}

impl EosInterface {
    pub(crate) fn captive(name: &str, vlan: u16) -> Self {
        Self {
            name: name.to_owned(),
            description: Some("CAPTIVE".into()),
            vlan: Some(vlan),
            shutdown: false,
            operator: Vec::new(),
        }
    }

    /// The interface block of `show running-config interfaces`, defaults hidden.
    pub fn render(&self) -> Vec<String> {
        let mut l = vec![format!("interface {}", self.name)];
        if let Some(d) = &self.description {
            l.push(format!("   description {d}"));
        }
        if let Some(v) = self.vlan.filter(|v| *v != 1) {
            l.push(format!("   switchport access vlan {v}"));
        }
        for o in &self.operator {
            l.push(format!("   {o}"));
        }
        if self.shutdown {
            l.push("   shutdown".into());
        }
        l
    }

    /// The state as kurnl sees it (EOS ports here carry no rate limit or MAC binding).
    pub fn to_port_config(&self) -> Option<PortConfig> {
        Some(PortConfig {
            vlan: VlanId::new(self.vlan.unwrap_or(1)).ok()?,
            rate: None,
            mac: None,
            enabled: !self.shutdown,
            description: match &self.description {
                Some(d) => PortDescription::parse(d).ok()?,
                None => PortDescription::captive(),
            },
        })
    }

    fn short(&self) -> String {
        format!("Et{}", self.name.trim_start_matches("Ethernet"))
    }
}

/// Index of an interface by full name or abbreviation (`Et1`, `ethernet1`), case-insensitive.
pub(crate) fn find(ifaces: &[EosInterface], name: &str) -> Option<usize> {
    let at = name.find(|c: char| c.is_ascii_digit())?;
    let (kind, num) = (name[..at].to_ascii_lowercase(), &name[at..]);
    if kind.len() < 2 || !"ethernet".starts_with(&kind) {
        return None;
    }
    ifaces
        .iter()
        .position(|i| i.name.strip_prefix("Ethernet") == Some(num))
}

/// Operator lines the emulation keeps verbatim (Arista EOS User Manual, "Spanning Tree
/// Protocol": `spanning-tree portfast`, `spanning-tree bpduguard enable`; "Traffic
/// Management": `storm-control broadcast level <0.01-100>`).
fn is_operator_line(words: &[&str]) -> bool {
    matches!(
        words,
        ["spanning-tree", "portfast"]
            | ["spanning-tree", "bpduguard", "enable"]
            | ["storm-control", "broadcast", "level", _]
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    User,
    EnablePassword,
    Enable,
    Config,
    ConfigIf(usize),
}

pub(crate) struct EosCli {
    shared: Arc<Shared>,
    mode: Mode,
    paging: bool,
}

fn invalid(token: usize, word: &str) -> String {
    format!("% Invalid input (at token {token}: '{word}')\n")
}

impl EosCli {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let mode = if shared.config.enable_secret.is_some() {
            Mode::User
        } else {
            Mode::Enable
        };
        Self {
            shared,
            mode,
            paging: true,
        }
    }

    fn prompt(&self) -> String {
        let h = &self.shared.config.hostname;
        match self.mode {
            Mode::User => format!("{h}>"),
            Mode::EnablePassword => "Password: ".to_owned(),
            Mode::Enable => format!("{h}#"),
            Mode::Config => format!("{h}(config)#"),
            Mode::ConfigIf(i) => {
                let short = lock(&self.shared.device).eos[i].short();
                format!("{h}(config-if-{short})#")
            }
        }
    }

    fn reply(&self, body: String) -> Step {
        Step::Reply(format!("{body}{}", self.prompt()))
    }

    /// Exec commands (both modes; `do` in config); `None` = not a known command.
    fn exec(&mut self, words: &[&str]) -> Option<String> {
        match words {
            ["terminal", "length", n] if n.parse::<u32>().is_ok() => {
                self.paging = *n != "0";
                Some(if *n == "0" {
                    "Pagination disabled.\n".into()
                } else {
                    String::new()
                })
            }
            ["terminal", "width", n] if n.parse::<u32>().is_ok() => {
                Some(format!("Width set to {n} columns.\n"))
            }
            ["show", "version"] => Some(format!(
                "Arista DCS-7050SX3-48YC8\nSoftware image version: 4.30.1F\nHostname: {}\n",
                self.shared.config.hostname
            )),
            ["show", "running-config", "interfaces", name] => {
                let dev = lock(&self.shared.device);
                find(&dev.eos, name).map(|i| format!("{}\n", dev.eos[i].render().join("\n")))
            }
            ["show", "running-config"] => {
                let dev = lock(&self.shared.device);
                let mut out = format!(
                    "! Command: show running-config\n!\nhostname {}\n!\n",
                    self.shared.config.hostname
                );
                for i in &dev.eos {
                    out.push_str(&i.render().join("\n"));
                    out.push_str("\n!\n");
                }
                out.push_str("end\n");
                Some(out)
            }
            ["write"] | ["write", "memory"] | ["copy", "running-config", "startup-config"] => {
                lock(&self.shared.device).saved = true;
                Some("Copy completed successfully.\n".into())
            }
            _ => None,
        }
    }

    /// Interface configuration; `Err(token)` = the index of the word that is invalid.
    fn config_if(&mut self, idx: usize, words: &[&str]) -> Result<String, (usize, String)> {
        let mut dev = lock(&self.shared.device);
        let i = &mut dev.eos[idx];
        let bad = |t: usize| (t, words.get(t).copied().unwrap_or_default().to_owned());
        match words {
            ["description", d @ ..] if !d.is_empty() => i.description = Some(d.join(" ")),
            ["no", "description"] => i.description = None,
            ["switchport", "mode", "access"] | ["switchport"] => {}
            ["switchport", "access", "vlan", v] => match v.parse::<u16>() {
                Ok(v) if (1..=4094).contains(&v) => i.vlan = Some(v),
                _ => return Err(bad(3)),
            },
            ["no", "switchport", "access", "vlan"] => i.vlan = None,
            ["shutdown"] => i.shutdown = true,
            ["no", "shutdown"] => i.shutdown = false,
            w if is_operator_line(w) => {
                let line = w.join(" ");
                let key = w[..w.len().min(2)].join(" ");
                i.operator.retain(|o| !o.starts_with(&key));
                i.operator.push(line);
            }
            ["no", rest @ ..] if !rest.is_empty() => {
                let line = rest.join(" ");
                let before = i.operator.len();
                i.operator
                    .retain(|o| *o != line && !o.starts_with(&format!("{line} ")));
                if before == i.operator.len() && !is_operator_line(rest) {
                    return Err(bad(1));
                }
            }
            [] => {}
            _ => return Err(bad(0)),
        }
        dev.saved = false;
        Ok(String::new())
    }
}

impl Cli for EosCli {
    fn greeting(&mut self) -> String {
        let banner = self
            .shared
            .config
            .banner
            .clone()
            .map(|b| format!("{b}\n"))
            .unwrap_or_default();
        format!(
            "{banner}Last login: Sun Dec  6 03:00:00 2026\n{}",
            self.prompt()
        )
    }

    fn more_marker(&self) -> &'static str {
        " --More-- "
    }

    fn paging(&self) -> bool {
        self.paging
    }

    fn injected_error(&mut self, line: &str) -> String {
        let word = line.split_whitespace().next().unwrap_or_default();
        format!("{}{}", invalid(0, word), self.prompt())
    }

    fn is_error(&self, reply: &str) -> bool {
        reply.lines().any(|l| l.starts_with("% "))
    }

    fn interface_of(&self, line: &str) -> Option<String> {
        match self.mode {
            // Reads (`do show ...`) and the next `interface` line change nothing of this one.
            Mode::ConfigIf(i)
                if !matches!(line.trim(), "end" | "exit" | "")
                    && !line.starts_with("do ")
                    && !line.starts_with("interface ") =>
            {
                Some(lock(&self.shared.device).eos[i].name.clone())
            }
            _ => None,
        }
    }

    fn line(&mut self, raw: &str) -> Step {
        if self.mode == Mode::EnablePassword {
            let ok = self.shared.config.enable_secret.as_deref() == Some(raw);
            self.mode = if ok { Mode::Enable } else { Mode::User };
            return self.reply(if ok {
                String::new()
            } else {
                "% Access denied\n".into()
            });
        }
        let words: Vec<&str> = raw.split_whitespace().collect();
        match (self.mode, words.as_slice()) {
            (_, []) => self.reply(String::new()),
            (Mode::User | Mode::Enable, ["exit" | "logout"]) => Step::Close(String::new()),
            (Mode::User, ["enable"]) => {
                self.mode = if self.shared.config.enable_secret.is_some() {
                    Mode::EnablePassword
                } else {
                    Mode::Enable
                };
                self.reply(String::new())
            }
            (Mode::Enable, ["enable"]) => self.reply(String::new()),
            (Mode::Enable, ["disable"]) => {
                self.mode = Mode::User;
                self.reply(String::new())
            }
            (Mode::Enable, ["configure"] | ["configure", "terminal"]) => {
                self.mode = Mode::Config;
                self.reply(String::new())
            }
            (Mode::Config | Mode::ConfigIf(_), ["end"]) => {
                self.mode = Mode::Enable;
                self.reply(String::new())
            }
            (Mode::Config, ["exit"]) => {
                self.mode = Mode::Enable;
                self.reply(String::new())
            }
            (Mode::ConfigIf(_), ["exit"]) => {
                self.mode = Mode::Config;
                self.reply(String::new())
            }
            (Mode::Config | Mode::ConfigIf(_), ["interface", name]) => {
                let idx = find(&lock(&self.shared.device).eos, name);
                match idx {
                    Some(i) => {
                        self.mode = Mode::ConfigIf(i);
                        self.reply(String::new())
                    }
                    None => self.reply(invalid(1, name)),
                }
            }
            (Mode::Config | Mode::ConfigIf(_), ["do", rest @ ..]) => match self.exec(rest) {
                Some(out) => self.reply(out),
                None => self.reply(invalid(1, rest.first().copied().unwrap_or_default())),
            },
            (Mode::ConfigIf(idx), w) => match self.config_if(idx, w) {
                Ok(out) => self.reply(out),
                Err((t, word)) => self.reply(invalid(t, &word)),
            },
            (Mode::Config, [first, ..]) => self.reply(invalid(0, first)),
            (Mode::User, ["show", "running-config", ..]) => {
                self.reply("% Invalid input (privileged mode required)\n".into())
            }
            (Mode::User | Mode::Enable, w) => match self.exec(w) {
                Some(out) if self.mode == Mode::Enable || w.first() != Some(&"write") => {
                    self.reply(out)
                }
                _ => self.reply(invalid(0, w.first().copied().unwrap_or_default())),
            },
            (Mode::EnablePassword, _) => self.reply(String::new()),
        }
    }
}

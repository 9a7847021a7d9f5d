//! Cisco IOS emulation.
//!
//! The emulated platform is an IOS-XE Catalyst 9300 (MQC policing in both directions, so
//! `service-policy output` is accepted; classic 2960/3750 images police ingress only).
//!
//! Command families and their sources:
//! - Interface configuration: Catalyst 2960-X / 3750 command references, "switchport access
//!   vlan", "switchport mode", "switchport nonegotiate", "description", "shutdown"; every
//!   `no` form as the reference writes it.
//! - Port security: Catalyst 3750 command reference, "switchport port-security" (`[no]
//!   switchport port-security maximum <1-132>`, `[no] switchport port-security violation
//!   {protect | restrict | shutdown}`, `[no] switchport port-security mac-address
//!   {<mac> | sticky}`; a dynamic port refuses port security: "Command rejected: ... is a
//!   dynamic port"; a secure MAC beyond the maximum: "Total secure mac-addresses on interface
//!   ... has reached maximum limit").
//! - QoS (MQC): Cisco IOS Quality of Service Solutions Command Reference, "class-map",
//!   "match access-group", "policy-map", "class (policy-map)", "police" (classic
//!   `police <bps> <burst-bytes> exceed-action drop` and IOS-XE `police cir <bps> [bc
//!   <bytes>] [conform-action transmit] [exceed-action drop]`), "service-policy" (the
//!   policy-map must exist: "policy map ... not configured"); "ip access-list extended".
//! - Spanning tree and storm control lines an operator sets (Catalyst 2960-X command
//!   reference, "spanning-tree portfast", "spanning-tree bpduguard", "storm-control"), kept
//!   verbatim.

mod qos;

use std::sync::Arc;

use kurnl_core::model::PortConfig;
use kurnl_core::types::{Kbps, MacAddress, PortDescription, RateLimit, VlanId};

pub(crate) use qos::Qos;

use super::{Cli, Shared, Step, lock};

/// One emulated IOS interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IosInterface {
    /// Full name (`GigabitEthernet1/0/1`).
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `switchport mode access`.
    pub access: bool,
    /// `switchport access vlan` (None = 1).
    pub vlan: Option<u16>,
    /// `switchport nonegotiate`.
    pub nonegotiate: bool,
    /// `switchport port-security`.
    pub ps_enabled: bool,
    /// `switchport port-security maximum` (None = 1).
    pub ps_max: Option<u32>,
    /// `switchport port-security violation` (None = shutdown).
    pub ps_violation: Option<String>,
    /// Static secure MACs (dotted).
    pub ps_macs: Vec<String>,
    /// `service-policy input`.
    pub policy_in: Option<String>,
    /// `service-policy output`.
    pub policy_out: Option<String>,
    /// `shutdown`.
    pub shutdown: bool,
    /// Lines an operator configured that no driver manages (spanning tree, storm control,
    /// port-security aging), kept as typed.
    pub operator: Vec<String>,
}

/// Operator lines kept verbatim (see the module docs).
fn operator_line(words: &[&str]) -> bool {
    let num = |w: &&str| w.parse::<f32>().is_ok_and(|n| (0.0..=100.0).contains(&n));
    match words {
        ["spanning-tree", "portfast"] | ["spanning-tree", "bpduguard", "enable"] => true,
        [
            "storm-control",
            "broadcast" | "multicast" | "unicast",
            "level",
            n,
        ] => num(n),
        ["switchport", "port-security", "aging", "time", n] => {
            n.parse::<u32>().is_ok_and(|n| (1..=1440).contains(&n))
        }
        [
            "switchport",
            "port-security",
            "aging",
            "type",
            "absolute" | "inactivity",
        ] => true,
        _ => false,
    }
}

/// The key an operator line replaces (the same setting typed again replaces the old value).
fn operator_key(words: &[&str]) -> String {
    let n = match words {
        ["storm-control", ..] => 2,
        ["switchport", "port-security", "aging", ..] => 4,
        _ => words.len(),
    };
    words[..n.min(words.len())].join(" ")
}

impl IosInterface {
    pub(crate) fn captive(name: &str, vlan: u16) -> Self {
        Self {
            name: name.to_owned(),
            description: Some("CAPTIVE".into()),
            access: true,
            vlan: Some(vlan),
            nonegotiate: false,
            ps_enabled: false,
            ps_max: None,
            ps_violation: None,
            ps_macs: Vec::new(),
            policy_in: None,
            policy_out: None,
            shutdown: false,
            operator: Vec::new(),
        }
    }

    /// The interface block of `show running-config`, in IOS order (defaults hidden).
    pub fn render(&self) -> Vec<String> {
        let mut l = vec![format!("interface {}", self.name)];
        if let Some(d) = &self.description {
            l.push(format!(" description {d}"));
        }
        if let Some(v) = self.vlan.filter(|v| *v != 1) {
            l.push(format!(" switchport access vlan {v}"));
        }
        if self.access {
            l.push(" switchport mode access".into());
        }
        if self.nonegotiate {
            l.push(" switchport nonegotiate".into());
        }
        if let Some(m) = self.ps_max.filter(|m| *m != 1) {
            l.push(format!(" switchport port-security maximum {m}"));
        }
        if let Some(v) = self.ps_violation.as_ref().filter(|v| *v != "shutdown") {
            l.push(format!(" switchport port-security violation {v}"));
        }
        for m in &self.ps_macs {
            l.push(format!(" switchport port-security mac-address {m}"));
        }
        if self.ps_enabled {
            l.push(" switchport port-security".into());
        }
        for o in &self.operator {
            l.push(format!(" {o}"));
        }
        if let Some(p) = &self.policy_in {
            l.push(format!(" service-policy input {p}"));
        }
        if let Some(p) = &self.policy_out {
            l.push(format!(" service-policy output {p}"));
        }
        if self.shutdown {
            l.push(" shutdown".into());
        }
        l
    }

    /// The state as kurnl sees it (policy names must end in `-<kbps>K`).
    pub fn to_port_config(&self) -> Option<PortConfig> {
        fn rate(name: &str) -> Option<Kbps> {
            let digits = name.strip_suffix('K')?.rsplit('-').next()?;
            Kbps::new(digits.parse().ok()?).ok()
        }
        let rate = match (&self.policy_in, &self.policy_out) {
            (None, None) => None,
            (Some(i), Some(o)) => Some(RateLimit {
                up: rate(i)?,
                down: rate(o)?,
            }),
            _ => return None,
        };
        let mac = match (self.ps_enabled, self.ps_macs.as_slice()) {
            (true, [m]) => Some(MacAddress::parse(m).ok()?),
            (false, _) | (true, []) => None,
            _ => return None,
        };
        Some(PortConfig {
            vlan: VlanId::new(self.vlan.unwrap_or(1)).ok()?,
            rate,
            mac,
            enabled: !self.shutdown,
            description: match &self.description {
                Some(d) => PortDescription::parse(d).ok()?,
                None => PortDescription::captive(),
            },
        })
    }
}

/// Index of an interface by full name or IOS abbreviation (`Gi1/0/1`, case-insensitive).
pub(crate) fn find(ifaces: &[IosInterface], name: &str) -> Option<usize> {
    let split = |s: &str| -> (String, String) {
        let at = s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
        (s[..at].to_ascii_lowercase(), s[at..].to_owned())
    };
    let (kind, num) = split(name);
    if kind.is_empty() {
        return None;
    }
    ifaces.iter().position(|i| {
        let (k, n) = split(&i.name);
        n == num && k.starts_with(&kind)
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    User,
    EnablePassword,
    Enable,
    Config,
    ConfigIf(usize),
    /// `ip access-list extended NAME`.
    Acl(String),
    /// `class-map NAME`.
    ClassMap(String),
    /// `policy-map NAME`.
    PolicyMap(String),
    /// `class NAME` inside `policy-map`.
    PolicyClass(String, String),
}

pub(crate) struct IosCli {
    shared: Arc<Shared>,
    mode: Mode,
    paging: bool,
}

const INCOMPLETE: &str = "% Incomplete command.\n\n";

fn invalid(prompt_len: usize, col: usize) -> String {
    format!(
        "{}^\n% Invalid input detected at '^' marker.\n",
        " ".repeat(prompt_len + col)
    )
}

fn is_mac(m: &str) -> bool {
    m.len() == 14
        && m.split('.').count() == 3
        && m.split('.')
            .all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// Expands the abbreviations netmiko/scrapli/people type.
fn expand(line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    let full: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let w = *w;
            let options: &[&str] = match (i, words.first().copied().unwrap_or_default()) {
                (0, _) => &[
                    "configure",
                    "show",
                    "interface",
                    "terminal",
                    "write",
                    "enable",
                    "disable",
                    "exit",
                    "end",
                    "description",
                    "switchport",
                    "shutdown",
                    "no",
                    "service-policy",
                    "copy",
                    "logout",
                    "policy-map",
                    "class-map",
                    "class",
                    "police",
                    "match",
                    "spanning-tree",
                ],
                (1, first) if "configure".starts_with(first) && first.len() >= 4 => &["terminal"],
                (1, first) if "show".starts_with(first) && first.len() >= 2 => {
                    &["running-config", "version", "interfaces"]
                }
                (1, first) if "write".starts_with(first) && first.len() >= 2 => &["memory"],
                (1, first) if "terminal".starts_with(first) && first.len() >= 3 => {
                    &["length", "width"]
                }
                (2, _)
                    if words
                        .get(1)
                        .is_some_and(|s| "running-config".starts_with(s) && s.len() >= 3) =>
                {
                    &["interface"]
                }
                _ => &[],
            };
            let hits: Vec<&&str> = options
                .iter()
                .filter(|o| o.starts_with(w) && w.len() >= 2)
                .collect();
            match hits.as_slice() {
                [one] => (**one).to_owned(),
                _ => match w {
                    "int" => "interface".to_owned(),
                    "t" if i == 1 => "terminal".to_owned(),
                    "run" => "running-config".to_owned(),
                    _ => w.to_owned(),
                },
            }
        })
        .collect();
    full.join(" ")
}

impl IosCli {
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
            Mode::ConfigIf(_) => format!("{h}(config-if)#"),
            Mode::Acl(_) => format!("{h}(config-ext-nacl)#"),
            Mode::ClassMap(_) => format!("{h}(config-cmap)#"),
            Mode::PolicyMap(_) => format!("{h}(config-pmap)#"),
            Mode::PolicyClass(..) => format!("{h}(config-pmap-c)#"),
        }
    }

    fn reply(&self, body: String) -> Step {
        Step::Reply(format!("{body}{}", self.prompt()))
    }

    fn exec(&mut self, line: &str) -> Option<String> {
        // Output modifiers (IOS Configuration Fundamentals Command Reference, "show
        // (output modifiers)": `| include`, `| exclude`, `| begin`, `| section`).
        let (command, filter) = match line.split_once(" | ") {
            Some((c, f)) => (c.trim(), Some(f.trim())),
            None => (line, None),
        };
        let out = self.exec_plain(command)?;
        let Some(filter) = filter else {
            return Some(out);
        };
        let (kind, pattern) = filter.split_once(' ').unwrap_or((filter, ""));
        let re = regex::Regex::new(pattern.trim()).ok()?;
        let lines: Vec<&str> = out.lines().collect();
        let kept: Vec<&str> = match kind {
            "include" | "i" | "inc" => lines.into_iter().filter(|l| re.is_match(l)).collect(),
            "exclude" | "e" | "exc" => lines.into_iter().filter(|l| !re.is_match(l)).collect(),
            "begin" | "b" => lines.into_iter().skip_while(|l| !re.is_match(l)).collect(),
            "section" | "s" => {
                let mut kept = Vec::new();
                let mut inside = false;
                for l in lines {
                    if !l.starts_with(' ') {
                        inside = re.is_match(l);
                    }
                    if inside || (l.starts_with(' ') && re.is_match(l)) {
                        kept.push(l);
                    }
                }
                kept
            }
            _ => return None,
        };
        let mut text = kept.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        Some(text)
    }

    fn exec_plain(&mut self, line: &str) -> Option<String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["terminal", "length", n] if n.parse::<u32>().is_ok() => {
                self.paging = *n != "0";
                Some(String::new())
            }
            ["terminal", "width", n] if n.parse::<u32>().is_ok() => Some(String::new()),
            ["show", "version"] => Some(format!(
                "Cisco IOS XE Software, Version 17.09.04a\nCisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.9.4a, RELEASE SOFTWARE (fc3)\n{} uptime is 1 week\n",
                self.shared.config.hostname
            )),
            ["show", "running-config", "interface", name] => {
                let dev = lock(&self.shared.device);
                find(&dev.ios, name).map(|i| {
                    let body = dev.ios[i].render().join("\n");
                    format!("Building configuration...\n\nCurrent configuration : {} bytes\n!\n{body}\nend\n\n", body.len() + 5)
                })
            }
            ["show", "running-config"] => {
                let dev = lock(&self.shared.device);
                let mut out = format!(
                    "Building configuration...\n\nCurrent configuration : 4096 bytes\n!\nhostname {}\n!\n",
                    self.shared.config.hostname
                );
                for l in dev.ios_qos.render() {
                    out.push_str(&l);
                    out.push('\n');
                }
                for i in &dev.ios {
                    out.push_str(&i.render().join("\n"));
                    out.push_str("\n!\n");
                }
                out.push_str("end\n\n");
                Some(out)
            }
            // QoS Command Reference, "show policy-map": the named (or every) policy-map.
            ["show", "policy-map", name @ ..] if name.len() <= 1 => {
                let dev = lock(&self.shared.device);
                let mut out = String::new();
                for (pname, classes) in &dev.ios_qos.policy_maps {
                    if name.first().is_some_and(|n| n != pname) {
                        continue;
                    }
                    out.push_str(&format!("  Policy Map {pname}\n"));
                    for (class, actions) in classes {
                        out.push_str(&format!("    Class {class}\n"));
                        for a in actions {
                            out.push_str(&format!("      {a}\n"));
                        }
                    }
                }
                Some(out)
            }
            ["write", "memory"] | ["write"] => {
                lock(&self.shared.device).saved = true;
                Some("Building configuration...\n[OK]\n".into())
            }
            _ => None,
        }
    }

    fn config_if(&mut self, idx: usize, line: &str) -> Result<String, usize> {
        let mut dev = lock(&self.shared.device);
        let dev = &mut *dev;
        let short = {
            let n = &dev.ios[idx].name;
            let at = n.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
            format!("{}{}", &n[..2.min(at)], &n[at..])
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        let mut note = String::new();
        let known_vlans = &mut dev.ios_vlans;
        let policies = &dev.ios_qos.policy_maps;
        let i = &mut dev.ios[idx];
        let at = |w: &str| line.find(w).unwrap_or(0);
        let max_secure = |i: &IosInterface| i.ps_max.unwrap_or(1) as usize;
        match words.as_slice() {
            ["description", d @ ..] if !d.is_empty() => i.description = Some(d.join(" ")),
            ["no", "description", ..] => i.description = None,
            ["switchport", "mode", "access"] => i.access = true,
            ["no", "switchport", "mode", ..] => i.access = false,
            ["switchport", "access", "vlan", v] => match v.parse::<u16>() {
                Ok(v) if (1..=4094).contains(&v) => {
                    if known_vlans.insert(v) {
                        note = format!("% Access VLAN does not exist. Creating vlan {v}\n");
                    }
                    i.vlan = Some(v);
                }
                _ => return Err(at(v)),
            },
            ["no", "switchport", "access", "vlan"] => i.vlan = None,
            ["no", "switchport", "access", "vlan", v] => match v.parse::<u16>() {
                Ok(v) if (1..=4094).contains(&v) => i.vlan = None,
                _ => return Err(at(v)),
            },
            ["switchport", "nonegotiate"] => i.nonegotiate = true,
            ["no", "switchport", "nonegotiate"] => i.nonegotiate = false,
            ["switchport", "port-security"] => {
                if !i.access {
                    return Ok(format!("Command rejected: {short} is a dynamic port.\n"));
                }
                i.ps_enabled = true;
            }
            ["no", "switchport", "port-security"] => i.ps_enabled = false,
            ["switchport", "port-security", "maximum", n] => match n.parse::<u32>() {
                Ok(n) if (1..=132).contains(&n) => {
                    if (n as usize) < i.ps_macs.len() {
                        return Ok(format!(
                            "Total secure mac-addresses on interface {} has reached maximum limit.\n",
                            i.name
                        ));
                    }
                    i.ps_max = Some(n)
                }
                _ => return Err(at(n)),
            },
            // The reference writes the value: `no switchport port-security maximum value`.
            ["no", "switchport", "port-security", "maximum", n] => match n.parse::<u32>() {
                Ok(n) if (1..=132).contains(&n) => i.ps_max = None,
                _ => return Err(at(n)),
            },
            [
                "switchport",
                "port-security",
                "violation",
                v @ ("restrict" | "protect" | "shutdown"),
            ] => i.ps_violation = Some((*v).to_owned()),
            // `no switchport port-security violation {protect | restrict | shutdown}`.
            [
                "no",
                "switchport",
                "port-security",
                "violation",
                "restrict" | "protect" | "shutdown",
            ] => i.ps_violation = None,
            ["switchport", "port-security", "mac-address", "sticky"]
            | ["no", "switchport", "port-security", "mac-address", "sticky"] => {
                let line = "switchport port-security mac-address sticky".to_owned();
                i.operator.retain(|o| *o != line);
                if words[0] != "no" {
                    i.operator.push(line);
                }
            }
            ["switchport", "port-security", "mac-address", m] if is_mac(m) => {
                let m = m.to_ascii_lowercase();
                if !i.ps_macs.contains(&m) {
                    if i.ps_macs.len() >= max_secure(i) {
                        return Ok(format!(
                            "Total secure mac-addresses on interface {} has reached maximum limit.\n",
                            i.name
                        ));
                    }
                    i.ps_macs.push(m);
                }
            }
            ["no", "switchport", "port-security", "mac-address", m] if is_mac(m) => {
                let m = m.to_ascii_lowercase();
                i.ps_macs.retain(|x| *x != m);
            }
            ["service-policy", dir @ ("input" | "output"), p] if is_name(p) => {
                if !policies.contains_key(*p) {
                    return Ok(format!("policy map {p} not configured\n"));
                }
                let slot = if *dir == "input" {
                    &mut i.policy_in
                } else {
                    &mut i.policy_out
                };
                if slot.as_ref().is_some_and(|old| old != p) {
                    return Ok(format!(
                        "% Service policy {} is already attached\n",
                        slot.as_deref().unwrap_or_default()
                    ));
                }
                *slot = Some((*p).to_owned());
            }
            ["no", "service-policy", dir @ ("input" | "output"), p] => {
                let slot = if *dir == "input" {
                    &mut i.policy_in
                } else {
                    &mut i.policy_out
                };
                if slot.as_deref() != Some(*p) {
                    return Ok(format!("policy map {p} not configured\n"));
                }
                *slot = None;
            }
            ["shutdown"] => i.shutdown = true,
            ["no", "shutdown"] => i.shutdown = false,
            w if operator_line(w) => {
                let key = operator_key(w);
                i.operator.retain(|o| !o.starts_with(&key));
                i.operator.push(w.join(" "));
            }
            ["no", rest @ ..]
                if operator_line(rest)
                    || rest.len() >= 2
                        && i.operator.iter().any(|o| o.starts_with(&rest.join(" "))) =>
            {
                let key = if operator_line(rest) {
                    operator_key(rest)
                } else {
                    rest.join(" ")
                };
                i.operator.retain(|o| !o.starts_with(&key));
            }
            // A `no` form without the argument the reference requires.
            [
                "no",
                "switchport",
                "port-security",
                "maximum" | "violation" | "mac-address",
            ]
            | ["no", "service-policy", "input" | "output"]
            | ["no", "service-policy"] => return Ok(INCOMPLETE.to_owned()),
            [] => {}
            [first, ..] => {
                let col = if [
                    "description",
                    "switchport",
                    "service-policy",
                    "shutdown",
                    "no",
                ]
                .contains(first)
                {
                    line.find(words.get(1).copied().unwrap_or(first))
                        .unwrap_or(0)
                } else {
                    0
                };
                return Err(col);
            }
        }
        dev.saved = false;
        Ok(note)
    }
}

impl Cli for IosCli {
    fn greeting(&mut self) -> String {
        let banner = self
            .shared
            .config
            .banner
            .clone()
            .map(|b| format!("{b}\n\n"))
            .unwrap_or_default();
        format!("{banner}{}", self.prompt())
    }

    fn more_marker(&self) -> &'static str {
        " --More-- "
    }

    fn paging(&self) -> bool {
        self.paging
    }

    fn injected_error(&mut self, _line: &str) -> String {
        format!("{}{}", invalid(self.prompt().len(), 0), self.prompt())
    }

    fn interface_of(&self, line: &str) -> Option<String> {
        match self.mode {
            // Reads (`do show ...`) and the next `interface` line change nothing of this one.
            Mode::ConfigIf(i)
                if !matches!(line.trim(), "end" | "exit" | "")
                    && !line.starts_with("do ")
                    && !line.starts_with("interface ") =>
            {
                Some(lock(&self.shared.device).ios[i].name.clone())
            }
            _ => None,
        }
    }

    fn is_error(&self, reply: &str) -> bool {
        reply.lines().any(|l| {
            (l.starts_with('%') && !l.starts_with("% Access VLAN does not exist"))
                || l.starts_with("Command rejected")
                || l.starts_with("Total secure mac-addresses")
                || l.contains("not configured")
                || l.contains("is being used")
        })
    }

    fn line(&mut self, raw: &str) -> Step {
        if self.mode == Mode::EnablePassword {
            let ok = self.shared.config.enable_secret.as_deref() == Some(raw);
            self.mode = if ok { Mode::Enable } else { Mode::User };
            return self.reply(if ok {
                String::new()
            } else {
                "% Access denied\n\n".into()
            });
        }
        let line = expand(raw.trim());
        let plen = self.prompt().len();
        if line.is_empty() {
            return self.reply(String::new());
        }
        let first = line.split_whitespace().next().unwrap_or_default();
        let configuring = !matches!(self.mode, Mode::User | Mode::Enable | Mode::EnablePassword);
        match (&self.mode, line.as_str()) {
            (Mode::User | Mode::Enable, "exit" | "logout") => return Step::Close(String::new()),
            (Mode::User, "enable") => {
                self.mode = if self.shared.config.enable_secret.is_some() {
                    Mode::EnablePassword
                } else {
                    Mode::Enable
                };
                return self.reply(String::new());
            }
            (Mode::Enable, "enable") => return self.reply(String::new()),
            (Mode::Enable, "disable") => {
                self.mode = Mode::User;
                return self.reply(String::new());
            }
            (Mode::Enable, "configure terminal") => {
                self.mode = Mode::Config;
                return self.reply(
                    "Enter configuration commands, one per line.  End with CNTL/Z.\n".into(),
                );
            }
            (Mode::Enable, "copy running-config startup-config") => {
                lock(&self.shared.device).saved = true;
                return Step::Reply("Destination filename [startup-config]? ".into());
            }
            (_, "end") if configuring => {
                self.mode = Mode::Enable;
                return self.reply(String::new());
            }
            (Mode::Config, "exit") => {
                self.mode = Mode::Enable;
                return self.reply(String::new());
            }
            (Mode::PolicyClass(pm, _), "exit") => {
                self.mode = Mode::PolicyMap(pm.clone());
                return self.reply(String::new());
            }
            (_, "exit") if configuring => {
                self.mode = Mode::Config;
                return self.reply(String::new());
            }
            _ => {}
        }
        // The answer to "Destination filename [startup-config]?" arrives as an empty line above.
        match self.mode.clone() {
            Mode::User => {
                if first == "show" && line.contains("running-config") {
                    return self.reply(invalid(plen, line.find("running").unwrap_or(0)));
                }
                match self.exec(&line) {
                    Some(out) if !line.starts_with("write") => self.reply(out),
                    _ => self.reply(invalid(plen, 0)),
                }
            }
            Mode::Enable => match self.exec(&line) {
                Some(out) => self.reply(out),
                None if first == "show" && line.contains("interface") => {
                    self.reply(invalid(plen, line.rfind(' ').map(|p| p + 1).unwrap_or(0)))
                }
                None => self.reply(invalid(plen, 0)),
            },
            Mode::EnablePassword => self.reply(String::new()),
            mode => {
                if let Some(rest) = line.strip_prefix("do ") {
                    let rest = expand(rest);
                    return match self.exec(&rest) {
                        Some(out) => self.reply(out),
                        None => self.reply(invalid(plen, 3)),
                    };
                }
                let words: Vec<&str> = line.split_whitespace().collect();
                if let ["interface", name] = words.as_slice() {
                    let idx = find(&lock(&self.shared.device).ios, name);
                    return match idx {
                        Some(i) => {
                            self.mode = Mode::ConfigIf(i);
                            self.reply(String::new())
                        }
                        None => self.reply(invalid(plen, line.find(name).unwrap_or(0))),
                    };
                }
                // Global object definitions are accepted from any configuration submode,
                // as IOS does (the line leaves the submode).
                if let Some(result) = self.config_global(&words) {
                    return match result {
                        Ok(note) => self.reply(note),
                        Err(col) => self.reply(invalid(plen, col)),
                    };
                }
                let result = match mode {
                    Mode::ConfigIf(idx) => self.config_if(idx, &line),
                    Mode::Acl(_)
                    | Mode::ClassMap(_)
                    | Mode::PolicyMap(_)
                    | Mode::PolicyClass(..) => self.config_qos(&words),
                    _ => Err(0),
                };
                match result {
                    Ok(note) => self.reply(note),
                    Err(col) => self.reply(invalid(plen, col)),
                }
            }
        }
    }
}

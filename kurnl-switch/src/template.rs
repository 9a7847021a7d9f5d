//! Command templates as data, and the vendor port models the drivers diff.
//!
//! Every value rendered into a CLI line comes from a validated kurnl type (VLAN, rates as
//! integers, canonical MAC, inventory interface name, single-token description) or from a
//! template that [`IosTemplates::validate`] / [`JunosTemplates::validate`] restricted to one
//! token of `[A-Za-z0-9_.-]` plus the `{kbps}` placeholder.

use std::collections::{BTreeSet, HashMap};

use kurnl_core::model::PortConfig;
use kurnl_core::ports::{DriverError, DriverErrorKind};
use kurnl_core::types::{Kbps, MacAddress, PortDescription, RateLimit, VlanId};
use regex::Regex;

fn check_name_template(what: &str, template: &str) -> Result<(), DriverError> {
    let rest = template.replace("{kbps}", "");
    let ok = !template.is_empty()
        && template.len() <= 48
        && template.contains("{kbps}")
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(DriverError::permanent(
            DriverErrorKind::Configuration,
            format!(
                "template {what} must be one token of [A-Za-z0-9_.-] containing {{kbps}}, got {template:?}"
            ),
        ))
    }
}

fn check_word(what: &str, word: &str) -> Result<(), DriverError> {
    if !word.is_empty()
        && word.len() <= 32
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(())
    } else {
        Err(DriverError::permanent(
            DriverErrorKind::Configuration,
            format!("template {what} must be one word, got {word:?}"),
        ))
    }
}

/// Turns a `...{kbps}...` template into a regex that reads the rate back.
fn inverse(template: &str) -> Option<Regex> {
    let (a, b) = template.split_once("{kbps}")?;
    Regex::new(&format!(
        "^{}([0-9]{{1,9}}){}$",
        regex::escape(a),
        regex::escape(b)
    ))
    .ok()
}

fn read_rate(template: &str, name: &str) -> Option<Kbps> {
    let caps = inverse(template)?.captures(name)?;
    Kbps::new(caps.get(1)?.as_str().parse().ok()?).ok()
}

fn protocol(msg: impl Into<String>) -> DriverError {
    DriverError::transient(DriverErrorKind::Protocol, msg)
}

// ----------------------------------------------------------------------------------------
// IOS

/// What the IOS driver renders. Rate tiers are global `policy-map`s the operator defines once
/// (e.g. `policy-map SUB-UP-50000K` / `class class-default` / `police cir 50000000 ...`);
/// ports reference them by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IosTemplates {
    /// Ingress (upload) policy name, `{kbps}` = upload rate in kbit/s.
    pub policy_in: String,
    /// Egress (download) policy name, `{kbps}` = download rate in kbit/s.
    pub policy_out: String,
    /// `switchport port-security violation <this>`: `restrict`, `protect` or `shutdown`.
    pub violation: String,
    /// Run `write memory` after a batch that changed something.
    pub write_memory: bool,
}

impl Default for IosTemplates {
    fn default() -> Self {
        Self {
            policy_in: "SUB-UP-{kbps}K".into(),
            policy_out: "SUB-DOWN-{kbps}K".into(),
            violation: "restrict".into(),
            write_memory: true,
        }
    }
}

impl IosTemplates {
    /// Checks that every template renders to a single safe token.
    ///
    /// # Errors
    /// A permanent `Configuration` error.
    pub fn validate(&self) -> Result<(), DriverError> {
        check_name_template("policy_in", &self.policy_in)?;
        check_name_template("policy_out", &self.policy_out)?;
        if !["restrict", "protect", "shutdown"].contains(&self.violation.as_str()) {
            return Err(DriverError::permanent(
                DriverErrorKind::Configuration,
                "violation must be restrict, protect or shutdown",
            ));
        }
        Ok(())
    }

    /// The managed part of an IOS interface for a desired state.
    pub fn desired(&self, desired: &PortConfig) -> IosPort {
        IosPort {
            description: Some(desired.description.as_str().to_owned()),
            access: true,
            vlan: Some(desired.vlan.get()),
            ps_enabled: desired.mac.is_some(),
            ps_max: None, // 1 is the IOS default and not shown in the running config
            ps_violation: desired.mac.map(|_| self.violation.clone()),
            ps_macs: desired.mac.iter().map(MacAddress::to_cisco).collect(),
            policy_in: desired
                .rate
                .map(|r| self.policy_in.replace("{kbps}", &r.up.get().to_string())),
            policy_out: desired
                .rate
                .map(|r| self.policy_out.replace("{kbps}", &r.down.get().to_string())),
            shutdown: !desired.enabled,
        }
    }

    /// The global policy-maps a desired rate references, as `(name, definition lines)`:
    /// `policy-map NAME` / `class class-default` / `police cir <bit/s> conform-action
    /// transmit exceed-action drop` (Cisco IOS QoS Command Reference, "police"), for the
    /// upload and the download tier. Deterministic names, so defining one twice is a no-op.
    pub fn policy_definitions(&self, rate: &RateLimit) -> Vec<(String, Vec<String>)> {
        [
            (&self.policy_in, rate.up.get()),
            (&self.policy_out, rate.down.get()),
        ]
        .into_iter()
        .map(|(template, kbps)| {
            let name = template.replace("{kbps}", &kbps.to_string());
            let lines = vec![
                format!("policy-map {name}"),
                "class class-default".to_owned(),
                format!(
                    "police cir {} conform-action transmit exceed-action drop",
                    u64::from(kbps) * 1000
                ),
                "exit".to_owned(),
                "exit".to_owned(),
            ];
            (name, lines)
        })
        .collect()
    }

    /// Reads a parsed interface back into a [`PortConfig`].
    ///
    /// # Errors
    /// `Protocol` when the interface holds something kurnl cannot express (one policy only,
    /// an unknown policy name, several MACs).
    pub fn to_port_config(&self, port: &IosPort) -> Result<PortConfig, DriverError> {
        let vlan = VlanId::new(port.vlan.unwrap_or(1)).map_err(|e| protocol(e.to_string()))?;
        let rate = match (&port.policy_in, &port.policy_out) {
            (None, None) => None,
            (Some(i), Some(o)) => {
                let up = read_rate(&self.policy_in, i)
                    .ok_or_else(|| protocol(format!("unknown input policy {i:?}")))?;
                let down = read_rate(&self.policy_out, o)
                    .ok_or_else(|| protocol(format!("unknown output policy {o:?}")))?;
                Some(RateLimit { down, up })
            }
            _ => return Err(protocol("only one direction has a service policy")),
        };
        let mac = if port.ps_enabled {
            match port.ps_macs.as_slice() {
                [one] => Some(MacAddress::parse(one).map_err(|e| protocol(e.to_string()))?),
                [] => None,
                _ => return Err(protocol("several secure MAC addresses")),
            }
        } else {
            None
        };
        let description = match &port.description {
            Some(d) => PortDescription::parse(d).map_err(|e| protocol(e.to_string()))?,
            None => PortDescription::captive(),
        };
        Ok(PortConfig {
            vlan,
            rate,
            mac,
            enabled: !port.shutdown,
            description,
        })
    }
}

/// The kurnl-managed part of an IOS interface's running config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IosPort {
    /// `description`.
    pub description: Option<String>,
    /// `switchport mode access`.
    pub access: bool,
    /// `switchport access vlan`.
    pub vlan: Option<u16>,
    /// `switchport port-security`.
    pub ps_enabled: bool,
    /// `switchport port-security maximum`.
    pub ps_max: Option<u32>,
    /// `switchport port-security violation`.
    pub ps_violation: Option<String>,
    /// `switchport port-security mac-address` (Cisco dotted form).
    pub ps_macs: Vec<String>,
    /// `service-policy input`.
    pub policy_in: Option<String>,
    /// `service-policy output`.
    pub policy_out: Option<String>,
    /// `shutdown`.
    pub shutdown: bool,
}

impl IosPort {
    /// Parses `show running-config interface X` output.
    pub fn parse(lines: &[String]) -> Self {
        let mut p = Self::default();
        for line in lines {
            let l = line.trim();
            let w: Vec<&str> = l.split_whitespace().collect();
            match w.as_slice() {
                ["description", rest @ ..] if !rest.is_empty() => {
                    p.description = Some(rest.join(" "))
                }
                ["switchport", "mode", "access"] => p.access = true,
                ["switchport", "access", "vlan", n] => p.vlan = n.parse().ok(),
                ["switchport", "port-security"] => p.ps_enabled = true,
                ["switchport", "port-security", "maximum", n] => p.ps_max = n.parse().ok(),
                ["switchport", "port-security", "violation", v] => {
                    p.ps_violation = Some((*v).to_owned())
                }
                ["switchport", "port-security", "mac-address", "sticky", m]
                | ["switchport", "port-security", "mac-address", m] => {
                    p.ps_macs.push((*m).to_owned())
                }
                ["service-policy", "input", n] => p.policy_in = Some((*n).to_owned()),
                ["service-policy", "output", n] => p.policy_out = Some((*n).to_owned()),
                ["shutdown"] => p.shutdown = true,
                _ => {}
            }
        }
        p
    }

    /// Interface-mode lines that turn `self` into `to` (empty when equal).
    pub fn diff(&self, to: &IosPort) -> Vec<String> {
        let mut out = Vec::new();
        if self.description != to.description {
            match &to.description {
                Some(d) => out.push(format!("description {d}")),
                None => out.push("no description".into()),
            }
        }
        if to.access && !self.access {
            out.push("switchport mode access".into());
        }
        if self.vlan != to.vlan {
            match to.vlan {
                Some(v) => out.push(format!("switchport access vlan {v}")),
                None => out.push("no switchport access vlan".into()),
            }
        }
        // Port security: disable first when it goes away, enable last when it comes.
        if self.ps_enabled && !to.ps_enabled {
            out.push("no switchport port-security".into());
        }
        for m in self.ps_macs.iter().filter(|m| !to.ps_macs.contains(m)) {
            out.push(format!("no switchport port-security mac-address {m}"));
        }
        if self.ps_max != to.ps_max {
            match to.ps_max {
                Some(n) => out.push(format!("switchport port-security maximum {n}")),
                // Cisco reference: `no switchport port-security maximum <value>`.
                None => {
                    if let Some(old) = self.ps_max {
                        out.push(format!("no switchport port-security maximum {old}"))
                    }
                }
            }
        }
        if self.ps_violation != to.ps_violation {
            match &to.ps_violation {
                Some(v) => out.push(format!("switchport port-security violation {v}")),
                // Cisco reference: `no switchport port-security violation {protect |
                // restrict | shutdown}`, with the configured mode.
                None => {
                    if let Some(old) = &self.ps_violation {
                        out.push(format!("no switchport port-security violation {old}"))
                    }
                }
            }
        }
        for m in to.ps_macs.iter().filter(|m| !self.ps_macs.contains(m)) {
            out.push(format!("switchport port-security mac-address {m}"));
        }
        if to.ps_enabled && !self.ps_enabled {
            out.push("switchport port-security".into());
        }
        for (dir, from, to) in [
            ("input", &self.policy_in, &to.policy_in),
            ("output", &self.policy_out, &to.policy_out),
        ] {
            if from != to {
                if let Some(old) = from {
                    out.push(format!("no service-policy {dir} {old}"));
                }
                if let Some(new) = to {
                    out.push(format!("service-policy {dir} {new}"));
                }
            }
        }
        if self.shutdown != to.shutdown {
            out.push(if to.shutdown {
                "shutdown".into()
            } else {
                "no shutdown".into()
            });
        }
        out
    }
}

// ----------------------------------------------------------------------------------------
// Junos

/// What the Junos (ELS) driver renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JunosTemplates {
    /// Name of a VLAN created for an id that has no VLAN yet; `{kbps}` is not used here,
    /// `{vlan}` is the id.
    pub vlan_name: String,
    /// Ingress filter (family ethernet-switching) per upload tier, `{kbps}` = kbit/s. The
    /// operator defines the filters and policers once.
    pub filter_input: String,
    /// `interface-mac-limit packet-action <this>`.
    pub packet_action: String,
    /// Use `commit confirmed <minutes>` followed by a confirming `commit`.
    pub commit_confirmed_minutes: Option<u8>,
    /// Run `commit check` before committing (one more round trip per batch; `commit` checks
    /// too, but a failed `commit check` never starts a commit).
    pub commit_check: bool,
}

impl Default for JunosTemplates {
    fn default() -> Self {
        Self {
            vlan_name: "v{vlan}".into(),
            filter_input: "SUB-UP-{kbps}K".into(),
            packet_action: "drop".into(),
            commit_confirmed_minutes: None,
            commit_check: true,
        }
    }
}

impl JunosTemplates {
    /// Checks that every template renders to a single safe token.
    ///
    /// # Errors
    /// A permanent `Configuration` error.
    pub fn validate(&self) -> Result<(), DriverError> {
        check_name_template("filter_input", &self.filter_input)?;
        check_name_template("vlan_name", &self.vlan_name.replace("{vlan}", "{kbps}"))?;
        check_word("packet_action", &self.packet_action)?;
        if self.commit_confirmed_minutes == Some(0) {
            return Err(DriverError::permanent(
                DriverErrorKind::Configuration,
                "commit confirmed needs at least 1 minute",
            ));
        }
        Ok(())
    }

    /// The managed state of a Junos port for a desired config; `vlans` are the existing VLANs
    /// (name -> id) so an existing VLAN with that id is reused.
    pub fn desired(&self, desired: &PortConfig, vlans: &HashMap<String, u16>) -> JunosPort {
        let id = desired.vlan.get();
        let mut names: Vec<&String> = vlans
            .iter()
            .filter(|(_, v)| **v == id)
            .map(|(n, _)| n)
            .collect();
        names.sort();
        let vlan_name = names
            .first()
            .map(|n| (*n).clone())
            .unwrap_or_else(|| self.vlan_name.replace("{vlan}", &id.to_string()));
        let mut all = vlans.clone();
        all.insert(vlan_name.clone(), id);
        JunosPort {
            description: Some(desired.description.as_str().to_owned()),
            disabled: !desired.enabled,
            access: true,
            members: vec![vlan_name.clone()],
            filter_input: desired
                .rate
                .map(|r| self.filter_input.replace("{kbps}", &r.up.get().to_string())),
            shaping_kbps: desired.rate.map(|r| r.down.get()),
            mac_limit: desired.mac.map(|_| 1),
            packet_action: desired.mac.map(|_| self.packet_action.clone()),
            static_macs: desired
                .mac
                .iter()
                .map(|m| (vlan_name.clone(), m.to_string()))
                .collect(),
            vlans: all,
            filters: BTreeSet::new(),
        }
    }

    /// The statements that define the ingress filter a desired rate references: a policer
    /// of the same name (`if-exceeding bandwidth-limit <kbps>k burst-size-limit <bytes>`,
    /// `then discard`; Junos "policer (Firewall)", both limits mandatory) and an
    /// ethernet-switching filter whose one term polices with it. `None` without a rate.
    /// Deterministic names: setting them again changes nothing.
    pub fn filter_definitions(&self, desired: &PortConfig) -> Option<(String, Vec<String>)> {
        let rate = desired.rate?;
        let kbps = rate.up.get();
        let name = self.filter_input.replace("{kbps}", &kbps.to_string());
        // Burst: 10 ms at the rate, at least 15000 bytes (10 full-size frames).
        let burst = (u64::from(kbps) * 1000 / 8 / 100).max(15_000);
        let lines = vec![
            format!("set firewall policer {name} if-exceeding bandwidth-limit {kbps}k"),
            format!("set firewall policer {name} if-exceeding burst-size-limit {burst}"),
            format!("set firewall policer {name} then discard"),
            format!(
                "set firewall family ethernet-switching filter {name} term {name} then policer {name}"
            ),
        ];
        Some((name, lines))
    }

    /// Reads a parsed port back into a [`PortConfig`].
    ///
    /// # Errors
    /// `Protocol` for states kurnl cannot express.
    pub fn to_port_config(&self, port: &JunosPort) -> Result<PortConfig, DriverError> {
        let vlan = match port.members.as_slice() {
            [] => 1,
            [name] => *port
                .vlans
                .get(name)
                .ok_or_else(|| protocol(format!("vlan {name:?} has no vlan-id")))?,
            _ => return Err(protocol("several vlan members on an access port")),
        };
        let vlan = VlanId::new(vlan).map_err(|e| protocol(e.to_string()))?;
        let rate = match (&port.filter_input, port.shaping_kbps) {
            (None, None) => None,
            (Some(f), Some(down)) => {
                let up = read_rate(&self.filter_input, f)
                    .ok_or_else(|| protocol(format!("unknown input filter {f:?}")))?;
                let down = Kbps::new(down).map_err(|e| protocol(e.to_string()))?;
                Some(RateLimit { down, up })
            }
            _ => return Err(protocol("only one direction is limited")),
        };
        let mac = match (port.mac_limit, port.static_macs.as_slice()) {
            (_, []) => None,
            (_, [(_, m)]) => Some(MacAddress::parse(m).map_err(|e| protocol(e.to_string()))?),
            _ => return Err(protocol("several static MAC addresses")),
        };
        let description = match &port.description {
            Some(d) => PortDescription::parse(d).map_err(|e| protocol(e.to_string()))?,
            None => PortDescription::captive(),
        };
        Ok(PortConfig {
            vlan,
            rate,
            mac,
            enabled: !port.disabled,
            description,
        })
    }
}

/// The kurnl-managed part of a Junos port, from `display set` lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JunosPort {
    /// `interfaces X description`.
    pub description: Option<String>,
    /// `interfaces X disable`.
    pub disabled: bool,
    /// `... interface-mode access`.
    pub access: bool,
    /// `... vlan members` (VLAN names).
    pub members: Vec<String>,
    /// `... filter input`.
    pub filter_input: Option<String>,
    /// `class-of-service interfaces X shaping-rate` in kbit/s.
    pub shaping_kbps: Option<u32>,
    /// `switch-options interface X.0 interface-mac-limit`.
    pub mac_limit: Option<u32>,
    /// `... interface-mac-limit packet-action`.
    pub packet_action: Option<String>,
    /// `vlans V switch-options interface X.0 static-mac M`: (V, M).
    pub static_macs: Vec<(String, String)>,
    /// All VLANs (name -> id), from `vlans V vlan-id N`.
    pub vlans: HashMap<String, u16>,
    /// Defined ethernet-switching firewall filters (`firewall family ethernet-switching
    /// filter F ...`), so a referenced filter is created only when missing.
    pub filters: BTreeSet<String>,
}

fn parse_shaping(v: &str) -> Option<u32> {
    let v = v.to_ascii_lowercase();
    if let Some(k) = v.strip_suffix('k') {
        k.parse().ok()
    } else if let Some(m) = v.strip_suffix('m') {
        m.parse::<u32>().ok().and_then(|m| m.checked_mul(1000))
    } else if let Some(g) = v.strip_suffix('g') {
        g.parse::<u32>().ok().and_then(|g| g.checked_mul(1_000_000))
    } else {
        v.parse::<u32>().ok().map(|b| b / 1000)
    }
}

impl JunosPort {
    /// The `match` expression that selects every line [`JunosPort::parse`] needs.
    pub fn match_expr(interface: &str) -> String {
        Self::match_expr_for(&[interface])
    }

    /// The `match` expression that selects every line [`JunosPort::parse`] needs for each of
    /// `interfaces`.
    pub fn match_expr_for(interfaces: &[&str]) -> String {
        let mut expr = String::new();
        for interface in interfaces {
            expr.push_str(interface);
            expr.push_str("[ .]|");
        }
        expr.push_str("vlan-id|^set firewall family ethernet-switching filter ");
        expr
    }

    /// Parses `display set` lines (other interfaces' lines are ignored).
    pub fn parse(interface: &str, lines: &[String]) -> Self {
        let mut p = Self::default();
        let unit = format!("{interface}.0");
        for line in lines {
            // Most lines of a whole-configuration snapshot are other interfaces': skip them
            // before splitting (a batch parses the snapshot once per port).
            if !line.contains(interface)
                && !line.contains("vlan-id")
                && !line.starts_with("set firewall ")
            {
                continue;
            }
            let w: Vec<&str> = line.split_whitespace().collect();
            let Some(("set", w)) = w.split_first().map(|(a, b)| (*a, b)) else {
                continue;
            };
            match w {
                ["firewall", "family", "ethernet-switching", "filter", f, ..] => {
                    p.filters.insert((*f).to_owned());
                }
                ["vlans", name, "vlan-id", id] => {
                    if let Ok(id) = id.parse() {
                        p.vlans.insert((*name).to_owned(), id);
                    }
                }
                [
                    "vlans",
                    name,
                    "switch-options",
                    "interface",
                    i,
                    "static-mac",
                    m,
                ] if *i == unit => p.static_macs.push(((*name).to_owned(), (*m).to_owned())),
                ["interfaces", i, rest @ ..] if *i == interface => match rest {
                    ["description", d @ ..] if !d.is_empty() => p.description = Some(d.join(" ")),
                    ["disable"] => p.disabled = true,
                    [
                        "unit",
                        "0",
                        "family",
                        "ethernet-switching",
                        "interface-mode",
                        "access",
                    ] => p.access = true,
                    [
                        "unit",
                        "0",
                        "family",
                        "ethernet-switching",
                        "vlan",
                        "members",
                        m,
                    ] => p.members.push((*m).to_owned()),
                    [
                        "unit",
                        "0",
                        "family",
                        "ethernet-switching",
                        "filter",
                        "input",
                        f,
                    ] => p.filter_input = Some((*f).to_owned()),
                    _ => {}
                },
                ["class-of-service", "interfaces", i, "shaping-rate", r] if *i == interface => {
                    p.shaping_kbps = parse_shaping(r)
                }
                [
                    "switch-options",
                    "interface",
                    i,
                    "interface-mac-limit",
                    "packet-action",
                    a,
                ] if *i == unit => p.packet_action = Some((*a).to_owned()),
                ["switch-options", "interface", i, "interface-mac-limit", n] if *i == unit => {
                    p.mac_limit = n.parse().ok()
                }
                _ => {}
            }
        }
        p
    }

    /// Configuration-mode lines that turn `self` into `to` for `interface` (empty when equal).
    pub fn diff(&self, interface: &str, to: &JunosPort) -> Vec<String> {
        let mut out = Vec::new();
        let i = interface;
        let esw = format!("interfaces {i} unit 0 family ethernet-switching");
        for name in &to.members {
            if let Some(id) = to.vlans.get(name).copied()
                && self.vlans.get(name) != Some(&id)
            {
                out.push(format!("set vlans {name} vlan-id {id}"));
            }
        }
        if self.description != to.description {
            match &to.description {
                Some(d) => out.push(format!("set interfaces {i} description {d}")),
                None => out.push(format!("delete interfaces {i} description")),
            }
        }
        if to.access && !self.access {
            out.push(format!("set {esw} interface-mode access"));
        }
        // Static MACs live under the VLAN: remove the old ones before the VLAN changes.
        for (v, m) in self
            .static_macs
            .iter()
            .filter(|x| !to.static_macs.contains(x))
        {
            out.push(format!(
                "delete vlans {v} switch-options interface {i}.0 static-mac {m}"
            ));
        }
        if self.members != to.members {
            if !self.members.is_empty() {
                out.push(format!("delete {esw} vlan members"));
            }
            for m in &to.members {
                out.push(format!("set {esw} vlan members {m}"));
            }
        }
        if self.filter_input != to.filter_input {
            match &to.filter_input {
                Some(f) => out.push(format!("set {esw} filter input {f}")),
                None => out.push(format!("delete {esw} filter input")),
            }
        }
        if self.shaping_kbps != to.shaping_kbps {
            match to.shaping_kbps {
                Some(k) => out.push(format!(
                    "set class-of-service interfaces {i} shaping-rate {k}k"
                )),
                // Only kurnl's statement: an operator's scheduler-map on the port stays.
                None => out.push(format!(
                    "delete class-of-service interfaces {i} shaping-rate"
                )),
            }
        }
        if (self.mac_limit.is_some() || self.packet_action.is_some())
            && to.mac_limit.is_none()
            && to.packet_action.is_none()
        {
            // Only kurnl's statements: `persistent-learning` and the like stay.
            out.push(format!(
                "delete switch-options interface {i}.0 interface-mac-limit"
            ));
        } else {
            if self.mac_limit != to.mac_limit
                && let Some(n) = to.mac_limit
            {
                out.push(format!(
                    "set switch-options interface {i}.0 interface-mac-limit {n}"
                ));
            }
            if self.packet_action != to.packet_action
                && let Some(a) = &to.packet_action
            {
                out.push(format!(
                    "set switch-options interface {i}.0 interface-mac-limit packet-action {a}"
                ));
            }
        }
        for (v, m) in to
            .static_macs
            .iter()
            .filter(|x| !self.static_macs.contains(x))
        {
            out.push(format!(
                "set vlans {v} switch-options interface {i}.0 static-mac {m}"
            ));
        }
        if self.disabled != to.disabled {
            out.push(if to.disabled {
                format!("set interfaces {i} disable")
            } else {
                format!("delete interfaces {i} disable")
            });
        }
        out
    }
}

//! Junos EX (ELS) emulation: configuration as a set of `set` statements, a private candidate
//! per session, commit / rollback.
//!
//! Statement families and their sources (Junos OS for EX Series, ELS):
//! - Interfaces: "Configuring VLANs for EX Series Switches with ELS Support" (`interface-mode
//!   access`, `vlan members`; an access interface is a member of exactly one VLAN, checked
//!   at commit), "description", "disable".
//! - Port security: "interface-mac-limit", "packet-action", "persistent-learning" under
//!   `[edit switch-options interface]`, "static-mac" under `[edit vlans ... switch-options
//!   interface]`.
//! - Rate limiting: "policer (Firewall)" (`if-exceeding bandwidth-limit` and
//!   `burst-size-limit` are both mandatory, `then discard`), "filter (Ethernet Switching)"
//!   (`interface-specific`, `term ... then policer|accept|discard`); an interface may only
//!   reference a defined filter and a filter a defined policer, checked at commit.
//! - Class of service: "shaping-rate", "scheduler-map", "scheduler-maps", "schedulers"
//!   (`transmit-rate percent`); a referenced scheduler-map must be defined.
//! - CLI: "configure private", "commit check", "commit confirmed", "rollback", "show |
//!   compare", and the pipes `| display set`, `| match`, `| except`, `| count`, `| no-more`
//!   ("Using the Pipe ( | ) Symbol"); `delete` of a missing statement warns "statement not
//!   found".

use std::collections::BTreeSet;
use std::sync::Arc;

use kurnl_core::model::PortConfig;
use kurnl_core::types::{Kbps, MacAddress, PortDescription, RateLimit, VlanId};
use regex::Regex;

use super::{Cli, Shared, SimConfig, Step, lock};

pub(crate) fn initial(config: &SimConfig) -> BTreeSet<String> {
    let v = config.captive_vlan.get();
    let mut s = BTreeSet::new();
    s.insert(format!("system host-name {}", config.hostname));
    s.insert(format!("vlans v{v} vlan-id {v}"));
    for i in &config.interfaces {
        s.insert(format!("interfaces {i} description CAPTIVE"));
        s.insert(format!(
            "interfaces {i} unit 0 family ethernet-switching interface-mode access"
        ));
        s.insert(format!(
            "interfaces {i} unit 0 family ethernet-switching vlan members v{v}"
        ));
    }
    s
}

/// Statements that concern one interface (with `set ` in front).
pub(crate) fn port_lines(cfg: &BTreeSet<String>, interface: &str) -> Vec<String> {
    let a = format!("{interface} ");
    let b = format!("{interface}.0 ");
    cfg.iter()
        .filter(|s| s.contains(&a) || s.contains(&b) || s.ends_with(interface))
        .map(|s| format!("set {s}"))
        .collect()
}

pub(crate) fn port_config(cfg: &BTreeSet<String>, interface: &str) -> Option<PortConfig> {
    let i = interface;
    let get = |prefix: String| -> Vec<String> {
        cfg.iter()
            .filter_map(|s| s.strip_prefix(&prefix).map(str::to_owned))
            .collect()
    };
    if !cfg
        .iter()
        .any(|s| s.starts_with(&format!("interfaces {i} ")))
    {
        return None;
    }
    let esw = format!("interfaces {i} unit 0 family ethernet-switching ");
    let members = get(format!("{esw}vlan members "));
    let vlan = match members.as_slice() {
        [] => 1,
        [m] => get(format!("vlans {m} vlan-id ")).first()?.parse().ok()?,
        _ => return None,
    };
    let filter = get(format!("{esw}filter input "));
    let shaping = get(format!("class-of-service interfaces {i} shaping-rate "));
    let rate = match (filter.first(), shaping.first()) {
        (None, None) => None,
        (Some(f), Some(s)) => {
            let up: u32 = f.strip_suffix('K')?.rsplit('-').next()?.parse().ok()?;
            let down: u32 = s.strip_suffix('k')?.parse().ok()?;
            Some(RateLimit {
                up: Kbps::new(up).ok()?,
                down: Kbps::new(down).ok()?,
            })
        }
        _ => return None,
    };
    let macs: Vec<String> = cfg
        .iter()
        .filter_map(|s| {
            let w: Vec<&str> = s.split_whitespace().collect();
            match w.as_slice() {
                [
                    "vlans",
                    _,
                    "switch-options",
                    "interface",
                    x,
                    "static-mac",
                    m,
                ] if *x == format!("{i}.0") => Some((*m).to_owned()),
                _ => None,
            }
        })
        .collect();
    let mac = match macs.as_slice() {
        [] => None,
        [m] => Some(MacAddress::parse(m).ok()?),
        _ => return None,
    };
    let description = match get(format!("interfaces {i} description ")).first() {
        Some(d) => PortDescription::parse(d).ok()?,
        None => PortDescription::captive(),
    };
    Some(PortConfig {
        vlan: VlanId::new(vlan).ok()?,
        rate,
        mac,
        enabled: !cfg.contains(&format!("interfaces {i} disable")),
        description,
    })
}

#[allow(clippy::expect_used)]
fn grammar() -> Vec<Regex> {
    let ifc = r"[a-z]{2,3}-\d+/\d+/\d+";
    let name = r"[A-Za-z0-9_.\-]{1,64}";
    [
        format!(r"^interfaces {ifc} description {name}$"),
        format!(r"^interfaces {ifc} disable$"),
        format!(r"^interfaces {ifc} unit 0 family ethernet-switching interface-mode (access|trunk)$"),
        format!(r"^interfaces {ifc} unit 0 family ethernet-switching vlan members {name}$"),
        format!(r"^interfaces {ifc} unit 0 family ethernet-switching filter (input|output) {name}$"),
        format!(r"^class-of-service interfaces {ifc} shaping-rate \d+[kmg]?$"),
        format!(r"^switch-options interface {ifc}\.0 interface-mac-limit \d+$"),
        format!(r"^switch-options interface {ifc}\.0 interface-mac-limit packet-action (drop|drop-and-log|shutdown|log|none)$"),
        format!(r"^switch-options interface {ifc}\.0 persistent-learning$"),
        format!(r"^vlans {name} vlan-id \d+$"),
        format!(r"^vlans {name} switch-options interface {ifc}\.0 static-mac [0-9a-f]{{2}}(:[0-9a-f]{{2}}){{5}}$"),
        format!(r"^firewall policer {name} if-exceeding (bandwidth-limit|burst-size-limit) \d+[kmg]?$"),
        format!(r"^firewall policer {name} then discard$"),
        format!(r"^firewall family ethernet-switching filter {name} interface-specific$"),
        format!(r"^firewall family ethernet-switching filter {name} term {name} then (accept|discard|policer {name})$"),
        format!(r"^class-of-service interfaces {ifc} scheduler-map {name}$"),
        format!(r"^class-of-service scheduler-maps {name} forwarding-class {name} scheduler {name}$"),
        format!(r"^class-of-service schedulers {name} transmit-rate percent \d+$"),
        format!(r"^system host-name {name}$"),
    ]
    .iter()
    .map(|r| Regex::new(r).expect("static grammar"))
    .collect()
}

/// Splits `a | match "x|y" | b` at the pipes outside double quotes.
fn split_pipes(args: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    for c in args.chars() {
        match c {
            '|' if !quoted => parts.push(String::new()),
            c => {
                if c == '"' {
                    quoted = !quoted;
                }
                if let Some(p) = parts.last_mut() {
                    p.push(c);
                }
            }
        }
    }
    parts.into_iter().map(|p| p.trim().to_owned()).collect()
}

/// Renders statements (as word lists) in Junos' brace format: the last word is a flag
/// (`disable;`), or the last two a keyword and its value (`description CAPTIVE;`).
fn hierarchy(statements: impl Iterator<Item = Vec<String>>) -> Vec<String> {
    #[derive(Default)]
    struct Node {
        leaves: Vec<String>,
        children: std::collections::BTreeMap<String, Node>,
    }
    fn render(node: &Node, indent: usize, out: &mut Vec<String>) {
        let pad = " ".repeat(indent * 4);
        for leaf in &node.leaves {
            out.push(format!("{pad}{leaf};"));
        }
        for (name, child) in &node.children {
            out.push(format!("{pad}{name} {{"));
            render(child, indent + 1, out);
            out.push(format!("{pad}}}"));
        }
    }
    let mut root = Node::default();
    for words in statements {
        let leaf_len = match words.as_slice() {
            [.., kw, _] if LEAVES.contains(&kw.as_str()) || kw == "members" => 2,
            [] => continue,
            _ => 1,
        };
        let (path, leaf) = words.split_at(words.len() - leaf_len);
        let mut node = &mut root;
        let mut words = path.iter();
        while let Some(w) = words.next() {
            // `unit 0 {`, `family ethernet-switching {`: keyword and name are one level.
            let name = match words.clone().next() {
                Some(n) if NAMED.contains(&w.as_str()) => {
                    words.next();
                    format!("{w} {n}")
                }
                _ => w.clone(),
            };
            node = node.children.entry(name).or_default();
        }
        node.leaves.push(leaf.join(" "));
    }
    let mut out = Vec::new();
    render(&root, 0, &mut out);
    out
}

/// Container keywords shown on one line with their name.
const NAMED: &[&str] = &["unit", "family", "filter", "term", "policer", "interface"];

/// Keywords whose single following token is a value that replaces the previous one.
const LEAVES: &[&str] = &[
    "description",
    "interface-mode",
    "vlan-id",
    "shaping-rate",
    "input",
    "output",
    "interface-mac-limit",
    "packet-action",
    "host-name",
    "bandwidth-limit",
    "burst-size-limit",
    "policer",
    "scheduler-map",
    "scheduler",
    "percent",
];

fn set(cfg: &mut BTreeSet<String>, stmt: &str) {
    let w: Vec<&str> = stmt.split_whitespace().collect();
    if w.len() >= 2 && LEAVES.contains(&w[w.len() - 2]) {
        let prefix = format!("{} ", w[..w.len() - 1].join(" "));
        let n = w.len();
        cfg.retain(|s| !(s.starts_with(&prefix) && s.split_whitespace().count() == n));
    }
    cfg.insert(stmt.to_owned());
}

fn delete(cfg: &mut BTreeSet<String>, path: &str) -> bool {
    let prefix = format!("{path} ");
    let before = cfg.len();
    cfg.retain(|s| s != path && !s.starts_with(&prefix));
    cfg.len() != before
}

const CHECKOUT_FAILED: &str = "error: configuration check-out failed";

/// Commit-time checks: every vlan member must be a VLAN with an id, an access interface has
/// one member, referenced filters, policers and scheduler maps exist, and a policer has both
/// limits.
fn check(cfg: &BTreeSet<String>) -> Result<(), String> {
    let defined = |prefix: String| cfg.iter().any(|x| x.starts_with(&prefix));
    let mut members: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for s in cfg {
        let w: Vec<&str> = s.split_whitespace().collect();
        match w.as_slice() {
            [
                "interfaces",
                i,
                "unit",
                "0",
                "family",
                "ethernet-switching",
                "vlan",
                "members",
                m,
            ] => members.entry(i).or_default().push(m),
            [
                "interfaces",
                i,
                "unit",
                "0",
                "family",
                "ethernet-switching",
                "filter",
                dir,
                f,
            ] if !defined(format!("firewall family ethernet-switching filter {f} ")) => {
                return Err(format!(
                    "[edit interfaces {i} unit 0 family ethernet-switching filter]\n  '{dir} {f}'\n    Referenced filter '{f}' is not defined\n{CHECKOUT_FAILED}"
                ));
            }
            [
                "firewall",
                "family",
                "ethernet-switching",
                "filter",
                f,
                "term",
                t,
                "then",
                "policer",
                p,
            ] if !defined(format!("firewall policer {p} ")) => {
                return Err(format!(
                    "[edit firewall family ethernet-switching filter {f} term {t} then]\n  'policer {p}'\n    Referenced policer '{p}' is not defined\n{CHECKOUT_FAILED}"
                ));
            }
            ["firewall", "policer", p, ..] => {
                for limit in ["bandwidth-limit", "burst-size-limit"] {
                    if !defined(format!("firewall policer {p} if-exceeding {limit} ")) {
                        return Err(format!(
                            "[edit firewall policer {p}]\n  'if-exceeding'\n    Missing mandatory statement: '{limit}'\n{CHECKOUT_FAILED}"
                        ));
                    }
                }
            }
            ["class-of-service", "interfaces", i, "scheduler-map", m]
                if !defined(format!("class-of-service scheduler-maps {m} ")) =>
            {
                return Err(format!(
                    "[edit class-of-service interfaces {i}]\n  'scheduler-map {m}'\n    Referenced scheduler-map '{m}' is not defined\n{CHECKOUT_FAILED}"
                ));
            }
            _ => {}
        }
    }
    for (i, ms) in &members {
        let access = cfg.contains(&format!(
            "interfaces {i} unit 0 family ethernet-switching interface-mode access"
        ));
        if access && ms.len() > 1 {
            return Err(format!(
                "[edit interfaces {i} unit 0 family ethernet-switching]\n  'vlan'\n    Access interface <{i}.0> has more than one vlan member: <{}>\n{CHECKOUT_FAILED}",
                ms.join("> and <")
            ));
        }
    }
    for s in cfg {
        let w: Vec<&str> = s.split_whitespace().collect();
        if let [
            "interfaces",
            i,
            "unit",
            "0",
            "family",
            "ethernet-switching",
            "vlan",
            "members",
            m,
        ] = w.as_slice()
        {
            let p = format!("vlans {m} vlan-id ");
            if !cfg.iter().any(|x| x.starts_with(&p)) {
                return Err(format!(
                    "[edit interfaces {i} unit 0 family ethernet-switching vlan]\n  'members {m}'\n    No vlan matches vlan tag for vlan: {m}\nerror: configuration check-out failed"
                ));
            }
        }
    }
    Ok(())
}

pub(crate) struct JunosCli {
    shared: Arc<Shared>,
    candidate: Option<BTreeSet<String>>,
    /// Committed config when the candidate was loaded (detects others' commits).
    base: BTreeSet<String>,
    paging: bool,
    grammar: Vec<Regex>,
    confirm_exit: bool,
}

impl JunosCli {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            candidate: None,
            base: BTreeSet::new(),
            paging: true,
            grammar: grammar(),
            confirm_exit: false,
        }
    }

    fn prompt(&self) -> String {
        let c = &self.shared.config;
        match self.candidate {
            Some(_) => format!("\n[edit]\n{}@{}# ", c.username, c.hostname),
            None => format!("{}@{}> ", c.username, c.hostname),
        }
    }

    fn reply(&self, body: String) -> Step {
        Step::Reply(format!("{body}{}", self.prompt()))
    }

    fn syntax_error(&self, line: &str, col: usize) -> Step {
        let _ = line;
        let plen = self.prompt().rsplit('\n').next().map(str::len).unwrap_or(0);
        self.reply(format!("{}^\nsyntax error.\n", " ".repeat(plen + col)))
    }

    /// `show ...` with pipes, over `cfg`.
    fn show(&self, cfg: &BTreeSet<String>, args: &str) -> Result<String, String> {
        let mut parts = split_pipes(args).into_iter();
        let path = parts.next().unwrap_or_default();
        let path = path.as_str();
        let parts: Vec<String> = parts.collect();
        let selected = cfg
            .iter()
            .filter(|s| path.is_empty() || *s == path || s.starts_with(&format!("{path} ")));
        // Without `| display set` Junos shows the hierarchy in braces, relative to the path.
        let mut lines: Vec<String> = if parts.iter().any(|p| p == "display set") {
            selected.map(|s| format!("set {s}")).collect()
        } else {
            let depth = path.split_whitespace().count();
            hierarchy(selected.map(|s| {
                s.split_whitespace()
                    .skip(depth)
                    .map(str::to_owned)
                    .collect()
            }))
        };
        for pipe in parts {
            let (cmd, arg) = pipe.split_once(' ').unwrap_or((pipe.as_str(), ""));
            match cmd {
                "display" if arg.trim() == "set" => {}
                "match" => {
                    let pat = arg.trim().trim_matches('"');
                    let re = Regex::new(pat)
                        .map_err(|_| "error: invalid regular expression".to_owned())?;
                    lines.retain(|l| re.is_match(l));
                }
                "except" => {
                    let pat = arg.trim().trim_matches('"');
                    let re = Regex::new(pat)
                        .map_err(|_| "error: invalid regular expression".to_owned())?;
                    lines.retain(|l| !re.is_match(l));
                }
                "count" => lines = vec![format!("Count: {} lines", lines.len())],
                "no-more" => {}
                "compare" => {}
                _ => return Err("syntax error.".into()),
            }
        }
        let mut out = lines.join("\n");
        if !out.is_empty() {
            out.push('\n');
        }
        Ok(out)
    }

    fn operational(&mut self, line: &str) -> Step {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["set", "cli", "screen-length", n] if n.parse::<u32>().is_ok() => {
                self.paging = *n != "0";
                self.reply(format!("Screen length set to {n}\n"))
            }
            ["set", "cli", "screen-width", n] if n.parse::<u32>().is_ok() => self.reply(format!("Screen width set to {n}\n")),
            ["set", "cli", "complete-on-space", "off" | "on"] => self.reply("Disabling complete-on-space\n".into()),
            ["set", "cli", "terminal", ..] => self.reply(String::new()),
            ["show", "version", ..] => self.reply(format!(
                "fpc0:\n--------------------------------------------------------------------------\nHostname: {}\nModel: ex2300-24p\nJunos: 21.4R3-S5.4\n",
                self.shared.config.hostname
            )),
            ["show", "configuration", ..] => {
                let rest = line.trim_start_matches("show").trim_start().trim_start_matches("configuration").trim_start();
                let cfg = lock(&self.shared.device).junos.clone();
                match self.show(&cfg, rest) {
                    Ok(out) => self.reply(out),
                    Err(e) => self.reply(format!("{e}\n")),
                }
            }
            ["configure", mode @ ..] if matches!(mode, [] | ["private"] | ["exclusive"]) => {
                let cfg = lock(&self.shared.device).junos.clone();
                self.base = cfg.clone();
                self.candidate = Some(cfg);
                let warn = if mode == ["private"] { "warning: uncommitted changes will be discarded on exit\n" } else { "" };
                self.reply(format!("{warn}Entering configuration mode\n"))
            }
            ["exit"] | ["quit"] => Step::Close(String::new()),
            [] => self.reply(String::new()),
            _ => self.syntax_error(line, 0),
        }
    }

    fn configuration(&mut self, line: &str) -> Step {
        if self.confirm_exit {
            self.confirm_exit = false;
            if line.is_empty() || line == "yes" {
                self.candidate = None;
                return self.reply("Exiting configuration mode\n\n".into());
            }
            return self.reply(String::new());
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(cand) = self.candidate.as_mut() else {
            return self.reply(String::new());
        };
        match words.as_slice() {
            ["set", ..] => {
                let stmt = words[1..].join(" ");
                if self.grammar.iter().any(|g| g.is_match(&stmt)) {
                    set(cand, &stmt);
                    self.reply(String::new())
                } else {
                    self.syntax_error(line, 4)
                }
            }
            ["delete", ..] => {
                let path = words[1..].join(" ");
                if ![
                    "interfaces",
                    "class-of-service",
                    "switch-options",
                    "vlans",
                    "firewall",
                    "system",
                ]
                .contains(&words.get(1).copied().unwrap_or_default())
                {
                    return self.syntax_error(line, 7);
                }
                if delete(cand, &path) {
                    self.reply(String::new())
                } else {
                    self.reply("warning: statement not found\n".into())
                }
            }
            ["show", "|", "compare", ..] => {
                let committed = lock(&self.shared.device).junos.clone();
                let mut out = String::new();
                for s in committed.difference(cand) {
                    out.push_str(&format!("- set {s}\n"));
                }
                for s in cand.difference(&committed) {
                    out.push_str(&format!("+ set {s}\n"));
                }
                self.reply(out)
            }
            ["show", ..] => {
                let rest = line.trim_start_matches("show").trim_start();
                let cand = cand.clone();
                match self.show(&cand, rest) {
                    Ok(out) => self.reply(out),
                    Err(e) => self.reply(format!("{e}\n")),
                }
            }
            ["commit", "check"] => match check(cand) {
                Ok(()) => self.reply("configuration check succeeds\n".into()),
                Err(e) => self.reply(format!("{e}\n")),
            },
            ["commit", rest @ ..] => {
                if let Err(e) = check(cand) {
                    return self.reply(format!("{e}\n"));
                }
                let mut dev = lock(&self.shared.device);
                if dev.junos != self.base {
                    // Someone else committed meanwhile: merge our changes onto theirs.
                    let ours_added: Vec<String> = cand.difference(&self.base).cloned().collect();
                    let ours_removed: Vec<String> = self.base.difference(cand).cloned().collect();
                    let mut merged = dev.junos.clone();
                    for s in ours_removed {
                        merged.remove(&s);
                    }
                    merged.extend(ours_added);
                    *cand = merged;
                }
                dev.junos = cand.clone();
                dev.saved = true;
                self.base = cand.clone();
                drop(dev);
                let confirmed = match rest {
                    ["confirmed", n, ..] => format!(
                        "commit confirmed will be automatically rolled back in {n} minutes unless confirmed\n"
                    ),
                    _ => String::new(),
                };
                if rest.contains(&"and-quit") {
                    self.candidate = None;
                    return self.reply(format!(
                        "{confirmed}commit complete\nExiting configuration mode\n"
                    ));
                }
                self.reply(format!("{confirmed}commit complete\n"))
            }
            ["rollback", n] => {
                if *n != "0" {
                    return self.reply("error: rollback only emulated for 0\n".into());
                }
                let committed = lock(&self.shared.device).junos.clone();
                self.base = committed.clone();
                *cand = committed;
                self.reply("load complete\n".into())
            }
            ["exit", "configuration-mode"] | ["exit"] | ["quit"] => {
                let committed = lock(&self.shared.device).junos.clone();
                if *cand != committed {
                    self.confirm_exit = true;
                    return Step::Reply("The configuration has been changed but not committed\nExit with uncommitted changes? [yes,no] (yes) ".into());
                }
                self.candidate = None;
                self.reply("Exiting configuration mode\n\n".into())
            }
            ["top"] => self.reply(String::new()),
            ["run", ..] => {
                let rest = words[1..].join(" ");
                let saved = self.candidate.take();
                let step = self.operational(&rest);
                self.candidate = saved;
                match step {
                    Step::Reply(text) => {
                        let body = text
                            .rsplit_once(&format!("{}@", self.shared.config.username))
                            .map(|(b, _)| b.to_owned())
                            .unwrap_or_default();
                        self.reply(body)
                    }
                    other => other,
                }
            }
            [] => self.reply(String::new()),
            _ => self.syntax_error(line, 0),
        }
    }
}

impl Cli for JunosCli {
    fn greeting(&mut self) -> String {
        let banner = self
            .shared
            .config
            .banner
            .clone()
            .map(|b| format!("{b}\n"))
            .unwrap_or_default();
        format!(
            "{banner}--- JUNOS 21.4R3-S5.4 Kernel 64-bit  JNPR-12.1-20231013.9e8b5c9_buil\n{{master:0}}\n{}",
            self.prompt()
        )
    }

    fn more_marker(&self) -> &'static str {
        "---(more)---"
    }

    fn paging(&self) -> bool {
        self.paging
    }

    fn injected_error(&mut self, line: &str) -> String {
        if line.starts_with("commit") {
            let body = "[edit interfaces]\n  'ge-0/0/1'\n    Injected fault\nerror: commit failed: (statements constraint check failed)\n".to_owned();
            return format!("{body}{}", self.prompt());
        }
        let plen = self.prompt().rsplit('\n').next().map(str::len).unwrap_or(0);
        format!("{}^\nsyntax error.\n{}", " ".repeat(plen), self.prompt())
    }

    fn interface_of(&self, line: &str) -> Option<String> {
        self.candidate.as_ref()?;
        let mut words = line.split_whitespace();
        if !matches!(words.next(), Some("set" | "delete")) {
            return None;
        }
        let ifaces = &self.shared.config.interfaces;
        words.find_map(|w| {
            let w = w.strip_suffix(".0").unwrap_or(w);
            ifaces
                .iter()
                .find(|i| i.as_str() == w)
                .map(|i| i.to_string())
        })
    }

    fn is_error(&self, reply: &str) -> bool {
        reply
            .lines()
            .any(|l| l.starts_with("error:") || l.trim() == "syntax error.")
    }

    fn line(&mut self, raw: &str) -> Step {
        let line = raw.trim();
        if self.candidate.is_some() {
            self.configuration(line)
        } else {
            self.operational(line)
        }
    }
}

//! IOS QoS objects (MQC): `ip access-list extended`, `class-map`, `policy-map`, `class`,
//! `police` (Cisco IOS Quality of Service Solutions Command Reference; see the parent
//! module's docs).

use std::collections::BTreeMap;

use super::{IosCli, Mode, is_name, lock};

/// IOS global QoS objects.
#[derive(Debug, Clone, Default)]
pub(crate) struct Qos {
    /// `ip access-list extended NAME` -> its entries.
    pub(crate) acls: BTreeMap<String, Vec<String>>,
    /// `class-map [match-all|match-any] NAME` -> (match kind, match lines).
    pub(crate) class_maps: BTreeMap<String, (String, Vec<String>)>,
    /// `policy-map NAME` -> classes in order, each with its action lines.
    pub(crate) policy_maps: BTreeMap<String, Vec<(String, Vec<String>)>>,
}

impl Qos {
    pub(super) fn render(&self) -> Vec<String> {
        let mut l = Vec::new();
        for (name, entries) in &self.acls {
            l.push(format!("ip access-list extended {name}"));
            l.extend(entries.iter().map(|e| format!(" {e}")));
            l.push("!".into());
        }
        for (name, (kind, matches)) in &self.class_maps {
            l.push(format!("class-map {kind} {name}"));
            l.extend(matches.iter().map(|m| format!(" {m}")));
            l.push("!".into());
        }
        for (name, classes) in &self.policy_maps {
            l.push(format!("policy-map {name}"));
            for (class, actions) in classes {
                l.push(format!(" class {class}"));
                l.extend(actions.iter().map(|a| format!("  {a}")));
            }
            l.push("!".into());
        }
        l
    }
}

/// `police` lines of the QoS command reference, with their ranges (bit/s, bytes).
pub(super) fn valid_police(words: &[&str]) -> bool {
    let num = |w: &str, lo: u64, hi: u64| w.parse::<u64>().is_ok_and(|n| (lo..=hi).contains(&n));
    let actions = |rest: &[&str]| -> bool {
        let mut rest = rest;
        while let [kw @ ("conform-action" | "exceed-action"), action, tail @ ..] = rest {
            let ok = match *kw {
                "conform-action" => *action == "transmit",
                _ => matches!(*action, "drop" | "transmit"),
            };
            if !ok {
                return false;
            }
            rest = tail;
        }
        rest.is_empty()
    };
    match words {
        ["police", "cir", cir, "bc", bc, rest @ ..] => {
            num(cir, 8_000, 100_000_000_000) && num(bc, 1_000, 512_000_000) && actions(rest)
        }
        ["police", "cir", cir, rest @ ..] => num(cir, 8_000, 100_000_000_000) && actions(rest),
        ["police", rate, burst, rest @ ..] => {
            num(rate, 8_000, 100_000_000_000) && num(burst, 1_000, 512_000_000) && actions(rest)
        }
        _ => false,
    }
}

impl IosCli {
    /// Global configuration lines that define QoS objects; `None` = not one of them.
    pub(super) fn config_global(&mut self, words: &[&str]) -> Option<Result<String, usize>> {
        let mut dev = lock(&self.shared.device);
        let qos = &mut dev.ios_qos;
        let next = match words {
            ["ip", "access-list", "extended", name] if is_name(name) => {
                qos.acls.entry((*name).to_owned()).or_default();
                Mode::Acl((*name).to_owned())
            }
            ["class-map", rest @ ..] => {
                let (kind, name) = match rest {
                    [kind @ ("match-all" | "match-any"), name] => (*kind, *name),
                    [name] => ("match-all", *name),
                    _ => return Some(Err(0)),
                };
                if !is_name(name) || name == "class-default" {
                    return Some(Err(0));
                }
                let entry = qos
                    .class_maps
                    .entry(name.to_owned())
                    .or_insert_with(|| (kind.to_owned(), Vec::new()));
                entry.0 = kind.to_owned();
                Mode::ClassMap(name.to_owned())
            }
            ["policy-map", name] if is_name(name) => {
                qos.policy_maps.entry((*name).to_owned()).or_default();
                Mode::PolicyMap((*name).to_owned())
            }
            ["no", "policy-map", name] => {
                let used = dev.ios.iter().any(|i| {
                    i.policy_in.as_deref() == Some(*name) || i.policy_out.as_deref() == Some(*name)
                });
                if used {
                    return Some(Ok(format!("Policy map {name} is being used\n")));
                }
                return Some(match dev.ios_qos.policy_maps.remove(*name) {
                    Some(_) => Ok(String::new()),
                    None => Ok(format!("policy map {name} not configured\n")),
                });
            }
            _ => return None,
        };
        dev.saved = false;
        drop(dev);
        self.mode = next;
        Some(Ok(String::new()))
    }

    /// Lines inside `ip access-list`, `class-map`, `policy-map` and its `class`.
    pub(super) fn config_qos(&mut self, words: &[&str]) -> Result<String, usize> {
        let mut dev = lock(&self.shared.device);
        let qos = &mut dev.ios_qos;
        match (self.mode.clone(), words) {
            (Mode::Acl(acl), [action @ ("permit" | "deny"), "ip", "any", "any"]) => {
                let entry = format!("{action} ip any any");
                let list = qos.acls.entry(acl).or_default();
                if !list.contains(&entry) {
                    list.push(entry);
                }
            }
            // A missing ACL is accepted by IOS (the class then matches nothing).
            (Mode::ClassMap(cm), ["match", "any"] | ["match", "access-group", "name", _]) => {
                let line = words.join(" ");
                let entry = qos.class_maps.entry(cm).or_default();
                if !entry.1.contains(&line) {
                    entry.1.push(line);
                }
            }
            (Mode::PolicyMap(pm) | Mode::PolicyClass(pm, _), ["class", class]) => {
                if *class != "class-default" && !qos.class_maps.contains_key(*class) {
                    return Ok(format!("% class-map {class} not configured\n"));
                }
                let classes = qos.policy_maps.entry(pm.clone()).or_default();
                if !classes.iter().any(|(c, _)| c == class) {
                    classes.push(((*class).to_owned(), Vec::new()));
                }
                drop(dev);
                self.mode = Mode::PolicyClass(pm, (*class).to_owned());
                return Ok(String::new());
            }
            (Mode::PolicyMap(pm) | Mode::PolicyClass(pm, _), ["no", "class", class]) => {
                if let Some(classes) = qos.policy_maps.get_mut(&pm) {
                    classes.retain(|(c, _)| c != class);
                }
            }
            (Mode::PolicyClass(pm, class), ["police", ..]) => {
                if !valid_police(words) {
                    return Err(7);
                }
                let line = words.join(" ");
                if let Some((_, actions)) = qos
                    .policy_maps
                    .get_mut(&pm)
                    .and_then(|cs| cs.iter_mut().find(|(c, _)| *c == class))
                {
                    actions.retain(|a| !a.starts_with("police"));
                    actions.push(line);
                }
            }
            (Mode::PolicyClass(pm, class), ["no", "police", ..]) => {
                if let Some((_, actions)) = qos
                    .policy_maps
                    .get_mut(&pm)
                    .and_then(|cs| cs.iter_mut().find(|(c, _)| *c == class))
                {
                    actions.retain(|a| !a.starts_with("police"));
                }
            }
            _ => return Err(0),
        }
        dev.saved = false;
        Ok(String::new())
    }
}

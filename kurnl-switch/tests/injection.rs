//! Property: no field of a request can add a CLI line or change one beyond its validated value.

use std::collections::HashMap;

use kurnl_core::model::PortConfig;
use kurnl_core::types::{InterfaceName, Kbps, MacAddress, PortDescription, RateLimit, VlanId};
use kurnl_switch::template::{IosPort, JunosPort};
use kurnl_switch::{IosTemplates, JunosTemplates};
use proptest::prelude::*;
use regex::Regex;

/// Every line shape the drivers may send; values are restricted to their validated charsets.
fn shapes() -> Vec<Regex> {
    let ifc = r"[A-Za-z][A-Za-z0-9/.:\-]{0,63}";
    let tok = r"[A-Za-z0-9_.\-]{1,64}";
    let mac_c = r"[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}";
    let mac_j = r"[0-9a-f]{2}(:[0-9a-f]{2}){5}";
    let esw = format!(r"interfaces {ifc} unit 0 family ethernet-switching");
    [
        format!(r"^interface {ifc}$"),
        format!(r"^show running-config interface {ifc}$"),
        format!(r"^do show running-config interface {ifc}$"),
        format!(r"^description {tok}$"),
        r"^no description$".into(),
        r"^switchport mode access$".into(),
        r"^switchport access vlan \d{1,4}$".into(),
        r"^no switchport access vlan$".into(),
        r"^(no )?switchport port-security$".into(),
        r"^no switchport port-security maximum \d+$".into(),
        r"^switchport port-security violation (restrict|protect|shutdown)$".into(),
        r"^no switchport port-security violation (restrict|protect|shutdown)$".into(),
        format!(r"^policy-map {tok}$"),
        r"^class class-default$".into(),
        r"^police cir \d{1,12} conform-action transmit exceed-action drop$".into(),
        r"^exit$".into(),
        format!(r"^set firewall policer {tok} if-exceeding bandwidth-limit \d{{1,9}}k$"),
        format!(r"^set firewall policer {tok} if-exceeding burst-size-limit \d{{1,12}}$"),
        format!(r"^set firewall policer {tok} then discard$"),
        format!(r"^set firewall family ethernet-switching filter {tok} term {tok} then policer {tok}$"),
        format!(r"^(no )?switchport port-security mac-address {mac_c}$"),
        format!(r"^(no )?service-policy (input|output) {tok}$"),
        r"^(no )?shutdown$".into(),
        format!(r"^set vlans {tok} vlan-id \d{{1,4}}$"),
        format!(r"^set interfaces {ifc} description {tok}$"),
        format!(r"^delete interfaces {ifc} description$"),
        format!(r"^set {esw} interface-mode access$"),
        format!(r"^delete {esw} vlan members$"),
        format!(r"^set {esw} vlan members {tok}$"),
        format!(r"^(set|delete) {esw} filter input( {tok})?$"),
        format!(r"^set class-of-service interfaces {ifc} shaping-rate \d{{1,9}}k$"),
        format!(r"^delete class-of-service interfaces {ifc} shaping-rate$"),
        format!(r"^delete switch-options interface {ifc}\.0 interface-mac-limit$"),
        format!(r"^set switch-options interface {ifc}\.0 interface-mac-limit \d+$"),
        format!(
            r"^set switch-options interface {ifc}\.0 interface-mac-limit packet-action [a-z\-]+$"
        ),
        format!(r"^(set|delete) vlans {tok} switch-options interface {ifc}\.0 static-mac {mac_j}$"),
        format!(r"^(set|delete) interfaces {ifc} disable$"),
        format!(r#"^show( configuration)? \| display set \| match "({ifc}\[ \.\]\|)+vlan-id\|\^set firewall family ethernet-switching filter "$"#),
    ]
    .iter()
    .map(|s| Regex::new(s).expect("shape"))
    .collect()
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z][A-Za-z0-9/.:_-]{0,40}",
        2 => "[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}",
        2 => "[0-9a-f]{4}\\.[0-9a-f]{4}\\.[0-9a-f]{4}",
        1 => any::<String>(),
        1 => "[ -~\n\r\t\x00\x1b]{0,80}",
        2 => "[A-Za-z0-9/.:_-]{1,20}(\n|\r|\r\n|;|\\|| )[ -~]{0,30}",
        1 => Just("SUB-1\nshutdown".to_owned()),
        1 => Just("Gi1/0/1\rno shutdown".to_owned()),
        1 => Just("00:11:22:33:44:55\nwrite erase".to_owned()),
    ]
}

fn lines_for(iface: &InterfaceName, cfg: &PortConfig) -> Vec<String> {
    let mut out = vec![
        format!("interface {iface}"),
        format!("show running-config interface {iface}"),
    ];
    let ios = IosTemplates::default();
    out.extend(IosPort::default().diff(&ios.desired(cfg)));
    out.extend(ios.desired(cfg).diff(&IosPort::default()));
    if let Some(rate) = &cfg.rate {
        for (_, lines) in ios.policy_definitions(rate) {
            out.extend(lines);
        }
    }
    let junos = JunosTemplates::default();
    if let Some((_, lines)) = junos.filter_definitions(cfg) {
        out.extend(lines);
    }
    let d = junos.desired(cfg, &HashMap::new());
    out.extend(JunosPort::default().diff(iface.as_str(), &d));
    out.extend(d.diff(iface.as_str(), &JunosPort::default()));
    out.push(format!(
        "show | display set | match \"{}\"",
        JunosPort::match_expr(iface.as_str())
    ));
    // A batch's snapshot names each of its ports.
    out.push(format!(
        "show | display set | match \"{}\"",
        JunosPort::match_expr_for(&[iface.as_str(), iface.as_str()])
    ));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_field_can_inject_a_cli_line(
        iface in text(), desc in text(), mac in text(),
        vlan in 0u16..5000, up in 0u32..200_000_000, down in 0u32..200_000_000, enabled in any::<bool>(),
    ) {
        let shapes = shapes();
        // Anything that fails validation never reaches a driver.
        let (Ok(iface), Ok(description), Ok(vlan)) = (InterfaceName::parse(&iface), PortDescription::parse(&desc), VlanId::new(vlan)) else {
            return Ok(());
        };
        let mac = MacAddress::parse(&mac).ok();
        let rate = match (Kbps::new(up), Kbps::new(down)) {
            (Ok(up), Ok(down)) => Some(RateLimit { up, down }),
            _ => None,
        };
        let cfg = PortConfig { vlan, rate, mac, enabled, description: description.clone() };
        let lines = lines_for(&iface, &cfg);
        prop_assert!(lines.len() <= 60);
        for line in &lines {
            prop_assert!(!line.chars().any(|c| c.is_control()), "control character in {line:?}");
            prop_assert!(shapes.iter().any(|s| s.is_match(line)), "unexpected line shape {line:?}");
            if line.contains("description ") && !line.starts_with("no ") {
                let want = format!(" {}", description.as_str());
                prop_assert!(line.ends_with(&want), "description altered in {line:?}");
            }
        }
    }

    #[test]
    fn validated_descriptions_and_names_are_single_tokens(raw in text()) {
        if let Ok(d) = PortDescription::parse(&raw) {
            prop_assert!(!d.as_str().contains(|c: char| c.is_whitespace() || c.is_control()));
        }
        if let Ok(i) = InterfaceName::parse(&raw) {
            prop_assert!(!i.as_str().contains(|c: char| c.is_whitespace() || c.is_control() || c == '"' || c == '|'));
        }
    }
}

#[test]
fn templates_are_checked() {
    let bad = IosTemplates {
        policy_in: "X {kbps}\nshutdown".into(),
        ..IosTemplates::default()
    };
    assert!(bad.validate().is_err());
    let bad = JunosTemplates {
        filter_input: "F-{kbps};".into(),
        ..JunosTemplates::default()
    };
    assert!(bad.validate().is_err());
    assert!(
        IosTemplates::default().validate().is_ok() && JunosTemplates::default().validate().is_ok()
    );
}

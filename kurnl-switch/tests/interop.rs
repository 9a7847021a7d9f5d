//! netmiko and scrapli (stock `cisco_ios` / `cisco_iosxe` / `juniper_junos` drivers) log in to
//! the simulator and configure a port; the simulator's state shows the change.
//!
//! Skipped when the Python packages are missing, unless `KURNL_TEST_REQUIRE` contains
//! `python` (as in CI, where `.ci/run` installs them).

use std::path::PathBuf;
use std::process::Command;

use kurnl_switch::sim::{SimConfig, SwitchSim, Vendor};

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn required() -> bool {
    std::env::var("KURNL_TEST_REQUIRE")
        .map(|v| v.split(',').any(|p| p.trim() == "python"))
        .unwrap_or(false)
}

async fn interop(tool: &str, vendor: Vendor) {
    if !python_has(tool) {
        assert!(
            !required(),
            "python package {tool} is required (KURNL_TEST_REQUIRE) but not importable"
        );
        eprintln!("skipping: python package {tool} not installed");
        return;
    }
    let sim = SwitchSim::start(SimConfig::new(vendor))
        .await
        .expect("start simulator");
    let iface = sim.interfaces()[1].clone();
    let description = format!("INTEROP-{}", tool.to_uppercase());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/interop.py");
    let addr = sim.addr();
    let c = sim.config().clone();
    let args = vec![
        script.display().to_string(),
        tool.to_owned(),
        if vendor == Vendor::Ios {
            "ios".into()
        } else {
            "junos".into()
        },
        addr.ip().to_string(),
        addr.port().to_string(),
        c.username.clone(),
        c.password.clone(),
        iface.to_string(),
        "123".into(),
        description.clone(),
    ];
    let out = tokio::task::spawn_blocking(move || Command::new("python3").args(&args).output())
        .await
        .expect("join")
        .expect("run python3");
    assert!(
        out.status.success(),
        "{tool} {vendor:?} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let port = sim.port(iface.as_str()).expect("port state");
    assert_eq!(port.vlan.get(), 123, "{tool} {vendor:?}: {port:?}");
    assert_eq!(port.description.as_str(), description);
}

#[tokio::test]
async fn netmiko_cisco_ios() {
    interop("netmiko", Vendor::Ios).await;
}

#[tokio::test]
async fn netmiko_juniper_junos() {
    interop("netmiko", Vendor::Junos).await;
}

#[tokio::test]
async fn scrapli_cisco_iosxe() {
    interop("scrapli", Vendor::Ios).await;
}

#[tokio::test]
async fn scrapli_juniper_junos() {
    interop("scrapli", Vendor::Junos).await;
}

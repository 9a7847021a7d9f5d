//! Applies, reads or resets one port on any switch (simulated or real) with kurnl's drivers.
//!
//! ```text
//! # read
//! KURNL_SWITCH_PASSWORD=kurnl-sim-pw cargo run --example switchctl -- \
//!     --host 127.0.0.1 --port 2222 --user kurnl --vendor ios --host-key SHA256:... \
//!     read --interface GigabitEthernet1/0/1
//! # apply: VLAN 100, 50 Mb/s up, 100 Mb/s down, one MAC
//! ... apply --interface Gi1/0/1 --vlan 100 --up-kbps 50000 --down-kbps 100000 \
//!     --mac 00:11:22:33:44:55 --description SUB-12345
//! # reset to the captive portal VLAN
//! ... reset --interface Gi1/0/1 --captive-vlan 999
//! ```
//!
//! The password comes from `--password-env VAR` (default `KURNL_SWITCH_PASSWORD`) so it never
//! shows in the process list. `--tofu` trusts an unpinned host key and prints it; `--legacy`
//! enables the legacy algorithm profile; `--enable-secret-env VAR` for IOS enable.

use std::sync::Arc;

use kurnl_core::model::{PortConfig, Switch};
use kurnl_core::ports::{PortChange, SwitchDriver};
use kurnl_core::types::{
    InterfaceName, JobId, Kbps, MacAddress, PortDescription, RateLimit, SwitchId, VlanId,
};
use kurnl_switch::{CredentialStore, Credentials, IosDriver, JunosDriver, SshOptions};

fn usage() -> ! {
    eprintln!(
        "usage: switchctl --host H [--port 22] --user U [--password-env VAR] [--enable-secret-env VAR] \
         --vendor ios|junos [--host-key KEY | --tofu] [--legacy] \
         (read | apply | reset) --interface IF [--vlan N] [--up-kbps K --down-kbps K] [--mac M] \
         [--description D] [--disabled] [--captive-vlan N]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut host, mut port, mut user, mut vendor) = (None, 22u16, None, None);
    let mut password_env = "KURNL_SWITCH_PASSWORD".to_owned();
    let mut enable_env = None;
    let (mut host_key, mut tofu, mut legacy) = (None, false, false);
    let (mut action, mut iface) = (None, None);
    let (mut vlan, mut up, mut down, mut mac, mut desc, mut disabled) =
        (None, None, None, None, None, false);
    let mut captive = 999u16;
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--host" => host = Some(val()),
            "--port" => port = val().parse()?,
            "--user" => user = Some(val()),
            "--password-env" => password_env = val(),
            "--enable-secret-env" => enable_env = Some(val()),
            "--vendor" => vendor = Some(val()),
            "--host-key" => host_key = Some(val()),
            "--tofu" => tofu = true,
            "--legacy" => legacy = true,
            "--interface" => iface = Some(InterfaceName::parse(&val())?),
            "--vlan" => vlan = Some(VlanId::new(val().parse()?)?),
            "--up-kbps" => up = Some(Kbps::new(val().parse()?)?),
            "--down-kbps" => down = Some(Kbps::new(val().parse()?)?),
            "--mac" => mac = Some(MacAddress::parse(&val())?),
            "--description" => desc = Some(PortDescription::parse(&val())?),
            "--disabled" => disabled = true,
            "--captive-vlan" => captive = val().parse()?,
            "read" | "apply" | "reset" => action = Some(a),
            _ => usage(),
        }
    }
    let (Some(host), Some(user), Some(vendor), Some(action), Some(iface)) =
        (host, user, vendor, action, iface)
    else {
        usage()
    };
    let password =
        std::env::var(&password_env).map_err(|_| format!("set the password in ${password_env}"))?;
    let mut creds = Credentials::password(user, password);
    if let Some(var) = enable_env {
        creds = creds.with_enable_secret(
            std::env::var(&var).map_err(|_| format!("set the enable secret in ${var}"))?,
        );
    }
    let store = Arc::new(CredentialStore::new().with("cli", creds));
    let options = SshOptions {
        trust_on_first_use: tofu,
        legacy_algorithms: legacy,
        ..SshOptions::default()
    };
    let switch = Switch {
        id: SwitchId::new_random(),
        name: host.clone(),
        driver: vendor.clone(),
        address: host,
        ssh_port: port,
        credentials_ref: "cli".into(),
        host_key,
        captive_vlan: VlanId::new(captive)?,
        max_sessions: 1,
    };
    let (driver, known): (Arc<dyn SwitchDriver>, kurnl_switch::KnownHosts) = match vendor.as_str() {
        "ios" => {
            let d = IosDriver::new(store).with_options(options);
            let k = d.known_hosts().clone();
            (Arc::new(d), k)
        }
        "junos" => {
            let d = JunosDriver::new(store).with_options(options);
            let k = d.known_hosts().clone();
            (Arc::new(d), k)
        }
        _ => usage(),
    };
    let desired = match action.as_str() {
        "read" => None,
        "reset" => Some(PortConfig::captive(switch.captive_vlan)),
        _ => {
            let rate = match (up, down) {
                (Some(up), Some(down)) => Some(RateLimit { up, down }),
                (None, None) => None,
                _ => return Err("give both --up-kbps and --down-kbps".into()),
            };
            Some(PortConfig {
                vlan: vlan.ok_or("--vlan is required for apply")?,
                rate,
                mac,
                enabled: !disabled,
                description: desc.unwrap_or_else(PortDescription::captive),
            })
        }
    };
    if let Some(desired) = desired {
        let results = driver
            .apply(
                &switch,
                &[PortChange {
                    job_id: JobId::new_random(),
                    interface: iface.clone(),
                    desired,
                }],
            )
            .await?;
        for r in results {
            match r.outcome {
                Ok(()) => println!("applied to {iface}"),
                Err(e) => {
                    eprintln!("failed: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
    let port = driver.read_port(&switch, &iface).await?;
    println!("{iface}: {port:?}");
    if let Some(fp) = known.get(switch.id) {
        println!("host key trusted on first use: {fp} (pin it with --host-key)");
    }
    Ok(())
}

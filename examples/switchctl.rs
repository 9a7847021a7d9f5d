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
//! `--vendor` takes `ios` / `junos` or netmiko's device types (`cisco_ios`, `cisco_xe`,
//! `juniper_junos`, `juniper`). The password comes from `--password-env VAR` (default
//! `KURNL_SWITCH_PASSWORD`) so it never shows in the process list. `--tofu` trusts an unpinned
//! host key and prints its fingerprint (also when the operation then fails); `--legacy`
//! enables the legacy algorithm profile; `--enable-secret-env VAR` for IOS enable. Every
//! value is validated before anything connects; a bad one is reported with its flag.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args as ClapArgs, Parser, Subcommand};
use kurnl_core::model::{PortConfig, Switch};
use kurnl_core::ports::{DriverError, DriverErrorKind, PortChange, SwitchDriver};
use kurnl_core::types::{
    InterfaceName, JobId, Kbps, MacAddress, PortDescription, RateLimit, SwitchId, VlanId,
};
use kurnl_switch::{CredentialStore, Credentials, IosDriver, JunosDriver, KnownHosts, SshOptions};

/// The CLI dialect of the switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vendor {
    Ios,
    Junos,
}

/// `ios`, `junos`, or a netmiko device type.
fn parse_vendor(raw: &str) -> Result<Vendor, String> {
    match raw.to_ascii_lowercase().as_str() {
        "ios" | "cisco_ios" | "cisco_xe" | "cisco_iosxe" => Ok(Vendor::Ios),
        "junos" | "juniper" | "juniper_junos" => Ok(Vendor::Junos),
        other => Err(format!(
            "unknown vendor {other:?}; use ios, junos or a netmiko device type (cisco_ios, cisco_xe, juniper_junos)"
        )),
    }
}

fn number<T: std::str::FromStr>(raw: &str) -> Result<T, String> {
    raw.trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a whole number in range"))
}

fn parse_vlan(raw: &str) -> Result<VlanId, String> {
    VlanId::new(number(raw)?).map_err(|e| e.to_string())
}

fn parse_kbps(raw: &str) -> Result<Kbps, String> {
    Kbps::new(number(raw)?).map_err(|e| e.to_string())
}

fn parse_interface(raw: &str) -> Result<InterfaceName, String> {
    InterfaceName::parse(raw).map_err(|e| e.to_string())
}

fn parse_mac(raw: &str) -> Result<MacAddress, String> {
    MacAddress::parse(raw).map_err(|e| e.to_string())
}

fn parse_description(raw: &str) -> Result<PortDescription, String> {
    PortDescription::parse(raw).map_err(|e| e.to_string())
}

/// Applies, reads or resets one switch port with kurnl's drivers.
#[derive(Debug, Parser)]
#[command(name = "switchctl", version, about)]
struct Args {
    /// Management address of the switch.
    #[arg(long)]
    host: String,
    /// SSH port.
    #[arg(long, default_value_t = 22)]
    port: u16,
    /// Login user.
    #[arg(long)]
    user: String,
    /// Environment variable holding the password.
    #[arg(long, default_value = "KURNL_SWITCH_PASSWORD")]
    password_env: String,
    /// Environment variable holding the IOS enable secret.
    #[arg(long)]
    enable_secret_env: Option<String>,
    /// ios, junos, or a netmiko device type (cisco_ios, cisco_xe, juniper_junos).
    #[arg(long, value_parser = parse_vendor)]
    vendor: Vendor,
    /// Pinned host key: an OpenSSH key line or a SHA256: fingerprint.
    #[arg(long, conflicts_with = "tofu")]
    host_key: Option<String>,
    /// Trust an unpinned host key on first use and print its fingerprint.
    #[arg(long)]
    tofu: bool,
    /// Offer the legacy (SHA-1, CBC) algorithms an old switch needs.
    #[arg(long)]
    legacy: bool,
    /// Captive-portal VLAN of the switch.
    #[arg(long, global = true, default_value = "999", value_parser = parse_vlan)]
    captive_vlan: VlanId,
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Show the port's configuration.
    Read(Port),
    /// Configure the port.
    Apply(ApplyArgs),
    /// Put the port back on the captive VLAN.
    Reset(Port),
}

#[derive(Debug, ClapArgs)]
struct Port {
    /// Interface name as the switch spells it.
    #[arg(long, value_parser = parse_interface)]
    interface: InterfaceName,
}

#[derive(Debug, ClapArgs)]
struct ApplyArgs {
    #[command(flatten)]
    port: Port,
    /// Access VLAN (1-4094).
    #[arg(long, value_parser = parse_vlan)]
    vlan: VlanId,
    /// Upload limit in kbit/s (with --down-kbps).
    #[arg(long, value_parser = parse_kbps, requires = "down_kbps")]
    up_kbps: Option<Kbps>,
    /// Download limit in kbit/s (with --up-kbps).
    #[arg(long, value_parser = parse_kbps, requires = "up_kbps")]
    down_kbps: Option<Kbps>,
    /// Subscriber MAC to bind.
    #[arg(long, value_parser = parse_mac)]
    mac: Option<MacAddress>,
    /// Port description (one token).
    #[arg(long, value_parser = parse_description)]
    description: Option<PortDescription>,
    /// Configure the port administratively down.
    #[arg(long)]
    disabled: bool,
}

/// What a run printed and whether it failed.
#[derive(Debug, Default)]
struct Report {
    lines: Vec<String>,
    error: Option<String>,
}

/// A driver error as a sentence for the operator.
fn sentence(e: &DriverError, host: &str) -> String {
    #[allow(unreachable_patterns)]
    let what = match e.kind {
        DriverErrorKind::Connect => format!("could not connect to {host}"),
        DriverErrorKind::Auth => format!("{host} refused the login"),
        DriverErrorKind::HostKey => format!("the host key of {host} was refused"),
        DriverErrorKind::Negotiation => format!(
            "{host} offers no SSH algorithm kurnl accepts by default (for an old switch try --legacy)"
        ),
        DriverErrorKind::Timeout => format!("{host} did not answer in time"),
        DriverErrorKind::CommandRejected => format!("{host} rejected a command"),
        DriverErrorKind::Protocol => format!("the output of {host} was not understood"),
        DriverErrorKind::Unsupported => format!("{host} cannot do what was asked"),
        DriverErrorKind::Configuration => "the switch settings are not usable".to_owned(),
        _ => format!("the operation on {host} failed"),
    };
    let retry = if e.retryable {
        " Trying again later may work."
    } else {
        ""
    };
    format!("{what}: {}.{retry}", e.message)
}

/// Runs one action. `password` and `enable_secret` are already read from the environment.
async fn run(args: Args, password: String, enable_secret: Option<String>) -> Report {
    let mut report = Report::default();
    let mut creds = Credentials::password(&args.user, password);
    if let Some(secret) = enable_secret {
        creds = creds.with_enable_secret(secret);
    }
    let store = Arc::new(CredentialStore::new().with("cli", creds));
    let options = SshOptions {
        trust_on_first_use: args.tofu,
        legacy_algorithms: args.legacy,
        ..SshOptions::default()
    };
    let switch = Switch {
        id: SwitchId::new_random(),
        name: args.host.clone(),
        driver: format!("{:?}", args.vendor).to_lowercase(),
        address: args.host.clone(),
        ssh_port: args.port,
        credentials_ref: "cli".into(),
        host_key: args.host_key.clone(),
        captive_vlan: args.captive_vlan,
        max_sessions: 1,
        disabled: false,
    };
    let (driver, known): (Arc<dyn SwitchDriver>, KnownHosts) = match args.vendor {
        Vendor::Ios => {
            let d = IosDriver::new(store).with_options(options);
            let k = d.known_hosts().clone();
            (Arc::new(d), k)
        }
        Vendor::Junos => {
            let d = JunosDriver::new(store).with_options(options);
            let k = d.known_hosts().clone();
            (Arc::new(d), k)
        }
    };
    let (iface, desired) = match args.action {
        Action::Read(p) => (p.interface, None),
        Action::Reset(p) => (p.interface, Some(PortConfig::captive(args.captive_vlan))),
        Action::Apply(a) => {
            let rate = match (a.up_kbps, a.down_kbps) {
                (Some(up), Some(down)) => Some(RateLimit { up, down }),
                _ => None,
            };
            let desired = PortConfig {
                vlan: a.vlan,
                rate,
                mac: a.mac,
                enabled: !a.disabled,
                description: a.description.unwrap_or_else(PortDescription::captive),
            };
            (a.port.interface, Some(desired))
        }
    };
    let outcome = operate(&*driver, &switch, &iface, desired, &mut report.lines).await;
    // The learned key matters most when something failed: print it whatever happened.
    if let Some(fp) = known.get(switch.id) {
        report.lines.push(format!(
            "host key trusted on first use: {fp} (pin it with --host-key)"
        ));
    }
    if let Err(e) = outcome {
        report.error = Some(sentence(&e, &args.host));
    }
    report
}

async fn operate(
    driver: &dyn SwitchDriver,
    switch: &Switch,
    iface: &InterfaceName,
    desired: Option<PortConfig>,
    out: &mut Vec<String>,
) -> Result<(), DriverError> {
    if let Some(desired) = desired {
        let change = PortChange {
            job_id: JobId::new_random(),
            interface: iface.clone(),
            desired,
        };
        for r in driver.apply(switch, &[change]).await? {
            r.outcome?;
            out.push(format!("applied to {iface}"));
        }
    }
    let port = driver.read_port(switch, iface).await?;
    out.push(format!("{iface}: {port:?}"));
    Ok(())
}

fn env(var: &str, what: &str) -> Result<String, String> {
    std::env::var(var).map_err(|_| format!("set the {what} in the environment variable {var}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let secrets = env(&args.password_env, "password").and_then(|pw| {
        let enable = match &args.enable_secret_env {
            Some(var) => Some(env(var, "enable secret")?),
            None => None,
        };
        Ok((pw, enable))
    });
    let (password, enable) = match secrets {
        Ok(s) => s,
        Err(e) => {
            eprintln!("switchctl: {e}.");
            return ExitCode::from(2);
        }
    };
    let report = run(args, password, enable).await;
    for line in &report.lines {
        println!("{line}");
    }
    match report.error {
        Some(e) => {
            eprintln!("switchctl: {e}");
            ExitCode::FAILURE
        }
        None => ExitCode::SUCCESS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kurnl_switch::sim::{SimConfig, SwitchSim, Vendor as SimVendor};

    fn parse(extra: &[&str]) -> Result<Args, clap::Error> {
        let mut argv = vec!["switchctl", "--host", "127.0.0.1", "--user", "kurnl"];
        argv.extend_from_slice(extra);
        Args::try_parse_from(argv)
    }

    fn error_text(extra: &[&str]) -> String {
        parse(extra).expect_err("must be refused").to_string()
    }

    #[test]
    fn a_bad_number_names_its_flag() {
        let e = error_text(&[
            "--vendor",
            "ios",
            "--port",
            "ssh",
            "read",
            "--interface",
            "Gi1/0/1",
        ]);
        assert!(e.contains("--port"), "{e}");
        assert!(!e.contains("ParseIntError"), "{e}");
        let e = error_text(&[
            "--vendor",
            "ios",
            "apply",
            "--interface",
            "Gi1/0/1",
            "--vlan",
            "5000",
        ]);
        assert!(e.contains("--vlan") && e.contains("5000"), "{e}");
        let e = error_text(&[
            "--vendor",
            "ios",
            "apply",
            "--interface",
            "Gi1/0/1",
            "--vlan",
            "100",
            "--up-kbps",
            "x1",
            "--down-kbps",
            "1000",
        ]);
        assert!(
            e.contains("--up-kbps") && !e.contains("ParseIntError"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_flag_and_the_reason() {
        let e = error_text(&[
            "--vendor",
            "ios",
            "apply",
            "--interface",
            "Gi1/0/1",
            "--vlan",
            "100",
            "--mac",
            "zz",
        ]);
        assert!(e.contains("--mac"), "{e}");
        let e = error_text(&[
            "--vendor",
            "ios",
            "read",
            "--interface",
            "Gi1/0/1\nshow run",
        ]);
        assert!(e.contains("--interface"), "{e}");
        let e = error_text(&[
            "--vendor",
            "ios",
            "apply",
            "--interface",
            "Gi1/0/1",
            "--vlan",
            "100",
            "--up-kbps",
            "1000",
        ]);
        assert!(e.contains("--down-kbps"), "both rates are needed: {e}");
        let e = error_text(&["--vendor", "arista", "read", "--interface", "Et1"]);
        assert!(e.contains("--vendor") && e.contains("cisco_ios"), "{e}");
    }

    #[test]
    fn netmiko_device_types_are_accepted() {
        for (name, vendor) in [
            ("cisco_ios", Vendor::Ios),
            ("cisco_xe", Vendor::Ios),
            ("ios", Vendor::Ios),
            ("juniper_junos", Vendor::Junos),
            ("junos", Vendor::Junos),
        ] {
            let args = parse(&["--vendor", name, "read", "--interface", "ge-0/0/1"]).expect(name);
            assert_eq!(args.vendor, vendor, "{name}");
        }
    }

    fn sim_args(sim: &SwitchSim, vendor: &str, action: &[&str]) -> Args {
        let port = sim.addr().port().to_string();
        let mut argv = vec![
            "switchctl",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--user",
            "kurnl",
            "--vendor",
            vendor,
            "--tofu",
        ];
        argv.extend_from_slice(action);
        Args::try_parse_from(argv).expect("arguments")
    }

    #[tokio::test]
    async fn the_tofu_fingerprint_is_printed_even_when_the_apply_fails() {
        let sim = SwitchSim::start(SimConfig::new(SimVendor::Ios))
            .await
            .expect("sim");
        sim.faults(|f| f.reject = vec!["description".into()]);
        let args = sim_args(
            &sim,
            "cisco_ios",
            &[
                "apply",
                "--interface",
                "GigabitEthernet1/0/1",
                "--vlan",
                "100",
                "--description",
                "SUB-1",
            ],
        );
        let report = run(args, "kurnl-sim-pw".into(), None).await;
        let error = report.error.expect("the rejected line fails the apply");
        assert!(error.contains("rejected a command"), "{error}");
        assert!(error.ends_with('.'), "errors are sentences: {error}");
        assert!(
            report.lines.iter().any(|l| l.contains(&sim.fingerprint())),
            "{:?}",
            report.lines
        );
    }

    #[tokio::test]
    async fn a_read_prints_the_port() {
        let sim = SwitchSim::start(SimConfig::new(SimVendor::Junos))
            .await
            .expect("sim");
        let args = sim_args(&sim, "juniper_junos", &["read", "--interface", "ge-0/0/2"]);
        let report = run(args, "kurnl-sim-pw".into(), None).await;
        assert!(report.error.is_none(), "{:?}", report.error);
        assert!(
            report.lines.iter().any(|l| l.starts_with("ge-0/0/2: ")),
            "{:?}",
            report.lines
        );
        let wrong = run(
            sim_args(&sim, "junos", &["read", "--interface", "ge-0/0/2"]),
            "wrong".into(),
            None,
        )
        .await;
        let e = wrong.error.expect("auth");
        assert!(e.starts_with("127.0.0.1 refused the login"), "{e}");
    }
}

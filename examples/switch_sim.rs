//! Runs the SSH switch simulator until Ctrl-C.
//!
//! ```text
//! cargo run --example switch_sim -- --vendor ios --listen 127.0.0.1:2222
//! ```
//!
//! Options: `--vendor ios|junos|eos`, `--listen ADDR`, `--user U`, `--password P`,
//! `--enable-secret S` (IOS: start in user exec), `--interfaces N`, `--latency-ms MS`,
//! `--seed N` (host key seed byte, default 7: a stable key across restarts), `--legacy`
//! (offer only SHA-1 KEX / CBC / hmac-sha1).

use std::time::Duration;

use kurnl_switch::sim::{SimConfig, SwitchSim, Vendor};

fn usage() -> ! {
    eprintln!(
        "usage: switch_sim [--vendor ios|junos|eos] [--listen 127.0.0.1:2222] [--user U] [--password P] \
         [--enable-secret S] [--interfaces N] [--latency-ms MS] [--seed N] [--legacy]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut vendor = Vendor::Ios;
    let mut listen = "127.0.0.1:2222".to_owned();
    let mut user = None;
    let mut password = None;
    let mut enable = None;
    let mut count = 8usize;
    let mut latency = 0u64;
    let mut seed = 7u8;
    let mut legacy = false;
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--vendor" => {
                vendor = match val().as_str() {
                    "ios" => Vendor::Ios,
                    "junos" => Vendor::Junos,
                    "eos" => Vendor::Eos,
                    _ => usage(),
                }
            }
            "--listen" => listen = val(),
            "--user" => user = Some(val()),
            "--password" => password = Some(val()),
            "--enable-secret" => enable = Some(val()),
            "--interfaces" => count = val().parse().unwrap_or_else(|_| usage()),
            "--latency-ms" => latency = val().parse().unwrap_or_else(|_| usage()),
            "--seed" => seed = val().parse().unwrap_or_else(|_| usage()),
            "--legacy" => legacy = true,
            _ => usage(),
        }
    }
    let mut config = SimConfig::new(vendor).with_interface_count(count);
    config.listen = listen.parse()?;
    if let Some(u) = user {
        config.username = u;
    }
    if let Some(p) = password {
        config.password = p;
    }
    config.enable_secret = enable;
    config.latency = Duration::from_millis(latency);
    config.host_key_seed = Some([seed; 32]);
    config.legacy_only = legacy;
    let sim = SwitchSim::start(config).await?;
    let c = sim.config();
    println!("{vendor:?} simulator listening on {}", sim.addr());
    println!("login: {} / {}", c.username, c.password);
    println!("host key: {}", sim.host_key());
    println!("fingerprint: {}", sim.fingerprint());
    if let Some(rsa) = sim.rsa_fingerprint() {
        println!("rsa fingerprint: {rsa}");
    }
    println!(
        "interfaces: {} .. {}",
        c.interfaces.first().map(|i| i.as_str()).unwrap_or_default(),
        c.interfaces.last().map(|i| i.as_str()).unwrap_or_default()
    );
    tokio::signal::ctrl_c().await?;
    println!("commands received: {}", sim.commands_received());
    Ok(())
}

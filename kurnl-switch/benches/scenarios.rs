//! The switch-cli.md §7 scenarios for kurnl's drivers, netmiko and scrapli against the same
//! simulator in the same run; prints a table of times and ratios (a benchmark, not a test).
//!
//! ```text
//! cargo bench -p kurnl-switch --features sim --bench scenarios
//! ```
//!
//! a = connect + auth + paging off; b = one port change on an open session (6 config lines on
//! IOS, 7 on Junos, + `write memory` / commit); c = 50 ports in one session; d = 50 ports, a new
//! connection each. Every change toggles ports between two plans (A: VLAN 100, 50/100 Mb/s;
//! B: VLAN 101, 10/20 Mb/s; both with a MAC binding), and the Python clients send the same
//! lines the drivers send for that change. `cmds/port` counts lines the simulator received per
//! port in scenario c (round trips with per-command latency); for kurnl also per port for a
//! re-apply of the same state (no configuration line is sent) and for a plan change (VLAN and
//! rate lines only), 50 ports in one session.
//!
//! Environment: `KURNL_BENCH_PORTS` (default 50), `KURNL_BENCH_LATENCIES_MS` (default `0,20`),
//! `KURNL_BENCH_VENDORS` (`ios`, `junos`, default both), `KURNL_BENCH_PYTHON=0` to skip the
//! Python clients.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kurnl_core::model::{PortConfig, Switch};
use kurnl_core::ports::{PortChange, SwitchDriver};
use kurnl_core::types::{JobId, Kbps, MacAddress, PortDescription, RateLimit, VlanId};
use kurnl_switch::sim::{SimConfig, SwitchSim, Vendor};
use kurnl_switch::{IosDriver, JunosDriver, SshOptions};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn plan(k: usize, b: bool) -> Result<PortConfig, BoxError> {
    let (vlan, up, down, tag) = if b {
        (101, 10_000, 20_000, "B")
    } else {
        (100, 50_000, 100_000, "A")
    };
    Ok(PortConfig {
        vlan: VlanId::new(vlan)?,
        rate: Some(RateLimit {
            up: Kbps::new(up)?,
            down: Kbps::new(down)?,
        }),
        mac: Some(MacAddress::parse(&format!(
            "00:11:22:33:{:02x}:{:02x}",
            k / 256,
            k % 256
        ))?),
        enabled: true,
        description: PortDescription::parse(&format!("SUB-{tag}{k}"))?,
    })
}

/// Tier A or B with a description that does not change with the tier: a plan change.
fn tier(k: usize, b: bool) -> Result<PortConfig, BoxError> {
    Ok(PortConfig {
        description: PortDescription::parse(&format!("SUB-{k}"))?,
        ..plan(k, b)?
    })
}

fn tier_changes(sim: &SwitchSim, ports: usize, b: bool) -> Result<Vec<PortChange>, BoxError> {
    let ifaces = sim.interfaces();
    (0..ports)
        .map(|k| {
            Ok(PortChange {
                job_id: JobId::new_random(),
                interface: ifaces[k].clone(),
                desired: tier(k, b)?,
            })
        })
        .collect()
}

fn changes(sim: &SwitchSim, ports: usize, b: bool) -> Result<Vec<PortChange>, BoxError> {
    let ifaces = sim.interfaces();
    (0..ports)
        .map(|k| {
            Ok(PortChange {
                job_id: JobId::new_random(),
                interface: ifaces[k].clone(),
                desired: plan(k, b)?,
            })
        })
        .collect()
}

fn no_reuse() -> SshOptions {
    SshOptions {
        session_reuse: None,
        ..SshOptions::default()
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

#[derive(Debug, Clone)]
struct Row {
    client: String,
    vendor: Vendor,
    latency_ms: u64,
    secs: [f64; 4],
    cmds_per_port: f64,
    /// kurnl only: commands per port re-applying the same state, and for a plan change
    /// (VLAN and rates only), 50 ports in one session.
    reapply_and_plan_change: Option<(f64, f64)>,
}

async fn reset(
    driver: &Arc<dyn SwitchDriver>,
    switch: &Switch,
    sim: &SwitchSim,
    ports: usize,
) -> Result<(), BoxError> {
    let r = driver.apply(switch, &changes(sim, ports, false)?).await?;
    if let Some(e) = r.iter().find_map(|r| r.outcome.clone().err()) {
        return Err(format!("reset failed: {e}").into());
    }
    Ok(())
}

/// Applies `$changes` on the open session `$s`; the commands per port the simulator received.
macro_rules! per_port {
    ($s:expr, $sim:expr, $ports:expr, $changes:expr) => {{
        let c = $changes;
        let before = $sim.commands_received();
        let r = $s.apply(&c).await;
        if let Some(e) = r.iter().find_map(|r| r.outcome.clone().err()) {
            return Err(format!("re-apply / plan change failed: {e}").into());
        }
        ($sim.commands_received() - before) as f64 / $ports as f64
    }};
}

macro_rules! ours {
    ($driver:expr, $sim:expr, $switch:expr, $ports:expr, $lat:expr) => {{
        let driver = $driver;
        let (sim, switch, ports) = ($sim, $switch, $ports);
        let mut secs = [0f64; 4];
        // a
        let mut runs = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let s = driver.open_session(switch).await?;
            runs.push(t.elapsed().as_secs_f64());
            s.close().await;
        }
        secs[0] = median(runs);
        // b
        let mut s = driver.open_session(switch).await?;
        let mut runs = Vec::new();
        for i in 0..6 {
            let c = changes(sim, 1, i % 2 == 0)?;
            let t = Instant::now();
            let r = s.apply(&c).await;
            runs.push(t.elapsed().as_secs_f64());
            if let Some(e) = r.iter().find_map(|r| r.outcome.clone().err()) {
                return Err(format!("b failed: {e}").into());
            }
        }
        secs[1] = median(runs);
        // c
        let reps = if $lat == 0 { 5 } else { 1 };
        let mut runs = Vec::new();
        let before = sim.commands_received();
        for i in 0..reps {
            let c = changes(sim, ports, i % 2 == 0)?;
            let t = Instant::now();
            let r = s.apply(&c).await;
            runs.push(t.elapsed().as_secs_f64());
            if let Some(e) = r.iter().find_map(|r| r.outcome.clone().err()) {
                return Err(format!("c failed: {e}").into());
            }
        }
        let cmds = (sim.commands_received() - before) as f64 / (reps * ports) as f64;
        secs[2] = median(runs);
        // Commands per port: the same state again, then a plan change (description kept).
        let _ = per_port!(s, sim, ports, tier_changes(sim, ports, false)?);
        let reapply = per_port!(s, sim, ports, tier_changes(sim, ports, false)?);
        let plan_change = per_port!(s, sim, ports, tier_changes(sim, ports, true)?);
        let _ = per_port!(s, sim, ports, changes(sim, ports, reps % 2 != 0)?);
        s.close().await;
        // d
        let t = Instant::now();
        for (k, c) in changes(sim, ports, reps % 2 == 0)?.into_iter().enumerate() {
            let r = SwitchDriver::apply(&driver, switch, &[c]).await?;
            if let Some(e) = r.iter().find_map(|r| r.outcome.clone().err()) {
                return Err(format!("d failed on port {k}: {e}").into());
            }
        }
        secs[3] = t.elapsed().as_secs_f64();
        (secs, cmds, (reapply, plan_change))
    }};
}

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

async fn python(
    tool: &str,
    sim: &SwitchSim,
    scenario: &str,
    ports: usize,
    reps: usize,
) -> Result<f64, BoxError> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/python/bench_clients.py");
    let c = sim.config();
    let vendor = if c.vendor == Vendor::Ios {
        "ios"
    } else {
        "junos"
    };
    let args: Vec<String> = vec![
        script.display().to_string(),
        tool.into(),
        vendor.into(),
        sim.addr().ip().to_string(),
        sim.addr().port().to_string(),
        c.username.clone(),
        c.password.clone(),
        scenario.into(),
        ports.to_string(),
        reps.to_string(),
    ];
    let out =
        tokio::task::spawn_blocking(move || Command::new("python3").args(&args).output()).await??;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{tool} {scenario} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let secs = text
        .split("\"seconds\":")
        .nth(1)
        .and_then(|r| r.split([',', '}']).next())
        .and_then(|n| n.trim().parse::<f64>().ok())
        .ok_or_else(|| format!("unexpected output from {tool}: {text}"))?;
    Ok(secs)
}

async fn run(sim_rt: tokio::runtime::Handle) -> Result<Vec<Row>, BoxError> {
    let ports: usize = std::env::var("KURNL_BENCH_PORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let latencies: Vec<u64> = std::env::var("KURNL_BENCH_LATENCIES_MS")
        .unwrap_or_else(|_| "0,20".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let tools: Vec<&str> = if std::env::var("KURNL_BENCH_PYTHON").as_deref() == Ok("0") {
        Vec::new()
    } else {
        ["netmiko", "scrapli"]
            .into_iter()
            .filter(|t| python_has(t))
            .collect()
    };
    let vendors: Vec<Vendor> = match std::env::var("KURNL_BENCH_VENDORS").as_deref() {
        Ok("ios") => vec![Vendor::Ios],
        Ok("junos") => vec![Vendor::Junos],
        _ => vec![Vendor::Ios, Vendor::Junos],
    };
    let mut rows = Vec::new();
    for vendor in vendors {
        for &lat in &latencies {
            let mut config = SimConfig::new(vendor).with_interface_count(ports);
            config.latency = Duration::from_millis(lat);
            // The simulator gets its own runtime, as the Python clients' simulator effectively
            // does (they run in another process): client and "device" do not share workers.
            let sim = sim_rt.spawn(SwitchSim::start(config)).await??;
            let switch = sim.switch_record("x");
            let creds = Arc::new(sim.credentials());
            let dynamic: Arc<dyn SwitchDriver> = match vendor {
                Vendor::Ios => Arc::new(IosDriver::new(creds.clone())),
                Vendor::Junos => Arc::new(JunosDriver::new(creds.clone())),
                Vendor::Eos => unreachable!("the scenarios bench runs IOS and Junos only"),
            };
            reset(&dynamic, &switch, &sim, ports).await?;
            let (secs, cmds, counts) = match vendor {
                // No session reuse: scenario d is about a new connection per port.
                Vendor::Ios => ours!(
                    IosDriver::new(creds.clone()).with_options(no_reuse()),
                    &sim,
                    &switch,
                    ports,
                    lat
                ),
                Vendor::Junos => ours!(
                    JunosDriver::new(creds.clone()).with_options(no_reuse()),
                    &sim,
                    &switch,
                    ports,
                    lat
                ),
                Vendor::Eos => unreachable!("the scenarios bench runs IOS and Junos only"),
            };
            eprintln!("kurnl {vendor:?} {lat} ms: {secs:?}");
            rows.push(Row {
                client: "kurnl".into(),
                vendor,
                latency_ms: lat,
                secs,
                cmds_per_port: cmds,
                reapply_and_plan_change: Some(counts),
            });
            for tool in &tools {
                let mut secs = [0f64; 4];
                let mut cmds = 0.0;
                let c_reps = if lat == 0 { 5 } else { 1 };
                for (i, (scenario, reps)) in [("a", 5), ("b", 6), ("c", c_reps), ("d", 1)]
                    .into_iter()
                    .enumerate()
                {
                    reset(&dynamic, &switch, &sim, ports).await?;
                    let before = sim.commands_received();
                    secs[i] = python(tool, &sim, scenario, ports, reps).await?;
                    if scenario == "c" {
                        cmds = (sim.commands_received() - before) as f64 / (reps * ports) as f64;
                    }
                }
                eprintln!("{tool} {vendor:?} {lat} ms: {secs:?}");
                rows.push(Row {
                    client: (*tool).into(),
                    vendor,
                    latency_ms: lat,
                    secs,
                    cmds_per_port: cmds,
                    reapply_and_plan_change: None,
                });
            }
        }
    }
    Ok(rows)
}

fn main() -> Result<(), BoxError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let sim_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let rows = rt.block_on(run(sim_rt.handle().clone()))?;
    println!();
    println!(
        "| client | vendor | latency | a | b | c (50 ports, 1 session) | d (50 sessions) | cmds/port (c) | cmds/port re-apply | cmds/port plan change | c: best python / kurnl | d: best python / kurnl |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let best = |i: usize| {
            rows.iter()
                .filter(|o| {
                    o.client != "kurnl" && o.vendor == r.vendor && o.latency_ms == r.latency_ms
                })
                .map(|o| o.secs[i])
                .fold(f64::INFINITY, f64::min)
        };
        let ratio = |i: usize| {
            if r.client == "kurnl" && best(i).is_finite() {
                format!("{:.1}x", best(i) / r.secs[i])
            } else {
                String::new()
            }
        };
        println!(
            "| {} | {:?} | {} ms | {:.3} s | {:.3} s | {:.3} s | {:.3} s | {:.1} | {} | {} | {} | {} |",
            r.client,
            r.vendor,
            r.latency_ms,
            r.secs[0],
            r.secs[1],
            r.secs[2],
            r.secs[3],
            r.cmds_per_port,
            r.reapply_and_plan_change
                .map_or(String::new(), |(a, _)| format!("{a:.1}")),
            r.reapply_and_plan_change
                .map_or(String::new(), |(_, b)| format!("{b:.1}")),
            ratio(2),
            ratio(3)
        );
    }
    Ok(())
}

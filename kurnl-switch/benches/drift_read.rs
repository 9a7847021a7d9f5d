//! What the drift audit costs a switch: reading 48 provisioned ports with `read_ports` (the
//! audit's batched read) against 48 `read_port` calls on the same open session (the baseline,
//! one command round trip per port), with 20 ms per command on the simulator, and the whole
//! read including a fresh SSH login. Prints a table (a benchmark, not a test).
//!
//! ```text
//! cargo bench -p kurnl-switch --features sim --bench drift_read
//! ```
//!
//! Environment: `KURNL_BENCH_PORTS` (default 48), `KURNL_BENCH_LATENCY_MS` (default 20),
//! `KURNL_BENCH_REPS` (default 5).

use std::sync::Arc;
use std::time::{Duration, Instant};

use kurnl_core::model::Switch;
use kurnl_core::ports::{PortChange, SwitchDriver};
use kurnl_core::testkit::switch_suite;
use kurnl_core::types::{InterfaceName, JobId};
use kurnl_switch::sim::{SimConfig, SwitchSim, Vendor};
use kurnl_switch::{IosDriver, JunosDriver, SshOptions};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn driver(vendor: Vendor, sim: &SwitchSim, options: SshOptions) -> Arc<dyn SwitchDriver> {
    let creds = Arc::new(sim.credentials());
    match vendor {
        Vendor::Ios => Arc::new(IosDriver::new(creds).with_options(options)),
        _ => Arc::new(JunosDriver::new(creds).with_options(options)),
    }
}

struct Row {
    vendor: Vendor,
    batched: (f64, u64),
    per_port: (f64, u64),
    fresh_login: (f64, u64),
}

/// Seconds and simulator commands of one read, median over `reps`.
async fn measure<F, Fut>(sim: &SwitchSim, reps: u64, mut read: F) -> Result<(f64, u64), BoxError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), BoxError>>,
{
    let mut secs = Vec::new();
    let mut cmds = 0;
    for _ in 0..reps {
        let before = sim.commands_received();
        let t = Instant::now();
        read().await?;
        secs.push(t.elapsed().as_secs_f64());
        cmds = sim.commands_received() - before;
    }
    Ok((median(secs), cmds))
}

async fn run(sim_rt: tokio::runtime::Handle) -> Result<Vec<Row>, BoxError> {
    let ports = env("KURNL_BENCH_PORTS", 48) as usize;
    let latency = Duration::from_millis(env("KURNL_BENCH_LATENCY_MS", 20));
    let reps = env("KURNL_BENCH_REPS", 5).max(1);
    let mut rows = Vec::new();
    for vendor in [Vendor::Ios, Vendor::Junos] {
        let mut config = SimConfig::new(vendor).with_interface_count(ports);
        config.latency = latency;
        let sim = sim_rt.spawn(SwitchSim::start(config)).await??;
        let switch: Switch = sim.switch_record("x");
        let interfaces: Vec<InterfaceName> = sim.interfaces();
        // Sessions stay open between the reads (the pool keeps them for 60 s).
        let pooled = driver(vendor, &sim, SshOptions::default());
        let changes: Vec<PortChange> = interfaces
            .iter()
            .enumerate()
            .map(|(i, iface)| PortChange {
                job_id: JobId::new_random(),
                interface: iface.clone(),
                desired: switch_suite::provisioned(i as u16 + 1),
            })
            .collect();
        pooled.apply(&switch, &changes).await?;
        let batched = measure(&sim, reps, || async {
            let read = pooled.read_ports(&switch, &interfaces).await?;
            assert!(read.iter().all(Result::is_ok));
            Ok(())
        })
        .await?;
        let per_port = measure(&sim, reps, || async {
            for iface in &interfaces {
                pooled.read_port(&switch, iface).await?;
            }
            Ok(())
        })
        .await?;
        let fresh = driver(
            vendor,
            &sim,
            SshOptions {
                session_reuse: None,
                ..SshOptions::default()
            },
        );
        let fresh_login = measure(&sim, reps, || async {
            fresh.read_ports(&switch, &interfaces).await?;
            Ok(())
        })
        .await?;
        eprintln!("{vendor:?}: batched {batched:?}, per port {per_port:?}, fresh {fresh_login:?}");
        rows.push(Row {
            vendor,
            batched,
            per_port,
            fresh_login,
        });
    }
    Ok(rows)
}

fn main() -> Result<(), BoxError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // The simulator on its own runtime: client and "device" do not share workers.
    let sim_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let rows = rt.block_on(run(sim_rt.handle().clone()))?;
    println!();
    println!(
        "| vendor | read_ports, open session | 48 x read_port, open session (baseline) | baseline / read_ports | read_ports with a fresh login |"
    );
    println!("|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {:?} | {:.0} ms, {} commands | {:.0} ms, {} commands | {:.1}x | {:.0} ms, {} commands |",
            r.vendor,
            r.batched.0 * 1000.0,
            r.batched.1,
            r.per_port.0 * 1000.0,
            r.per_port.1,
            r.per_port.0 / r.batched.0.max(1e-9),
            r.fresh_login.0 * 1000.0,
            r.fresh_login.1,
        );
    }
    Ok(())
}

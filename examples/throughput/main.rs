//! Throughput harness: the whole pipeline (library API -> store -> job queue -> SSH driver ->
//! simulated switch -> signed webhook) under load, on real parts.
//!
//! - **bulk** mode (default) provisions `--subscribers` subscribers through
//!   `Service::bulk_submit` in batches of 100 (each entry runs the CKO-04 path, as the service
//!   does), spread over several providers (a provider may have 3 batches in progress; a 429 is
//!   retried as a client would).
//! - **single** mode makes `--rate` CKO-04 calls (`Service::provider_initiated`) per second for
//!   `--seconds` seconds.
//!
//! Processes (this binary re-invoked with a hidden `--role`, see `child.rs`):
//!
//! - the **harness process**: the `Service` (API) and its store, the verifying webhook
//!   receiver, and (unless `--workers`) the `--engines` `ProvisioningEngine`s, each with its
//!   own drivers and `OutboxDispatcher` + `HttpEventSink`;
//! - the **simulator process**: `--switches` simulated switches (`kurnl::switch::sim`, IOS and
//!   Junos half and half, each a real SSH server on 127.0.0.1) with `--ports` ports each; when
//!   the subscribers need more ports than that, switches are added (one port per subscriber).
//!   It prints each switch's address and host key; the parent pins the keys;
//! - with `--backend postgres --workers K`, **K worker processes**, each running `--engines`
//!   engines and dispatchers on the same PostgreSQL schema.
//!
//! Reported: subscribers/s from the first API call until the last `provisioning.completed`
//! webhook arrives, p50/p99 latency from the API call to the subscription's
//! `provisioning.completed` webhook (matched on `job_id`), the API calls' own latency, SSH
//! sessions opened (the simulators' logins), webhooks delivered, peak RSS (`VmHWM`) and CPU
//! time of each process (the harness process, each worker, the simulators separately), the
//! load average, and the ratio against kurnl's documented ~30 s from callback to a live port.
//!
//! The store is a SQLite file in a temporary directory with the default durable settings
//! (WAL, `synchronous=FULL`), or PostgreSQL in a fresh random schema (dropped afterwards). The
//! inventory (switches, ports, locations) is written before the clock starts; on SQLite it is
//! written through a `Durability::Normal` connection to keep set-up short, and the measured run
//! reopens the file with the defaults.
//!
//! ```text
//! cargo run --release --example throughput                                   # 10,000 on SQLite
//! cargo run --release --example throughput -- --subscribers 1000
//! cargo run --release --example throughput -- --mode single --rate 200 --seconds 10
//! KURNL_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo run --release --features postgres --example throughput -- --backend postgres --workers 3
//! ```
//!
//! Exits non-zero when a subscription's job did not complete (or failed), a webhook failed
//! verification, a bulk entry failed, a provisioned port does not carry the plan on its
//! switch, or a child process failed.
//!
//! Files: `args.rs` (command line), `db.rs` (store set-up), `child.rs` + `procfs.rs` (child
//! processes, their memory and CPU), `sims.rs` (the simulator process), `inventory.rs`
//! (switches, ports, providers), `worker.rs` (engines and dispatchers, worker processes),
//! `submit.rs` (the API calls), `collect.rs` (the webhooks), `report.rs` (the table).

#[path = "../common/receiver.rs"]
mod receiver;

mod args;
mod child;
mod collect;
mod db;
mod inventory;
#[cfg(feature = "postgres")]
mod pg_waits;
mod procfs;
mod report;
mod sims;
mod submit;
mod worker;

#[path = "../common/allocator.rs"]
mod allocator;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Parser;
use kurnl::ports::Store;
use kurnl::service::Service;
use kurnl::types::Secret;
use uuid::Uuid;

use crate::args::{Args, Backend, Mode, Role};
use crate::collect::{Progress, collect};
use crate::db::Db;
use crate::inventory::{PLAN_VLAN, add_provider, write_inventory};
use crate::procfs::{MachineCpu, ProcStats, loadavg, postgres_cpu, postgres_cpu_between};
use crate::receiver::Receiver;
use crate::report::{ProcRun, Report};
use crate::sims::Fleet;
use crate::worker::{Engines, Workers, engine_pool};
use kurnl::engine::WorkSignal;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Warnings of the engine and dispatcher (retries, lost leases) go to stderr;
    // `RUST_LOG` overrides.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match args.role {
        Some(Role::Sims) => return sims::child_main(&args, args.switches).await,
        Some(Role::Worker) => return worker::child_main(&args).await,
        None => {}
    }
    ensure!(args.ports >= 1, "--ports must be at least 1");
    ensure!(args.switches >= 1, "--switches must be at least 1");
    ensure!(args.engines >= 1, "--engines must be at least 1");
    ensure!(args.providers >= 1, "--providers must be at least 1");
    ensure!(
        args.workers == 0 || args.backend == Backend::Postgres,
        "--workers needs --backend postgres (SQLite has one writer per file)"
    );
    let wanted = match args.mode {
        Mode::Bulk => args.subscribers,
        Mode::Single => usize::try_from(u64::from(args.rate) * u64::from(args.seconds))?,
    };
    ensure!(wanted >= 1, "nothing to provision");
    let switches = args.switches.max(wanted.div_ceil(args.ports));
    let load_before = loadavg();
    let db = Db::create(&args)?;
    eprintln!(
        "setting up: {} switches x {} ports, {} subscribers, {}{}",
        switches,
        args.ports,
        wanted,
        db.describe(),
        if args.workers > 0 {
            format!(", {} worker processes", args.workers)
        } else {
            String::new()
        }
    );
    let outcome = run(&args, &db, switches, wanted, load_before).await;
    if let Err(e) = db.cleanup().await {
        eprintln!("warning: clean-up failed: {e:#}");
    }
    outcome
}

/// Where the engines run.
enum Background {
    InProcess(Engines),
    Workers(Workers),
}

impl Background {
    fn check_alive(&mut self) -> anyhow::Result<()> {
        match self {
            Background::InProcess(_) => Ok(()),
            Background::Workers(w) => w.check_alive(),
        }
    }

    fn pids(&self) -> Vec<u32> {
        match self {
            Background::InProcess(_) => Vec::new(),
            Background::Workers(w) => w.pids(),
        }
    }

    fn stats(&self) -> Vec<ProcStats> {
        match self {
            Background::InProcess(_) => Vec::new(),
            Background::Workers(w) => w.stats(),
        }
    }

    /// Stops the engines; the failures of worker processes.
    async fn stop(self) -> Vec<String> {
        match self {
            Background::InProcess(engines) => {
                engines.stop().await;
                Vec::new()
            }
            Background::Workers(w) => w
                .finish()
                .await
                .into_iter()
                .map(|e| format!("{e:#}"))
                .collect(),
        }
    }
}

async fn start_background(
    args: &Args,
    db: &Db,
    fleet: &Fleet,
    api_store: &Arc<dyn Store>,
    signal: &WorkSignal,
) -> anyhow::Result<Background> {
    if args.workers > 0 {
        let Db::Postgres { url, schema } = db else {
            anyhow::bail!("--workers needs --backend postgres");
        };
        return Ok(Background::Workers(
            Workers::start(args, url, schema, &fleet.login()).await?,
        ));
    }
    // SQLite allows one writer per file: the engines share the process's store. On
    // PostgreSQL each engine gets its own pool, like a separate worker process.
    let mut stores = Vec::new();
    for _ in 0..args.engines {
        stores.push(match db {
            Db::Sqlite { .. } => Arc::clone(api_store),
            Db::Postgres { .. } => db.run_store(engine_pool(args)).await?,
        });
    }
    Ok(Background::InProcess(Engines::start(
        args,
        &fleet.credentials(),
        "main",
        stores,
        signal,
    )?))
}

async fn run(
    args: &Args,
    db: &Db,
    switch_count: usize,
    wanted: usize,
    load_before: String,
) -> anyhow::Result<()> {
    let setup_started = Instant::now();
    let mut fleet = Fleet::start(args, switch_count).await?;

    // --- Inventory, written with fast settings before the clock starts. ---
    let setup = db.setup_store().await?;
    let setup_service = Service::new(Arc::clone(&setup));
    let slots = write_inventory(&setup_service, &fleet.switches, wanted).await?;
    let secret = Secret::new(format!("bench-{}", Uuid::new_v4().simple()));
    let receiver = Receiver::start(secret.clone()).await?;
    let mut tenants = Vec::new();
    for p in 0..args.providers {
        tenants.push(add_provider(&setup_service, p, &receiver, &secret).await?);
    }
    drop(setup_service);
    drop(setup);

    // --- The measured system: durable store, engines, dispatchers. ---
    let api_store = db.run_store(16).await?;
    // In-process engines and dispatchers start as soon as the API commits (WorkSignal).
    let signal = WorkSignal::new();
    let service = Service::new(Arc::clone(&api_store)).with_work_signal(signal.clone());
    let mut background = start_background(args, db, &fleet, &api_store, &signal).await?;
    let rss_ready_kb = ProcStats::of(None).rss_kb;
    let setup_secs = setup_started.elapsed().as_secs_f64();
    eprintln!(
        "set up in {setup_secs:.1} s (harness RSS {} MB); running {:?} mode",
        rss_ready_kb / 1024,
        args.mode
    );

    // --- The receiver side: collect webhooks as they arrive. ---
    let progress = Arc::new(Progress::default());
    let collecting = Arc::new(AtomicBool::new(true));
    let collector = tokio::spawn(collect(
        receiver.clone(),
        Arc::clone(&progress),
        Arc::clone(&collecting),
    ));

    let monitor = tokio::spawn(monitor(
        Arc::clone(&progress),
        fleet.pid(),
        background.pids(),
    ));

    // --- The API side. ---
    let main_before = ProcStats::of(None);
    let machine_before = MachineCpu::now();
    let postgres_before = postgres_cpu();
    let workers_before = background.stats();
    let sims_before = fleet.stats().await?.process;
    #[cfg(feature = "postgres")]
    let waits = match db {
        Db::Postgres { url, schema } => Some(pg_waits::WaitSampler::start(url, schema).await?),
        Db::Sqlite { .. } => None,
    };
    let started = Instant::now();
    let submit = async {
        match args.mode {
            Mode::Bulk => submit::submit_bulk(&service, &tenants, &slots, &progress).await,
            Mode::Single => submit::submit_single(&service, &tenants, &slots, args.rate).await,
        }
    };
    // A child process that dies during the API phase ends the run at once.
    let api = tokio::select! {
        api = submit => api,
        died = watch_children(&mut fleet, &mut background) => Err(died),
    };
    let api_done = started.elapsed();
    let api = match api {
        Ok(api) => api,
        Err(e) => {
            let _ = background.stop().await;
            return Err(e);
        }
    };
    eprintln!(
        "API calls done in {:.1} s ({} jobs); waiting for webhooks",
        api_done.as_secs_f64(),
        api.submitted.len()
    );

    // --- Wait for every provisioning.completed (and for the child processes to live). ---
    let deadline = started + Duration::from_secs(args.timeout_secs);
    let expected = api.submitted.len() as u64;
    let mut last_check = Instant::now();
    while progress.completed.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if last_check.elapsed() >= Duration::from_secs(1) {
            last_check = Instant::now();
            fleet.check_alive()?;
            background.check_alive()?;
        }
    }
    // Let the remaining `subscription.activated` webhooks arrive (they are not timed).
    let all_events = expected * 2;
    let grace = Instant::now() + Duration::from_secs(10);
    while progress.events.load(Ordering::Relaxed) < all_events && Instant::now() < grace {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    monitor.abort();
    #[cfg(feature = "postgres")]
    if let Some(waits) = waits {
        waits.finish().await?;
    }
    collecting.store(false, Ordering::Relaxed);
    let collected = collector.await.context("collector task")?;
    let main = ProcRun::new(main_before, ProcStats::of(None));
    let machine = machine_before.shares_until(MachineCpu::now());
    // Read while the pools' connections still live (their CPU goes with them).
    let postgres = matches!(db, Db::Postgres { .. })
        .then(|| postgres_cpu_between(&postgres_before, &postgres_cpu()));
    let workers: Vec<ProcRun> = workers_before
        .into_iter()
        .zip(background.stats())
        .map(|(before, end)| ProcRun::new(before, end))
        .collect();
    let fleet_stats = fleet.stats().await?;
    let sims = ProcRun::new(sims_before, fleet_stats.process);
    let worker_errors = background.stop().await;
    let load_after = loadavg();
    let bad_ports = fleet
        .check_ports(api.submitted.len().min(slots.len()), PLAN_VLAN)
        .await?;
    fleet.finish().await?;
    let audit = match args.audit_interval_ms {
        Some(_) => Some(report::AuditSummary::read(&api_store).await?),
        None => None,
    };

    report::print(&Report {
        args,
        db,
        switch_count,
        wanted,
        setup_secs,
        started,
        api: &api,
        api_done,
        collected: &collected,
        rejected: receiver.rejected(),
        bad_ports,
        fleet: fleet_stats,
        main,
        rss_ready_kb,
        workers,
        sims,
        worker_errors,
        load_before,
        load_after,
        machine,
        postgres,
        audit,
    })
}

/// Resolves with an error when the simulator process or a worker process exits.
async fn watch_children(fleet: &mut Fleet, background: &mut Background) -> anyhow::Error {
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if let Err(e) = fleet.check_alive().and_then(|()| background.check_alive()) {
            return e;
        }
    }
}

/// Every 10 s: progress and the RSS of every process, so growth shows while it happens.
async fn monitor(progress: Arc<Progress>, sims: u32, workers: Vec<u32>) {
    let started = Instant::now();
    let mut every = tokio::time::interval(Duration::from_secs(10));
    every.tick().await;
    let (mut completed_before, mut at_before) = (0, started);
    loop {
        every.tick().await;
        let completed = progress.completed.load(Ordering::Relaxed);
        let now = Instant::now();
        let rate = (completed - completed_before) as f64
            / now
                .saturating_duration_since(at_before)
                .as_secs_f64()
                .max(1e-3);
        (completed_before, at_before) = (completed, now);
        let rss = |pid| ProcStats::of(pid).rss_kb / 1024;
        let workers: Vec<String> = workers.iter().map(|&p| rss(Some(p)).to_string()).collect();
        eprintln!(
            "  {:>6.1} s: {completed} completed ({rate:.0}/s), {} webhooks; RSS MB: harness {}{}, sims {}; load {}",
            started.elapsed().as_secs_f64(),
            progress.events.load(Ordering::Relaxed),
            rss(None),
            if workers.is_empty() {
                String::new()
            } else {
                format!(", workers {}", workers.join("/"))
            },
            rss(Some(sims)),
            loadavg()
        );
    }
}

//! The background side: provisioning engines and outbox dispatchers, either in the harness's
//! process or in worker processes (`--workers K`, PostgreSQL), each this binary re-invoked
//! with `--role worker`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use kurnl::engine::{
    AuditConfig, DeliveryPolicy, DispatcherConfig, DriftAuditor, EngineConfig, OutboxDispatcher,
    ProvisioningEngine, WorkSignal,
};
use kurnl::ports::{DriverRegistry, Store, SystemClock, TimeOrderedIds};
use kurnl::switch::{CredentialStore, IosDriver, JunosDriver};
use kurnl::webhook::HttpEventSink;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::args::Args;
use crate::child::{ChildProc, serve_stdin};
use crate::db::pg_store;
use crate::procfs::ProcStats;

/// Claims in flight per engine.
pub fn claims(args: &Args) -> usize {
    args.claims.max(1)
}

/// Pool size of one engine's own PostgreSQL store.
pub fn engine_pool(args: &Args) -> u32 {
    u32::try_from(claims(args) + 8).unwrap_or(32).min(32)
}

/// Running engines and dispatchers.
pub struct Engines {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Engines {
    /// One engine (with its own drivers) and one dispatcher per store in `stores`, all woken
    /// by `signal` (the API's, when they run in its process).
    pub fn start(
        args: &Args,
        credentials: &CredentialStore,
        label: &str,
        stores: Vec<Arc<dyn Store>>,
        signal: &WorkSignal,
    ) -> anyhow::Result<Self> {
        let claims = claims(args);
        let credentials = Arc::new(credentials.clone());
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        for (e, store) in stores.into_iter().enumerate() {
            let mut ios = IosDriver::new(credentials.clone()).with_global_sessions(claims);
            let mut junos = JunosDriver::new(credentials.clone()).with_global_sessions(claims);
            if let Some(n) = args.max_idle_sessions {
                ios = ios.with_max_idle_sessions(n);
                junos = junos.with_max_idle_sessions(n);
            }
            let drivers = DriverRegistry::new()
                .with("ios", Arc::new(ios))
                .with("junos", Arc::new(junos));
            let config = EngineConfig {
                worker: format!("throughput-{label}-{e}-{}", std::process::id()),
                max_jobs_per_claim: args.jobs_per_claim.max(1),
                concurrency: claims,
                idle_poll: Duration::from_millis(args.poll_ms),
                ..EngineConfig::default()
            };
            if let Some(ms) = args.audit_interval_ms {
                let auditor = DriftAuditor::new(
                    Arc::clone(&store),
                    drivers.clone(),
                    Arc::new(SystemClock),
                    Arc::new(TimeOrderedIds),
                    AuditConfig {
                        interval: Duration::from_millis(ms.max(1)),
                        poll: Duration::from_millis((ms / 4).clamp(10, 1000)),
                        ..AuditConfig::default()
                    },
                );
                tasks.push(tokio::spawn(auditor.run(stopped.clone())));
            }
            let engine = ProvisioningEngine::new(
                Arc::clone(&store),
                drivers,
                Arc::new(SystemClock),
                Arc::new(TimeOrderedIds),
                config,
            )
            .with_work_signal(signal.clone());
            let dispatcher = OutboxDispatcher::new(
                store,
                Arc::new(HttpEventSink::new()?),
                Arc::new(SystemClock),
                DeliveryPolicy::kurnl_default(),
            )
            .with_config(DispatcherConfig {
                batch_size: args.delivery_batch.max(1),
                concurrency: args.deliveries.max(1),
                poll_interval: Duration::from_millis(args.poll_ms),
                ..DispatcherConfig::default()
            })
            .with_work_signal(signal.clone());
            tasks.push(tokio::spawn(engine.run(stopped.clone())));
            tasks.push(tokio::spawn(dispatcher.run(stopped.clone())));
        }
        Ok(Self { stop, tasks })
    }

    /// Signals every loop to stop and waits (up to 30 s each) for them to finish.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
        }
    }
}

/// The worker process: engines and dispatchers on the parent's PostgreSQL schema until stdin
/// closes.
pub async fn child_main(args: &Args) -> anyhow::Result<()> {
    let url = args.pg_url.as_deref().context("worker without --pg-url")?;
    let schema = args.schema.as_deref().context("worker without --schema")?;
    let login = args
        .sim_login
        .as_deref()
        .context("worker without KURNL_THROUGHPUT_SIM_LOGIN")?;
    let credentials = crate::sims::credentials(login);
    let mut stores = Vec::new();
    for _ in 0..args.engines.max(1) {
        stores.push(pg_store(url, schema, engine_pool(args)).await?);
    }
    let engines = Engines::start(
        args,
        &credentials,
        &format!("w{}", args.worker_index),
        stores,
        // A worker process polls: the API's signal does not reach other processes.
        &WorkSignal::new(),
    )?;
    println!("ready");
    serve_stdin(|_| None).await;
    engines.stop().await;
    Ok(())
}

/// The parent's handles on its worker processes.
pub struct Workers {
    procs: Vec<ChildProc>,
}

impl Workers {
    /// Starts `args.workers` worker processes on `schema` and waits until each runs.
    pub async fn start(args: &Args, url: &str, schema: &str, login: &str) -> anyhow::Result<Self> {
        let mut procs = Vec::new();
        for i in 0..args.workers {
            let mut child_args: Vec<String> = [
                "--role",
                "worker",
                "--backend",
                "postgres",
                "--schema",
                schema,
                "--worker-index",
                &i.to_string(),
                "--engines",
                &args.engines.to_string(),
                "--claims",
                &args.claims.to_string(),
                "--jobs-per-claim",
                &args.jobs_per_claim.to_string(),
                "--deliveries",
                &args.deliveries.to_string(),
                "--delivery-batch",
                &args.delivery_batch.to_string(),
                "--poll-ms",
                &args.poll_ms.to_string(),
            ]
            .map(String::from)
            .to_vec();
            if let Some(n) = args.max_idle_sessions {
                child_args.extend(["--max-idle-sessions".to_owned(), n.to_string()]);
            }
            if let Some(ms) = args.audit_interval_ms {
                child_args.extend(["--audit-interval-ms".to_owned(), ms.to_string()]);
            }
            let env = [
                ("KURNL_TEST_POSTGRES_URL", url.to_owned()),
                ("KURNL_THROUGHPUT_SIM_LOGIN", login.to_owned()),
            ];
            procs.push(ChildProc::spawn(&format!("worker {i}"), &child_args, &env)?);
        }
        for proc in &mut procs {
            let line = proc.recv().await?;
            anyhow::ensure!(line == "ready", "{} said {line:?}", proc.name());
        }
        Ok(Self { procs })
    }

    /// An error naming the first worker that exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        self.procs.iter_mut().try_for_each(ChildProc::check_alive)
    }

    pub fn pids(&self) -> Vec<u32> {
        self.procs.iter().map(ChildProc::pid).collect()
    }

    /// Memory and CPU of each worker.
    pub fn stats(&self) -> Vec<ProcStats> {
        self.procs.iter().map(ChildProc::stats).collect()
    }

    /// Stops every worker; the errors of those that failed.
    pub async fn finish(self) -> Vec<anyhow::Error> {
        let mut errors = Vec::new();
        for proc in self.procs {
            if let Err(e) = proc.finish(Duration::from_secs(40)).await {
                errors.push(e);
            }
        }
        errors
    }
}

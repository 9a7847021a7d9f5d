//! [`Kurnl`]: one handle that wires a store, the service, the provisioning engine, the outbox
//! dispatcher and the HTTP API, with defaults for every part but the switch drivers.
//!
//! ```no_run
//! # async fn demo(ios: std::sync::Arc<dyn kurnl::ports::SwitchDriver>) -> Result<(), Box<dyn std::error::Error>> {
//! let mut kurnl = kurnl::Kurnl::builder()
//!     .sqlite("kurnl.db")
//!     .driver("ios", ios)
//!     .build()
//!     .await?;
//! kurnl.spawn().await?;
//! let app = axum::Router::new().nest("/isp", kurnl.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).with_graceful_shutdown(async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! let report = kurnl.shutdown().await?;
//! println!("left queued: {} jobs, {} events", report.queued.jobs, report.queued.events);
//! # Ok(()) }
//! ```
//!
//! # What may be left out
//! | Part | Default when left out |
//! |---|---|
//! | [`KurnlBuilder::store`] / [`KurnlBuilder::sqlite`] | embedded SQLite at `kurnl.db` in the working directory |
//! | [`KurnlBuilder::driver`] | none: a live job for a switch whose driver is not registered fails permanently (sandbox jobs never need one) |
//! | [`KurnlBuilder::webhooks`] | [`HttpEventSink`] (signed HTTPS/HTTP POSTs) |
//! | [`KurnlBuilder::delivery_policy`] | [`DeliveryPolicy::default`] |
//! | [`KurnlBuilder::clock`] / [`KurnlBuilder::ids`] | [`SystemClock`] / [`TimeOrderedIds`] |
//! | [`KurnlBuilder::engine_config`] / [`KurnlBuilder::dispatcher_config`] | their `Default` |
//! | [`KurnlBuilder::drift_audit`] | the inventory's `[drift_audit]` and per-switch `drift_*` settings, else hourly with policy `report` (reads only; never writes to a switch) |
//! | [`KurnlBuilder::inventory`] | nothing loaded; put inventory through [`Kurnl::service`] |
//! | [`Kurnl::spawn`] | nothing runs in the background: jobs and events stay queued in the store (the API still answers); run [`Kurnl::engine`], [`Kurnl::dispatcher`] and [`Kurnl::auditor`] yourself |
//!
//! The handle always hands one [`WorkSignal`] to the service, the engine and the dispatcher,
//! so work committed by this process starts at once; work committed by other processes on
//! the same store is found at the next poll (`idle_poll` / `poll_interval`, 100 ms).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kurnl_core::engine::{
    AuditConfig, DeliveryPolicy, DispatcherConfig, DriftAuditor, EngineConfig, OutboxDispatcher,
    ProvisioningEngine, WorkSignal,
};
use kurnl_core::ports::{
    Clock, DriverRegistry, EventSink, IdGenerator, QueuedWork, Store, StoreError, SwitchDriver,
    SystemClock, TimeOrderedIds,
};
use kurnl_core::service::Service;
use kurnl_http::RouterConfig;
use kurnl_store::SqliteStore;
use kurnl_webhook::HttpEventSink;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::inventory::{Inventory, InventoryError};

/// Why [`KurnlBuilder::build`] or [`Kurnl::spawn`] failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The store could not be opened or read.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The default webhook sink could not be built.
    #[error("webhook sink: {0}")]
    Webhooks(#[from] kurnl_webhook::WebhookError),
    /// The inventory was refused.
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    /// The service refused a start-up step (resuming bulk batches).
    #[error("service: {0}")]
    Service(#[from] kurnl_core::Error),
}

/// Builds a [`Kurnl`]; see the [module docs](self) for what each part defaults to.
#[derive(Debug)]
pub struct KurnlBuilder {
    store: Option<Arc<dyn Store>>,
    sqlite: PathBuf,
    drivers: DriverRegistry,
    sink: Option<Arc<dyn EventSink>>,
    policy: DeliveryPolicy,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    engine: EngineConfig,
    dispatcher: DispatcherConfig,
    /// `None` inside: audit off; outer `None`: from the inventory, else the default.
    audit: Option<Option<AuditConfig>>,
    router: RouterConfig,
    inventory: Option<Inventory>,
    deadline: Duration,
}

impl Default for KurnlBuilder {
    fn default() -> Self {
        Self {
            store: None,
            sqlite: PathBuf::from("kurnl.db"),
            drivers: DriverRegistry::new(),
            sink: None,
            policy: DeliveryPolicy::default(),
            clock: Arc::new(SystemClock),
            ids: Arc::new(TimeOrderedIds),
            engine: EngineConfig::default(),
            dispatcher: DispatcherConfig::default(),
            audit: None,
            router: RouterConfig::default(),
            inventory: None,
            deadline: Duration::from_secs(30),
        }
    }
}

impl KurnlBuilder {
    /// Uses this store (SQLite, PostgreSQL, in-memory or your own) instead of the default.
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Opens (creating when missing, migrating) the embedded SQLite database at `path`.
    /// Ignored when [`KurnlBuilder::store`] is given.
    pub fn sqlite(mut self, path: impl Into<PathBuf>) -> Self {
        self.sqlite = path.into();
        self
    }

    /// Registers the driver for switches whose `driver` field is `name` (`"ios"`, `"junos"`,
    /// your own).
    pub fn driver(mut self, name: impl Into<String>, driver: Arc<dyn SwitchDriver>) -> Self {
        self.drivers = self.drivers.with(name, driver);
        self
    }

    /// Replaces every driver registered so far.
    pub fn drivers(mut self, drivers: DriverRegistry) -> Self {
        self.drivers = drivers;
        self
    }

    /// Delivers webhooks through this sink instead of [`HttpEventSink`].
    pub fn webhooks(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// The webhook retry schedule and timeout.
    pub fn delivery_policy(mut self, policy: DeliveryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The clock of the service, the engine and the dispatcher.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The id generator of the service and the engine.
    pub fn ids(mut self, ids: Arc<dyn IdGenerator>) -> Self {
        self.ids = ids;
        self
    }

    /// Tuning of the provisioning engine (leases, retries, concurrency).
    pub fn engine_config(mut self, config: EngineConfig) -> Self {
        self.engine = config;
        self
    }

    /// The drift audit's settings (interval, policy, per-switch overrides), or `None` to run
    /// no audit. Without this call: the inventory's (`[drift_audit]` and the switches'
    /// `drift_*` fields), else [`AuditConfig::default`] (hourly, policy `report`).
    pub fn drift_audit(mut self, config: Option<AuditConfig>) -> Self {
        self.audit = Some(config);
        self
    }

    /// Tuning of the outbox dispatcher (batch size, concurrency, leases).
    pub fn dispatcher_config(mut self, config: DispatcherConfig) -> Self {
        self.dispatcher = config;
        self
    }

    /// Settings of [`Kurnl::router`] (trusted proxies, rate limits).
    pub fn router_config(mut self, config: RouterConfig) -> Self {
        self.router = config;
        self
    }

    /// Loads this inventory at [`KurnlBuilder::build`] (an idempotent upsert, so the same file
    /// can be loaded on every start).
    pub fn inventory(mut self, inventory: Inventory) -> Self {
        self.inventory = Some(inventory);
        self
    }

    /// How long [`Kurnl::shutdown`] waits for the jobs and deliveries in flight (30 s by
    /// default).
    pub fn shutdown_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Opens the store, loads the inventory and wires the parts. Nothing runs in the
    /// background until [`Kurnl::spawn`].
    ///
    /// # Errors
    /// [`BuildError`]: the store cannot be opened, the HTTP sink cannot be built, an
    /// inventory entry is refused.
    pub async fn build(self) -> Result<Kurnl, BuildError> {
        let store: Arc<dyn Store> = match self.store {
            Some(store) => store,
            None => Arc::new(SqliteStore::open(&self.sqlite).await?),
        };
        let sink: Arc<dyn EventSink> = match self.sink {
            Some(sink) => sink,
            None => Arc::new(HttpEventSink::new()?),
        };
        let signal = WorkSignal::new();
        let service = Service::new(Arc::clone(&store))
            .with_clock(Arc::clone(&self.clock))
            .with_ids(Arc::clone(&self.ids))
            .with_work_signal(signal.clone())
            .with_event_sink(Arc::clone(&sink));
        if let Some(inventory) = &self.inventory {
            inventory.apply(&service).await?;
        }
        let audit = match self.audit {
            Some(chosen) => chosen,
            None => match &self.inventory {
                Some(inventory) => inventory.audit_config(),
                None => Some(AuditConfig::default()),
            },
        };
        let auditor = audit.map(|config| {
            DriftAuditor::new(
                Arc::clone(&store),
                self.drivers.clone(),
                Arc::clone(&self.clock),
                Arc::clone(&self.ids),
                config,
            )
            .with_work_signal(signal.clone())
        });
        let engine = ProvisioningEngine::new(
            Arc::clone(&store),
            self.drivers,
            Arc::clone(&self.clock),
            self.ids,
            self.engine,
        )
        .with_work_signal(signal.clone());
        let dispatcher = OutboxDispatcher::new(Arc::clone(&store), sink, self.clock, self.policy)
            .with_config(self.dispatcher)
            .with_work_signal(signal);
        Ok(Kurnl {
            store,
            service,
            engine,
            dispatcher,
            auditor,
            router: self.router,
            deadline: self.deadline,
            running: None,
        })
    }
}

/// The background tasks of a spawned [`Kurnl`].
#[derive(Debug)]
struct Running {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// kurnl wired up: the service, the HTTP API, and (after [`Kurnl::spawn`]) the engine and the
/// dispatcher running in the background. Built by [`Kurnl::builder`].
///
/// Dropping a spawned handle without [`Kurnl::shutdown`] leaves its tasks running until the
/// runtime ends; nothing is lost either way (jobs and events are in the store and resume on
/// the next start), but work in flight is cut short and redone after its lease expires.
#[derive(Debug)]
pub struct Kurnl {
    store: Arc<dyn Store>,
    service: Service,
    engine: ProvisioningEngine,
    dispatcher: OutboxDispatcher,
    auditor: Option<DriftAuditor>,
    router: RouterConfig,
    deadline: Duration,
    running: Option<Running>,
}

/// What [`Kurnl::shutdown`] left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct ShutdownReport {
    /// `true` when the jobs and deliveries in flight finished within the deadline; `false`
    /// when they were cut short (they run again after their lease expires, on the next start
    /// or in another process on the same store).
    pub finished_in_time: bool,
    /// Jobs and events still queued in the store, for the next start.
    pub queued: QueuedWork,
}

impl Kurnl {
    /// A builder with every default.
    pub fn builder() -> KurnlBuilder {
        KurnlBuilder::default()
    }

    /// The use cases (signups, lifecycle, operator calls), for calls from Rust.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// kurnl's documented REST API (every path under `/api/v1`), ready to serve or to `nest`
    /// under a prefix of the host's own axum app. Serve it with
    /// `into_make_service_with_connect_info::<SocketAddr>()` so that per-IP rate limits see
    /// the client's address; without it they count every caller as one.
    pub fn router(&self) -> axum::Router {
        kurnl_http::router_with_config(self.service.clone(), self.router.clone())
    }

    /// A copy of the provisioning engine, for running jobs by hand (`run_once`, `drain`) when
    /// not spawned.
    pub fn engine(&self) -> ProvisioningEngine {
        self.engine.clone()
    }

    /// A copy of the outbox dispatcher, for delivering by hand (`run_once`) when not spawned.
    pub fn dispatcher(&self) -> OutboxDispatcher {
        self.dispatcher.clone()
    }

    /// A copy of the drift auditor (`None` when the audit is off), for auditing by hand
    /// (`run_once`, `audit_switch`) when not spawned.
    pub fn auditor(&self) -> Option<DriftAuditor> {
        self.auditor.clone()
    }

    /// Whether [`Kurnl::spawn`] has started the background tasks.
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Resumes bulk entries a previous run left unfinished, then starts the engine and the
    /// dispatcher as tokio tasks. Returns how many bulk entries were resumed. Queued jobs
    /// and events need no resuming: the engine and the dispatcher take them from the store
    /// (work leased by a process that died is taken over once its lease expires). A second
    /// call does nothing and returns 0.
    ///
    /// # Errors
    /// [`BuildError::Service`] when resuming bulk batches fails; nothing is started then.
    pub async fn spawn(&mut self) -> Result<usize, BuildError> {
        if self.running.is_some() {
            return Ok(0);
        }
        let resumed = self.service.resume_batches().await?;
        let (stop, stopped) = watch::channel(false);
        let mut tasks = vec![
            tokio::spawn(self.engine.clone().run(stopped.clone())),
            tokio::spawn(self.dispatcher.clone().run(stopped.clone())),
        ];
        if let Some(auditor) = &self.auditor {
            tasks.push(tokio::spawn(auditor.clone().run(stopped)));
        }
        self.running = Some(Running { stop, tasks });
        Ok(resumed)
    }

    /// Stops taking work, waits (up to the builder's `shutdown_deadline`) for the jobs and
    /// deliveries in flight to finish and be recorded, and reports what stays queued. Stop
    /// serving [`Kurnl::router`] first (axum's graceful shutdown) so that no new work arrives.
    ///
    /// # Errors
    /// Store failures while counting the queued work.
    pub async fn shutdown(mut self) -> Result<ShutdownReport, StoreError> {
        let mut finished_in_time = true;
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(true);
            let deadline = tokio::time::Instant::now() + self.deadline;
            for mut task in running.tasks {
                match tokio::time::timeout_at(deadline, &mut task).await {
                    Ok(joined) => {
                        if let Err(error) = joined {
                            tracing::error!(%error, "kurnl background task ended abnormally");
                        }
                    }
                    Err(_) => {
                        finished_in_time = false;
                        task.abort();
                    }
                }
            }
        }
        Ok(ShutdownReport {
            finished_in_time,
            queued: self.store.queued_work().await?,
        })
    }
}

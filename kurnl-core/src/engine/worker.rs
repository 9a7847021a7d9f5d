//! The provisioning engine: claims port jobs from the store, runs them through the switch's
//! driver and records the outcome with its `provisioning.*` event.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use tokio::sync::watch;
use tracing::Instrument;

use super::Backoff;
use super::claim_pacing::ClaimPacing;
use super::work_signal::WorkSignal;
use crate::metrics::{QueueGauges, record_claim, record_queued};
use crate::model::{EventData, Job, JobAction, NewEvent, Switch};
use crate::ports::{
    ClaimRequest, ClaimedJobs, Clock, DriverError, DriverErrorKind, DriverRegistry, IdGenerator,
    JobOutcome, JobResult, PortChange, PortResult, Store, StoreError,
};
use crate::types::EventId;

/// Settings of the provisioning engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Name in leases and logs.
    pub worker: String,
    /// Lease per claim; a worker that vanishes loses its jobs after this long.
    pub lease: Duration,
    /// At most this many jobs of one switch per claim (applied in one session).
    pub max_jobs_per_claim: u32,
    /// Retry schedule for retryable driver errors (attempts in total).
    pub backoff: Backoff,
    /// Deadline for one `apply` session.
    pub apply_timeout: StdDuration,
    /// Sleep when nothing is due. [`ProvisioningEngine::run`] polls an empty queue once per
    /// `idle_poll` in all, not once per claim loop.
    pub idle_poll: StdDuration,
    /// Expired leases are reaped at most this often per engine (each reap is a write). A
    /// vanished worker's jobs are taken over after their lease plus up to this long.
    pub reap_interval: Duration,
    /// Claims processed concurrently by [`ProvisioningEngine::run`].
    pub concurrency: usize,
}

impl Default for EngineConfig {
    /// 30 s leases, 50 jobs per claim, 3 attempts (1 s, then x4 up to 60 s, ±20 %), 120 s per
    /// session, 4 concurrent claims, polls every 100 ms when idle, reaps at most once a second.
    fn default() -> Self {
        Self {
            worker: format!("worker-{}", std::process::id()),
            lease: Duration::seconds(30),
            max_jobs_per_claim: 50,
            backoff: Backoff {
                max_attempts: 3,
                initial: StdDuration::from_secs(1),
                factor: 4.0,
                max: StdDuration::from_secs(60),
                jitter: 0.2,
            },
            apply_timeout: StdDuration::from_secs(120),
            idle_poll: StdDuration::from_millis(100),
            reap_interval: Duration::seconds(1),
            concurrency: 4,
        }
    }
}

/// What one [`ProvisioningEngine::run_once`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Expired leases returned to the queue.
    pub reaped: u64,
    /// Jobs claimed.
    pub claimed: usize,
    /// Jobs completed.
    pub completed: usize,
    /// Jobs rescheduled.
    pub retried: usize,
    /// Jobs failed for good.
    pub failed: usize,
}

/// Runs port jobs. Several engines (in one or several processes) may share one store.
#[derive(Debug, Clone)]
pub struct ProvisioningEngine {
    store: Arc<dyn Store>,
    drivers: DriverRegistry,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    config: EngineConfig,
    pacing: Arc<ClaimPacing>,
    signal: WorkSignal,
    queue_gauges: Arc<QueueGauges>,
}

impl ProvisioningEngine {
    /// An engine over a store and drivers.
    pub fn new(
        store: Arc<dyn Store>,
        drivers: DriverRegistry,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        config: EngineConfig,
    ) -> Self {
        Self {
            store,
            drivers,
            clock,
            ids,
            config,
            pacing: Arc::default(),
            signal: WorkSignal::default(),
            queue_gauges: Arc::default(),
        }
    }

    /// Wakes idle claim loops when the service of this process commits jobs, and raises the
    /// signal's events when a finish commits `provisioning.*` events (see [`WorkSignal`]).
    pub fn with_work_signal(mut self, signal: WorkSignal) -> Self {
        self.signal = signal;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Reaps expired leases (when `reap_interval` has passed since this engine last did),
    /// claims one switch's due jobs and runs them.
    ///
    /// # Errors
    /// Store failures; driver failures are recorded on the jobs instead.
    pub async fn run_once(&self) -> Result<TickReport, StoreError> {
        let now = self.clock.now();
        let mut report = TickReport::default();
        if self.pacing.reap_due(now, self.config.reap_interval) {
            report.reaped = self.store.reap_expired_leases(now).await?;
            // The queue gauges, on the reaping cadence: a count over the open jobs' index.
            match self.store.queued_work().await {
                Ok(work) => record_queued(work),
                Err(error) => tracing::debug!(%error, "counting the queue for the metrics failed"),
            }
            match self.store.queued_jobs_by_switch().await {
                Ok(queues) => self.queue_gauges.record(&queues, now),
                Err(error) => tracing::debug!(%error, "counting the queue per switch failed"),
            }
        }
        let request = ClaimRequest {
            worker: self.config.worker.clone(),
            now,
            lease: self.config.lease,
            max_jobs: self.config.max_jobs_per_claim,
        };
        let Some(claim) = self.store.claim_jobs(&request).await? else {
            return Ok(report);
        };
        report.claimed = claim.jobs.len();
        let started = std::time::Instant::now();
        // The claim's logs, the drivers' included, carry its switch; each job's own lines
        // name the job, and this one ties every job to its subscription.
        let span =
            tracing::info_span!("claim", switch_id = %claim.switch_id, jobs = claim.jobs.len());
        for job in &claim.jobs {
            span.in_scope(|| {
                tracing::debug!(job_id = %job.id, subscription_id = %job.subscription_id, action = ?job.action, "job claimed");
            });
        }
        let outcomes = self.execute(&claim).instrument(span).await;
        let took = started.elapsed();
        for outcome in &outcomes {
            match outcome.result {
                JobResult::Completed { .. } => report.completed += 1,
                JobResult::Retry { .. } => report.retried += 1,
                JobResult::Failed { .. } => report.failed += 1,
            }
        }
        match self
            .store
            .finish_jobs(claim.lease, outcomes, self.clock.now())
            .await
        {
            // Another worker reclaimed the jobs after our lease expired; it will redo them and
            // drivers converge, so nothing is lost.
            Err(StoreError::LeaseLost) => {
                tracing::warn!(switch = %claim.switch_id, "lease lost before finishing; jobs left to their new holder");
                record_claim(report.completed, report.retried, report.failed, true, took);
                Ok(TickReport {
                    completed: 0,
                    retried: 0,
                    failed: 0,
                    ..report
                })
            }
            Err(e) => Err(e),
            Ok(()) => {
                record_claim(report.completed, report.retried, report.failed, false, took);
                self.signal.events_committed();
                Ok(report)
            }
        }
    }

    /// Runs [`Self::run_once`] until nothing is claimable now; the total of the reports.
    ///
    /// # Errors
    /// Store failures.
    pub async fn drain(&self) -> Result<TickReport, StoreError> {
        let mut total = TickReport::default();
        loop {
            let r = self.run_once().await?;
            if r.claimed == 0 {
                total.reaped += r.reaped;
                return Ok(total);
            }
            total.reaped += r.reaped;
            total.claimed += r.claimed;
            total.completed += r.completed;
            total.retried += r.retried;
            total.failed += r.failed;
        }
    }

    /// Works until `shutdown` becomes `true`, with `config.concurrency` claims in flight.
    /// A claim in flight when shutdown is asked for is finished first.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let engine = Arc::new(self);
        let mut tasks = Vec::new();
        for _ in 0..engine.config.concurrency.max(1) {
            let engine = Arc::clone(&engine);
            let mut shutdown = shutdown.clone();
            tasks.push(tokio::spawn(async move {
                while !*shutdown.borrow() {
                    // The queue was just found empty: wait for the next poll or a signal.
                    if let Some(until) = engine.pacing.idle_until() {
                        tokio::select! {
                            _ = tokio::time::sleep_until(until) => {}
                            () = engine.signal.jobs() => engine.pacing.found_work(),
                            _ = shutdown.changed() => {}
                        }
                        continue;
                    }
                    match engine.run_once().await {
                        Ok(r) if r.claimed > 0 => engine.pacing.found_work(),
                        Ok(_) => engine.pacing.found_empty(engine.config.idle_poll),
                        Err(e) => {
                            tracing::error!(error = %e, "provisioning engine store error");
                            engine.pacing.found_empty(engine.config.idle_poll);
                        }
                    }
                }
            }));
        }
        for task in tasks {
            let _ = task.await;
        }
    }

    async fn execute(&self, claim: &ClaimedJobs) -> Vec<JobOutcome> {
        let (sandbox, live): (Vec<&Job>, Vec<&Job>) = claim.jobs.iter().partition(|j| j.sandbox);
        let mut results: Vec<PortResult> = sandbox
            .iter()
            .map(|j| PortResult {
                job_id: j.id,
                outcome: Ok(()),
            })
            .collect();
        if !live.is_empty() {
            results.extend(self.apply_live(claim, &live).await);
        }
        claim
            .jobs
            .iter()
            .map(|job| {
                let outcome = results
                    .iter()
                    .find(|r| r.job_id == job.id)
                    .map(|r| r.outcome.clone())
                    .unwrap_or_else(|| {
                        Err(DriverError::transient(
                            DriverErrorKind::Protocol,
                            "driver returned no result for this port",
                        ))
                    });
                self.outcome_for(job, outcome)
            })
            .collect()
    }

    async fn apply_live(&self, claim: &ClaimedJobs, jobs: &[&Job]) -> Vec<PortResult> {
        let fail_all = |e: DriverError| {
            jobs.iter()
                .map(|j| PortResult {
                    job_id: j.id,
                    outcome: Err(e.clone()),
                })
                .collect()
        };
        let switch: Switch = match self.store.get_switch(claim.switch_id).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                return fail_all(DriverError::permanent(
                    DriverErrorKind::Configuration,
                    format!("switch {} is not in the inventory", claim.switch_id),
                ));
            }
            Err(e) => {
                return fail_all(DriverError::transient(
                    DriverErrorKind::Configuration,
                    e.to_string(),
                ));
            }
        };
        let driver = match self.drivers.driver_for(&switch) {
            Ok(d) => d,
            Err(e) => return fail_all(e),
        };
        let changes: Vec<PortChange> = jobs
            .iter()
            .map(|j| PortChange {
                job_id: j.id,
                interface: j.interface.clone(),
                desired: j.desired.clone(),
            })
            .collect();
        let heartbeat = self.spawn_heartbeat(claim);
        let applied =
            tokio::time::timeout(self.config.apply_timeout, driver.apply(&switch, &changes)).await;
        heartbeat.abort();
        match applied {
            Ok(Ok(results)) => results,
            Ok(Err(e)) => fail_all(e),
            Err(_) => fail_all(DriverError::transient(
                DriverErrorKind::Timeout,
                format!(
                    "session did not finish within {:?}",
                    self.config.apply_timeout
                ),
            )),
        }
    }

    fn spawn_heartbeat(&self, claim: &ClaimedJobs) -> tokio::task::JoinHandle<()> {
        let store = Arc::clone(&self.store);
        let clock = Arc::clone(&self.clock);
        let lease = claim.lease;
        let length = self.config.lease;
        let every = (length / 3)
            .to_std()
            .unwrap_or(StdDuration::from_secs(10))
            .max(StdDuration::from_millis(50));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if store.heartbeat(lease, clock.now() + length).await.is_err() {
                    return;
                }
            }
        })
    }

    fn outcome_for(&self, job: &Job, outcome: Result<(), DriverError>) -> JobOutcome {
        let now = self.clock.now();
        let event = |data| NewEvent {
            id: EventId(self.ids.new_uuid()),
            provider_id: job.provider_id,
            sandbox: job.sandbox,
            data,
            created_at: now,
        };
        // A drift repair is the operator's business: the provider was told of the drift
        // (`port.drift_detected`) and hears nothing of the repair job.
        let repair = job.action == JobAction::Repair;
        let result = match outcome {
            Ok(()) => JobResult::Completed {
                events: if repair {
                    Vec::new()
                } else {
                    vec![event(EventData::ProvisioningCompleted {
                        job_id: job.id,
                        subscription_id: job.subscription_id,
                    })]
                },
            },
            Err(e) => {
                // A partially applied change is never retried as if nothing happened: the
                // job fails with a last_error that starts "PartiallyApplied: port ... is
                // partially changed" and names the lines that stuck, so an operator looks at
                // the port before anyone re-queues it.
                let partial = e.kind == DriverErrorKind::PartiallyApplied;
                if partial {
                    tracing::error!(job = %job.id, error = %e, "port job left the port partially changed");
                }
                let retry_in = if e.retryable && !partial {
                    self.config.backoff.delay(job.attempts)
                } else {
                    None
                };
                match retry_in.and_then(|d| Duration::from_std(d).ok()) {
                    Some(delay) => {
                        tracing::info!(job = %job.id, attempt = job.attempts, error = %e, "port job will be retried");
                        JobResult::Retry {
                            at: now + delay,
                            error: e.to_string(),
                        }
                    }
                    None => {
                        tracing::warn!(job = %job.id, attempt = job.attempts, error = %e, "port job failed");
                        JobResult::Failed {
                            error: e.to_string(),
                            events: if repair {
                                Vec::new()
                            } else {
                                vec![event(EventData::ProvisioningFailed {
                                    job_id: job.id,
                                    subscription_id: job.subscription_id,
                                    // The provider's text names no address, key or
                                    // credential; last_error keeps the detail for operators.
                                    error: e.kind.provider_message().to_owned(),
                                })]
                            },
                        }
                    }
                }
            }
        };
        JobOutcome {
            job_id: job.id,
            result,
        }
    }
}

//! The drift audit: every so often, per switch, read the managed ports and compare them with
//! what kurnl last applied; record what differs, tell the subscription's provider, and under
//! policy `repair` queue a port job that converges the port.
//!
//! A port is *managed* once a production job for it completed: its desired state is that
//! job's (the subscription's state, or captive after a cancellation). Ports kurnl never
//! configured, and ports whose job is queued or running, are not read and never touched.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::watch;

use super::WorkSignal;

use crate::metrics::record_drift_audit;
use crate::model::{
    AuditOutcome, DriftAction, DriftField, DriftFinding, DriftPolicy, EventData, FindingToRecord,
    Job, JobAction, JobStatus, NewEvent, PortConfig, Switch, SwitchAudit,
};
use crate::ports::{
    AuditRecord, Clock, DriverErrorKind, DriverRegistry, IdGenerator, JobQuery, PortOverview,
    Store, StoreError,
};
use crate::types::{DriftId, EventId, JobId, ProviderId, SubscriptionId, SwitchId};

/// The audit settings of one switch, each overriding the fleet default when set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SwitchAuditSettings {
    /// How often the switch is audited.
    pub interval: Option<StdDuration>,
    /// What is done about drift.
    pub policy: Option<DriftPolicy>,
    /// Never audit this switch.
    pub disabled: bool,
}

/// Settings of the [`DriftAuditor`].
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// Fleet default interval between two audits of a switch.
    pub interval: StdDuration,
    /// Fleet default policy.
    pub policy: DriftPolicy,
    /// Per-switch overrides.
    pub switches: HashMap<SwitchId, SwitchAuditSettings>,
    /// A switch that could not be reached is audited again after this long.
    pub retry_after: StdDuration,
    /// How often [`DriftAuditor::run`] looks for due switches.
    pub poll: StdDuration,
}

impl Default for AuditConfig {
    /// Every switch hourly, policy `report`, an unreachable switch again after 5 minutes,
    /// due switches looked for every 10 seconds.
    fn default() -> Self {
        Self {
            interval: StdDuration::from_secs(3600),
            policy: DriftPolicy::Report,
            switches: HashMap::new(),
            retry_after: StdDuration::from_secs(300),
            poll: StdDuration::from_secs(10),
        }
    }
}

impl AuditConfig {
    /// The interval and policy of `switch`, or `None` when it is not audited.
    pub fn settings_for(&self, switch: SwitchId) -> Option<(StdDuration, DriftPolicy)> {
        let own = self.switches.get(&switch);
        if own.is_some_and(|s| s.disabled) {
            return None;
        }
        Some((
            own.and_then(|s| s.interval).unwrap_or(self.interval),
            own.and_then(|s| s.policy).unwrap_or(self.policy),
        ))
    }
}

/// What one switch audit did ([`DriftAuditor::audit_switch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// The audit as recorded.
    pub audit: SwitchAudit,
    /// Its findings as recorded (actions decided by the store).
    pub findings: Vec<DriftFinding>,
}

/// The periodic drift audit. Several processes may run one on the same store: a switch's
/// round is claimed in the store ([`Store::claim_switch_audit`]), so one of them audits it.
#[derive(Debug, Clone)]
pub struct DriftAuditor {
    store: Arc<dyn Store>,
    drivers: DriverRegistry,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    config: AuditConfig,
    signal: WorkSignal,
}

/// A managed port: its overview and the desired state kurnl last applied.
struct Managed<'a> {
    overview: &'a PortOverview,
    desired: &'a PortConfig,
}

impl DriftAuditor {
    /// An auditor over a store and drivers.
    pub fn new(
        store: Arc<dyn Store>,
        drivers: DriverRegistry,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        config: AuditConfig,
    ) -> Self {
        Self {
            store,
            drivers,
            clock,
            ids,
            config,
            signal: WorkSignal::default(),
        }
    }

    /// Wakes the idle provisioning engine of this process when an audit queues a repair
    /// job, and the dispatcher when it appends `port.drift_detected` events.
    pub fn with_work_signal(mut self, signal: WorkSignal) -> Self {
        self.signal = signal;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &AuditConfig {
        &self.config
    }

    /// Where in its interval a switch's first audit falls: a fixed offset from its id, so
    /// switches spread over the interval and every process agrees.
    fn first_offset(switch: SwitchId, interval: StdDuration) -> Duration {
        let millis = interval.as_millis().max(1);
        let offset = switch.0.as_u128() % millis;
        Duration::milliseconds(i64::try_from(offset).unwrap_or(0))
    }

    fn chrono(d: StdDuration) -> Duration {
        Duration::from_std(d).unwrap_or(Duration::MAX)
    }

    /// Audits every switch that is due (and claimed by this call), one after another.
    /// Disabled switches (maintenance) and switches with audits off are skipped.
    ///
    /// # Errors
    /// Store failures; an unreachable switch is recorded, not an error.
    pub async fn run_once(&self) -> Result<Vec<AuditReport>, StoreError> {
        let mut reports = Vec::new();
        for switch in self.store.list_switches().await? {
            if switch.disabled {
                continue;
            }
            let Some((interval, policy)) = self.config.settings_for(switch.id) else {
                continue;
            };
            let now = self.clock.now();
            let first_due = now + Self::first_offset(switch.id, interval);
            let hold_until = now + Self::chrono(interval);
            if !self
                .store
                .claim_switch_audit(switch.id, now, first_due, hold_until)
                .await?
            {
                continue;
            }
            reports.push(self.audit_claimed(&switch, interval, policy).await?);
        }
        Ok(reports)
    }

    /// Audits `switch` now with its configured policy, whether due or not (an operator's
    /// "audit now", tests). The next audit is then due an interval later.
    ///
    /// # Errors
    /// Store failures; `NotFound("switch")` for an unknown switch.
    pub async fn audit_switch(&self, switch: SwitchId) -> Result<AuditReport, StoreError> {
        let Some(switch) = self.store.get_switch(switch).await? else {
            return Err(StoreError::NotFound("switch"));
        };
        let (interval, policy) = self
            .config
            .settings_for(switch.id)
            .unwrap_or((self.config.interval, self.config.policy));
        self.audit_claimed(&switch, interval, policy).await
    }

    async fn audit_claimed(
        &self,
        switch: &Switch,
        interval: StdDuration,
        policy: DriftPolicy,
    ) -> Result<AuditReport, StoreError> {
        let timer = std::time::Instant::now();
        let started_at = self.clock.now();
        let ports = self.store.list_ports(switch.id).await?;
        let busy = self.busy_ports(switch.id).await?;
        let managed: Vec<Managed<'_>> = ports
            .iter()
            .filter(|p| !busy.contains(&p.port.port.port_number))
            .filter_map(|p| {
                p.last_applied.as_ref().map(|(desired, _)| Managed {
                    overview: p,
                    desired,
                })
            })
            .collect();
        let reads = if managed.is_empty() {
            // Nothing kurnl manages here: no session is opened.
            Ok(Vec::new())
        } else {
            let interfaces: Vec<_> = managed
                .iter()
                .map(|m| m.overview.port.interface.clone())
                .collect();
            match self.drivers.driver_for(switch) {
                Ok(driver) => driver.read_ports(switch, &interfaces).await,
                Err(e) => Err(e),
            }
        };
        let reads = match reads {
            Ok(reads) => reads,
            Err(e) => {
                tracing::warn!(switch = %switch.name, error = %e, "drift audit could not reach the switch; retrying later");
                let finished_at = self.clock.now();
                let audit = SwitchAudit {
                    switch_id: switch.id,
                    started_at,
                    finished_at,
                    policy,
                    outcome: AuditOutcome::Unreachable {
                        error: e.to_string(),
                    },
                };
                let record = AuditRecord {
                    audit: audit.clone(),
                    next_due_at: finished_at + Self::chrono(self.config.retry_after),
                    findings: Vec::new(),
                    events: Vec::new(),
                };
                self.store.finish_switch_audit(record).await?;
                record_drift_audit("unreachable", 0, &[], timer.elapsed());
                return Ok(AuditReport {
                    audit,
                    findings: Vec::new(),
                });
            }
        };

        let mut unreadable = 0u32;
        let mut drifted = Vec::new();
        for (m, read) in managed.iter().zip(reads) {
            match read {
                Ok(actual) => {
                    let fields = DriftField::differences(m.desired, &actual);
                    if !fields.is_empty() {
                        drifted.push((m, Some(actual), fields));
                    }
                }
                // The device showed the port, in a form kurnl never writes.
                Err(e) if e.kind == DriverErrorKind::Protocol => {
                    tracing::warn!(switch = %switch.name, interface = %m.overview.port.interface, error = %e, "port configuration kurnl cannot read back");
                    drifted.push((m, None, vec![DriftField::Other]));
                }
                Err(e) => {
                    unreadable += 1;
                    tracing::warn!(switch = %switch.name, interface = %m.overview.port.interface, error = %e, "drift audit could not read a port");
                }
            }
        }
        // A job that started or finished while the switch was read decides those ports:
        // their difference is that job's doing, not drift.
        let moved = if drifted.is_empty() {
            HashSet::new()
        } else {
            self.moved_since_read(switch.id, &ports).await?
        };
        let now = self.clock.now();
        let mut findings = Vec::new();
        let mut events = Vec::new();
        for (m, actual, fields) in drifted {
            if moved.contains(&m.overview.port.port.port_number) {
                continue;
            }
            let live = m.overview.live_subscription.as_ref();
            let owner = match live {
                Some(s) => Some((s.provider_id, s.id)),
                None => self.owner_of_last_job(m.overview.last_applied_job).await?,
            };
            let repair = match (policy, owner) {
                (DriftPolicy::Repair, Some((provider, subscription))) => {
                    Some(self.repair_job(m, provider, subscription, now))
                }
                _ => None,
            };
            let finding = DriftFinding {
                id: DriftId(self.ids.new_uuid()),
                port: m.overview.port.port,
                interface: m.overview.port.interface.clone(),
                subscription_id: live.map(|s| s.id),
                provider_id: live.map(|s| s.provider_id),
                desired: m.desired.clone(),
                actual,
                fields: fields.clone(),
                action: if repair.is_some() {
                    DriftAction::RepairQueued
                } else {
                    DriftAction::Reported
                },
                repair_job_id: repair.as_ref().map(|j| j.id),
                detected_at: now,
            };
            tracing::warn!(switch = %switch.name, interface = %finding.interface, drifted = ?fields, policy = policy.as_str(), "port drifted from its desired state");
            if let Some(s) = live {
                events.push(NewEvent {
                    id: EventId(self.ids.new_uuid()),
                    provider_id: s.provider_id,
                    sandbox: false,
                    data: EventData::PortDriftDetected {
                        subscription_id: s.id,
                        drifted: fields,
                        policy,
                    },
                    created_at: now,
                });
            }
            findings.push(FindingToRecord { finding, repair });
        }
        let finished_at = self.clock.now();
        let checked = u32::try_from(managed.len()).unwrap_or(u32::MAX);
        let audit = SwitchAudit {
            switch_id: switch.id,
            started_at,
            finished_at,
            policy,
            outcome: AuditOutcome::Completed {
                ports_checked: checked - unreadable,
                drifted: u32::try_from(findings.len()).unwrap_or(u32::MAX),
                unreadable,
            },
        };
        let record = AuditRecord {
            audit: audit.clone(),
            next_due_at: finished_at + Self::chrono(interval),
            findings,
            events,
        };
        let has_events = !record.events.is_empty();
        let findings = self.store.finish_switch_audit(record).await?;
        if findings
            .iter()
            .any(|f| f.action == DriftAction::RepairQueued)
        {
            self.signal.jobs_committed();
        }
        if has_events {
            self.signal.events_committed();
        }
        let actions: Vec<_> = findings.iter().map(|f| f.action).collect();
        record_drift_audit("completed", checked - unreadable, &actions, timer.elapsed());
        Ok(AuditReport { audit, findings })
    }

    /// Port numbers of `switch` with a production job pending or in progress.
    async fn busy_ports(&self, switch: SwitchId) -> Result<HashSet<u32>, StoreError> {
        let mut busy = HashSet::new();
        for status in [JobStatus::Pending, JobStatus::InProgress] {
            let mut after = None;
            loop {
                let page = self
                    .store
                    .list_jobs(&JobQuery {
                        status: Some(status),
                        switch_id: Some(switch),
                        after,
                        limit: 500,
                        ..JobQuery::default()
                    })
                    .await?;
                busy.extend(
                    page.iter()
                        .filter(|j| !j.sandbox)
                        .map(|j| j.port.port_number),
                );
                match page.last() {
                    Some(last) if page.len() == 500 => after = Some(last.id),
                    _ => break,
                }
            }
        }
        Ok(busy)
    }

    /// Ports whose last applied job changed since `before` was read, or that got a job.
    async fn moved_since_read(
        &self,
        switch: SwitchId,
        before: &[PortOverview],
    ) -> Result<HashSet<u32>, StoreError> {
        let was: HashMap<u32, Option<JobId>> = before
            .iter()
            .map(|p| (p.port.port.port_number, p.last_applied_job))
            .collect();
        let mut moved = self.busy_ports(switch).await?;
        for now in self.store.list_ports(switch).await? {
            let number = now.port.port.port_number;
            if was.get(&number) != Some(&now.last_applied_job) {
                moved.insert(number);
            }
        }
        Ok(moved)
    }

    /// The provider and subscription of a free port's last job (a repair job needs an
    /// owner; no event goes to it).
    async fn owner_of_last_job(
        &self,
        job: Option<JobId>,
    ) -> Result<Option<(ProviderId, SubscriptionId)>, StoreError> {
        let Some(id) = job else {
            return Ok(None);
        };
        Ok(self
            .store
            .find_job(id)
            .await?
            .map(|j| (j.provider_id, j.subscription_id)))
    }

    fn repair_job(
        &self,
        m: &Managed<'_>,
        provider: ProviderId,
        subscription: SubscriptionId,
        now: DateTime<Utc>,
    ) -> Job {
        Job {
            id: JobId(self.ids.new_uuid()),
            provider_id: provider,
            subscription_id: subscription,
            sandbox: false,
            action: JobAction::Repair,
            port: m.overview.port.port,
            interface: m.overview.port.interface.clone(),
            desired: m.desired.clone(),
            status: JobStatus::Pending,
            attempts: 0,
            run_at: now,
            lease: None,
            lease_expires_at: None,
            last_error: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// Audits due switches until `shutdown` becomes `true`, looking every `config.poll`. An
    /// audit in flight when shutdown is asked for is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            if let Err(e) = self.run_once().await {
                tracing::error!(error = %e, "drift audit store error");
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

//! The tables of the in-memory store and the inventory writes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::model::{
    ApiKeyRecord, Batch, Building, DeliveryAttempt, Event, Job, Location, Plan, PlanVersion, Port,
    PortRef, Provider, Subscriber, Subscription, Switch, Unit,
};
use crate::ports::StoreError;
use crate::types::{
    ApiKeyId, BatchId, BuildingId, EventId, JobId, LocationHash, PlanId, PlanVersionId, ProviderId,
    SubscriberId, SubscriptionId, SwitchId, UnitId,
};

/// A stored row with its insertion number, the tie-breaker of "oldest first" orderings.
#[derive(Debug, Clone)]
pub(super) struct Row<T> {
    pub(super) seq: u64,
    pub(super) value: T,
}

/// An outbox row: the event plus the expiry of its delivery lease (not part of [`Event`]).
#[derive(Debug, Clone)]
pub(super) struct EventRow {
    pub(super) seq: u64,
    pub(super) event: Event,
    pub(super) lease_expires_at: Option<DateTime<Utc>>,
}

/// Every table of the store.
#[derive(Debug, Default)]
pub(super) struct State {
    next_seq: u64,
    pub(super) providers: HashMap<ProviderId, Provider>,
    pub(super) api_keys: HashMap<ApiKeyId, ApiKeyRecord>,
    /// Operator keys, oldest first.
    pub(super) operator_keys: Vec<crate::model::OperatorKeyRecord>,
    pub(super) plans: HashMap<PlanId, Plan>,
    pub(super) plan_versions: HashMap<PlanVersionId, PlanVersion>,
    pub(super) switches: HashMap<SwitchId, Switch>,
    pub(super) ports: HashMap<PortRef, Port>,
    pub(super) locations: HashMap<LocationHash, Location>,
    pub(super) buildings: HashMap<BuildingId, Building>,
    pub(super) units: HashMap<UnitId, Unit>,
    pub(super) subscribers: HashMap<SubscriberId, Row<Subscriber>>,
    pub(super) subscriptions: HashMap<SubscriptionId, Row<Subscription>>,
    pub(super) jobs: HashMap<JobId, Row<Job>>,
    pub(super) events: HashMap<EventId, EventRow>,
    pub(super) attempts: HashMap<EventId, Vec<DeliveryAttempt>>,
    /// Last sequence number handed out per subscription.
    pub(super) event_sequences: HashMap<SubscriptionId, i64>,
    pub(super) batches: HashMap<BatchId, Row<Batch>>,
    /// Endpoints that answered 410, per provider environment.
    pub(super) disabled_endpoints: HashMap<(ProviderId, bool), crate::ports::DisabledEndpoint>,
    /// Drift audit schedule and last audit per switch.
    pub(super) audits: HashMap<SwitchId, crate::model::SwitchAuditState>,
    /// Drift findings in insertion order.
    pub(super) drift: Vec<Row<crate::model::DriftFinding>>,
}

impl State {
    /// The next insertion number.
    pub(super) fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub(super) fn put_provider(&mut self, provider: &Provider) -> Result<(), StoreError> {
        self.providers.insert(provider.id, provider.clone());
        Ok(())
    }

    pub(super) fn put_api_key(&mut self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        self.api_keys.insert(key.id, key.clone());
        Ok(())
    }

    pub(super) fn queued_work(&self) -> crate::ports::QueuedWork {
        use crate::model::{DeliveryStatus, JobStatus};
        let jobs = self
            .jobs
            .values()
            .filter(|j| matches!(j.value.status, JobStatus::Pending | JobStatus::InProgress))
            .count();
        let events = self
            .events
            .values()
            .filter(|e| e.event.status == DeliveryStatus::Pending)
            .count();
        crate::ports::QueuedWork {
            jobs: jobs as u64,
            events: events as u64,
        }
    }

    pub(super) fn queued_jobs_by_switch(&self) -> Vec<crate::ports::SwitchQueue> {
        use crate::model::JobStatus;
        let mut per_switch = std::collections::HashMap::new();
        for job in self.jobs.values().map(|j| &j.value) {
            if matches!(job.status, JobStatus::Pending | JobStatus::InProgress) {
                let entry = per_switch
                    .entry(job.port.switch_id)
                    .or_insert((0_u64, job.created_at));
                entry.0 += 1;
                entry.1 = entry.1.min(job.created_at);
            }
        }
        per_switch
            .into_iter()
            .map(
                |(switch_id, (jobs, oldest_created_at))| crate::ports::SwitchQueue {
                    switch_id,
                    jobs,
                    oldest_created_at,
                },
            )
            .collect()
    }

    pub(super) fn find_api_key(&self, key_hash: &str) -> Option<ApiKeyRecord> {
        self.api_keys
            .values()
            .find(|k| k.key_hash == key_hash)
            .cloned()
    }

    pub(super) fn revoke_api_key(
        &mut self,
        id: ApiKeyId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = self
            .api_keys
            .get_mut(&id)
            .ok_or(StoreError::NotFound("api key"))?;
        // Revoking twice keeps the first revocation time.
        key.revoked_at.get_or_insert(at);
        Ok(())
    }

    pub(super) fn put_plan(&mut self, plan: &Plan) -> Result<(), StoreError> {
        self.plans.insert(plan.id, plan.clone());
        Ok(())
    }

    pub(super) fn put_plan_version(&mut self, version: &PlanVersion) -> Result<(), StoreError> {
        self.plan_versions.insert(version.id, version.clone());
        Ok(())
    }

    pub(super) fn list_plan_versions(&self, provider: ProviderId) -> Vec<PlanVersion> {
        let mut versions: Vec<PlanVersion> = self
            .plan_versions
            .values()
            .filter(|v| v.provider_id == provider)
            .cloned()
            .collect();
        versions.sort_by_key(|v| (v.effective_from, v.id));
        versions
    }

    pub(super) fn put_switch(&mut self, switch: &Switch) -> Result<(), StoreError> {
        self.switches.insert(switch.id, switch.clone());
        Ok(())
    }

    pub(super) fn list_switches(&self) -> Vec<Switch> {
        let mut switches: Vec<Switch> = self.switches.values().cloned().collect();
        switches.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        switches
    }

    pub(super) fn put_port(&mut self, port: &Port) -> Result<(), StoreError> {
        self.ports.insert(port.port, port.clone());
        Ok(())
    }

    pub(super) fn put_location(&mut self, location: &Location) -> Result<(), StoreError> {
        self.locations
            .insert(location.hash.clone(), location.clone());
        Ok(())
    }

    pub(super) fn put_building(&mut self, building: &Building) -> Result<(), StoreError> {
        self.buildings.insert(building.id, building.clone());
        Ok(())
    }

    pub(super) fn put_unit(&mut self, unit: &Unit) -> Result<(), StoreError> {
        self.units.insert(unit.id, unit.clone());
        Ok(())
    }
}

/// Sorts rows oldest first: by creation time, then insertion order.
pub(super) fn oldest_first<T: Clone>(
    mut rows: Vec<&Row<T>>,
    created: impl Fn(&T) -> DateTime<Utc>,
) -> Vec<T> {
    rows.sort_by_key(|r| (created(&r.value), r.seq));
    rows.into_iter().map(|r| r.value.clone()).collect()
}

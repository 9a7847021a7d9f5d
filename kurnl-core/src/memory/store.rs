//! The in-memory reference implementation of the [`Store`] port.
//!
//! All state sits behind one mutex and every method takes it exactly once, so each call is
//! atomic and linearisable: [`Store::commit`] validates the whole [`WriteSet`] before it applies
//! any of it, which is how a conflict writes nothing.

mod batches;
mod commit;
mod drift;
mod network;
mod operator;
mod outbox;
mod queue;
mod reads;
mod state;

use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::model::{
    ApiKeyRecord, Batch, Building, DeliveryAttempt, EntryOutcome, Event, Job, Location, NewEvent,
    OperatorKeyRecord, Plan, PlanVersion, Port, PortRef, Provider, Subscriber, Subscription,
    Switch, Unit,
};
use crate::ports::{
    BatchView, ClaimRequest, ClaimedJobs, DeliveryFilter, DeliveryRecord, DeliverySummary,
    DisabledEndpoint, EventClaim, EventQuery, EventWithAttempts, JobOutcome, JobQuery, Page,
    PortOverview, QueuedWork, Store, StoreError, SubscriberQuery, SwitchQueue, UnitOverview,
    WriteSet,
};
use crate::types::{
    ApiKeyId, BatchId, BuildingId, Email, EventId, JobId, LeaseToken, LocationHash, PlanVersionId,
    ProviderId, SubscriberId, SubscriptionId, SwitchId, UnitId,
};
use state::State;

/// The reference [`Store`]: everything in process memory, nothing persisted.
///
/// It enforces the whole contract of the trait (uniqueness among live subscriptions, revision
/// checks, per-port job order, per-switch session limits, leases, event sequences) and passes
/// the conformance suite (`kurnl_core::store_conformance_tests!`). Use it in tests, examples and
/// single-process sandboxes.
///
/// ```
/// use kurnl_core::memory::InMemoryStore;
/// use kurnl_core::ports::Store;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = InMemoryStore::new();
/// assert!(store.list_switches().await.unwrap().is_empty());
/// # });
/// ```
pub struct InMemoryStore {
    state: Mutex<State>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State::default()),
        }
    }

    /// Runs `f` under the lock. A poisoned lock (a panic while holding it) is reported as a
    /// backend error rather than trusting half-applied state.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut State) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut guard: MutexGuard<'_, State> = self
            .state
            .lock()
            .map_err(|_| StoreError::backend("in-memory store lock poisoned"))?;
        f(&mut guard)
    }
}

impl Default for InMemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for InMemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryStore").finish_non_exhaustive()
    }
}

#[async_trait]
impl Store for InMemoryStore {
    async fn put_provider(&self, provider: &Provider) -> Result<(), StoreError> {
        self.with(|s| s.put_provider(provider))
    }

    async fn get_provider(&self, id: ProviderId) -> Result<Option<Provider>, StoreError> {
        self.with(|s| Ok(s.providers.get(&id).cloned()))
    }

    async fn list_providers(&self) -> Result<Vec<Provider>, StoreError> {
        self.with(|s| {
            let mut all: Vec<Provider> = s.providers.values().cloned().collect();
            all.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.0.cmp(&b.id.0)));
            Ok(all)
        })
    }

    async fn put_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        self.with(|s| s.put_api_key(key))
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.with(|s| Ok(s.find_api_key(key_hash)))
    }

    async fn list_api_keys(&self, provider: ProviderId) -> Result<Vec<ApiKeyRecord>, StoreError> {
        self.with(|s| {
            let mut keys: Vec<_> = s
                .api_keys
                .values()
                .filter(|k| k.provider_id == provider)
                .cloned()
                .collect();
            keys.sort_by_key(|k| (k.created_at, k.id.0));
            Ok(keys)
        })
    }

    async fn revoke_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.with(|s| s.revoke_api_key(id, at))
    }

    async fn put_plan(&self, plan: &Plan) -> Result<(), StoreError> {
        self.with(|s| s.put_plan(plan))
    }

    async fn put_plan_version(&self, version: &PlanVersion) -> Result<(), StoreError> {
        self.with(|s| s.put_plan_version(version))
    }

    async fn get_plan_version(&self, id: PlanVersionId) -> Result<Option<PlanVersion>, StoreError> {
        self.with(|s| Ok(s.plan_versions.get(&id).cloned()))
    }

    async fn list_plan_versions(
        &self,
        provider: ProviderId,
    ) -> Result<Vec<PlanVersion>, StoreError> {
        self.with(|s| Ok(s.list_plan_versions(provider)))
    }

    async fn put_switch(&self, switch: &Switch) -> Result<(), StoreError> {
        self.with(|s| s.put_switch(switch))
    }

    async fn get_switch(&self, id: SwitchId) -> Result<Option<Switch>, StoreError> {
        self.with(|s| Ok(s.switches.get(&id).cloned()))
    }

    async fn list_switches(&self) -> Result<Vec<Switch>, StoreError> {
        self.with(|s| Ok(s.list_switches()))
    }

    async fn put_port(&self, port: &Port) -> Result<(), StoreError> {
        self.with(|s| s.put_port(port))
    }

    async fn get_port(&self, port: PortRef) -> Result<Option<Port>, StoreError> {
        self.with(|s| Ok(s.ports.get(&port).cloned()))
    }

    async fn put_location(&self, location: &Location) -> Result<(), StoreError> {
        self.with(|s| s.put_location(location))
    }

    async fn get_location(&self, hash: &LocationHash) -> Result<Option<Location>, StoreError> {
        self.with(|s| Ok(s.locations.get(hash).cloned()))
    }

    async fn put_building(&self, building: &Building) -> Result<(), StoreError> {
        self.with(|s| s.put_building(building))
    }

    async fn put_unit(&self, unit: &Unit) -> Result<(), StoreError> {
        self.with(|s| s.put_unit(unit))
    }

    async fn get_unit(&self, id: UnitId) -> Result<Option<Unit>, StoreError> {
        self.with(|s| Ok(s.units.get(&id).cloned()))
    }

    async fn queued_work(&self) -> Result<QueuedWork, StoreError> {
        self.with(|s| Ok(s.queued_work()))
    }

    async fn queued_jobs_by_switch(&self) -> Result<Vec<SwitchQueue>, StoreError> {
        self.with(|s| Ok(s.queued_jobs_by_switch()))
    }

    async fn check_ready(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn insert_subscriber(&self, subscriber: &Subscriber) -> Result<(), StoreError> {
        self.with(|s| s.insert_subscriber(subscriber))
    }

    async fn get_subscriber(
        &self,
        provider: ProviderId,
        id: SubscriberId,
    ) -> Result<Option<Subscriber>, StoreError> {
        self.with(|s| Ok(s.get_subscriber(provider, id)))
    }

    async fn find_subscriber_by_email(
        &self,
        provider: ProviderId,
        sandbox: bool,
        email: &Email,
    ) -> Result<Option<Subscriber>, StoreError> {
        self.with(|s| Ok(s.find_subscriber_by_email(provider, sandbox, email)))
    }

    async fn update_subscriber(
        &self,
        after: &Subscriber,
        expected_revision: i64,
    ) -> Result<(), StoreError> {
        self.with(|s| s.update_subscriber(after, expected_revision))
    }

    async fn list_subscribers(
        &self,
        query: &SubscriberQuery,
    ) -> Result<Page<Subscriber>, StoreError> {
        self.with(|s| Ok(s.list_subscribers(query)))
    }

    async fn commit(&self, writes: WriteSet) -> Result<(), StoreError> {
        self.with(|s| s.commit(writes))
    }

    async fn get_subscription(
        &self,
        provider: ProviderId,
        id: SubscriptionId,
    ) -> Result<Option<Subscription>, StoreError> {
        self.with(|s| Ok(s.get_subscription(provider, id)))
    }

    async fn find_live_subscription_by_key(
        &self,
        provider: ProviderId,
        sandbox: bool,
        key: &str,
    ) -> Result<Option<Subscription>, StoreError> {
        self.with(|s| Ok(s.find_live_subscription_by_key(provider, sandbox, key)))
    }

    async fn list_subscriptions_of(
        &self,
        provider: ProviderId,
        subscriber: SubscriberId,
    ) -> Result<Vec<Subscription>, StoreError> {
        self.with(|s| Ok(s.list_subscriptions_of(provider, subscriber)))
    }

    async fn get_job(&self, provider: ProviderId, id: JobId) -> Result<Option<Job>, StoreError> {
        self.with(|s| Ok(s.get_job(provider, id)))
    }

    async fn list_jobs_of(
        &self,
        provider: ProviderId,
        subscription: SubscriptionId,
    ) -> Result<Vec<Job>, StoreError> {
        self.with(|s| Ok(s.list_jobs_of(provider, subscription)))
    }

    async fn claim_jobs(&self, request: &ClaimRequest) -> Result<Option<ClaimedJobs>, StoreError> {
        self.with(|s| Ok(s.claim_jobs(request)))
    }

    async fn heartbeat(&self, lease: LeaseToken, until: DateTime<Utc>) -> Result<(), StoreError> {
        self.with(|s| s.heartbeat(lease, until))
    }

    async fn finish_jobs(
        &self,
        lease: LeaseToken,
        outcomes: Vec<JobOutcome>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with(|s| s.finish_jobs(lease, outcomes, now))
    }

    async fn reap_expired_leases(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.with(|s| Ok(s.reap_expired_leases(now)))
    }

    async fn claim_events(&self, claim: &EventClaim) -> Result<Vec<Event>, StoreError> {
        self.with(|s| Ok(s.claim_events(claim)))
    }

    async fn record_delivery(
        &self,
        event: EventId,
        record: &DeliveryRecord,
    ) -> Result<(), StoreError> {
        self.with(|s| s.record_delivery(event, record))
    }

    async fn get_event(
        &self,
        provider: ProviderId,
        id: EventId,
    ) -> Result<Option<EventWithAttempts>, StoreError> {
        self.with(|s| Ok(s.get_event(provider, id)))
    }

    async fn list_events(&self, query: &EventQuery) -> Result<Vec<Event>, StoreError> {
        self.with(|s| Ok(s.list_events(query)))
    }

    async fn list_events_of(
        &self,
        provider: ProviderId,
        subscription: SubscriptionId,
    ) -> Result<Vec<Event>, StoreError> {
        self.with(|s| Ok(s.list_events_of(provider, subscription)))
    }

    async fn replay_event(
        &self,
        provider: ProviderId,
        id: EventId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with(|s| s.replay_event(provider, id, now))
    }

    async fn list_delivery_attempts(
        &self,
        id: EventId,
    ) -> Result<Vec<DeliveryAttempt>, StoreError> {
        self.with(|s| Ok(s.attempts.get(&id).cloned().unwrap_or_default()))
    }

    async fn list_deliveries(
        &self,
        filter: &DeliveryFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<DeliverySummary>, StoreError> {
        self.with(|s| Ok(s.list_deliveries(filter, page, page_size)))
    }

    async fn replay_deliveries(
        &self,
        filter: &DeliveryFilter,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.with(|s| Ok(s.replay_deliveries(filter, now)))
    }

    async fn disable_endpoint(&self, endpoint: &DisabledEndpoint) -> Result<(), StoreError> {
        self.with(|s| {
            s.disabled_endpoints
                .insert((endpoint.provider_id, endpoint.sandbox), endpoint.clone());
            Ok(())
        })
    }

    async fn enable_endpoint(
        &self,
        provider: ProviderId,
        sandbox: bool,
    ) -> Result<bool, StoreError> {
        self.with(|s| Ok(s.disabled_endpoints.remove(&(provider, sandbox)).is_some()))
    }

    async fn list_disabled_endpoints(&self) -> Result<Vec<DisabledEndpoint>, StoreError> {
        self.with(|s| {
            let mut all: Vec<DisabledEndpoint> = s.disabled_endpoints.values().cloned().collect();
            all.sort_by_key(|d| d.disabled_at);
            Ok(all)
        })
    }

    async fn create_batch(&self, batch: &Batch, max_in_progress: u32) -> Result<(), StoreError> {
        self.with(|s| s.create_batch(batch, max_in_progress))
    }

    async fn record_batch_entry(
        &self,
        batch: BatchId,
        index: u32,
        outcome: &EntryOutcome,
    ) -> Result<(), StoreError> {
        self.with(|s| s.record_batch_entry(batch, index, outcome))
    }

    async fn get_batch(
        &self,
        provider: ProviderId,
        id: BatchId,
    ) -> Result<Option<BatchView>, StoreError> {
        self.with(|s| Ok(s.get_batch(provider, id)))
    }

    async fn unprocessed_batches(&self) -> Result<Vec<Batch>, StoreError> {
        self.with(|s| Ok(s.unprocessed_batches()))
    }

    async fn purge_batches(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.with(|s| Ok(s.purge_batches(before)))
    }

    async fn put_operator_key(&self, key: &OperatorKeyRecord) -> Result<(), StoreError> {
        self.with(|s| s.put_operator_key(key))
    }

    async fn find_operator_key(
        &self,
        key_hash: &str,
    ) -> Result<Option<OperatorKeyRecord>, StoreError> {
        self.with(|s| {
            Ok(s.operator_keys
                .iter()
                .find(|k| k.key_hash == key_hash)
                .cloned())
        })
    }

    async fn list_operator_keys(&self) -> Result<Vec<OperatorKeyRecord>, StoreError> {
        self.with(|s| Ok(s.operator_keys.clone()))
    }

    async fn revoke_operator_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.with(|s| s.revoke_operator_key(id, at))
    }

    async fn claim_switch_audit(
        &self,
        switch: SwitchId,
        now: DateTime<Utc>,
        first_due: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.with(|s| Ok(s.claim_switch_audit(switch, now, first_due, hold_until)))
    }

    async fn finish_switch_audit(
        &self,
        record: crate::ports::AuditRecord,
    ) -> Result<Vec<crate::model::DriftFinding>, StoreError> {
        self.with(|s| s.finish_switch_audit(record))
    }

    async fn list_switch_audits(&self) -> Result<Vec<crate::model::SwitchAuditState>, StoreError> {
        self.with(|s| Ok(s.list_switch_audits()))
    }

    async fn list_drift_findings(
        &self,
        query: &crate::ports::DriftQuery,
    ) -> Result<Vec<crate::model::DriftFinding>, StoreError> {
        self.with(|s| Ok(s.list_drift_findings(query)))
    }

    async fn list_ports(&self, switch: SwitchId) -> Result<Vec<PortOverview>, StoreError> {
        self.with(|s| Ok(s.list_ports(switch)))
    }

    async fn delete_port(&self, port: PortRef) -> Result<(), StoreError> {
        self.with(|s| s.delete_port(port))
    }

    async fn delete_switch(&self, id: SwitchId) -> Result<(), StoreError> {
        self.with(|s| s.delete_switch(id))
    }

    async fn list_buildings(&self) -> Result<Vec<Building>, StoreError> {
        self.with(|s| {
            let mut all: Vec<_> = s.buildings.values().cloned().collect();
            all.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.0.cmp(&b.id.0)));
            Ok(all)
        })
    }

    async fn list_units(&self, building: BuildingId) -> Result<Vec<UnitOverview>, StoreError> {
        self.with(|s| Ok(s.list_units(building)))
    }

    async fn list_jobs(&self, query: &JobQuery) -> Result<Vec<Job>, StoreError> {
        self.with(|s| Ok(s.list_jobs(query)))
    }

    async fn find_job(&self, id: JobId) -> Result<Option<Job>, StoreError> {
        self.with(|s| Ok(s.jobs.get(&id).map(|r| r.value.clone())))
    }

    async fn retry_job(&self, id: JobId, now: DateTime<Utc>) -> Result<Job, StoreError> {
        self.with(|s| s.retry_job(id, now))
    }

    async fn cancel_job(
        &self,
        id: JobId,
        error: &str,
        events: Vec<NewEvent>,
        now: DateTime<Utc>,
    ) -> Result<Job, StoreError> {
        self.with(|s| s.cancel_job(id, error, events, now))
    }
}

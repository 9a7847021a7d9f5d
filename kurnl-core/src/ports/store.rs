//! The storage port.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::operator_types::{AuditRecord, DriftQuery, JobQuery, PortOverview, UnitOverview};
use super::store_types::*;
use crate::model::{
    ApiKeyRecord, Batch, Building, DeliveryAttempt, DriftFinding, EntryOutcome, Event, Job,
    Location, NewEvent, OperatorKeyRecord, Plan, PlanVersion, Port, PortRef, Provider, Subscriber,
    Subscription, Switch, SwitchAuditState, Unit,
};
use crate::types::{
    ApiKeyId, BatchId, BuildingId, Email, EventId, JobId, LeaseToken, LocationHash, PlanVersionId,
    ProviderId, SubscriberId, SubscriptionId, SwitchId, UnitId,
};

/// Durable state of kurnl: inventory, subscribers, subscriptions, the job queue, the outbox
/// and bulk batches.
///
/// # Contract
/// - **Atomicity**: [`Store::commit`] writes all of a [`WriteSet`] or nothing. No other method
///   writes more than one logical row group non-atomically.
/// - **Uniqueness is enforced by the store**, never by a read-then-write in the caller: among
///   subscriptions whose status is not `CANCELLED`, `(provider, sandbox, idempotency_key)`,
///   `(sandbox, port)` and `(sandbox, unit_id)` are unique; subscribers are unique by
///   `(provider, sandbox, email)`. Breaking one returns [`StoreError::Conflict`] with its
///   [`ConflictKind`] and writes nothing, also when 50 callers race.
/// - **Optimistic revisions**: updates carry the revision read; a stale one is
///   `Conflict(Revision)`.
/// - **Provider scoping**: every read that takes a `provider` returns `None` / nothing for rows
///   of other providers.
/// - **Job queue**: [`Store::claim_jobs`] hands out due jobs of one switch under a fresh lease;
///   a job is only claimable when it is the oldest unfinished job of its port (per-port order)
///   and the switch has fewer than `max_sessions` live leases (a switch missing from the
///   inventory counts as 1). Each claim increments `attempts`. Only the lease holder may finish
///   or heartbeat; [`Store::reap_expired_leases`] returns jobs whose lease expired to
///   `pending` so that another worker finishes them.
/// - **Outbox**: events get a per-subscription `sequence` (1, 2, ... in commit order). Claiming
///   leases them like jobs, oldest first, but never an event while an earlier event of the
///   same subscription is still `pending` (so one subscription's events are attempted in
///   sequence order, also across retries and outages; a `failed` event does not hold its
///   successors back). [`Store::record_delivery`] appends the attempt to the log and moves
///   the event on.
///
/// # Errors
/// [`StoreError::Conflict`] as above, [`StoreError::NotFound`] when a row to update is
/// missing, [`StoreError::LeaseLost`] for a stale lease, [`StoreError::Backend`] for I/O.
///
/// # Implementing
/// Run the conformance suite with `kurnl_core::store_conformance_tests!` (feature `testkit`);
/// it checks every point above, including races. Use database unique indexes (partial
/// indexes `WHERE status <> 'CANCELLED'`) rather than checks in code; map constraint
/// violations to [`ConflictKind`] by constraint name. [`crate::memory::InMemoryStore`] is the
/// reference implementation.
#[cfg_attr(feature = "testkit", mockall::automock)]
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    // ----- providers and plans -----

    /// Inserts or replaces a provider.
    async fn put_provider(&self, provider: &Provider) -> Result<(), StoreError>;
    /// A provider by id.
    async fn get_provider(&self, id: ProviderId) -> Result<Option<Provider>, StoreError>;
    /// Every provider, by name then id.
    async fn list_providers(&self) -> Result<Vec<Provider>, StoreError>;
    /// Inserts or replaces an API key record.
    async fn put_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError>;
    /// The key with this SHA-256 hash, revoked or not.
    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError>;
    /// Every key of a provider, revoked ones included, oldest first.
    async fn list_api_keys(&self, provider: ProviderId) -> Result<Vec<ApiKeyRecord>, StoreError>;
    /// Marks a key revoked (idempotent). `NotFound` for an unknown id.
    async fn revoke_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Inserts or replaces a plan.
    async fn put_plan(&self, plan: &Plan) -> Result<(), StoreError>;
    /// Inserts or replaces a plan version.
    async fn put_plan_version(&self, version: &PlanVersion) -> Result<(), StoreError>;
    /// A plan version by id, whatever its owner (ownership is a 403, not a 404).
    async fn get_plan_version(&self, id: PlanVersionId) -> Result<Option<PlanVersion>, StoreError>;
    /// All plan versions of a provider, by `effective_from` then id.
    async fn list_plan_versions(
        &self,
        provider: ProviderId,
    ) -> Result<Vec<PlanVersion>, StoreError>;

    // ----- network inventory -----

    /// Inserts or replaces a switch.
    async fn put_switch(&self, switch: &Switch) -> Result<(), StoreError>;
    /// A switch by id.
    async fn get_switch(&self, id: SwitchId) -> Result<Option<Switch>, StoreError>;
    /// All switches, by name then id.
    async fn list_switches(&self) -> Result<Vec<Switch>, StoreError>;
    /// Inserts or replaces a port.
    async fn put_port(&self, port: &Port) -> Result<(), StoreError>;
    /// A port.
    async fn get_port(&self, port: PortRef) -> Result<Option<Port>, StoreError>;
    /// Inserts or replaces a location.
    async fn put_location(&self, location: &Location) -> Result<(), StoreError>;
    /// A location by its (lower-case) hash.
    async fn get_location(&self, hash: &LocationHash) -> Result<Option<Location>, StoreError>;
    /// A location with its port and the port's switch, as [`Store::get_location`],
    /// [`Store::get_port`] and [`Store::get_switch`] would return them; `None` when the
    /// location is unknown. A signup for a location needs all three.
    ///
    /// The default makes the three reads one after the other; a backend that can join them
    /// should answer in one query (the SQL stores do).
    async fn get_location_placement(
        &self,
        hash: &LocationHash,
    ) -> Result<Option<LocationPlacement>, StoreError> {
        let Some(location) = self.get_location(hash).await? else {
            return Ok(None);
        };
        let port = self.get_port(location.port).await?;
        let switch = self.get_switch(location.port.switch_id).await?;
        Ok(Some(LocationPlacement {
            location,
            port,
            switch,
        }))
    }
    /// Inserts or replaces a building.
    async fn put_building(&self, building: &Building) -> Result<(), StoreError>;
    /// Inserts or replaces a unit.
    async fn put_unit(&self, unit: &Unit) -> Result<(), StoreError>;
    /// A unit by id.
    async fn get_unit(&self, id: UnitId) -> Result<Option<Unit>, StoreError>;
    /// How much work is left, over every provider and environment: jobs `pending` or
    /// `in_progress` and events `pending`. `kurnl::Kurnl::shutdown` reports it as what stays
    /// queued for the next start; a point-in-time count, not a lock.
    async fn queued_work(&self) -> Result<QueuedWork, StoreError>;
    /// The open jobs (`pending` or `in_progress`) per switch: one entry for each switch that
    /// has any, in no particular order; the metrics' queue depth and oldest job per switch.
    /// A point-in-time count, not a lock.
    async fn queued_jobs_by_switch(&self) -> Result<Vec<SwitchQueue>, StoreError>;
    /// Whether the store can serve requests now: its database answers a query and its schema
    /// is at the migration this version of kurnl expects (`GET /readyz`).
    ///
    /// # Errors
    /// A `Backend` error saying what is wrong: the database does not answer (retryable), or
    /// the schema is behind or ahead of this build's migrations.
    ///
    /// # Implementing
    /// Run a real query against the backing database, never answer from memory alone; a
    /// store without a database (the in-memory store) is always ready.
    async fn check_ready(&self) -> Result<(), StoreError>;

    // ----- subscribers -----

    /// Inserts a subscriber. `Conflict(SubscriberEmail)` when the provider already has one with
    /// this email in this environment, `Conflict(DuplicateId)` for an existing id.
    async fn insert_subscriber(&self, subscriber: &Subscriber) -> Result<(), StoreError>;
    /// A subscriber of this provider.
    async fn get_subscriber(
        &self,
        provider: ProviderId,
        id: SubscriberId,
    ) -> Result<Option<Subscriber>, StoreError>;
    /// A subscriber of this provider and environment by email.
    async fn find_subscriber_by_email(
        &self,
        provider: ProviderId,
        sandbox: bool,
        email: &Email,
    ) -> Result<Option<Subscriber>, StoreError>;
    /// Replaces a subscriber if its stored revision equals `expected_revision` (`after.revision`
    /// is `expected_revision + 1`). `Conflict(Revision)` otherwise, `NotFound` if missing.
    async fn update_subscriber(
        &self,
        after: &Subscriber,
        expected_revision: i64,
    ) -> Result<(), StoreError>;
    /// One page of a provider's subscribers, oldest first.
    async fn list_subscribers(
        &self,
        query: &SubscriberQuery,
    ) -> Result<Page<Subscriber>, StoreError>;

    // ----- subscriptions (transactional) -----

    /// Writes a [`WriteSet`] atomically; see the trait contract for conflicts.
    async fn commit(&self, writes: WriteSet) -> Result<(), StoreError>;
    /// A subscription of this provider.
    async fn get_subscription(
        &self,
        provider: ProviderId,
        id: SubscriptionId,
    ) -> Result<Option<Subscription>, StoreError>;
    /// The live (not cancelled) subscription created under this idempotency key.
    async fn find_live_subscription_by_key(
        &self,
        provider: ProviderId,
        sandbox: bool,
        key: &str,
    ) -> Result<Option<Subscription>, StoreError>;
    /// A subscriber's subscriptions, oldest first.
    async fn list_subscriptions_of(
        &self,
        provider: ProviderId,
        subscriber: SubscriberId,
    ) -> Result<Vec<Subscription>, StoreError>;

    // ----- job queue -----

    /// A job of this provider.
    async fn get_job(&self, provider: ProviderId, id: JobId) -> Result<Option<Job>, StoreError>;
    /// All jobs of a subscription, oldest first.
    async fn list_jobs_of(
        &self,
        provider: ProviderId,
        subscription: SubscriptionId,
    ) -> Result<Vec<Job>, StoreError>;
    /// Claims due jobs of one switch (see the trait contract); `None` when nothing is due.
    async fn claim_jobs(&self, request: &ClaimRequest) -> Result<Option<ClaimedJobs>, StoreError>;
    /// Extends a live lease to `until`. `LeaseLost` if it expired and was reaped or reclaimed.
    async fn heartbeat(&self, lease: LeaseToken, until: DateTime<Utc>) -> Result<(), StoreError>;
    /// Records the outcomes of jobs held under `lease`, with their events, atomically.
    /// `LeaseLost` (and nothing written) if any job is not held under `lease`.
    async fn finish_jobs(
        &self,
        lease: LeaseToken,
        outcomes: Vec<JobOutcome>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Returns in-progress jobs whose lease expired before `now` to `pending`; their count.
    async fn reap_expired_leases(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    // ----- outbox -----

    /// Leases events that are `pending`, due, and not leased (or whose lease expired).
    async fn claim_events(&self, claim: &EventClaim) -> Result<Vec<Event>, StoreError>;
    /// Appends an attempt and moves the event on. `LeaseLost` if not held under `record.lease`.
    async fn record_delivery(
        &self,
        event: EventId,
        record: &DeliveryRecord,
    ) -> Result<(), StoreError>;
    /// An event of this provider and its attempt log.
    async fn get_event(
        &self,
        provider: ProviderId,
        id: EventId,
    ) -> Result<Option<EventWithAttempts>, StoreError>;
    /// Events of a provider, oldest first.
    async fn list_events(&self, query: &EventQuery) -> Result<Vec<Event>, StoreError>;
    /// Every event of one subscription, by sequence.
    async fn list_events_of(
        &self,
        provider: ProviderId,
        subscription: SubscriptionId,
    ) -> Result<Vec<Event>, StoreError>;
    /// Puts a failed or delivered event back to `pending` now with its attempt counter reset;
    /// the log is kept. `NotFound` for another provider's or an unknown event.
    async fn replay_event(
        &self,
        provider: ProviderId,
        id: EventId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The attempt log of an event (any provider; for operators).
    async fn list_delivery_attempts(&self, id: EventId)
    -> Result<Vec<DeliveryAttempt>, StoreError>;
    /// A page (1-based `page`, `page_size` per page) of one provider environment's events
    /// matching `filter`, oldest first (creation time, then commit order), each with its
    /// latest attempt, and how many match in all.
    async fn list_deliveries(
        &self,
        filter: &DeliveryFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<DeliverySummary>, StoreError>;
    /// Puts every event matching `filter` back to `pending`, due at `now`, with its attempt
    /// counter reset and its log kept (its id, sequence and payload unchanged, so receivers
    /// deduplicate a replay like any redelivery). Events under a live lease (an attempt in
    /// flight) are left alone. Returns how many were queued again; atomic.
    async fn replay_deliveries(
        &self,
        filter: &DeliveryFilter,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Records that an endpoint answered `410 Gone` (replaces an earlier record of the same
    /// provider environment).
    async fn disable_endpoint(&self, endpoint: &DisabledEndpoint) -> Result<(), StoreError>;
    /// Removes the disabled record of a provider environment; whether there was one.
    async fn enable_endpoint(
        &self,
        provider: ProviderId,
        sandbox: bool,
    ) -> Result<bool, StoreError>;
    /// Every disabled endpoint, oldest first.
    async fn list_disabled_endpoints(&self) -> Result<Vec<DisabledEndpoint>, StoreError>;

    // ----- bulk batches -----

    /// Stores a new batch unless the provider already has `max_in_progress` batches in
    /// progress (an entry without outcome, or whose job is not finished):
    /// `Conflict(TooManyBatches)`. The check and the insert are atomic.
    async fn create_batch(&self, batch: &Batch, max_in_progress: u32) -> Result<(), StoreError>;
    /// Records the outcome of one entry (overwrites).
    ///
    /// Need not be durable when it returns (PostgreSQL commits it without waiting for its WAL
    /// flush): an outcome lost in a crash leaves its entry unprocessed, and
    /// [`Service::resume_batches`](crate::service::Service::resume_batches) runs the entry
    /// again, which creation's idempotency turns into the same outcome.
    async fn record_batch_entry(
        &self,
        batch: BatchId,
        index: u32,
        outcome: &EntryOutcome,
    ) -> Result<(), StoreError>;
    /// A batch of this provider with the jobs of its entries.
    async fn get_batch(
        &self,
        provider: ProviderId,
        id: BatchId,
    ) -> Result<Option<BatchView>, StoreError>;
    /// Batches with at least one unprocessed entry (to resume after a crash).
    async fn unprocessed_batches(&self) -> Result<Vec<Batch>, StoreError>;
    /// Deletes batches created before `before`; their count.
    async fn purge_batches(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;

    // ----- operator -----

    /// Stores (or replaces, by id) an operator key record.
    async fn put_operator_key(&self, key: &OperatorKeyRecord) -> Result<(), StoreError>;
    /// The operator key with this hash, revoked or not.
    async fn find_operator_key(
        &self,
        key_hash: &str,
    ) -> Result<Option<OperatorKeyRecord>, StoreError>;
    /// Every operator key, oldest first.
    async fn list_operator_keys(&self) -> Result<Vec<OperatorKeyRecord>, StoreError>;
    /// Revokes an operator key; a second revocation keeps the first time. `NotFound` when
    /// there is no such key.
    async fn revoke_operator_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// The ports of a switch in port order, each with its locations, live production
    /// subscription and last applied state. Empty for an unknown switch.
    async fn list_ports(&self, switch: SwitchId) -> Result<Vec<PortOverview>, StoreError>;
    /// Deletes a port and the locations that resolve to it, atomically.
    /// `Conflict(InUse)` (nothing deleted) while a subscription that is not cancelled, of
    /// either environment, sits on it or a job for it is unfinished; `NotFound("port")`.
    async fn delete_port(&self, port: PortRef) -> Result<(), StoreError>;
    /// Deletes a switch with its ports and their locations, atomically, under the same
    /// conditions as [`Store::delete_port`] for every port; `NotFound("switch")`.
    async fn delete_switch(&self, id: SwitchId) -> Result<(), StoreError>;
    /// Every building, by name.
    async fn list_buildings(&self) -> Result<Vec<Building>, StoreError>;
    /// The units of a building by label, each with whether it is taken. Empty for an unknown
    /// building.
    async fn list_units(&self, building: BuildingId) -> Result<Vec<UnitOverview>, StoreError>;
    /// Jobs of every provider that match `query` (see [`JobQuery`]), newest first.
    async fn list_jobs(&self, query: &JobQuery) -> Result<Vec<Job>, StoreError>;
    /// A job by id, whichever provider owns it.
    async fn find_job(&self, id: JobId) -> Result<Option<Job>, StoreError>;
    /// Puts a `failed` job back in the queue: `pending`, due at `now`, `attempts` back to 0
    /// (the engine's retry budget starts again), `last_error` kept until the next attempt;
    /// returns the job as written. Atomic check and write:
    /// `NotFound("job")`, `Conflict(JobNotFailed)` when it is not `failed`,
    /// `Conflict(JobSuperseded)` when a later job that was not cancelled targets the same port,
    /// since running the old change again would undo the newer one.
    async fn retry_job(&self, id: JobId, now: DateTime<Utc>) -> Result<Job, StoreError>;
    /// Cancels a `pending` job (due or waiting for a retry, not leased): `cancelled` with
    /// `error` as its `last_error`, and appends `events` (the provider's
    /// `provisioning.failed`) in the same transaction; returns the job as written.
    /// `NotFound("job")`, `Conflict(JobNotQueued)` when it is running or finished.
    async fn cancel_job(
        &self,
        id: JobId,
        error: &str,
        events: Vec<NewEvent>,
        now: DateTime<Utc>,
    ) -> Result<Job, StoreError>;

    // --- drift audit ---

    /// Claims the drift audit of `switch`, atomically, so that of several processes on one
    /// database one audits it. A switch never audited gets its schedule row with
    /// `next_due_at = first_due` (the auditor spreads switches over the interval) and is
    /// claimed only if `first_due <= now`. A switch with a row is claimed when its
    /// `next_due_at <= now`. Claiming sets `next_due_at = hold_until`, so an audit whose
    /// process dies is taken up again then; [`Store::finish_switch_audit`] sets the real next
    /// time. Returns whether this call claimed it.
    async fn claim_switch_audit(
        &self,
        switch: SwitchId,
        now: DateTime<Utc>,
        first_due: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Records a finished audit in one transaction: the switch's last audit and
    /// `next_due_at`, every finding, the repair jobs and the `events`. A finding's repair job
    /// is queued only if its port has no production job that is `pending` or `in_progress`,
    /// or that was created or updated at or after `audit.started_at` (that job decides the
    /// port, and a repair queued behind or after it would undo it); otherwise the finding is
    /// recorded as `RepairSuperseded` without a job. Returns the findings as recorded, in
    /// order. Errors: `DuplicateId` for a finding or job id that exists (nothing written).
    async fn finish_switch_audit(
        &self,
        record: AuditRecord,
    ) -> Result<Vec<DriftFinding>, StoreError>;
    /// The audit schedule and last audit of every switch that has one, by switch id.
    async fn list_switch_audits(&self) -> Result<Vec<SwitchAuditState>, StoreError>;
    /// Drift findings matching `query` (see [`DriftQuery`]), newest first.
    async fn list_drift_findings(
        &self,
        query: &DriftQuery,
    ) -> Result<Vec<DriftFinding>, StoreError>;
}

/// Default lease for jobs and events.
pub fn default_lease() -> Duration {
    Duration::seconds(30)
}

//! The [`Store`](kurnl_core::ports::Store) implementation shared by both backends.
//!
//! A backend type provides `read_conn` (a pooled connection), `read_tx` (a consistent
//! read-only snapshot for multi-statement reads), `begin_write` (a write transaction) and
//! `map_sqlx`; this macro forwards every trait method to the shared operations in
//! [`crate::ops`] inside the right one.

/// Runs `op` in a write transaction: commit on success, roll back on error.
macro_rules! write_tx {
    ($self:ident, $op:path $(, $arg:expr)* $(,)?) => {
        $crate::store_impl::tx_with!($self, begin_write, $op $(, $arg)*)
    };
}
pub(crate) use write_tx;

/// Runs `op` in a lease transaction: a write whose loss in a crash is harmless because it only
/// hands out leases, which expire anyway (claims, reaping). SQLite commits it without waiting
/// for the fsync; the next durable commit flushes it (see `SqliteStore`).
macro_rules! lease_tx {
    ($self:ident, $op:path $(, $arg:expr)* $(,)?) => {
        $crate::store_impl::tx_with!($self, begin_lease_write, $op $(, $arg)*)
    };
}
pub(crate) use lease_tx;

/// [`write_tx`] and [`lease_tx`] with the backend method that opens the transaction.
macro_rules! tx_with {
    ($self:ident, $begin:ident, $op:path $(, $arg:expr)* $(,)?) => {{
        let mut tx = $self.$begin().await?;
        match $op(&mut *tx $(, $arg)*).await {
            Ok(value) => {
                tx.commit().await.map_err(Self::map_sqlx)?;
                Ok(value)
            }
            Err(err) => {
                // Dropping the transaction would roll back too; doing it here returns the
                // connection clean before the error travels up.
                let _ = tx.rollback().await;
                Err(err)
            }
        }
    }};
}
pub(crate) use tx_with;

/// Runs a single-statement read on a pooled connection.
macro_rules! read {
    ($self:ident, $op:path $(, $arg:expr)* $(,)?) => {{
        let mut conn = $self.read_conn().await?;
        $op(&mut *conn $(, $arg)*).await
    }};
}
pub(crate) use read;

/// Runs a multi-statement read in one read-only snapshot.
macro_rules! read_tx {
    ($self:ident, $op:path $(, $arg:expr)* $(,)?) => {{
        let mut tx = $self.read_tx().await?;
        let out = $op(&mut *tx $(, $arg)*).await;
        let _ = tx.rollback().await;
        out
    }};
}
pub(crate) use read_tx;

/// Implements `Store` for a backend type.
macro_rules! impl_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl kurnl_core::ports::Store for $store {
            async fn put_provider(&self, provider: &Provider) -> Result<(), StoreError> {
                write_tx!(self, inventory::put_provider, provider)
            }
            async fn get_provider(&self, id: ProviderId) -> Result<Option<Provider>, StoreError> {
                read!(self, inventory::get_provider, id)
            }
            async fn list_providers(&self) -> Result<Vec<Provider>, StoreError> {
                read!(self, inventory::list_providers)
            }
            async fn put_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
                write_tx!(self, inventory::put_api_key, key)
            }
            async fn find_api_key(
                &self,
                key_hash: &str,
            ) -> Result<Option<ApiKeyRecord>, StoreError> {
                read!(self, inventory::find_api_key, key_hash)
            }
            async fn list_api_keys(
                &self,
                provider: ProviderId,
            ) -> Result<Vec<ApiKeyRecord>, StoreError> {
                read!(self, inventory::list_api_keys, provider)
            }
            async fn revoke_api_key(
                &self,
                id: ApiKeyId,
                at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                write_tx!(self, inventory::revoke_api_key, id, at)
            }
            async fn put_plan(&self, plan: &Plan) -> Result<(), StoreError> {
                write_tx!(self, inventory::put_plan, plan)
            }
            async fn put_plan_version(&self, version: &PlanVersion) -> Result<(), StoreError> {
                write_tx!(self, inventory::put_plan_version, version)
            }
            async fn get_plan_version(
                &self,
                id: PlanVersionId,
            ) -> Result<Option<PlanVersion>, StoreError> {
                read!(self, inventory::get_plan_version, id)
            }
            async fn list_plan_versions(
                &self,
                provider: ProviderId,
            ) -> Result<Vec<PlanVersion>, StoreError> {
                read!(self, inventory::list_plan_versions, provider)
            }
            async fn put_switch(&self, switch: &Switch) -> Result<(), StoreError> {
                write_tx!(self, inventory::put_switch, switch)
            }
            async fn get_switch(&self, id: SwitchId) -> Result<Option<Switch>, StoreError> {
                read!(self, inventory::get_switch, id)
            }
            async fn list_switches(&self) -> Result<Vec<Switch>, StoreError> {
                read!(self, inventory::list_switches)
            }
            async fn put_port(&self, port: &Port) -> Result<(), StoreError> {
                write_tx!(self, inventory::put_port, port)
            }
            async fn get_port(&self, port: PortRef) -> Result<Option<Port>, StoreError> {
                read!(self, inventory::get_port, port)
            }
            async fn put_location(&self, location: &Location) -> Result<(), StoreError> {
                write_tx!(self, inventory::put_location, location)
            }
            async fn get_location(
                &self,
                hash: &LocationHash,
            ) -> Result<Option<Location>, StoreError> {
                read!(self, inventory::get_location, hash)
            }
            async fn get_location_placement(
                &self,
                hash: &LocationHash,
            ) -> Result<Option<kurnl_core::ports::LocationPlacement>, StoreError> {
                read!(self, inventory::get_location_placement, hash)
            }
            async fn put_building(&self, building: &Building) -> Result<(), StoreError> {
                write_tx!(self, inventory::put_building, building)
            }
            async fn put_unit(&self, unit: &Unit) -> Result<(), StoreError> {
                write_tx!(self, inventory::put_unit, unit)
            }
            async fn get_unit(&self, id: UnitId) -> Result<Option<Unit>, StoreError> {
                read!(self, inventory::get_unit, id)
            }
            async fn queued_work(&self) -> Result<QueuedWork, StoreError> {
                read!(self, inventory::queued_work)
            }
            async fn queued_jobs_by_switch(
                &self,
            ) -> Result<Vec<kurnl_core::ports::SwitchQueue>, StoreError> {
                read!(self, inventory::queued_jobs_by_switch)
            }
            async fn check_ready(&self) -> Result<(), StoreError> {
                let applied = read!(self, inventory::schema_version)?;
                let expected = <$store>::expected_schema_version();
                if applied != expected {
                    return Err(StoreError::backend(format!(
                        "the schema is at migration {applied}; this build of kurnl expects {expected}"
                    )));
                }
                Ok(())
            }
            async fn insert_subscriber(&self, subscriber: &Subscriber) -> Result<(), StoreError> {
                write_tx!(self, subscribers::insert_subscriber, subscriber)
            }
            async fn get_subscriber(
                &self,
                provider: ProviderId,
                id: SubscriberId,
            ) -> Result<Option<Subscriber>, StoreError> {
                read!(self, subscribers::get_subscriber, provider, id)
            }
            async fn find_subscriber_by_email(
                &self,
                provider: ProviderId,
                sandbox: bool,
                email: &Email,
            ) -> Result<Option<Subscriber>, StoreError> {
                read!(
                    self,
                    subscribers::find_subscriber_by_email,
                    provider,
                    sandbox,
                    email
                )
            }
            async fn update_subscriber(
                &self,
                after: &Subscriber,
                expected_revision: i64,
            ) -> Result<(), StoreError> {
                write_tx!(
                    self,
                    subscribers::update_subscriber,
                    after,
                    expected_revision
                )
            }
            async fn list_subscribers(
                &self,
                query: &SubscriberQuery,
            ) -> Result<Page<Subscriber>, StoreError> {
                read_tx!(self, subscribers::list_subscribers, query)
            }
            async fn commit(&self, writes: WriteSet) -> Result<(), StoreError> {
                self.commit_writes(GroupedWrite::Commit(Box::new(writes)))
                    .await
            }
            async fn get_subscription(
                &self,
                provider: ProviderId,
                id: SubscriptionId,
            ) -> Result<Option<Subscription>, StoreError> {
                read!(self, subscriptions::get_subscription, provider, id)
            }
            async fn find_live_subscription_by_key(
                &self,
                provider: ProviderId,
                sandbox: bool,
                key: &str,
            ) -> Result<Option<Subscription>, StoreError> {
                read!(
                    self,
                    subscriptions::find_live_subscription_by_key,
                    provider,
                    sandbox,
                    key
                )
            }
            async fn list_subscriptions_of(
                &self,
                provider: ProviderId,
                subscriber: SubscriberId,
            ) -> Result<Vec<Subscription>, StoreError> {
                read!(
                    self,
                    subscriptions::list_subscriptions_of,
                    provider,
                    subscriber
                )
            }
            async fn get_job(
                &self,
                provider: ProviderId,
                id: JobId,
            ) -> Result<Option<Job>, StoreError> {
                read!(self, queue::get_job, provider, id)
            }
            async fn list_jobs_of(
                &self,
                provider: ProviderId,
                subscription: SubscriptionId,
            ) -> Result<Vec<Job>, StoreError> {
                read!(self, queue::list_jobs_of, provider, subscription)
            }
            async fn claim_jobs(
                &self,
                request: &ClaimRequest,
            ) -> Result<Option<ClaimedJobs>, StoreError> {
                self.claim(request).await
            }
            async fn heartbeat(
                &self,
                lease: LeaseToken,
                until: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                self.commit_writes(GroupedWrite::Heartbeat { lease, until })
                    .await
            }
            async fn finish_jobs(
                &self,
                lease: LeaseToken,
                outcomes: Vec<JobOutcome>,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                self.commit_writes(GroupedWrite::FinishJobs {
                    lease,
                    outcomes,
                    now,
                })
                .await
            }
            async fn reap_expired_leases(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
                lease_tx!(self, queue::reap_expired_leases, now)
            }
            async fn claim_events(&self, claim: &EventClaim) -> Result<Vec<Event>, StoreError> {
                self.claim_event_batch(claim).await
            }
            async fn record_delivery(
                &self,
                event: EventId,
                record: &DeliveryRecord,
            ) -> Result<(), StoreError> {
                let record = record.clone();
                self.commit_writes(GroupedWrite::RecordDelivery { event, record })
                    .await
            }
            async fn get_event(
                &self,
                provider: ProviderId,
                id: EventId,
            ) -> Result<Option<EventWithAttempts>, StoreError> {
                read_tx!(self, outbox::get_event, provider, id)
            }
            async fn list_events(&self, query: &EventQuery) -> Result<Vec<Event>, StoreError> {
                read!(self, outbox::list_events, query)
            }
            async fn list_events_of(
                &self,
                provider: ProviderId,
                subscription: SubscriptionId,
            ) -> Result<Vec<Event>, StoreError> {
                read!(self, outbox::list_events_of, provider, subscription)
            }
            async fn replay_event(
                &self,
                provider: ProviderId,
                id: EventId,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                write_tx!(self, outbox::replay_event, provider, id, now)
            }
            async fn list_delivery_attempts(
                &self,
                id: EventId,
            ) -> Result<Vec<DeliveryAttempt>, StoreError> {
                read!(self, outbox::list_delivery_attempts, id)
            }
            async fn list_deliveries(
                &self,
                filter: &kurnl_core::ports::DeliveryFilter,
                page: u32,
                page_size: u32,
            ) -> Result<Page<kurnl_core::ports::DeliverySummary>, StoreError> {
                read_tx!(self, deliveries::list_deliveries, filter, page, page_size)
            }
            async fn replay_deliveries(
                &self,
                filter: &kurnl_core::ports::DeliveryFilter,
                now: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                write_tx!(self, deliveries::replay_deliveries, filter, now)
            }
            async fn disable_endpoint(
                &self,
                endpoint: &kurnl_core::ports::DisabledEndpoint,
            ) -> Result<(), StoreError> {
                write_tx!(self, deliveries::disable_endpoint, endpoint)
            }
            async fn enable_endpoint(
                &self,
                provider: ProviderId,
                sandbox: bool,
            ) -> Result<bool, StoreError> {
                write_tx!(self, deliveries::enable_endpoint, provider, sandbox)
            }
            async fn list_disabled_endpoints(
                &self,
            ) -> Result<Vec<kurnl_core::ports::DisabledEndpoint>, StoreError> {
                read!(self, deliveries::list_disabled_endpoints)
            }
            async fn create_batch(
                &self,
                batch: &Batch,
                max_in_progress: u32,
            ) -> Result<(), StoreError> {
                write_tx!(self, batches::create_batch, batch, max_in_progress)
            }
            async fn record_batch_entry(
                &self,
                batch: BatchId,
                index: u32,
                outcome: &EntryOutcome,
            ) -> Result<(), StoreError> {
                let outcome = outcome.clone();
                self.commit_writes(GroupedWrite::RecordBatchEntry {
                    batch,
                    index,
                    outcome,
                })
                .await
            }
            async fn get_batch(
                &self,
                provider: ProviderId,
                id: BatchId,
            ) -> Result<Option<BatchView>, StoreError> {
                read_tx!(self, batches::get_batch, provider, id)
            }
            async fn unprocessed_batches(&self) -> Result<Vec<Batch>, StoreError> {
                read_tx!(self, batches::unprocessed_batches)
            }
            async fn purge_batches(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
                write_tx!(self, batches::purge_batches, before)
            }
            async fn put_operator_key(&self, key: &OperatorKeyRecord) -> Result<(), StoreError> {
                write_tx!(self, operator::put_operator_key, key)
            }
            async fn find_operator_key(
                &self,
                key_hash: &str,
            ) -> Result<Option<OperatorKeyRecord>, StoreError> {
                read!(self, operator::find_operator_key, key_hash)
            }
            async fn list_operator_keys(&self) -> Result<Vec<OperatorKeyRecord>, StoreError> {
                read!(self, operator::list_operator_keys)
            }
            async fn revoke_operator_key(
                &self,
                id: ApiKeyId,
                at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                write_tx!(self, operator::revoke_operator_key, id, at)
            }
            async fn list_ports(
                &self,
                switch: SwitchId,
            ) -> Result<Vec<kurnl_core::ports::PortOverview>, StoreError> {
                read_tx!(self, network::list_ports, switch)
            }
            async fn delete_port(&self, port: PortRef) -> Result<(), StoreError> {
                write_tx!(self, network::delete_port, port)
            }
            async fn delete_switch(&self, id: SwitchId) -> Result<(), StoreError> {
                write_tx!(self, network::delete_switch, id)
            }
            async fn list_buildings(&self) -> Result<Vec<Building>, StoreError> {
                read!(self, network::list_buildings)
            }
            async fn list_units(
                &self,
                building: kurnl_core::types::BuildingId,
            ) -> Result<Vec<kurnl_core::ports::UnitOverview>, StoreError> {
                read!(self, network::list_units, building)
            }
            async fn list_jobs(
                &self,
                query: &kurnl_core::ports::JobQuery,
            ) -> Result<Vec<Job>, StoreError> {
                read!(self, operator::list_jobs, query)
            }
            async fn find_job(&self, id: JobId) -> Result<Option<Job>, StoreError> {
                read!(self, operator::find_job, id)
            }
            async fn retry_job(&self, id: JobId, now: DateTime<Utc>) -> Result<Job, StoreError> {
                write_tx!(self, operator::retry_job, id, now)
            }
            async fn cancel_job(
                &self,
                id: JobId,
                error: &str,
                events: Vec<kurnl_core::model::NewEvent>,
                now: DateTime<Utc>,
            ) -> Result<Job, StoreError> {
                write_tx!(self, operator::cancel_job, id, error, &events, now)
            }
            async fn claim_switch_audit(
                &self,
                switch: SwitchId,
                now: DateTime<Utc>,
                first_due: DateTime<Utc>,
                hold_until: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                write_tx!(
                    self,
                    drift::claim_switch_audit,
                    switch,
                    now,
                    first_due,
                    hold_until
                )
            }
            async fn finish_switch_audit(
                &self,
                record: kurnl_core::ports::AuditRecord,
            ) -> Result<Vec<kurnl_core::model::DriftFinding>, StoreError> {
                write_tx!(self, drift::finish_switch_audit, record)
            }
            async fn list_switch_audits(
                &self,
            ) -> Result<Vec<kurnl_core::model::SwitchAuditState>, StoreError> {
                read!(self, drift::list_switch_audits)
            }
            async fn list_drift_findings(
                &self,
                query: &kurnl_core::ports::DriftQuery,
            ) -> Result<Vec<kurnl_core::model::DriftFinding>, StoreError> {
                read!(self, drift::list_drift_findings, query)
            }
        }
    };
}
pub(crate) use impl_store;

/// The imports `impl_store!` expects at its call site.
macro_rules! store_imports {
    () => {
        use chrono::{DateTime, Utc};
        use kurnl_core::model::{
            ApiKeyRecord, Batch, Building, DeliveryAttempt, EntryOutcome, Event, Job, Location,
            OperatorKeyRecord, Plan, PlanVersion, Port, PortRef, Provider, Subscriber,
            Subscription, Switch, Unit,
        };
        use kurnl_core::ports::{
            BatchView, ClaimRequest, ClaimedJobs, DeliveryRecord, EventClaim, EventQuery,
            EventWithAttempts, JobOutcome, Page, QueuedWork, StoreError, SubscriberQuery, WriteSet,
        };
        use kurnl_core::types::{
            ApiKeyId, BatchId, Email, EventId, JobId, LeaseToken, LocationHash, PlanVersionId,
            ProviderId, SubscriberId, SubscriptionId, SwitchId, UnitId,
        };
        use $crate::ops::grouped::GroupedWrite;
        use $crate::ops::{
            batches, deliveries, drift, inventory, network, operator, outbox, queue, subscribers,
            subscriptions,
        };
        use $crate::store_impl::{impl_store, lease_tx, read, read_tx, write_tx};
    };
}
pub(crate) use store_imports;

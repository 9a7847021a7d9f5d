//! The service: one method per documented kurnl operation, provider-scoped.
//!
//! Every method validates its input (422 naming the field), checks ownership (403 / 404),
//! applies the idempotency rules and the [lifecycle](crate::lifecycle), and writes the state
//! change, its jobs and its events in one [`Store::commit`]. No switch or HTTP call happens in
//! a service method: the [engine](crate::engine) does that afterwards.

mod auth;
mod build;
mod bulk;
mod bulk_waves;
mod checkout;
mod create;
mod deliveries;
mod drift;
mod fields;
mod inventory;
mod lifecycle_ops;
mod network;
mod operator;
mod operator_jobs;
mod provider_initiated;
mod provider_settings;
mod queries;
mod requests;
mod responses;
mod shared_reads;
mod subscribers;
mod test_ping;

use std::sync::Arc;

pub use auth::IssuedApiKey;
pub use drift::{DriftFindingView, DriftListQuery, LastAuditView, SwitchAuditView};
pub use inventory::NewProvider;
pub use network::{
    AppliedView, BuildingRequest, BuildingView, LocationRequest, LocationView, PortRequest,
    PortSubscriptionView, PortView, SwitchRequest, SwitchView, UnitRequest, UnitView,
};
pub use operator::{
    INVALID_OPERATOR_KEY, IssuedOperatorKey, OPERATOR_KEY_PREFIX, OPERATOR_KEY_REQUIRED, Operator,
};
pub use operator_jobs::{JobListQuery, JobPage, OperatorJobView};
pub use provider_settings::{
    ApiKeyView, DEFAULT_ROTATION_OVERLAP_SECS, IssueKeyRequest, IssuedKeyView,
    MAX_ROTATION_OVERLAP_SECS, ProviderSettingsUpdate, ProviderSettingsView, RotateSecretRequest,
    RotatedSecretView, SettingsActor,
};
pub use requests::*;
pub use responses::*;
pub use test_ping::TestPingView;

use crate::engine::WorkSignal;
use crate::ports::{
    Argon2Hasher, Clock, EventSink, IdGenerator, PasswordHasher, Store, StoreError, SystemClock,
    TimeOrderedIds, WriteSet,
};
use crate::types::ProviderId;

/// Who is calling: a provider in one environment. Obtained from
/// [`Service::authenticate_api_key`] or [`Service::authenticate_webhook_secret`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Caller {
    /// The provider.
    pub provider_id: ProviderId,
    /// Sandbox credentials: real records, real webhooks, no switch.
    pub sandbox: bool,
}

/// Limits of the service.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Entries per bulk batch (100).
    pub max_batch_entries: usize,
    /// Batches in progress per provider (3).
    pub max_batches_in_progress: u32,
    /// How long batch results are kept (48 h).
    pub batch_retention: chrono::Duration,
    /// Entries of one bulk batch processed at once (100). Entries that share an email,
    /// location hash or external subscription id still run in batch order; the others run
    /// concurrently so that their writes share the store's commits.
    pub bulk_concurrency: usize,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            max_batch_entries: 100,
            max_batches_in_progress: 3,
            batch_retention: chrono::Duration::hours(48),
            bulk_concurrency: 100,
        }
    }
}

/// The library API of kurnl. Cheap to clone; share one per process.
#[derive(Debug, Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    hasher: Arc<dyn PasswordHasher>,
    config: ServiceConfig,
    signal: Option<WorkSignal>,
    sink: Option<Arc<dyn EventSink>>,
}

impl Service {
    /// A service over a store, with the system clock, time-ordered ids
    /// ([`TimeOrderedIds`]; [`RandomIds`](crate::ports::RandomIds) via [`Service::with_ids`]) and argon2id.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
            ids: Arc::new(TimeOrderedIds),
            hasher: Arc::new(Argon2Hasher::default()),
            config: ServiceConfig::default(),
            signal: None,
            sink: None,
        }
    }

    /// Raises `signal` after every commit with jobs or events, so that an engine and a
    /// dispatcher in this process holding the same signal start at once (see [`WorkSignal`]).
    pub fn with_work_signal(mut self, signal: WorkSignal) -> Self {
        self.signal = Some(signal);
        self
    }

    /// The event sink [`Service::send_test_ping`] sends with (the dispatcher's; events are
    /// never delivered through the service).
    pub fn with_event_sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Replaces the clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the id generator.
    pub fn with_ids(mut self, ids: Arc<dyn IdGenerator>) -> Self {
        self.ids = ids;
        self
    }

    /// Replaces the password hasher.
    pub fn with_hasher(mut self, hasher: Arc<dyn PasswordHasher>) -> Self {
        self.hasher = hasher;
        self
    }

    /// Replaces the limits.
    pub fn with_config(mut self, config: ServiceConfig) -> Self {
        self.config = config;
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The id generator.
    pub fn ids(&self) -> &Arc<dyn IdGenerator> {
        &self.ids
    }

    fn new_id<T: From<uuid::Uuid>>(&self) -> T {
        T::from(self.ids.new_uuid())
    }

    /// Commits `writes`, then raises the work signal for what they queued.
    async fn commit(&self, writes: WriteSet) -> std::result::Result<(), StoreError> {
        let (jobs, events) = (!writes.jobs.is_empty(), !writes.events.is_empty());
        self.store.commit(writes).await?;
        if let Some(signal) = &self.signal {
            if jobs {
                signal.jobs_committed();
            }
            if events {
                signal.events_committed();
            }
        }
        Ok(())
    }
}

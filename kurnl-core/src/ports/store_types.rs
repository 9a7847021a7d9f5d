//! Arguments and results of the [`Store`](super::Store) port.

use chrono::{DateTime, Duration, Utc};

use crate::model::{
    Batch, DeliveryAttempt, Event, Job, Location, NewEvent, Port, Subscriber, Subscription, Switch,
};
use crate::types::{JobId, LeaseToken, ProviderId, SubscriptionStatus, SwitchId};

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConflictKind {
    /// `(provider, sandbox, email)` of subscribers.
    SubscriberEmail,
    /// `(provider, sandbox, idempotency_key)` among live subscriptions.
    IdempotencyKey,
    /// `(sandbox, port)` among live subscriptions.
    PortTaken,
    /// `(sandbox, unit_id)` among live subscriptions.
    UnitTaken,
    /// Compare-and-swap on `revision` failed: someone else changed the row first.
    Revision,
    /// The provider already has the maximum number of batches in progress.
    TooManyBatches,
    /// A primary key that already exists.
    DuplicateId,
    /// An operator retry of a job that is not `failed`.
    JobNotFailed,
    /// An operator retry of a failed job after which a later job for the same port was
    /// queued: running it again would undo the later change.
    JobSuperseded,
    /// An operator cancel of a job that is not `pending` (running or finished).
    JobNotQueued,
    /// A delete of inventory that a subscription that is not cancelled, or an unfinished
    /// job, still uses.
    InUse,
}

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule or optimistic revision check rejected the write; nothing was written.
    #[error("conflict: {0:?}")]
    Conflict(ConflictKind),
    /// The row to update does not exist.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The lease presented is not (or no longer) the one holding the job or event.
    #[error("lease lost")]
    LeaseLost,
    /// The backend failed (I/O, connection, corrupt data). `retryable` when trying again may work.
    #[error("store backend error: {message}")]
    Backend {
        /// What went wrong.
        message: String,
        /// Whether a retry may succeed (busy, connection reset...).
        retryable: bool,
    },
}

impl StoreError {
    /// A non-retryable backend error.
    pub fn backend(message: impl std::fmt::Display) -> Self {
        Self::Backend {
            message: message.to_string(),
            retryable: false,
        }
    }
}

/// Optimistic update of a subscription: written only if the stored revision still equals
/// `expected_revision`; the stored row becomes `after` (whose revision is `expected_revision + 1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionUpdate {
    /// Revision read before deciding.
    pub expected_revision: i64,
    /// The new row.
    pub after: Subscription,
}

/// Everything one service operation writes, committed atomically (transactional outbox).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSet {
    /// Insert a subscriber (fails with `SubscriberEmail` when the email exists).
    pub new_subscriber: Option<Subscriber>,
    /// Insert a subscription (`IdempotencyKey`, `PortTaken`, `UnitTaken`, `DuplicateId`).
    pub new_subscription: Option<Subscription>,
    /// Update a subscription (`Revision`, `PortTaken`, `UnitTaken`).
    pub subscription_update: Option<SubscriptionUpdate>,
    /// Jobs to queue.
    pub jobs: Vec<Job>,
    /// Events to append to the outbox.
    pub events: Vec<NewEvent>,
}

/// Filter and page of the subscriber list (E8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberQuery {
    /// Owner.
    pub provider_id: ProviderId,
    /// Environment.
    pub sandbox: bool,
    /// 1-based page.
    pub page: u32,
    /// 1..=100.
    pub page_size: u32,
    /// Only subscribers with at least one subscription in this status.
    pub status: Option<SubscriptionStatus>,
    /// Case-insensitive substring of email, first name or last name.
    pub search: Option<String>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// Items, ordered by creation time then id.
    pub results: Vec<T>,
    /// Matching items in all pages.
    pub total: u64,
}

/// Ask for due jobs of one switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRequest {
    /// Worker name, for diagnostics.
    pub worker: String,
    /// Current time.
    pub now: DateTime<Utc>,
    /// Lease length.
    pub lease: Duration,
    /// At most this many jobs (all for the same switch).
    pub max_jobs: u32,
}

/// A location with the port it is wired to and that port's switch
/// ([`Store::get_location_placement`](super::Store::get_location_placement)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationPlacement {
    /// The location.
    pub location: Location,
    /// Its port; `None` when missing from the inventory.
    pub port: Option<Port>,
    /// The port's switch; `None` when missing from the inventory.
    pub switch: Option<Switch>,
}

/// The open jobs of one switch ([`Store::queued_jobs_by_switch`](super::Store::queued_jobs_by_switch)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwitchQueue {
    /// The switch.
    pub switch_id: SwitchId,
    /// Its jobs `pending` or `in_progress` (at least 1).
    pub jobs: u64,
    /// When the oldest of them was created.
    pub oldest_created_at: DateTime<Utc>,
}

/// Unfinished work in a store ([`Store::queued_work`](super::Store::queued_work)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueuedWork {
    /// Port jobs `pending` (due or waiting for a retry) or `in_progress` (leased).
    pub jobs: u64,
    /// Events waiting for a (further) delivery attempt.
    pub events: u64,
}

/// Jobs claimed under one lease, all for the same switch, at most one per port, each the
/// oldest unfinished job of its port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJobs {
    /// The lease; present it to heartbeat and finish.
    pub lease: LeaseToken,
    /// The switch.
    pub switch_id: SwitchId,
    /// Lease expiry.
    pub expires_at: DateTime<Utc>,
    /// The jobs, oldest first, status `in_progress`, attempts already incremented.
    pub jobs: Vec<Job>,
}

/// How a claimed job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobResult {
    /// Done; append these events.
    Completed {
        /// Usually `provisioning.completed`.
        events: Vec<NewEvent>,
    },
    /// Try again at `at`.
    Retry {
        /// Not before.
        at: DateTime<Utc>,
        /// Why this attempt failed.
        error: String,
    },
    /// Give up; append these events.
    Failed {
        /// Why.
        error: String,
        /// Usually `provisioning.failed`.
        events: Vec<NewEvent>,
    },
}

/// The outcome of one claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOutcome {
    /// Which job.
    pub job_id: JobId,
    /// What happened.
    pub result: JobResult,
}

/// Ask for events due for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventClaim {
    /// Current time.
    pub now: DateTime<Utc>,
    /// Lease length.
    pub lease: Duration,
    /// At most this many.
    pub limit: u32,
}

/// What to do with an event after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryNext {
    /// Acknowledged.
    Delivered,
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// Give up (replayable).
    Failed,
}

/// Result of one attempt on a leased event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The lease the event was claimed with.
    pub lease: LeaseToken,
    /// The attempt, appended to the event's log.
    pub attempt: DeliveryAttempt,
    /// New state.
    pub next: DeliveryNext,
}

/// A batch and how its entries' jobs stand, for the poll endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchView {
    /// The batch.
    pub batch: Batch,
    /// The job of each entry that has one, by entry index.
    pub jobs: Vec<(u32, Job)>,
}

/// Which events to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    /// Owner.
    pub provider_id: ProviderId,
    /// Only events created at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only events in this state.
    pub status: Option<crate::model::DeliveryStatus>,
    /// At most this many, oldest first.
    pub limit: u32,
}

/// Events and their attempt logs.
pub type EventWithAttempts = (Event, Vec<DeliveryAttempt>);

/// Which deliveries (events with their delivery state) of one provider environment to list
/// or replay. Every bound is optional; `since` is inclusive, `until` exclusive, both on the
/// event's creation time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFilter {
    /// Owner.
    pub provider_id: ProviderId,
    /// Environment.
    pub sandbox: bool,
    /// Only events in this delivery state.
    pub status: Option<crate::model::DeliveryStatus>,
    /// Only events of this type (`provisioning.completed`, ...).
    pub event: Option<String>,
    /// Only events created at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only events created before this time.
    pub until: Option<DateTime<Utc>>,
}

impl DeliveryFilter {
    /// Every delivery of one provider environment.
    pub fn all(provider_id: ProviderId, sandbox: bool) -> Self {
        Self {
            provider_id,
            sandbox,
            status: None,
            event: None,
            since: None,
            until: None,
        }
    }
}

/// One event with the latest attempt of its log (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySummary {
    /// The event and its delivery state.
    pub event: Event,
    /// The most recent attempt, `None` before the first.
    pub last_attempt: Option<DeliveryAttempt>,
}

/// A webhook endpoint that kurnl stopped delivering to because the receiver answered
/// `410 Gone` (Standard Webhooks: the receiver asks the sender to stop). Events for it are
/// kept and recorded as failed, so nothing is lost: re-enable the endpoint (a replay does
/// it) or change its URL, then replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisabledEndpoint {
    /// Owner.
    pub provider_id: ProviderId,
    /// Environment.
    pub sandbox: bool,
    /// The URL that answered 410. An endpoint whose URL has changed since is not disabled.
    pub url: String,
    /// When.
    pub disabled_at: DateTime<Utc>,
    /// Why, for operators (status and the event whose delivery got it).
    pub reason: String,
}

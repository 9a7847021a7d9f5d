//! Bulk batches and their per-entry outcomes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::types::{BatchId, JobId, ProviderId, SubscriberId, SubscriptionId};

/// What processing one entry produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EntryOutcome {
    /// Subscription created (or found by idempotency); the entry completes with its job.
    Created {
        /// Subscription.
        subscription_id: SubscriptionId,
        /// Subscriber.
        subscriber_id: Option<SubscriberId>,
        /// Job.
        job_id: Option<JobId>,
    },
    /// Rejected.
    Failed {
        /// Why (the same text the single call would have given).
        error: String,
    },
}

/// One submitted entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchEntry {
    /// 0-based position.
    pub index: u32,
    /// The email as submitted (for the result list).
    pub email: String,
    /// The entry as submitted (JSON of [`ProvisionRequest`](crate::service::ProvisionRequest)).
    pub request: serde_json::Value,
    /// `None` until processed.
    pub outcome: Option<EntryOutcome>,
}

/// A bulk batch as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// `batch_id`.
    pub id: BatchId,
    /// Owner.
    pub provider_id: ProviderId,
    /// Environment.
    pub sandbox: bool,
    /// Submitted at; results are kept 48 hours.
    pub created_at: DateTime<Utc>,
    /// Entries in submission order.
    pub entries: Vec<BatchEntry>,
}

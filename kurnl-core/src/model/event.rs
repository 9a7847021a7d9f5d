//! Outbox events: what the provider is told, in kurnl's flat webhook format.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{DriftField, DriftPolicy};

use crate::types::{
    EventId, JobId, LeaseToken, LocationHash, PlanVersionId, ProviderId, SubscriberId,
    SubscriptionId, UnitId,
};

/// The event-specific fields, tagged by the documented event name. Serialises flat:
/// `{"event": "provisioning.completed", "job_id": ..., "subscription_id": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum EventData {
    /// The subscription became `ACTIVE`.
    #[serde(rename = "subscription.activated")]
    SubscriptionActivated {
        /// Subscription.
        subscription_id: SubscriptionId,
        /// `null` for anonymous subscriptions.
        subscriber_id: Option<SubscriberId>,
        /// Plan version.
        plan_version_id: PlanVersionId,
        /// Location, for direct delivery.
        location_hash: Option<LocationHash>,
    },
    /// A home-drop signup waits for installation.
    #[serde(rename = "subscription.pending_install")]
    SubscriptionPendingInstall {
        /// Subscription.
        subscription_id: SubscriptionId,
        /// `null` for anonymous subscriptions.
        subscriber_id: Option<SubscriberId>,
        /// Unit to install.
        unit_id: UnitId,
    },
    /// The subscription was cancelled.
    #[serde(rename = "subscription.cancelled")]
    SubscriptionCancelled {
        /// Subscription.
        subscription_id: SubscriptionId,
    },
    /// A port job succeeded.
    #[serde(rename = "provisioning.completed")]
    ProvisioningCompleted {
        /// Job.
        job_id: JobId,
        /// Subscription.
        subscription_id: SubscriptionId,
    },
    /// A port job failed after all retries.
    #[serde(rename = "provisioning.failed")]
    ProvisioningFailed {
        /// Job.
        job_id: JobId,
        /// Subscription.
        subscription_id: SubscriptionId,
        /// Why.
        error: String,
    },
    /// Non-standard extension: the subscription's port was found changed behind kurnl's
    /// back by the drift audit. Receivers that do not know it ignore it (G23).
    #[serde(rename = "port.drift_detected")]
    PortDriftDetected {
        /// Subscription.
        subscription_id: SubscriptionId,
        /// What differed: `vlan`, `rate`, `mac`, `enabled`, `description`, `other`.
        drifted: Vec<DriftField>,
        /// `report` (nothing changed on the switch) or `repair` (a repair is queued unless a
        /// job of the subscription already decides the port).
        policy: DriftPolicy,
    },
}

impl EventData {
    /// Every value [`EventData::name`] returns.
    pub const NAMES: [&'static str; 6] = [
        "subscription.activated",
        "subscription.pending_install",
        "subscription.cancelled",
        "provisioning.completed",
        "provisioning.failed",
        "port.drift_detected",
    ];

    /// The documented event name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SubscriptionActivated { .. } => "subscription.activated",
            Self::SubscriptionPendingInstall { .. } => "subscription.pending_install",
            Self::SubscriptionCancelled { .. } => "subscription.cancelled",
            Self::ProvisioningCompleted { .. } => "provisioning.completed",
            Self::ProvisioningFailed { .. } => "provisioning.failed",
            Self::PortDriftDetected { .. } => "port.drift_detected",
        }
    }

    /// The subscription the event is about.
    pub fn subscription_id(&self) -> SubscriptionId {
        match self {
            Self::SubscriptionActivated {
                subscription_id, ..
            }
            | Self::SubscriptionPendingInstall {
                subscription_id, ..
            }
            | Self::SubscriptionCancelled { subscription_id }
            | Self::ProvisioningCompleted {
                subscription_id, ..
            }
            | Self::ProvisioningFailed {
                subscription_id, ..
            }
            | Self::PortDriftDetected {
                subscription_id, ..
            } => *subscription_id,
        }
    }
}

/// An event to append to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Unique id (the `webhook-id` receivers deduplicate on).
    pub id: EventId,
    /// Recipient.
    pub provider_id: ProviderId,
    /// Sandbox events go to the sandbox webhook URL.
    pub sandbox: bool,
    /// Payload.
    pub data: EventData,
    /// When it happened (`timestamp` of the envelope; the same on every retry).
    pub created_at: DateTime<Utc>,
}

/// Delivery state of an outbox event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for (another) attempt.
    Pending,
    /// Acknowledged by the receiver (or nothing to deliver to).
    Delivered,
    /// Attempts exhausted or rejected; can be replayed.
    Failed,
}

/// An event as stored in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Unique id.
    pub id: EventId,
    /// Recipient.
    pub provider_id: ProviderId,
    /// Environment.
    pub sandbox: bool,
    /// Payload.
    pub data: EventData,
    /// Increases by one per event of the same subscription, in commit order.
    pub sequence: i64,
    /// When it happened.
    pub created_at: DateTime<Utc>,
    /// Delivery state.
    pub status: DeliveryStatus,
    /// Attempts since creation or the last replay.
    pub attempts: u32,
    /// Next attempt not before.
    pub next_attempt_at: DateTime<Utc>,
    /// Current delivery lease.
    pub lease: Option<LeaseToken>,
}

impl Event {
    /// The documented flat envelope: `event`, `provider_document_id`, `timestamp` (float
    /// seconds), the event fields, plus `event_id` and `sequence` for deduplication.
    pub fn envelope(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(&self.data).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.insert(
                "provider_document_id".into(),
                serde_json::json!(self.provider_id),
            );
            let ts = self.created_at.timestamp_millis() as f64 / 1000.0;
            map.insert("timestamp".into(), serde_json::json!(ts));
            map.insert("event_id".into(), serde_json::json!(self.id));
            map.insert("sequence".into(), serde_json::json!(self.sequence));
        }
        value
    }
}

/// One delivery attempt, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    /// Event.
    pub event_id: EventId,
    /// 1-based attempt number since creation or replay.
    pub attempt: u32,
    /// When it started.
    pub at: DateTime<Utc>,
    /// HTTP status, when a response came.
    pub status_code: Option<u16>,
    /// How long it took, in milliseconds.
    pub latency_ms: u64,
    /// Error, when not acknowledged.
    pub error: Option<String>,
}

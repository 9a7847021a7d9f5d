//! Subscriptions: one plan on one port (or unit) for one provider.

use chrono::{DateTime, Utc};

use super::PortRef;
use crate::types::{
    DeliveryMode, ExternalSubscriptionId, JobId, LocationHash, MacAddress, PlanVersionId,
    ProviderId, SubscriberId, SubscriptionId, SubscriptionStatus, UnitId,
};

/// A subscription as stored.
///
/// Store invariants (unique among subscriptions whose status is not `CANCELLED`, per
/// environment): `(provider_id, idempotency_key)`, `port`, `unit_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// `subscription_id`.
    pub id: SubscriptionId,
    /// Owner.
    pub provider_id: ProviderId,
    /// Sandbox subscriptions never touch a switch.
    pub sandbox: bool,
    /// `None` for anonymous subscriptions.
    pub subscriber_id: Option<SubscriberId>,
    /// Plan version applied (or to apply).
    pub plan_version_id: PlanVersionId,
    /// Lifecycle status.
    pub status: SubscriptionStatus,
    /// How the line is delivered.
    pub delivery_mode: DeliveryMode,
    /// Direct delivery: the location.
    pub location_hash: Option<LocationHash>,
    /// Home-drop: the unit.
    pub unit_id: Option<UnitId>,
    /// Assigned switch port (from the location, or by confirm-install).
    pub port: Option<PortRef>,
    /// Bound MAC, if any.
    pub mac: Option<MacAddress>,
    /// The provider's own reference.
    pub external_subscription_id: Option<ExternalSubscriptionId>,
    /// The idempotency key this subscription was created under (`email:<email>:<plan>` or
    /// `ext:<external id>`).
    pub idempotency_key: Option<String>,
    /// Fingerprint of the creating request; a replay with another fingerprint is a 409.
    pub request_fingerprint: Option<String>,
    /// The job the creating call returned, handed back on replays.
    pub initial_job_id: Option<JobId>,
    /// Optimistic concurrency revision, starts at 1.
    pub revision: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

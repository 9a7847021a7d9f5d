//! Arguments of the operator's [`Store`](super::Store) calls: job search.

use crate::model::JobStatus;
use crate::types::{JobId, ProviderId, SubscriptionId, SwitchId};

/// Which jobs [`Store::list_jobs`](super::Store::list_jobs) returns: every filter that is set
/// must match; newest first (`created_at`, then insertion order), at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobQuery {
    /// Only jobs in this status.
    pub status: Option<JobStatus>,
    /// Only jobs for a port of this switch.
    pub switch_id: Option<SwitchId>,
    /// Only jobs of this subscription.
    pub subscription_id: Option<SubscriptionId>,
    /// Only jobs of this provider.
    pub provider_id: Option<ProviderId>,
    /// Only jobs that come after this one in the order (the next page: the last job
    /// listed). A job id that does not exist matches nothing.
    pub after: Option<JobId>,
    /// At most this many.
    pub limit: u32,
}

impl Default for JobQuery {
    fn default() -> Self {
        Self {
            status: None,
            switch_id: None,
            subscription_id: None,
            provider_id: None,
            after: None,
            limit: 100,
        }
    }
}

/// One port of a switch as the operator sees it
/// ([`Store::list_ports`](super::Store::list_ports)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortOverview {
    /// The port and its interface.
    pub port: crate::model::Port,
    /// The location hashes that resolve to it.
    pub locations: Vec<crate::types::LocationHash>,
    /// The production subscription on it that is not cancelled, if any.
    pub live_subscription: Option<crate::model::Subscription>,
    /// The desired state of its last completed production job, and when it completed: what
    /// kurnl last applied to the switch.
    pub last_applied: Option<(crate::model::PortConfig, chrono::DateTime<chrono::Utc>)>,
    /// That job (set exactly when `last_applied` is).
    pub last_applied_job: Option<JobId>,
}

/// Whether a unit is taken ([`UnitOverview`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitStatus {
    /// No subscription that is not cancelled.
    Free,
    /// A home-drop subscription waits for its installation.
    PendingInstall,
    /// A subscription that is not cancelled and not waiting for installation.
    Active,
}

impl UnitStatus {
    /// The status of a unit whose production subscription that is not cancelled has
    /// `subscription` (none: free).
    pub fn of_subscription(subscription: Option<crate::types::SubscriptionStatus>) -> Self {
        use crate::types::SubscriptionStatus as S;
        match subscription {
            None | Some(S::Cancelled) => Self::Free,
            Some(S::PendingInstall) => Self::PendingInstall,
            Some(_) => Self::Active,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::PendingInstall => "pending_install",
            Self::Active => "active",
        }
    }
}

/// A unit with whether it is taken ([`Store::list_units`](super::Store::list_units)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitOverview {
    /// The unit.
    pub unit: crate::model::Unit,
    /// Free, pending install or active, from its production subscription.
    pub status: UnitStatus,
    /// That subscription.
    pub subscription_id: Option<SubscriptionId>,
}

/// Which drift findings [`Store::list_drift_findings`](super::Store::list_drift_findings)
/// returns: every filter that is set must match; newest first (`detected_at`, then id), at
/// most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftQuery {
    /// Only findings on ports of this switch.
    pub switch_id: Option<SwitchId>,
    /// Only findings detected at or after this time.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// At most this many.
    pub limit: u32,
}

impl Default for DriftQuery {
    fn default() -> Self {
        Self {
            switch_id: None,
            since: None,
            limit: 100,
        }
    }
}

/// What one switch audit leaves in the store, written in one transaction by
/// [`Store::finish_switch_audit`](super::Store::finish_switch_audit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// The audit, which becomes the switch's `last`.
    pub audit: crate::model::SwitchAudit,
    /// When the switch is due again.
    pub next_due_at: chrono::DateTime<chrono::Utc>,
    /// Drifted ports, each with its repair job under policy `repair`.
    pub findings: Vec<crate::model::FindingToRecord>,
    /// `port.drift_detected` events to append to the outbox (one per finding on a port with a
    /// live subscription).
    pub events: Vec<crate::model::NewEvent>,
}

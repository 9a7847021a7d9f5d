//! Provisioning jobs: one desired change to one switch port.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PortRef;
use crate::types::{
    InterfaceName, JobId, LeaseToken, MacAddress, PortDescription, ProviderId, RateLimit,
    SubscriptionId, VlanId,
};

/// What a job does to the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobAction {
    /// First configuration of the port for a subscription.
    Provision,
    /// New VLAN and limits.
    ChangePlan,
    /// Block the port.
    Suspend,
    /// Unblock the port.
    Reactivate,
    /// Back to the captive portal VLAN, limits and MAC binding cleared.
    Deprovision,
    /// Converge a drifted port back to what kurnl last applied (drift audit, policy
    /// `repair`). Emits no provisioning event: the provider already got `port.drift_detected`.
    Repair,
}

impl JobAction {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provision => "provision",
            Self::ChangePlan => "change_plan",
            Self::Suspend => "suspend",
            Self::Reactivate => "reactivate",
            Self::Deprovision => "deprovision",
            Self::Repair => "repair",
        }
    }
}

/// The complete desired state of one access port. Drivers converge the port to it, so applying
/// the same config twice is a no-op.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PortConfig {
    /// Access VLAN.
    pub vlan: VlanId,
    /// Rate limits; `None` = no limit configured.
    pub rate: Option<RateLimit>,
    /// Static MAC binding (port security, one MAC); `None` = no port security.
    pub mac: Option<MacAddress>,
    /// `false` = administratively down (suspended).
    pub enabled: bool,
    /// Interface description.
    pub description: PortDescription,
}

impl PortConfig {
    /// The captive-portal state of an unused port.
    pub fn captive(vlan: VlanId) -> Self {
        Self {
            vlan,
            rate: None,
            mac: None,
            enabled: true,
            description: PortDescription::captive(),
        }
    }
}

/// Job status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting to be claimed (possibly until `run_at` for a retry).
    Pending,
    /// Claimed by a worker under a lease.
    InProgress,
    /// The switch has the desired state.
    Completed,
    /// Gave up.
    Failed,
    /// Taken out of the queue by an operator before it ran; the port was not touched.
    Cancelled,
}

impl JobStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Every status, in lifecycle order.
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::InProgress,
        Self::Completed,
        Self::Failed,
        Self::Cancelled,
    ];

    /// The status with this wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Completed, failed or cancelled: no worker will touch it again.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

/// A provisioning job as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// `job_id`.
    pub id: JobId,
    /// Owner.
    pub provider_id: ProviderId,
    /// The subscription it serves.
    pub subscription_id: SubscriptionId,
    /// Sandbox jobs complete without touching a switch.
    pub sandbox: bool,
    /// What it does.
    pub action: JobAction,
    /// Target port.
    pub port: PortRef,
    /// Its interface name, resolved from the inventory when the job was queued.
    pub interface: InterfaceName,
    /// Desired state.
    pub desired: PortConfig,
    /// Status.
    pub status: JobStatus,
    /// Attempts started so far (incremented on each claim).
    pub attempts: u32,
    /// Not to be claimed before this time.
    pub run_at: DateTime<Utc>,
    /// Current lease, while in progress.
    pub lease: Option<LeaseToken>,
    /// When the lease expires.
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// Last error message.
    pub last_error: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

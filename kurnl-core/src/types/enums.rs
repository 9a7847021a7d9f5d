//! Small closed sets of the API: customer type, delivery mode, subscription status.

use serde::{Deserialize, Serialize};

/// `customer_type` of a subscriber; defaults to `RESIDENTIAL`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomerType {
    /// A household.
    #[default]
    Residential,
    /// A company.
    Business,
}

/// `delivery_mode` of a checkout; defaults to `direct`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMode {
    /// The unit already has a patched port; provisioned at once.
    #[default]
    Direct,
    /// A technician must install the drop first (confirm-install).
    HomeDrop,
}

impl DeliveryMode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::HomeDrop => "home_drop",
        }
    }
}

/// Subscription status as kurnl names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubscriptionStatus {
    /// Created but not activated (waiting for payment or manual activation).
    Pending,
    /// Home-drop: waiting for the technician.
    PendingInstall,
    /// Active; the port carries the plan VLAN once its job completes.
    Active,
    /// Port blocked, subscription kept.
    Suspended,
    /// Ended; terminal.
    Cancelled,
}

impl SubscriptionStatus {
    /// All statuses, for tables and property tests.
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::PendingInstall,
        Self::Active,
        Self::Suspended,
        Self::Cancelled,
    ];

    /// The wire name (`PENDING_INSTALL`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::PendingInstall => "PENDING_INSTALL",
            Self::Active => "ACTIVE",
            Self::Suspended => "SUSPENDED",
            Self::Cancelled => "CANCELLED",
        }
    }

    /// Parses the wire name case-insensitively (`?status=active` is accepted).
    pub fn parse_loose(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    /// Whether the subscription still holds its location / unit (anything but cancelled).
    pub fn is_live(self) -> bool {
        self != Self::Cancelled
    }
}

impl std::fmt::Display for SubscriptionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

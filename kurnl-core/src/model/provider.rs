//! Providers (ISPs), their API keys and plans.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::types::{ApiKeyId, Kbps, PlanId, PlanVersionId, ProviderId, RateLimit, Secret, VlanId};

/// Who bills the subscriber; decides what confirm-install does (gap G6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingMode {
    /// kurnl sends a payment link; confirm-install leaves the subscription `PENDING` until paid.
    #[default]
    Kurnl,
    /// The provider bills; confirm-install activates at once.
    Provider,
}

/// Where and how a provider receives webhooks in one environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// `webhook_url`; `None` means events are kept but not sent.
    pub url: Option<String>,
    /// Signing secret, also the `X-Webhook-Secret` for inbound CKO-03 calls.
    pub secret: Option<Secret>,
    /// The secret a rotation replaced: until `previous_secret_until` it still signs (a second
    /// Standard Webhooks signature) and is still accepted as `X-Webhook-Secret`.
    pub previous_secret: Option<Secret>,
    /// End of the rotation's overlap.
    pub previous_secret_until: Option<DateTime<Utc>>,
}

impl WebhookEndpoint {
    /// An endpoint without a rotation in progress.
    pub fn new(url: Option<String>, secret: Option<Secret>) -> Self {
        Self {
            url,
            secret,
            previous_secret: None,
            previous_secret_until: None,
        }
    }

    /// The previous secret while the overlap lasts at `now`.
    pub fn previous_at(&self, now: DateTime<Utc>) -> Option<&Secret> {
        match (&self.previous_secret, self.previous_secret_until) {
            (Some(s), Some(until)) if now < until => Some(s),
            _ => None,
        }
    }

    /// The secrets that sign a delivery at `now`: the current one first, then the previous
    /// one during a rotation's overlap. Empty without a secret.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<Secret> {
        let Some(current) = &self.secret else {
            return Vec::new();
        };
        std::iter::once(current.clone())
            .chain(self.previous_at(now).cloned())
            .collect()
    }

    /// Whether `presented` is the current secret, or the previous one during the overlap
    /// (constant-time comparisons; both are compared every time).
    pub fn accepts(&self, presented: &str, now: DateTime<Utc>) -> bool {
        let current = self.secret.as_ref().is_some_and(|s| s.matches(presented));
        let previous = self.previous_at(now).is_some_and(|s| s.matches(presented));
        current | previous
    }
}

/// A service provider (ISP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// `service_provider_document_id`.
    pub id: ProviderId,
    /// Display name.
    pub name: String,
    /// Production webhook settings.
    pub live: WebhookEndpoint,
    /// Sandbox webhook settings.
    pub sandbox: WebhookEndpoint,
    /// The provider's checkout page for CKO-03 redirects.
    pub external_checkout_url: Option<String>,
    /// Who bills.
    pub billing_mode: BillingMode,
}

impl Provider {
    /// The endpoint of one environment.
    pub fn endpoint(&self, sandbox: bool) -> &WebhookEndpoint {
        if sandbox { &self.sandbox } else { &self.live }
    }
}

/// A stored API key: only its SHA-256 hash is kept (keys are long random tokens, so a fast
/// hash is the right tool; passwords use argon2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// Record id.
    pub id: ApiKeyId,
    /// Owner.
    pub provider_id: ProviderId,
    /// Lower-case hex SHA-256 of the full key.
    pub key_hash: String,
    /// First characters of the key (`krnl_live_ab12`), for humans.
    pub display_prefix: String,
    /// `krnl_sb_` keys reach sandbox data only and never touch a switch.
    pub sandbox: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Set when rotated out; a revoked key fails at once.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An operator key as stored: like an [`ApiKeyRecord`], only its hash, but it belongs to no
/// provider and opens the operator endpoints only (`X-Operator-Key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorKeyRecord {
    /// Record id.
    pub id: ApiKeyId,
    /// Lower-case hex SHA-256 of the full key.
    pub key_hash: String,
    /// First characters of the key (`krnl_op_ab12cd`), for humans.
    pub display_prefix: String,
    /// What the key is for ("console", "on-call"), for humans.
    pub label: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Set when revoked; a revoked key fails at once.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A plan a provider sells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// `plan_id`.
    pub id: PlanId,
    /// Owner.
    pub provider_id: ProviderId,
    /// Marketing name.
    pub name: String,
}

/// One versioned offering of a plan: what goes on the port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanVersion {
    /// `plan_version_id` / `document_id`.
    pub id: PlanVersionId,
    /// Its plan.
    pub plan_id: PlanId,
    /// Owner (denormalised from the plan for scoping).
    pub provider_id: ProviderId,
    /// Name shown in `plans/me`.
    pub name: String,
    /// Access VLAN for subscribers on this version.
    pub vlan: VlanId,
    /// Download / upload limits.
    pub rate: RateLimit,
    /// Start of the window (inclusive).
    pub effective_from: DateTime<Utc>,
    /// End of the window (exclusive); `None` = open-ended.
    pub effective_to: Option<DateTime<Utc>>,
}

impl PlanVersion {
    /// Whether new provisioning may use this version at `now` (gap G14).
    pub fn is_active_at(&self, now: DateTime<Utc>) -> bool {
        self.effective_from <= now && self.effective_to.is_none_or(|to| now < to)
    }

    /// Download limit shortcut.
    pub fn download(&self) -> Kbps {
        self.rate.down
    }
}

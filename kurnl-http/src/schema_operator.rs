//! OpenAPI schemas of the operator extensions (`handlers/operator_jobs.rs`), mirrors of the
//! `kurnl-core` wire types like those in `schema.rs`.

#![allow(dead_code)] // only read by the OpenAPI derive

use chrono::{DateTime, Utc};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Status of a job.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub(crate) enum JobStatus {
    Pending,
    InProgress,
    Completed,
    Failed,
    Cancelled,
}

/// Query of the operator's job list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct JobListParams {
    /// Only jobs in this status.
    status: Option<JobStatus>,
    /// Only jobs for ports of this switch.
    switch_id: Option<Uuid>,
    /// Only jobs of this subscription.
    subscription_id: Option<Uuid>,
    /// Only jobs of this provider.
    provider_id: Option<Uuid>,
    /// The next page: `next_after` of the previous page.
    after: Option<Uuid>,
    /// 1..=500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// Download and upload limits.
#[derive(ToSchema)]
pub(crate) struct RateLimit {
    /// kbit/s towards the subscriber.
    down: u32,
    /// kbit/s from the subscriber.
    up: u32,
}

/// The state a job converges its port to.
#[derive(ToSchema)]
pub(crate) struct PortConfig {
    /// Access VLAN.
    vlan: u16,
    /// `null`: no limit configured.
    rate: Option<RateLimit>,
    /// Bound MAC address; `null`: no port security.
    mac: Option<String>,
    /// `false`: administratively down (suspended).
    enabled: bool,
    /// Interface description.
    description: String,
}

/// A job as operators see it.
#[derive(ToSchema)]
pub(crate) struct OperatorJob {
    job_id: Uuid,
    provider_id: Uuid,
    subscription_id: Uuid,
    /// Sandbox jobs never touch a switch.
    sandbox: bool,
    /// `provision`, `change_plan`, `suspend`, `reactivate`, `deprovision` or `repair` (a
    /// drift repair, non-standard extension).
    action: String,
    status: JobStatus,
    switch_id: Uuid,
    port_number: u32,
    interface: String,
    desired: PortConfig,
    /// Attempts since it was queued or last retried by an operator.
    attempts: u32,
    /// Not claimed before this time.
    run_at: DateTime<Utc>,
    /// Present while in progress.
    lease_expires_at: Option<DateTime<Utc>>,
    /// The full last error, device output included.
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A page of jobs, newest first.
#[derive(ToSchema)]
pub(crate) struct JobPage {
    results: Vec<OperatorJob>,
    /// Pass as `after` for the next page; absent on the last page.
    next_after: Option<Uuid>,
}

/// A provider's settings (never a secret).
#[derive(ToSchema)]
pub(crate) struct ProviderSettings {
    provider_id: Uuid,
    name: String,
    /// `kurnl` or `provider`.
    billing_mode: String,
    webhook_url: Option<String>,
    sandbox_webhook_url: Option<String>,
    external_checkout_url: Option<String>,
    webhook_secret_set: bool,
    sandbox_webhook_secret_set: bool,
    /// While a production rotation overlaps: when the previous secret stops working.
    previous_webhook_secret_valid_until: Option<DateTime<Utc>>,
    /// While a sandbox rotation overlaps: when the previous secret stops working.
    previous_sandbox_webhook_secret_valid_until: Option<DateTime<Utc>>,
}

/// A settings change: a field left out stays as it is, `null` clears it.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProviderSettingsUpdate {
    /// An http or https URL with a host, at most 2048 characters, without white space or
    /// control characters.
    #[schema(
        pattern = r"^https?://[^\s\x00-\x1f\x7f-\x9f/?#]+[^\s\x00-\x1f\x7f-\x9f]*$",
        max_length = 2048
    )]
    webhook_url: Option<String>,
    /// An http or https URL with a host, at most 2048 characters, without white space or
    /// control characters.
    #[schema(
        pattern = r"^https?://[^\s\x00-\x1f\x7f-\x9f/?#]+[^\s\x00-\x1f\x7f-\x9f]*$",
        max_length = 2048
    )]
    sandbox_webhook_url: Option<String>,
    /// An http or https URL with a host, at most 2048 characters, without white space or
    /// control characters.
    #[schema(
        pattern = r"^https?://[^\s\x00-\x1f\x7f-\x9f/?#]+[^\s\x00-\x1f\x7f-\x9f]*$",
        max_length = 2048
    )]
    external_checkout_url: Option<String>,
}

/// A webhook secret rotation.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RotateSecretRequest {
    /// Operator only: the sandbox secret instead of the production one (a provider's key
    /// rotates its own environment's secret and this field is ignored).
    sandbox: Option<bool>,
    /// How long the previous secret keeps working; one day by default.
    #[schema(minimum = 0, maximum = 604800)]
    overlap_seconds: Option<u32>,
}

/// The new secret of a rotation, shown once.
#[derive(ToSchema)]
pub(crate) struct RotatedSecret {
    sandbox: bool,
    /// `whsec_…`
    webhook_secret: String,
    /// Absent when nothing overlaps (no previous secret, or an overlap of 0).
    previous_secret_valid_until: Option<DateTime<Utc>>,
}

/// An API key issue.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IssueKeyRequest {
    /// Operator only: a sandbox key (a provider's key gets a key of its own environment and
    /// this field is ignored).
    sandbox: Option<bool>,
}

/// An API key as listed (never the key).
#[derive(ToSchema)]
pub(crate) struct ApiKey {
    id: Uuid,
    /// The key's first characters.
    display_prefix: String,
    sandbox: bool,
    created_at: DateTime<Utc>,
    /// Present once revoked.
    revoked_at: Option<DateTime<Utc>>,
}

/// A freshly issued API key, shown once.
#[derive(ToSchema)]
pub(crate) struct IssuedKey {
    id: Uuid,
    display_prefix: String,
    sandbox: bool,
    created_at: DateTime<Utc>,
    /// The key itself: store it now, it is never shown again.
    key: String,
}

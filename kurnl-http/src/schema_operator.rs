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
    /// `provision`, `change_plan`, `suspend`, `reactivate` or `deprovision`.
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

//! OpenAPI schemas of the drift audit extensions (`handlers/drift.rs`) and of the
//! `port.drift_detected` webhook, mirrors of the `kurnl-core` wire types
//! (`service::DriftFindingView`, `service::SwitchAuditView`, `model::EventData`) like those in
//! `schema.rs`.

#![allow(dead_code)] // only read by the OpenAPI derive

use chrono::{DateTime, Utc};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::schema_operator::PortConfig;

/// Query of the drift finding list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DriftListParams {
    /// Only findings on ports of this switch.
    switch_id: Option<Uuid>,
    /// Only findings detected at or after this time (RFC 3339).
    #[param(
        pattern = r"^([0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
    )]
    since: Option<DateTime<Utc>>,
    /// 1..=500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// One part of a port's state that drifted.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub(crate) enum DriftField {
    /// Access VLAN.
    Vlan,
    /// Bandwidth limits.
    Rate,
    /// Static MAC binding.
    Mac,
    /// Administrative state (shutdown).
    Enabled,
    /// Interface description.
    Description,
    /// Configuration kurnl never writes and cannot read back as the fields above (a service
    /// policy in one direction only, an unknown policy, several secure MAC addresses).
    Other,
}

/// What the audit does about a drifted port: `report` records it and tells the provider;
/// `repair` also queues a `repair` job that converges the port.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub(crate) enum DriftPolicy {
    Report,
    Repair,
}

/// What became of a finding: `reported` (policy `report`), `repair_queued` (see
/// `repair_job_id`), or `repair_superseded` (a job of the port was queued, running or
/// finished while the audit read it; that job decides the port, so none was queued).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub(crate) enum DriftAction {
    Reported,
    RepairQueued,
    RepairSuperseded,
}

/// A managed port found different from what kurnl last applied.
#[derive(ToSchema)]
pub(crate) struct DriftFinding {
    drift_id: Uuid,
    switch_id: Uuid,
    port_number: u32,
    interface: String,
    /// The live subscription on the port; absent for a free port in captive state.
    subscription_id: Option<Uuid>,
    /// Its provider, who received `port.drift_detected`; absent with `subscription_id`.
    provider_id: Option<Uuid>,
    /// What kurnl last applied.
    desired: PortConfig,
    /// What the switch reported; `null` when its configuration has a form kurnl cannot read
    /// back (`drifted` is `["other"]`).
    actual: Option<PortConfig>,
    /// What differed (never empty).
    drifted: Vec<DriftField>,
    action: DriftAction,
    /// The `repair` job (`GET /api/v1/operator/jobs/{job_id}`), when one was queued.
    repair_job_id: Option<Uuid>,
    /// When the audit read the port.
    detected_at: DateTime<Utc>,
}

/// How an audit ended: `completed` (the managed ports were read and compared) or
/// `unreachable` (no session could be opened; see `error`).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub(crate) enum AuditOutcome {
    Completed,
    Unreachable,
}

/// The last audit of a switch.
#[derive(ToSchema)]
pub(crate) struct LastAudit {
    /// When it read the store (desired state).
    started_at: DateTime<Utc>,
    /// When it ended.
    finished_at: DateTime<Utc>,
    policy: DriftPolicy,
    outcome: AuditOutcome,
    /// Managed ports compared (0 when unreachable).
    ports_checked: u32,
    /// Of those, drifted.
    drifted: u32,
    /// Managed ports the switch did not show, skipped this round.
    unreadable: u32,
    /// Why the switch could not be reached; only when `unreachable`.
    error: Option<String>,
}

/// A switch's audit schedule and last audit.
#[derive(ToSchema)]
pub(crate) struct SwitchAudit {
    switch_id: Uuid,
    /// When the next audit is due (while one runs: when its claim runs out).
    next_due_at: DateTime<Utc>,
    /// Absent until the first audit of the switch finished.
    last: Option<LastAudit>,
}

/// The name of the drift event.
#[derive(ToSchema)]
pub(crate) enum PortDriftDetectedName {
    #[schema(rename = "port.drift_detected")]
    PortDriftDetected,
}

/// The body of the `port.drift_detected` webhook (non-standard extension, `x-kurnl-extension`):
/// the drift audit found the port of a live subscription changed behind kurnl's back. It is
/// kurnl's flat envelope, signed and delivered like every other event; receivers that do not
/// know the event ignore it (gap G23). Under policy `repair` the port is put back by a
/// `repair` job unless a job of the subscription already decides it; no
/// `provisioning.completed` or `provisioning.failed` follows a repair.
#[derive(ToSchema)]
pub(crate) struct PortDriftDetected {
    #[schema(inline)]
    event: PortDriftDetectedName,
    subscription_id: Uuid,
    /// What differed on the port (never empty).
    drifted: Vec<DriftField>,
    /// `report`: nothing was changed on the switch; `repair`: a repair is queued unless a job
    /// of the subscription already decides the port.
    policy: DriftPolicy,
    /// The provider.
    provider_document_id: Uuid,
    /// Seconds since the Unix epoch at which the event was created.
    timestamp: f64,
    /// The same across retries and replays: deduplicate by it.
    event_id: Uuid,
    /// Position among the subscription's events (1, 2, ...).
    sequence: i64,
}

//! The metrics kurnl records, through the [`metrics`](https://docs.rs/metrics) facade.
//!
//! kurnl's crates only record: nothing is exported until the application installs a
//! recorder (for Prometheus, `metrics-exporter-prometheus`'s `PrometheusBuilder`, as
//! `examples/server.rs` does for `GET /metrics`). Without one, recording costs a check of
//! an atomic and nothing else.
//!
//! Every name is a constant here, with its labels, so dashboards and tests refer to one
//! catalog. Label values are from small fixed sets (an outcome, a route template, a status
//! code), never a subscriber's, subscription's or provider's id, so the series stay few.

mod record;
#[cfg(test)]
mod tests;

pub use record::{
    QueueGauges, record_claim, record_delivery, record_drift_audit, record_http_request,
    record_queued, record_switch_session, record_switch_session_failure,
};

/// Counter: API requests, by `route` (the matched path template, e.g.
/// `/api/v1/partner/subscriptions/{id}`, or `unmatched`), `method` and `status`.
pub const HTTP_REQUESTS: &str = "kurnl_http_requests_total";
/// Histogram (seconds): API request latency, by `route` and `method`.
pub const HTTP_REQUEST_DURATION: &str = "kurnl_http_request_duration_seconds";

/// Counter: port jobs finished, by `outcome`: `completed`, `retried` (a retry is scheduled),
/// `failed` (given up; `provisioning.failed` emitted) or `lease_lost` (another worker took
/// the jobs over after this worker's lease expired; it redoes them).
pub const JOBS: &str = "kurnl_jobs_total";
/// Histogram (seconds): how long a claim's jobs took on their switch, from the claim to the
/// last job's result (one SSH session runs them one after another), recorded once per job.
pub const JOB_DURATION: &str = "kurnl_job_duration_seconds";
/// Gauge: port jobs `pending` or `in_progress`, over every switch, as an engine last counted
/// them (each engine counts once per `reap_interval`).
pub const JOBS_QUEUED: &str = "kurnl_jobs_queued";
/// Gauge: webhook events not yet delivered nor given up (the delivery backlog), counted with
/// [`JOBS_QUEUED`].
pub const EVENTS_QUEUED: &str = "kurnl_webhook_events_queued";
/// Gauge: a switch's open jobs, by `switch_id` (0 once its queue empties).
pub const SWITCH_JOBS_QUEUED: &str = "kurnl_switch_jobs_queued";
/// Gauge (seconds): the age of a switch's oldest open job, by `switch_id` (0 when none).
pub const SWITCH_OLDEST_JOB_AGE: &str = "kurnl_switch_oldest_job_age_seconds";
/// Counter: claims that leased jobs (one switch each).
pub const CLAIMS: &str = "kurnl_job_claims_total";

/// Counter: switch sessions opened (a login, not a reused idle session), by `driver`.
pub const SWITCH_SESSIONS: &str = "kurnl_switch_sessions_opened_total";
/// Counter: switch sessions that could not be opened or broke, by `driver` and `kind` (the
/// [`DriverErrorKind`](crate::ports::DriverErrorKind), e.g. `Unreachable`, `AuthFailed`).
pub const SWITCH_SESSION_FAILURES: &str = "kurnl_switch_session_failures_total";

/// Counter: webhook delivery attempts, by `outcome`: `delivered`, `retry` (will be tried
/// again) or `failed` (given up; replayable).
pub const DELIVERIES: &str = "kurnl_webhook_deliveries_total";
/// Histogram (seconds): one delivery attempt's request, from sending to the receiver's answer.
pub const DELIVERY_ATTEMPT_DURATION: &str = "kurnl_webhook_attempt_duration_seconds";
/// Histogram (seconds): from the event's creation (the state change that emitted it) to its
/// successful delivery.
pub const DELIVERY_LATENCY: &str = "kurnl_webhook_delivery_latency_seconds";
/// Counter: drift audits of a switch, by `outcome` (`completed`, `unreachable`).
pub const DRIFT_AUDITS: &str = "kurnl_drift_audits_total";
/// Histogram (seconds): one switch audit, from reading the store to recording the result.
pub const DRIFT_AUDIT_DURATION: &str = "kurnl_drift_audit_duration_seconds";
/// Counter: managed ports compared by the drift audit.
pub const DRIFT_PORTS_CHECKED: &str = "kurnl_drift_ports_checked_total";
/// Counter: drifted ports found, by `action` (`reported`, `repair_queued`,
/// `repair_superseded`).
pub const DRIFT_FINDINGS: &str = "kurnl_drift_findings_total";

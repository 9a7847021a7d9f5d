//! The recording calls, one per kind of thing that happened, so that a name and its labels
//! are spelled in one place.

use std::time::Duration;

use super::*;
use crate::ports::{DriverErrorKind, QueuedWork, SwitchQueue};

/// An API request answered: `route` is the matched path template (or `unmatched`).
pub fn record_http_request(route: &str, method: &str, status: u16, took: Duration) {
    let labels = [
        ("route", route.to_owned()),
        ("method", method.to_owned()),
        ("status", status.to_string()),
    ];
    ::metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    ::metrics::histogram!(HTTP_REQUEST_DURATION, &labels[..2]).record(took.as_secs_f64());
}

/// A claim's jobs finished: how many of each outcome, and how long the claim ran on its
/// switch. With `lease_lost`, every job of the claim counts as `lease_lost`.
pub fn record_claim(
    completed: usize,
    retried: usize,
    failed: usize,
    lease_lost: bool,
    took: Duration,
) {
    let jobs = completed + retried + failed;
    ::metrics::counter!(CLAIMS).increment(1);
    let count = |outcome: &'static str, n: usize| {
        if n > 0 {
            ::metrics::counter!(JOBS, "outcome" => outcome).increment(n as u64);
        }
    };
    if lease_lost {
        count("lease_lost", jobs);
    } else {
        count("completed", completed);
        count("retried", retried);
        count("failed", failed);
    }
    let histogram = ::metrics::histogram!(JOB_DURATION);
    for _ in 0..jobs {
        histogram.record(took.as_secs_f64());
    }
}

/// A webhook delivery attempt recorded with its outcome (`delivered`, `retry`, `failed`);
/// `since_created` is set for a delivered event.
pub fn record_delivery(outcome: &'static str, attempt: Duration, since_created: Option<Duration>) {
    ::metrics::counter!(DELIVERIES, "outcome" => outcome).increment(1);
    ::metrics::histogram!(DELIVERY_ATTEMPT_DURATION).record(attempt.as_secs_f64());
    if let Some(latency) = since_created {
        ::metrics::histogram!(DELIVERY_LATENCY).record(latency.as_secs_f64());
    }
}

/// A switch audit ended: `completed` with the ports it compared and the actions of its
/// findings, or `unreachable`.
pub fn record_drift_audit(
    outcome: &'static str,
    ports_checked: u32,
    actions: &[crate::model::DriftAction],
    took: Duration,
) {
    ::metrics::counter!(DRIFT_AUDITS, "outcome" => outcome).increment(1);
    ::metrics::histogram!(DRIFT_AUDIT_DURATION).record(took.as_secs_f64());
    if ports_checked > 0 {
        ::metrics::counter!(DRIFT_PORTS_CHECKED).increment(u64::from(ports_checked));
    }
    for action in actions {
        ::metrics::counter!(DRIFT_FINDINGS, "action" => action.as_str()).increment(1);
    }
}

/// A switch session opened with `driver` (the switch's driver name; a fresh login).
pub fn record_switch_session(driver: &str) {
    ::metrics::counter!(SWITCH_SESSIONS, "driver" => driver.to_owned()).increment(1);
}

/// A switch session of `driver` that could not be opened, by error `kind`.
pub fn record_switch_session_failure(driver: &str, kind: DriverErrorKind) {
    ::metrics::counter!(
        SWITCH_SESSION_FAILURES,
        "driver" => driver.to_owned(),
        "kind" => format!("{kind:?}")
    )
    .increment(1);
}

/// The queue as last counted: jobs pending or in progress, events pending.
pub fn record_queued(work: QueuedWork) {
    ::metrics::gauge!(JOBS_QUEUED).set(work.jobs as f64);
    ::metrics::gauge!(EVENTS_QUEUED).set(work.events as f64);
}

/// The per-switch queue gauges, which remember the switches they set so that a switch whose
/// queue emptied reads 0 instead of keeping its last depth.
#[derive(Debug, Default)]
pub struct QueueGauges {
    reported: std::sync::Mutex<std::collections::HashSet<crate::types::SwitchId>>,
}

impl QueueGauges {
    /// Sets the gauges from `queues` (every switch with open jobs) at `now`.
    pub fn record(&self, queues: &[SwitchQueue], now: chrono::DateTime<chrono::Utc>) {
        let mut reported = self
            .reported
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current: std::collections::HashSet<_> = queues.iter().map(|q| q.switch_id).collect();
        for gone in reported.difference(&current) {
            let id = gone.to_string();
            ::metrics::gauge!(SWITCH_JOBS_QUEUED, "switch_id" => id.clone()).set(0.0);
            ::metrics::gauge!(SWITCH_OLDEST_JOB_AGE, "switch_id" => id).set(0.0);
        }
        for q in queues {
            let id = q.switch_id.to_string();
            let age = (now - q.oldest_created_at).num_milliseconds().max(0) as f64 / 1000.0;
            ::metrics::gauge!(SWITCH_JOBS_QUEUED, "switch_id" => id.clone()).set(q.jobs as f64);
            ::metrics::gauge!(SWITCH_OLDEST_JOB_AGE, "switch_id" => id).set(age);
        }
        *reported = current;
    }
}

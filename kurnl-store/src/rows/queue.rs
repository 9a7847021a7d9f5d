//! Jobs, outbox events, delivery attempts and batches.

use sqlx::types::Json;
use uuid::Uuid;

use super::{parse, to_u32};
use crate::conn::{time, time_opt};
use crate::error::{StoreResult, corrupt};
use kurnl_core::model::{
    Batch, BatchEntry, DeliveryAttempt, DeliveryStatus, EntryOutcome, Event, EventData, Job,
    JobAction, JobStatus, PortConfig, PortRef,
};
use kurnl_core::types::InterfaceName;

pub(crate) fn job_action(raw: &str) -> StoreResult<JobAction> {
    [
        JobAction::Provision,
        JobAction::ChangePlan,
        JobAction::Suspend,
        JobAction::Reactivate,
        JobAction::Deprovision,
        JobAction::Repair,
    ]
    .into_iter()
    .find(|a| a.as_str() == raw)
    .ok_or_else(|| corrupt("job action", raw))
}

pub(crate) fn job_status(raw: &str) -> StoreResult<JobStatus> {
    JobStatus::parse(raw).ok_or_else(|| corrupt("job status", raw))
}

pub(crate) fn delivery_status_str(s: DeliveryStatus) -> &'static str {
    match s {
        DeliveryStatus::Pending => "pending",
        DeliveryStatus::Delivered => "delivered",
        DeliveryStatus::Failed => "failed",
    }
}

fn delivery_status(raw: &str) -> StoreResult<DeliveryStatus> {
    [
        DeliveryStatus::Pending,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
    ]
    .into_iter()
    .find(|s| delivery_status_str(*s) == raw)
    .ok_or_else(|| corrupt("delivery status", raw))
}

/// Columns of `jobs` in [`JobRow`] order.
pub(crate) const JOB_COLUMNS: &str = "id, provider_id, subscription_id, sandbox, action, switch_id, port_number, \
     interface, desired, status, attempts, run_at, lease, lease_expires_at, last_error, created_at, updated_at";

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct JobRow {
    id: Uuid,
    provider_id: Uuid,
    subscription_id: Uuid,
    sandbox: bool,
    action: String,
    switch_id: Uuid,
    port_number: i64,
    interface: String,
    desired: Json<PortConfig>,
    status: String,
    attempts: i64,
    run_at: String,
    lease: Option<Uuid>,
    lease_expires_at: Option<String>,
    last_error: Option<String>,
    created_at: String,
    updated_at: String,
}

impl JobRow {
    pub(crate) fn into_model(self) -> StoreResult<Job> {
        Ok(Job {
            id: self.id.into(),
            provider_id: self.provider_id.into(),
            subscription_id: self.subscription_id.into(),
            sandbox: self.sandbox,
            action: job_action(&self.action)?,
            port: PortRef {
                switch_id: self.switch_id.into(),
                port_number: to_u32("port", self.port_number)?,
            },
            interface: parse("interface name", InterfaceName::parse(&self.interface))?,
            desired: self.desired.0,
            status: job_status(&self.status)?,
            attempts: to_u32("attempts", self.attempts)?,
            run_at: time(&self.run_at)?,
            lease: self.lease.map(Into::into),
            lease_expires_at: time_opt(self.lease_expires_at)?,
            last_error: self.last_error,
            created_at: time(&self.created_at)?,
            updated_at: time(&self.updated_at)?,
        })
    }
}

/// Columns of `events` in [`EventRow`] order.
pub(crate) const EVENT_COLUMNS: &str = "id, provider_id, sandbox, data, sequence, created_at, status, attempts, next_attempt_at, lease";

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct EventRow {
    id: Uuid,
    provider_id: Uuid,
    sandbox: bool,
    data: Json<EventData>,
    sequence: i64,
    created_at: String,
    status: String,
    attempts: i64,
    next_attempt_at: String,
    lease: Option<Uuid>,
}

impl EventRow {
    pub(crate) fn into_model(self) -> StoreResult<Event> {
        Ok(Event {
            id: self.id.into(),
            provider_id: self.provider_id.into(),
            sandbox: self.sandbox,
            data: self.data.0,
            sequence: self.sequence,
            created_at: time(&self.created_at)?,
            status: delivery_status(&self.status)?,
            attempts: to_u32("attempts", self.attempts)?,
            next_attempt_at: time(&self.next_attempt_at)?,
            lease: self.lease.map(Into::into),
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AttemptRow {
    event_id: Uuid,
    attempt: i64,
    at: String,
    status_code: Option<i64>,
    latency_ms: i64,
    error: Option<String>,
}

impl AttemptRow {
    pub(crate) fn into_model(self) -> StoreResult<DeliveryAttempt> {
        Ok(DeliveryAttempt {
            event_id: self.event_id.into(),
            attempt: to_u32("attempt", self.attempt)?,
            at: time(&self.at)?,
            status_code: self
                .status_code
                .map(|c| u16::try_from(c).map_err(|e| corrupt("status code", e)))
                .transpose()?,
            latency_ms: u64::try_from(self.latency_ms).map_err(|e| corrupt("latency", e))?,
            error: self.error,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct BatchRow {
    pub(crate) id: Uuid,
    provider_id: Uuid,
    sandbox: bool,
    created_at: String,
}

impl BatchRow {
    pub(crate) fn into_model(self, entries: Vec<BatchEntry>) -> StoreResult<Batch> {
        Ok(Batch {
            id: self.id.into(),
            provider_id: self.provider_id.into(),
            sandbox: self.sandbox,
            created_at: time(&self.created_at)?,
            entries,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct BatchEntryRow {
    idx: i64,
    email: String,
    request: Json<serde_json::Value>,
    outcome: Option<Json<EntryOutcome>>,
}

impl BatchEntryRow {
    pub(crate) fn into_model(self) -> StoreResult<BatchEntry> {
        Ok(BatchEntry {
            index: to_u32("entry index", self.idx)?,
            email: self.email,
            request: self.request.0,
            outcome: self.outcome.map(|o| o.0),
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct DisabledEndpointRow {
    provider_id: Uuid,
    sandbox: bool,
    url: String,
    disabled_at: String,
    reason: String,
}

impl DisabledEndpointRow {
    pub(crate) fn into_model(self) -> StoreResult<kurnl_core::ports::DisabledEndpoint> {
        Ok(kurnl_core::ports::DisabledEndpoint {
            provider_id: self.provider_id.into(),
            sandbox: self.sandbox,
            url: self.url,
            disabled_at: time(&self.disabled_at)?,
            reason: self.reason,
        })
    }
}

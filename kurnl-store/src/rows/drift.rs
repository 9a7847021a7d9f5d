//! The drift audit: switch audit schedules and drift findings.

use sqlx::types::Json;
use uuid::Uuid;

use super::{parse, to_u32};
use crate::conn::{time, time_opt};
use crate::error::{StoreResult, corrupt};
use kurnl_core::model::{
    AuditOutcome, DriftAction, DriftField, DriftFinding, DriftPolicy, PortConfig, PortRef,
    SwitchAudit, SwitchAuditState,
};
use kurnl_core::types::InterfaceName;

/// `switch_audits.last_outcome` of [`AuditOutcome::Completed`].
pub(crate) const OUTCOME_COMPLETED: &str = "completed";
/// `switch_audits.last_outcome` of [`AuditOutcome::Unreachable`].
pub(crate) const OUTCOME_UNREACHABLE: &str = "unreachable";

/// Columns of `switch_audits` in [`SwitchAuditRow`] order.
pub(crate) const SWITCH_AUDIT_COLUMNS: &str = "switch_id, next_due_at, last_started_at, \
     last_finished_at, last_policy, last_outcome, ports_checked, drifted, unreadable, last_error";

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SwitchAuditRow {
    switch_id: Uuid,
    next_due_at: String,
    last_started_at: Option<String>,
    last_finished_at: Option<String>,
    last_policy: Option<String>,
    last_outcome: Option<String>,
    ports_checked: Option<i64>,
    drifted: Option<i64>,
    unreadable: Option<i64>,
    last_error: Option<String>,
}

fn count(what: &str, v: Option<i64>) -> StoreResult<u32> {
    to_u32(what, v.ok_or_else(|| corrupt(what, "missing"))?)
}

impl SwitchAuditRow {
    pub(crate) fn into_model(self) -> StoreResult<SwitchAuditState> {
        let switch_id = self.switch_id.into();
        let last = match self.last_outcome.as_deref() {
            None => None,
            Some(kind) => {
                let outcome = match kind {
                    OUTCOME_COMPLETED => AuditOutcome::Completed {
                        ports_checked: count("ports checked", self.ports_checked)?,
                        drifted: count("drifted ports", self.drifted)?,
                        unreadable: count("unreadable ports", self.unreadable)?,
                    },
                    OUTCOME_UNREACHABLE => AuditOutcome::Unreachable {
                        error: self.last_error.unwrap_or_default(),
                    },
                    other => return Err(corrupt("audit outcome", other)),
                };
                let policy = self.last_policy.unwrap_or_default();
                Some(SwitchAudit {
                    switch_id,
                    started_at: time_opt(self.last_started_at)?
                        .ok_or_else(|| corrupt("audit start", "missing"))?,
                    finished_at: time_opt(self.last_finished_at)?
                        .ok_or_else(|| corrupt("audit end", "missing"))?,
                    policy: DriftPolicy::parse(&policy)
                        .ok_or_else(|| corrupt("drift policy", &policy))?,
                    outcome,
                })
            }
        };
        Ok(SwitchAuditState {
            switch_id,
            next_due_at: time(&self.next_due_at)?,
            last,
        })
    }
}

/// Columns of `drift_findings` in [`DriftFindingRow`] order.
pub(crate) const DRIFT_FINDING_COLUMNS: &str = "id, switch_id, port_number, interface, \
     subscription_id, provider_id, desired, actual, fields, action, repair_job_id, detected_at";

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct DriftFindingRow {
    id: Uuid,
    switch_id: Uuid,
    port_number: i64,
    interface: String,
    subscription_id: Option<Uuid>,
    provider_id: Option<Uuid>,
    desired: Json<PortConfig>,
    actual: Option<Json<PortConfig>>,
    fields: Json<Vec<DriftField>>,
    action: String,
    repair_job_id: Option<Uuid>,
    detected_at: String,
}

impl DriftFindingRow {
    pub(crate) fn into_model(self) -> StoreResult<DriftFinding> {
        Ok(DriftFinding {
            id: self.id.into(),
            port: PortRef {
                switch_id: self.switch_id.into(),
                port_number: to_u32("port number", self.port_number)?,
            },
            interface: parse("interface name", InterfaceName::parse(&self.interface))?,
            subscription_id: self.subscription_id.map(Into::into),
            provider_id: self.provider_id.map(Into::into),
            desired: self.desired.0,
            actual: self.actual.map(|a| a.0),
            fields: self.fields.0,
            action: DriftAction::parse(&self.action)
                .ok_or_else(|| corrupt("drift action", &self.action))?,
            repair_job_id: self.repair_job_id.map(Into::into),
            detected_at: time(&self.detected_at)?,
        })
    }
}

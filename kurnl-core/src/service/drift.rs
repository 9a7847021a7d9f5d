//! The operator's view of the drift audit: each switch's audit schedule and last result,
//! and the drifted ports found.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Service;
use super::deliveries::parse_time;
use super::fields::{Fields, present, uuid};
use super::operator::Operator;
use crate::error::Result;
use crate::model::{AuditOutcome, DriftFinding, PortConfig, SwitchAuditState};
use crate::ports::DriftQuery;
use crate::types::{DriftId, InvalidValue, JobId, ProviderId, SubscriptionId, SwitchId};

/// Query of `GET /operator/drift`: every filter given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftListQuery {
    /// A switch id.
    pub switch_id: Option<String>,
    /// Only findings detected at or after this RFC 3339 time.
    pub since: Option<String>,
    /// 1..=500 (default 100).
    pub limit: Option<u32>,
}

/// A drifted port as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftFindingView {
    /// Id.
    pub drift_id: DriftId,
    /// The switch.
    pub switch_id: SwitchId,
    /// The port number.
    pub port_number: u32,
    /// The interface.
    pub interface: String,
    /// The live subscription on the port (absent for a free port in captive state).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<SubscriptionId>,
    /// Its provider, who received `port.drift_detected`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<ProviderId>,
    /// What kurnl last applied.
    pub desired: PortConfig,
    /// What the switch reported; `null` when its configuration has a form kurnl cannot
    /// read back (`drifted` is `["other"]`).
    pub actual: Option<PortConfig>,
    /// What differed: `vlan`, `rate`, `mac`, `enabled`, `description`, `other`.
    pub drifted: Vec<&'static str>,
    /// `reported`, `repair_queued` or `repair_superseded` (a job of the port was queued,
    /// running or finished while the audit read it; that job decides the port).
    pub action: &'static str,
    /// The repair job, when one was queued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repair_job_id: Option<JobId>,
    /// When the audit read the port.
    pub detected_at: DateTime<Utc>,
}

impl From<&DriftFinding> for DriftFindingView {
    fn from(f: &DriftFinding) -> Self {
        Self {
            drift_id: f.id,
            switch_id: f.port.switch_id,
            port_number: f.port.port_number,
            interface: f.interface.as_str().to_owned(),
            subscription_id: f.subscription_id,
            provider_id: f.provider_id,
            desired: f.desired.clone(),
            actual: f.actual.clone(),
            drifted: f.fields.iter().map(|d| d.as_str()).collect(),
            action: f.action.as_str(),
            repair_job_id: f.repair_job_id,
            detected_at: f.detected_at,
        }
    }
}

/// A switch's audit schedule and last result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwitchAuditView {
    /// The switch.
    pub switch_id: SwitchId,
    /// When the next audit is due (while one runs: when its claim runs out).
    pub next_due_at: DateTime<Utc>,
    /// The last audit that finished, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<LastAuditView>,
}

/// The last audit of a switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastAuditView {
    /// When it read the store.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// `report` or `repair`.
    pub policy: &'static str,
    /// `completed` or `unreachable`.
    pub outcome: &'static str,
    /// Managed ports compared (completed).
    pub ports_checked: u32,
    /// Of those, drifted.
    pub drifted: u32,
    /// Managed ports the switch did not show.
    pub unreadable: u32,
    /// Why the switch could not be reached (unreachable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl From<&SwitchAuditState> for SwitchAuditView {
    fn from(s: &SwitchAuditState) -> Self {
        Self {
            switch_id: s.switch_id,
            next_due_at: s.next_due_at,
            last: s.last.as_ref().map(|a| {
                let (outcome, ports_checked, drifted, unreadable, error) = match &a.outcome {
                    AuditOutcome::Completed {
                        ports_checked,
                        drifted,
                        unreadable,
                    } => ("completed", *ports_checked, *drifted, *unreadable, None),
                    AuditOutcome::Unreachable { error } => {
                        ("unreachable", 0, 0, 0, Some(error.clone()))
                    }
                };
                LastAuditView {
                    started_at: a.started_at,
                    finished_at: a.finished_at,
                    policy: a.policy.as_str(),
                    outcome,
                    ports_checked,
                    drifted,
                    unreadable,
                    error,
                }
            }),
        }
    }
}

impl Service {
    /// `GET /operator/drift`: drifted ports found by the audit, newest first.
    ///
    /// # Errors
    /// 422 naming the query field for a bad switch id, time or limit.
    pub async fn operator_list_drift(
        &self,
        _: &Operator,
        query: DriftListQuery,
    ) -> Result<Vec<DriftFindingView>> {
        let mut f = Fields::under(&["query"]);
        let switch_id = f.optional(&["switch_id"], query.switch_id.as_deref(), uuid);
        let since = f.optional(&["since"], query.since.as_deref(), parse_time);
        let limit = query.limit.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            f.push(
                &["limit"],
                InvalidValue::new("value_error.number", "limit must be between 1 and 500"),
            );
        }
        f.finish()?;
        let q = DriftQuery {
            switch_id: present(switch_id)?,
            since: present(since)?,
            limit,
        };
        let found = self.store.list_drift_findings(&q).await?;
        Ok(found.iter().map(DriftFindingView::from).collect())
    }

    /// `GET /operator/audits`: every audited switch's schedule and last audit.
    ///
    /// # Errors
    /// Store failures.
    pub async fn operator_list_audits(&self, _: &Operator) -> Result<Vec<SwitchAuditView>> {
        let audits = self.store.list_switch_audits().await?;
        Ok(audits.iter().map(SwitchAuditView::from).collect())
    }
}

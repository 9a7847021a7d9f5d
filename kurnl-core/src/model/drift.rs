//! Drift: a managed port whose actual state differs from what kurnl last applied.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Job, PortConfig, PortRef};
use crate::types::{DriftId, InterfaceName, JobId, ProviderId, SubscriptionId, SwitchId};

/// What the audit does about a drifted port of a switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DriftPolicy {
    /// Record the drift and emit `port.drift_detected`; never write to the switch.
    #[default]
    Report,
    /// As `Report`, and queue a `repair` port job that converges the port.
    Repair,
}

impl DriftPolicy {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::Repair => "repair",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Report, Self::Repair]
            .into_iter()
            .find(|p| p.as_str() == raw)
    }
}

/// One part of a port's state that drifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftField {
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
    /// The port shows configuration kurnl never writes and cannot read back as the fields
    /// above (a service policy in one direction only, an unknown policy, several secure MAC
    /// addresses): [`DriftFinding::actual`] is `None`.
    Other,
}

impl DriftField {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vlan => "vlan",
            Self::Rate => "rate",
            Self::Mac => "mac",
            Self::Enabled => "enabled",
            Self::Description => "description",
            Self::Other => "other",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Vlan,
            Self::Rate,
            Self::Mac,
            Self::Enabled,
            Self::Description,
            Self::Other,
        ]
        .into_iter()
        .find(|f| f.as_str() == raw)
    }

    /// The fields in which `actual` differs from `desired`, in declaration order; empty when
    /// the port is as desired.
    pub fn differences(desired: &PortConfig, actual: &PortConfig) -> Vec<Self> {
        let mut out = Vec::new();
        if desired.vlan != actual.vlan {
            out.push(Self::Vlan);
        }
        if desired.rate != actual.rate {
            out.push(Self::Rate);
        }
        if desired.mac != actual.mac {
            out.push(Self::Mac);
        }
        if desired.enabled != actual.enabled {
            out.push(Self::Enabled);
        }
        if desired.description != actual.description {
            out.push(Self::Description);
        }
        out
    }
}

/// What became of a drift finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftAction {
    /// Recorded and emitted (policy `report`).
    Reported,
    /// A repair job was queued ([`DriftFinding::repair_job_id`]).
    RepairQueued,
    /// Policy `repair`, but the port had a job queued, running or finished after the audit
    /// read its desired state: that job decides the port, so no repair was queued.
    RepairSuperseded,
}

impl DriftAction {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::RepairQueued => "repair_queued",
            Self::RepairSuperseded => "repair_superseded",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Reported, Self::RepairQueued, Self::RepairSuperseded]
            .into_iter()
            .find(|a| a.as_str() == raw)
    }
}

/// A managed port found different from its desired state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftFinding {
    /// Id.
    pub id: DriftId,
    /// The port.
    pub port: PortRef,
    /// Its interface.
    pub interface: InterfaceName,
    /// The live subscription on the port, if any (free ports in captive state have none).
    pub subscription_id: Option<SubscriptionId>,
    /// Its provider (who received `port.drift_detected`).
    pub provider_id: Option<ProviderId>,
    /// What kurnl last applied to the port.
    pub desired: PortConfig,
    /// What the switch reported; `None` when its configuration has a form kurnl cannot read
    /// back (fields `[Other]`).
    pub actual: Option<PortConfig>,
    /// Where they differ (never empty).
    pub fields: Vec<DriftField>,
    /// What was done.
    pub action: DriftAction,
    /// The repair job, when one was queued.
    pub repair_job_id: Option<JobId>,
    /// When the audit read the port.
    pub detected_at: DateTime<Utc>,
}

/// How a switch audit ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditOutcome {
    /// The managed ports were read and compared.
    Completed {
        /// Managed ports compared.
        ports_checked: u32,
        /// Of those, found drifted.
        drifted: u32,
        /// Managed ports the switch did not report (read errors), skipped this round.
        unreadable: u32,
    },
    /// No session could be opened (switch down, credentials, host key): retried later.
    Unreachable {
        /// The driver's error.
        error: String,
    },
}

/// One audit of one switch, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchAudit {
    /// The switch.
    pub switch_id: SwitchId,
    /// When the audit read the store (desired state) before reading the switch.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// The policy it ran with.
    pub policy: DriftPolicy,
    /// Result.
    pub outcome: AuditOutcome,
}

/// The audit state of a switch ([`Store::list_switch_audits`](crate::ports::Store::list_switch_audits)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchAuditState {
    /// The switch.
    pub switch_id: SwitchId,
    /// When the next audit is due (or, while one runs, when its claim expires).
    pub next_due_at: DateTime<Utc>,
    /// The last audit that finished, if any.
    pub last: Option<SwitchAudit>,
}

/// A finding to record and, for policy `repair`, the job that repairs it
/// ([`AuditRecord`](crate::ports::AuditRecord)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingToRecord {
    /// The finding; its `action` is `Reported` or `RepairQueued` (the store turns the latter
    /// into `RepairSuperseded` when it does not queue the job).
    pub finding: DriftFinding,
    /// For `RepairQueued`: the `repair` job (its id is the finding's `repair_job_id`).
    pub repair: Option<Job>,
}

impl FindingToRecord {
    /// The finding as stored and the job to queue with it, by the supersede rule of
    /// [`Store::finish_switch_audit`](crate::ports::Store::finish_switch_audit): a repair
    /// whose port another job decides (`superseded`) is recorded `RepairSuperseded` and not
    /// queued; a finding without a repair is `Reported`.
    pub fn decide(self, superseded: bool) -> (DriftFinding, Option<Job>) {
        let mut finding = self.finding;
        let queued = match self.repair {
            Some(job) if !superseded => {
                finding.action = DriftAction::RepairQueued;
                finding.repair_job_id = Some(job.id);
                Some(job)
            }
            Some(_) => {
                finding.action = DriftAction::RepairSuperseded;
                finding.repair_job_id = None;
                None
            }
            None => {
                finding.action = DriftAction::Reported;
                finding.repair_job_id = None;
                None
            }
        };
        (finding, queued)
    }
}

//! The drift audit's schedule, findings and repair jobs.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::commit::check_unique_ids;
use super::state::{Row, State};
use crate::model::{DriftFinding, Job, PortRef, SwitchAuditState};
use crate::ports::{AuditRecord, DriftQuery, StoreError};
use crate::types::SwitchId;

impl State {
    pub(super) fn claim_switch_audit(
        &mut self,
        switch: SwitchId,
        now: DateTime<Utc>,
        first_due: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> bool {
        let state = self.audits.entry(switch).or_insert(SwitchAuditState {
            switch_id: switch,
            next_due_at: first_due,
            last: None,
        });
        if state.next_due_at > now {
            return false;
        }
        state.next_due_at = hold_until;
        true
    }

    /// Whether a production job decides `port` since `since`: unfinished, or created or
    /// updated at or after it.
    fn port_job_since(&self, port: PortRef, since: DateTime<Utc>) -> bool {
        self.jobs.values().map(|r| &r.value).any(|j: &Job| {
            j.port == port
                && !j.sandbox
                && (!j.status.is_terminal() || j.created_at >= since || j.updated_at >= since)
        })
    }

    pub(super) fn finish_switch_audit(
        &mut self,
        record: AuditRecord,
    ) -> Result<Vec<DriftFinding>, StoreError> {
        let finding_ids: Vec<_> = record.findings.iter().map(|f| f.finding.id).collect();
        check_unique_ids(&finding_ids, |id| {
            self.drift.iter().any(|r| r.value.id == *id)
        })?;
        let job_ids: Vec<_> = record
            .findings
            .iter()
            .filter_map(|f| f.repair.as_ref().map(|j| j.id))
            .collect();
        check_unique_ids(&job_ids, |id| self.jobs.contains_key(id))?;
        let event_ids: Vec<_> = record.events.iter().map(|e| e.id).collect();
        check_unique_ids(&event_ids, |id| self.events.contains_key(id))?;

        let since = record.audit.started_at;
        let mut recorded = Vec::with_capacity(record.findings.len());
        // Decide every repair against the jobs as they were before this audit's own.
        let superseded: HashSet<_> = record
            .findings
            .iter()
            .filter(|f| f.repair.is_some() && self.port_job_since(f.finding.port, since))
            .map(|f| f.finding.id)
            .collect();
        for to_record in record.findings {
            let superseded = superseded.contains(&to_record.finding.id);
            let (finding, job) = to_record.decide(superseded);
            if let Some(job) = job {
                self.insert_job(job);
            }
            let seq = self.seq();
            self.drift.push(Row {
                seq,
                value: finding.clone(),
            });
            recorded.push(finding);
        }
        for event in record.events {
            self.append_event(event);
        }
        let switch = record.audit.switch_id;
        self.audits.insert(
            switch,
            SwitchAuditState {
                switch_id: switch,
                next_due_at: record.next_due_at,
                last: Some(record.audit),
            },
        );
        Ok(recorded)
    }

    pub(super) fn list_switch_audits(&self) -> Vec<SwitchAuditState> {
        let mut out: Vec<_> = self.audits.values().cloned().collect();
        out.sort_by_key(|a| a.switch_id);
        out
    }

    pub(super) fn list_drift_findings(&self, query: &DriftQuery) -> Vec<DriftFinding> {
        let mut out: Vec<_> = self
            .drift
            .iter()
            .filter(|r| query.switch_id.is_none_or(|s| r.value.port.switch_id == s))
            .filter(|r| query.since.is_none_or(|t| r.value.detected_at >= t))
            .collect();
        out.sort_by(|a, b| {
            (b.value.detected_at, b.value.id).cmp(&(a.value.detected_at, a.value.id))
        });
        out.into_iter()
            .take(query.limit as usize)
            .map(|r| r.value.clone())
            .collect()
    }
}

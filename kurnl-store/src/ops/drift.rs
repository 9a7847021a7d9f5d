//! The drift audit: claiming a switch's audit, recording a finished one (findings, repair
//! jobs, `port.drift_detected` events and the next due time in one transaction), and the
//! operator's lists.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::conn::{Arg, Conn, args};
use crate::error::StoreResult;
use crate::ops::commit::{append_events, insert_job};
use crate::rows::*;
use kurnl_core::model::{AuditOutcome, DriftFinding, PortRef, SwitchAuditState};
use kurnl_core::ports::{AuditRecord, ConflictKind, DriftQuery, StoreError};
use kurnl_core::types::SwitchId;

/// `last_claimed_at` of the row as the claim left it.
#[derive(Debug, sqlx::FromRow)]
struct ClaimRow {
    last_claimed_at: Option<String>,
}

/// One statement, atomic on both backends: the first call for a switch inserts its row (due at
/// `first_due`, or already claimed when that is not in the future); later calls take the row
/// only while it is due. On PostgreSQL a racing insert waits for the first one's commit and
/// then evaluates the update's condition on the row as committed, so one caller wins.
///
/// A row comes back for an insert and for an update whose condition held; `last_claimed_at`
/// tells a claimed insert (set) from an unclaimed one (`NULL`).
pub(crate) async fn claim_switch_audit<C: Conn>(
    c: &mut C,
    switch: SwitchId,
    now: DateTime<Utc>,
    first_due: DateTime<Utc>,
    hold_until: DateTime<Utc>,
) -> StoreResult<bool> {
    let due = first_due <= now;
    let row: Option<ClaimRow> = c
        .fetch_optional(
            "INSERT INTO switch_audits (switch_id, next_due_at, last_claimed_at) VALUES ($1, $2, $3) \
             ON CONFLICT (switch_id) DO UPDATE SET next_due_at = $4, last_claimed_at = $5 \
             WHERE switch_audits.next_due_at <= $5 RETURNING last_claimed_at",
            args![
                switch.0,
                if due { hold_until } else { first_due },
                due.then_some(now),
                hold_until,
                now
            ],
        )
        .await?;
    Ok(row.is_some_and(|r| r.last_claimed_at.is_some()))
}

/// Fails with `DuplicateId` when an id repeats within `ids` or `table` has a row with one.
async fn check_new_ids<C: Conn>(c: &mut C, table: &str, ids: &[Uuid]) -> StoreResult<()> {
    let mut seen = HashSet::new();
    if !ids.iter().all(|id| seen.insert(*id)) {
        return Err(StoreError::Conflict(ConflictKind::DuplicateId));
    }
    for chunk in ids.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT count(*) AS n FROM {table} WHERE id IN ({})",
            placeholders.join(", ")
        );
        let args = chunk.iter().map(|id| Arg::from(*id)).collect();
        let row: Option<CountRow> = c.fetch_optional(&sql, args).await?;
        if row.is_some_and(|r| r.n > 0) {
            return Err(StoreError::Conflict(ConflictKind::DuplicateId));
        }
    }
    Ok(())
}

/// The ports of `switch` that a production job decides since `since`: unfinished, or created
/// or updated at or after it (one read of the switch's jobs through `jobs_switch_created_idx`).
async fn decided_ports<C: Conn>(
    c: &mut C,
    switch: SwitchId,
    since: DateTime<Utc>,
) -> StoreResult<Vec<PortRef>> {
    let rows: Vec<CountRow> = c
        .fetch_all(
            "SELECT DISTINCT port_number AS n FROM jobs WHERE switch_id = $1 AND sandbox = $2 \
             AND (status IN ('pending', 'in_progress') OR created_at >= $3 OR updated_at >= $3)",
            args![switch.0, false, since],
        )
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(PortRef {
                switch_id: switch,
                port_number: to_u32("port number", r.n)?,
            })
        })
        .collect()
}

const INSERT_FINDING: &str = "INSERT INTO drift_findings (id, switch_id, port_number, interface, \
     subscription_id, provider_id, desired, actual, fields, action, repair_job_id, detected_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

fn finding_args(f: &DriftFinding) -> StoreResult<Vec<Arg>> {
    let mut a = args![
        f.id.0,
        f.port.switch_id.0,
        f.port.port_number,
        f.interface.as_str(),
        f.subscription_id.map(|s| s.0),
        f.provider_id.map(|p| p.0),
    ];
    a.push(Arg::json(&f.desired)?);
    a.push(Arg::json_opt(f.actual.as_ref())?);
    a.push(Arg::json(&f.fields)?);
    a.extend(args![
        f.action.as_str(),
        f.repair_job_id.map(|j| j.0),
        f.detected_at
    ]);
    Ok(a)
}

/// The caller's write transaction holds it all: the id checks and the decision of each repair
/// (against the jobs as they were before this call's own), then the findings with their
/// repair jobs (inserted as `commit` inserts jobs), the events (appended as `commit` appends
/// them) and the switch's row.
pub(crate) async fn finish_switch_audit<C: Conn>(
    c: &mut C,
    record: AuditRecord,
) -> StoreResult<Vec<DriftFinding>> {
    let finding_ids: Vec<Uuid> = record.findings.iter().map(|f| f.finding.id.0).collect();
    check_new_ids(c, "drift_findings", &finding_ids).await?;
    let job_ids: Vec<Uuid> = record
        .findings
        .iter()
        .filter_map(|f| f.repair.as_ref().map(|j| j.id.0))
        .collect();
    check_new_ids(c, "jobs", &job_ids).await?;
    let event_ids: Vec<Uuid> = record.events.iter().map(|e| e.id.0).collect();
    check_new_ids(c, "events", &event_ids).await?;

    let since = record.audit.started_at;
    let switches: BTreeSet<SwitchId> = record
        .findings
        .iter()
        .filter(|f| f.repair.is_some())
        .map(|f| f.finding.port.switch_id)
        .collect();
    let mut decided = HashSet::new();
    for switch in switches {
        decided.extend(decided_ports(c, switch, since).await?);
    }

    let mut recorded = Vec::with_capacity(record.findings.len());
    for to_record in record.findings {
        let superseded = decided.contains(&to_record.finding.port);
        let (finding, job) = to_record.decide(superseded);
        if let Some(job) = job {
            insert_job(c, &job).await?;
        }
        c.execute(INSERT_FINDING, finding_args(&finding)?).await?;
        recorded.push(finding);
    }
    append_events(c, &record.events).await?;

    let audit = &record.audit;
    let (outcome, counts, error) = match &audit.outcome {
        AuditOutcome::Completed {
            ports_checked,
            drifted,
            unreadable,
        } => (
            OUTCOME_COMPLETED,
            [Some(*ports_checked), Some(*drifted), Some(*unreadable)],
            None,
        ),
        AuditOutcome::Unreachable { error } => {
            (OUTCOME_UNREACHABLE, [None, None, None], Some(error.clone()))
        }
    };
    c.execute(
        "INSERT INTO switch_audits (switch_id, next_due_at, last_started_at, last_finished_at, \
         last_policy, last_outcome, ports_checked, drifted, unreadable, last_error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (switch_id) DO UPDATE SET \
         next_due_at = excluded.next_due_at, last_started_at = excluded.last_started_at, \
         last_finished_at = excluded.last_finished_at, last_policy = excluded.last_policy, \
         last_outcome = excluded.last_outcome, ports_checked = excluded.ports_checked, \
         drifted = excluded.drifted, unreadable = excluded.unreadable, \
         last_error = excluded.last_error",
        args![
            audit.switch_id.0,
            record.next_due_at,
            audit.started_at,
            audit.finished_at,
            audit.policy.as_str(),
            outcome,
            counts[0],
            counts[1],
            counts[2],
            error
        ],
    )
    .await?;
    Ok(recorded)
}

pub(crate) async fn list_switch_audits<C: Conn>(c: &mut C) -> StoreResult<Vec<SwitchAuditState>> {
    let sql = format!("SELECT {SWITCH_AUDIT_COLUMNS} FROM switch_audits ORDER BY switch_id");
    let rows: Vec<SwitchAuditRow> = c.fetch_all(&sql, Vec::new()).await?;
    rows.into_iter().map(SwitchAuditRow::into_model).collect()
}

pub(crate) async fn list_drift_findings<C: Conn>(
    c: &mut C,
    q: &DriftQuery,
) -> StoreResult<Vec<DriftFinding>> {
    let mut sql = format!("SELECT {DRIFT_FINDING_COLUMNS} FROM drift_findings WHERE 1 = 1");
    let mut a: Vec<Arg> = Vec::new();
    if let Some(switch) = q.switch_id {
        a.push(Arg::from(switch.0));
        sql.push_str(&format!(" AND switch_id = ${}", a.len()));
    }
    if let Some(since) = q.since {
        a.push(Arg::from(since));
        sql.push_str(&format!(" AND detected_at >= ${}", a.len()));
    }
    a.push(Arg::from(q.limit));
    sql.push_str(&format!(
        " ORDER BY detected_at DESC, id DESC LIMIT ${}",
        a.len()
    ));
    let rows: Vec<DriftFindingRow> = c.fetch_all(&sql, a).await?;
    rows.into_iter().map(DriftFindingRow::into_model).collect()
}

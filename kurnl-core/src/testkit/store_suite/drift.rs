//! The drift audit: claiming a switch's audit (first due time, hold, one winner), recording a
//! finished audit in one transaction (findings, repair jobs, `port.drift_detected` events, the
//! next due time), the rule that a port's own job supersedes a repair, the operator's lists,
//! and `last_applied_job` in [`Store::list_ports`].
//!
//! Every test dates its jobs and events in the 2900s except
//! [`drift_repair_job_is_claimed_like_any_other`], which holds the suite's queue lock and runs
//! its clock in the 2030s.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::fixtures::{
    at, event, expect_conflict, idle_time, insert_subscription, interface, job, new_switch, ok,
    queue_time, subscription, vlan, world,
};
use super::queue::{claim_ours, finish, ids, request};
use super::queue_lock;
use super::subscribers::join_all;
use crate::model::{
    AuditOutcome, DriftAction, DriftField, DriftFinding, DriftPolicy, EventData, FindingToRecord,
    Job, JobAction, JobStatus, NewEvent, PortConfig, PortRef, Subscription, SwitchAudit,
    SwitchAuditState,
};
use crate::ports::{AuditRecord, ConflictKind, DriftQuery, Store, WriteSet};
use crate::types::{DriftId, EventId, JobId, SwitchId};

/// A drifted port (not stored): kurnl applied the captive state on VLAN 100, the switch reports
/// VLAN 200 and the port shut down. Recorded as `Reported` unless [`with_repair`] says otherwise.
fn drifted(port: PortRef, sub: Option<&Subscription>, detected_at: DateTime<Utc>) -> DriftFinding {
    let desired = PortConfig::captive(vlan(100));
    let actual = PortConfig {
        vlan: vlan(200),
        enabled: false,
        ..desired.clone()
    };
    DriftFinding {
        id: DriftId::new_time_ordered(),
        port,
        interface: interface(port.port_number),
        subscription_id: sub.map(|s| s.id),
        provider_id: sub.map(|s| s.provider_id),
        fields: DriftField::differences(&desired, &actual),
        desired,
        actual: Some(actual),
        action: DriftAction::Reported,
        repair_job_id: None,
        detected_at,
    }
}

/// A finding under policy `report`.
fn reported(finding: DriftFinding) -> FindingToRecord {
    FindingToRecord {
        finding,
        repair: None,
    }
}

/// A finding under policy `repair`, with its pending `repair` job for `sub` created and due at
/// `created_at`; the finding is `RepairQueued` with that job, as the store records it when it
/// queues the job.
fn with_repair(
    mut finding: DriftFinding,
    sub: &Subscription,
    created_at: DateTime<Utc>,
) -> FindingToRecord {
    let mut repair = job(sub, finding.port, created_at, created_at);
    repair.action = JobAction::Repair;
    repair.desired = finding.desired.clone();
    finding.action = DriftAction::RepairQueued;
    finding.repair_job_id = Some(repair.id);
    FindingToRecord {
        finding,
        repair: Some(repair),
    }
}

/// `port.drift_detected` (not stored) about `finding`'s subscription.
fn drift_event(sub: &Subscription, finding: &DriftFinding, policy: DriftPolicy) -> NewEvent {
    NewEvent {
        id: EventId::new_time_ordered(),
        provider_id: sub.provider_id,
        sandbox: sub.sandbox,
        data: EventData::PortDriftDetected {
            subscription_id: sub.id,
            drifted: finding.fields.clone(),
            policy,
        },
        created_at: finding.detected_at,
    }
}

/// An audit of `switch` that started at `started_at` and took ten seconds.
fn audit(
    switch: SwitchId,
    started_at: DateTime<Utc>,
    policy: DriftPolicy,
    outcome: AuditOutcome,
) -> SwitchAudit {
    SwitchAudit {
        switch_id: switch,
        started_at,
        finished_at: at(started_at, 10),
        policy,
        outcome,
    }
}

/// A completed audit's counts.
fn completed(ports_checked: u32, drifted: u32) -> AuditOutcome {
    AuditOutcome::Completed {
        ports_checked,
        drifted,
        unreadable: 0,
    }
}

fn record(
    audit: SwitchAudit,
    next_due_at: DateTime<Utc>,
    findings: Vec<FindingToRecord>,
    events: Vec<NewEvent>,
) -> AuditRecord {
    AuditRecord {
        audit,
        next_due_at,
        findings,
        events,
    }
}

async fn claim(
    store: &dyn Store,
    switch: SwitchId,
    now: DateTime<Utc>,
    first_due: DateTime<Utc>,
    hold_until: DateTime<Utc>,
) -> bool {
    ok(
        store
            .claim_switch_audit(switch, now, first_due, hold_until)
            .await,
        "claim_switch_audit",
    )
}

/// `switch`'s row of [`Store::list_switch_audits`].
async fn audit_state(store: &dyn Store, switch: SwitchId) -> Option<SwitchAuditState> {
    ok(store.list_switch_audits().await, "list_switch_audits")
        .into_iter()
        .find(|a| a.switch_id == switch)
}

async fn next_due(store: &dyn Store, switch: SwitchId) -> Option<DateTime<Utc>> {
    audit_state(store, switch).await.map(|a| a.next_due_at)
}

async fn findings(store: &dyn Store, query: DriftQuery) -> Vec<DriftFinding> {
    ok(
        store.list_drift_findings(&query).await,
        "list_drift_findings",
    )
}

/// Every finding on `switch`'s ports, newest first.
async fn findings_of(store: &dyn Store, switch: SwitchId) -> Vec<DriftFinding> {
    let query = DriftQuery {
        switch_id: Some(switch),
        since: None,
        limit: 10_000,
    };
    findings(store, query).await
}

async fn find_job(store: &dyn Store, id: JobId) -> Option<Job> {
    ok(store.find_job(id).await, "find_job")
}

async fn commit_jobs(store: &dyn Store, jobs: Vec<Job>) {
    let writes = WriteSet {
        jobs,
        ..WriteSet::default()
    };
    ok(store.commit(writes).await, "commit of jobs");
}

/// [`Store::claim_switch_audit`]: a first due time in the future creates the schedule row
/// without claiming; a due switch is claimed once, its claim holds until `hold_until` and is
/// taken up again then; [`Store::finish_switch_audit`] sets the real next due time.
pub async fn drift_audit_claim_schedule(store: &dyn Store) {
    let (sw, _) = new_switch(store, 1, 1).await;
    let t = idle_time();
    assert!(
        !claim(store, sw, t, at(t, 60), at(t, 600)).await,
        "store conformance: a switch never audited whose first_due is in the future is not claimed"
    );
    assert_eq!(
        audit_state(store, sw).await,
        Some(SwitchAuditState {
            switch_id: sw,
            next_due_at: at(t, 60),
            last: None,
        }),
        "store conformance: the first claim call leaves the switch's schedule row, due at \
         first_due, without a last audit"
    );
    assert!(
        !claim(store, sw, at(t, 59), at(t, 59), at(t, 659)).await,
        "store conformance: once the row exists its next_due_at decides, not first_due"
    );
    assert_eq!(
        next_due(store, sw).await,
        Some(at(t, 60)),
        "store conformance: a refused claim changes nothing"
    );
    assert!(
        claim(store, sw, at(t, 60), at(t, 9_999), at(t, 660)).await,
        "store conformance: a switch is claimed when its next_due_at <= now"
    );
    assert_eq!(
        next_due(store, sw).await,
        Some(at(t, 660)),
        "store conformance: claiming sets next_due_at = hold_until"
    );
    assert!(
        !claim(store, sw, at(t, 60), at(t, 60), at(t, 660)).await,
        "store conformance: a second claim at the same time is refused"
    );
    assert!(
        !claim(store, sw, at(t, 659), at(t, 659), at(t, 1_259)).await,
        "store conformance: a claim holds until hold_until"
    );
    assert!(
        claim(store, sw, at(t, 660), at(t, 660), at(t, 1_260)).await,
        "store conformance: an audit whose claim expired (its process died) is claimed again \
         at hold_until"
    );

    let done = audit(sw, at(t, 660), DriftPolicy::Report, completed(1, 0));
    let recorded = ok(
        store
            .finish_switch_audit(record(done.clone(), at(t, 5_000), vec![], vec![]))
            .await,
        "finish_switch_audit without findings",
    );
    assert!(
        recorded.is_empty(),
        "store conformance: an audit without findings records none"
    );
    assert_eq!(
        audit_state(store, sw).await,
        Some(SwitchAuditState {
            switch_id: sw,
            next_due_at: at(t, 5_000),
            last: Some(done),
        }),
        "store conformance: a finished audit becomes the switch's last, and the record's \
         next_due_at its next due time"
    );
    assert!(
        !claim(store, sw, at(t, 4_999), at(t, 4_999), at(t, 5_599)).await,
        "store conformance: a finished switch is not claimed before the record's next_due_at"
    );
    assert!(
        claim(store, sw, at(t, 5_000), at(t, 5_000), at(t, 5_600)).await,
        "store conformance: a finished switch is claimed again at the record's next_due_at"
    );

    let (now_due, _) = new_switch(store, 1, 1).await;
    assert!(
        claim(store, now_due, t, at(t, -10), at(t, 600)).await,
        "store conformance: a switch never audited whose first_due is past is claimed by the \
         first call"
    );
    assert_eq!(
        audit_state(store, now_due).await,
        Some(SwitchAuditState {
            switch_id: now_due,
            next_due_at: at(t, 600),
            last: None,
        }),
        "store conformance: a first call that claims leaves next_due_at = hold_until"
    );
    assert!(
        !claim(store, now_due, t, at(t, -10), at(t, 600)).await,
        "store conformance: the second claim of a switch claimed by its first call is refused"
    );
    let (due_exactly, _) = new_switch(store, 1, 1).await;
    assert!(
        claim(store, due_exactly, t, t, at(t, 600)).await,
        "store conformance: a switch never audited whose first_due = now is claimed"
    );

    let mut ours = vec![sw, now_due, due_exactly];
    ours.sort();
    let listed: Vec<SwitchId> = ok(store.list_switch_audits().await, "list_switch_audits")
        .into_iter()
        .map(|a| a.switch_id)
        .filter(|s| ours.contains(s))
        .collect();
    assert_eq!(
        listed, ours,
        "store conformance: list_switch_audits lists every switch with a schedule, by switch id"
    );
}

/// Many tasks claim one switch's audit at once, first while it has no schedule row and then
/// when its claim has expired: each time exactly one wins.
pub async fn concurrent_audit_claims_one_winner(store: Arc<dyn Store>) {
    let (sw, _) = new_switch(&*store, 1, 1).await;
    let t = idle_time();
    for (round, now) in [(1, t), (2, at(t, 600))] {
        let hold = at(now, 600);
        let tasks = (0..16)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.claim_switch_audit(sw, now, now, hold).await })
            })
            .collect();
        let won = join_all(tasks)
            .await
            .into_iter()
            .map(|r| ok(r, "racing claim_switch_audit"))
            .filter(|claimed| *claimed)
            .count();
        assert_eq!(
            won, 1,
            "store conformance: exactly one of 16 racing audit claims wins (round {round}), {won} did"
        );
        assert_eq!(
            next_due(&*store, sw).await,
            Some(hold),
            "store conformance: after the race the switch is held until the winner's hold_until"
        );
    }
}

/// [`Store::finish_switch_audit`] writes the findings, the repair job (a job like any other,
/// visible to the operator) and the `port.drift_detected` event (after the subscription's
/// earlier events), and the switch's last audit, returning the findings as recorded.
pub async fn drift_audit_finish_records_findings_jobs_and_events(store: &dyn Store) {
    let w = world(store, 2, 1).await;
    let t = idle_time();
    let sub = subscription(&w, Some(w.ports[0]), t);
    let writes = WriteSet {
        new_subscription: Some(sub.clone()),
        events: vec![event(&sub, t)],
        ..WriteSet::default()
    };
    ok(
        store.commit(writes).await,
        "commit of a subscription with an event",
    );
    let earlier = ok(
        store.list_events_of(w.provider, sub.id).await,
        "list_events_of",
    );

    let repair = with_repair(
        drifted(w.ports[0], Some(&sub), at(t, 101)),
        &sub,
        at(t, 110),
    );
    // A port showing configuration kurnl cannot read back: no actual state, field `other`.
    let mut unreadable = drifted(w.ports[1], None, at(t, 102));
    unreadable.actual = None;
    unreadable.fields = vec![DriftField::Other];
    let report = reported(unreadable);
    let ev = drift_event(&sub, &repair.finding, DriftPolicy::Repair);
    let repair_job = repair
        .repair
        .clone()
        .unwrap_or_else(|| panic!("store conformance: the suite's repair has no job"));
    let done = audit(w.switch, at(t, 100), DriftPolicy::Repair, completed(2, 2));
    let recorded = ok(
        store
            .finish_switch_audit(record(
                done.clone(),
                at(t, 3_700),
                vec![repair.clone(), report.clone()],
                vec![ev.clone()],
            ))
            .await,
        "finish_switch_audit",
    );
    assert_eq!(
        recorded,
        vec![repair.finding.clone(), report.finding.clone()],
        "store conformance: finish_switch_audit returns the findings as recorded, in order: \
         the repair queued with its job, the report reported (without an actual state)"
    );

    let stored = find_job(store, repair_job.id).await;
    assert_eq!(
        stored.as_ref().map(|j| (j.status, j.action)),
        Some((JobStatus::Pending, JobAction::Repair)),
        "store conformance: the repair job is visible to find_job, pending, action repair"
    );
    assert_eq!(
        stored,
        Some(repair_job.clone()),
        "store conformance: the repair job is stored as given"
    );
    let of_sub = ok(store.list_jobs_of(w.provider, sub.id).await, "list_jobs_of");
    assert!(
        of_sub.iter().any(|j| j.id == repair_job.id),
        "store conformance: the repair job is one of its subscription's jobs"
    );

    let events = ok(
        store.list_events_of(w.provider, sub.id).await,
        "list_events_of",
    );
    let appended = events.iter().find(|e| e.id == ev.id);
    assert_eq!(
        appended.map(|e| (&e.data, e.provider_id, e.created_at)),
        Some((&ev.data, ev.provider_id, ev.created_at)),
        "store conformance: the port.drift_detected event is appended to the outbox as given"
    );
    let last_earlier = earlier.iter().map(|e| e.sequence).max().unwrap_or(0);
    assert_eq!(
        appended.map(|e| (e.sequence, e.status, e.attempts)),
        Some((last_earlier + 1, crate::model::DeliveryStatus::Pending, 0)),
        "store conformance: the event is pending, with the sequence after the subscription's \
         earlier events"
    );

    assert_eq!(
        findings_of(store, w.switch).await,
        vec![report.finding.clone(), repair.finding.clone()],
        "store conformance: list_drift_findings lists the recorded findings, newest first"
    );
    assert_eq!(
        audit_state(store, w.switch).await,
        Some(SwitchAuditState {
            switch_id: w.switch,
            next_due_at: at(t, 3_700),
            last: Some(done),
        }),
        "store conformance: the audit is the switch's last, due again at the record's time"
    );
}

/// A repair is queued only if no production job decides its port: one that is unfinished,
/// or was created or updated at or after the audit's `started_at`, supersedes it (recorded
/// without a job); old finished jobs and sandbox jobs do not. Every repair is decided against
/// the jobs as they were before the call.
pub async fn drift_repair_superseded_by_port_jobs(store: &dyn Store) {
    let w = world(store, 6, 1).await;
    let t = idle_time();
    let started = at(t, 1_000);
    let sub = subscription(&w, None, t);
    insert_subscription(store, &sub).await;
    let p = &w.ports;
    let with = |port: PortRef, created: i64, status: JobStatus, updated: i64| {
        let mut j = job(&sub, port, at(t, created), at(t, created));
        j.status = status;
        j.updated_at = at(t, updated);
        j
    };
    let mut sandbox = with(p[3], 0, JobStatus::Pending, 0);
    sandbox.sandbox = true;
    commit_jobs(
        store,
        vec![
            // Port 1: queued before the audit started, still pending.
            with(p[0], 0, JobStatus::Pending, 0),
            // Port 2: completed exactly when the audit started.
            with(p[1], 0, JobStatus::Completed, 1_000),
            // Port 3: completed before the audit started.
            with(p[2], 0, JobStatus::Completed, 999),
            // Port 4: only a sandbox job, pending.
            sandbox,
            // Port 5: created after the audit started, cancelled since.
            with(p[4], 1_005, JobStatus::Cancelled, 1_006),
            // Port 6: failed before the audit started.
            with(p[5], 0, JobStatus::Failed, 500),
        ],
    )
    .await;

    let ports = [p[0], p[1], p[2], p[3], p[4], p[5], p[2]];
    let to_record: Vec<FindingToRecord> = ports
        .iter()
        .zip(1_001..)
        .map(|(port, s)| with_repair(drifted(*port, None, at(t, s)), &sub, at(t, 1_010)))
        .collect();
    let done = audit(w.switch, started, DriftPolicy::Repair, completed(6, 6));
    let recorded = ok(
        store
            .finish_switch_audit(record(done, at(t, 4_600), to_record.clone(), vec![]))
            .await,
        "finish_switch_audit",
    );
    use DriftAction::{RepairQueued as Queued, RepairSuperseded as Superseded};
    let expected = [
        (
            Superseded,
            "a port with a pending production job supersedes its repair",
        ),
        (
            Superseded,
            "a port whose job completed at started_at supersedes its repair",
        ),
        (
            Queued,
            "a port whose last job completed before started_at gets its repair",
        ),
        (Queued, "a sandbox job does not supersede a repair"),
        (
            Superseded,
            "a port with a job created after started_at (even one cancelled since) supersedes \
             its repair",
        ),
        (
            Queued,
            "a port whose last job failed before started_at gets its repair",
        ),
        (
            Queued,
            "repairs are decided against the jobs as they were before the call: a second \
             finding on a port this call repairs is queued too",
        ),
    ];
    assert_eq!(
        recorded.iter().map(|f| f.id).collect::<Vec<_>>(),
        to_record.iter().map(|f| f.finding.id).collect::<Vec<_>>(),
        "store conformance: the findings come back in the record's order"
    );
    for ((finding, given), (action, behaviour)) in recorded.iter().zip(&to_record).zip(expected) {
        let job_id = given.repair.as_ref().map(|j| j.id);
        assert_eq!(
            (finding.action, finding.repair_job_id),
            (action, job_id.filter(|_| action == Queued)),
            "store conformance: {behaviour} (port {})",
            finding.port.port_number
        );
        let stored = match job_id {
            Some(id) => find_job(store, id).await,
            None => None,
        };
        assert_eq!(
            stored.is_some(),
            action == Queued,
            "store conformance: {behaviour}: the repair job is stored exactly when it is queued \
             (port {})",
            finding.port.port_number
        );
    }
    let mut listed = findings_of(store, w.switch).await;
    listed.reverse();
    assert_eq!(
        listed, recorded,
        "store conformance: the findings are listed as recorded, superseded ones without a job"
    );
}

/// A record with a finding, repair job or event id that exists (or repeats within it) is
/// refused with `DuplicateId` and writes nothing: no finding, job, event or audit.
pub async fn drift_finish_duplicate_id_writes_nothing(store: &dyn Store) {
    let w = world(store, 3, 1).await;
    let t = idle_time();
    let sub = subscription(&w, Some(w.ports[0]), t);
    insert_subscription(store, &sub).await;
    let first = with_repair(drifted(w.ports[0], Some(&sub), at(t, 1)), &sub, at(t, 2));
    let first_event = drift_event(&sub, &first.finding, DriftPolicy::Repair);
    let first_job = first
        .repair
        .as_ref()
        .map(|j| j.id)
        .unwrap_or_else(|| panic!("store conformance: the suite's repair has no job"));
    let done = audit(w.switch, t, DriftPolicy::Repair, completed(3, 1));
    ok(
        store
            .finish_switch_audit(record(
                done,
                at(t, 100),
                vec![first.clone()],
                vec![first_event.clone()],
            ))
            .await,
        "the first finish_switch_audit",
    );
    let before_findings = findings_of(store, w.switch).await;
    let before_audit = audit_state(store, w.switch).await;
    let before_events = ok(
        store.list_events_of(w.provider, sub.id).await,
        "list_events_of",
    );

    let fresh = |port: usize| {
        let f = with_repair(
            drifted(w.ports[port], Some(&sub), at(t, 11)),
            &sub,
            at(t, 12),
        );
        let e = drift_event(&sub, &f.finding, DriftPolicy::Repair);
        (f, e)
    };
    let set_job_id = |f: &mut FindingToRecord, id: JobId| {
        f.finding.repair_job_id = Some(id);
        if let Some(j) = f.repair.as_mut() {
            j.id = id;
        }
    };
    let mut cases: Vec<(&str, Vec<FindingToRecord>, Vec<NewEvent>)> = Vec::new();
    let (mut f, e) = fresh(1);
    f.finding.id = first.finding.id;
    cases.push(("a finding id that exists", vec![f], vec![e]));
    let (mut f, e) = fresh(1);
    set_job_id(&mut f, first_job);
    cases.push(("a repair job id that exists", vec![f], vec![e]));
    let (mut f, e) = fresh(0);
    set_job_id(&mut f, first_job);
    cases.push((
        "a repair job id that exists, on a port whose repair would be superseded",
        vec![f],
        vec![e],
    ));
    let (f, mut e) = fresh(1);
    e.id = first_event.id;
    cases.push(("an event id that exists", vec![f], vec![e]));
    let ((a, e), (mut b, _)) = (fresh(1), fresh(2));
    b.finding.id = a.finding.id;
    cases.push(("a finding id twice in one record", vec![a, b], vec![e]));
    let ((a, e), (mut b, _)) = (fresh(1), fresh(2));
    let shared = a.finding.repair_job_id.unwrap_or_else(JobId::new_random);
    set_job_id(&mut b, shared);
    cases.push(("a repair job id twice in one record", vec![a, b], vec![e]));
    let (f, e) = fresh(1);
    cases.push((
        "an event id twice in one record",
        vec![f],
        vec![e.clone(), e],
    ));

    for (what, to_record, events) in cases {
        let job_ids: Vec<JobId> = to_record
            .iter()
            .filter_map(|f| f.repair.as_ref().map(|j| j.id))
            .filter(|id| *id != first_job)
            .collect();
        let again = audit(w.switch, at(t, 10), DriftPolicy::Repair, completed(3, 2));
        expect_conflict(
            store
                .finish_switch_audit(record(again, at(t, 200), to_record, events))
                .await,
            ConflictKind::DuplicateId,
            &format!("finish_switch_audit with {what}"),
        );
        assert_eq!(
            findings_of(store, w.switch).await,
            before_findings,
            "store conformance: a refused finish ({what}) records no finding"
        );
        assert_eq!(
            audit_state(store, w.switch).await,
            before_audit,
            "store conformance: a refused finish ({what}) leaves the switch's audit and schedule"
        );
        assert_eq!(
            ok(
                store.list_events_of(w.provider, sub.id).await,
                "list_events_of"
            ),
            before_events,
            "store conformance: a refused finish ({what}) appends no event"
        );
        for id in job_ids {
            assert_eq!(
                find_job(store, id).await,
                None,
                "store conformance: a refused finish ({what}) queues no repair job"
            );
        }
    }
}

/// [`Store::list_drift_findings`]: by switch, since a time (inclusive), at most `limit`,
/// newest first by detection time and then id.
pub async fn drift_findings_list_filters_and_order(store: &dyn Store) {
    let (a, pa) = new_switch(store, 2, 1).await;
    let (b, pb) = new_switch(store, 1, 1).await;
    let t = idle_time();
    let mut on_a: Vec<DriftFinding> = [(0, 10), (1, 20), (0, 20), (1, 20), (0, 30)]
        .into_iter()
        .map(|(port, s)| {
            let mut f = drifted(pa[port], None, at(t, s));
            // Random ids, so that the order among equal times comes from the ids alone.
            f.id = DriftId::new_random();
            f
        })
        .collect();
    let mut on_b: Vec<DriftFinding> = [15, 25]
        .into_iter()
        .map(|s| drifted(pb[0], None, at(t, s)))
        .collect();
    for (switch, list) in [(a, &on_a), (b, &on_b)] {
        let to_record = list.iter().cloned().map(reported).collect();
        let done = audit(switch, t, DriftPolicy::Report, completed(2, 2));
        ok(
            store
                .finish_switch_audit(record(done, at(t, 3_600), to_record, vec![]))
                .await,
            "finish_switch_audit",
        );
    }
    let newest_first = |list: &mut Vec<DriftFinding>| {
        list.sort_by_key(|f| std::cmp::Reverse((f.detected_at, f.id)));
    };
    newest_first(&mut on_a);
    newest_first(&mut on_b);
    let query = |switch_id: Option<SwitchId>, since: Option<i64>, limit: u32| DriftQuery {
        switch_id,
        since: since.map(|s| at(t, s)),
        limit,
    };

    assert_eq!(
        findings(store, query(Some(a), None, 100)).await,
        on_a,
        "store conformance: a switch's findings, newest first, equal times by id (descending)"
    );
    assert_eq!(
        findings(store, query(Some(a), Some(20), 100)).await,
        on_a[..4].to_vec(),
        "store conformance: since keeps the findings detected at or after it"
    );
    assert_eq!(
        findings(store, query(Some(a), None, 2)).await,
        on_a[..2].to_vec(),
        "store conformance: limit keeps the newest"
    );
    assert_eq!(
        findings(store, query(Some(a), Some(20), 0)).await,
        Vec::new(),
        "store conformance: limit 0 lists nothing"
    );
    assert_eq!(
        findings(store, query(Some(b), Some(16), 100)).await,
        on_b[..1].to_vec(),
        "store conformance: the switch filter and since together"
    );
    assert!(
        findings(store, query(Some(SwitchId::new_random()), None, 100))
            .await
            .is_empty(),
        "store conformance: a switch without findings lists none"
    );

    let all = findings(store, query(None, Some(10), 10_000)).await;
    assert!(
        all.windows(2)
            .all(|p| (p[0].detected_at, p[0].id) > (p[1].detected_at, p[1].id)),
        "store conformance: findings of every switch are listed newest first by (time, id)"
    );
    assert!(
        all.iter().all(|f| f.detected_at >= at(t, 10)),
        "store conformance: since applies without a switch filter"
    );
    let mut ours = on_a.clone();
    ours.extend(on_b.iter().cloned());
    newest_first(&mut ours);
    let listed: Vec<DriftFinding> = all
        .into_iter()
        .filter(|f| f.port.switch_id == a || f.port.switch_id == b)
        .collect();
    assert_eq!(
        listed, ours,
        "store conformance: without a switch filter the findings of every switch are listed"
    );
}

/// An unreachable switch's audit is kept with its error, policy and times, and the next audit
/// replaces it.
pub async fn drift_unreachable_audit_round_trips(store: &dyn Store) {
    let (sw, _) = new_switch(store, 1, 1).await;
    let t = idle_time();
    assert!(
        claim(store, sw, t, t, at(t, 600)).await,
        "store conformance: a due switch is claimed"
    );
    let down = audit(
        sw,
        t,
        DriftPolicy::Repair,
        AuditOutcome::Unreachable {
            error: "connect 192.0.2.1:22: connection refused".into(),
        },
    );
    let recorded = ok(
        store
            .finish_switch_audit(record(down.clone(), at(t, 300), vec![], vec![]))
            .await,
        "finish_switch_audit of an unreachable switch",
    );
    assert!(
        recorded.is_empty(),
        "store conformance: an unreachable audit records no finding"
    );
    assert_eq!(
        audit_state(store, sw).await,
        Some(SwitchAuditState {
            switch_id: sw,
            next_due_at: at(t, 300),
            last: Some(down),
        }),
        "store conformance: an unreachable audit is the switch's last, with its error, and it \
         is due again at the record's time"
    );
    let up = audit(
        sw,
        at(t, 300),
        DriftPolicy::Report,
        AuditOutcome::Completed {
            ports_checked: 7,
            drifted: 0,
            unreadable: 2,
        },
    );
    ok(
        store
            .finish_switch_audit(record(up.clone(), at(t, 3_900), vec![], vec![]))
            .await,
        "finish_switch_audit of the next audit",
    );
    assert_eq!(
        audit_state(store, sw).await.and_then(|a| a.last),
        Some(up),
        "store conformance: the next audit replaces the last one, counts and policy included"
    );
}

/// [`Store::list_ports`] names the job whose desired state is `last_applied`: the port's last
/// completed production job.
pub async fn drift_last_applied_job_in_list_ports(store: &dyn Store) {
    let w = world(store, 2, 1).await;
    let t = idle_time();
    let sub = subscription(&w, Some(w.ports[0]), t);
    let with = |created: i64, status: JobStatus, updated: i64| {
        let mut j = job(&sub, w.ports[0], at(t, created), at(t, created));
        j.status = status;
        j.updated_at = at(t, updated);
        j
    };
    let older = with(0, JobStatus::Completed, 10);
    let mut newer = with(1, JobStatus::Completed, 20);
    newer.desired.vlan = vlan(300);
    let mut sandbox = with(2, JobStatus::Completed, 30);
    sandbox.sandbox = true;
    let writes = WriteSet {
        new_subscription: Some(sub.clone()),
        jobs: vec![
            older,
            newer.clone(),
            sandbox,
            with(3, JobStatus::Failed, 40),
            with(4, JobStatus::Pending, 4),
        ],
        ..WriteSet::default()
    };
    ok(
        store.commit(writes).await,
        "commit of a subscription with jobs",
    );
    let ports = ok(store.list_ports(w.switch).await, "list_ports");
    assert_eq!(
        ports.iter().map(|p| p.port.port).collect::<Vec<_>>(),
        w.ports,
        "store conformance: list_ports lists the switch's ports"
    );
    assert_eq!(
        (ports[0].last_applied_job, ports[0].last_applied.clone()),
        (Some(newer.id), Some((newer.desired.clone(), at(t, 20)))),
        "store conformance: last_applied_job is the last completed production job, whose \
         desired state and completion time are last_applied"
    );
    assert_eq!(
        (ports[1].last_applied_job, ports[1].last_applied.clone()),
        (None, None),
        "store conformance: a port without a completed job has no last applied job"
    );
}

/// A queued repair job is claimed like any other job of its port, and once completed it is
/// the port's last applied job.
pub async fn drift_repair_job_is_claimed_like_any_other(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 1, 1).await;
    let t = queue_time();
    let sub = subscription(&w, Some(w.ports[0]), t);
    insert_subscription(store, &sub).await;
    let repair = with_repair(drifted(w.ports[0], Some(&sub), at(t, 1)), &sub, at(t, 2));
    let repair_job = repair
        .repair
        .clone()
        .unwrap_or_else(|| panic!("store conformance: the suite's repair has no job"));
    let done = audit(w.switch, t, DriftPolicy::Repair, completed(1, 1));
    let recorded = ok(
        store
            .finish_switch_audit(record(done, at(t, 3_600), vec![repair], vec![]))
            .await,
        "finish_switch_audit",
    );
    assert_eq!(
        recorded.first().map(|f| f.action),
        Some(DriftAction::RepairQueued),
        "store conformance: the repair of a port without jobs is queued"
    );
    let claim = claim_ours(store, &request(at(t, 3), 5), &[w.switch])
        .await
        .unwrap_or_else(|| panic!("store conformance: the queued repair job is not claimable"));
    assert_eq!(
        claim
            .jobs
            .iter()
            .map(|j| (j.id, j.action))
            .collect::<Vec<_>>(),
        vec![(repair_job.id, JobAction::Repair)],
        "store conformance: claim_jobs hands out the repair job, action repair"
    );
    finish(store, claim.lease, &ids(&claim.jobs), at(t, 4)).await;
    let ports = ok(store.list_ports(w.switch).await, "list_ports");
    assert_eq!(
        ports
            .first()
            .map(|p| (p.last_applied_job, p.last_applied.clone())),
        Some((
            Some(repair_job.id),
            Some((repair_job.desired.clone(), at(t, 4)))
        )),
        "store conformance: a completed repair is the port's last applied job"
    );
}

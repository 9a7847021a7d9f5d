//! The operator's calls: operator keys, the job list across providers, retry and cancel.
//!
//! The job tests hold the suite's queue lock (they claim) and run their clock in the 2030s;
//! every query is scoped to the test's own provider or switch, so a shared database with
//! other tests' rows gives the same answers.

use chrono::{DateTime, Utc};

use super::fixtures::{
    at, expect_conflict, expect_not_found, ok, queue_time, subscription_with_job, world,
};
use super::queue::{add_job, claim_ours, request, stored_job};
use super::queue_lock;
use crate::model::{EventData, Job, JobStatus, NewEvent, OperatorKeyRecord};
use crate::ports::{ConflictKind, JobOutcome, JobQuery, JobResult, Store};
use crate::types::{ApiKeyId, EventId, JobId};

fn key(created_at: DateTime<Utc>) -> OperatorKeyRecord {
    let id = ApiKeyId::new_random();
    OperatorKeyRecord {
        id,
        key_hash: format!("suite-{}", id.0.simple()),
        display_prefix: "krnl_op_suite".into(),
        label: "store conformance".into(),
        created_at,
        revoked_at: None,
    }
}

/// Operator keys: stored by id, found by hash, listed oldest first, revoked once (the first
/// time kept), a hash never stored twice under different ids.
pub async fn operator_keys_roundtrip(store: &dyn Store) {
    let t = queue_time();
    let first = key(at(t, 1));
    let second = key(at(t, 2));
    ok(store.put_operator_key(&first).await, "put_operator_key");
    ok(store.put_operator_key(&second).await, "put_operator_key");
    assert_eq!(
        ok(
            store.find_operator_key(&first.key_hash).await,
            "find_operator_key"
        ),
        Some(first.clone()),
        "store conformance: an operator key reads back by its hash unchanged"
    );
    assert_eq!(
        ok(
            store.find_operator_key("no-such-hash").await,
            "find_operator_key"
        ),
        None,
        "store conformance: an unknown hash finds no operator key"
    );
    let listed = ok(store.list_operator_keys().await, "list_operator_keys");
    let position = |id: ApiKeyId| listed.iter().position(|k| k.id == id);
    assert!(
        matches!((position(first.id), position(second.id)), (Some(a), Some(b)) if a < b),
        "store conformance: operator keys are listed, oldest first"
    );
    let mut relabelled = first.clone();
    relabelled.label = "renamed".into();
    ok(
        store.put_operator_key(&relabelled).await,
        "put_operator_key again",
    );
    let mut clash = key(at(t, 3));
    clash.key_hash = first.key_hash.clone();
    expect_conflict(
        store.put_operator_key(&clash).await,
        ConflictKind::DuplicateId,
        "an operator key with another key's hash",
    );
    ok(
        store.revoke_operator_key(first.id, at(t, 10)).await,
        "revoke_operator_key",
    );
    ok(
        store.revoke_operator_key(first.id, at(t, 20)).await,
        "revoke_operator_key twice",
    );
    let revoked = ok(
        store.find_operator_key(&first.key_hash).await,
        "find_operator_key",
    );
    assert_eq!(
        revoked.map(|k| (k.label, k.revoked_at)),
        Some(("renamed".to_owned(), Some(at(t, 10)))),
        "store conformance: a put replaces by id, and a second revocation keeps the first time"
    );
    expect_not_found(
        store.revoke_operator_key(ApiKeyId::new_random(), t).await,
        "revoke_operator_key of an unknown key",
    );
}

fn ids(jobs: &[Job]) -> Vec<JobId> {
    jobs.iter().map(|j| j.id).collect()
}

/// Claims `job` (its switch's only due job) and records it as failed.
async fn fail(store: &dyn Store, job: &Job, now: DateTime<Utc>) {
    let claim = claim_ours(store, &request(now, 1), &[job.port.switch_id]).await;
    let claim = claim.unwrap_or_else(|| panic!("store conformance: job {} not claimable", job.id));
    assert_eq!(
        ids(&claim.jobs),
        vec![job.id],
        "store conformance: claimed the job to fail"
    );
    let outcome = JobOutcome {
        job_id: job.id,
        result: JobResult::Failed {
            error: "Connect: refused".into(),
            events: vec![],
        },
    };
    ok(
        store.finish_jobs(claim.lease, vec![outcome], now).await,
        "finish_jobs (failed)",
    );
}

/// [`Store::list_jobs`]: every filter narrows, newest first, keyset pages by `after`.
pub async fn operator_job_list_filters(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 2, 2).await;
    let t = queue_time();
    // Only b1 is due before t+1000, so that it is the one the claim below fails.
    let later = at(t, 1000);
    let (sub_a, a1) = subscription_with_job(store, &w, w.ports[0], at(t, 1), later).await;
    let (_, b1) = subscription_with_job(store, &w, w.ports[1], at(t, 2), t).await;
    let a2 = add_job(store, &sub_a, w.ports[0], at(t, 3), later).await;
    let all = |q: JobQuery| async move { ids(&ok(store.list_jobs(&q).await, "list_jobs")) };
    let ours = JobQuery {
        provider_id: Some(w.provider),
        ..JobQuery::default()
    };
    assert_eq!(
        all(ours.clone()).await,
        vec![a2.id, b1.id, a1.id],
        "store conformance: a provider's jobs, newest first"
    );
    assert_eq!(
        all(JobQuery {
            switch_id: Some(w.switch),
            ..JobQuery::default()
        })
        .await,
        vec![a2.id, b1.id, a1.id],
        "store conformance: a switch's jobs, newest first"
    );
    assert_eq!(
        all(JobQuery {
            subscription_id: Some(sub_a.id),
            ..ours.clone()
        })
        .await,
        vec![a2.id, a1.id],
        "store conformance: a subscription's jobs"
    );
    let page = all(JobQuery {
        limit: 2,
        ..ours.clone()
    })
    .await;
    assert_eq!(page, vec![a2.id, b1.id], "store conformance: limit");
    assert_eq!(
        all(JobQuery {
            after: Some(b1.id),
            ..ours.clone()
        })
        .await,
        vec![a1.id],
        "store conformance: `after` continues the order after that job"
    );
    assert!(
        all(JobQuery {
            after: Some(JobId::new_random()),
            ..ours.clone()
        })
        .await
        .is_empty(),
        "store conformance: an unknown `after` matches nothing"
    );
    fail(store, &b1, at(t, 10)).await;
    assert_eq!(
        all(JobQuery {
            status: Some(JobStatus::Failed),
            ..ours.clone()
        })
        .await,
        vec![b1.id],
        "store conformance: the status filter"
    );
    let found = ok(store.find_job(b1.id).await, "find_job");
    assert_eq!(
        found.map(|j| (j.status, j.last_error)),
        Some((JobStatus::Failed, Some("Connect: refused".to_owned()))),
        "store conformance: find_job reads any provider's job"
    );
    assert_eq!(
        ok(store.find_job(JobId::new_random()).await, "find_job"),
        None
    );
}

/// [`Store::retry_job`] and [`Store::cancel_job`]: only a failed job that no later job of its
/// port supersedes is retried (due now, attempts back to 0); only a pending job is cancelled,
/// with its events, and stops holding its port's queue.
pub async fn operator_retry_and_cancel(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 2, 2).await;
    let t = queue_time();
    let (_, failed) = subscription_with_job(store, &w, w.ports[0], at(t, 1), t).await;
    fail(store, &failed, at(t, 5)).await;
    let retried = ok(store.retry_job(failed.id, at(t, 6)).await, "retry_job");
    assert_eq!(
        (retried.status, retried.attempts, retried.run_at),
        (JobStatus::Pending, 0, at(t, 6)),
        "store conformance: a retried job is pending, due now, with its attempts reset"
    );
    assert_eq!(
        stored_job(store, &failed).await.status,
        JobStatus::Pending,
        "store conformance: the retry is stored"
    );
    expect_conflict(
        store.retry_job(failed.id, at(t, 7)).await,
        ConflictKind::JobNotFailed,
        "retry_job of a pending job",
    );
    let claim = claim_ours(store, &request(at(t, 8), 1), &[w.switch]).await;
    assert_eq!(
        claim.as_ref().map(|c| ids(&c.jobs)),
        Some(vec![failed.id]),
        "store conformance: a retried job is claimable again"
    );

    // A failed job with a later job on its port stays failed.
    let (sub_b, old) = subscription_with_job(store, &w, w.ports[1], at(t, 2), t).await;
    // The first port's job is leased by the claim above; only the second port's is due.
    fail(store, &old, at(t, 9)).await;
    let newer = add_job(store, &sub_b, w.ports[1], at(t, 10), at(t, 100)).await;
    expect_conflict(
        store.retry_job(old.id, at(t, 11)).await,
        ConflictKind::JobSuperseded,
        "retry_job of a failed job with a later job on its port",
    );
    expect_not_found(
        store.retry_job(JobId::new_random(), at(t, 11)).await,
        "retry_job of an unknown job",
    );

    // Cancel the pending newer job (due later): cancelled, with its event.
    let event = NewEvent {
        id: EventId::new_time_ordered(),
        provider_id: newer.provider_id,
        sandbox: newer.sandbox,
        data: EventData::ProvisioningFailed {
            job_id: newer.id,
            subscription_id: newer.subscription_id,
            error: "cancelled".into(),
        },
        created_at: at(t, 12),
    };
    let cancelled = ok(
        store
            .cancel_job(newer.id, "cancelled", vec![event.clone()], at(t, 12))
            .await,
        "cancel_job",
    );
    assert_eq!(
        (cancelled.status, cancelled.last_error.as_deref()),
        (JobStatus::Cancelled, Some("cancelled")),
        "store conformance: a cancelled job keeps the reason as its last error"
    );
    let events = ok(
        store
            .list_events_of(newer.provider_id, newer.subscription_id)
            .await,
        "list_events_of",
    );
    assert!(
        events.iter().any(|e| e.id == event.id),
        "store conformance: cancel_job appends its events"
    );
    expect_conflict(
        store.cancel_job(newer.id, "again", vec![], at(t, 13)).await,
        ConflictKind::JobNotQueued,
        "cancel_job of a cancelled job",
    );
    let leased = claim.map(|c| c.jobs[0].id).unwrap_or(failed.id);
    expect_conflict(
        store.cancel_job(leased, "leased", vec![], at(t, 13)).await,
        ConflictKind::JobNotQueued,
        "cancel_job of a job in progress",
    );
    expect_not_found(
        store
            .cancel_job(JobId::new_random(), "x", vec![], at(t, 13))
            .await,
        "cancel_job of an unknown job",
    );
    // With the newer job cancelled, the old failed one heads its port again and may be retried.
    assert_eq!(
        ok(
            store.retry_job(old.id, at(t, 14)).await,
            "retry_job after the cancel"
        )
        .status,
        JobStatus::Pending,
        "store conformance: a cancelled later job no longer supersedes"
    );
}

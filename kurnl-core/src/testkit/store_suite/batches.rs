//! Bulk batches: the in-progress limit, entry outcomes, the poll view, resume and purge.

use chrono::{DateTime, TimeZone, Utc};

use super::fixtures::{
    at, expect_conflict, expect_not_found, new_provider, ok, queue_time, subscription_with_job,
    world,
};
use super::queue::{claim_ours, request};
use super::queue_lock;
use crate::model::{Batch, BatchEntry, EntryOutcome, Job, JobStatus, Subscription};
use crate::ports::{ConflictKind, JobOutcome, JobResult, Store};
use crate::types::{BatchId, ProviderId};

/// A batch (not stored) with `entries` unprocessed entries.
fn batch(provider: ProviderId, created_at: DateTime<Utc>, entries: u32) -> Batch {
    Batch {
        id: BatchId::new_random(),
        provider_id: provider,
        sandbox: false,
        created_at,
        entries: (0..entries)
            .map(|index| BatchEntry {
                index,
                email: format!("entry{index}@example.com"),
                request: serde_json::json!({ "index": index }),
                outcome: None,
            })
            .collect(),
    }
}

fn created_with_job(subscription: &Subscription, job: &Job) -> EntryOutcome {
    EntryOutcome::Created {
        subscription_id: subscription.id,
        subscriber_id: None,
        job_id: Some(job.id),
    }
}

fn failed(error: &str) -> EntryOutcome {
    EntryOutcome::Failed {
        error: error.into(),
    }
}

/// `create_batch` refuses a batch when the provider has `max_in_progress` batches in progress
/// (an entry without outcome, or an entry whose job is unfinished) and stores nothing; entry
/// outcomes overwrite; `get_batch` returns the batch with the jobs of its entries, scoped by
/// provider; unknown batches and entries are `NotFound`.
pub async fn batch_limit_and_view(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 2, 1).await;
    let p = w.provider;
    let t = queue_time();
    let running: Vec<Batch> = (0..3).map(|i| batch(p, at(t, i), 1)).collect();
    for b in &running {
        ok(
            store.create_batch(b, 3).await,
            "create_batch under the limit",
        );
    }
    let extra = batch(p, at(t, 10), 2);
    expect_conflict(
        store.create_batch(&extra, 3).await,
        ConflictKind::TooManyBatches,
        "a fourth batch in progress",
    );
    assert!(
        ok(store.get_batch(p, extra.id).await, "get_batch").is_none(),
        "a refused batch was stored"
    );
    expect_conflict(
        store.create_batch(&running[0], 10).await,
        ConflictKind::DuplicateId,
        "the same batch twice",
    );

    ok(
        store
            .record_batch_entry(running[0].id, 0, &failed("invalid email"))
            .await,
        "record_batch_entry",
    );
    ok(
        store.create_batch(&extra, 3).await,
        "create_batch once a batch is done",
    );

    // An entry whose job is still pending keeps its batch in progress.
    let (sub, job) = subscription_with_job(store, &w, w.ports[0], t, t).await;
    let created = created_with_job(&sub, &job);
    ok(
        store
            .record_batch_entry(running[1].id, 0, &failed("first try"))
            .await,
        "record_batch_entry",
    );
    ok(
        store.record_batch_entry(running[1].id, 0, &created).await,
        "record_batch_entry overwrites",
    );
    let next = batch(p, at(t, 11), 1);
    expect_conflict(
        store.create_batch(&next, 3).await,
        ConflictKind::TooManyBatches,
        "a batch waiting for its job is in progress",
    );

    let view = ok(store.get_batch(p, running[1].id).await, "get_batch");
    let view = view.unwrap_or_else(|| panic!("store conformance: get_batch lost a batch"));
    assert_eq!(
        view.batch.entries[0].outcome.as_ref(),
        Some(&created),
        "the entry outcome"
    );
    assert_eq!(
        view.jobs
            .iter()
            .map(|(i, j)| (*i, j.id, j.status))
            .collect::<Vec<_>>(),
        vec![(0, job.id, JobStatus::Pending)],
        "store conformance: Store::get_batch lists the entry's job (index, id) as pending before it runs"
    );

    let c = claim_ours(store, &request(at(t, 1), 1), &[w.switch]).await;
    let c = c.unwrap_or_else(|| panic!("store conformance: the batch's job was not claimable"));
    let done = vec![JobOutcome {
        job_id: job.id,
        result: JobResult::Completed { events: vec![] },
    }];
    ok(
        store.finish_jobs(c.lease, done, at(t, 2)).await,
        "finish_jobs",
    );
    ok(
        store.create_batch(&next, 3).await,
        "create_batch once the job finished",
    );
    let view = ok(store.get_batch(p, running[1].id).await, "get_batch").map(|v| v.jobs);
    assert_eq!(
        view.map(|jobs| jobs.iter().map(|(_, j)| j.status).collect::<Vec<_>>()),
        Some(vec![JobStatus::Completed]),
        "store conformance: Store::get_batch shows the batch's job completed after finish_jobs"
    );

    // A batch seen finished reopens when an entry is overwritten with a job still to run
    // (stores may remember finished batches to keep the check cheap).
    ok(
        store
            .record_batch_entry(running[2].id, 0, &failed("no port"))
            .await,
        "record_batch_entry",
    );
    let fourth = batch(p, at(t, 12), 1);
    ok(
        store.create_batch(&fourth, 3).await,
        "create_batch while the third batch is finished",
    );
    for index in 0..2 {
        ok(
            store
                .record_batch_entry(extra.id, index, &failed("done"))
                .await,
            "record_batch_entry",
        );
    }
    // In progress now: `next` and `fourth`.
    let (sub2, job2) = subscription_with_job(store, &w, w.ports[1], t, t).await;
    let reopened = created_with_job(&sub2, &job2);
    ok(
        store.record_batch_entry(running[2].id, 0, &reopened).await,
        "record_batch_entry overwrites a finished batch's entry",
    );
    expect_conflict(
        store.create_batch(&batch(p, at(t, 13), 1), 3).await,
        ConflictKind::TooManyBatches,
        "a finished batch whose entry got a pending job is in progress again",
    );

    let other = new_provider(store).await;
    assert!(
        ok(store.get_batch(other, running[1].id).await, "get_batch").is_none(),
        "get_batch ignores the provider"
    );
    let out_of_range = store
        .record_batch_entry(running[2].id, 7, &failed("x"))
        .await;
    expect_not_found(out_of_range, "record_batch_entry of an unknown entry");
    expect_not_found(
        store
            .record_batch_entry(BatchId::new_random(), 0, &failed("x"))
            .await,
        "record_batch_entry of an unknown batch",
    );
}

/// `unprocessed_batches` lists batches with an unprocessed entry; `purge_batches` deletes
/// batches created before a time and counts them.
pub async fn batch_purge_and_unprocessed(store: &dyn Store) {
    let p = new_provider(store).await;
    let t = queue_time();
    let open = batch(p, t, 2);
    let done = batch(p, at(t, 1), 1);
    for b in [&open, &done] {
        ok(store.create_batch(b, 10).await, "create_batch");
    }
    ok(
        store.record_batch_entry(open.id, 0, &failed("x")).await,
        "record_batch_entry",
    );
    ok(
        store.record_batch_entry(done.id, 0, &failed("x")).await,
        "record_batch_entry",
    );
    let pending: Vec<BatchId> = ok(store.unprocessed_batches().await, "unprocessed_batches")
        .iter()
        .map(|b| b.id)
        .collect();
    assert!(
        pending.contains(&open.id),
        "a batch with an unprocessed entry is missing from unprocessed_batches"
    );
    assert!(
        !pending.contains(&done.id),
        "a fully processed batch is in unprocessed_batches"
    );

    // Purge in a private corner of time (the 1970s) so parallel tests keep their batches.
    let ancient = Utc
        .with_ymd_and_hms(1971, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let old: Vec<Batch> = (0..2).map(|i| batch(p, at(ancient, i), 1)).collect();
    let young = batch(p, at(ancient, 3600), 1);
    for b in old.iter().chain([&young]) {
        ok(store.create_batch(b, 10).await, "create_batch");
    }
    let purged = ok(store.purge_batches(at(ancient, 60)).await, "purge_batches");
    assert!(
        purged >= 2,
        "store conformance: purge_batches removed {purged} batches, expected at least 2"
    );
    for b in &old {
        assert!(
            ok(store.get_batch(p, b.id).await, "get_batch").is_none(),
            "a purged batch is still there"
        );
    }
    assert!(
        ok(store.get_batch(p, young.id).await, "get_batch").is_some(),
        "purge_batches removed a newer batch"
    );
    assert!(
        ok(store.get_batch(p, open.id).await, "get_batch").is_some(),
        "purge_batches removed a newer batch"
    );
}

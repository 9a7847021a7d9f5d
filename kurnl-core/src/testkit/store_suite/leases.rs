//! Leases and outcomes: heartbeat, reaping, stale leases, retries, events of outcomes, races.
//!
//! Every test here holds the suite's queue lock and runs its clock in the 2030s; see the
//! module docs of [`super`].

use std::collections::HashSet;
use std::sync::Arc;

use super::fixtures::{
    World, at, completed_event, event, expect_lease_lost, idle_time, new_switch, ok, queue_time,
    subscription, subscription_with_job, world,
};
use super::queue::{claim_ours, finish, ids, request, stored_job};
use super::queue_lock;
use super::subscribers::join_all;
use crate::model::JobStatus;
use crate::ports::{JobOutcome, JobResult, Store, WriteSet};
use crate::types::{JobId, LeaseToken};

/// A heartbeat extends a lease; an expired lease is reaped (job back to `pending`, lease
/// cleared), after which the old lease can neither heartbeat nor finish, and the job is
/// claimed again with `attempts` 2.
pub async fn lease_expiry_reaped_and_reclaimed(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 1, 1).await;
    let t = queue_time();
    let (_, j) = subscription_with_job(store, &w, w.ports[0], t, t).await;
    let c = claim_ours(store, &request(at(t, 1), 1), &[w.switch]).await;
    let c = c.unwrap_or_else(|| panic!("store conformance: due job not claimed"));
    ok(
        store.heartbeat(c.lease, at(t, 60)).await,
        "heartbeat of a live lease",
    );
    let _ = ok(
        store.reap_expired_leases(at(t, 45)).await,
        "reap_expired_leases",
    );
    assert_eq!(
        stored_job(store, &j).await.status,
        JobStatus::InProgress,
        "a heartbeat-extended lease was reaped"
    );
    assert_eq!(
        stored_job(store, &j).await.lease_expires_at,
        Some(at(t, 60)),
        "heartbeat must move lease_expires_at"
    );

    let reaped = ok(
        store.reap_expired_leases(at(t, 61)).await,
        "reap_expired_leases",
    );
    assert!(
        reaped >= 1,
        "store conformance: reap_expired_leases returned {reaped} with an expired lease"
    );
    let after = stored_job(store, &j).await;
    assert_eq!(
        (after.status, after.lease, after.lease_expires_at),
        (JobStatus::Pending, None, None),
        "reaped job"
    );
    expect_lease_lost(
        store.heartbeat(c.lease, at(t, 120)).await,
        "heartbeat after the lease was reaped",
    );
    let done = vec![JobOutcome {
        job_id: j.id,
        result: JobResult::Completed { events: vec![] },
    }];
    expect_lease_lost(
        store.finish_jobs(c.lease, done, at(t, 62)).await,
        "finish after the lease was reaped",
    );

    let again = claim_ours(store, &request(at(t, 62), 1), &[w.switch]).await;
    let again =
        again.unwrap_or_else(|| panic!("store conformance: a reaped job was not claimable again"));
    assert_eq!(
        ids(&again.jobs),
        vec![j.id],
        "store conformance: Store::claim_jobs hands a reaped job out again"
    );
    assert_ne!(again.lease, c.lease, "a new claim needs a new lease");
    assert_eq!(
        again.jobs[0].attempts, 2,
        "the second claim is the second attempt"
    );
    finish(store, again.lease, &[j.id], at(t, 63)).await;
    assert_eq!(
        stored_job(store, &j).await.status,
        JobStatus::Completed,
        "store conformance: Store::finish_jobs under the new lease completes the reclaimed job"
    );
}

/// `finish_jobs` is all-or-nothing: an unknown lease, or one job not held under the lease,
/// is `LeaseLost` and changes no job and appends none of the call's events; finishing twice
/// is `LeaseLost`.
pub async fn finish_with_stale_lease_is_rejected(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 3, 1).await;
    let t = queue_time();
    let (sub_a, a) = subscription_with_job(store, &w, w.ports[0], t, t).await;
    let (_, b) = subscription_with_job(store, &w, w.ports[1], at(t, 1), t).await;
    let (_, unclaimed) = subscription_with_job(store, &w, w.ports[2], at(t, 2), at(t, 1000)).await;
    let c = claim_ours(store, &request(at(t, 5), 10), &[w.switch]).await;
    let c = c.unwrap_or_else(|| panic!("store conformance: due jobs not claimed"));
    assert_eq!(
        ids(&c.jobs),
        vec![a.id, b.id],
        "store conformance: Store::claim_jobs claims exactly the due jobs (not the one due later), oldest first"
    );
    let completed = |id| JobOutcome {
        job_id: id,
        result: JobResult::Completed { events: vec![] },
    };

    let forged = LeaseToken::new_random();
    expect_lease_lost(
        store
            .finish_jobs(forged, vec![completed(a.id)], at(t, 6))
            .await,
        "finish with an unknown lease",
    );
    expect_lease_lost(
        store.heartbeat(forged, at(t, 60)).await,
        "heartbeat with an unknown lease",
    );
    let events_before = ok(
        store.list_events_of(w.provider, sub_a.id).await,
        "list_events_of",
    );
    let mixed = vec![
        JobOutcome {
            job_id: a.id,
            result: JobResult::Completed {
                events: vec![completed_event(&a, at(t, 6))],
            },
        },
        completed(unclaimed.id),
    ];
    expect_lease_lost(
        store.finish_jobs(c.lease, mixed, at(t, 6)).await,
        "finish including a job not held",
    );
    assert_eq!(
        ok(
            store.list_events_of(w.provider, sub_a.id).await,
            "list_events_of"
        )
        .len(),
        events_before.len(),
        "a rejected finish_jobs appended its events"
    );
    assert_eq!(
        stored_job(store, &a).await.status,
        JobStatus::InProgress,
        "a rejected finish_jobs changed a job"
    );
    assert_eq!(
        stored_job(store, &unclaimed).await.status,
        JobStatus::Pending,
        "a rejected finish_jobs changed a job"
    );

    ok(
        store
            .finish_jobs(c.lease, vec![completed(a.id), completed(b.id)], at(t, 7))
            .await,
        "finish_jobs",
    );
    for j in [&a, &b] {
        let stored = stored_job(store, j).await;
        assert_eq!(
            (stored.status, stored.lease),
            (JobStatus::Completed, None),
            "finished job"
        );
    }
    expect_lease_lost(
        store
            .finish_jobs(c.lease, vec![completed(a.id)], at(t, 8))
            .await,
        "finishing twice",
    );
    expect_lease_lost(
        store.heartbeat(c.lease, at(t, 60)).await,
        "heartbeat of a finished lease",
    );

    let c = claim_ours(store, &request(at(t, 1001), 10), &[w.switch]).await;
    let c = c.unwrap_or_else(|| panic!("store conformance: due job not claimed"));
    finish(store, c.lease, &ids(&c.jobs), at(t, 1001)).await;
}

/// `Retry` puts the job back to `pending` at the given time with the error and without a
/// lease; it is not claimable before; `Failed` records the error and the events.
pub async fn retry_reschedules(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 1, 1).await;
    let t = queue_time();
    let (sub, j) = subscription_with_job(store, &w, w.ports[0], t, t).await;
    let c = claim_ours(store, &request(at(t, 1), 1), &[w.switch]).await;
    let c = c.unwrap_or_else(|| panic!("store conformance: due job not claimed"));
    let retry = JobResult::Retry {
        at: at(t, 600),
        error: "connect timeout".into(),
    };
    ok(
        store
            .finish_jobs(
                c.lease,
                vec![JobOutcome {
                    job_id: j.id,
                    result: retry,
                }],
                at(t, 2),
            )
            .await,
        "finish_jobs (retry)",
    );
    let stored = stored_job(store, &j).await;
    assert_eq!(
        stored.status,
        JobStatus::Pending,
        "a retried job is pending"
    );
    assert_eq!(
        stored.run_at,
        at(t, 600),
        "a retried job runs at the given time"
    );
    assert_eq!(
        stored.last_error.as_deref(),
        Some("connect timeout"),
        "a retried job keeps the error"
    );
    assert_eq!(
        (stored.lease, stored.lease_expires_at, stored.attempts),
        (None, None, 1),
        "a retried job"
    );

    assert!(
        claim_ours(store, &request(at(t, 300), 1), &[w.switch])
            .await
            .is_none(),
        "a job was claimed before its run_at"
    );
    let c = claim_ours(store, &request(at(t, 601), 1), &[w.switch]).await;
    let c =
        c.unwrap_or_else(|| panic!("store conformance: a retried job was not claimed once due"));
    assert_eq!(
        c.jobs[0].attempts, 2,
        "store conformance: Store::claim_jobs of a retried job counts it as the second attempt"
    );

    let failed_event = event(&sub, idle_time());
    let failed = JobResult::Failed {
        error: "permanent".into(),
        events: vec![failed_event.clone()],
    };
    ok(
        store
            .finish_jobs(
                c.lease,
                vec![JobOutcome {
                    job_id: j.id,
                    result: failed,
                }],
                at(t, 602),
            )
            .await,
        "finish_jobs (failed)",
    );
    let stored = stored_job(store, &j).await;
    assert_eq!(
        (stored.status, stored.last_error.as_deref()),
        (JobStatus::Failed, Some("permanent")),
        "failed job"
    );
    let events = ok(
        store.list_events_of(w.provider, sub.id).await,
        "list_events_of",
    );
    assert_eq!(
        events.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![failed_event.id],
        "the failure's event was not appended"
    );
}

/// Events get `sequence` 1, 2, 3... per subscription in commit order, also when appended by
/// `finish_jobs`; another subscription counts on its own.
pub async fn event_sequences_per_subscription(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 2, 1).await;
    let t = queue_time();
    let idle = idle_time();
    let (a, job_a) = subscription_with_job(store, &w, w.ports[0], t, t).await;
    let b = subscription(&w, Some(w.ports[1]), t);
    let writes = WriteSet {
        new_subscription: Some(b.clone()),
        events: vec![event(&a, idle), event(&b, idle), event(&a, at(idle, 1))],
        ..Default::default()
    };
    ok(store.commit(writes).await, "commit of events");
    ok(
        store
            .commit(WriteSet {
                events: vec![event(&a, at(idle, 2))],
                ..Default::default()
            })
            .await,
        "commit of an event",
    );
    let c = claim_ours(store, &request(at(t, 1), 1), &[w.switch]).await;
    let c = c.unwrap_or_else(|| panic!("store conformance: due job not claimed"));
    let done = JobResult::Completed {
        events: vec![completed_event(&job_a, at(idle, 3))],
    };
    ok(
        store
            .finish_jobs(
                c.lease,
                vec![JobOutcome {
                    job_id: job_a.id,
                    result: done,
                }],
                at(t, 2),
            )
            .await,
        "finish_jobs",
    );

    let seqs =
        |events: Vec<crate::model::Event>| events.iter().map(|e| e.sequence).collect::<Vec<_>>();
    let of_a = ok(
        store.list_events_of(w.provider, a.id).await,
        "list_events_of",
    );
    assert_eq!(
        seqs(of_a.clone()),
        vec![1, 2, 3, 4],
        "sequences of subscription A"
    );
    assert_eq!(
        of_a.last().map(|e| e.data.name()),
        Some("provisioning.completed"),
        "finish_jobs appends its events last"
    );
    assert_eq!(
        seqs(ok(
            store.list_events_of(w.provider, b.id).await,
            "list_events_of"
        )),
        vec![1],
        "B counts on its own"
    );
}

/// Many workers claiming at once never get the same job: each due job is claimed once.
pub async fn concurrent_claims_never_share_a_job(store: Arc<dyn Store>) {
    let _lock = queue_lock().await;
    let t = queue_time();
    let w = world(&*store, 0, 1).await;
    let mut switches = Vec::new();
    let mut expected = HashSet::new();
    for i in 0..10 {
        let (switch, ports) = new_switch(&*store, 2, 1).await;
        let ws = World {
            switch,
            ports: ports.clone(),
            ..w.clone()
        };
        for (k, port) in ports.iter().enumerate() {
            expected.insert(
                subscription_with_job(&*store, &ws, *port, at(t, i * 2 + k as i64), t)
                    .await
                    .1
                    .id,
            );
        }
        switches.push(switch);
    }
    let now = at(t, 100);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let store = store.clone();
        let switches = switches.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(c) = claim_ours(&*store, &request(now, 10), &switches).await {
                mine.extend(ids(&c.jobs));
                finish(&*store, c.lease, &ids(&c.jobs), now).await;
            }
            mine
        }));
    }
    let claimed: Vec<JobId> = join_all(tasks).await.into_iter().flatten().collect();
    let unique: HashSet<JobId> = claimed.iter().copied().collect();
    assert_eq!(
        unique.len(),
        claimed.len(),
        "store conformance: a job was claimed by two workers"
    );
    assert_eq!(
        unique, expected,
        "store conformance: every due job must be claimed exactly once"
    );
}

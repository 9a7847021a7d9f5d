//! The job queue: claims, per-port order, session limits; helpers for the lease tests.
//!
//! Every test here holds the suite's queue lock and runs its clock in the 2030s; see the
//! module docs of [`super`].

use chrono::{DateTime, Duration, Utc};

use super::fixtures::{
    World, at, job, new_switch, ok, queue_time, subscription, subscription_with_job, world,
};
use super::queue_lock;
use crate::model::{Job, JobStatus, PortRef};
use crate::ports::{ClaimRequest, ClaimedJobs, JobOutcome, JobResult, Store, WriteSet};
use crate::types::{JobId, LeaseToken, SwitchId};

/// A claim request for up to `max_jobs` jobs with a 30 s lease.
pub(super) fn request(now: DateTime<Utc>, max_jobs: u32) -> ClaimRequest {
    ClaimRequest {
        worker: "store-conformance".into(),
        now,
        lease: Duration::seconds(30),
        max_jobs,
    }
}

/// Claims until a claim for one of `ours` comes back (`None` when the store has nothing
/// claimable for them). Claims of other switches (left over by aborted runs) are retired.
pub(super) async fn claim_ours(
    store: &dyn Store,
    req: &ClaimRequest,
    ours: &[SwitchId],
) -> Option<ClaimedJobs> {
    for _ in 0..10_000 {
        let claimed = ok(store.claim_jobs(req).await, "claim_jobs")?;
        if ours.contains(&claimed.switch_id) {
            return Some(claimed);
        }
        retire(store, &claimed, req.now).await;
    }
    panic!("store conformance: claim_jobs keeps returning jobs of other switches");
}

async fn retire(store: &dyn Store, claimed: &ClaimedJobs, now: DateTime<Utc>) {
    let error = "retired by the store conformance suite".to_owned();
    let outcomes = claimed
        .jobs
        .iter()
        .map(|j| JobOutcome {
            job_id: j.id,
            result: JobResult::Failed {
                error: error.clone(),
                events: vec![],
            },
        })
        .collect();
    ok(
        store.finish_jobs(claimed.lease, outcomes, now).await,
        "finish_jobs of a foreign claim",
    );
}

pub(super) fn ids(jobs: &[Job]) -> Vec<JobId> {
    jobs.iter().map(|j| j.id).collect()
}

pub(super) async fn finish(
    store: &dyn Store,
    lease: LeaseToken,
    jobs: &[JobId],
    now: DateTime<Utc>,
) {
    let outcomes = jobs
        .iter()
        .map(|id| JobOutcome {
            job_id: *id,
            result: JobResult::Completed { events: vec![] },
        })
        .collect();
    ok(store.finish_jobs(lease, outcomes, now).await, "finish_jobs");
}

pub(super) async fn stored_job(store: &dyn Store, job: &Job) -> Job {
    match ok(store.get_job(job.provider_id, job.id).await, "get_job") {
        Some(j) => j,
        None => panic!("store conformance: job {} disappeared", job.id),
    }
}

/// Queues an extra job on `port` for an existing subscription.
pub(super) async fn add_job(
    store: &dyn Store,
    sub: &crate::model::Subscription,
    port: PortRef,
    created: DateTime<Utc>,
    run_at: DateTime<Utc>,
) -> Job {
    let j = job(sub, port, created, run_at);
    ok(
        store
            .commit(WriteSet {
                jobs: vec![j.clone()],
                ..Default::default()
            })
            .await,
        "commit of a job",
    );
    j
}

/// Only the oldest unfinished job of a port is claimable, and only when pending and due: a
/// second job on the port waits while the first is in progress and while it waits for a
/// retry; it becomes claimable once the first is finished.
pub async fn claim_respects_port_order(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 2, 1).await;
    let t = queue_time();
    let (sub, first) = subscription_with_job(store, &w, w.ports[0], t, t).await;
    let second = add_job(store, &sub, w.ports[0], at(t, 1), t).await;
    let (_, other) = subscription_with_job(store, &w, w.ports[1], at(t, 2), t).await;

    let now = at(t, 10);
    let claimed = claim_ours(store, &request(now, 10), &[w.switch]).await;
    let claimed = claimed.unwrap_or_else(|| {
        panic!("store conformance: nothing claimable although two ports have due jobs")
    });
    assert_eq!(
        ids(&claimed.jobs),
        vec![first.id, other.id],
        "claim must take the head of each port, oldest first"
    );

    // The first job is finished as "retry later": it still heads its port.
    let retry = JobResult::Retry {
        at: at(t, 100),
        error: "timeout".into(),
    };
    let outcomes = vec![JobOutcome {
        job_id: first.id,
        result: retry,
    }];
    ok(
        store.finish_jobs(claimed.lease, outcomes, now).await,
        "finish_jobs (retry)",
    );
    finish(store, claimed.lease, &[other.id], now).await;
    let blocked = claim_ours(store, &request(at(t, 20), 10), &[w.switch]).await;
    assert!(
        blocked.is_none(),
        "store conformance: a job was claimed ahead of an older unfinished job of its port: {blocked:?}"
    );

    let claimed = claim_ours(store, &request(at(t, 101), 10), &[w.switch]).await;
    let claimed = claimed
        .unwrap_or_else(|| panic!("store conformance: the retried job is due but was not claimed"));
    assert_eq!(
        ids(&claimed.jobs),
        vec![first.id],
        "only the head of the port may be claimed"
    );
    assert!(
        claim_ours(store, &request(at(t, 101), 10), &[w.switch])
            .await
            .is_none(),
        "second job claimed while the first runs"
    );
    finish(store, claimed.lease, &[first.id], at(t, 102)).await;

    let claimed = claim_ours(store, &request(at(t, 103), 10), &[w.switch]).await;
    let claimed = claimed
        .unwrap_or_else(|| panic!("store conformance: the next job of the port was not claimable"));
    assert_eq!(
        ids(&claimed.jobs),
        vec![second.id],
        "store conformance: Store::claim_jobs hands out the port's next job once the first finished"
    );
    finish(store, claimed.lease, &[second.id], at(t, 104)).await;
}

/// A switch never has more live leases than `max_sessions`; a switch missing from the
/// inventory allows one.
pub async fn claim_respects_switch_session_limit(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 3, 2).await;
    let t = queue_time();
    let mut jobs = Vec::new();
    for (i, port) in w.ports.iter().enumerate() {
        jobs.push(
            subscription_with_job(store, &w, *port, at(t, i as i64), t)
                .await
                .1,
        );
    }
    let now = at(t, 10);
    let mut leases = Vec::new();
    for expected in &jobs[..2] {
        let c = claim_ours(store, &request(now, 1), &[w.switch]).await;
        let c = c.unwrap_or_else(|| {
            panic!(
                "store conformance: session {} of 2 could not be claimed",
                leases.len() + 1
            )
        });
        assert_eq!(
            ids(&c.jobs),
            vec![expected.id],
            "claims with max_jobs 1 take the oldest due job"
        );
        leases.push(c);
    }
    let third = claim_ours(store, &request(now, 1), &[w.switch]).await;
    assert!(
        third.is_none(),
        "store conformance: a third lease on a switch with max_sessions 2: {third:?}"
    );
    finish(store, leases[0].lease, &ids(&leases[0].jobs), now).await;
    let c = claim_ours(store, &request(now, 1), &[w.switch]).await;
    let c = c.unwrap_or_else(|| panic!("store conformance: a freed session was not reused"));
    assert_eq!(
        ids(&c.jobs),
        vec![jobs[2].id],
        "store conformance: Store::claim_jobs reuses a freed switch session for the next job"
    );
    finish(store, c.lease, &ids(&c.jobs), now).await;
    finish(store, leases[1].lease, &ids(&leases[1].jobs), now).await;

    // Jobs on a switch that is not in the inventory: one session at a time.
    let ghost = crate::testkit::store_suite::fixtures::switch(5).id;
    let sub = subscription(&w, None, t);
    super::fixtures::insert_subscription(store, &sub).await;
    let ghost_jobs = [
        add_job(
            store,
            &sub,
            PortRef {
                switch_id: ghost,
                port_number: 1,
            },
            t,
            t,
        )
        .await,
        add_job(
            store,
            &sub,
            PortRef {
                switch_id: ghost,
                port_number: 2,
            },
            at(t, 1),
            t,
        )
        .await,
    ];
    let c = claim_ours(store, &request(now, 1), &[ghost]).await;
    let c = c.unwrap_or_else(|| {
        panic!("store conformance: a job of a switch missing from the inventory was not claimable")
    });
    assert!(
        claim_ours(store, &request(now, 1), &[ghost])
            .await
            .is_none(),
        "a missing switch must allow one session"
    );
    finish(store, c.lease, &ids(&c.jobs), now).await;
    let c = claim_ours(store, &request(now, 1), &[ghost]).await;
    let c = c.unwrap_or_else(|| {
        panic!("store conformance: the second job of the missing switch was not claimable")
    });
    assert_eq!(
        ids(&c.jobs),
        vec![ghost_jobs[1].id],
        "store conformance: Store::claim_jobs hands out the next job of a switch missing from the inventory once its one session is free"
    );
    finish(store, c.lease, &ids(&c.jobs), now).await;
}

/// One claim takes due jobs of one switch only (the switch with the oldest due job), at
/// most `max_jobs`, oldest first, each `in_progress` with `attempts` incremented and the lease
/// set; jobs not yet due stay out.
pub async fn claim_batches_one_switch(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 4, 1).await;
    let (second_switch, second_ports) = new_switch(store, 2, 1).await;
    let w2 = World {
        switch: second_switch,
        ports: second_ports,
        ..w.clone()
    };
    let t = queue_time();
    let mut first = Vec::new();
    for (i, port) in w.ports[..3].iter().enumerate() {
        first.push(
            subscription_with_job(store, &w, *port, at(t, 10 + i as i64), t)
                .await
                .1,
        );
    }
    let (_, later) = subscription_with_job(store, &w, w.ports[3], at(t, 5), at(t, 1000)).await;
    let mut second = Vec::new();
    for (i, port) in w2.ports.iter().enumerate() {
        second.push(
            subscription_with_job(store, &w2, *port, at(t, 20 + i as i64), t)
                .await
                .1,
        );
    }
    let ours = [w.switch, w2.switch];
    let now = at(t, 30);
    let c = claim_ours(store, &request(now, 2), &ours).await;
    let c = c.unwrap_or_else(|| panic!("store conformance: nothing claimed although jobs are due"));
    assert_eq!(
        c.switch_id, w.switch,
        "claim must pick the switch with the oldest due job"
    );
    assert_eq!(
        ids(&c.jobs),
        vec![first[0].id, first[1].id],
        "claim must take the oldest due jobs, at most max_jobs"
    );
    assert_eq!(
        c.expires_at,
        now + Duration::seconds(30),
        "expires_at must be now + lease"
    );
    for j in &c.jobs {
        assert_eq!(
            j.status,
            JobStatus::InProgress,
            "claimed jobs are in progress"
        );
        assert_eq!(j.attempts, 1, "a claim increments attempts");
        assert_eq!(j.lease, Some(c.lease), "claimed jobs carry the lease");
        assert_eq!(
            j.lease_expires_at,
            Some(c.expires_at),
            "claimed jobs carry the lease expiry"
        );
        assert_eq!(
            stored_job(store, j).await.status,
            JobStatus::InProgress,
            "the claim must be stored"
        );
    }
    assert_eq!(
        stored_job(store, &later).await.status,
        JobStatus::Pending,
        "a job not due was claimed"
    );
    finish(store, c.lease, &ids(&c.jobs), now).await;

    let c = claim_ours(store, &request(now, 10), &ours).await;
    let c = c.unwrap_or_else(|| panic!("store conformance: remaining due jobs were not claimed"));
    assert_eq!(
        (c.switch_id, ids(&c.jobs)),
        (w.switch, vec![first[2].id]),
        "the rest of the first switch comes next"
    );
    // The first switch is at its limit (1 session): the next claim goes to the second switch.
    let c2 = claim_ours(store, &request(now, 10), &ours).await;
    let c2 = c2
        .unwrap_or_else(|| panic!("store conformance: the second switch's jobs were not claimed"));
    assert_eq!(
        (c2.switch_id, ids(&c2.jobs)),
        (w2.switch, ids(&second)),
        "one claim = one switch"
    );
    finish(store, c.lease, &ids(&c.jobs), now).await;
    finish(store, c2.lease, &ids(&c2.jobs), now).await;
    let c = claim_ours(store, &request(at(t, 1001), 10), &ours).await;
    let c = c.unwrap_or_else(|| panic!("store conformance: a job that became due was not claimed"));
    assert_eq!(
        ids(&c.jobs),
        vec![later.id],
        "store conformance: Store::claim_jobs claims a job once it became due"
    );
    finish(store, c.lease, &ids(&c.jobs), at(t, 1001)).await;
}

/// [`Store::queued_jobs_by_switch`]: a switch's open jobs (pending and leased) with the oldest
/// one's creation time; finished jobs drop out, and a switch without open jobs is absent.
pub async fn queued_jobs_per_switch(store: &dyn Store) {
    let _lock = queue_lock().await;
    let w = world(store, 3, 1).await;
    let (idle_switch, _) = new_switch(store, 1, 1).await;
    let t = queue_time();
    let mut jobs = Vec::new();
    for (i, port) in w.ports.iter().enumerate() {
        jobs.push(
            subscription_with_job(store, &w, *port, at(t, 10 + i as i64), t)
                .await
                .1,
        );
    }
    let ours = |store_queues: Vec<crate::ports::SwitchQueue>| {
        assert!(
            !store_queues.iter().any(|q| q.switch_id == idle_switch),
            "a switch without open jobs must not be listed"
        );
        store_queues.into_iter().find(|q| q.switch_id == w.switch)
    };
    let queue = ours(ok(
        store.queued_jobs_by_switch().await,
        "queued_jobs_by_switch",
    ));
    let queue = queue
        .unwrap_or_else(|| panic!("store conformance: a switch with 3 pending jobs is not listed"));
    assert_eq!(queue.jobs, 3, "three pending jobs are queued on the switch");
    assert_eq!(
        queue.oldest_created_at,
        at(t, 10),
        "the oldest open job was created at t+10"
    );

    let now = at(t, 30);
    let claim = claim_ours(store, &request(now, 2), &[w.switch]).await;
    let claim =
        claim.unwrap_or_else(|| panic!("store conformance: nothing claimed although jobs are due"));
    let queue = ours(ok(
        store.queued_jobs_by_switch().await,
        "queued_jobs_by_switch",
    ));
    assert_eq!(
        queue.map(|q| q.jobs),
        Some(3),
        "leased jobs are still open and count in the queue"
    );
    finish(store, claim.lease, &ids(&claim.jobs), now).await;
    let queue = ours(ok(
        store.queued_jobs_by_switch().await,
        "queued_jobs_by_switch",
    ));
    let queue = queue
        .unwrap_or_else(|| panic!("store conformance: the switch's last open job is not listed"));
    assert_eq!(queue.jobs, 1, "completed jobs leave the queue");
    assert_eq!(
        queue.oldest_created_at,
        at(t, 12),
        "the oldest open job is now the t+12 one"
    );

    let claim = claim_ours(store, &request(now, 2), &[w.switch]).await;
    let claim = claim.unwrap_or_else(|| panic!("store conformance: the last job is not claimable"));
    finish(store, claim.lease, &ids(&claim.jobs), now).await;
    assert!(
        ours(ok(
            store.queued_jobs_by_switch().await,
            "queued_jobs_by_switch"
        ))
        .is_none(),
        "a switch whose jobs all finished is not listed"
    );
}

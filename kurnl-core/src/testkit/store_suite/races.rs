//! Races: many tasks committing or updating the same thing at once.

use std::sync::Arc;

use super::fixtures::{
    event, expect_conflict, idle_time, insert_subscription, job, ok, subscription, with_status,
    world,
};
use super::subscribers::join_all;
use crate::ports::{ConflictKind, Store, WriteSet};
use crate::types::SubscriptionStatus;

/// 50 tasks commit the same request (same idempotency key and port, own ids, a job and an
/// event each): exactly one wins, the rest get `Conflict(IdempotencyKey)`, and exactly one
/// subscription, job and event set exists.
pub async fn concurrent_commits_one_winner(store: Arc<dyn Store>) {
    let w = world(&*store, 1, 1).await;
    let t = idle_time();
    let template = subscription(&w, Some(w.ports[0]), t);
    let mut tasks = Vec::new();
    let mut attempts = Vec::new();
    for _ in 0..50 {
        let mut sub = template.clone();
        sub.id = crate::types::SubscriptionId::new_random();
        let j = job(&sub, w.ports[0], t, t);
        sub.initial_job_id = Some(j.id);
        let writes = WriteSet {
            new_subscription: Some(sub.clone()),
            jobs: vec![j.clone()],
            events: vec![event(&sub, t)],
            ..Default::default()
        };
        attempts.push((sub, j));
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.commit(writes).await }));
    }
    let results = join_all(tasks).await;
    let winners: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_ok())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "store conformance: exactly one of 50 racing commits must win, {} did",
        winners.len()
    );
    for r in results.into_iter().filter(|r| r.is_err()) {
        expect_conflict(r, ConflictKind::IdempotencyKey, "losing racer");
    }
    let (winner, winner_job) = &attempts[winners[0]];
    let key = template.idempotency_key.clone().unwrap_or_default();
    let found = ok(
        store
            .find_live_subscription_by_key(w.provider, false, &key)
            .await,
        "find_live_subscription_by_key",
    );
    assert_eq!(
        found.map(|s| s.id),
        Some(winner.id),
        "the live subscription must be the winner's"
    );
    let jobs = ok(
        store.list_jobs_of(w.provider, winner.id).await,
        "list_jobs_of",
    );
    assert_eq!(
        jobs.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![winner_job.id],
        "the winner has exactly its job"
    );
    let events = ok(
        store.list_events_of(w.provider, winner.id).await,
        "list_events_of",
    );
    assert_eq!(
        events.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        vec![1],
        "the winner has exactly its event"
    );
    for (sub, j) in attempts.iter().filter(|(s, _)| s.id != winner.id) {
        assert_eq!(
            ok(
                store.get_subscription(w.provider, sub.id).await,
                "get_subscription"
            ),
            None,
            "a loser's row exists"
        );
        assert_eq!(
            ok(store.get_job(w.provider, j.id).await, "get_job"),
            None,
            "a loser's job exists"
        );
        assert!(
            ok(
                store.list_events_of(w.provider, sub.id).await,
                "list_events_of"
            )
            .is_empty(),
            "a loser's event exists"
        );
    }
}

/// 20 tasks update one subscription from the same revision: exactly one wins, the rest get
/// `Conflict(Revision)`.
pub async fn concurrent_updates_one_winner(store: Arc<dyn Store>) {
    let w = world(&*store, 1, 1).await;
    let sub = subscription(&w, Some(w.ports[0]), idle_time());
    insert_subscription(&*store, &sub).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let mut update = with_status(&sub, SubscriptionStatus::Suspended);
        update.after.external_subscription_id =
            crate::types::ExternalSubscriptionId::parse(&format!("racer-{i}")).ok();
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .commit(WriteSet {
                    subscription_update: Some(update),
                    ..Default::default()
                })
                .await
        }));
    }
    let results = join_all(tasks).await;
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        wins, 1,
        "store conformance: exactly one of 20 racing updates must win, {wins} did"
    );
    for r in results.into_iter().filter(|r| r.is_err()) {
        expect_conflict(r, ConflictKind::Revision, "losing racer");
    }
    let stored = ok(
        store.get_subscription(w.provider, sub.id).await,
        "get_subscription",
    );
    assert_eq!(
        stored.map(|s| s.revision),
        Some(2),
        "exactly one update applies"
    );
}

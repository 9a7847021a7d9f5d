//! SQLite-specific checks: query plans, durability settings, reopening, conflict order.

use super::*;
use crate::explain::{Explaining, exercise, populate};
use kurnl_core::ports::{ConflictKind, Store};
use kurnl_core::testkit::store_suite::fixtures;

#[tokio::test]
async fn every_query_is_served_by_an_index() {
    let store = SqliteStore::in_memory().await.expect("open");
    let sample = populate(&store).await;
    let mut conn = store.writer.acquire().await.expect("connection");
    let mut explaining = Explaining {
        conn: &mut *conn,
        plans: Vec::new(),
    };
    exercise(&mut explaining, &sample).await;
    assert!(
        explaining.plans.len() > 40,
        "too few statements planned: {}",
        explaining.plans.len()
    );
    let scans = explaining.full_scans();
    assert!(scans.is_empty(), "full table scans:\n{}", scans.join("\n"));
}

/// A lease transaction commits without an fsync, and the next durable write is durable again
/// on the same (single) writer connection, whichever path it takes.
#[tokio::test]
async fn lease_writes_do_not_leave_the_writer_non_durable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("lease.db"))
        .await
        .expect("open");
    async fn level(tx: &mut sqlx::SqliteConnection) -> i64 {
        let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
            .fetch_one(tx)
            .await
            .expect("pragma");
        sync
    }
    let mut tx = store.begin_lease_write().await.expect("lease tx");
    assert_eq!(level(&mut tx).await, 1, "NORMAL inside a lease transaction");
    tx.commit().await.expect("commit");
    let mut tx = store.begin_write().await.expect("write tx");
    assert_eq!(level(&mut tx).await, 2, "FULL inside a durable transaction");
    tx.commit().await.expect("commit");
    let tx = store.begin_lease_write().await.expect("lease tx");
    tx.commit().await.expect("commit");
    // The group commit opens its transaction with the durable statement too.
    let mut conn = store.writer.acquire().await.expect("connection");
    let mut tx = sqlx::Connection::begin_with(&mut *conn, store.begin_durable)
        .await
        .expect("group tx");
    assert_eq!(level(&mut tx).await, 2);
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn durability_and_wal_are_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (durability, expected) in [(Durability::Full, 2_i64), (Durability::Normal, 1)] {
        let options = SqliteOptions {
            durability,
            ..SqliteOptions::default()
        };
        let store = SqliteStore::open_with(dir.path().join(format!("{durability:?}.db")), options)
            .await
            .expect("open");
        let mut conn = store.writer.acquire().await.expect("connection");
        let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .expect("pragma");
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .expect("pragma");
        let (busy,): (i64,) = sqlx::query_as("PRAGMA busy_timeout")
            .fetch_one(&mut *conn)
            .await
            .expect("pragma");
        assert_eq!(
            (sync, mode.as_str(), busy),
            (expected, "wal", 5000),
            "{durability:?}"
        );
    }
}

#[tokio::test]
async fn data_survives_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kurnl.db");
    let store = SqliteStore::open(&path).await.expect("open");
    let world = fixtures::world(&store, 2, 3).await;
    store.close().await;
    let again = SqliteStore::open(&path).await.expect("reopen");
    let switch = again
        .get_switch(world.switch)
        .await
        .expect("read")
        .expect("switch kept");
    assert_eq!(switch.max_sessions, 3);
    assert_eq!(again.path(), Some(path.as_path()));
}

/// The drift audit's schedule, last audit and findings are on disk: a reopened store lists
/// them as recorded, and the schedule still decides claims.
#[tokio::test]
async fn drift_audits_survive_reopening() {
    use kurnl_core::model::{
        AuditOutcome, DriftAction, DriftField, DriftFinding, DriftPolicy, FindingToRecord,
        PortConfig, SwitchAudit,
    };
    use kurnl_core::ports::{AuditRecord, DriftQuery};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kurnl.db");
    let store = SqliteStore::open(&path).await.expect("open");
    let world = fixtures::world(&store, 1, 1).await;
    let t = fixtures::idle_time();
    let hold = fixtures::at(t, 600);
    assert!(
        store
            .claim_switch_audit(world.switch, t, t, hold)
            .await
            .expect("claim"),
        "a due switch is claimed"
    );
    let desired = PortConfig::captive(fixtures::vlan(100));
    let actual = PortConfig {
        vlan: fixtures::vlan(200),
        ..desired.clone()
    };
    let finding = DriftFinding {
        id: kurnl_core::types::DriftId::new_time_ordered(),
        port: world.ports[0],
        interface: fixtures::interface(1),
        subscription_id: None,
        provider_id: None,
        desired,
        actual: Some(actual),
        fields: vec![DriftField::Vlan],
        action: DriftAction::Reported,
        repair_job_id: None,
        detected_at: fixtures::at(t, 5),
    };
    let next_due = fixtures::at(t, 3_600);
    let record = AuditRecord {
        audit: SwitchAudit {
            switch_id: world.switch,
            started_at: t,
            finished_at: fixtures::at(t, 10),
            policy: DriftPolicy::Report,
            outcome: AuditOutcome::Completed {
                ports_checked: 1,
                drifted: 1,
                unreadable: 0,
            },
        },
        next_due_at: next_due,
        findings: vec![FindingToRecord {
            finding: finding.clone(),
            repair: None,
        }],
        events: Vec::new(),
    };
    store.finish_switch_audit(record).await.expect("finish");
    let audits = store.list_switch_audits().await.expect("audits");
    let query = DriftQuery {
        switch_id: Some(world.switch),
        ..DriftQuery::default()
    };
    store.close().await;

    let again = SqliteStore::open(&path).await.expect("reopen");
    assert_eq!(
        again.list_switch_audits().await.expect("audits"),
        audits,
        "the schedule and last audit survive reopening"
    );
    assert_eq!(
        again.list_drift_findings(&query).await.expect("findings"),
        vec![finding],
        "the findings survive reopening"
    );
    let before = fixtures::at(next_due, -1);
    assert!(
        !again
            .claim_switch_audit(world.switch, before, before, hold)
            .await
            .expect("claim"),
        "the reopened schedule still holds the switch until its next due time"
    );
    assert!(
        again
            .claim_switch_audit(world.switch, next_due, next_due, hold)
            .await
            .expect("claim"),
        "and lets it be claimed then"
    );
}

#[tokio::test]
async fn several_broken_rules_report_the_reference_order() {
    let store = SqliteStore::in_memory().await.expect("open");
    let world = fixtures::world(&store, 2, 1).await;
    let t = fixtures::idle_time();
    let first = fixtures::subscription(&world, Some(world.ports[0]), t);
    let mut writes = WriteSet {
        new_subscription: Some(first.clone()),
        ..WriteSet::default()
    };
    store.commit(writes.clone()).await.expect("first");
    // Same id, key and port: the duplicate id wins.
    let dup = store.commit(writes.clone()).await;
    assert!(
        matches!(dup, Err(StoreError::Conflict(ConflictKind::DuplicateId))),
        "{dup:?}"
    );
    // Same key and port, new id: the idempotency key wins.
    let mut second = first.clone();
    second.id = kurnl_core::types::SubscriptionId::new_random();
    writes.new_subscription = Some(second.clone());
    let key = store.commit(writes.clone()).await;
    assert!(
        matches!(key, Err(StoreError::Conflict(ConflictKind::IdempotencyKey))),
        "{key:?}"
    );
    // Same port only.
    second.idempotency_key = Some("other".into());
    writes.new_subscription = Some(second);
    let port = store.commit(writes).await;
    assert!(
        matches!(port, Err(StoreError::Conflict(ConflictKind::PortTaken))),
        "{port:?}"
    );
}

#[tokio::test]
async fn timestamps_round_trip_exactly_and_out_of_range_is_an_error() {
    use chrono::{TimeZone, Utc};
    let t = Utc
        .with_ymd_and_hms(2026, 5, 4, 3, 2, 1)
        .single()
        .expect("time")
        + chrono::Duration::nanoseconds(123_456_789);
    let stamp = crate::conn::stamp(t).expect("stamp");
    assert_eq!(stamp, "2026-05-04T03:02:01.123456789Z");
    assert_eq!(crate::conn::time(&stamp).expect("parse"), t);
    let far = Utc
        .with_ymd_and_hms(10_000, 1, 1, 0, 0, 0)
        .single()
        .expect("time");
    assert!(crate::conn::stamp(far).is_err());
}

#[tokio::test]
async fn events_of_one_subscription_in_one_call_get_consecutive_sequences() {
    let store = SqliteStore::in_memory().await.expect("open");
    let world = fixtures::world(&store, 2, 1).await;
    let t = fixtures::queue_time();
    let sub = fixtures::subscription(&world, None, t);
    for round in 0..3 {
        let events = (0..5).map(|_| fixtures::event(&sub, t)).collect();
        let r = store
            .commit(WriteSet {
                events,
                ..WriteSet::default()
            })
            .await;
        assert!(r.is_ok(), "round {round}: {r:?}");
    }
    let seqs: Vec<i64> = store
        .list_events_of(world.provider, sub.id)
        .await
        .expect("list")
        .iter()
        .map(|e| e.sequence)
        .collect();
    assert_eq!(seqs, (1..=15).collect::<Vec<_>>());
}

#[tokio::test]
async fn finishing_many_jobs_of_one_subscription_appends_their_events_in_sequence() {
    use kurnl_core::model::{EventData, NewEvent};
    use kurnl_core::ports::{ClaimRequest, JobOutcome, JobResult};
    let store = SqliteStore::in_memory().await.expect("open");
    let world = fixtures::world(&store, 48, 1).await;
    let t = fixtures::queue_time();
    let sub = fixtures::subscription(&world, None, t);
    let jobs: Vec<_> = (0..96)
        .map(|i| fixtures::job(&sub, world.ports[i % 48], t, t))
        .collect();
    store
        .commit(WriteSet {
            jobs,
            ..WriteSet::default()
        })
        .await
        .expect("enqueue");
    let request = ClaimRequest {
        worker: "w".into(),
        now: t,
        lease: chrono::Duration::seconds(30),
        max_jobs: 16,
    };
    let mut done = 0;
    while let Some(claimed) = store.claim_jobs(&request).await.expect("claim") {
        let outcomes = claimed
            .jobs
            .iter()
            .map(|j| JobOutcome {
                job_id: j.id,
                result: JobResult::Completed {
                    events: vec![NewEvent {
                        id: kurnl_core::types::EventId::new_random(),
                        provider_id: j.provider_id,
                        sandbox: false,
                        data: EventData::ProvisioningCompleted {
                            job_id: j.id,
                            subscription_id: j.subscription_id,
                        },
                        created_at: t,
                    }],
                },
            })
            .collect::<Vec<_>>();
        done += outcomes.len();
        let r = store.finish_jobs(claimed.lease, outcomes, t).await;
        assert!(r.is_ok(), "after {done}: {r:?}");
    }
    assert_eq!(done, 96);
}

/// Readiness reads the database: ready at this build's migration, not ready once the
/// schema's newest migration is missing (a database an older kurnl left behind).
#[tokio::test]
async fn readiness_checks_the_applied_migrations() {
    let store = SqliteStore::in_memory().await.expect("open");
    let newest = SqliteStore::expected_schema_version();
    let forget_newest = async {
        sqlx::query("DELETE FROM _sqlx_migrations WHERE version = ?")
            .bind(newest)
            .execute(&store.writer)
            .await
            .expect("delete the newest migration's row");
    };
    crate::readiness_check::assert_readiness_follows_migrations(&store, newest, forget_newest)
        .await;
}

//! PostgreSQL-specific checks (need `KURNL_TEST_POSTGRES_URL`; skipped without it unless
//! `KURNL_TEST_REQUIRE` contains `postgres`).

use super::*;
use crate::explain::{Explaining, exercise, populate};

fn url() -> Option<String> {
    match std::env::var("KURNL_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let required = std::env::var("KURNL_TEST_REQUIRE").unwrap_or_default();
            assert!(
                !required.contains("postgres"),
                "KURNL_TEST_REQUIRE=postgres but KURNL_TEST_POSTGRES_URL is unset"
            );
            eprintln!("skipping postgres test: KURNL_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

fn schema() -> String {
    format!(
        "kurnl_unit_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// A store in a schema of its own, or `None` when the test is skipped (see [`url`]).
async fn fresh_store() -> Option<PgStore> {
    let url = url()?;
    Some(
        PgStore::connect_with_schema(&url, &schema())
            .await
            .expect("connect"),
    )
}

#[tokio::test]
async fn every_query_can_be_served_by_an_index() {
    let Some(store) = fresh_store().await else {
        return;
    };
    let sample = populate(&store).await;
    let mut conn = store.pool.acquire().await.expect("connection");
    // Tiny tables make sequential scans cheapest; forbidding them shows whether an index
    // could serve each query (a sequential scan then remains only where none can).
    conn.execute("SET enable_seqscan = off").await.expect("set");
    let mut explaining = Explaining {
        conn: &mut *conn,
        plans: Vec::new(),
    };
    exercise(&mut explaining, &sample).await;
    let planned = explaining.plans.len();
    let scans = explaining.full_scans();
    // The claim function's two statements were planned on their own.
    let claim_steps = ["pg_try_advisory_xact_lock", "WITH RECURSIVE heads"]
        .map(|step| explaining.plans.iter().any(|plan| plan.sql.contains(step)));
    drop(conn);
    store.drop_schema().await.expect("drop schema");
    assert!(planned > 40, "too few statements planned: {planned}");
    assert!(scans.is_empty(), "sequential scans:\n{}", scans.join("\n"));
    assert_eq!(
        claim_steps,
        [true, true],
        "the claim's statements were not planned"
    );
}

#[tokio::test]
async fn schema_names_are_validated() {
    for bad in ["", "Upper", "1abc", "semi;colon", "quote\"d"] {
        let err = PgStore::connect_with_schema("postgres://127.0.0.1:1/none", bad).await;
        assert!(matches!(err, Err(StoreError::Backend { .. })), "{bad:?}");
    }
    assert!(valid_schema("kurnl_t_1_abc"));
}

#[tokio::test]
async fn activity_shows_a_session_waiting_for_a_lock_and_one_idle_in_its_transaction() {
    let Some(store) = fresh_store().await else {
        return;
    };
    // A key no other test uses: the holder keeps it, idle inside its transaction.
    let key = i64::from_be_bytes(*b"kurnlact");
    let mut holder = store.pool.begin().await.expect("begin");
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(key)
        .execute(&mut *holder)
        .await
        .expect("lock");
    let pool = store.pool.clone();
    let waiter = tokio::spawn(async move {
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(key)
            .execute(&mut *tx)
            .await
            .expect("lock after the holder");
        tx.commit().await.expect("commit");
    });
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = store.activity().await.expect("activity");
        let waiting = seen
            .iter()
            .any(|s| s.state == "active" && s.wait == "Lock:advisory");
        let idle_in_tx = seen.iter().any(|s| s.state == "idle in transaction");
        if waiting && idle_in_tx {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    holder.rollback().await.expect("rollback");
    waiter.await.expect("waiter");
    store.drop_schema().await.expect("drop schema");
    assert!(
        seen.iter()
            .any(|s| s.state == "active" && s.wait == "Lock:advisory" && s.sessions >= 1),
        "no advisory lock wait in {seen:?}"
    );
    assert!(
        seen.iter().any(|s| s.state == "idle in transaction"),
        "no session idle in its transaction in {seen:?}"
    );
}

/// Readiness reads the database: ready at this build's migration, not ready once the
/// schema's newest migration is missing (a database an older kurnl left behind).
#[tokio::test]
async fn readiness_checks_the_applied_migrations() {
    let Some(store) = fresh_store().await else {
        return;
    };
    let newest = PgStore::expected_schema_version();
    let forget_newest = async {
        sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
            .bind(newest)
            .execute(&store.pool)
            .await
            .expect("delete the newest migration's row");
    };
    crate::readiness_check::assert_readiness_follows_migrations(&store, newest, forget_newest)
        .await;
}

/// Concurrent delivery records of one store share statements (`delivery_batch`): fifty
/// records made at once take a few statements, not fifty, and each lands.
#[tokio::test]
async fn concurrent_delivery_records_share_statements() {
    use kurnl_core::ports::Store as _;
    use kurnl_core::testkit::store_suite::fixtures::{
        at, event, insert_subscription, queue_time, subscription, world,
    };
    let Some(store) = fresh_store().await else {
        return;
    };
    let w = world(&store, 50, 1).await;
    let t = queue_time();
    let mut writes = WriteSet::default();
    for (i, port) in w.ports.iter().enumerate() {
        let sub = subscription(&w, Some(*port), t);
        insert_subscription(&store, &sub).await;
        writes.events.push(event(&sub, at(t, i as i64)));
    }
    store.commit(writes).await.expect("commit");
    let claim = kurnl_core::ports::EventClaim {
        now: at(t, 60),
        lease: chrono::Duration::seconds(30),
        limit: 100,
    };
    let claimed = store.claim_events(&claim).await.expect("claim");
    assert_eq!(claimed.len(), 50);
    let before = store.delivery_batch_stats();
    let records: Vec<_> = claimed
        .iter()
        .map(|e| kurnl_core::ports::DeliveryRecord {
            lease: e.lease.expect("leased"),
            attempt: DeliveryAttempt {
                event_id: e.id,
                attempt: 1,
                at: at(t, 61),
                status_code: Some(200),
                latency_ms: 3,
                error: None,
            },
            next: kurnl_core::ports::DeliveryNext::Delivered,
        })
        .collect();
    let results = futures::future::join_all(
        claimed
            .iter()
            .zip(&records)
            .map(|(e, r)| store.record_delivery(e.id, r)),
    )
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let after = store.delivery_batch_stats();
    let (statements, recorded) = (
        after.statements - before.statements,
        after.records - before.records,
    );
    store.drop_schema().await.expect("drop schema");
    assert_eq!(recorded, 50, "every record went through the batch");
    assert!(
        statements <= 5,
        "fifty concurrent records took {statements} statements"
    );
}

/// Processes that connect at once install the claim function one after the other (no
/// "tuple concurrently updated"), the later ones find it, and every store can claim.
#[tokio::test]
async fn concurrent_connects_install_one_claim_function() {
    let Some(url) = url() else {
        return;
    };
    let schema = schema();
    let connects = (0..4).map(|_| PgStore::connect_with_schema(&url, &schema));
    let stores: Vec<PgStore> = futures::future::join_all(connects)
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every concurrent connect succeeds");
    let name = &crate::ops::queue::PG_CLAIM_FUNCTION.name;
    let (functions,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = $1 AND p.proname LIKE 'kurnl_claim_jobs_%'",
    )
    .bind(&schema)
    .fetch_one(stores[0].pool())
    .await
    .expect("count functions");
    let claim = ClaimRequest {
        worker: "t".into(),
        now: chrono::Utc::now(),
        lease: chrono::Duration::seconds(30),
        max_jobs: 4,
    };
    for store in &stores {
        use kurnl_core::ports::Store as _;
        assert!(
            store.claim_jobs(&claim).await.expect("claim").is_none(),
            "an empty queue claims nothing"
        );
    }
    let mut stores = stores.into_iter();
    let first = stores.next().expect("a store");
    drop(stores);
    first.drop_schema().await.expect("drop schema");
    assert_eq!(functions, 1, "one claim function ({name}) in the schema");
}

//! The baselines: the same rows written and the same queue drained with plain sqlx
//! statements on the same schema, without the port's guarantees (no conflict mapping, no
//! per-subscription event sequence, no per-port order, no per-switch session limit).

use chrono::{DateTime, Utc};
use kurnl_core::ports::WriteSet;
use sqlx::Executor as _;
#[cfg(feature = "postgres")]
use uuid::Uuid;

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

macro_rules! insert_write_set {
    ($conn:expr, $w:expr) => {{
        let w: &WriteSet = $w;
        let s = w.new_subscriber.as_ref().expect("subscriber");
        let sub = w.new_subscription.as_ref().expect("subscription");
        let job = &w.jobs[0];
        let event = &w.events[0];
        sqlx::query(
            "INSERT INTO subscribers (id, provider_id, sandbox, email, firstname, lastname, address, customer_type, \
             search_text, revision, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(s.id.0)
        .bind(s.provider_id.0)
        .bind(s.sandbox)
        .bind(s.email.as_str())
        .bind(s.firstname.as_str())
        .bind(s.lastname.as_str())
        .bind(sqlx::types::Json(&s.address))
        .bind("RESIDENTIAL")
        .bind(s.email.as_str())
        .bind(s.revision)
        .bind(ts(s.created_at))
        .bind(ts(s.updated_at))
        .execute(&mut *$conn)
        .await
        .expect("insert subscriber");
        sqlx::query(
            "INSERT INTO subscriptions (id, provider_id, sandbox, subscriber_id, plan_version_id, status, \
             delivery_mode, idempotency_key, revision, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(sub.id.0)
        .bind(sub.provider_id.0)
        .bind(sub.sandbox)
        .bind(sub.subscriber_id.map(|i| i.0))
        .bind(sub.plan_version_id.0)
        .bind(sub.status.as_str())
        .bind(sub.delivery_mode.as_str())
        .bind(sub.idempotency_key.clone())
        .bind(sub.revision)
        .bind(ts(sub.created_at))
        .bind(ts(sub.updated_at))
        .execute(&mut *$conn)
        .await
        .expect("insert subscription");
        sqlx::query(
            "INSERT INTO jobs (id, provider_id, subscription_id, sandbox, action, switch_id, port_number, interface, \
             desired, status, attempts, run_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(job.id.0)
        .bind(job.provider_id.0)
        .bind(job.subscription_id.0)
        .bind(job.sandbox)
        .bind(job.action.as_str())
        .bind(job.port.switch_id.0)
        .bind(i64::from(job.port.port_number))
        .bind(job.interface.as_str())
        .bind(sqlx::types::Json(&job.desired))
        .bind(job.status.as_str())
        .bind(0_i64)
        .bind(ts(job.run_at))
        .bind(ts(job.created_at))
        .bind(ts(job.updated_at))
        .execute(&mut *$conn)
        .await
        .expect("insert job");
        sqlx::query(
            "INSERT INTO events (id, provider_id, sandbox, subscription_id, data, sequence, created_at, status, \
             attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, 1, $6, 'pending', 0, $7)",
        )
        .bind(event.id.0)
        .bind(event.provider_id.0)
        .bind(event.sandbox)
        .bind(sub.id.0)
        .bind(sqlx::types::Json(&event.data))
        .bind(ts(event.created_at))
        .bind(ts(event.created_at))
        .execute(&mut *$conn)
        .await
        .expect("insert event");
    }};
}

#[allow(dead_code)]
/// SQLite: one `BEGIN IMMEDIATE` transaction per write set, on a single writer connection.
pub async fn sqlite_write(pool: &sqlx::SqlitePool, writes: &[WriteSet]) {
    let mut conn = pool.acquire().await.expect("acquire");
    conn.execute("BEGIN IMMEDIATE").await.expect("begin");
    for w in writes {
        insert_write_set!(conn, w);
    }
    conn.execute("COMMIT").await.expect("commit");
}

/// PostgreSQL: one transaction per write set.
#[cfg(feature = "postgres")]
#[allow(dead_code)]
pub async fn pg_write(pool: &sqlx::PgPool, w: &WriteSet) {
    let mut tx = pool.begin().await.expect("begin");
    insert_write_set!(tx, w);
    tx.commit().await.expect("commit");
}

#[cfg(feature = "postgres")]
#[allow(dead_code)]
/// PostgreSQL naive queue: claim the oldest due jobs `FOR UPDATE SKIP LOCKED`, then complete
/// them with one event each; the number of jobs done (0 when nothing was due).
pub async fn pg_claim_complete(pool: &sqlx::PgPool, now: DateTime<Utc>, max_jobs: i64) -> u64 {
    let lease = Uuid::new_v4();
    let claimed: Vec<(Uuid, Uuid, Uuid)> = sqlx::query_as(
        "UPDATE jobs SET status = 'in_progress', attempts = attempts + 1, lease = $1, lease_expires_at = $2 \
         WHERE id IN (SELECT id FROM jobs WHERE status = 'pending' AND run_at <= $2 ORDER BY created_at, seq \
         LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING id, provider_id, subscription_id",
    )
    .bind(lease)
    .bind(ts(now))
    .bind(max_jobs)
    .fetch_all(pool)
    .await
    .expect("claim");
    if claimed.is_empty() {
        return 0;
    }
    let mut tx = pool.begin().await.expect("begin");
    for (id, provider, subscription) in &claimed {
        sqlx::query("UPDATE jobs SET status = 'completed', lease = NULL, lease_expires_at = NULL WHERE id = $1 AND lease = $2")
            .bind(id)
            .bind(lease)
            .execute(&mut *tx)
            .await
            .expect("complete");
        sqlx::query(
            "INSERT INTO events (id, provider_id, sandbox, subscription_id, data, sequence, created_at, status, \
             attempts, next_attempt_at) VALUES ($1, $2, false, $3, '{}', 1, $4, 'pending', 0, $4)",
        )
        .bind(Uuid::new_v4())
        .bind(provider)
        .bind(Uuid::new_v4())
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .expect("event");
        let _ = subscription;
    }
    tx.commit().await.expect("commit");
    claimed.len() as u64
}

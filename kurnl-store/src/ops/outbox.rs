//! The outbox: event leases, delivery records, replays and event reads.

use chrono::{DateTime, Utc};

use crate::conn::{Arg, Conn, Dialect, args, stamp};
use crate::error::StoreResult;
use crate::ops::statements::Statements;
use crate::rows::*;
use kurnl_core::model::{DeliveryAttempt, DeliveryStatus, Event};
use kurnl_core::ports::{
    DeliveryNext, DeliveryRecord, EventClaim, EventQuery, EventWithAttempts, StoreError,
};
use kurnl_core::types::{EventId, LeaseToken, ProviderId, SubscriptionId};

/// An `events` row that a claim at `$1` may lease: pending, due, not under a live lease, and
/// the first pending event of its subscription.
const CLAIMABLE_EVENT: &str = "status = 'pending' AND next_attempt_at <= $1 \
     AND (lease IS NULL OR lease_expires_at IS NULL OR lease_expires_at < $1) \
     AND events.sequence = (SELECT head.sequence FROM events head \
     WHERE head.subscription_id = events.subscription_id AND head.status = 'pending' \
     ORDER BY head.sequence LIMIT 1)";

/// Leases up to `limit` pending, due events that are not under a live lease, oldest first,
/// skipping any event whose subscription has an earlier pending event (per-subscription
/// sequence order). The check is a scalar subquery, the first pending event of the
/// subscription, so that PostgreSQL runs it as one index probe per candidate
/// (`events_pending_subscription_idx`, migration `0005`) however stale its statistics;
/// SQLite serves it from `events_sequence_uq`. One lease token covers the whole claim.
pub(crate) async fn claim_events<C: Conn>(
    c: &mut C,
    claim: &EventClaim,
) -> StoreResult<Vec<Event>> {
    if claim.limit == 0 {
        return Ok(Vec::new());
    }
    if C::DIALECT == Dialect::Postgres {
        return pg_claim_events(c, claim).await;
    }
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE {CLAIMABLE_EVENT} \
         ORDER BY created_at, seq LIMIT {limit}",
        limit = claim.limit.min(10_000)
    );
    let rows: Vec<EventRow> = c.fetch_all(&sql, args![claim.now]).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut events = rows
        .into_iter()
        .map(EventRow::into_model)
        .collect::<StoreResult<Vec<Event>>>()?;
    let lease = LeaseToken::new_random();
    let mut a = args![lease.0, claim.now + claim.lease];
    let placeholders: Vec<String> = events
        .iter()
        .map(|e| {
            a.push(Arg::from(e.id.0));
            format!("${}", a.len())
        })
        .collect();
    let sql = format!(
        "UPDATE events SET lease = $1, lease_expires_at = $2 WHERE id IN ({})",
        placeholders.join(", ")
    );
    c.execute(&sql, a).await?;
    for e in &mut events {
        e.lease = Some(lease);
    }
    Ok(events)
}

/// The PostgreSQL event claim as one statement, run outside a transaction: the candidates
/// are locked `FOR UPDATE SKIP LOCKED` (two dispatchers never lease the same event) and leased
/// in the same statement, so no lock is held across a round trip to the client; with
/// `BEGIN`, the `SELECT`, the `UPDATE` and `COMMIT` it was four round trips with the rows
/// locked in between. Like a job claim it commits without waiting for its WAL flush
/// (`set_config(.., true)`): a claim lost in a crash leaves the event pending, delivered
/// again, which at-least-once delivery allows; the delivery record that follows is durable and
/// flushes the claim with it.
async fn pg_claim_events<C: Conn>(c: &mut C, claim: &EventClaim) -> StoreResult<Vec<Event>> {
    let lease = LeaseToken::new_random();
    let sql = format!(
        "WITH picked AS (SELECT events.seq FROM events WHERE {CLAIMABLE_EVENT} \
         ORDER BY created_at, seq LIMIT {limit} FOR UPDATE SKIP LOCKED), \
         leased AS (UPDATE events u SET lease = $2, lease_expires_at = $3 \
         FROM picked, (SELECT set_config('synchronous_commit', 'off', true)) AS sync \
         WHERE u.seq = picked.seq RETURNING u.*) \
         SELECT {EVENT_COLUMNS} FROM leased ORDER BY created_at, seq",
        limit = claim.limit.min(10_000),
    );
    let rows: Vec<EventRow> = c
        .fetch_all(&sql, args![claim.now, lease.0, claim.now + claim.lease])
        .await?;
    rows.into_iter().map(EventRow::into_model).collect()
}

/// The event's status after a delivery record, and its next attempt when it is retried.
fn next_state(r: &DeliveryRecord) -> (DeliveryStatus, Option<DateTime<Utc>>) {
    match r.next {
        DeliveryNext::Delivered => (DeliveryStatus::Delivered, None),
        DeliveryNext::Failed => (DeliveryStatus::Failed, None),
        DeliveryNext::RetryAt(at) => (DeliveryStatus::Pending, Some(at)),
    }
}

const UPDATE_DELIVERED: &str = "UPDATE events SET attempts = attempts + 1, lease = NULL, \
    lease_expires_at = NULL, status = $3, next_attempt_at = COALESCE($4, next_attempt_at) \
    WHERE id = $1 AND lease = $2 AND status = 'pending'";

/// Records a delivery attempt after `prefix` (the group commit's savepoint statements, if
/// any). On SQLite the prefix, the event update, its count and the attempt go as one call
/// ([`Statements`]); the attempt is inserted only when the update found the leased event. On
/// PostgreSQL it is [`pg_record_deliveries`] with one record.
pub(crate) async fn record_delivery<C: Conn>(
    c: &mut C,
    prefix: Option<&str>,
    id: EventId,
    r: &DeliveryRecord,
) -> StoreResult<()> {
    if C::DIALECT == Dialect::Postgres {
        debug_assert!(prefix.is_none(), "no group commit on PostgreSQL");
        return pg_record_deliveries(c, &[(id, r)])
            .await?
            .pop()
            .unwrap_or(Err(StoreError::LeaseLost));
    }
    let (status, next_at) = next_state(r);
    let update = args![id.0, r.lease.0, delivery_status_str(status), next_at];
    let at = &r.attempt;
    let attempt = args![
        id.0,
        at.attempt,
        at.at,
        at.status_code,
        i64::try_from(at.latency_ms).unwrap_or(i64::MAX),
        at.error.clone()
    ];
    let mut s = Statements::after(prefix);
    s.push(UPDATE_DELIVERED, update);
    s.push("SELECT changes() AS n", Vec::new());
    // `changes()` still counts the event update: a SELECT changes nothing.
    s.push(
        "INSERT INTO delivery_attempts (event_id, attempt, at, status_code, latency_ms, error) \
         SELECT $1, $2, $3, $4, $5, $6 WHERE changes() = 1",
        attempt,
    );
    if s.fetch_count(c).await? == 1 {
        return Ok(());
    }
    let mut missed = not_recorded(c, &[id]).await?;
    Err(missed.pop().unwrap_or(StoreError::LeaseLost))
}

/// What a delivery record that updated no event gets, for each of `ids`: `LeaseLost` when the
/// event exists (its lease expired and it was claimed again, or it was replayed), `NotFound`
/// when it does not.
async fn not_recorded<C: Conn>(c: &mut C, ids: &[EventId]) -> StoreResult<Vec<StoreError>> {
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        let row: Option<IdRow> = c
            .fetch_optional("SELECT id FROM events WHERE id = $1", args![id.0])
            .await?;
        found.push(match row {
            Some(_) => StoreError::LeaseLost,
            None => StoreError::NotFound("event"),
        });
    }
    Ok(found)
}

/// PostgreSQL: several delivery records (distinct events) in one statement, run outside a
/// transaction, so one commit and one WAL flush for all of them (`postgres::delivery_batch`
/// gathers the concurrent ones). Each leased event is updated and its attempt appended; an
/// event that is not under its record's lease is left alone, attempt included, and gets its
/// own error. The events are found through `events_id_uq` with `= ANY` (the planner counts
/// the array's elements), and the records are one JSON array, so the statement has one shape
/// whatever the number of records. The results are in the order of `records`.
pub(crate) async fn pg_record_deliveries<C: Conn>(
    c: &mut C,
    records: &[(EventId, &DeliveryRecord)],
) -> StoreResult<Vec<StoreResult<()>>> {
    const SQL: &str = "WITH input AS (SELECT x.* FROM jsonb_to_recordset($1) AS x(ord BIGINT, \
        id UUID, lease UUID, status TEXT, next_at TEXT, attempt BIGINT, at TEXT, \
        status_code BIGINT, latency_ms BIGINT, error TEXT)), \
        delivered AS (UPDATE events e SET attempts = e.attempts + 1, lease = NULL, \
        lease_expires_at = NULL, status = x.status, \
        next_attempt_at = COALESCE(x.next_at, e.next_attempt_at) FROM input x \
        WHERE e.id = ANY($2::uuid[]) AND e.id = x.id AND e.lease = x.lease AND e.status = 'pending' \
        RETURNING e.id), \
        appended AS (INSERT INTO delivery_attempts (event_id, attempt, at, status_code, \
        latency_ms, error) SELECT x.id, x.attempt, x.at, x.status_code, x.latency_ms, x.error \
        FROM input x WHERE x.id IN (SELECT delivered.id FROM delivered) ORDER BY x.ord \
        RETURNING 1) \
        SELECT delivered.id FROM delivered";
    let mut rows = Vec::with_capacity(records.len());
    for (ord, (id, r)) in records.iter().enumerate() {
        let (status, next_at) = next_state(r);
        let next_at = next_at.map(stamp).transpose()?;
        let at = &r.attempt;
        rows.push(serde_json::json!({
            "ord": ord,
            "id": id.0,
            "lease": r.lease.0,
            "status": delivery_status_str(status),
            "next_at": next_at,
            "attempt": at.attempt,
            "at": stamp(at.at)?,
            "status_code": at.status_code,
            "latency_ms": i64::try_from(at.latency_ms).unwrap_or(i64::MAX),
            "error": at.error,
        }));
    }
    // The ids as an array literal (`{..}`), cast by the statement: no array argument type
    // is shared with SQLite.
    let ids: Vec<String> = records.iter().map(|(id, _)| id.0.to_string()).collect();
    let a = vec![
        Arg::Json(Some(serde_json::Value::Array(rows))),
        Arg::from(format!("{{{}}}", ids.join(","))),
    ];
    let updated: Vec<IdRow> = c.fetch_all(SQL, a).await?;
    let updated: std::collections::HashSet<uuid::Uuid> =
        updated.into_iter().map(|row| row.id).collect();
    let missed: Vec<EventId> = records
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !updated.contains(&id.0))
        .collect();
    // The records are committed by now: a failure to tell why the others missed is theirs
    // alone (a retryable backend error), never the written ones'.
    let mut errors = match not_recorded(c, &missed).await {
        Ok(errors) => errors,
        Err(err) => {
            let message = err.to_string();
            missed
                .iter()
                .map(|_| StoreError::Backend {
                    message: message.clone(),
                    retryable: true,
                })
                .collect()
        }
    }
    .into_iter();
    Ok(records
        .iter()
        .map(|(id, _)| {
            if updated.contains(&id.0) {
                Ok(())
            } else {
                Err(errors.next().unwrap_or(StoreError::LeaseLost))
            }
        })
        .collect())
}

pub(crate) async fn list_delivery_attempts<C: Conn>(
    c: &mut C,
    id: EventId,
) -> StoreResult<Vec<DeliveryAttempt>> {
    let rows: Vec<AttemptRow> = c
        .fetch_all(
            "SELECT event_id, attempt, at, status_code, latency_ms, error FROM delivery_attempts \
             WHERE event_id = $1 ORDER BY seq",
            args![id.0],
        )
        .await?;
    rows.into_iter().map(AttemptRow::into_model).collect()
}

pub(crate) async fn get_event<C: Conn>(
    c: &mut C,
    provider: ProviderId,
    id: EventId,
) -> StoreResult<Option<EventWithAttempts>> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1 AND provider_id = $2");
    let Some(row) = c
        .fetch_optional::<EventRow>(&sql, args![id.0, provider.0])
        .await?
    else {
        return Ok(None);
    };
    let event = row.into_model()?;
    let attempts = list_delivery_attempts(c, id).await?;
    Ok(Some((event, attempts)))
}

pub(crate) async fn list_events<C: Conn>(c: &mut C, q: &EventQuery) -> StoreResult<Vec<Event>> {
    let mut sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE provider_id = $1");
    let mut a = args![q.provider_id.0];
    if let Some(since) = q.since {
        a.push(Arg::from(since));
        sql.push_str(&format!(" AND created_at >= ${}", a.len()));
    }
    if let Some(status) = q.status {
        a.push(Arg::from(delivery_status_str(status)));
        sql.push_str(&format!(" AND status = ${}", a.len()));
    }
    a.push(Arg::from(q.limit));
    sql.push_str(&format!(" ORDER BY created_at, seq LIMIT ${}", a.len()));
    let rows: Vec<EventRow> = c.fetch_all(&sql, a).await?;
    rows.into_iter().map(EventRow::into_model).collect()
}

pub(crate) async fn list_events_of<C: Conn>(
    c: &mut C,
    provider: ProviderId,
    subscription: SubscriptionId,
) -> StoreResult<Vec<Event>> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE subscription_id = $1 AND provider_id = $2 ORDER BY sequence"
    );
    let rows: Vec<EventRow> = c.fetch_all(&sql, args![subscription.0, provider.0]).await?;
    rows.into_iter().map(EventRow::into_model).collect()
}

pub(crate) async fn replay_event<C: Conn>(
    c: &mut C,
    provider: ProviderId,
    id: EventId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let n = c
        .execute(
            "UPDATE events SET status = 'pending', attempts = 0, next_attempt_at = $3, lease = NULL, \
             lease_expires_at = NULL WHERE id = $1 AND provider_id = $2",
            args![id.0, provider.0, now],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound("event"));
    }
    Ok(())
}

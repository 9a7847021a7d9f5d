//! The outbox: event leases, delivery records, replays and event reads.

use chrono::{DateTime, Utc};

use crate::conn::{Arg, Conn, Dialect, args};
use crate::error::StoreResult;
use crate::ops::one_statement::OneStatement;
use crate::ops::statements::Statements;
use crate::rows::*;
use kurnl_core::model::{DeliveryAttempt, DeliveryStatus, Event};
use kurnl_core::ports::{
    DeliveryNext, DeliveryRecord, EventClaim, EventQuery, EventWithAttempts, StoreError,
};
use kurnl_core::types::{EventId, LeaseToken, ProviderId, SubscriptionId};

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
    let lock = if C::DIALECT == Dialect::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE status = 'pending' AND next_attempt_at <= $1 \
         AND (lease IS NULL OR lease_expires_at IS NULL OR lease_expires_at < $1) \
         AND events.sequence = (SELECT head.sequence FROM events head \
         WHERE head.subscription_id = events.subscription_id AND head.status = 'pending' \
         ORDER BY head.sequence LIMIT 1) \
         ORDER BY created_at, seq LIMIT {limit}{lock}",
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

const UPDATE_DELIVERED: &str = "UPDATE events SET attempts = attempts + 1, lease = NULL, \
    lease_expires_at = NULL, status = $3, next_attempt_at = COALESCE($4, next_attempt_at) \
    WHERE id = $1 AND lease = $2 AND status = 'pending'";

/// Records a delivery attempt after `prefix` (the group commit's savepoint statements, if
/// any). On SQLite the prefix, the event update, its count and the attempt go as one call
/// ([`Statements`]); the attempt is inserted only when the update found the leased event.
pub(crate) async fn record_delivery<C: Conn>(
    c: &mut C,
    prefix: Option<&str>,
    id: EventId,
    r: &DeliveryRecord,
) -> StoreResult<()> {
    let (status, next_at) = match r.next {
        DeliveryNext::Delivered => (DeliveryStatus::Delivered, None),
        DeliveryNext::Failed => (DeliveryStatus::Failed, None),
        DeliveryNext::RetryAt(at) => (DeliveryStatus::Pending, Some(at)),
    };
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
    let updated = if C::DIALECT == Dialect::Sqlite {
        let mut s = Statements::after(prefix);
        s.push(UPDATE_DELIVERED, update);
        s.push("SELECT changes() AS n", Vec::new());
        // `changes()` still counts the event update: a SELECT changes nothing.
        s.push(
            "INSERT INTO delivery_attempts (event_id, attempt, at, status_code, latency_ms, error) \
             SELECT $1, $2, $3, $4, $5, $6 WHERE changes() = 1",
            attempt,
        );
        s.fetch_count(c).await?
    } else {
        // One statement, so no transaction is needed: the attempt is inserted only when the
        // update found the leased event.
        debug_assert!(prefix.is_none(), "no group commit on PostgreSQL");
        let mut s = OneStatement::default();
        s.write(
            "delivered",
            &format!("{UPDATE_DELIVERED} RETURNING 1"),
            update,
        );
        s.write(
            "attempt",
            "INSERT INTO delivery_attempts (event_id, attempt, at, status_code, latency_ms, error) \
             SELECT $1, $2, $3, $4, $5, $6 FROM delivered RETURNING 1",
            attempt,
        );
        let (sql, args) = s.finish();
        let row: Option<CountRow> = c.fetch_optional(&sql, args).await?;
        row.map_or(0, |r| r.n)
    };
    if updated == 1 {
        return Ok(());
    }
    let exists: Option<IdRow> = c
        .fetch_optional("SELECT id FROM events WHERE id = $1", args![id.0])
        .await?;
    Err(match exists {
        Some(_) => StoreError::LeaseLost,
        None => StoreError::NotFound("event"),
    })
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

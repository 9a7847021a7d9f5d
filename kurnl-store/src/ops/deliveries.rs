//! What providers see and repair of their deliveries: the filtered, paginated delivery list,
//! bulk replays, and endpoints disabled by `410 Gone`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::conn::{Arg, Conn, Dialect, args};
use crate::error::StoreResult;
use crate::rows::*;
use kurnl_core::model::DeliveryAttempt;
use kurnl_core::ports::{DeliveryFilter, DeliverySummary, DisabledEndpoint, Page};
use kurnl_core::types::{EventId, ProviderId};

/// The `WHERE` clause selecting `filter`'s events, and its arguments (numbered from `$1`).
fn filter_sql<C: Conn>(filter: &DeliveryFilter) -> (String, Vec<Arg>) {
    let mut sql = String::from("provider_id = $1 AND sandbox = $2");
    let mut a = args![filter.provider_id.0, filter.sandbox];
    if let Some(status) = filter.status {
        a.push(Arg::from(delivery_status_str(status)));
        sql.push_str(&format!(" AND status = ${}", a.len()));
    }
    if let Some(event) = &filter.event {
        a.push(Arg::from(event.clone()));
        // The payload is serialised with its `event` tag (JSONB on PostgreSQL, text here).
        let column = match C::DIALECT {
            Dialect::Postgres => "data ->> 'event'",
            Dialect::Sqlite => "json_extract(data, '$.event')",
        };
        sql.push_str(&format!(" AND {column} = ${}", a.len()));
    }
    if let Some(since) = filter.since {
        a.push(Arg::from(since));
        sql.push_str(&format!(" AND created_at >= ${}", a.len()));
    }
    if let Some(until) = filter.until {
        a.push(Arg::from(until));
        sql.push_str(&format!(" AND created_at < ${}", a.len()));
    }
    (sql, a)
}

/// One page of `filter`'s events, oldest first, with each event's latest attempt.
pub(crate) async fn list_deliveries<C: Conn>(
    c: &mut C,
    filter: &DeliveryFilter,
    page: u32,
    page_size: u32,
) -> StoreResult<Page<DeliverySummary>> {
    let (cond, a) = filter_sql::<C>(filter);
    let count: Option<CountRow> = c
        .fetch_optional(
            &format!("SELECT count(*) AS n FROM events WHERE {cond}"),
            a.clone(),
        )
        .await?;
    let total = u64::try_from(count.map_or(0, |r| r.n)).unwrap_or(0);
    let size = i64::from(page_size.clamp(1, 1000));
    let offset = i64::from(page.max(1) - 1) * size;
    let n = a.len();
    let mut page_args = a;
    page_args.extend(args![size, offset]);
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE {cond} ORDER BY created_at, seq LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows: Vec<EventRow> = c.fetch_all(&sql, page_args).await?;
    let events = rows
        .into_iter()
        .map(EventRow::into_model)
        .collect::<StoreResult<Vec<_>>>()?;
    let mut last = last_attempts(c, events.iter().map(|e| e.id)).await?;
    let results = events
        .into_iter()
        .map(|event| DeliverySummary {
            last_attempt: last.remove(&event.id),
            event,
        })
        .collect();
    Ok(Page { results, total })
}

/// The latest attempt of each of `ids` that has one, in one query.
async fn last_attempts<C: Conn>(
    c: &mut C,
    ids: impl Iterator<Item = EventId>,
) -> StoreResult<HashMap<EventId, DeliveryAttempt>> {
    let mut a = Vec::new();
    let placeholders: Vec<String> = ids
        .map(|id| {
            a.push(Arg::from(id.0));
            format!("${}", a.len())
        })
        .collect();
    if placeholders.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT event_id, attempt, at, status_code, latency_ms, error FROM delivery_attempts \
         WHERE event_id IN ({}) ORDER BY seq",
        placeholders.join(", ")
    );
    let rows: Vec<AttemptRow> = c.fetch_all(&sql, a).await?;
    let mut last = HashMap::new();
    for row in rows {
        let attempt = row.into_model()?;
        // Ordered by insertion: the last one seen per event is the latest.
        last.insert(attempt.event_id, attempt);
    }
    Ok(last)
}

/// Queues `filter`'s events again (not those with an attempt in flight); how many.
pub(crate) async fn replay_deliveries<C: Conn>(
    c: &mut C,
    filter: &DeliveryFilter,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let (cond, mut a) = filter_sql::<C>(filter);
    a.push(Arg::from(now));
    let now_arg = a.len();
    let sql = format!(
        "UPDATE events SET status = 'pending', attempts = 0, next_attempt_at = ${now_arg}, \
         lease = NULL, lease_expires_at = NULL WHERE {cond} AND NOT (status = 'pending' \
         AND lease IS NOT NULL AND lease_expires_at IS NOT NULL AND lease_expires_at >= ${now_arg})"
    );
    c.execute(&sql, a).await
}

/// Records (or replaces) the disabled endpoint of a provider environment.
pub(crate) async fn disable_endpoint<C: Conn>(c: &mut C, d: &DisabledEndpoint) -> StoreResult<()> {
    c.execute(
        "INSERT INTO disabled_endpoints (provider_id, sandbox, url, disabled_at, reason) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (provider_id, sandbox) DO UPDATE SET \
         url = excluded.url, disabled_at = excluded.disabled_at, reason = excluded.reason",
        args![
            d.provider_id.0,
            d.sandbox,
            d.url.clone(),
            d.disabled_at,
            d.reason.clone()
        ],
    )
    .await?;
    Ok(())
}

/// Removes the disabled record of a provider environment; whether there was one.
pub(crate) async fn enable_endpoint<C: Conn>(
    c: &mut C,
    provider: ProviderId,
    sandbox: bool,
) -> StoreResult<bool> {
    let n = c
        .execute(
            "DELETE FROM disabled_endpoints WHERE provider_id = $1 AND sandbox = $2",
            args![provider.0, sandbox],
        )
        .await?;
    Ok(n > 0)
}

/// Every disabled endpoint, oldest first.
pub(crate) async fn list_disabled_endpoints<C: Conn>(
    c: &mut C,
) -> StoreResult<Vec<DisabledEndpoint>> {
    let rows: Vec<DisabledEndpointRow> = c
        .fetch_all(
            "SELECT provider_id, sandbox, url, disabled_at, reason FROM disabled_endpoints \
             ORDER BY disabled_at",
            Vec::new(),
        )
        .await?;
    rows.into_iter()
        .map(DisabledEndpointRow::into_model)
        .collect()
}

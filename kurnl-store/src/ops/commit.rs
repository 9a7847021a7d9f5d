//! [`WriteSet`] commits and the outbox append they share with job outcomes.
//!
//! The caller runs these inside one transaction; any error rolls everything back. Which rule a
//! conflicting write broke comes from the unique index that rejected it. Rows are written in the
//! order the reference store checks them (subscriber, new subscription, update, jobs, events),
//! and each table's unique indexes are created in the reference order (id, then idempotency
//! key, port, unit), so a write that breaks several rules reports the same kind on every backend.

use crate::conn::{Arg, Conn, Dialect, args, stamp};
use crate::error::{StoreResult, check};
use crate::ops::one_statement::OneStatement;
use crate::ops::statements::{Statements, run_prefix};
use crate::ops::subscribers::{INSERT_SUBSCRIBER, insert_subscriber, subscriber_args};
use crate::rows::*;
use kurnl_core::model::{DeliveryStatus, Job, NewEvent, Subscription};
use kurnl_core::ports::{ConflictKind, StoreError, SubscriptionUpdate, WriteSet};

/// Writes a write set (`Store::commit`), preceded by `prefix` (the group commit's savepoint
/// statements), if any. On SQLite a write set without a subscription update (whose row count
/// must be checked) goes as one call: see [`Statements`]. On PostgreSQL every write set is
/// one statement ([`pg_commit`]), which needs no transaction of its own.
pub(crate) async fn commit_after<C: Conn>(
    c: &mut C,
    writes: WriteSet,
    prefix: Option<&str>,
) -> StoreResult<()> {
    if C::DIALECT == Dialect::Sqlite && writes.subscription_update.is_none() {
        let mut s = Statements::after(prefix);
        if let Some(subscriber) = &writes.new_subscriber {
            s.push(INSERT_SUBSCRIBER, subscriber_args(subscriber)?);
        }
        if let Some(new) = &writes.new_subscription {
            s.push(INSERT_SUBSCRIPTION, subscription_args(new));
        }
        for job in &writes.jobs {
            s.push(INSERT_JOB, job_args(job)?);
        }
        push_events(&mut s, &writes.events)?;
        s.run(c).await?;
        return Ok(());
    }
    if C::DIALECT == Dialect::Postgres {
        debug_assert!(prefix.is_none(), "no group commit on PostgreSQL");
        return pg_commit(c, &writes).await;
    }
    run_prefix(c, prefix).await?;
    if let Some(subscriber) = &writes.new_subscriber {
        insert_subscriber(c, subscriber).await?;
    }
    if let Some(new) = &writes.new_subscription {
        insert_subscription(c, new).await?;
    }
    if let Some(update) = &writes.subscription_update {
        update_subscription(c, update).await?;
    }
    for job in &writes.jobs {
        insert_job(c, job).await?;
    }
    append_events(c, &writes.events).await
}

fn subscription_args(s: &Subscription) -> Vec<Arg> {
    args![
        s.id.0,
        s.provider_id.0,
        s.sandbox,
        s.subscriber_id.map(|i| i.0),
        s.plan_version_id.0,
        s.status.as_str(),
        s.delivery_mode.as_str(),
        s.location_hash.as_ref().map(|h| h.as_str().to_owned()),
        s.unit_id.map(|u| u.0),
        s.port.map(|p| p.switch_id.0),
        s.port.map(|p| p.port_number),
        s.mac.map(|m| m.to_string()),
        s.external_subscription_id
            .as_ref()
            .map(|e| e.as_str().to_owned()),
        s.idempotency_key.clone(),
        s.request_fingerprint.clone(),
        s.initial_job_id.map(|j| j.0),
        s.revision,
        s.created_at,
        s.updated_at,
    ]
}

const INSERT_SUBSCRIPTION: &str = "INSERT INTO subscriptions (id, provider_id, sandbox, subscriber_id, \
     plan_version_id, status, delivery_mode, location_hash, unit_id, port_switch_id, port_number, mac, \
     external_subscription_id, idempotency_key, request_fingerprint, initial_job_id, revision, created_at, \
     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";

async fn insert_subscription<C: Conn>(c: &mut C, s: &Subscription) -> StoreResult<()> {
    c.execute(INSERT_SUBSCRIPTION, subscription_args(s)).await?;
    Ok(())
}

/// PostgreSQL: the whole write set as one statement ([`OneStatement`]), in the reference
/// order (subscriber, new subscription, update, jobs, events). The update's compare-and-swap
/// is checked inside the statement: a stale revision or a missing row fails it, and with it
/// every insert, like the rollback of a transaction.
async fn pg_commit<C: Conn>(c: &mut C, writes: &WriteSet) -> StoreResult<()> {
    let mut s = OneStatement::default();
    if let Some(subscriber) = &writes.new_subscriber {
        s.write(
            "new_subscriber",
            &format!("{INSERT_SUBSCRIBER} RETURNING 1"),
            subscriber_args(subscriber)?,
        );
    }
    if let Some(new) = &writes.new_subscription {
        s.write(
            "new_subscription",
            &format!("{INSERT_SUBSCRIPTION} RETURNING 1"),
            subscription_args(new),
        );
    }
    if let Some(update) = &writes.subscription_update {
        let id = s.write(
            "subscription_update",
            &format!("{UPDATE_SUBSCRIPTION} RETURNING 1"),
            update_args(update),
        );
        // The row as it was before the statement: present means the revision was stale.
        s.column(format!(
            "CASE WHEN (SELECT count(*) FROM subscription_update) = 1 THEN 1 \
             WHEN EXISTS (SELECT 1 FROM subscriptions WHERE id = ${id} AND provider_id = ${provider}) \
             THEN kurnl_check_failed('{revision}') ELSE kurnl_check_failed('{not_found}') END",
            provider = id + 1,
            revision = check::REVISION,
            not_found = check::SUBSCRIPTION_NOT_FOUND,
        ));
    }
    for (i, job) in writes.jobs.iter().enumerate() {
        s.write(
            &format!("new_job_{i}"),
            &format!("{INSERT_JOB} RETURNING 1"),
            job_args(job)?,
        );
    }
    if !writes.events.is_empty() {
        let events = s.arg(pg_events_arg(&writes.events)?);
        s.items(pg_append_ctes(events));
        s.column("(SELECT count(*) FROM ins)".to_owned());
    }
    if s.is_empty() {
        return Ok(());
    }
    let (sql, args) = s.finish();
    c.execute(&sql, args).await?;
    Ok(())
}

const UPDATE_SUBSCRIPTION: &str = "UPDATE subscriptions SET sandbox = $3, subscriber_id = $4, \
     plan_version_id = $5, status = $6, delivery_mode = $7, location_hash = $8, unit_id = $9, \
     port_switch_id = $10, port_number = $11, mac = $12, external_subscription_id = $13, \
     idempotency_key = $14, request_fingerprint = $15, initial_job_id = $16, revision = $17, \
     created_at = $18, updated_at = $19 WHERE id = $1 AND provider_id = $2 AND revision = $20";

fn update_args(u: &SubscriptionUpdate) -> Vec<Arg> {
    let mut a = subscription_args(&u.after);
    a.push(Arg::from(u.expected_revision));
    a
}

/// Compare-and-swap on `revision`, scoped to the provider: `NotFound` for a missing (or
/// foreign) row, `Conflict(Revision)` for a stale revision.
async fn update_subscription<C: Conn>(c: &mut C, u: &SubscriptionUpdate) -> StoreResult<()> {
    let n = c.execute(UPDATE_SUBSCRIPTION, update_args(u)).await?;
    if n == 1 {
        return Ok(());
    }
    let exists: Option<IdRow> = c
        .fetch_optional(
            "SELECT id FROM subscriptions WHERE id = $1 AND provider_id = $2",
            args![u.after.id.0, u.after.provider_id.0],
        )
        .await?;
    Err(match exists {
        Some(_) => StoreError::Conflict(ConflictKind::Revision),
        None => StoreError::NotFound("subscription"),
    })
}

const INSERT_JOB: &str = "INSERT INTO jobs (id, provider_id, subscription_id, sandbox, action, switch_id, \
     port_number, interface, desired, status, attempts, run_at, lease, lease_expires_at, last_error, created_at, \
     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)";

fn job_args(j: &Job) -> StoreResult<Vec<Arg>> {
    let mut a = args![
        j.id.0,
        j.provider_id.0,
        j.subscription_id.0,
        j.sandbox,
        j.action.as_str(),
        j.port.switch_id.0,
        j.port.port_number,
        j.interface.as_str(),
    ];
    a.push(Arg::json(&j.desired)?);
    a.extend(args![
        j.status.as_str(),
        j.attempts,
        j.run_at,
        j.lease.map(|l| l.0),
        j.lease_expires_at,
        j.last_error.clone(),
        j.created_at,
        j.updated_at,
    ]);
    Ok(a)
}

pub(crate) async fn insert_job<C: Conn>(c: &mut C, j: &Job) -> StoreResult<()> {
    c.execute(INSERT_JOB, job_args(j)?).await?;
    Ok(())
}

/// Appends events to the outbox, each with the next sequence number of its subscription.
///
/// SQLite has a single writer, so the next number is simply one more than the highest stored
/// (`events_sequence_uq` serves the lookup). On PostgreSQL the per-subscription counter is a
/// row of `event_sequences` updated in place: concurrent appenders to one subscription queue
/// on its row lock, so sequences follow commit order. Counters are taken in subscription-id
/// order (not event order) so that two transactions touching the same subscriptions cannot
/// deadlock. On PostgreSQL the whole append is one statement ([`pg_append_ctes`]).
pub(crate) async fn append_events<C: Conn>(c: &mut C, events: &[NewEvent]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    if C::DIALECT == Dialect::Sqlite {
        for e in events {
            insert_event(c, e).await?;
        }
        return Ok(());
    }
    let sql = format!("WITH {} SELECT 1", pg_append_ctes(1));
    c.execute(&sql, vec![pg_events_arg(events)?]).await?;
    Ok(())
}

/// PostgreSQL: `WITH` items (`ev`, `seqs`, `ins`) that append the events of the JSON array
/// bound at `$param` (built by [`pg_events_arg`]) in one statement, to be followed by the
/// statement's main query (data-modifying `WITH` items always run to completion).
///
/// `seqs` bumps each subscription's counter by its number of events, one upsert row per
/// subscription in subscription-id order (rows are inserted, and their locks taken, in the
/// order the `SELECT` produces them); `ins` numbers each subscription's events after the
/// counter's old value in event order, and inserts them in event order.
pub(crate) fn pg_append_ctes(param: usize) -> String {
    format!(
        "ev AS (SELECT * FROM jsonb_to_recordset(${param}) AS e(ord bigint, id uuid, provider_id uuid, \
         sandbox boolean, subscription_id uuid, data jsonb, created_at text)), \
         seqs AS (INSERT INTO event_sequences (subscription_id, last) SELECT subscription_id, count(*) FROM ev \
         GROUP BY subscription_id ORDER BY subscription_id ON CONFLICT (subscription_id) \
         DO UPDATE SET last = event_sequences.last + excluded.last RETURNING subscription_id, last), \
         ins AS (INSERT INTO events (id, provider_id, sandbox, subscription_id, data, sequence, created_at, status, \
         attempts, next_attempt_at) SELECT e.id, e.provider_id, e.sandbox, e.subscription_id, e.data, \
         s.last - count(*) OVER (PARTITION BY e.subscription_id) \
         + row_number() OVER (PARTITION BY e.subscription_id ORDER BY e.ord), \
         e.created_at, '{pending}', 0, e.created_at FROM ev e JOIN seqs s ON s.subscription_id = e.subscription_id \
         ORDER BY e.ord RETURNING 1)",
        pending = delivery_status_str(DeliveryStatus::Pending),
    )
}

/// PostgreSQL: the events as one JSON array argument for [`pg_append_ctes`].
pub(crate) fn pg_events_arg(events: &[NewEvent]) -> StoreResult<Arg> {
    let rows = events
        .iter()
        .enumerate()
        .map(|(ord, e)| {
            Ok(serde_json::json!({
                "ord": ord,
                "id": e.id.0,
                "provider_id": e.provider_id.0,
                "sandbox": e.sandbox,
                "subscription_id": e.data.subscription_id().0,
                "data": serde_json::to_value(&e.data).map_err(|err| crate::error::corrupt("event data", err))?,
                "created_at": stamp(e.created_at)?,
            }))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Arg::Json(Some(serde_json::Value::Array(rows))))
}

/// Inserts one event with one more than the subscription's highest sequence (SQLite).
const INSERT_EVENT_SQLITE: &str = "INSERT INTO events (id, provider_id, sandbox, subscription_id, data, \
     sequence, created_at, status, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, \
     (SELECT COALESCE(max(sequence), 0) + 1 FROM events WHERE subscription_id = $4), $6, $7, $8, $6)";

fn event_args_sqlite(e: &NewEvent) -> StoreResult<Vec<Arg>> {
    let mut a = args![
        e.id.0,
        e.provider_id.0,
        e.sandbox,
        e.data.subscription_id().0
    ];
    a.push(Arg::json(&e.data)?);
    a.extend(args![
        e.created_at,
        delivery_status_str(DeliveryStatus::Pending),
        0_i64
    ]);
    Ok(a)
}

/// SQLite: appends the inserts of `events` to a statement string.
pub(crate) fn push_events(s: &mut Statements, events: &[NewEvent]) -> StoreResult<()> {
    for e in events {
        s.push(INSERT_EVENT_SQLITE, event_args_sqlite(e)?);
    }
    Ok(())
}

async fn insert_event<C: Conn>(c: &mut C, e: &NewEvent) -> StoreResult<()> {
    c.execute(INSERT_EVENT_SQLITE, event_args_sqlite(e)?)
        .await?;
    Ok(())
}

//! The operator's calls: operator keys, and jobs of every provider (search, retry, cancel).

use chrono::{DateTime, Utc};

use crate::conn::{Arg, Conn, args};
use crate::error::StoreResult;
use crate::ops::commit::append_events;
use crate::rows::*;
use kurnl_core::model::{Job, JobStatus, NewEvent, OperatorKeyRecord};
use kurnl_core::ports::{ConflictKind, JobQuery, StoreError};
use kurnl_core::types::{ApiKeyId, JobId};

const OPERATOR_KEY_COLUMNS: &str = "id, key_hash, display_prefix, label, created_at, revoked_at";

pub(crate) async fn put_operator_key<C: Conn>(c: &mut C, k: &OperatorKeyRecord) -> StoreResult<()> {
    c.execute(
        "INSERT INTO operator_keys (id, key_hash, display_prefix, label, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET key_hash = excluded.key_hash, \
         display_prefix = excluded.display_prefix, label = excluded.label, \
         created_at = excluded.created_at, revoked_at = excluded.revoked_at",
        args![
            k.id.0,
            k.key_hash.as_str(),
            k.display_prefix.as_str(),
            k.label.as_str(),
            k.created_at,
            k.revoked_at
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn find_operator_key<C: Conn>(
    c: &mut C,
    key_hash: &str,
) -> StoreResult<Option<OperatorKeyRecord>> {
    let sql = format!("SELECT {OPERATOR_KEY_COLUMNS} FROM operator_keys WHERE key_hash = $1");
    let row: Option<OperatorKeyRow> = c.fetch_optional(&sql, args![key_hash]).await?;
    row.map(OperatorKeyRow::into_model).transpose()
}

pub(crate) async fn list_operator_keys<C: Conn>(c: &mut C) -> StoreResult<Vec<OperatorKeyRecord>> {
    let sql = format!("SELECT {OPERATOR_KEY_COLUMNS} FROM operator_keys ORDER BY seq");
    let rows: Vec<OperatorKeyRow> = c.fetch_all(&sql, Vec::new()).await?;
    rows.into_iter().map(OperatorKeyRow::into_model).collect()
}

pub(crate) async fn revoke_operator_key<C: Conn>(
    c: &mut C,
    id: ApiKeyId,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    // Idempotent: a key already revoked keeps its first revocation time.
    let n = c
        .execute(
            "UPDATE operator_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
            args![id.0, at],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound("operator key"));
    }
    Ok(())
}

pub(crate) async fn list_jobs<C: Conn>(c: &mut C, q: &JobQuery) -> StoreResult<Vec<Job>> {
    let mut sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE 1 = 1");
    let mut a: Vec<Arg> = Vec::new();
    let mut filter = |column: &str, op: &str, value: Arg| {
        a.push(value);
        sql.push_str(&format!(" AND {column} {op} ${}", a.len()));
    };
    if let Some(status) = q.status {
        filter("status", "=", Arg::from(status.as_str()));
    }
    if let Some(switch) = q.switch_id {
        filter("switch_id", "=", Arg::from(switch.0));
    }
    if let Some(sub) = q.subscription_id {
        filter("subscription_id", "=", Arg::from(sub.0));
    }
    if let Some(provider) = q.provider_id {
        filter("provider_id", "=", Arg::from(provider.0));
    }
    if let Some(after) = q.after {
        // Keyset paging in the list's order; an unknown id matches nothing.
        a.push(Arg::from(after.0));
        let n = a.len();
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM jobs last WHERE last.id = ${n} \
             AND (jobs.created_at < last.created_at \
             OR (jobs.created_at = last.created_at AND jobs.seq < last.seq)))"
        ));
    }
    sql.push_str(&format!(
        " ORDER BY created_at DESC, seq DESC LIMIT {}",
        q.limit.min(10_000)
    ));
    let rows: Vec<JobRow> = c.fetch_all(&sql, a).await?;
    rows.into_iter().map(JobRow::into_model).collect()
}

pub(crate) async fn find_job<C: Conn>(c: &mut C, id: JobId) -> StoreResult<Option<Job>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
    let row: Option<JobRow> = c.fetch_optional(&sql, args![id.0]).await?;
    row.map(JobRow::into_model).transpose()
}

/// One conditional update, so that the check and the write cannot be split by a claim or a
/// newer job; when it changed nothing, the job is read to say why.
pub(crate) async fn retry_job<C: Conn>(
    c: &mut C,
    id: JobId,
    now: DateTime<Utc>,
) -> StoreResult<Job> {
    let n = c
        .execute(
            "UPDATE jobs SET status = 'pending', attempts = 0, run_at = $2, updated_at = $2 \
             WHERE id = $1 AND status = 'failed' AND NOT EXISTS (SELECT 1 FROM jobs later \
             WHERE later.switch_id = jobs.switch_id AND later.port_number = jobs.port_number \
             AND later.status <> 'cancelled' AND (later.created_at > jobs.created_at \
             OR (later.created_at = jobs.created_at AND later.seq > jobs.seq)))",
            args![id.0, now],
        )
        .await?;
    let job = find_job(c, id).await?.ok_or(StoreError::NotFound("job"))?;
    match (n, job.status) {
        (1, _) => Ok(job),
        (_, JobStatus::Failed) => Err(StoreError::Conflict(ConflictKind::JobSuperseded)),
        _ => Err(StoreError::Conflict(ConflictKind::JobNotFailed)),
    }
}

/// A `pending` job only: a claim that leased it first has moved it to `in_progress`, and on
/// PostgreSQL the update waits for that claim's row lock and then sees the new status.
pub(crate) async fn cancel_job<C: Conn>(
    c: &mut C,
    id: JobId,
    error: &str,
    events: &[NewEvent],
    now: DateTime<Utc>,
) -> StoreResult<Job> {
    let n = c
        .execute(
            "UPDATE jobs SET status = 'cancelled', last_error = $2, updated_at = $3 \
             WHERE id = $1 AND status = 'pending'",
            args![id.0, error, now],
        )
        .await?;
    let job = find_job(c, id).await?.ok_or(StoreError::NotFound("job"))?;
    if n != 1 {
        return Err(StoreError::Conflict(ConflictKind::JobNotQueued));
    }
    append_events(c, events).await?;
    Ok(job)
}

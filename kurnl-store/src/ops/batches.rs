//! Bulk batches and their entries.

use chrono::{DateTime, Utc};

use crate::conn::{Arg, Conn, Dialect, args};
use crate::error::StoreResult;
use crate::ops::one_statement::OneStatement;
use crate::ops::queue::advisory_key;
use crate::ops::statements::Statements;
use crate::rows::*;
use kurnl_core::model::{Batch, EntryOutcome};
use kurnl_core::ports::{BatchView, ConflictKind, StoreError};
use kurnl_core::types::{BatchId, ProviderId};

const ENTRY_COLUMNS: &str = "idx, email, request, outcome";

fn entry_job(outcome: Option<&EntryOutcome>) -> Option<uuid::Uuid> {
    match outcome {
        Some(EntryOutcome::Created { job_id, .. }) => job_id.map(|j| j.0),
        _ => None,
    }
}

/// The batch in the enclosing row of `batches` has an entry without an outcome or with a job
/// that has not finished.
const BATCH_RUNNING: &str = "EXISTS (SELECT 1 FROM batch_entries e LEFT JOIN jobs j ON j.id = e.job_id \
     WHERE e.batch_id = batches.id AND (e.outcome IS NULL OR j.status IN ('pending', 'in_progress')))";

/// Inserts the batch, then counts the provider's other batches in progress (an entry without
/// outcome, or whose job is not finished) and fails if there are already `max_in_progress`.
/// On PostgreSQL an advisory lock on the provider makes count-and-insert atomic.
pub(crate) async fn create_batch<C: Conn>(
    c: &mut C,
    b: &Batch,
    max_in_progress: u32,
) -> StoreResult<()> {
    if C::DIALECT == Dialect::Postgres {
        let key = advisory_key(if b.sandbox { b"bs" } else { b"bl" }, b.provider_id.0);
        c.execute("SELECT pg_advisory_xact_lock($1)", args![key])
            .await?;
    }
    c.execute(
        "INSERT INTO batches (id, provider_id, sandbox, created_at) VALUES ($1, $2, $3, $4)",
        args![b.id.0, b.provider_id.0, b.sandbox, b.created_at],
    )
    .await?;
    // Batches found finished are marked so (they cannot reopen), and only the open ones are
    // counted: the check costs the few open batches, not the provider's whole history.
    c.execute(
        &format!(
            "UPDATE batches SET finished = TRUE WHERE provider_id = $1 AND sandbox = $2 AND NOT finished \
             AND id <> $3 AND NOT {BATCH_RUNNING}"
        ),
        args![b.provider_id.0, b.sandbox, b.id.0],
    )
    .await?;
    let running: Option<CountRow> = c
        .fetch_optional(
            &format!(
                "SELECT count(*) AS n FROM batches WHERE provider_id = $1 AND sandbox = $2 AND NOT finished \
                 AND id <> $3 AND {BATCH_RUNNING}"
            ),
            args![b.provider_id.0, b.sandbox, b.id.0],
        )
        .await?;
    if running.map_or(0, |r| r.n) >= i64::from(max_in_progress) {
        return Err(StoreError::Conflict(ConflictKind::TooManyBatches));
    }
    for e in &b.entries {
        let mut a = args![b.id.0, e.index, e.email.as_str()];
        a.push(Arg::json(&e.request)?);
        a.push(Arg::json_opt(e.outcome.as_ref())?);
        a.push(Arg::from(entry_job(e.outcome.as_ref())));
        c.execute(
            "INSERT INTO batch_entries (batch_id, idx, email, request, outcome, job_id) VALUES ($1, $2, $3, $4, $5, $6)",
            a,
        )
        .await?;
    }
    Ok(())
}

const UPDATE_ENTRY: &str =
    "UPDATE batch_entries SET outcome = $3, job_id = $4 WHERE batch_id = $1 AND idx = $2";

/// [`UPDATE_ENTRY`] on PostgreSQL, whose transaction commits without waiting for its WAL
/// flush (`SET LOCAL synchronous_commit = off` without a round trip of its own). An outcome
/// lost in a crash of the database server leaves its entry unprocessed, and
/// `Service::resume_batches` runs it again: creation is idempotent, so the rerun records the
/// same outcome.
const PG_UPDATE_ENTRY: &str = "UPDATE batch_entries SET outcome = $3, job_id = $4 \
    FROM (SELECT set_config('synchronous_commit', 'off', true)) AS sync \
    WHERE batch_id = $1 AND idx = $2";

/// Records an entry's outcome after `prefix` (the group commit's savepoint statements, if
/// any). On SQLite the prefix, the update, its count and the batch's reopening go as one call
/// ([`Statements`]).
pub(crate) async fn record_batch_entry<C: Conn>(
    c: &mut C,
    prefix: Option<&str>,
    batch: BatchId,
    index: u32,
    outcome: &EntryOutcome,
) -> StoreResult<()> {
    let mut a = args![batch.0, index];
    a.push(Arg::json(outcome)?);
    a.push(Arg::from(entry_job(Some(outcome))));
    let has_job = entry_job(Some(outcome)).is_some();
    if C::DIALECT == Dialect::Sqlite {
        let mut s = Statements::after(prefix);
        s.push(UPDATE_ENTRY, a);
        s.push("SELECT changes() AS n", Vec::new());
        if has_job {
            // `changes()` still counts the entry update: a SELECT changes nothing.
            s.push(
                "UPDATE batches SET finished = FALSE WHERE id = $1 AND finished AND changes() = 1",
                args![batch.0],
            );
        }
        if s.fetch_count(c).await? == 1 {
            return Ok(());
        }
        return entry_not_found(c, batch).await;
    }
    // One statement, so no transaction is needed.
    debug_assert!(prefix.is_none(), "no group commit on PostgreSQL");
    let mut s = OneStatement::default();
    s.write("entry", &format!("{PG_UPDATE_ENTRY} RETURNING 1"), a);
    if has_job {
        // An outcome with a job may reopen a batch marked finished (outcomes overwrite).
        s.write(
            "reopened",
            "UPDATE batches SET finished = FALSE WHERE id = $1 AND finished \
             AND EXISTS (SELECT 1 FROM entry) RETURNING 1",
            args![batch.0],
        );
    }
    let (sql, args) = s.finish();
    let row: Option<CountRow> = c.fetch_optional(&sql, args).await?;
    if row.map(|r| r.n) == Some(1) {
        return Ok(());
    }
    entry_not_found(c, batch).await
}

/// The error for an entry update that changed nothing.
async fn entry_not_found<C: Conn>(c: &mut C, batch: BatchId) -> StoreResult<()> {
    let exists: Option<IdRow> = c
        .fetch_optional("SELECT id FROM batches WHERE id = $1", args![batch.0])
        .await?;
    Err(StoreError::NotFound(if exists.is_some() {
        "batch entry"
    } else {
        "batch"
    }))
}

async fn load<C: Conn>(c: &mut C, row: BatchRow) -> StoreResult<Batch> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM batch_entries WHERE batch_id = $1 ORDER BY idx");
    let entries: Vec<BatchEntryRow> = c.fetch_all(&sql, args![row.id]).await?;
    let entries = entries
        .into_iter()
        .map(BatchEntryRow::into_model)
        .collect::<StoreResult<_>>()?;
    row.into_model(entries)
}

#[derive(Debug, sqlx::FromRow)]
struct EntryJobRow {
    idx: i64,
    #[sqlx(flatten)]
    job: JobRow,
}

pub(crate) async fn get_batch<C: Conn>(
    c: &mut C,
    provider: ProviderId,
    id: BatchId,
) -> StoreResult<Option<BatchView>> {
    let row: Option<BatchRow> = c
        .fetch_optional(
            "SELECT id, provider_id, sandbox, created_at FROM batches WHERE id = $1 AND provider_id = $2",
            args![id.0, provider.0],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let batch = load(c, row).await?;
    let cols = JOB_COLUMNS
        .split(", ")
        .map(|col| format!("j.{col}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT e.idx, {cols} FROM batch_entries e JOIN jobs j ON j.id = e.job_id WHERE e.batch_id = $1 ORDER BY e.idx"
    );
    let rows: Vec<EntryJobRow> = c.fetch_all(&sql, args![id.0]).await?;
    let jobs = rows
        .into_iter()
        .map(|r| Ok((to_u32("entry index", r.idx)?, r.job.into_model()?)))
        .collect::<StoreResult<_>>()?;
    Ok(Some(BatchView { batch, jobs }))
}

pub(crate) async fn unprocessed_batches<C: Conn>(c: &mut C) -> StoreResult<Vec<Batch>> {
    let rows: Vec<BatchRow> = c
        .fetch_all(
            "SELECT b.id, b.provider_id, b.sandbox, b.created_at FROM batches b WHERE EXISTS \
             (SELECT 1 FROM batch_entries e WHERE e.batch_id = b.id AND e.outcome IS NULL) ORDER BY b.created_at, b.seq",
            Vec::new(),
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(load(c, row).await?);
    }
    Ok(out)
}

pub(crate) async fn purge_batches<C: Conn>(c: &mut C, before: DateTime<Utc>) -> StoreResult<u64> {
    c.execute(
        "DELETE FROM batch_entries WHERE batch_id IN (SELECT id FROM batches WHERE created_at < $1)",
        args![before],
    )
    .await?;
    c.execute("DELETE FROM batches WHERE created_at < $1", args![before])
        .await
}

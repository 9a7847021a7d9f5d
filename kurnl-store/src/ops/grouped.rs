//! Writes that return nothing but success or a conflict, so that the SQLite backend can commit
//! many of them in one transaction (one fsync) while each keeps its own outcome.

use chrono::{DateTime, Utc};
use kurnl_core::model::EntryOutcome;
use kurnl_core::ports::{DeliveryRecord, JobOutcome, JobResult, WriteSet};
use kurnl_core::types::{BatchId, EventId, LeaseToken};

use crate::conn::Conn;
use crate::error::StoreResult;
use crate::ops::statements::run_prefix;

/// One unit-returning write of the `Store` port, with owned arguments.
#[derive(Debug)]
pub(crate) enum GroupedWrite {
    /// `Store::commit`.
    Commit(Box<WriteSet>),
    /// `Store::finish_jobs`.
    FinishJobs {
        lease: LeaseToken,
        outcomes: Vec<JobOutcome>,
        now: DateTime<Utc>,
    },
    /// `Store::heartbeat`.
    Heartbeat {
        lease: LeaseToken,
        until: DateTime<Utc>,
    },
    /// `Store::record_delivery`.
    RecordDelivery {
        event: EventId,
        record: DeliveryRecord,
    },
    /// `Store::record_batch_entry`.
    RecordBatchEntry {
        batch: BatchId,
        index: u32,
        outcome: EntryOutcome,
    },
}

impl GroupedWrite {
    /// Whether the write is one statement on PostgreSQL, which then runs it without a
    /// transaction of its own (see [`one_statement`](crate::ops::one_statement)): all but a
    /// finish that records failures or retries (one statement each, before the completions).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn is_one_statement_on_postgres(&self) -> bool {
        match self {
            Self::FinishJobs { outcomes, .. } => outcomes
                .iter()
                .all(|o| matches!(o.result, JobResult::Completed { .. })),
            Self::Commit(_)
            | Self::Heartbeat { .. }
            | Self::RecordDelivery { .. }
            | Self::RecordBatchEntry { .. } => true,
        }
    }
}

/// Runs `prefix` if any (the SQLite group commit's savepoint statements), then one grouped
/// write, in the connection or transaction given. A commit, a delivery record and a batch
/// entry take the prefix into their own round trip; the others run it first.
pub(crate) async fn apply<C: Conn>(
    c: &mut C,
    prefix: Option<&str>,
    write: GroupedWrite,
) -> StoreResult<()> {
    match write {
        GroupedWrite::Commit(writes) => super::commit::commit_after(c, *writes, prefix).await,
        GroupedWrite::RecordDelivery { event, record } => {
            super::outbox::record_delivery(c, prefix, event, &record).await
        }
        GroupedWrite::RecordBatchEntry {
            batch,
            index,
            outcome,
        } => super::batches::record_batch_entry(c, prefix, batch, index, &outcome).await,
        GroupedWrite::FinishJobs {
            lease,
            outcomes,
            now,
        } => super::queue::finish_jobs(c, prefix, lease, outcomes, now).await,
        GroupedWrite::Heartbeat { lease, until } => {
            run_prefix(c, prefix).await?;
            super::queue::heartbeat(c, lease, until).await
        }
    }
}

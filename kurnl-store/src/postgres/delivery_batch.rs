//! Concurrent delivery records of one process written as one statement (issue 17).
//!
//! A dispatcher delivers its claimed events concurrently and records each attempt as its
//! response arrives, so records come in bursts. Alone, each record is a statement, a commit
//! and a WAL flush of its own: two per subscriber, more than half of the durable commits of
//! a provisioning. Here callers queue their records; whoever holds the gate next becomes the
//! leader and writes everything queued so far with
//! [`pg_record_deliveries`](crate::ops::outbox::pg_record_deliveries), one statement outside a
//! transaction; records that queue while it runs go together in the next one. Each caller
//! returns after the commit that made its own record durable, with its own outcome
//! (`LeaseLost`, `NotFound`), exactly as if it had written alone.
//!
//! No background task is involved, so the store works on any runtime; a leader whose future
//! is dropped mid-write drops the records it took, and their callers see a retryable error
//! (the write may or may not have committed, like any interrupted statement).

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::postgres::PgPool;
use tokio::sync::{Semaphore, oneshot};

use crate::error::map_pg;
use crate::ops::outbox::pg_record_deliveries;
use kurnl_core::ports::{DeliveryRecord, StoreError};
use kurnl_core::types::EventId;

/// Most records one statement takes: one JSON argument, and a bound on the first caller's wait.
const MAX_BATCH: usize = 256;

struct Pending {
    event: EventId,
    record: DeliveryRecord,
    reply: oneshot::Sender<Result<(), StoreError>>,
}

/// The queue of delivery records waiting for a leader.
pub(crate) struct DeliveryBatch {
    queue: Mutex<Vec<Pending>>,
    /// One leader at a time: while its statement runs the next records gather.
    gate: Semaphore,
    statements: AtomicU64,
    records: AtomicU64,
}

impl Default for DeliveryBatch {
    fn default() -> Self {
        Self {
            queue: Mutex::new(Vec::new()),
            gate: Semaphore::new(1),
            statements: AtomicU64::new(0),
            records: AtomicU64::new(0),
        }
    }
}

impl std::fmt::Debug for DeliveryBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryBatch").finish_non_exhaustive()
    }
}

/// How well the PostgreSQL delivery records have been batching, since the store connected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryBatchStats {
    /// Statements written (each one commit, one WAL flush).
    pub statements: u64,
    /// Delivery records those statements carried.
    pub records: u64,
}

fn interrupted() -> StoreError {
    StoreError::Backend {
        message: "postgres delivery record batch was interrupted".into(),
        retryable: true,
    }
}

impl DeliveryBatch {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        // The queue holds plain data; a panic elsewhere cannot leave it half-updated.
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts so far.
    pub(crate) fn stats(&self) -> DeliveryBatchStats {
        DeliveryBatchStats {
            statements: self.statements.load(Ordering::Relaxed),
            records: self.records.load(Ordering::Relaxed),
        }
    }

    /// Queues the record and returns once a leader (maybe this caller) wrote or refused it.
    pub(crate) async fn record(
        &self,
        pool: &PgPool,
        event: EventId,
        record: DeliveryRecord,
    ) -> Result<(), StoreError> {
        let (reply, mut done) = oneshot::channel();
        self.lock().push(Pending {
            event,
            record,
            reply,
        });
        loop {
            tokio::select! {
                biased;
                result = &mut done => return result.unwrap_or_else(|_| Err(interrupted())),
                permit = self.gate.acquire() => {
                    let Ok(_permit) = permit else {
                        return Err(interrupted());
                    };
                    let batch = self.take_batch();
                    if !batch.is_empty() {
                        self.statements.fetch_add(1, Ordering::Relaxed);
                        self.records.fetch_add(batch.len() as u64, Ordering::Relaxed);
                        write_batch(pool, batch).await;
                    }
                    // Our record was in this batch or an earlier one, or still queued behind
                    // MAX_BATCH others: loop, `done` or leadership follows.
                }
            }
        }
    }

    /// Up to [`MAX_BATCH`] queued records of distinct events, oldest first. A second record of
    /// an event already taken stays queued for the next statement, so the records of one
    /// event are written in the order they came.
    fn take_batch(&self) -> Vec<Pending> {
        let mut queue = self.lock();
        let mut events = HashSet::new();
        let mut batch = Vec::new();
        let mut rest = Vec::new();
        for pending in queue.drain(..) {
            if batch.len() < MAX_BATCH && events.insert(pending.event) {
                batch.push(pending);
            } else {
                rest.push(pending);
            }
        }
        *queue = rest;
        batch
    }
}

/// Writes `batch` in one statement and answers each caller.
async fn write_batch(pool: &PgPool, batch: Vec<Pending>) {
    let (records, replies): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .map(|p| ((p.event, p.record), p.reply))
        .unzip();
    let refs: Vec<(EventId, &DeliveryRecord)> = records.iter().map(|(e, r)| (*e, r)).collect();
    let written = match pool.acquire().await {
        Ok(mut conn) => pg_record_deliveries(&mut *conn, &refs).await,
        Err(err) => Err(map_pg(err)),
    };
    match written {
        Ok(results) => {
            for (reply, result) in replies.into_iter().zip(results) {
                let _ = reply.send(result);
            }
        }
        Err(err) => {
            // No connection, or the statement failed as a whole: none of it was written.
            for reply in replies {
                let _ = reply.send(Err(same_error(&err)));
            }
        }
    }
}

/// A copy of a backend error for each caller of a failed statement.
fn same_error(err: &StoreError) -> StoreError {
    match err {
        StoreError::Backend { message, retryable } => StoreError::Backend {
            message: message.clone(),
            retryable: *retryable,
        },
        other => StoreError::Backend {
            message: other.to_string(),
            retryable: true,
        },
    }
}

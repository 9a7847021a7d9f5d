//! Group commit on SQLite for [`Store::commit`](kurnl_core::ports::Store::commit) and the
//! other unit-returning hot writes (finishing jobs, heartbeats, delivery records, batch
//! entries): see [`GroupedWrite`].
//!
//! With `synchronous=FULL` every SQLite transaction ends with an fsync of the WAL, which costs
//! milliseconds on real disks and caps a single writer at a few hundred commits per second.
//! Concurrent callers therefore queue their write sets; whoever gets the writer connection
//! next becomes the leader and commits everything queued so far in one `BEGIN IMMEDIATE`
//! transaction, each write set inside its own `SAVEPOINT`. A write set that breaks a rule is
//! rolled back to its savepoint and gets its own error; the others still commit, and every
//! caller returns only after the fsync that made its writes durable (or failed them all).
//!
//! No background task is involved, so the store works on any runtime; a leader whose future
//! is dropped mid-batch drops the transaction (rolled back) and the waiters see a retryable
//! error.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqlitePool;
use sqlx::{Connection as _, Executor as _};
use tokio::sync::oneshot;

use crate::error::map_sqlite;
use crate::ops::grouped::{self, GroupedWrite};
use kurnl_core::ports::StoreError;

/// Most write sets one transaction takes, so that a long queue does not make one huge
/// transaction (and one long wait for its first caller).
const MAX_BATCH: usize = 256;

struct Pending {
    id: u64,
    writes: GroupedWrite,
    reply: oneshot::Sender<Result<(), StoreError>>,
}

/// The queue of write sets waiting for a leader.
#[derive(Default)]
pub(crate) struct GroupCommit {
    queue: Mutex<Vec<Pending>>,
    next_id: AtomicU64,
    transactions: AtomicU64,
    write_sets: AtomicU64,
}

/// How well the SQLite group commit has been batching, since the store was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCommitStats {
    /// Group transactions committed or attempted (each one `BEGIN IMMEDIATE` ... `COMMIT`,
    /// one fsync with [`Durability::Full`](super::Durability::Full)).
    pub transactions: u64,
    /// Grouped writes (commits, job outcomes, heartbeats, delivery records, batch entries)
    /// that went through those transactions.
    pub write_sets: u64,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

fn dropped() -> StoreError {
    StoreError::Backend {
        message: "sqlite group commit was interrupted".into(),
        retryable: true,
    }
}

impl GroupCommit {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        // The queue holds plain data; a panic elsewhere cannot leave it half-updated.
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts so far.
    pub(crate) fn stats(&self) -> GroupCommitStats {
        GroupCommitStats {
            transactions: self.transactions.load(Ordering::Relaxed),
            write_sets: self.write_sets.load(Ordering::Relaxed),
        }
    }

    /// Queues `writes` and returns once a leader (maybe this caller) committed or rejected it.
    pub(crate) async fn commit(
        &self,
        writer: &SqlitePool,
        begin: &'static str,
        writes: GroupedWrite,
    ) -> Result<(), StoreError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (reply, mut done) = oneshot::channel();
        self.lock().push(Pending { id, writes, reply });
        loop {
            tokio::select! {
                biased;
                result = &mut done => return result.unwrap_or_else(|_| Err(dropped())),
                conn = writer.acquire() => match conn {
                    Ok(conn) => {
                        let batch: Vec<Pending> = {
                            let mut queue = self.lock();
                            let n = queue.len().min(MAX_BATCH);
                            queue.drain(..n).collect()
                        };
                        if !batch.is_empty() {
                            self.transactions.fetch_add(1, Ordering::Relaxed);
                            self.write_sets.fetch_add(batch.len() as u64, Ordering::Relaxed);
                            run_batch(conn, begin, batch).await;
                        }
                        // Our own write set was in this batch or an earlier one, or is still
                        // queued behind MAX_BATCH others: loop, `done` or leadership follows.
                    }
                    Err(err) => {
                        let mut queue = self.lock();
                        if let Some(pos) = queue.iter().position(|p| p.id == id) {
                            queue.remove(pos);
                            return Err(map_sqlite(err));
                        }
                        // Already taken by a leader: its result will arrive.
                    }
                },
            }
        }
    }
}

/// Commits a batch in one transaction, one savepoint per write set, and answers each caller.
async fn run_batch(
    mut conn: PoolConnection<sqlx::Sqlite>,
    begin: &'static str,
    batch: Vec<Pending>,
) {
    let mut results: Vec<Result<(), StoreError>> = Vec::with_capacity(batch.len());
    let mut replies = Vec::with_capacity(batch.len());
    let outcome: Result<(), StoreError> = async {
        // A sqlx transaction, so that a leader dropped mid-batch still rolls back before the
        // connection goes back to the pool.
        let mut tx = conn.begin_with(begin).await.map_err(map_sqlite)?;
        // Releasing the previous write set's savepoint and opening the next go with the write
        // set's own statements (the final COMMIT releases the last).
        for (i, pending) in batch.into_iter().enumerate() {
            replies.push(pending.reply);
            let savepoint = if i == 0 {
                "SAVEPOINT kurnl_write"
            } else {
                "RELEASE kurnl_write; SAVEPOINT kurnl_write"
            };
            match grouped::apply(&mut *tx, Some(savepoint), pending.writes).await {
                Ok(()) => results.push(Ok(())),
                Err(err) => {
                    tx.execute("ROLLBACK TO kurnl_write")
                        .await
                        .map_err(map_sqlite)?;
                    results.push(Err(err));
                }
            }
        }
        tx.commit().await.map_err(map_sqlite)
    }
    .await;
    if let Err(err) = outcome {
        // The transaction as a whole failed (and was rolled back): nothing of it is durable.
        let message = err.to_string();
        let retryable = matches!(
            err,
            StoreError::Backend {
                retryable: true,
                ..
            }
        );
        results = replies
            .iter()
            .map(|_| {
                Err(StoreError::Backend {
                    message: message.clone(),
                    retryable,
                })
            })
            .collect();
    }
    for (reply, result) in replies.into_iter().zip(results) {
        let _ = reply.send(result);
    }
}

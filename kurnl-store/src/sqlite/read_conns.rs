//! The connections behind [`SqliteStore`](super::SqliteStore)'s single-statement reads.
//!
//! sqlx's pool pings a connection every time it goes back to the pool, to flush whatever a
//! cancelled query left behind. For SQLite that ping is a round trip to the connection's
//! thread, and the hot reads of a signup (location, port, idempotency key, email) are one
//! statement each, so the ping doubled their cost. These connections are read-only and never
//! hold a transaction (snapshots of several statements use the pool), so there is nothing to
//! flush: a read takes a free connection, runs its statement and hands the connection back by
//! dropping the guard.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions as _, Connection as _};
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

use crate::error::map_sqlite;
use kurnl_core::ports::StoreError;

/// A connection taken for one read; back in the set when dropped.
pub(crate) type ReadConn = OwnedMappedMutexGuard<Option<SqliteConnection>, SqliteConnection>;

/// A fixed set of read-only connections (`None` once closed).
#[derive(Debug)]
pub(crate) struct ReadConns {
    conns: Vec<Arc<Mutex<Option<SqliteConnection>>>>,
    next: AtomicUsize,
}

impl ReadConns {
    /// Opens `n` (at least one) connections with `options`.
    pub(crate) async fn open(options: &SqliteConnectOptions, n: u32) -> Result<Self, StoreError> {
        let mut conns = Vec::new();
        for _ in 0..n.max(1) {
            let conn = options.connect().await.map_err(map_sqlite)?;
            conns.push(Arc::new(Mutex::new(Some(conn))));
        }
        Ok(Self {
            conns,
            next: AtomicUsize::new(0),
        })
    }

    /// A free connection if there is one, else the next in turn once it is free.
    ///
    /// # Errors
    /// A backend error after [`ReadConns::close`].
    pub(crate) async fn acquire(&self) -> Result<ReadConn, StoreError> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.conns.len();
        let free = (0..n).find_map(|i| {
            Arc::clone(&self.conns[(start + i) % n])
                .try_lock_owned()
                .ok()
        });
        let guard: OwnedMutexGuard<Option<SqliteConnection>> = match free {
            Some(guard) => guard,
            None => Arc::clone(&self.conns[start % n]).lock_owned().await,
        };
        OwnedMutexGuard::try_map(guard, Option::as_mut)
            .map_err(|_| StoreError::backend("the sqlite store is closed"))
    }

    /// Closes every connection once its running statement is done.
    pub(crate) async fn close(&self) {
        for conn in &self.conns {
            if let Some(conn) = conn.lock().await.take() {
                let _ = conn.close().await;
            }
        }
    }
}

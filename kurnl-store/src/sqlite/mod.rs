//! [`SqliteStore`]: the embedded default backend.

mod group;
mod read_conns;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::error::map_sqlite;
use group::GroupCommit;
pub use group::GroupCommitStats;
use read_conns::{ReadConn, ReadConns};

crate::store_impl::store_imports!();

/// Embedded migrations for SQLite.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// What a commit waits for before it returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: a returned commit survives power loss. The default.
    #[default]
    Full,
    /// `synchronous=NORMAL`: in WAL mode a returned commit survives a crash of the process but
    /// the last commits may be lost on power loss. Faster; opt in explicitly.
    Normal,
}

/// How to open a [`SqliteStore`].
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// `synchronous` setting; [`Durability::Full`] by default.
    pub durability: Durability,
    /// How long a statement waits for another process's lock (`busy_timeout`); 5 s by default.
    pub busy_timeout: Duration,
    /// Read connections (reads run beside the single writer in WAL mode): this many serve
    /// single-statement reads and as many again multi-statement snapshots; 4 by default.
    pub read_connections: u32,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            durability: Durability::Full,
            busy_timeout: Duration::from_secs(5),
            read_connections: 4,
        }
    }
}

/// The [`Store`](kurnl_core::ports::Store) on SQLite: a database file (or memory) inside the
/// embedding process.
///
/// - One writer connection, every write in `BEGIN IMMEDIATE`, so writers never deadlock on
///   lock upgrades; read connections beside it (WAL mode lets readers see the last
///   commit without blocking the writer).
/// - [`Store::commit`](kurnl_core::ports::Store::commit) uses group commit: concurrent write
///   sets share one transaction and one fsync, each in its own savepoint, so each is still
///   all-or-nothing and gets its own conflict.
/// - `synchronous=FULL` by default ([`Durability`]), `busy_timeout` for other processes
///   sharing the file.
/// - Migrations (`migrations/sqlite`) are embedded and applied on open.
///
/// ```no_run
/// # async fn demo() -> Result<(), kurnl_core::ports::StoreError> {
/// use kurnl_store::SqliteStore;
/// let store = SqliteStore::open("/var/lib/kurnl/kurnl.db").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// `PRAGMA synchronous = ...; BEGIN IMMEDIATE` for durable writes.
    begin_durable: &'static str,
    writer: SqlitePool,
    /// Snapshots of several statements (`BEGIN` ... `ROLLBACK`).
    reader: SqlitePool,
    /// Single-statement reads, without the pool's ping on release (see [`read_conns`]).
    hot_readers: Option<Arc<ReadConns>>,
    group: Arc<GroupCommit>,
    path: Option<PathBuf>,
}

impl SqliteStore {
    /// The newest migration embedded in this build, which [`Store::check_ready`] expects
    /// the database to be at.
    ///
    /// [`Store::check_ready`]: kurnl_core::ports::Store::check_ready
    pub(crate) fn expected_schema_version() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Opens (creating if missing) the database file at `path` with default options.
    ///
    /// # Errors
    /// A backend error when the file cannot be opened or migrated.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// Opens (creating if missing) the database file at `path`.
    ///
    /// # Errors
    /// A backend error when the file cannot be opened or migrated.
    pub async fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let synchronous = match options.durability {
            Durability::Full => SqliteSynchronous::Full,
            Durability::Normal => SqliteSynchronous::Normal,
        };
        let base = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(options.busy_timeout)
            // Savepoints (one per write set in a group commit) journal the pages they change;
            // in memory that costs a copy, in a temporary file a write system call per page.
            .pragma("temp_store", "memory");
        // No ping before handing a connection out: SQLite runs in-process, so the ping only
        // costs a round trip to the connection's thread (sqlx still checks it on release).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .test_before_acquire(false)
            // Every insert touches the unique indexes (email, idempotency key, location) at
            // random pages: a bigger cache on the writer keeps them in memory as the
            // database grows (SQLite's default is 2 MB; this is an upper bound, not an
            // allocation).
            .connect_with(base.clone().pragma("cache_size", WRITER_CACHE_KIB))
            .await
            .map_err(map_sqlite)?;
        MIGRATOR
            .run(&writer)
            .await
            .map_err(|e| StoreError::backend(format!("sqlite migration failed: {e}")))?;
        let read_only = base.read_only(true);
        let reader = SqlitePoolOptions::new()
            .max_connections(options.read_connections.max(1))
            .test_before_acquire(false)
            .connect_with(read_only.clone())
            .await
            .map_err(map_sqlite)?;
        let hot_readers = ReadConns::open(&read_only, options.read_connections).await?;
        Ok(Self {
            begin_durable: begin_durable(options.durability),
            writer,
            reader,
            hot_readers: Some(Arc::new(hot_readers)),
            group: Arc::default(),
            path: Some(path),
        })
    }

    /// A private in-memory database, gone when the store is dropped. Reads and writes share
    /// one connection (an in-memory database lives only as long as its connection).
    ///
    /// # Errors
    /// A backend error when SQLite cannot start (should not happen).
    pub async fn in_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:").map_err(map_sqlite)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .test_before_acquire(false)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(map_sqlite)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::backend(format!("sqlite migration failed: {e}")))?;
        Ok(Self {
            begin_durable: begin_durable(Durability::Full),
            writer: pool.clone(),
            reader: pool,
            // In memory there is one connection, shared through the pool.
            hot_readers: None,
            group: Arc::default(),
            path: None,
        })
    }

    /// The database file, `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// How many group transactions the writes of this store took so far: write sets per
    /// transaction is the batching factor (1 means every write paid its own fsync).
    pub fn group_commit_stats(&self) -> GroupCommitStats {
        self.group.stats()
    }

    /// The read pool, for diagnostics and tests (e.g. `EXPLAIN QUERY PLAN`).
    pub fn read_pool(&self) -> &SqlitePool {
        &self.reader
    }

    /// Closes every connection, waiting for running statements.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
        if let Some(hot) = &self.hot_readers {
            hot.close().await;
        }
    }

    fn map_sqlx(err: sqlx::Error) -> StoreError {
        map_sqlite(err)
    }

    async fn read_conn(&self) -> Result<HotRead, StoreError> {
        match &self.hot_readers {
            Some(hot) => hot.acquire().await.map(HotRead::Own),
            None => self
                .reader
                .acquire()
                .await
                .map(HotRead::Pooled)
                .map_err(map_sqlite),
        }
    }

    async fn read_tx(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.reader.begin().await.map_err(map_sqlite)
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.writer
            .begin_with(self.begin_durable)
            .await
            .map_err(map_sqlite)
    }

    async fn begin_lease_write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.writer
            .begin_with(BEGIN_LEASE)
            .await
            .map_err(map_sqlite)
    }

    /// A claim is one statement ([`queue::claim_jobs`]): it commits on its own, after
    /// [`CLAIM_SYNC`] in the same call, instead of in a transaction of its own (two more
    /// hand-overs to the writer's thread).
    async fn claim(&self, request: &ClaimRequest) -> Result<Option<ClaimedJobs>, StoreError> {
        let mut conn = self.writer.acquire().await.map_err(map_sqlite)?;
        queue::claim_jobs(&mut *conn, Some(CLAIM_SYNC), request).await
    }

    /// An event claim in a lease transaction (see `ops::outbox`).
    async fn claim_event_batch(&self, claim: &EventClaim) -> Result<Vec<Event>, StoreError> {
        lease_tx!(self, outbox::claim_events, claim)
    }

    /// Group commit: see [`group`].
    async fn commit_writes(&self, writes: GroupedWrite) -> Result<(), StoreError> {
        self.group
            .commit(&self.writer, self.begin_durable, writes)
            .await
    }
}

/// The connection of a single-statement read: one of the store's own read connections, or the
/// pool's (in memory).
enum HotRead {
    Own(ReadConn),
    Pooled(PoolConnection<Sqlite>),
}

impl std::ops::Deref for HotRead {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &Self::Target {
        match self {
            Self::Own(c) => c,
            Self::Pooled(c) => c,
        }
    }
}

impl std::ops::DerefMut for HotRead {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Self::Own(c) => c,
            Self::Pooled(c) => c,
        }
    }
}

/// The writer's page cache, as SQLite's `cache_size` (negative: KiB): 32 MiB.
const WRITER_CACHE_KIB: &str = "-32768";

/// Every write transaction sets its own `synchronous` level as it begins (in the same call),
/// so a lease transaction can never leave the writer connection non-durable for the next one.
fn begin_durable(durability: Durability) -> &'static str {
    match durability {
        Durability::Full => "PRAGMA synchronous = FULL; BEGIN IMMEDIATE",
        Durability::Normal => BEGIN_LEASE,
    }
}

/// Claims and reaping only hand out or take back leases. In WAL mode `synchronous = NORMAL`
/// commits without an fsync; frames reach the disk in log order with the next durable
/// commit's fsync, so a power loss can only drop the latest leases, which puts their jobs or
/// events back to pending as an expired lease would. A finish under a lost lease then fails
/// with `LeaseLost`.
const BEGIN_LEASE: &str = "PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE";

/// A claim's durability, as [`BEGIN_LEASE`]'s, for its single statement (a write statement
/// takes the write lock before it reads, as `BEGIN IMMEDIATE` would).
const CLAIM_SYNC: &str = "PRAGMA synchronous = NORMAL";

impl_store!(SqliteStore);

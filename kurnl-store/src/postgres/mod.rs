//! [`PgStore`]: PostgreSQL, for several worker processes on one database (feature `postgres`).

mod activity;
mod delivery_batch;
#[cfg(test)]
mod tests;

pub use activity::ActivitySample;
pub use delivery_batch::DeliveryBatchStats;

use delivery_batch::DeliveryBatch;
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection as _, Executor as _, Postgres, Transaction};
use std::str::FromStr;

use crate::error::map_pg;
use crate::ops::grouped;

crate::store_impl::store_imports!();

/// Embedded migrations for PostgreSQL.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// How to connect a [`PgStore`].
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Keep kurnl's tables in this schema (created if missing, set as `search_path` on every
    /// pooled connection); `None` uses the connection's default `search_path`. Lower-case
    /// letters, digits and `_` only.
    pub schema: Option<String>,
    /// Pool size; 10 by default.
    pub max_connections: u32,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            schema: None,
            max_connections: 10,
        }
    }
}

/// The [`Store`](kurnl_core::ports::Store) on PostgreSQL.
///
/// Writes run in `READ COMMITTED` transactions; uniqueness comes from unique indexes (the
/// losers of a race wait for the winner's commit and then fail with the index's conflict),
/// updates are compare-and-swap on `revision`. Job claims lock the switch with a
/// transaction-scoped advisory lock (the per-switch session limit holds across processes)
/// and take jobs `FOR UPDATE SKIP LOCKED`; event claims use `FOR UPDATE SKIP LOCKED` too.
/// Migrations (`migrations/postgres`) are embedded and applied on connect.
///
/// ```no_run
/// # async fn demo() -> Result<(), kurnl_core::ports::StoreError> {
/// use kurnl_store::PgStore;
/// let store = PgStore::connect("postgres://kurnl@localhost/kurnl").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    schema: Option<String>,
    deliveries: Arc<DeliveryBatch>,
}

fn valid_schema(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
}

impl PgStore {
    /// The newest migration embedded in this build, which [`Store::check_ready`] expects
    /// the database to be at.
    ///
    /// [`Store::check_ready`]: kurnl_core::ports::Store::check_ready
    pub(crate) fn expected_schema_version() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Connects to `url` with default options and applies the migrations.
    ///
    /// # Errors
    /// A backend error when the database cannot be reached or migrated.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PgOptions::default()).await
    }

    /// Connects to `url`, keeping the tables in `schema` (created if missing). Tests use one
    /// fresh schema per store so that suites run in parallel on one database.
    ///
    /// # Errors
    /// A backend error for an invalid schema name or when the database cannot be reached.
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        Self::connect_with(
            url,
            PgOptions {
                schema: Some(schema.to_owned()),
                ..PgOptions::default()
            },
        )
        .await
    }

    /// Connects to `url` with `options` and applies the migrations.
    ///
    /// # Errors
    /// A backend error for an invalid schema name or when the database cannot be reached or
    /// migrated.
    pub async fn connect_with(url: &str, options: PgOptions) -> Result<Self, StoreError> {
        let connect = PgConnectOptions::from_str(url).map_err(map_pg)?;
        // No ping before handing a connection out (sqlx still pings on release): a broken
        // connection fails its statement with a retryable error instead of costing every
        // operation an extra round trip to the server.
        let mut pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .test_before_acquire(false);
        if let Some(schema) = &options.schema {
            if !valid_schema(schema) {
                return Err(StoreError::backend(format!(
                    "invalid schema name {schema:?}"
                )));
            }
            let mut conn = sqlx::PgConnection::connect_with(&connect)
                .await
                .map_err(map_pg)?;
            // `IF NOT EXISTS` does not make concurrent creations safe (the loser fails on
            // `pg_namespace`'s unique index): processes starting at once take turns.
            let mut tx = conn.begin().await.map_err(map_pg)?;
            tx.execute("SELECT pg_advisory_xact_lock(hashtextextended('kurnl-create-schema', 0))")
                .await
                .map_err(map_pg)?;
            tx.execute(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"").as_str())
                .await
                .map_err(map_pg)?;
            tx.commit().await.map_err(map_pg)?;
            conn.close().await.map_err(map_pg)?;
            let search_path = format!("SET search_path TO \"{schema}\"");
            pool = pool.after_connect(move |conn, _meta| {
                let sql = search_path.clone();
                Box::pin(async move {
                    conn.execute(sql.as_str()).await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(connect).await.map_err(map_pg)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::backend(format!("postgres migration failed: {e}")))?;
        install_claim_function(&pool).await?;
        Ok(Self {
            pool,
            schema: options.schema,
            deliveries: Arc::default(),
        })
    }

    /// The connection pool, for diagnostics and tests (e.g. `EXPLAIN`).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// How the delivery records of this store (and its clones) have been batching: concurrent
    /// records share one statement and one commit.
    pub fn delivery_batch_stats(&self) -> DeliveryBatchStats {
        self.deliveries.stats()
    }

    /// The schema holding the tables, when one was given.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Drops the store's schema with everything in it and closes the pool (test clean-up).
    ///
    /// # Errors
    /// A backend error when the store has no schema of its own or the drop fails.
    pub async fn drop_schema(self) -> Result<(), StoreError> {
        let schema = self
            .schema
            .clone()
            .ok_or_else(|| StoreError::backend("store has no schema of its own"))?;
        self.pool
            .execute(format!("DROP SCHEMA \"{schema}\" CASCADE").as_str())
            .await
            .map_err(map_pg)?;
        self.pool.close().await;
        Ok(())
    }

    fn map_sqlx(err: sqlx::Error) -> StoreError {
        map_pg(err)
    }

    async fn read_conn(&self) -> Result<PoolConnection<Postgres>, StoreError> {
        self.pool.acquire().await.map_err(map_pg)
    }

    async fn read_tx(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(map_pg)
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool.begin().await.map_err(map_pg)
    }

    /// Reaping's transaction (claims are one statement each and set `synchronous_commit = off`
    /// themselves, see `ops::queue` and `ops::outbox`).
    async fn begin_lease_write(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.begin_write().await
    }

    /// A claim: one call of the claim function, no transaction (see `ops::queue`).
    async fn claim(&self, request: &ClaimRequest) -> Result<Option<ClaimedJobs>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(map_pg)?;
        queue::claim_jobs(&mut *conn, None, request).await
    }

    /// An event claim: one statement, no transaction (see `ops::outbox`).
    async fn claim_event_batch(&self, claim: &EventClaim) -> Result<Vec<Event>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(map_pg)?;
        outbox::claim_events(&mut *conn, claim).await
    }

    /// A write that is one statement runs on its own, without `BEGIN` and `COMMIT`: two
    /// round trips fewer, and a statement is atomic anyway (see `ops::one_statement`).
    async fn commit_writes(&self, writes: GroupedWrite) -> Result<(), StoreError> {
        if let GroupedWrite::RecordDelivery { event, record } = writes {
            return self.deliveries.record(&self.pool, event, record).await;
        }
        if writes.is_one_statement_on_postgres() {
            let mut conn = self.pool.acquire().await.map_err(map_pg)?;
            return grouped::apply(&mut *conn, None, writes).await;
        }
        write_tx!(self, grouped::apply, None, writes)
    }
}

/// Creates this build's claim function (`ops::queue::PgClaimFunction`) unless it exists. A
/// transaction-scoped advisory lock makes processes that connect at once create it one after
/// the other; the later ones find it.
async fn install_claim_function(pool: &PgPool) -> Result<(), StoreError> {
    let function = &*queue::PG_CLAIM_FUNCTION;
    let mut tx = pool.begin().await.map_err(map_pg)?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtextextended('kurnl-claim-function', 0))")
        .await
        .map_err(map_pg)?;
    let exists: Option<(i32,)> = sqlx::query_as(
        "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE p.proname = $1 AND n.nspname = current_schema()",
    )
    .bind(&function.name)
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_pg)?;
    if exists.is_none() {
        tx.execute(function.create.as_str()).await.map_err(map_pg)?;
    }
    tx.commit().await.map_err(map_pg)
}

impl_store!(PgStore);

//! # kurnl-store
//!
//! The [`Store`](kurnl_core::ports::Store) port of `kurnl-core` on real databases, with sqlx:
//!
//! - [`SqliteStore`] — the embedded default: a database file (or memory) in the embedding
//!   process, WAL mode, `synchronous=FULL` unless [`Durability::Normal`] is asked for.
//! - `PgStore` (feature `postgres`) — PostgreSQL for several worker processes on one
//!   database; job claims use `FOR UPDATE SKIP LOCKED` and a per-switch advisory lock.
//!
//! Both pass `kurnl_core`'s Store conformance suite, share one implementation of the queries
//! (written with `$n` placeholders, which both backends bind) and embed their migrations
//! (`migrations/sqlite`, `migrations/postgres`), applied on open. Uniqueness rules are unique
//! indexes (partial ones `WHERE status <> 'CANCELLED'` for live subscriptions) and violations
//! map to [`ConflictKind`](kurnl_core::ports::ConflictKind) by which index rejected the write.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kurnl_core::ports::StoreError> {
//! use std::sync::Arc;
//! use kurnl_core::ports::Store;
//! use kurnl_store::SqliteStore;
//!
//! let store: Arc<dyn Store> = Arc::new(SqliteStore::open("kurnl.db").await?);
//! assert!(store.list_switches().await?.is_empty());
//! # Ok(()) }
//! ```

mod conn;
mod error;
mod ops;
#[cfg(feature = "postgres")]
mod postgres;
mod rows;
mod sqlite;
mod store_impl;

#[cfg(feature = "postgres")]
pub use postgres::{PgOptions, PgStore};
pub use sqlite::{Durability, SqliteOptions, SqliteStore};

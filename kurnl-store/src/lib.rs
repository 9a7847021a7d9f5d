//! # kurnl-store
//!
//! The [`Store`](kurnl_core::ports::Store) port of `kurnl-core` on real databases, with sqlx:
//!
//! | backend | feature | for |
//! |---|---|---|
//! | [`SqliteStore`] | (default) | one process embedding kurnl: a database file, or memory |
//! | `PgStore` | `postgres` | several worker processes sharing one PostgreSQL database |
//!
//! Both pass `kurnl_core`'s Store conformance suite (`kurnl_core::store_conformance_tests!`),
//! share one implementation of every query (written with `$n` placeholders, which both
//! backends bind by number) and embed their migrations (`migrations/sqlite`,
//! `migrations/postgres`), applied on open; no query needs a database to compile.
//!
//! - **Uniqueness** is enforced by unique indexes — partial ones `WHERE status <>
//!   'CANCELLED'` for the live-subscription rules — and a violation maps to its
//!   [`ConflictKind`](kurnl_core::ports::ConflictKind) by which index rejected the write
//!   (PostgreSQL reports the index name, SQLite the column list).
//! - **Optimistic revisions**: updates are `UPDATE ... WHERE id = ? AND revision = ?`.
//! - **Transactional outbox**: a write set (state change, jobs, events) is one transaction.
//! - **Job queue**: claims take due jobs that head their port's queue, on one switch, while
//!   the switch holds fewer leases than its `max_sessions`; PostgreSQL serialises claims per
//!   switch with an advisory lock and takes rows `FOR UPDATE SKIP LOCKED`.
//! - **Durability**: SQLite runs in WAL mode with `synchronous=FULL` unless
//!   [`Durability::Normal`] is asked for, and batches concurrent commits into one transaction
//!   and one fsync (group commit), each write set in its own savepoint and, when it only
//!   inserts, in one round trip. Claims and lease reaping commit without their own fsync
//!   (`synchronous = NORMAL` for that transaction): the next durable commit flushes them, and a
//!   lease lost to a power cut only puts its jobs or events back to pending early.
//! - **Ids**: use time-ordered ids (`kurnl_core::ports::TimeOrderedIds`, the service
//!   default); random v4 ids scatter every insert over the id indexes and cost about half the
//!   durable write rate.
//! - **Time stamps** are stored as fixed-width RFC 3339 text with nanoseconds, which sorts in
//!   time order and reads back exactly.
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
//!
//! Tests of this crate that need PostgreSQL read `KURNL_TEST_POSTGRES_URL` and isolate
//! themselves in a fresh schema each; without the variable they print a skip notice, unless
//! `KURNL_TEST_REQUIRE` contains `postgres` (CI), in which case they fail.

mod conn;
mod error;
#[cfg(test)]
mod explain;
mod ops;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(test)]
mod readiness_check;
mod rows;
mod sqlite;
mod store_impl;

#[cfg(feature = "postgres")]
pub use postgres::{ActivitySample, DeliveryBatchStats, PgOptions, PgStore};
pub use sqlite::{Durability, GroupCommitStats, SqliteOptions, SqliteStore};

//! Mapping backend errors to [`StoreError`].
//!
//! Constraint violations are mapped by *which* unique index rejected the write, never by
//! guessing from the operation:
//! - PostgreSQL reports the index name (`constraint()` of the error), looked up in
//!   [`PG_CONSTRAINTS`];
//! - SQLite does not report index names for unique indexes on plain columns; its message is
//!   `UNIQUE constraint failed: <table>.<col>, <table>.<col>`, whose column list is looked up
//!   in [`SQLITE_CONSTRAINTS`]. The migrations keep those column lists distinct.

use kurnl_core::ports::{ConflictKind, StoreError};

/// Result of store internals.
pub(crate) type StoreResult<T> = Result<T, StoreError>;

/// SQLite unique-violation column lists and the rule each one enforces.
pub(crate) const SQLITE_CONSTRAINTS: &[(&str, ConflictKind)] = &[
    (
        "subscribers.provider_id, subscribers.sandbox, subscribers.email",
        ConflictKind::SubscriberEmail,
    ),
    (
        "subscriptions.provider_id, subscriptions.sandbox, subscriptions.idempotency_key",
        ConflictKind::IdempotencyKey,
    ),
    (
        "subscriptions.sandbox, subscriptions.port_switch_id, subscriptions.port_number",
        ConflictKind::PortTaken,
    ),
    (
        "subscriptions.sandbox, subscriptions.unit_id",
        ConflictKind::UnitTaken,
    ),
    ("subscribers.id", ConflictKind::DuplicateId),
    ("subscriptions.id", ConflictKind::DuplicateId),
    ("jobs.id", ConflictKind::DuplicateId),
    ("events.id", ConflictKind::DuplicateId),
    ("batches.id", ConflictKind::DuplicateId),
    ("operator_keys.id", ConflictKind::DuplicateId),
    ("operator_keys.key_hash", ConflictKind::DuplicateId),
    (
        "batch_entries.batch_id, batch_entries.idx",
        ConflictKind::DuplicateId,
    ),
    ("drift_findings.id", ConflictKind::DuplicateId),
];

/// PostgreSQL unique index names and the rule each one enforces.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) const PG_CONSTRAINTS: &[(&str, ConflictKind)] = &[
    ("subscribers_email_uq", ConflictKind::SubscriberEmail),
    ("subscriptions_idempotency_uq", ConflictKind::IdempotencyKey),
    ("subscriptions_port_uq", ConflictKind::PortTaken),
    ("subscriptions_unit_uq", ConflictKind::UnitTaken),
    ("subscribers_pkey", ConflictKind::DuplicateId),
    ("subscriptions_id_uq", ConflictKind::DuplicateId),
    ("jobs_id_uq", ConflictKind::DuplicateId),
    ("events_id_uq", ConflictKind::DuplicateId),
    ("batches_id_uq", ConflictKind::DuplicateId),
    ("operator_keys_id_uq", ConflictKind::DuplicateId),
    ("operator_keys_hash_uq", ConflictKind::DuplicateId),
    ("batch_entries_pkey", ConflictKind::DuplicateId),
    ("drift_findings_id_uq", ConflictKind::DuplicateId),
];

/// A stored value that does not parse back into its domain type.
pub(crate) fn corrupt(what: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::backend(format!("corrupt {what} in store: {err}"))
}

fn other(err: sqlx::Error) -> StoreError {
    let retryable = matches!(
        err,
        sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
    );
    StoreError::Backend {
        message: err.to_string(),
        retryable,
    }
}

/// Maps a SQLite error.
pub(crate) fn map_sqlite(err: sqlx::Error) -> StoreError {
    let sqlx::Error::Database(db) = &err else {
        return other(err);
    };
    if db.kind() == sqlx::error::ErrorKind::UniqueViolation {
        let columns = db
            .message()
            .strip_prefix("UNIQUE constraint failed: ")
            .unwrap_or_default();
        if let Some((_, kind)) = SQLITE_CONSTRAINTS.iter().find(|(cols, _)| *cols == columns) {
            return StoreError::Conflict(*kind);
        }
    }
    // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes in the low byte.
    let primary = db
        .code()
        .and_then(|c| c.parse::<i32>().ok())
        .map(|c| c & 0xff);
    let retryable = matches!(primary, Some(5 | 6));
    StoreError::Backend {
        message: format!("sqlite: {}", db.message()),
        retryable,
    }
}

/// SQLSTATE of `kurnl_check_failed(what)` (migration `0004_check_failed.sql`): a
/// single-statement write found that it must not take effect and rolled itself back.
#[cfg(feature = "postgres")]
const CHECK_FAILED_CODE: &str = "KU001";

/// What a single-statement write passes to `kurnl_check_failed` (PostgreSQL), and the error
/// it means.
pub(crate) mod check {
    /// The lease does not hold every job or event the write names.
    pub(crate) const LEASE_LOST: &str = "lease_lost";
    /// A compare-and-swap found another revision.
    pub(crate) const REVISION: &str = "revision";
    /// The subscription to update does not exist (for this provider).
    pub(crate) const SUBSCRIPTION_NOT_FOUND: &str = "subscription_not_found";
}

#[cfg(feature = "postgres")]
fn check_failed(what: &str) -> StoreError {
    match what {
        check::LEASE_LOST => StoreError::LeaseLost,
        check::REVISION => StoreError::Conflict(ConflictKind::Revision),
        check::SUBSCRIPTION_NOT_FOUND => StoreError::NotFound("subscription"),
        other => StoreError::backend(format!("postgres: unknown check failure {other:?}")),
    }
}

/// Maps a PostgreSQL error.
#[cfg(feature = "postgres")]
pub(crate) fn map_pg(err: sqlx::Error) -> StoreError {
    let sqlx::Error::Database(db) = &err else {
        return other(err);
    };
    if db.kind() == sqlx::error::ErrorKind::UniqueViolation
        && let Some((_, kind)) = PG_CONSTRAINTS
            .iter()
            .find(|(name, _)| Some(*name) == db.constraint())
    {
        return StoreError::Conflict(*kind);
    }
    if db.code().as_deref() == Some(CHECK_FAILED_CODE) {
        return check_failed(db.message());
    }
    // serialization_failure, deadlock_detected, lock_not_available, admin/crash shutdown
    let retryable = matches!(
        db.code().as_deref(),
        Some("40001" | "40P01" | "55P03" | "57P01" | "57P02" | "57P03")
    );
    StoreError::Backend {
        message: format!("postgres: {}", db.message()),
        retryable,
    }
}

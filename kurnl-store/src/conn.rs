//! One connection abstraction over both backends, so that every query is written once.
//!
//! Queries use `$1`, `$2`, ... placeholders, which PostgreSQL and (through sqlx) SQLite both
//! bind by number. Arguments are [`Arg`] values bound with the backend's own encoding; rows are
//! `#[derive(sqlx::FromRow)]` structs, which sqlx implements for every backend's row type.

use std::future::Future;

use chrono::{DateTime, Utc};
use sqlx::Arguments as _;
use uuid::Uuid;

use crate::error::{StoreResult, corrupt, map_sqlite};
use kurnl_core::ports::StoreError;

/// Which SQL dialect a connection speaks, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite: one writer at a time, so no row locks are needed.
    Sqlite,
    /// PostgreSQL: concurrent writers, claims take row and advisory locks.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Postgres,
}

/// A bind argument. Timestamps are stored as [`stamp`] text.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Uuid(Option<Uuid>),
    Int(Option<i64>),
    Text(Option<String>),
    Bool(bool),
    Json(Option<serde_json::Value>),
    Time(Option<DateTime<Utc>>),
}

/// The stored form of a timestamp: RFC 3339 in UTC with exactly nine fractional digits
/// (`2026-01-01T00:00:00.000000000Z`). Fixed width, so text order is time order; exact, so a
/// value reads back equal. Years outside 0000..=9999 cannot be stored.
pub(crate) fn stamp(t: DateTime<Utc>) -> StoreResult<String> {
    use chrono::Datelike as _;
    if !(0..=9999).contains(&t.year()) {
        return Err(StoreError::backend(format!(
            "timestamp {t} is outside the storable years 0000-9999"
        )));
    }
    Ok(t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string())
}

/// The inverse of [`stamp`].
pub(crate) fn time(raw: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| corrupt("timestamp", e))
}

/// [`time`] of an optional column.
pub(crate) fn time_opt(raw: Option<String>) -> StoreResult<Option<DateTime<Utc>>> {
    raw.as_deref().map(time).transpose()
}

impl Arg {
    /// Serialises a value as JSON.
    pub(crate) fn json<T: serde::Serialize>(value: &T) -> StoreResult<Self> {
        serde_json::to_value(value)
            .map(|v| Self::Json(Some(v)))
            .map_err(|e| corrupt("json value", e))
    }

    /// Serialises an optional value as JSON (`NULL` for `None`).
    pub(crate) fn json_opt<T: serde::Serialize>(value: Option<&T>) -> StoreResult<Self> {
        match value {
            Some(v) => Self::json(v),
            None => Ok(Self::Json(None)),
        }
    }
}

macro_rules! arg_from {
    ($($t:ty => $variant:ident($conv:expr)),* $(,)?) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                #[allow(clippy::redundant_closure_call)]
                Arg::$variant(Some(($conv)(v)))
            }
        }
        impl From<Option<$t>> for Arg {
            fn from(v: Option<$t>) -> Self {
                #[allow(clippy::redundant_closure_call)]
                Arg::$variant(v.map($conv))
            }
        }
    )*};
}

arg_from! {
    Uuid => Uuid(|v| v),
    i64 => Int(|v| v),
    u32 => Int(i64::from),
    u16 => Int(i64::from),
    String => Text(|v| v),
    &str => Text(str::to_owned),
    DateTime<Utc> => Time(|v| v),
}

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

/// Builds a `Vec<Arg>` from values that convert into [`Arg`].
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::conn::Arg::from($v)),*] };
}
pub(crate) use args;

/// A row type readable from every enabled backend.
#[cfg(not(feature = "postgres"))]
pub(crate) trait DbRow:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin
{
}
#[cfg(not(feature = "postgres"))]
impl<T> DbRow for T where T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin {}

/// A row type readable from every enabled backend.
#[cfg(feature = "postgres")]
pub(crate) trait DbRow:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    + Send
    + Unpin
{
}
#[cfg(feature = "postgres")]
impl<T> DbRow for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin
{
}

/// A connection (usually inside a transaction) that runs `$n`-placeholder SQL.
pub(crate) trait Conn: Send {
    /// The dialect, for the statements that differ.
    const DIALECT: Dialect;

    /// Runs a statement; the number of rows it changed.
    fn execute(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Runs a query; all its rows.
    fn fetch_all<T: DbRow>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> impl Future<Output = StoreResult<Vec<T>>> + Send;

    /// Runs a query; its first row, if any.
    fn fetch_optional<T: DbRow>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> impl Future<Output = StoreResult<Option<T>>> + Send;
}

/// Encodes the arguments for one backend.
macro_rules! encode_args {
    ($db:ty, $args:expr) => {{
        let mut out = <$db as sqlx::Database>::Arguments::default();
        for arg in $args {
            let added = match arg {
                Arg::Uuid(v) => out.add(v),
                Arg::Int(v) => out.add(v),
                Arg::Text(v) => out.add(v),
                Arg::Bool(v) => out.add(v),
                Arg::Json(v) => out.add(v.map(sqlx::types::Json)),
                Arg::Time(v) => out.add(v.map(stamp).transpose()?),
            };
            added.map_err(|e| StoreError::backend(format!("cannot bind argument: {e}")))?;
        }
        out
    }};
}

impl Conn for sqlx::SqliteConnection {
    const DIALECT: Dialect = Dialect::Sqlite;

    async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        let args = encode_args!(sqlx::Sqlite, args);
        let done = sqlx::query_with(sql, args)
            .execute(&mut *self)
            .await
            .map_err(map_sqlite)?;
        Ok(done.rows_affected())
    }

    async fn fetch_all<T: DbRow>(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<T>> {
        let args = encode_args!(sqlx::Sqlite, args);
        sqlx::query_as_with(sql, args)
            .fetch_all(&mut *self)
            .await
            .map_err(map_sqlite)
    }

    async fn fetch_optional<T: DbRow>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> StoreResult<Option<T>> {
        let args = encode_args!(sqlx::Sqlite, args);
        sqlx::query_as_with(sql, args)
            .fetch_optional(&mut *self)
            .await
            .map_err(map_sqlite)
    }
}

#[cfg(feature = "postgres")]
impl Conn for sqlx::PgConnection {
    const DIALECT: Dialect = Dialect::Postgres;

    async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        let args = encode_args!(sqlx::Postgres, args);
        let done = sqlx::query_with(sql, args)
            .execute(&mut *self)
            .await
            .map_err(crate::error::map_pg)?;
        Ok(done.rows_affected())
    }

    async fn fetch_all<T: DbRow>(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<T>> {
        let args = encode_args!(sqlx::Postgres, args);
        sqlx::query_as_with(sql, args)
            .fetch_all(&mut *self)
            .await
            .map_err(crate::error::map_pg)
    }

    async fn fetch_optional<T: DbRow>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> StoreResult<Option<T>> {
        let args = encode_args!(sqlx::Postgres, args);
        sqlx::query_as_with(sql, args)
            .fetch_optional(&mut *self)
            .await
            .map_err(crate::error::map_pg)
    }
}

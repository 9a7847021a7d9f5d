//! Row types (one per table, read with `#[derive(sqlx::FromRow)]`) and their conversion to and
//! from the domain model. Stored text is parsed back through the validated constructors, so a
//! hand-edited row that breaks an invariant surfaces as a backend error instead of a bad value.

mod drift;
mod inventory;
mod queue;
mod subscribers;

pub(crate) use drift::*;
pub(crate) use inventory::*;
pub(crate) use queue::*;
pub(crate) use subscribers::*;

use crate::error::{StoreResult, corrupt};

/// Parses a stored value with a validated constructor.
pub(crate) fn parse<T, E: std::fmt::Display>(what: &str, parsed: Result<T, E>) -> StoreResult<T> {
    parsed.map_err(|e| corrupt(what, e))
}

/// A stored non-negative count that must fit in `u32`.
pub(crate) fn to_u32(what: &str, v: i64) -> StoreResult<u32> {
    u32::try_from(v).map_err(|e| corrupt(what, e))
}

/// The single `count(*)`-style column of a query.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CountRow {
    /// The value.
    pub(crate) n: i64,
}

/// A single id column.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct IdRow {
    /// The id.
    pub(crate) id: uuid::Uuid,
}

//! Several SQLite statements sent as one: a write set's inserts in one round trip.
//!
//! sqlx runs each SQLite connection on its own thread, so every statement is a hand-over to
//! that thread and back. A write set of four inserts plus its savepoint cost five such trips,
//! which showed up as a third of the group commit's time (thread switches, not SQLite work).
//! SQLite runs a string of several statements in order and stops at the first error, and sqlx
//! binds `$n` by number across all of them, so the statements are concatenated with their
//! placeholders renumbered into one argument list.
//!
//! Only for statements whose individual results are not needed (inserts whose failure is an
//! error), or whose one needed count is read back with `SELECT changes() AS n` right after it
//! ([`Statements::fetch_count`]; the row count sqlx sums over a string is not usable, since
//! SQLite reports the previous statement's count again for a `SAVEPOINT` or `RELEASE`).
//! PostgreSQL's extended protocol takes one statement per query, so this is SQLite-only.

use crate::conn::{Arg, Conn, Dialect};
use crate::error::StoreResult;
use crate::rows::CountRow;
use kurnl_core::ports::StoreError;

/// Statements to run in one call, in order, stopping at the first error.
#[derive(Debug, Default)]
pub(crate) struct Statements {
    sql: String,
    args: Vec<Arg>,
}

impl Statements {
    /// Statements that begin with `prefix` (the group commit's savepoint statements), if any.
    pub(crate) fn after(prefix: Option<&str>) -> Self {
        let mut s = Self::default();
        if let Some(prefix) = prefix {
            s.push(prefix, Vec::new());
        }
        s
    }

    /// Appends `sql` (with `$1`.. placeholders of its own) and its arguments.
    pub(crate) fn push(&mut self, sql: &str, args: Vec<Arg>) {
        if !self.sql.is_empty() {
            self.sql.push_str(";\n");
        }
        renumber_into(&mut self.sql, sql, self.args.len());
        self.args.extend(args);
    }

    /// Runs them all; the rows changed in total. SQLite only (see the module docs).
    pub(crate) async fn run<C: Conn>(self, c: &mut C) -> StoreResult<u64> {
        debug_assert_eq!(C::DIALECT, Dialect::Sqlite);
        if self.sql.is_empty() {
            return Ok(0);
        }
        c.execute(&self.sql, self.args).await
    }
}

impl Statements {
    /// Runs them all and returns the one count they select (one statement of them must be
    /// `SELECT changes() AS n` or similar, returning exactly one row). SQLite only.
    pub(crate) async fn fetch_count<C: Conn>(self, c: &mut C) -> StoreResult<i64> {
        debug_assert_eq!(C::DIALECT, Dialect::Sqlite);
        let rows: Vec<CountRow> = c.fetch_all(&self.sql, self.args).await?;
        match rows.as_slice() {
            [row] => Ok(row.n),
            _ => Err(StoreError::backend(format!(
                "expected one count from a statement string, got {} rows",
                rows.len()
            ))),
        }
    }
}

/// Runs `prefix` (the group commit's savepoint statements) on its own, if any: for writes that
/// need each statement's own result and so cannot join a [`Statements`] string.
pub(crate) async fn run_prefix<C: Conn>(c: &mut C, prefix: Option<&str>) -> StoreResult<()> {
    if let Some(prefix) = prefix {
        c.execute(prefix, Vec::new()).await?;
    }
    Ok(())
}

/// Appends `sql` to `out` with every `$n` placeholder shifted by `offset`. Our statements are
/// constants without `$` inside string literals, so every `$` followed by digits is a
/// placeholder.
pub(crate) fn renumber_into(out: &mut String, sql: &str, offset: usize) {
    let mut rest = sql;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..=pos]);
        rest = &rest[pos + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_shifted_past_earlier_arguments() {
        let mut s = Statements::default();
        s.push(
            "INSERT INTO a VALUES ($1, $2)",
            vec![Arg::from(1_i64), Arg::from(2_i64)],
        );
        s.push(
            "INSERT INTO b VALUES ($2, $1, $10, $)",
            vec![Arg::from(3_i64), Arg::from(4_i64)],
        );
        assert_eq!(
            s.sql,
            "INSERT INTO a VALUES ($1, $2);\nINSERT INTO b VALUES ($4, $3, $12, $)"
        );
        assert_eq!(s.args.len(), 4);
    }
}

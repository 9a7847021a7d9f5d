//! PostgreSQL: a write of several statements sent as one, so that it needs no `BEGIN` and
//! `COMMIT` of its own.
//!
//! A PostgreSQL statement outside an explicit transaction is its own transaction: all of it
//! takes effect or none. A write set of four inserts in `BEGIN`..`COMMIT` costs six round
//! trips, and each round trip is a wake-up of the server process and of the client task; on a
//! machine where the database shares the cores with kurnl that CPU, not the disk, limited the
//! scale-out path (issue 17). Here each statement becomes a data-modifying `WITH` item
//! (`name AS (INSERT ... RETURNING 1)`), and the final `SELECT` reads every item in order
//! (`(SELECT count(*) FROM name), ...`): the items run in the order they were added, so a write
//! that breaks several unique indexes reports the same one as the statements run one by one.
//! A check that must undo the whole write (a stale revision, a lost lease) calls
//! `kurnl_check_failed` in that `SELECT` (migration `0004_check_failed.sql`).

use crate::conn::Arg;
use crate::ops::statements::renumber_into;

/// The `WITH` items, the final `SELECT`'s columns and the arguments of one statement.
#[derive(Debug, Default)]
pub(crate) struct OneStatement {
    items: Vec<String>,
    columns: Vec<String>,
    args: Vec<Arg>,
}

impl OneStatement {
    /// Adds `name AS (sql)`, with `sql`'s own `$1`.. placeholders shifted past the arguments
    /// so far, and reads it in the final `SELECT` (`sql` must end in `RETURNING ...`). Returns
    /// the placeholder number that `sql`'s `$1` became.
    pub(crate) fn write(&mut self, name: &str, sql: &str, args: Vec<Arg>) -> usize {
        let first = self.args.len() + 1;
        let mut item = format!("{name} AS (");
        renumber_into(&mut item, sql, self.args.len());
        item.push(')');
        self.items.push(item);
        self.args.extend(args);
        self.columns.push(format!("(SELECT count(*) FROM {name})"));
        first
    }

    /// Adds an argument for [`OneStatement::items`] or [`OneStatement::column`]; its
    /// placeholder number.
    pub(crate) fn arg(&mut self, arg: Arg) -> usize {
        self.args.push(arg);
        self.args.len()
    }

    /// Adds ready-made `WITH` items (their placeholders already absolute, see
    /// [`OneStatement::arg`]).
    pub(crate) fn items(&mut self, items: String) {
        self.items.push(items);
    }

    /// Adds a column to the final `SELECT` (placeholders absolute).
    pub(crate) fn column(&mut self, expression: String) {
        self.columns.push(expression);
    }

    /// Whether nothing was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty() && self.columns.is_empty()
    }

    /// The statement and its arguments. The final `SELECT` returns one row; its first column
    /// is named `n` (the count of the first item, for a [`CountRow`](crate::rows::CountRow)).
    pub(crate) fn finish(self) -> (String, Vec<Arg>) {
        let mut sql = String::new();
        if !self.items.is_empty() {
            sql.push_str("WITH ");
            sql.push_str(&self.items.join(", "));
            sql.push(' ');
        }
        sql.push_str("SELECT ");
        if self.columns.is_empty() {
            sql.push_str("1 AS n");
        } else {
            sql.push_str(&self.columns[0]);
            sql.push_str(" AS n");
            for column in &self.columns[1..] {
                sql.push_str(", ");
                sql.push_str(column);
            }
        }
        (sql, self.args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_renumbered_and_read_in_order() {
        let mut s = OneStatement::default();
        let a = s.write(
            "a",
            "INSERT INTO a VALUES ($1, $2) RETURNING 1",
            vec![Arg::from(1_i64), Arg::from(2_i64)],
        );
        let b = s.write(
            "b",
            "INSERT INTO b VALUES ($1) RETURNING 1",
            vec![Arg::from(3_i64)],
        );
        let p = s.arg(Arg::from(4_i64));
        s.column(format!("${p} = 4"));
        assert_eq!((a, b, p), (1, 3, 4));
        let (sql, args) = s.finish();
        assert_eq!(
            sql,
            "WITH a AS (INSERT INTO a VALUES ($1, $2) RETURNING 1), b AS (INSERT INTO b VALUES ($3) \
             RETURNING 1) SELECT (SELECT count(*) FROM a) AS n, (SELECT count(*) FROM b), $4 = 4"
        );
        assert_eq!(args.len(), 4);
    }
}

//! What the database's sessions are doing right now (`pg_stat_activity`), for diagnosing where
//! time goes: lock waits, commits waiting for their WAL flush, sessions idle inside a
//! transaction (waiting for their client while holding locks).

use sqlx::Row as _;

use super::PgStore;
use crate::error::map_pg;
use kurnl_core::ports::StoreError;

/// The sessions of one state and wait event, at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivitySample {
    /// `active`, `idle in transaction` or another non-idle `state` of `pg_stat_activity`.
    pub state: String,
    /// `wait_event_type:wait_event`, or `running` for an active session that waits for
    /// nothing (on CPU, or sending its result).
    pub wait: String,
    /// How many sessions were in that state.
    pub sessions: i64,
}

impl PgStore {
    /// The database's non-idle client sessions other than this query's own, grouped by state
    /// and wait event: every process working on the database, not only this store's pool.
    /// Sampled repeatedly during a run, the counts show where the time goes.
    ///
    /// # Errors
    /// A backend error when the database cannot be reached.
    pub async fn activity(&self) -> Result<Vec<ActivitySample>, StoreError> {
        let rows = sqlx::query(
            "SELECT state, CASE WHEN wait_event IS NULL THEN 'running' \
             ELSE wait_event_type || ':' || wait_event END AS wait, count(*) AS sessions \
             FROM pg_stat_activity WHERE datname = current_database() \
             AND backend_type = 'client backend' AND pid <> pg_backend_pid() \
             AND state IS NOT NULL AND state <> 'idle' GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map_pg)?;
        rows.iter()
            .map(|row| {
                Ok(ActivitySample {
                    state: row.try_get("state").map_err(map_pg)?,
                    wait: row.try_get("wait").map_err(map_pg)?,
                    sessions: row.try_get("sessions").map_err(map_pg)?,
                })
            })
            .collect()
    }
}

//! The job queue: claims under a lease, heartbeats, outcomes and reaping.
//!
//! A job is claimable when it is `pending`, due, and the oldest unfinished job of its port
//! (per-port order). A switch may hold at most `max_sessions` leases at once (1 when the
//! switch is not in the inventory); every `in_progress` lease counts, expired or not, until
//! it is reaped, because its worker may still have a session open.
//!
//! On PostgreSQL several workers claim at once: a claim first takes a transaction-scoped
//! advisory lock on the switch (`pg_try_advisory_xact_lock`, skipping switches another worker
//! is claiming on), re-counts the switch's leases under that lock, and locks the jobs it takes
//! with `FOR UPDATE SKIP LOCKED`; claims commit without waiting for the WAL flush (see
//! `pg_claim`). On SQLite claims are serialised by the single writer.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::conn::{Arg, Conn, Dialect, args};
use crate::error::{StoreResult, check};
use crate::ops::commit::{append_events, pg_append_ctes, pg_events_arg, push_events};
use crate::ops::statements::{Statements, run_prefix};
use crate::rows::*;
use kurnl_core::model::{Job, JobStatus, NewEvent};
use kurnl_core::ports::{ClaimRequest, ClaimedJobs, JobOutcome, JobResult, StoreError};
use kurnl_core::types::{JobId, LeaseToken, ProviderId, SubscriptionId};

/// `j` heads its port: no older unfinished job on the same port.
const IS_HEAD: &str = "NOT EXISTS (SELECT 1 FROM jobs o WHERE o.switch_id = j.switch_id \
     AND o.port_number = j.port_number AND o.status IN ('pending', 'in_progress') \
     AND (o.created_at < j.created_at OR (o.created_at = j.created_at AND o.seq < j.seq)))";

/// [`IS_HEAD`] for PostgreSQL, as a comparison with a scalar subquery: PostgreSQL runs it as
/// a parameterised subplan, one probe of `jobs_open_port_idx` (switch, port, queue order)
/// per candidate whatever the table's statistics say. A `NOT EXISTS` is planned as an anti
/// join instead, and on a table not yet analysed (a fresh database during its first bulk
/// import) the planner took it for a few rows and re-read every open job for every
/// candidate (45,000 rows for 190 candidates, 65 ms a claim).
const PG_IS_HEAD: &str = "j.seq = (SELECT o.seq FROM jobs o WHERE o.switch_id = j.switch_id \
     AND o.port_number = j.port_number AND o.status IN ('pending', 'in_progress') \
     ORDER BY o.created_at, o.seq LIMIT 1)";

/// The switches whose leases have reached their session limit, and the disabled ones, as a
/// `busy` WITH item. The
/// claim's candidate scan leaves them out with one hashed `NOT IN` instead of counting a
/// switch's leases for each of its pending jobs: most rounds that find nothing find every
/// switch with pending work busy.
const PG_BUSY_SWITCHES: &str = "busy AS MATERIALIZED (SELECT l.switch_id FROM jobs l \
     LEFT JOIN switches s ON s.id = l.switch_id WHERE l.status = 'in_progress' \
     GROUP BY l.switch_id, s.max_sessions HAVING count(DISTINCT l.lease) >= \
     COALESCE(CASE WHEN s.max_sessions < 1 THEN 1 ELSE s.max_sessions END, 1) \
     UNION ALL SELECT d.id FROM switches d WHERE d.disabled)";

/// Leases held on `j`'s switch are below its session limit; a disabled switch has none.
const HAS_CAPACITY: &str = "(SELECT count(DISTINCT l.lease) FROM jobs l WHERE l.switch_id = j.switch_id \
     AND l.status = 'in_progress') < COALESCE((SELECT CASE WHEN s.disabled THEN 0 \
     WHEN s.max_sessions < 1 THEN 1 ELSE s.max_sessions END \
     FROM switches s WHERE s.id = j.switch_id), 1)";

/// How many candidate heads (in queue order) a PostgreSQL claim may look at before giving
/// up for this round. The scan is lazy and stops at the first switch it can lock, so this
/// only bounds the bad case: a queue whose oldest jobs all sit on switches that are busy
/// (a bulk import for one building queues hundreds of jobs on one switch back to back).
/// Limits are literals, not parameters: with `LIMIT $n` PostgreSQL's generic plan cannot
/// count on stopping early and may sort every pending job.
const PG_CANDIDATES: i64 = 1024;

/// Most jobs one claim takes, whatever `max_jobs` asks (one switch has no more ports).
const MAX_CLAIM: u32 = 1024;

pub(crate) async fn get_job<C: Conn>(
    c: &mut C,
    provider: ProviderId,
    id: JobId,
) -> StoreResult<Option<Job>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND provider_id = $2");
    let row: Option<JobRow> = c.fetch_optional(&sql, args![id.0, provider.0]).await?;
    row.map(JobRow::into_model).transpose()
}

pub(crate) async fn list_jobs_of<C: Conn>(
    c: &mut C,
    provider: ProviderId,
    subscription: SubscriptionId,
) -> StoreResult<Vec<Job>> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM jobs WHERE subscription_id = $1 AND provider_id = $2 ORDER BY created_at, seq"
    );
    let rows: Vec<JobRow> = c.fetch_all(&sql, args![subscription.0, provider.0]).await?;
    rows.into_iter().map(JobRow::into_model).collect()
}

/// A 64-bit advisory lock key for a namespaced UUID.
pub(crate) fn advisory_key(namespace: &[u8; 2], id: Uuid) -> i64 {
    let b = id.as_bytes();
    let mut key = [0u8; 8];
    for (i, byte) in b.iter().enumerate() {
        key[i % 8] ^= *byte;
    }
    key[0] ^= namespace[0];
    key[1] ^= namespace[1];
    i64::from_be_bytes(key)
}

/// Claims the due heads of one switch. `prefix` (SQLite only: statements without arguments
/// or rows, run first in the same call) sets the claim's durability when it runs outside a
/// transaction.
pub(crate) async fn claim_jobs<C: Conn>(
    c: &mut C,
    prefix: Option<&str>,
    r: &ClaimRequest,
) -> StoreResult<Option<ClaimedJobs>> {
    if r.max_jobs == 0 {
        return Ok(None);
    }
    if C::DIALECT == Dialect::Postgres {
        debug_assert!(prefix.is_none(), "a PostgreSQL statement takes no prefix");
        return pg_claim(c, r).await;
    }
    sqlite_claim(c, prefix, r).await
}

/// The PostgreSQL claim: one call of the claim function (see [`PgClaimFunction`]), one
/// statement without `BEGIN`/`COMMIT`, so no lock is held across a round trip to the client.
async fn pg_claim<C: Conn>(c: &mut C, r: &ClaimRequest) -> StoreResult<Option<ClaimedJobs>> {
    let lease = LeaseToken::new_random();
    let expires_at = r.now + r.lease;
    let sql = format!("SELECT * FROM {}($1, $2, $3, $4)", PG_CLAIM_FUNCTION.name);
    let max = i64::from(r.max_jobs.min(MAX_CLAIM));
    let rows: Vec<SeqJobRow> = c
        .fetch_all(&sql, args![r.now, lease.0, expires_at, max])
        .await?;
    claimed(rows, lease, expires_at)
}

/// The claim's first step: the first candidate switch in queue order whose claim lock is free,
/// with that lock taken (`:now`).
///
/// The candidates come out of the inner query in queue order and the volatile lock call
/// cannot be pushed into it, so locks are tried one candidate at a time and the outer
/// `LIMIT 1` stops at the first switch this worker could lock, provided the inner scan is
/// lazy: `jobs_pending_idx` walked in order. The planner cannot know that the head check
/// almost always holds, takes the candidates for a handful and prefers to read every pending
/// job (bitmap scan) and sort them, which was 1 to 8 ms a claim with 200 to 350 jobs pending
/// in the throughput harness, against 0.6 ms for the lazy scan; the claim function therefore
/// plans this statement with sorts and bitmap scans disabled.
fn pg_candidate_sql() -> String {
    format!(
        "WITH {PG_BUSY_SWITCHES} SELECT c.id FROM (SELECT j.switch_id AS id FROM jobs j \
         WHERE j.status = 'pending' AND j.run_at <= :now \
         AND j.switch_id NOT IN (SELECT busy.switch_id FROM busy) AND {PG_IS_HEAD} \
         ORDER BY j.created_at, j.seq LIMIT {PG_CANDIDATES}) c \
         WHERE pg_try_advisory_xact_lock(hashtextextended('kurnl-switch:' || c.id::text, 0)) LIMIT 1"
    )
}

/// The claim's second step: the due heads of the locked switch `:switch`, locked
/// (`FOR UPDATE SKIP LOCKED`), re-checked and leased (`:now`, `:lease`, `:expires`, at most
/// `:max`), returned as whole `jobs` rows. It must be a statement of its own, run after the
/// first: its snapshot is taken once the lock is held, so it sees every lease committed by
/// the previous holder of the lock.
///
/// The heads of the switch's ports come from a loose scan of `jobs_open_port_idx`
/// (switch, port, created_at, seq): the first open job of the switch is the head of its
/// lowest port, and the first open job on a higher port than a head is the head of the next
/// port. One index probe per busy port, instead of reading (and sorting) every open job of
/// the switch. Heads that are pending and due are leased oldest first; the session limit is
/// checked once for the switch (an uncorrelated subquery).
fn pg_lease_sql() -> String {
    format!(
        "WITH RECURSIVE heads AS ((SELECT o.port_number, o.seq, o.status, o.run_at FROM jobs o \
         WHERE o.switch_id = :switch AND o.status IN ('pending', 'in_progress') \
         ORDER BY o.port_number, o.created_at, o.seq LIMIT 1) \
         UNION ALL SELECT x.port_number, x.seq, x.status, x.run_at FROM heads h CROSS JOIN LATERAL \
         (SELECT o.port_number, o.seq, o.status, o.run_at FROM jobs o WHERE o.switch_id = :switch \
         AND o.status IN ('pending', 'in_progress') AND o.port_number > h.port_number \
         ORDER BY o.port_number, o.created_at, o.seq LIMIT 1) x) \
         UPDATE jobs u SET status = 'in_progress', attempts = u.attempts + 1, lease = :lease, \
         lease_expires_at = :expires, updated_at = :now FROM (SELECT j.seq FROM jobs j \
         WHERE j.seq IN (SELECT heads.seq FROM heads WHERE heads.status = 'pending' AND heads.run_at <= :now) \
         AND j.status = 'pending' AND j.run_at <= :now AND {capacity} \
         ORDER BY j.created_at, j.seq LIMIT :max FOR UPDATE OF j SKIP LOCKED) pick \
         WHERE u.seq = pick.seq RETURNING u.*",
        capacity = HAS_CAPACITY.replace("j.switch_id", ":switch"),
    )
}

/// `template` with its `:name` placeholders replaced.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |sql, (name, value)| {
            sql.replace(name, value)
        })
}

/// The PostgreSQL claim as one server-side function, so that a claim is one statement: its
/// two steps run inside the server without a round trip to the client between them, and with
/// no `BEGIN`/`COMMIT` around them. Before, a claim held its switch lock and its job locks
/// over four round trips (`BEGIN`, two statements, `COMMIT`); a worker short of CPU left them
/// held "idle in transaction" (a third to half of the database's session time, issue 17).
///
/// PL/pgSQL runs each statement of a `VOLATILE` function with a fresh snapshot under
/// `READ COMMITTED`, which the second step needs (see [`pg_lease_sql`]); the claim commits
/// without waiting for its WAL flush (`synchronous_commit` off for its transaction: a claim
/// lost in a crash leaves its jobs pending, which is what a lease expiry does anyway, and
/// the durable finish that follows flushes it).
///
/// The function is generated from the statements above and installed when a store connects
/// ([`PgStore`](crate::PgStore)), named after a hash of its text: processes of different
/// kurnl versions on one database each call their own, and an unchanged claim is never
/// replaced under a running worker.
pub(crate) struct PgClaimFunction {
    /// The function's name, `kurnl_claim_jobs_` and 16 hex digits.
    pub(crate) name: String,
    /// `CREATE FUNCTION` for it.
    pub(crate) create: String,
}

/// The claim function of this build.
pub(crate) static PG_CLAIM_FUNCTION: std::sync::LazyLock<PgClaimFunction> =
    std::sync::LazyLock::new(|| {
        let candidate = fill(&pg_candidate_sql(), &[(":now", "p_now")]);
        let lease = fill(
            &pg_lease_sql(),
            &[
                (":switch", "v_switch"),
                (":now", "p_now"),
                (":lease", "p_lease"),
                (":expires", "p_expires"),
                (":max", "p_max"),
            ],
        );
        let body = format!(
            "(p_now TEXT, p_lease UUID, p_expires TEXT, p_max BIGINT) RETURNS SETOF jobs \
             LANGUAGE plpgsql VOLATILE AS $kurnl$\n\
             DECLARE\n\
             \x20   v_switch UUID;\n\
             \x20   v_sort TEXT := current_setting('enable_sort');\n\
             \x20   v_bitmap TEXT := current_setting('enable_bitmapscan');\n\
             BEGIN\n\
             \x20   PERFORM set_config('enable_sort', 'off', true);\n\
             \x20   PERFORM set_config('enable_bitmapscan', 'off', true);\n\
             \x20   SELECT cand.id INTO v_switch FROM ({candidate}) cand;\n\
             \x20   PERFORM set_config('enable_sort', v_sort, true);\n\
             \x20   PERFORM set_config('enable_bitmapscan', v_bitmap, true);\n\
             \x20   IF v_switch IS NULL THEN\n\
             \x20       RETURN;\n\
             \x20   END IF;\n\
             \x20   PERFORM set_config('synchronous_commit', 'off', true);\n\
             \x20   RETURN QUERY {lease};\n\
             END\n\
             $kurnl$"
        );
        let name = format!("kurnl_claim_jobs_{:016x}", fnv1a(body.as_bytes()));
        PgClaimFunction {
            create: format!("CREATE FUNCTION {name}{body}"),
            name,
        }
    });

/// FNV-1a, 64 bits: a name for a text that is the same in every build and on every machine.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The claim function's two statements as plain statements with `$n` arguments, for the plan
/// check (`explain.rs`), which cannot see inside a function: the candidate scan with sorts
/// and bitmap scans disabled as the function plans it, then the lease of `switch`.
#[cfg(test)]
pub(crate) fn pg_claim_statements(r: &ClaimRequest, switch: uuid::Uuid) -> [(String, Vec<Arg>); 2] {
    let lease = LeaseToken::new_random();
    [
        (fill(&pg_candidate_sql(), &[(":now", "$1")]), args![r.now]),
        (
            fill(
                &pg_lease_sql(),
                &[
                    (":switch", "$1"),
                    (":now", "$2"),
                    (":lease", "$3"),
                    (":expires", "$4"),
                    (":max", "$5"),
                ],
            ),
            args![switch, r.now, lease.0, r.now + r.lease, 16_i64],
        ),
    ]
}

/// A job row with its queue position.
#[derive(Debug, sqlx::FromRow)]
struct SeqJobRow {
    seq: i64,
    #[sqlx(flatten)]
    job: JobRow,
}

/// The SQLite claim in one statement (one hand-over to the connection's thread instead of
/// three): the switch of the oldest servable head, its servable heads oldest first, leased.
///
/// The switch's heads are read through `jobs_open_port_idx` (a few open jobs per port):
/// left to itself SQLite walks `jobs_pending_idx`, every pending job of every switch in queue
/// order, to skip the ORDER BY (0.7 ms a claim with 2,400 jobs queued). The `IN` term states
/// the index's condition, which `status = 'pending'` alone does not match. SQLite builds the
/// `IN (SELECT ..)` list before it updates a row, so the head checks see the queue as it was.
async fn sqlite_claim<C: Conn>(
    c: &mut C,
    prefix: Option<&str>,
    r: &ClaimRequest,
) -> StoreResult<Option<ClaimedJobs>> {
    // `IS_HEAD` and `HAS_CAPACITY` name their job `j`, which is the outer query's job here:
    // the candidate's own job is renamed `c`.
    let candidate = format!(
        "SELECT j.switch_id FROM jobs j WHERE j.status = 'pending' AND j.run_at <= $1 AND {IS_HEAD} \
         AND {HAS_CAPACITY} ORDER BY j.created_at, j.seq LIMIT 1"
    )
    .replace("j.", "c.")
    .replace("jobs j ", "jobs c ");
    let sql = format!(
        "{prefix}UPDATE jobs SET status = 'in_progress', attempts = attempts + 1, lease = $2, \
         lease_expires_at = $3, updated_at = $1 WHERE id IN (SELECT j.id FROM jobs j \
         INDEXED BY jobs_open_port_idx WHERE j.switch_id = ({candidate}) \
         AND j.status IN ('pending', 'in_progress') AND j.status = 'pending' AND j.run_at <= $1 \
         AND {IS_HEAD} AND {HAS_CAPACITY} ORDER BY j.created_at, j.seq LIMIT {max}) \
         RETURNING seq, {JOB_COLUMNS}",
        max = r.max_jobs.min(MAX_CLAIM),
        prefix = prefix.map(|p| format!("{p};\n")).unwrap_or_default(),
    );
    let lease = LeaseToken::new_random();
    let expires_at = r.now + r.lease;
    let rows: Vec<SeqJobRow> = c.fetch_all(&sql, args![r.now, lease.0, expires_at]).await?;
    claimed(rows, lease, expires_at)
}

/// The claim of `rows` (leased jobs of one switch, in any order), oldest first.
fn claimed(
    rows: Vec<SeqJobRow>,
    lease: LeaseToken,
    expires_at: DateTime<Utc>,
) -> StoreResult<Option<ClaimedJobs>> {
    let mut jobs = rows
        .into_iter()
        .map(|row| Ok((row.job.into_model()?, row.seq)))
        .collect::<StoreResult<Vec<(Job, i64)>>>()?;
    jobs.sort_by_key(|(job, seq)| (job.created_at, *seq));
    let Some(switch_id) = jobs.first().map(|(job, _)| job.port.switch_id) else {
        return Ok(None);
    };
    Ok(Some(ClaimedJobs {
        lease,
        switch_id,
        expires_at,
        jobs: jobs.into_iter().map(|(job, _)| job).collect(),
    }))
}

pub(crate) async fn heartbeat<C: Conn>(
    c: &mut C,
    lease: LeaseToken,
    until: DateTime<Utc>,
) -> StoreResult<()> {
    let n = c
        .execute(
            "UPDATE jobs SET lease_expires_at = $2 WHERE lease = $1 AND status = 'in_progress'",
            args![lease.0, until],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::LeaseLost);
    }
    Ok(())
}

/// All or nothing: the first job not held under `lease` fails the call with `LeaseLost` and
/// the caller's transaction rolls back the outcomes already written. `prefix` (the group
/// commit's savepoint statements, if any) runs first.
///
/// On SQLite a finish whose jobs all completed, the common case, is one call to the
/// connection's thread ([`Statements`]): the prefix, the completions, their count and the
/// events. Otherwise one statement per failure or retry, and per event.
pub(crate) async fn finish_jobs<C: Conn>(
    c: &mut C,
    prefix: Option<&str>,
    lease: LeaseToken,
    outcomes: Vec<JobOutcome>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let one_call = C::DIALECT == Dialect::Sqlite
        && !outcomes.is_empty()
        && outcomes
            .iter()
            .all(|o| matches!(o.result, JobResult::Completed { .. }));
    if !one_call {
        run_prefix(c, prefix).await?;
    }
    let Unfinished { completed, events } =
        record_failures_and_retries(c, lease, outcomes, now).await?;
    if completed.is_empty() {
        return append_events(c, &events).await;
    }
    if C::DIALECT == Dialect::Postgres {
        return pg_complete(c, lease, completed, &events, now).await;
    }
    // Completions are one statement for the whole lease.
    let mut a = args![lease.0, now];
    let placeholders: Vec<String> = completed
        .iter()
        .map(|id| {
            a.push(Arg::from(id.0));
            format!("${}", a.len())
        })
        .collect();
    let sql = format!(
        "UPDATE jobs SET status = 'completed', last_error = NULL, lease = NULL, lease_expires_at = NULL, \
         updated_at = $2 WHERE lease = $1 AND status = 'in_progress' AND id IN ({})",
        placeholders.join(", ")
    );
    if one_call {
        let mut s = Statements::after(prefix);
        s.push(&sql, a);
        s.push("SELECT changes() AS n", Vec::new());
        // Inserted before the count is checked; a lost lease rolls them back with the rest.
        push_events(&mut s, &events)?;
        let n = s.fetch_count(c).await?;
        if n != completed.len() as i64 {
            return Err(StoreError::LeaseLost);
        }
        return Ok(());
    }
    let n = c.execute(&sql, a).await?;
    if n != completed.len() as u64 {
        return Err(StoreError::LeaseLost);
    }
    append_events(c, &events).await
}

/// What [`record_failures_and_retries`] leaves to do: the completed jobs and every event of
/// the call.
struct Unfinished {
    completed: Vec<JobId>,
    events: Vec<NewEvent>,
}

/// Checks that no job appears twice and writes the failures and retries (the rare case, one
/// statement each); completions are left to one statement per backend.
async fn record_failures_and_retries<C: Conn>(
    c: &mut C,
    lease: LeaseToken,
    outcomes: Vec<JobOutcome>,
    now: DateTime<Utc>,
) -> StoreResult<Unfinished> {
    let mut seen = std::collections::HashSet::new();
    if !outcomes.iter().all(|o| seen.insert(o.job_id)) {
        return Err(StoreError::LeaseLost);
    }
    let mut left = Unfinished {
        completed: Vec::new(),
        events: Vec::new(),
    };
    for outcome in outcomes {
        let (status, run_at, error) = match outcome.result {
            JobResult::Completed { events } => {
                left.events.extend(events);
                left.completed.push(outcome.job_id);
                continue;
            }
            JobResult::Failed { error, events } => {
                left.events.extend(events);
                (JobStatus::Failed, None, error)
            }
            JobResult::Retry { at, error } => (JobStatus::Pending, Some(at), error),
        };
        let n = c
            .execute(
                "UPDATE jobs SET status = $3, run_at = COALESCE($4, run_at), last_error = $5, lease = NULL, \
                 lease_expires_at = NULL, updated_at = $6 WHERE id = $1 AND lease = $2 AND status = 'in_progress'",
                args![outcome.job_id.0, lease.0, status.as_str(), run_at, error, now],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::LeaseLost);
        }
    }
    Ok(left)
}

/// PostgreSQL: the completions and every event of the call in one statement, of one text
/// whatever the numbers of jobs and events (they are JSON arguments).
async fn pg_complete<C: Conn>(
    c: &mut C,
    lease: LeaseToken,
    completed: Vec<JobId>,
    events: &[NewEvent],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let expected = completed.len() as i64;
    let sql = format!(
        "WITH done AS (UPDATE jobs SET status = 'completed', last_error = NULL, lease = NULL, \
         lease_expires_at = NULL, updated_at = $2 WHERE lease = $1 AND status = 'in_progress' \
         AND id IN (SELECT d::uuid FROM jsonb_array_elements_text($3) d) RETURNING 1), {} \
         SELECT CASE WHEN count(*) = $5 THEN count(*) ELSE kurnl_check_failed('{lost}') END \
         AS n FROM done",
        pg_append_ctes(4),
        lost = check::LEASE_LOST,
    );
    let a = vec![
        Arg::from(lease.0),
        Arg::from(now),
        Arg::Json(Some(serde_json::Value::Array(
            completed
                .iter()
                .map(|id| serde_json::Value::String(id.0.to_string()))
                .collect(),
        ))),
        pg_events_arg(events)?,
        // A parameter, not a literal: one statement text for every size of finish, so one
        // prepared statement and plan per connection instead of one per count.
        Arg::from(expected),
    ];
    let done: Option<CountRow> = c.fetch_optional(&sql, a).await?;
    // A job not held under `lease` fails the statement (`kurnl_check_failed`), which undoes
    // it whether or not it runs in a transaction; the count is checked again for clarity.
    if done.map(|row| row.n) != Some(expected) {
        return Err(StoreError::LeaseLost);
    }
    Ok(())
}

pub(crate) async fn reap_expired_leases<C: Conn>(
    c: &mut C,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    c.execute(
        "UPDATE jobs SET status = 'pending', lease = NULL, lease_expires_at = NULL, updated_at = $1 \
         WHERE status = 'in_progress' AND lease_expires_at < $1",
        args![now],
    )
    .await
}

//! Scale-out proof on PostgreSQL: three worker *processes* drain 2,000 jobs spread over 20
//! switches from one database. Every job must complete exactly once, none may be lost, jobs of
//! one port must run in queue order and no two jobs of one switch may overlap in time (each
//! switch allows one session). Then the same with one worker killed by SIGKILL mid-run: the
//! others reap its expired leases and finish its jobs.
//!
//! The workers are this test binary started again with `scale_out_worker_entry` selected and
//! `KURNL_SCALE_OUT_WORKER` set; each appends one line per completed job to its own log.
#![cfg(feature = "postgres")]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use kurnl_core::model::{Job, PortRef};
use kurnl_core::ports::{ClaimRequest, JobOutcome, JobResult, Store, WriteSet};
use kurnl_core::testkit::store_suite::fixtures;
use kurnl_store::PgStore;

const SWITCHES: usize = 20;
const PORTS: u32 = 25;
const JOBS_PER_PORT: usize = 4; // 20 * 25 * 4 = 2,000 jobs
const WORKERS: usize = 3;
const LEASE_SECONDS: i64 = 3;

fn nanos_now() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// The worker process body; a no-op when the test harness runs it as an ordinary test.
#[test]
fn scale_out_worker_entry() {
    let (Ok(url), Ok(schema), Ok(log)) = (
        std::env::var("KURNL_TEST_POSTGRES_URL"),
        std::env::var("KURNL_SCALE_OUT_WORKER"),
        std::env::var("KURNL_SCALE_OUT_LOG"),
    ) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(worker(&url, &schema, Path::new(&log)));
}

async fn worker(url: &str, schema: &str, log: &Path) {
    let store = PgStore::connect_with_schema(url, schema)
        .await
        .expect("worker connects");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("open log");
    let name = format!("worker-{}", std::process::id());
    let job_ms = std::env::var("KURNL_SCALE_OUT_JOB_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    // With KURNL_SCALE_OUT_HANG_AFTER=n the worker finishes n leases, then claims one more,
    // announces it in `<log>.holding` and hangs on it: the test kills it while it holds a lease.
    let hang_after: Option<usize> = std::env::var("KURNL_SCALE_OUT_HANG_AFTER")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut leases_done = 0;
    loop {
        let now = Utc::now();
        store.reap_expired_leases(now).await.expect("reap");
        let request = ClaimRequest {
            worker: name.clone(),
            now,
            lease: chrono::Duration::seconds(LEASE_SECONDS),
            max_jobs: 4,
        };
        let Some(claimed) = store.claim_jobs(&request).await.expect("claim") else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        if hang_after.is_some_and(|n| leases_done >= n) {
            std::fs::write(log.with_extension("holding"), claimed.lease.to_string())
                .expect("write holding marker");
            std::future::pending::<()>().await;
        }
        leases_done += 1;
        // One "session" per lease: the jobs are applied one after the other.
        let mut lines = Vec::new();
        let mut outcomes = Vec::new();
        for job in &claimed.jobs {
            let start = nanos_now();
            tokio::time::sleep(Duration::from_millis(job_ms)).await;
            let end = nanos_now();
            lines.push(format!(
                "{} {} {} {start} {end}\n",
                job.id, job.port.switch_id, job.port.port_number
            ));
            outcomes.push(JobOutcome {
                job_id: job.id,
                result: JobResult::Completed { events: Vec::new() },
            });
        }
        if store
            .finish_jobs(claimed.lease, outcomes, Utc::now())
            .await
            .is_ok()
        {
            // Logged only once the completion is committed: a line is a completion.
            file.write_all(lines.concat().as_bytes())
                .expect("write log");
        }
    }
}

struct Run {
    store: PgStore,
    url: String,
    dir: PathBuf,
    jobs: Vec<Job>,
}

async fn set_up(url: &str) -> Run {
    let store = common::pg_store(url).await;
    let first = fixtures::world(&store, PORTS, 1).await;
    let mut ports: Vec<PortRef> = first.ports.clone();
    for _ in 1..SWITCHES {
        let (_, more) = fixtures::new_switch(&store, PORTS, 1).await;
        ports.extend(more);
    }
    let base = Utc::now() - chrono::Duration::minutes(1);
    let subscription = fixtures::subscription(&first, None, base);
    let mut jobs = Vec::new();
    for round in 0..JOBS_PER_PORT {
        for (i, port) in ports.iter().enumerate() {
            let created = base + chrono::Duration::microseconds((round * ports.len() + i) as i64);
            jobs.push(fixtures::job(&subscription, *port, created, base));
        }
    }
    for chunk in jobs.chunks(250) {
        store
            .commit(WriteSet {
                jobs: chunk.to_vec(),
                ..WriteSet::default()
            })
            .await
            .expect("enqueue");
    }
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("tempdir")
        .keep();
    Run {
        store,
        url: url.to_owned(),
        dir,
        jobs,
    }
}

/// Starts worker `n`; each job takes it `job_ms` milliseconds.
fn spawn_worker(run: &Run, n: usize, job_ms: u64) -> Child {
    worker_command(run, n, job_ms)
        .spawn()
        .expect("spawn worker")
}

fn worker_log(run: &Run, n: usize) -> PathBuf {
    run.dir.join(format!("worker-{n}.log"))
}

fn worker_command(run: &Run, n: usize, job_ms: u64) -> Command {
    let schema = run.store.schema().expect("schema").to_owned();
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .env("KURNL_SCALE_OUT_JOB_MS", job_ms.to_string())
        .args([
            "--exact",
            "scale_out_worker_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("KURNL_TEST_POSTGRES_URL", &run.url)
        .env("KURNL_SCALE_OUT_WORKER", schema)
        .env("KURNL_SCALE_OUT_LOG", worker_log(run, n))
        .stdout(Stdio::null());
    command
}

async fn completed(run: &Run) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM jobs WHERE status = 'completed'")
        .fetch_one(run.store.pool())
        .await
        .expect("count");
    n
}

async fn wait_for(run: &Run, at_least: i64, timeout: Duration) {
    let start = Instant::now();
    while completed(run).await < at_least {
        assert!(
            start.elapsed() < timeout,
            "only {} of {at_least} jobs completed in {timeout:?}",
            completed(run).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads the logs and checks exactly-once, nothing lost, per-port order, no overlap.
async fn verify(run: &Run) {
    let mut done: HashMap<String, usize> = HashMap::new();
    let mut by_switch: BTreeMap<String, Vec<(i128, i128)>> = BTreeMap::new();
    let mut by_port: BTreeMap<(String, String), Vec<(i128, String)>> = BTreeMap::new();
    for entry in std::fs::read_dir(&run.dir).expect("log dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "holding") {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("read log");
        for line in text.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            assert_eq!(f.len(), 5, "malformed log line {line:?}");
            let (start, end) = (f[3].parse().expect("start"), f[4].parse().expect("end"));
            *done.entry(f[0].to_owned()).or_default() += 1;
            by_switch
                .entry(f[1].to_owned())
                .or_default()
                .push((start, end));
            by_port
                .entry((f[1].to_owned(), f[2].to_owned()))
                .or_default()
                .push((start, f[0].to_owned()));
        }
    }
    let twice: Vec<_> = done.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "jobs completed more than once: {twice:?}");
    let lost: Vec<_> = run
        .jobs
        .iter()
        .filter(|j| !done.contains_key(&j.id.to_string()))
        .map(|j| j.id)
        .collect();
    assert!(
        lost.is_empty(),
        "{} jobs never completed: {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
    assert_eq!(
        completed(run).await,
        run.jobs.len() as i64,
        "jobs table disagrees with the logs"
    );
    for (switch, mut spans) in by_switch {
        spans.sort();
        for pair in spans.windows(2) {
            assert!(
                pair[0].1 <= pair[1].0,
                "switch {switch}: sessions overlap: {:?} and {:?}",
                pair[0],
                pair[1]
            );
        }
    }
    let created: HashMap<String, usize> = run
        .jobs
        .iter()
        .enumerate()
        .map(|(i, j)| (j.id.to_string(), i))
        .collect();
    for (port, mut runs) in by_port {
        runs.sort();
        let order: Vec<usize> = runs.iter().map(|(_, id)| created[id]).collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "port {port:?} ran out of queue order: {order:?}"
        );
    }
}

fn stop(children: &mut [Child]) {
    for child in children.iter_mut() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_worker_processes_drain_2000_jobs_exactly_once() {
    let Some(url) = common::postgres_url("three_worker_processes_drain_2000_jobs_exactly_once")
    else {
        return;
    };
    let run = set_up(&url).await;
    let mut children: Vec<Child> = (0..WORKERS).map(|n| spawn_worker(&run, n, 2)).collect();
    wait_for(&run, run.jobs.len() as i64, Duration::from_secs(180)).await;
    stop(&mut children);
    verify(&run).await;
    run.store.drop_schema().await.expect("drop schema");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_workers_jobs_are_finished_by_the_others() {
    let Some(url) = common::postgres_url("a_sigkilled_workers_jobs_are_finished_by_the_others")
    else {
        return;
    };
    let run = set_up(&url).await;
    // Worker 0 is slow (400 ms per job, four jobs per lease); after two leases it claims a third
    // and hangs on it, so the kill is sure to land while it holds a lease (it used to be a race
    // with its own finish, which a loaded CI machine lost).
    let mut hanging = worker_command(&run, 0, 400);
    hanging.env("KURNL_SCALE_OUT_HANG_AFTER", "2");
    let mut children: Vec<Child> = std::iter::once(hanging.spawn().expect("spawn worker"))
        .chain((1..WORKERS).map(|n| spawn_worker(&run, n, 2)))
        .collect();
    wait_for(&run, 300, Duration::from_secs(120)).await;
    let marker = worker_log(&run, 0).with_extension("holding");
    let started = Instant::now();
    let held_lease = loop {
        if let Ok(lease) = std::fs::read_to_string(&marker) {
            break lease;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "worker 0 never reached its held lease"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // SIGKILL (Child::kill on Unix) while it holds the lease: no clean-up runs.
    children[0].kill().expect("kill worker");
    children[0].wait().expect("reap killed worker");
    eprintln!("killed worker 0 while it held lease {held_lease}");
    wait_for(&run, run.jobs.len() as i64, Duration::from_secs(180)).await;
    stop(&mut children[1..]);
    verify(&run).await;
    let (attempts,): (i64,) = sqlx::query_as("SELECT count(*) FROM jobs WHERE attempts > 1")
        .fetch_one(run.store.pool())
        .await
        .expect("count");
    eprintln!("{attempts} jobs needed a second attempt after the kill");
    assert!(
        attempts > 0,
        "the killed worker held no lease: nothing was taken over"
    );
    run.store.drop_schema().await.expect("drop schema");
}

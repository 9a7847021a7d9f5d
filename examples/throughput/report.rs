//! The results: figures from the API side, the receiver side, the simulator process and the
//! kurnl processes, printed as a table; the run fails when something was lost or wrong.

use std::time::{Duration, Instant};

use anyhow::bail;

use crate::args::{Args, Mode};
use crate::collect::Collected;
use crate::db::Db;
use crate::procfs::ProcStats;
use crate::sims::FleetStats;
use crate::submit::ApiResult;

/// kurnl's documented time from the provider's callback to a live port.
const KURNL_DOCUMENTED_SECS: f64 = 30.0;

/// A process's figures over the measured run.
pub struct ProcRun {
    /// At the end of the run (peak RSS is over the process's life).
    pub end: ProcStats,
    /// CPU seconds spent between the first API call and the end of the run.
    pub cpu: f64,
}

impl ProcRun {
    pub fn new(before: ProcStats, end: ProcStats) -> Self {
        Self {
            end,
            cpu: end.cpu_secs - before.cpu_secs,
        }
    }
}

pub struct Report<'a> {
    pub args: &'a Args,
    pub db: &'a Db,
    pub switch_count: usize,
    pub wanted: usize,
    pub setup_secs: f64,
    pub started: Instant,
    pub api: &'a ApiResult,
    pub api_done: Duration,
    pub collected: &'a Collected,
    pub rejected: u64,
    pub bad_ports: usize,
    pub fleet: FleetStats,
    /// The harness process (API, store, receiver; engines and dispatchers unless in workers).
    pub main: ProcRun,
    /// RSS of the harness process once set up, kB.
    pub rss_ready_kb: u64,
    /// The worker processes (empty when the engines run in the harness process).
    pub workers: Vec<ProcRun>,
    /// The simulator process.
    pub sims: ProcRun,
    pub worker_errors: Vec<String>,
    pub load_before: String,
    pub load_after: String,
    /// The whole machine over the run: user, system and idle shares in percent.
    pub machine: (f64, f64, f64),
    /// CPU seconds of this machine's `postgres` processes over the run (PostgreSQL backend
    /// on this machine), `None` on SQLite.
    pub postgres: Option<f64>,
    /// The drift audit's results (`--audit-interval-ms`).
    pub audit: Option<AuditSummary>,
}

/// What the drift audit found over the run, read from the store at the end.
pub struct AuditSummary {
    /// Switches with a finished audit.
    pub switches: usize,
    /// Of those, the last audit could not reach the switch.
    pub unreachable: usize,
    /// Managed ports compared by each switch's last audit, summed.
    pub last_ports_checked: u64,
    /// Findings recorded over the run (every one a false alarm: nothing was changed behind
    /// kurnl's back).
    pub findings: usize,
}

impl AuditSummary {
    pub async fn read(store: &std::sync::Arc<dyn kurnl::ports::Store>) -> anyhow::Result<Self> {
        use kurnl::model::AuditOutcome;
        let audits = store.list_switch_audits().await?;
        let last: Vec<_> = audits.iter().filter_map(|a| a.last.as_ref()).collect();
        let findings = store
            .list_drift_findings(&kurnl::ports::DriftQuery {
                limit: 100_000,
                ..kurnl::ports::DriftQuery::default()
            })
            .await?
            .len();
        Ok(Self {
            switches: last.len(),
            unreachable: last
                .iter()
                .filter(|a| matches!(a.outcome, AuditOutcome::Unreachable { .. }))
                .count(),
            last_ports_checked: last
                .iter()
                .map(|a| match a.outcome {
                    AuditOutcome::Completed { ports_checked, .. } => u64::from(ports_checked),
                    AuditOutcome::Unreachable { .. } => 0,
                })
                .sum(),
            findings,
        })
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

fn ms(d: Option<Duration>) -> String {
    d.map_or_else(
        || "n/a".into(),
        |d| format!("{:.1} ms", d.as_secs_f64() * 1000.0),
    )
}

fn mb(kb: u64) -> u64 {
    kb / 1024
}

fn cpu_share(cpu: f64, wall: f64) -> String {
    format!(
        "{cpu:.1} s ({:.0} % of one core over the run)",
        if wall > 0.0 { cpu / wall * 100.0 } else { 0.0 }
    )
}

/// Prints the table; an error listing what went wrong, if anything did.
pub fn print(r: &Report<'_>) -> anyhow::Result<()> {
    let args = r.args;
    let mut e2e = Vec::with_capacity(r.api.submitted.len());
    let mut missing = 0usize;
    let mut last = r.started;
    for s in &r.api.submitted {
        match r.collected.completed.get(&s.job) {
            Some(at) => {
                e2e.push(at.saturating_duration_since(s.started));
                last = last.max(*at);
            }
            None => missing += 1,
        }
    }
    e2e.sort_unstable();
    let mut api_latency = r.api.call_latency.clone();
    api_latency.sort_unstable();
    let wall = last.saturating_duration_since(r.started).as_secs_f64();
    let done = e2e.len();
    let rate = if wall > 0.0 { done as f64 / wall } else { 0.0 };
    let p50 = percentile(&e2e, 50.0);
    let p99 = percentile(&e2e, 99.0);

    let ios = r.switch_count.div_ceil(2);
    println!();
    println!(
        "kurnl throughput: {:?} mode, {} subscribers, {} switches x {} ports (IOS {}, Junos {}), \
         {} engine(s) x {} claims{}, {} provider(s), sim latency {} ms",
        args.mode,
        r.wanted,
        r.switch_count,
        args.ports,
        ios,
        r.switch_count - ios,
        args.engines,
        crate::worker::claims(args),
        if args.workers > 0 {
            format!(" in each of {} worker process(es)", args.workers)
        } else {
            " in the harness process".into()
        },
        args.providers,
        args.latency_ms
    );
    println!("store: {}", r.db.describe());
    let row = |k: &str, v: String| println!("  {k:<46} {v}");
    row("set-up (not measured)", format!("{:.1} s", r.setup_secs));
    row(
        "subscriptions completed",
        format!("{done} / {}", r.api.submitted.len()),
    );
    row(
        "wall time: first call -> last completed webhook",
        format!("{wall:.2} s"),
    );
    row("throughput", format!("{rate:.1} subscribers/s"));
    row(
        "latency call -> provisioning.completed",
        format!(
            "p50 {} | p99 {} | max {}",
            ms(p50),
            ms(p99),
            ms(e2e.last().copied())
        ),
    );
    row(
        match args.mode {
            Mode::Bulk => "API latency (bulk_submit of 100)",
            Mode::Single => "API latency (provider_initiated)",
        },
        format!(
            "p50 {} | p99 {} | max {}",
            ms(percentile(&api_latency, 50.0)),
            ms(percentile(&api_latency, 99.0)),
            ms(api_latency.last().copied())
        ),
    );
    row("API phase", format!("{:.2} s", r.api_done.as_secs_f64()));
    if args.mode == Mode::Single {
        row(
            "calls made / late starts (> 50 ms behind)",
            format!("{} / {}", r.api.submitted.len(), r.api.late),
        );
    }
    row(
        "429 Too many concurrent batches (retried)",
        r.api.retries_429.to_string(),
    );
    row(
        "SSH sessions opened (sim logins)",
        format!(
            "{} ({:.1} jobs per session)",
            r.fleet.logins,
            done as f64 / r.fleet.logins.max(1) as f64
        ),
    );
    row("CLI commands received", r.fleet.commands.to_string());
    row(
        "webhooks delivered (verified)",
        format!(
            "{} ({}; duplicates {})",
            r.collected.events,
            r.collected
                .by_kind
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            r.collected.duplicates
        ),
    );
    row("webhooks rejected", r.rejected.to_string());
    let main_covers = if args.workers > 0 {
        "kurnl API + store + webhook receiver + harness"
    } else {
        "kurnl API + store + engines + dispatchers + webhook receiver + harness"
    };
    println!("  memory and CPU, per process:");
    row(
        "harness process: peak RSS (VmHWM) / set-up",
        format!(
            "{} MB / {} MB   ({main_covers})",
            mb(r.main.end.peak_rss_kb),
            mb(r.rss_ready_kb)
        ),
    );
    row(
        "harness process: CPU time (user+sys)",
        cpu_share(r.main.cpu, wall),
    );
    for (i, w) in r.workers.iter().enumerate() {
        if w.end.peak_rss_kb == 0 {
            row(
                &format!("worker process {i}: peak RSS / CPU time"),
                "n/a: exited before the end of the run".into(),
            );
            continue;
        }
        row(
            &format!("worker process {i}: peak RSS / CPU time"),
            format!(
                "{} MB / {}   (kurnl engines + dispatchers)",
                mb(w.end.peak_rss_kb),
                cpu_share(w.cpu, wall)
            ),
        );
    }
    row(
        "simulator process: peak RSS / CPU time",
        format!(
            "{} MB / {}   (not kurnl: the {} SSH switch simulators)",
            mb(r.sims.end.peak_rss_kb),
            cpu_share(r.sims.cpu, wall),
            r.switch_count
        ),
    );
    if let Some(pg) = r.postgres {
        row(
            "PostgreSQL server processes: CPU time",
            format!(
                "{}   ({:.2} ms per subscriber; 0 when the server runs elsewhere)",
                cpu_share(pg, wall),
                1000.0 * pg / (r.wanted.max(1) as f64)
            ),
        );
    }
    let (user, system, idle) = r.machine;
    row(
        "machine CPU over the run (all processes)",
        format!("user {user:.0} %, system {system:.0} %, idle {idle:.0} %"),
    );
    row(
        "load average before / after",
        format!("{} / {}", r.load_before, r.load_after),
    );
    row(
        "vs kurnl's documented ~30 s callback -> live",
        match (p50, p99) {
            (Some(a), Some(b)) => format!(
                "p50 {:.0}x faster, p99 {:.0}x faster ({} / {} vs 30 s)",
                KURNL_DOCUMENTED_SECS / a.as_secs_f64().max(1e-6),
                KURNL_DOCUMENTED_SECS / b.as_secs_f64().max(1e-6),
                ms(Some(a)),
                ms(Some(b))
            ),
            _ => "n/a".into(),
        },
    );

    if let (Some(a), Some(ms)) = (&r.audit, args.audit_interval_ms) {
        row(
            "drift audit (report, every switch every N ms)",
            format!(
                "N = {ms}: {} switches audited, {} unreachable at their last audit, {} managed \
                 ports compared by the last audits, {} findings",
                a.switches, a.unreachable, a.last_ports_checked, a.findings
            ),
        );
    }

    let mut problems = Vec::new();
    if let Some(a) = &r.audit
        && a.findings > 0
    {
        problems.push(format!(
            "the drift audit reported {} drifted ports, but nothing changed them behind kurnl's back",
            a.findings
        ));
    }
    if missing > 0 {
        problems.push(format!(
            "{missing} subscriptions got no provisioning.completed"
        ));
    }
    if !r.collected.failed.is_empty() {
        problems.push(format!(
            "{} provisioning.failed webhooks, first: {}",
            r.collected.failed.len(),
            r.collected.failed[0]
        ));
    }
    if r.rejected > 0 {
        problems.push(format!("{} webhooks failed verification", r.rejected));
    }
    if !r.api.entry_errors.is_empty() {
        problems.push(format!(
            "{} API entries failed, first: {}",
            r.api.entry_errors.len(),
            r.api.entry_errors[0]
        ));
    }
    if r.bad_ports > 0 {
        problems.push(format!(
            "{} ports do not carry the plan on their switch",
            r.bad_ports
        ));
    }
    problems.extend(r.worker_errors.iter().cloned());
    if !problems.is_empty() {
        bail!("run failed: {}", problems.join("; "));
    }
    println!(
        "\nall {done} subscriptions completed; every webhook verified; every port checked on its switch"
    );
    Ok(())
}

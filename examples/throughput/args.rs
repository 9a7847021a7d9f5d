//! The command line (the parent's options and the hidden ones of the child processes).

use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// `bulk_submit` in batches of 100.
    Bulk,
    /// Single CKO-04 calls at `--rate` per second.
    Single,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqliteSync {
    Full,
    Normal,
}

/// What this process is: the harness itself, or one of the child processes it starts by
/// re-invoking its own binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// The simulated switches (see `sims.rs`).
    Sims,
    /// A worker process: engines and dispatchers on PostgreSQL (see `worker.rs`).
    Worker,
}

#[derive(Debug, Clone, Parser)]
#[command(about = "Throughput and latency of kurnl's whole pipeline on simulated switches")]
pub struct Args {
    /// Subscribers to provision (bulk mode).
    #[arg(long, default_value_t = 10_000)]
    pub subscribers: usize,
    /// Simulated switches (more are added when the subscribers need more ports).
    #[arg(long, default_value_t = 100)]
    pub switches: usize,
    /// Ports per switch.
    #[arg(long, default_value_t = 48)]
    pub ports: usize,
    /// Store backend.
    #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
    pub backend: Backend,
    /// PostgreSQL URL (backend postgres); a fresh random schema is used and dropped.
    #[arg(long, env = "KURNL_TEST_POSTGRES_URL")]
    pub pg_url: Option<String>,
    /// Worker processes (backend postgres): each runs `--engines` engines and dispatchers
    /// against the same schema, while the API and the webhook receiver stay in this process.
    /// 0 (the default) runs the engines in this process.
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
    /// Engine instances per process that runs engines (each with its own drivers and
    /// dispatcher; on PostgreSQL also its own store pool).
    #[arg(long, default_value_t = 1)]
    pub engines: usize,
    /// bulk or single.
    #[arg(long, value_enum, default_value_t = Mode::Bulk)]
    pub mode: Mode,
    /// Single mode: CKO-04 calls per second.
    #[arg(long, default_value_t = 200)]
    pub rate: u32,
    /// Single mode: seconds of calls.
    #[arg(long, default_value_t = 10)]
    pub seconds: u32,
    /// Simulator latency per command, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Providers submitting in parallel (each may have 3 batches in progress).
    #[arg(long, default_value_t = 8)]
    pub providers: usize,
    /// Claims in flight per engine (`EngineConfig::concurrency`). 16 suits the default
    /// zero-latency simulator on 2 cores (10k subscribers: 8 gave 718/s and 16 809-818/s
    /// before the store's claims got cheaper; 24, 32 and 48 now give about the same as 16);
    /// with `--latency-ms` raise it (about 64 at 20 ms), since one claim's session runs its
    /// commands one after another.
    #[arg(long, default_value_t = 16)]
    pub claims: usize,
    /// Jobs of one switch per claim / SSH session (`EngineConfig::max_jobs_per_claim`).
    #[arg(long, default_value_t = 50)]
    pub jobs_per_claim: u32,
    /// Idle SSH sessions each driver keeps (`with_max_idle_sessions`); unset, one per switch
    /// used within the reuse window. Below the switch count, claims on the others log in again.
    #[arg(long)]
    pub max_idle_sessions: Option<usize>,
    /// Deliveries in flight per dispatcher (`DispatcherConfig::concurrency`).
    #[arg(long, default_value_t = 64)]
    pub deliveries: usize,
    /// Events claimed per dispatcher round (`DispatcherConfig::batch_size`).
    #[arg(long, default_value_t = 256)]
    pub delivery_batch: u32,
    /// Idle poll of engines and dispatchers, in milliseconds.
    #[arg(long, default_value_t = 20)]
    pub poll_ms: u64,
    /// SQLite `synchronous` for the measured run: `full` (the default, durable) or `normal`
    /// (diagnosis only: shows what the fsyncs cost).
    #[arg(long, value_enum, default_value_t = SqliteSync::Full)]
    pub sqlite_sync: SqliteSync,
    /// Run the drift audit (policy `report`) beside the engines, every switch audited every
    /// this many milliseconds; unset, no audit. The report then shows the audits' results:
    /// no port is changed behind kurnl's back, so every finding would be a false alarm.
    #[arg(long)]
    pub audit_interval_ms: Option<u64>,
    /// Give up waiting for webhooks after this many seconds.
    #[arg(long, default_value_t = 900)]
    pub timeout_secs: u64,

    // --- Set by the harness on the processes it starts (not for the command line). ---
    /// The role of a child process.
    #[arg(long, value_enum, hide = true)]
    pub role: Option<Role>,
    /// Worker: the PostgreSQL schema to work in.
    #[arg(long, hide = true)]
    pub schema: Option<String>,
    /// Worker: its number (names its engines).
    #[arg(long, hide = true, default_value_t = 0)]
    pub worker_index: usize,
    /// Worker: the simulators' login (`user:password`), passed in the environment.
    #[arg(
        long,
        hide = true,
        env = "KURNL_THROUGHPUT_SIM_LOGIN",
        hide_env_values = true
    )]
    pub sim_login: Option<String>,
}

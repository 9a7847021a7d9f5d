//! Where the PostgreSQL sessions spend the measured run: `pg_stat_activity` sampled every
//! 10 ms (through `PgStore::activity`), summed per state and wait event, and printed as the
//! average number of sessions in each. `active running` is work; `Lock:*` is lock waits;
//! `IO:WalSync` / `LWLock:WALWrite` are commits waiting for their flush; `idle in transaction`
//! is a transaction waiting for its client.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use kurnl::store::PgStore;

/// Sessions summed over the samples, per (state, wait event).
type Totals = BTreeMap<(String, String), i64>;

/// A sampler running until [`WaitSampler::finish`].
pub struct WaitSampler {
    running: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<(u64, Totals)>,
    started: Instant,
}

impl WaitSampler {
    /// Starts sampling the database of `url` (the schema does not matter: every session of
    /// the database is seen).
    pub async fn start(url: &str, schema: &str) -> anyhow::Result<Self> {
        let options = kurnl::store::PgOptions {
            schema: Some(schema.to_owned()),
            max_connections: 1,
        };
        let store = PgStore::connect_with(url, options).await?;
        let running = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&running);
        let task = tokio::spawn(async move {
            let mut totals = Totals::new();
            let mut samples = 0;
            let mut every = tokio::time::interval(Duration::from_millis(10));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            while flag.load(Ordering::Relaxed) {
                every.tick().await;
                let Ok(rows) = store.activity().await else {
                    continue;
                };
                samples += 1;
                for row in rows {
                    *totals.entry((row.state, row.wait)).or_insert(0) += row.sessions;
                }
            }
            (samples, totals)
        });
        Ok(Self {
            running,
            task,
            started: Instant::now(),
        })
    }

    /// Stops sampling and prints the breakdown.
    pub async fn finish(self) -> anyhow::Result<()> {
        self.running.store(false, Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64();
        let (samples, totals) = self.task.await?;
        let samples = samples.max(1) as f64;
        let all: i64 = totals.values().sum();
        println!(
            "\nPostgreSQL sessions during the run ({samples:.0} samples of pg_stat_activity over {secs:.1} s; \
             average sessions per state and wait event):"
        );
        let mut rows: Vec<_> = totals.into_iter().collect();
        rows.sort_by_key(|row| std::cmp::Reverse(row.1));
        for ((state, wait), n) in rows {
            println!(
                "  {:>6.2}  {:>5.1} %  {state} {wait}",
                n as f64 / samples,
                100.0 * n as f64 / all.max(1) as f64
            );
        }
        Ok(())
    }
}

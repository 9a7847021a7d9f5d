//! The receiver side: takes webhooks from the verifying receiver as they arrive and
//! time-stamps each `provisioning.completed` by its `job_id`. Bodies are dropped once counted.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::receiver::Receiver;

/// What the receiver side recorded.
#[derive(Default)]
pub struct Collected {
    pub completed: HashMap<Uuid, Instant>,
    pub duplicates: u64,
    pub failed: Vec<serde_json::Value>,
    pub by_kind: BTreeMap<String, u64>,
    pub events: u64,
}

/// Counts the waiting loop watches, and the completed jobs the bulk submitters wait on.
#[derive(Default)]
pub struct Progress {
    pub completed: AtomicU64,
    pub events: AtomicU64,
    /// Jobs whose `provisioning.completed` arrived.
    pub completed_jobs: Mutex<HashSet<Uuid>>,
    /// Notified after each round of received webhooks.
    pub arrived: tokio::sync::Notify,
}

impl Progress {
    /// Whether every one of `jobs` has completed.
    pub fn all_completed(&self, jobs: &[Uuid]) -> bool {
        let done = self
            .completed_jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        jobs.iter().all(|j| done.contains(j))
    }
}

/// Collects until `running` is false and nothing is waiting.
pub async fn collect(
    receiver: Receiver,
    progress: Arc<Progress>,
    running: Arc<AtomicBool>,
) -> Collected {
    let mut c = Collected::default();
    loop {
        let more = receiver.wait_any(Duration::from_millis(50)).await;
        let now = Instant::now();
        let mut newly_completed = Vec::new();
        for event in receiver.take_received() {
            c.events += 1;
            let kind = event["event"].as_str().unwrap_or("?").to_owned();
            match kind.as_str() {
                "provisioning.completed" => {
                    let job = event["job_id"]
                        .as_str()
                        .and_then(|j| Uuid::parse_str(j).ok());
                    match job {
                        Some(job) if c.completed.contains_key(&job) => c.duplicates += 1,
                        Some(job) => {
                            c.completed.insert(job, now);
                            newly_completed.push(job);
                        }
                        None => c.failed.push(event.clone()),
                    }
                }
                "provisioning.failed" => c.failed.push(event.clone()),
                _ => {}
            }
            *c.by_kind.entry(kind).or_default() += 1;
        }
        if !newly_completed.is_empty() {
            progress
                .completed_jobs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(newly_completed);
            progress.arrived.notify_waiters();
        }
        progress
            .completed
            .store(c.completed.len() as u64, Ordering::Relaxed);
        progress.events.store(c.events, Ordering::Relaxed);
        if !more && !running.load(Ordering::Relaxed) {
            return c;
        }
    }
}

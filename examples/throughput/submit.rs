//! The API side: the calls a provider makes, timed.
//!
//! - **bulk**: batch `b` (100 entries, each the CKO-04 path) goes to provider
//!   `b % providers`; each provider submits its batches one after another. After a 429
//!   (3 batches in progress) it waits, as a client that watches its webhooks would, until
//!   one of its batches in flight has completed (or [`RETRY_PAUSE`] passed), then retries.
//! - **single**: one CKO-04 call every `1 / rate` seconds, providers in turn.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use kurnl::service::{BulkRequest, ProvisionRequest, Service};
use uuid::Uuid;

use crate::collect::Progress;
use crate::inventory::{Slot, Tenant};

/// Entries per bulk batch (the service's limit).
const BATCH: usize = 100;

/// Longest wait before retrying a batch refused with 429 when none of the provider's batches
/// completes sooner. Retrying on a timer alone spends CPU that the run reports as kurnl's
/// (each retry resubmits 100 entries): every 20 ms, the 50k run made 8,191 retries for its 500
/// batches.
const RETRY_PAUSE: Duration = Duration::from_millis(250);

/// A job and when the API call that created it started.
#[derive(Clone, Copy)]
pub struct Submitted {
    pub job: Uuid,
    pub started: Instant,
}

/// What the API side recorded.
#[derive(Default)]
pub struct ApiResult {
    pub submitted: Vec<Submitted>,
    pub call_latency: Vec<Duration>,
    pub entry_errors: Vec<String>,
    pub retries_429: u64,
    /// Single mode: calls that started more than 50 ms behind schedule.
    pub late: u64,
}

fn request(i: usize, slot: &Slot, tenant: &Tenant) -> ProvisionRequest {
    let mac = (i as u64).to_be_bytes();
    ProvisionRequest {
        plan_version_id: Some(tenant.plan.to_string()),
        location_hash: Some(slot.location.clone()),
        email: Some(format!("subscriber{i}@bench.example")),
        firstname: Some("Bench".into()),
        lastname: Some(format!("Subscriber {i}")),
        street: Some("Main St".into()),
        housenumber: Some((i % 9999 + 1).to_string()),
        postalcode: Some("V1Y 1A1".into()),
        city: Some("Kelowna".into()),
        province: Some("BC".into()),
        mac_address: Some(format!(
            "02:00:{:02x}:{:02x}:{:02x}:{:02x}",
            mac[4], mac[5], mac[6], mac[7]
        )),
        ..ProvisionRequest::default()
    }
}

/// Bulk mode (see the module docs).
pub async fn submit_bulk(
    service: &Service,
    tenants: &[Tenant],
    slots: &[Slot],
    progress: &Arc<Progress>,
) -> anyhow::Result<ApiResult> {
    let batches: Vec<(usize, &[Slot])> = slots.chunks(BATCH).enumerate().collect();
    let mut tasks = tokio::task::JoinSet::new();
    for (p, tenant) in tenants.iter().enumerate() {
        let mine: Vec<(usize, Vec<Slot>)> = batches
            .iter()
            .filter(|(b, _)| b % tenants.len() == p)
            .map(|(b, s)| (*b, s.to_vec()))
            .collect();
        let service = service.clone();
        let tenant = tenant.clone();
        let progress = Arc::clone(progress);
        tasks.spawn(async move {
            let mut out = ApiResult::default();
            // The jobs of each accepted batch that may still be in progress.
            let mut in_flight: Vec<Vec<Uuid>> = Vec::new();
            for (b, batch) in mine {
                let entries = batch
                    .iter()
                    .enumerate()
                    .map(|(k, slot)| serde_json::to_value(request(b * BATCH + k, slot, &tenant)))
                    .collect::<Result<Vec<_>, _>>()?;
                let (accepted, started) = loop {
                    let started = Instant::now();
                    let req = BulkRequest {
                        subscribers: entries.clone(),
                    };
                    match service.bulk_submit(&tenant.caller, req).await {
                        Ok(accepted) => break (accepted, started),
                        Err(kurnl::Error::TooManyRequests(_)) => {
                            out.retries_429 += 1;
                            wait_for_a_batch(&progress, &mut in_flight).await;
                        }
                        Err(e) => return Err(anyhow::Error::new(e).context("bulk_submit")),
                    }
                };
                out.call_latency.push(started.elapsed());
                let status = service
                    .bulk_status(&tenant.caller, &accepted.batch_id.to_string())
                    .await?;
                let mut jobs = Vec::with_capacity(BATCH);
                for r in status.results {
                    match (r.job_id, r.error) {
                        (_, Some(error)) => out.entry_errors.push(format!("{}: {error}", r.email)),
                        (Some(job), None) => {
                            jobs.push(job.0);
                            out.submitted.push(Submitted {
                                job: job.0,
                                started,
                            });
                        }
                        (None, None) => out
                            .entry_errors
                            .push(format!("{}: no job ({})", r.email, r.status)),
                    }
                }
                in_flight.push(jobs);
            }
            anyhow::Ok(out)
        });
    }
    let mut all = ApiResult::default();
    while let Some(done) = tasks.join_next().await {
        let part = done.context("submitter task")??;
        all.submitted.extend(part.submitted);
        all.call_latency.extend(part.call_latency);
        all.entry_errors.extend(part.entry_errors);
        all.retries_429 += part.retries_429;
    }
    Ok(all)
}

/// Waits until one of `in_flight` has completed (and forgets it) or [`RETRY_PAUSE`] passed.
async fn wait_for_a_batch(progress: &Progress, in_flight: &mut Vec<Vec<Uuid>>) {
    let deadline = tokio::time::Instant::now() + RETRY_PAUSE;
    loop {
        // Registered before the check, so a round that lands in between is not missed.
        let arrived = progress.arrived.notified();
        let before = in_flight.len();
        in_flight.retain(|jobs| !progress.all_completed(jobs));
        if in_flight.len() < before {
            return;
        }
        if tokio::time::timeout_at(deadline, arrived).await.is_err() {
            return;
        }
    }
}

/// Single mode: each call on its own task, so a slow call does not hold back the schedule.
pub async fn submit_single(
    service: &Service,
    tenants: &[Tenant],
    slots: &[Slot],
    rate: u32,
) -> anyhow::Result<ApiResult> {
    let out = Arc::new(Mutex::new(ApiResult::default()));
    let period = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let begin = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, slot) in slots.iter().enumerate() {
        ticker.tick().await;
        let due = begin + period.mul_f64(i as f64);
        let tenant = tenants[i % tenants.len()].clone();
        let req = request(i, slot, &tenant);
        let service = service.clone();
        let out = Arc::clone(&out);
        tasks.spawn(async move {
            let started = Instant::now();
            let result = service.provider_initiated(&tenant.caller, req).await;
            let latency = started.elapsed();
            let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
            if started.saturating_duration_since(due) > Duration::from_millis(50) {
                out.late += 1;
            }
            out.call_latency.push(latency);
            match result {
                Ok(r) => match r.job_id {
                    Some(job) => out.submitted.push(Submitted {
                        job: job.0,
                        started,
                    }),
                    None => out.entry_errors.push(format!("call {i}: no job")),
                },
                Err(e) => out.entry_errors.push(format!("call {i}: {e}")),
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.context("call task")?;
    }
    let out = std::mem::take(&mut *out.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(out)
}

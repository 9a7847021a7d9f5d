//! Bulk provisioning: batches of up to 100 CKO-04 entries with per-entry results.

use futures::StreamExt as _;

use super::bulk_waves;
use super::fields::{Fields, uuid};
use super::requests::{BulkRequest, ProvisionRequest};
use super::responses::{BatchAccepted, BatchResultView, BatchStatusView};
use super::shared_reads::SharedReads;
use super::{Caller, Service};
use crate::error::{self, Error, Result};
use crate::model::{Batch, BatchEntry, EntryOutcome, JobStatus};
use crate::ports::{BatchView, ConflictKind, StoreError};
use crate::types::{BatchId, InvalidValue};

/// Entry error for a conflicting subscription (gap G3).
pub const DUPLICATE_SUBSCRIPTION: &str = "Duplicate subscription";

/// 422 when an entry is not an object or has a field of the wrong JSON type, listing every
/// such field.
fn check_entry_types(entries: &[serde_json::Value]) -> Result<()> {
    let mut f = Fields::body();
    for (i, entry) in entries.iter().enumerate() {
        let index = i.to_string();
        let Some(fields) = entry.as_object() else {
            f.push(
                &["subscribers", &index],
                InvalidValue::new("type_error.dict", "value is not a valid dict"),
            );
            continue;
        };
        if serde_json::from_value::<ProvisionRequest>(entry.clone()).is_ok() {
            continue;
        }
        // Which field serde refused: each one on its own (unknown fields are ignored).
        for (name, value) in fields {
            let alone =
                serde_json::Value::Object(std::iter::once((name.clone(), value.clone())).collect());
            if serde_json::from_value::<ProvisionRequest>(alone).is_err() {
                f.push(
                    &["subscribers", &index, name],
                    InvalidValue::new("type_error.str", "str type expected"),
                );
            }
        }
    }
    f.finish()
}

impl Service {
    /// `POST /partner/provisioning/bulk`: stores the batch, then runs each entry through the
    /// CKO-04 path; an entry that fails does not stop the others. Entries are `pending` until
    /// their port job finishes. If the process dies mid-batch, [`Service::resume_batches`]
    /// finishes the remaining entries (entries are idempotent).
    ///
    /// Every entry's shape is checked before anything is stored: an entry that is not an
    /// object, or a field of the wrong JSON type (`"street": {}`), is a 422 naming it
    /// (`["body", "subscribers", "3", "street"]`). Values of the right type that do not
    /// validate (a malformed `location_hash`, an unknown plan version) fail their entry only.
    ///
    /// # Errors
    /// 422 for no entries or more than the limit (100) or a mistyped entry; 429 `Too many concurrent batches` when
    /// the provider has 3 batches in progress.
    pub async fn bulk_submit(&self, caller: &Caller, req: BulkRequest) -> Result<BatchAccepted> {
        let n = req.subscribers.len();
        if n == 0 || n > self.config.max_batch_entries {
            let mut f = Fields::body();
            f.push(
                &["subscribers"],
                InvalidValue::new(
                    "value_error.list",
                    format!(
                        "subscribers must have 1..={} entries, got {n}",
                        self.config.max_batch_entries
                    ),
                ),
            );
            f.finish()?;
        }
        check_entry_types(&req.subscribers)?;
        let batch = Batch {
            id: self.new_id::<BatchId>(),
            provider_id: caller.provider_id,
            sandbox: caller.sandbox,
            created_at: self.clock.now(),
            entries: req
                .subscribers
                .into_iter()
                .enumerate()
                .map(|(i, request)| BatchEntry {
                    index: u32::try_from(i).unwrap_or(u32::MAX),
                    email: request
                        .get("email")
                        .and_then(|e| e.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    request,
                    outcome: None,
                })
                .collect(),
        };
        match self
            .store
            .create_batch(&batch, self.config.max_batches_in_progress)
            .await
        {
            Err(StoreError::Conflict(ConflictKind::TooManyBatches)) => {
                return Err(Error::TooManyRequests(error::TOO_MANY_BATCHES.into()));
            }
            other => other?,
        }
        self.process_batch(&batch).await?;
        Ok(BatchAccepted {
            batch_id: batch.id,
            total: u32::try_from(n).unwrap_or(u32::MAX),
            message: "Batch queued".into(),
        })
    }

    /// Processes the entries of batches that a crash left unfinished. Returns how many entries
    /// were processed.
    ///
    /// # Errors
    /// Store failures.
    pub async fn resume_batches(&self) -> Result<usize> {
        let mut processed = 0;
        for batch in self.store.unprocessed_batches().await? {
            processed += self.process_batch(&batch).await?;
        }
        Ok(processed)
    }

    /// Runs the batch's unprocessed entries, wave after wave (see [`bulk_waves`]), the entries
    /// of one wave concurrently, and records each entry's outcome. A store failure stops the
    /// batch after the entries already running have finished; the rest stay unprocessed for
    /// [`Service::resume_batches`].
    async fn process_batch(&self, batch: &Batch) -> Result<usize> {
        let caller = Caller {
            provider_id: batch.provider_id,
            sandbox: batch.sandbox,
        };
        let todo: Vec<&BatchEntry> = batch
            .entries
            .iter()
            .filter(|e| e.outcome.is_none())
            .collect();
        let requests: Vec<&serde_json::Value> = todo.iter().map(|e| &e.request).collect();
        let mut processed = 0;
        let reads = SharedReads::default();
        for wave in bulk_waves::waves(&requests) {
            let results: Vec<Result<()>> = futures::stream::iter(wave)
                .map(|i| self.process_entry(&caller, batch, todo[i], &reads))
                .buffer_unordered(self.config.bulk_concurrency.max(1))
                .collect()
                .await;
            let mut failure = None;
            for result in results {
                match result {
                    Ok(()) => processed += 1,
                    Err(e) => failure = failure.or(Some(e)),
                }
            }
            if let Some(e) = failure {
                return Err(e);
            }
        }
        Ok(processed)
    }

    /// Runs one entry through the CKO-04 path and records its outcome.
    async fn process_entry(
        &self,
        caller: &Caller,
        batch: &Batch,
        entry: &BatchEntry,
        reads: &SharedReads,
    ) -> Result<()> {
        let outcome = match serde_json::from_value::<ProvisionRequest>(entry.request.clone()) {
            Err(e) => EntryOutcome::Failed {
                error: format!("invalid entry: {e}"),
            },
            Ok(request) => match self.provider_initiated_with(caller, request, reads).await {
                Ok(r) => EntryOutcome::Created {
                    subscription_id: r.subscription_id,
                    subscriber_id: r.subscriber_id,
                    job_id: r.job_id,
                },
                Err(Error::Conflict(_)) => EntryOutcome::Failed {
                    error: DUPLICATE_SUBSCRIPTION.into(),
                },
                Err(e @ (Error::Store(_) | Error::Internal(_))) => return Err(e),
                Err(e) => EntryOutcome::Failed {
                    error: entry_error(&e),
                },
            },
        };
        self.store
            .record_batch_entry(batch.id, entry.index, &outcome)
            .await?;
        Ok(())
    }

    /// `GET /partner/provisioning/bulk/{batch_id}`.
    ///
    /// # Errors
    /// 404 for an unknown batch, another provider's, or one older than 48 hours.
    pub async fn bulk_status(&self, caller: &Caller, batch_id: &str) -> Result<BatchStatusView> {
        let not_found = || Error::NotFound("Batch not found".into());
        let id: BatchId = uuid(batch_id).map_err(|_| not_found())?;
        let view = self
            .store
            .get_batch(caller.provider_id, id)
            .await?
            .ok_or_else(not_found)?;
        if view.batch.sandbox != caller.sandbox
            || view.batch.created_at < self.clock.now() - self.config.batch_retention
        {
            return Err(not_found());
        }
        Ok(status_view(&view))
    }
}

fn entry_error(e: &Error) -> String {
    match e.detail() {
        error::Detail::Text(t) => t,
        error::Detail::Fields(fields) => fields
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Derives entry and batch statuses (gap G3 resolution: an entry completes with its job).
fn status_view(view: &BatchView) -> BatchStatusView {
    let job_of = |index: u32| view.jobs.iter().find(|(i, _)| *i == index).map(|(_, j)| j);
    let results: Vec<BatchResultView> = view
        .batch
        .entries
        .iter()
        .map(|entry| {
            let mut r = BatchResultView {
                email: entry.email.clone(),
                status: "pending",
                subscription_id: None,
                subscriber_id: None,
                job_id: None,
                error: None,
            };
            match &entry.outcome {
                None => {}
                Some(EntryOutcome::Failed { error }) => {
                    r.status = "failed";
                    r.error = Some(error.clone());
                }
                Some(EntryOutcome::Created {
                    subscription_id,
                    subscriber_id,
                    job_id,
                }) => {
                    (r.subscription_id, r.subscriber_id, r.job_id) =
                        (Some(*subscription_id), *subscriber_id, *job_id);
                    match job_of(entry.index).map(|j| (j.status, j.last_error.clone())) {
                        Some((JobStatus::Completed, _)) => r.status = "completed",
                        Some((JobStatus::Failed | JobStatus::Cancelled, err)) => {
                            r.status = "failed";
                            r.error = Some(
                                err.as_deref()
                                    .map_or(
                                        "Provisioning failed",
                                        crate::ports::provider_facing_error,
                                    )
                                    .to_owned(),
                            );
                        }
                        Some(_) => {}
                        // Created without a job (nothing to do on a switch): complete.
                        None if job_id.is_none() => r.status = "completed",
                        None => {}
                    }
                }
            }
            r
        })
        .collect();
    let completed = count(&results, "completed");
    let failed = count(&results, "failed");
    let total = u32::try_from(results.len()).unwrap_or(u32::MAX);
    let status = if completed + failed < total {
        "in_progress"
    } else if failed == 0 {
        "completed"
    } else {
        "completed_with_errors"
    };
    BatchStatusView {
        batch_id: view.batch.id,
        status,
        total,
        completed,
        failed,
        results,
    }
}

fn count(results: &[BatchResultView], status: &str) -> u32 {
    u32::try_from(results.iter().filter(|r| r.status == status).count()).unwrap_or(u32::MAX)
}

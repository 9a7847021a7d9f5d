//! Bulk batches.

use chrono::{DateTime, Utc};

use super::state::{Row, State};
use crate::model::{Batch, BatchEntry, EntryOutcome};
use crate::ports::{BatchView, ConflictKind, StoreError};
use crate::types::{BatchId, JobId, ProviderId};

/// The job an entry is waiting for, if any.
fn entry_job(entry: &BatchEntry) -> Option<JobId> {
    match &entry.outcome {
        Some(EntryOutcome::Created { job_id, .. }) => *job_id,
        _ => None,
    }
}

impl State {
    /// Whether a job exists and is not yet completed or failed.
    fn job_unfinished(&self, id: JobId) -> bool {
        self.jobs
            .get(&id)
            .is_some_and(|r| !r.value.status.is_terminal())
    }

    /// In progress: an entry has no outcome yet, or its job is not finished.
    fn batch_in_progress(&self, batch: &Batch) -> bool {
        batch
            .entries
            .iter()
            .any(|e| e.outcome.is_none() || entry_job(e).is_some_and(|j| self.job_unfinished(j)))
    }

    pub(super) fn create_batch(
        &mut self,
        batch: &Batch,
        max_in_progress: u32,
    ) -> Result<(), StoreError> {
        if self.batches.contains_key(&batch.id) {
            return Err(StoreError::Conflict(ConflictKind::DuplicateId));
        }
        let running = self
            .batches
            .values()
            .map(|r| &r.value)
            .filter(|b| {
                b.provider_id == batch.provider_id
                    && b.sandbox == batch.sandbox
                    && self.batch_in_progress(b)
            })
            .count();
        if running >= max_in_progress as usize {
            return Err(StoreError::Conflict(ConflictKind::TooManyBatches));
        }
        let seq = self.seq();
        self.batches.insert(
            batch.id,
            Row {
                seq,
                value: batch.clone(),
            },
        );
        Ok(())
    }

    pub(super) fn record_batch_entry(
        &mut self,
        batch: BatchId,
        index: u32,
        outcome: &EntryOutcome,
    ) -> Result<(), StoreError> {
        let row = self
            .batches
            .get_mut(&batch)
            .ok_or(StoreError::NotFound("batch"))?;
        let entry = row
            .value
            .entries
            .iter_mut()
            .find(|e| e.index == index)
            .ok_or(StoreError::NotFound("batch entry"))?;
        entry.outcome = Some(outcome.clone());
        Ok(())
    }

    pub(super) fn get_batch(&self, provider: ProviderId, id: BatchId) -> Option<BatchView> {
        let batch = self
            .batches
            .get(&id)
            .map(|r| &r.value)
            .filter(|b| b.provider_id == provider)?;
        let mut jobs: Vec<_> = batch
            .entries
            .iter()
            .filter_map(|e| Some((e.index, self.jobs.get(&entry_job(e)?)?.value.clone())))
            .collect();
        jobs.sort_by_key(|(index, _)| *index);
        Some(BatchView {
            batch: batch.clone(),
            jobs,
        })
    }

    pub(super) fn unprocessed_batches(&self) -> Vec<Batch> {
        let mut rows: Vec<&Row<Batch>> = self
            .batches
            .values()
            .filter(|r| r.value.entries.iter().any(|e| e.outcome.is_none()))
            .collect();
        rows.sort_by_key(|r| (r.value.created_at, r.seq));
        rows.into_iter().map(|r| r.value.clone()).collect()
    }

    pub(super) fn purge_batches(&mut self, before: DateTime<Utc>) -> u64 {
        let old = self.batches.len();
        self.batches.retain(|_, r| r.value.created_at >= before);
        (old - self.batches.len()) as u64
    }
}

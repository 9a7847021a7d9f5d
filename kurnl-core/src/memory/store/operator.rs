//! The operator's calls: operator keys and job search, retry and cancel.

use chrono::{DateTime, Utc};

use super::state::State;
use crate::model::{Job, JobStatus, NewEvent, OperatorKeyRecord};
use crate::ports::{ConflictKind, JobQuery, StoreError};
use crate::types::{ApiKeyId, JobId};

impl State {
    pub(super) fn put_operator_key(&mut self, key: &OperatorKeyRecord) -> Result<(), StoreError> {
        // The hash is unique, as in the SQL stores' index.
        if self
            .operator_keys
            .iter()
            .any(|k| k.key_hash == key.key_hash && k.id != key.id)
        {
            return Err(StoreError::Conflict(ConflictKind::DuplicateId));
        }
        match self.operator_keys.iter_mut().find(|k| k.id == key.id) {
            Some(stored) => *stored = key.clone(),
            None => self.operator_keys.push(key.clone()),
        }
        Ok(())
    }

    pub(super) fn revoke_operator_key(
        &mut self,
        id: ApiKeyId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = self
            .operator_keys
            .iter_mut()
            .find(|k| k.id == id)
            .ok_or(StoreError::NotFound("operator key"))?;
        key.revoked_at.get_or_insert(at);
        Ok(())
    }

    pub(super) fn list_jobs(&self, q: &JobQuery) -> Vec<Job> {
        let after = match q.after {
            None => None,
            Some(id) => match self.jobs.get(&id) {
                Some(r) => Some((r.value.created_at, r.seq)),
                None => return Vec::new(),
            },
        };
        let mut rows: Vec<_> = self
            .jobs
            .values()
            .filter(|r| {
                let j = &r.value;
                q.status.is_none_or(|s| j.status == s)
                    && q.switch_id.is_none_or(|s| j.port.switch_id == s)
                    && q.subscription_id.is_none_or(|s| j.subscription_id == s)
                    && q.provider_id.is_none_or(|p| j.provider_id == p)
                    && after.is_none_or(|key| (j.created_at, r.seq) < key)
            })
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse((r.value.created_at, r.seq)));
        rows.into_iter()
            .take(q.limit as usize)
            .map(|r| r.value.clone())
            .collect()
    }

    pub(super) fn retry_job(&mut self, id: JobId, now: DateTime<Utc>) -> Result<Job, StoreError> {
        let row = self.jobs.get(&id).ok_or(StoreError::NotFound("job"))?;
        if row.value.status != JobStatus::Failed {
            return Err(StoreError::Conflict(ConflictKind::JobNotFailed));
        }
        let (port, key) = (row.value.port, (row.value.created_at, row.seq));
        let superseded = self.jobs.values().any(|r| {
            r.value.port == port
                && r.value.status != JobStatus::Cancelled
                && (r.value.created_at, r.seq) > key
        });
        if superseded {
            return Err(StoreError::Conflict(ConflictKind::JobSuperseded));
        }
        let job = &mut self
            .jobs
            .get_mut(&id)
            .ok_or(StoreError::NotFound("job"))?
            .value;
        job.status = JobStatus::Pending;
        job.attempts = 0;
        job.run_at = now;
        job.updated_at = now;
        Ok(job.clone())
    }

    pub(super) fn cancel_job(
        &mut self,
        id: JobId,
        error: &str,
        events: Vec<NewEvent>,
        now: DateTime<Utc>,
    ) -> Result<Job, StoreError> {
        let row = self.jobs.get(&id).ok_or(StoreError::NotFound("job"))?;
        if row.value.status != JobStatus::Pending {
            return Err(StoreError::Conflict(ConflictKind::JobNotQueued));
        }
        let ids: Vec<_> = events.iter().map(|e| e.id).collect();
        super::commit::check_unique_ids(&ids, |id| self.events.contains_key(id))?;
        let job = &mut self
            .jobs
            .get_mut(&id)
            .ok_or(StoreError::NotFound("job"))?
            .value;
        job.status = JobStatus::Cancelled;
        job.last_error = Some(error.to_owned());
        job.updated_at = now;
        let job = job.clone();
        for event in events {
            self.append_event(event);
        }
        Ok(job)
    }
}

//! The job queue: claims with leases, heartbeats, outcomes, reaping.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::commit::check_unique_ids;
use super::state::State;
use crate::model::{JobStatus, NewEvent, PortRef};
use crate::ports::{ClaimRequest, ClaimedJobs, JobOutcome, JobResult, StoreError};
use crate::types::{JobId, LeaseToken, SwitchId};

/// The events an outcome appends.
fn outcome_events(result: &JobResult) -> &[NewEvent] {
    match result {
        JobResult::Completed { events } | JobResult::Failed { events, .. } => events,
        JobResult::Retry { .. } => &[],
    }
}

/// A job that heads its port's queue and is due.
struct Head {
    id: JobId,
    switch: SwitchId,
}

impl State {
    /// Due jobs that are the oldest unfinished job of their port, oldest first.
    fn claimable_heads(&self, now: DateTime<Utc>) -> Vec<Head> {
        let mut heads: HashMap<PortRef, (DateTime<Utc>, u64, JobId)> = HashMap::new();
        for row in self.jobs.values().filter(|r| !r.value.status.is_terminal()) {
            let key = (row.value.created_at, row.seq, row.value.id);
            heads
                .entry(row.value.port)
                .and_modify(|h| *h = (*h).min(key))
                .or_insert(key);
        }
        let mut due: Vec<(DateTime<Utc>, u64, Head)> = heads
            .into_values()
            .filter_map(|(created, seq, id)| {
                let job = &self.jobs.get(&id)?.value;
                let ready = job.status == JobStatus::Pending && job.run_at <= now;
                ready.then_some((
                    created,
                    seq,
                    Head {
                        id,
                        switch: job.port.switch_id,
                    },
                ))
            })
            .collect();
        due.sort_by_key(|(created, seq, _)| (*created, *seq));
        due.into_iter().map(|(_, _, head)| head).collect()
    }

    /// Leases currently held on each switch. Every in-progress lease counts, expired or not:
    /// until it is reaped its worker may still have a session open.
    fn leases_per_switch(&self) -> HashMap<SwitchId, HashSet<LeaseToken>> {
        let mut leases: HashMap<SwitchId, HashSet<LeaseToken>> = HashMap::new();
        for job in self
            .jobs
            .values()
            .map(|r| &r.value)
            .filter(|j| j.status == JobStatus::InProgress)
        {
            if let Some(lease) = job.lease {
                leases.entry(job.port.switch_id).or_default().insert(lease);
            }
        }
        leases
    }

    /// Concurrent sessions allowed on a switch; 1 for a switch missing from the inventory,
    /// 0 for a disabled one.
    fn session_limit(&self, switch: SwitchId) -> usize {
        self.switches.get(&switch).map_or(1, |s| {
            if s.disabled {
                0
            } else {
                s.max_sessions.max(1) as usize
            }
        })
    }

    pub(super) fn claim_jobs(&mut self, request: &ClaimRequest) -> Option<ClaimedJobs> {
        if request.max_jobs == 0 {
            return None;
        }
        let heads = self.claimable_heads(request.now);
        let leases = self.leases_per_switch();
        let switch = heads
            .iter()
            .map(|h| h.switch)
            .find(|s| leases.get(s).map_or(0, HashSet::len) < self.session_limit(*s))?;
        let ids: Vec<JobId> = heads
            .iter()
            .filter(|h| h.switch == switch)
            .take(request.max_jobs as usize)
            .map(|h| h.id)
            .collect();
        let lease = LeaseToken::new_random();
        let expires_at = request.now + request.lease;
        let mut jobs = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = self.jobs.get_mut(&id) {
                let job = &mut row.value;
                job.status = JobStatus::InProgress;
                job.attempts += 1;
                job.lease = Some(lease);
                job.lease_expires_at = Some(expires_at);
                job.updated_at = request.now;
                jobs.push(job.clone());
            }
        }
        Some(ClaimedJobs {
            lease,
            switch_id: switch,
            expires_at,
            jobs,
        })
    }

    /// Whether `id` is in progress under `lease`.
    fn holds(&self, lease: LeaseToken, id: JobId) -> bool {
        self.jobs.get(&id).is_some_and(|r| {
            r.value.status == JobStatus::InProgress && r.value.lease == Some(lease)
        })
    }

    pub(super) fn heartbeat(
        &mut self,
        lease: LeaseToken,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let held: Vec<JobId> = self
            .jobs
            .keys()
            .copied()
            .filter(|id| self.holds(lease, *id))
            .collect();
        if held.is_empty() {
            return Err(StoreError::LeaseLost);
        }
        for id in held {
            if let Some(row) = self.jobs.get_mut(&id) {
                row.value.lease_expires_at = Some(until);
            }
        }
        Ok(())
    }

    pub(super) fn finish_jobs(
        &mut self,
        lease: LeaseToken,
        outcomes: Vec<JobOutcome>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut seen = HashSet::new();
        for outcome in &outcomes {
            if !self.holds(lease, outcome.job_id) || !seen.insert(outcome.job_id) {
                return Err(StoreError::LeaseLost);
            }
        }
        let event_ids: Vec<_> = outcomes
            .iter()
            .flat_map(|o| outcome_events(&o.result))
            .map(|e| e.id)
            .collect();
        check_unique_ids(&event_ids, |id| self.events.contains_key(id))?;
        for outcome in outcomes {
            self.apply_outcome(outcome, now);
        }
        Ok(())
    }

    fn apply_outcome(&mut self, outcome: JobOutcome, now: DateTime<Utc>) {
        let Some(row) = self.jobs.get_mut(&outcome.job_id) else {
            return;
        };
        let job = &mut row.value;
        job.lease = None;
        job.lease_expires_at = None;
        job.updated_at = now;
        let events = match outcome.result {
            JobResult::Completed { events } => {
                job.status = JobStatus::Completed;
                job.last_error = None;
                events
            }
            JobResult::Failed { error, events } => {
                job.status = JobStatus::Failed;
                job.last_error = Some(error);
                events
            }
            JobResult::Retry { at, error } => {
                job.status = JobStatus::Pending;
                job.run_at = at;
                job.last_error = Some(error);
                Vec::new()
            }
        };
        for event in events {
            self.append_event(event);
        }
    }

    pub(super) fn reap_expired_leases(&mut self, now: DateTime<Utc>) -> u64 {
        let mut reaped = 0;
        for job in self.jobs.values_mut().map(|r| &mut r.value) {
            let expired = job.lease_expires_at.is_some_and(|at| at < now);
            if job.status == JobStatus::InProgress && expired {
                job.status = JobStatus::Pending;
                job.lease = None;
                job.lease_expires_at = None;
                job.updated_at = now;
                reaped += 1;
            }
        }
        reaped
    }
}

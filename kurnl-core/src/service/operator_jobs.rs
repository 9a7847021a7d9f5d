//! The operator's view of the job queue over every provider: list and filter, one job with
//! its full error, retry a failed job, cancel a queued one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Service;
use super::fields::{Fields, present, uuid};
use super::operator::Operator;
use crate::error::{Error, Result};
use crate::model::{EventData, Job, JobAction, JobStatus, NewEvent};
use crate::ports::{CANCELLED_BY_OPERATOR, ConflictKind, JobQuery, StoreError};
use crate::types::{EventId, InvalidValue, JobId, ProviderId, SubscriptionId, SwitchId};

/// Query of `GET /operator/jobs`: every filter given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobListQuery {
    /// `pending`, `in_progress`, `completed`, `failed` or `cancelled`.
    pub status: Option<String>,
    /// A switch id.
    pub switch_id: Option<String>,
    /// A subscription id.
    pub subscription_id: Option<String>,
    /// A provider id.
    pub provider_id: Option<String>,
    /// The next page: the `job_id` of the last job of the previous page.
    pub after: Option<String>,
    /// 1..=500 (default 100).
    pub limit: Option<u32>,
}

/// A job as operators see it: everything a provider sees, plus its switch port, desired
/// state, lease and the full stored error (addresses and device output included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorJobView {
    /// Id.
    pub job_id: JobId,
    /// Owner.
    pub provider_id: ProviderId,
    /// Subscription.
    pub subscription_id: SubscriptionId,
    /// Sandbox jobs never touch a switch.
    pub sandbox: bool,
    /// `provision`, `change_plan`, `suspend`, `reactivate`, `deprovision` or `repair` (drift
    /// audit).
    pub action: &'static str,
    /// `pending`, `in_progress`, `completed`, `failed` or `cancelled`.
    pub status: &'static str,
    /// The switch.
    pub switch_id: SwitchId,
    /// The port number on it.
    pub port_number: u32,
    /// The interface name.
    pub interface: String,
    /// The state the job converges the port to.
    pub desired: crate::model::PortConfig,
    /// Attempts started since it was queued (or last retried by an operator).
    pub attempts: u32,
    /// Not claimed before this time (a retry's backoff).
    pub run_at: DateTime<Utc>,
    /// While in progress: when its worker's lease runs out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// The last error in full.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Job> for OperatorJobView {
    fn from(j: &Job) -> Self {
        Self {
            job_id: j.id,
            provider_id: j.provider_id,
            subscription_id: j.subscription_id,
            sandbox: j.sandbox,
            action: j.action.as_str(),
            status: j.status.as_str(),
            switch_id: j.port.switch_id,
            port_number: j.port.port_number,
            interface: j.interface.as_str().to_owned(),
            desired: j.desired.clone(),
            attempts: j.attempts,
            run_at: j.run_at,
            lease_expires_at: j.lease_expires_at,
            last_error: j.last_error.clone(),
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }
}

/// A page of jobs, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobPage {
    /// The jobs.
    pub results: Vec<OperatorJobView>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<JobId>,
}

impl Service {
    /// `GET /operator/jobs`: jobs of every provider, newest first.
    ///
    /// # Errors
    /// 422 naming the query field for a bad status, id or limit.
    pub async fn operator_list_jobs(&self, _: &Operator, query: JobListQuery) -> Result<JobPage> {
        let mut f = Fields::under(&["query"]);
        let status = f.optional(&["status"], query.status.as_deref(), parse_job_status);
        let switch_id = f.optional(&["switch_id"], query.switch_id.as_deref(), uuid);
        let subscription_id =
            f.optional(&["subscription_id"], query.subscription_id.as_deref(), uuid);
        let provider_id = f.optional(&["provider_id"], query.provider_id.as_deref(), uuid);
        let after = f.optional(&["after"], query.after.as_deref(), uuid);
        let limit = query.limit.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            f.push(
                &["limit"],
                InvalidValue::new("value_error.number", "limit must be between 1 and 500"),
            );
        }
        f.finish()?;
        let q = JobQuery {
            status: present(status)?,
            switch_id: present(switch_id)?,
            subscription_id: present(subscription_id)?,
            provider_id: present(provider_id)?,
            after: present(after)?,
            // One more than asked, to tell whether a next page exists.
            limit: limit + 1,
        };
        let mut jobs = self.store.list_jobs(&q).await?;
        let more = jobs.len() > limit as usize;
        jobs.truncate(limit as usize);
        Ok(JobPage {
            next_after: more.then(|| jobs.last().map(|j| j.id)).flatten(),
            results: jobs.iter().map(OperatorJobView::from).collect(),
        })
    }

    /// `GET /operator/jobs/{job_id}`.
    ///
    /// # Errors
    /// 404 `Job not found`.
    pub async fn operator_job(&self, _: &Operator, job_id: &str) -> Result<OperatorJobView> {
        let id = job_id_of(job_id)?;
        match self.store.find_job(id).await? {
            Some(job) => Ok(OperatorJobView::from(&job)),
            None => Err(job_not_found()),
        }
    }

    /// `POST /operator/jobs/{job_id}/retry`: a failed job back in the queue, due now, with a
    /// fresh retry budget. Its provider hears the outcome as for any job.
    ///
    /// # Errors
    /// 404 `Job not found`; 409 when the job is not failed, or a later job for the same port
    /// exists (retrying would undo the later change: act on the subscription instead).
    pub async fn operator_retry_job(&self, op: &Operator, job_id: &str) -> Result<OperatorJobView> {
        let id = job_id_of(job_id)?;
        let job = self
            .store
            .retry_job(id, self.clock.now())
            .await
            .map_err(intervention_error)?;
        tracing::info!(job = %job.id, operator_key = %op.key_id, "operator retried a failed job");
        if let Some(signal) = &self.signal {
            signal.jobs_committed();
        }
        Ok(OperatorJobView::from(&job))
    }

    /// `POST /operator/jobs/{job_id}/cancel`: takes a queued job out of the queue before it
    /// runs; the port is not touched and the provider gets `provisioning.failed` with
    /// [`CANCELLED_BY_OPERATOR`]. The subscription's status is left as it is: the operator
    /// decides what the port should be next.
    ///
    /// # Errors
    /// 404 `Job not found`; 409 when it is running or finished.
    pub async fn operator_cancel_job(
        &self,
        op: &Operator,
        job_id: &str,
    ) -> Result<OperatorJobView> {
        let id = job_id_of(job_id)?;
        let Some(job) = self.store.find_job(id).await? else {
            return Err(job_not_found());
        };
        let now = self.clock.now();
        let event = NewEvent {
            id: EventId(self.ids.new_uuid()),
            provider_id: job.provider_id,
            sandbox: job.sandbox,
            data: EventData::ProvisioningFailed {
                job_id: job.id,
                subscription_id: job.subscription_id,
                error: CANCELLED_BY_OPERATOR.to_owned(),
            },
            created_at: now,
        };
        // A drift repair's provider was told of the drift, not of the repair job.
        let events = if job.action == JobAction::Repair {
            Vec::new()
        } else {
            vec![event]
        };
        let job = self
            .store
            .cancel_job(id, CANCELLED_BY_OPERATOR, events, now)
            .await
            .map_err(intervention_error)?;
        tracing::info!(job = %job.id, operator_key = %op.key_id, "operator cancelled a queued job");
        if let Some(signal) = &self.signal {
            signal.events_committed();
        }
        Ok(OperatorJobView::from(&job))
    }
}

fn job_not_found() -> Error {
    Error::NotFound("Job not found".into())
}

fn job_id_of(raw: &str) -> Result<JobId> {
    uuid(raw).map_err(|_| job_not_found())
}

fn intervention_error(e: StoreError) -> Error {
    match e {
        StoreError::NotFound(_) => job_not_found(),
        StoreError::Conflict(ConflictKind::JobNotFailed) => {
            Error::Conflict("Only a failed job can be retried".into())
        }
        StoreError::Conflict(ConflictKind::JobSuperseded) => Error::Conflict(
            "A later job for this port exists; retrying this one would undo it".into(),
        ),
        StoreError::Conflict(ConflictKind::JobNotQueued) => {
            Error::Conflict("Only a queued (pending) job can be cancelled".into())
        }
        other => other.into(),
    }
}

fn parse_job_status(raw: &str) -> std::result::Result<JobStatus, InvalidValue> {
    JobStatus::parse(raw.trim()).ok_or_else(|| {
        InvalidValue::new(
            "value_error.enum",
            "status must be one of: pending, in_progress, completed, failed, cancelled",
        )
    })
}

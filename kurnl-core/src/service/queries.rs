//! Read-only calls: job status and the provider's active plan versions.

use super::fields::uuid;
use super::responses::{JobView, PlanVersionView};
use super::{Caller, Service};
use crate::error::{Error, Result};
use crate::types::JobId;

impl Service {
    /// `GET /partner/provisioning/jobs/{job_id}` (our extension, gap G21).
    ///
    /// # Errors
    /// 404 unknown or another provider's job.
    pub async fn job_status(&self, caller: &Caller, job_id: &str) -> Result<JobView> {
        let not_found = || Error::NotFound("Job not found".into());
        let id: JobId = uuid(job_id).map_err(|_| not_found())?;
        match self.store.get_job(caller.provider_id, id).await? {
            Some(job) if job.sandbox == caller.sandbox => Ok(JobView::from(&job)),
            _ => Err(not_found()),
        }
    }

    /// `GET /partner/marketplace/plans/me`: the caller's plan versions active now.
    ///
    /// # Errors
    /// Store failures only.
    pub async fn my_plan_versions(&self, caller: &Caller) -> Result<Vec<PlanVersionView>> {
        let now = self.clock.now();
        let versions = self.store.list_plan_versions(caller.provider_id).await?;
        Ok(versions
            .iter()
            .filter(|v| v.is_active_at(now))
            .map(PlanVersionView::from)
            .collect())
    }
}

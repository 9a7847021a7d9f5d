//! Arguments of the operator's [`Store`](super::Store) calls: job search.

use crate::model::JobStatus;
use crate::types::{JobId, ProviderId, SubscriptionId, SwitchId};

/// Which jobs [`Store::list_jobs`](super::Store::list_jobs) returns: every filter that is set
/// must match; newest first (`created_at`, then insertion order), at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobQuery {
    /// Only jobs in this status.
    pub status: Option<JobStatus>,
    /// Only jobs for a port of this switch.
    pub switch_id: Option<SwitchId>,
    /// Only jobs of this subscription.
    pub subscription_id: Option<SubscriptionId>,
    /// Only jobs of this provider.
    pub provider_id: Option<ProviderId>,
    /// Only jobs that come after this one in the order (the next page: the last job
    /// listed). A job id that does not exist matches nothing.
    pub after: Option<JobId>,
    /// At most this many.
    pub limit: u32,
}

impl Default for JobQuery {
    fn default() -> Self {
        Self {
            status: None,
            switch_id: None,
            subscription_id: None,
            provider_id: None,
            after: None,
            limit: 100,
        }
    }
}

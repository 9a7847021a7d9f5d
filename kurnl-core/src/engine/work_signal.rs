//! [`WorkSignal`]: an in-process nudge from the service to the engine and the dispatcher.

use std::sync::Arc;

use tokio::sync::Notify;

/// Tells the [`ProvisioningEngine`](super::ProvisioningEngine) and the
/// [`OutboxDispatcher`](super::OutboxDispatcher) of this process that new work was committed,
/// so that an idle one claims it at once instead of at its next poll.
///
/// Give clones of one signal to the [`Service`](crate::service::Service)
/// ([`with_work_signal`](crate::service::Service::with_work_signal)), the engine and the
/// dispatcher. The store stays the only source of truth: a signal only shortens a sleep, a
/// missed one costs at most one poll interval, and engines in other processes keep polling.
/// Under load the signal costs nothing extra: it wakes a claim loop only while that loop is
/// idle, and keeps at most one wake-up for later.
///
/// ```
/// use kurnl_core::engine::WorkSignal;
/// let signal = WorkSignal::new();
/// signal.jobs_committed(); // nobody waits yet: kept for the next idle engine loop
/// ```
#[derive(Debug, Clone, Default)]
pub struct WorkSignal {
    jobs: Arc<Notify>,
    events: Arc<Notify>,
}

impl WorkSignal {
    /// A signal nobody has raised yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Port jobs were committed: wakes one idle engine loop (or the next one to go idle).
    pub fn jobs_committed(&self) {
        self.jobs.notify_one();
    }

    /// Events were committed: wakes the dispatcher if it waits for its next claim.
    pub fn events_committed(&self) {
        self.events.notify_one();
    }

    pub(crate) async fn jobs(&self) {
        self.jobs.notified().await;
    }

    pub(crate) async fn events(&self) {
        self.events.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_raise_before_anyone_waits_is_kept_for_one_waiter() {
        let signal = WorkSignal::new();
        signal.jobs_committed();
        signal.jobs_committed();
        let first = tokio::time::timeout(Duration::from_secs(5), signal.jobs()).await;
        assert!(first.is_ok(), "the kept wake-up was lost");
        let second = tokio::time::timeout(Duration::from_millis(50), signal.jobs()).await;
        assert!(second.is_err(), "two raises must keep one wake-up, not two");
        let events = tokio::time::timeout(Duration::from_millis(50), signal.events()).await;
        assert!(events.is_err(), "jobs and events are separate");
    }
}

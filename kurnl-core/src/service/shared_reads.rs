//! Inventory reads shared by the entries of one bulk batch.
//!
//! A batch of 100 CKO-04 entries names one provider and usually one plan version; reading them
//! once per batch instead of once per entry saves two of an entry's store reads. (An entry's
//! location, port and switch come in one read of its own,
//! [`Store::get_location_placement`](crate::ports::Store::get_location_placement): a batch's
//! entries are often spread over as many switches as entries.) The batch is one request at one
//! point in time, so its entries seeing the inventory as it was when each was first read is
//! the same answer the entries would get if they ran one after the other. What decides
//! uniqueness (the idempotency key, the subscriber's email, the port) is never cached: the
//! store enforces it at commit.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::model::{PlanVersion, Provider, Switch};
use crate::ports::StoreError;
use crate::types::{PlanVersionId, ProviderId, SwitchId};

/// One cell per key: the entries of a wave start together, and all of them wait for the one
/// read instead of each making its own.
type Cells<K, V> = Mutex<HashMap<K, Arc<OnceCell<Option<V>>>>>;

/// Lookups remembered for the life of one request (a single call gets a fresh, empty one).
#[derive(Debug, Default)]
pub(crate) struct SharedReads {
    providers: Cells<ProviderId, Provider>,
    plan_versions: Cells<PlanVersionId, PlanVersion>,
    switches: Cells<SwitchId, Switch>,
}

impl SharedReads {
    /// The provider, read through `read` the first time.
    pub(crate) async fn provider<F>(
        &self,
        id: ProviderId,
        read: impl FnOnce() -> F,
    ) -> Result<Option<Provider>, StoreError>
    where
        F: Future<Output = Result<Option<Provider>, StoreError>>,
    {
        remembered(&self.providers, id, read).await
    }

    /// The plan version, read through `read` the first time.
    pub(crate) async fn plan_version<F>(
        &self,
        id: PlanVersionId,
        read: impl FnOnce() -> F,
    ) -> Result<Option<PlanVersion>, StoreError>
    where
        F: Future<Output = Result<Option<PlanVersion>, StoreError>>,
    {
        remembered(&self.plan_versions, id, read).await
    }

    /// The switch, read through `read` the first time.
    pub(crate) async fn switch<F>(
        &self,
        id: SwitchId,
        read: impl FnOnce() -> F,
    ) -> Result<Option<Switch>, StoreError>
    where
        F: Future<Output = Result<Option<Switch>, StoreError>>,
    {
        remembered(&self.switches, id, read).await
    }
}

/// The remembered value for `key`, or the result of `read` (only called on a miss), remembered. Concurrent callers
/// for one key wait for the first one's read; a failed read is not remembered (the next caller
/// reads again).
async fn remembered<K, V, F>(
    cells: &Cells<K, V>,
    key: K,
    read: impl FnOnce() -> F,
) -> Result<Option<V>, StoreError>
where
    K: Eq + Hash,
    V: Clone,
    F: Future<Output = Result<Option<V>, StoreError>>,
{
    let cell = Arc::clone(lock(cells).entry(key).or_default());
    cell.get_or_try_init(read).await.cloned()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The maps hold plain values; a panic elsewhere cannot leave one half-updated.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_lookup_is_read_once_and_a_miss_is_remembered_too() {
        let reads = SharedReads::default();
        let count = AtomicUsize::new(0);
        let id = SwitchId::from(uuid::Uuid::nil());
        for _ in 0..3 {
            let found = reads
                .switch(id, || async {
                    count.fetch_add(1, Ordering::Relaxed);
                    Ok(None)
                })
                .await
                .expect("read");
            assert!(found.is_none());
        }
        assert_eq!(count.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn concurrent_lookups_share_one_read() {
        let reads = SharedReads::default();
        let count = AtomicUsize::new(0);
        let id = SwitchId::from(uuid::Uuid::nil());
        let lookups = (0..20).map(|_| {
            reads.switch(id, || async {
                count.fetch_add(1, Ordering::Relaxed);
                tokio::task::yield_now().await;
                Ok(None)
            })
        });
        let results = futures::future::join_all(lookups).await;
        assert!(results.iter().all(|r| matches!(r, Ok(None))));
        assert_eq!(count.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn a_failed_read_is_not_remembered() {
        let reads = SharedReads::default();
        let id = ProviderId::from(uuid::Uuid::nil());
        let failed = reads
            .provider(id, || async { Err(StoreError::backend("down")) })
            .await;
        assert!(failed.is_err());
        let again = reads
            .provider(id, || async { Ok(None) })
            .await
            .expect("read");
        assert!(again.is_none());
    }
}

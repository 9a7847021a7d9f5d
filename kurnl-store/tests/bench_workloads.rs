//! Runs the benchmark workloads once at a small size, so that `cargo test` keeps them working.

#[path = "../benches/support/mod.rs"]
mod support;

mod common;

use std::sync::Arc;

use kurnl_core::ports::Store;
use kurnl_core::testkit::store_suite::fixtures;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_workloads_run() {
    let store = common::sqlite_file_store().await;
    let world = fixtures::world(&store, 8, 1).await;
    let s = store.clone();
    support::run_concurrent(50, 8, move |n| {
        let store = s.clone();
        let writes = support::provisioning_write(&world, n);
        async move { store.commit(writes).await.expect("commit") }
    })
    .await;
    let store: Arc<dyn Store> = Arc::new(store);
    let fleet = support::fleet(&*store, 3, 8).await;
    for max_jobs in [1, 16, 16, 1] {
        support::enqueue(&*store, &fleet, 40).await;
        support::drain(store.clone(), 40, 2, max_jobs).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_queue_workload_like_the_bench() {
    let store: Arc<dyn Store> = Arc::new(common::sqlite_file_store().await);
    let fleet = support::fleet(&*store, 20, 48).await;
    for max_jobs in [1, 16] {
        let mut n = 1;
        while n <= 1024 {
            support::enqueue(&*store, &fleet, n).await;
            support::drain(store.clone(), n, 1, max_jobs).await;
            n *= 2;
        }
    }
}

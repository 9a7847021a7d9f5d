//! A bulk batch on the durable SQLite store: its entries run concurrently, so their writes
//! share group-commit transactions (one fsync for many entries) instead of paying one each.

mod common;

use std::sync::Arc;

use kurnl_core::ports::Store;
use kurnl_core::service::BulkRequest;
use kurnl_core::testkit::{FIXTURE_PORTS, Fixture};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_entries_share_group_commits() {
    let store = common::sqlite_file_store().await;
    let fx = Fixture::new(Arc::new(store.clone()) as Arc<dyn Store>).await;
    let entries = FIXTURE_PORTS as usize;
    let subscribers = (0..entries)
        .map(|i| {
            serde_json::to_value(fx.provision_request(&format!("bulk{i}@example.com"), i))
                .expect("request as JSON")
        })
        .collect();
    let before = store.group_commit_stats();

    let accepted = fx
        .service
        .bulk_submit(&fx.a.caller, BulkRequest { subscribers })
        .await
        .expect("batch accepted");

    let view = fx
        .service
        .bulk_status(&fx.a.caller, &accepted.batch_id.to_string())
        .await
        .expect("batch status");
    assert!(
        view.results.iter().all(|r| r.subscription_id.is_some()),
        "every entry created its subscription: {:?}",
        view.results
    );
    let after = store.group_commit_stats();
    let (transactions, write_sets) = (
        after.transactions - before.transactions,
        after.write_sets - before.write_sets,
    );
    // Each entry writes twice (its subscription, then its outcome): run one after another
    // that is one transaction per write.
    assert!(
        write_sets >= 2 * entries as u64,
        "{write_sets} grouped writes"
    );
    assert!(
        transactions * 2 <= write_sets,
        "{write_sets} writes took {transactions} transactions: entries did not share commits"
    );
}

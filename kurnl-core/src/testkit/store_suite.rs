//! [`Store`] conformance suite, in the style of `object_store`'s shared integration tests.
//!
//! Every public async function checks one behaviour of the [`Store`] contract and panics with
//! a message starting `store conformance:` when the store breaks it. Most take `&dyn Store`;
//! the race tests take an `Arc<dyn Store>` and hammer it from many Tokio tasks (run them on a
//! multi-threaded runtime to get real parallelism).
//!
//! # Sharing one database
//! The functions may run in parallel against one shared store (for example one PostgreSQL
//! database for the whole test binary): every id, provider, switch, email and location hash
//! they create is fresh and random, and they only assert on their own rows. Three operations
//! of the port are global, though: [`Store::claim_jobs`], [`Store::reap_expired_leases`] and
//! [`Store::claim_events`]. The suite keeps them apart like this:
//! - tests that do not exercise the queue or the outbox date their jobs and events in the
//!   2900s (see [`fixtures::idle_time`]), so those are never due for the queue tests;
//! - queue and outbox tests run their clocks in the 2030s and take a lock, so they run one at
//!   a time: a process-wide mutex plus a machine-wide lock (a listening socket on
//!   `127.0.0.1:`[`DEFAULT_LOCK_PORT`], or the port in [`LOCK_PORT_ENV`]), which also covers
//!   runners that start one process per test such as `cargo nextest`;
//! - jobs and events of other owners that a queue test still claims (left over by an earlier
//!   aborted run) are retired: jobs are finished as failed, events recorded as failed.
//!
//! Do not point the suite at a database with real data.
//!
//! # Details of the contract the suite pins down
//! - When a write breaks several rules, the kind reported is the first of: `DuplicateId` /
//!   `SubscriberEmail` of the new subscriber, then for the new subscription `DuplicateId`,
//!   `IdempotencyKey`, `PortTaken`, `UnitTaken`, then for the update `Revision`, `PortTaken`,
//!   `UnitTaken`. In particular racing retries of one request (same key, same port) all get
//!   `IdempotencyKey`, never `PortTaken`.
//! - A new event is `pending` with `attempts` 0 and `next_attempt_at` = its `created_at`.
//!   `attempts` counts recorded delivery attempts (claiming does not count), replay resets it.
//! - One subscription's events are claimed one at a time, in sequence order: none while an
//!   earlier one is `pending`; a `failed` one does not hold the later ones back.
//! - Event leases expire like job leases; an expired event lease may be taken over by the next
//!   claim, and the old lease is then refused.
//! - Jobs may name a switch that is not in the inventory (it allows one session), so do not
//!   put foreign keys from jobs to switches or ports.
//! - Backends must absorb their own transient contention (`SQLITE_BUSY`, serialisation
//!   failures) in the race tests: only `Ok` and the documented conflicts are accepted there.
//!
//! # Running it
//! [`store_conformance_tests!`](crate::store_conformance_tests) expands to one `#[test]` per
//! function; see its docs. The functions can also be called directly from your own tests.

mod batches;
mod deliveries;
mod drift;
pub mod fixtures;
mod inventory;
mod leases;
mod network;
mod operator;
mod outbox;
mod queue;
mod races;
mod scoping;
mod subscribers;
mod subscriptions;

use std::future::Future;

pub use batches::{batch_limit_and_view, batch_purge_and_unprocessed};
pub use deliveries::{
    delivery_list_and_replay, disabled_endpoints_roundtrip, outbox_claims_in_subscription_order,
};
pub use drift::{
    concurrent_audit_claims_one_winner, drift_audit_claim_schedule,
    drift_audit_finish_records_findings_jobs_and_events, drift_findings_list_filters_and_order,
    drift_finish_duplicate_id_writes_nothing, drift_last_applied_job_in_list_ports,
    drift_repair_job_is_claimed_like_any_other, drift_repair_superseded_by_port_jobs,
    drift_unreachable_audit_round_trips,
};
pub use inventory::{inventory_roundtrip, providers_keys_and_plans_roundtrip};
pub use leases::{
    concurrent_claims_never_share_a_job, event_sequences_per_subscription,
    finish_with_stale_lease_is_rejected, lease_expiry_reaped_and_reclaimed, retry_reschedules,
};
pub use network::{disabled_switch_is_not_claimed, network_ports_and_deletes, units_with_status};
pub use operator::{operator_job_list_filters, operator_keys_roundtrip, operator_retry_and_cancel};
pub use outbox::{
    concurrent_delivery_records_keep_their_own_outcomes, event_listing_filters,
    outbox_claim_record_replay, outbox_lease_expiry,
};
pub use queue::{
    claim_batches_one_switch, claim_respects_port_order, claim_respects_switch_session_limit,
    queued_jobs_per_switch,
};
pub use races::{concurrent_commits_one_winner, concurrent_updates_one_winner};
pub use scoping::provider_scoping;
pub use subscribers::{
    concurrent_subscriber_inserts_one_winner, subscriber_email_is_unique,
    subscriber_list_paging_filter_search, subscriber_update_cas,
};
pub use subscriptions::{
    cancelled_frees_port_and_unit, commit_is_atomic_on_conflict, idempotency_key_unique_among_live,
    revision_cas,
};

#[allow(unused_imports)]
use crate::ports::Store;

/// Serialises the tests that use the global queue and outbox operations within a process.
static QUEUE_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Environment variable naming the loopback TCP port used as a cross-process lock.
pub const LOCK_PORT_ENV: &str = "KURNL_STORE_SUITE_LOCK_PORT";

/// Default port of the cross-process lock (`127.0.0.1`).
pub const DEFAULT_LOCK_PORT: u16 = 47_319;

/// Held for the whole of a queue or outbox test.
struct QueueGuard {
    _local: tokio::sync::MutexGuard<'static, ()>,
    /// A listening socket on a fixed loopback port: only one process can hold it, and the
    /// kernel releases it when the process dies, however it dies.
    _global: Option<std::net::TcpListener>,
}

/// Takes the queue lock for the rest of the calling test: a process-wide mutex, then a
/// machine-wide lock (so that test runners starting one process per test, such as
/// `cargo nextest`, serialise these tests too).
async fn queue_lock() -> QueueGuard {
    let local = QUEUE_LOCK.lock().await;
    let port = std::env::var(LOCK_PORT_ENV)
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(DEFAULT_LOCK_PORT);
    let global = loop {
        match std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)) {
            Ok(listener) => break Some(listener),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            // No loopback networking: the process-wide lock is all we can do.
            Err(_) => break None,
        }
    };
    QueueGuard {
        _local: local,
        _global: global,
    }
}

/// Runs a future to completion on a fresh multi-threaded Tokio runtime (2 workers, time and
/// I/O enabled). Used by [`store_conformance_tests!`](crate::store_conformance_tests).
///
/// # Panics
/// If the runtime cannot be built, or if the future panics.
#[allow(clippy::expect_used)]
pub fn run<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build a tokio runtime for the store conformance suite")
        .block_on(future)
}

/// Expands to one `#[test]` per function of the [`Store`](crate::ports::Store) conformance
/// suite ([`crate::testkit::store_suite`]).
///
/// The argument is an expression whose value is a future resolving to an
/// `Arc<dyn Store>`, typically an `async` block or a call of an `async fn`. It is evaluated
/// and awaited once per generated test, on that test's own multi-threaded Tokio runtime, so an
/// async constructor (opening a pool, running migrations) just works. Each test may get a
/// fresh store or a handle to one shared database: the suite is written for both.
///
/// Invoke it inside a module of its own so that the generated names do not clash. The test
/// crate needs `kurnl-core` with feature `testkit` (and whatever your factory uses); the
/// generated tests build their own runtime, so no Tokio dependency or `#[tokio::test]` is
/// required of the caller.
///
/// ```ignore
/// mod store_conformance {
///     use std::sync::Arc;
///     use kurnl_core::ports::Store;
///
///     kurnl_core::store_conformance_tests!(async {
///         let url = std::env::var("KURNL_TEST_POSTGRES_URL").unwrap();
///         Arc::new(my_crate::PgStore::connect(&url).await.unwrap()) as Arc<dyn Store>
///     });
/// }
/// ```
///
/// With the in-memory reference store (this is what `kurnl-core/tests/memory_store_conformance.rs`
/// does):
///
/// ```
/// mod memory_conformance {
///     use std::sync::Arc;
///     use kurnl_core::memory::InMemoryStore;
///     use kurnl_core::ports::Store;
///
///     kurnl_core::store_conformance_tests!(async { Arc::new(InMemoryStore::new()) as Arc<dyn Store> });
/// }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@shared ($make)
            inventory_roundtrip
            providers_keys_and_plans_roundtrip
            subscriber_email_is_unique
            subscriber_update_cas
            subscriber_list_paging_filter_search
            commit_is_atomic_on_conflict
            idempotency_key_unique_among_live
            cancelled_frees_port_and_unit
            revision_cas
            provider_scoping
            claim_respects_port_order
            claim_respects_switch_session_limit
            claim_batches_one_switch
            queued_jobs_per_switch
            operator_keys_roundtrip
            operator_job_list_filters
            operator_retry_and_cancel
            network_ports_and_deletes
            disabled_switch_is_not_claimed
            units_with_status
            lease_expiry_reaped_and_reclaimed
            finish_with_stale_lease_is_rejected
            retry_reschedules
            event_sequences_per_subscription
            outbox_claim_record_replay
            outbox_lease_expiry
            concurrent_delivery_records_keep_their_own_outcomes
            event_listing_filters
            outbox_claims_in_subscription_order
            delivery_list_and_replay
            disabled_endpoints_roundtrip
            batch_limit_and_view
            batch_purge_and_unprocessed
            drift_audit_claim_schedule
            drift_audit_finish_records_findings_jobs_and_events
            drift_repair_superseded_by_port_jobs
            drift_finish_duplicate_id_writes_nothing
            drift_findings_list_filters_and_order
            drift_unreachable_audit_round_trips
            drift_last_applied_job_in_list_ports
            drift_repair_job_is_claimed_like_any_other
        );
        $crate::store_conformance_tests!(@arc ($make)
            concurrent_commits_one_winner
            concurrent_updates_one_winner
            concurrent_subscriber_inserts_one_winner
            concurrent_claims_never_share_a_job
            concurrent_audit_claims_one_winner
        );
    };
    (@shared ($make:expr) $($name:ident)*) => {
        $(
            #[test]
            fn $name() {
                $crate::testkit::store_suite::run(async {
                    let store: ::std::sync::Arc<dyn $crate::ports::Store> = $make.await;
                    $crate::testkit::store_suite::$name(&*store).await;
                });
            }
        )*
    };
    (@arc ($make:expr) $($name:ident)*) => {
        $(
            #[test]
            fn $name() {
                $crate::testkit::store_suite::run(async {
                    let store: ::std::sync::Arc<dyn $crate::ports::Store> = $make.await;
                    $crate::testkit::store_suite::$name(store).await;
                });
            }
        )*
    };
}

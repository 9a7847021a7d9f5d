//! Subscribers: email uniqueness, revisions, the paged list.

use std::sync::Arc;

use super::fixtures::{
    at, expect_conflict, expect_not_found, idle_time, new_provider, ok, subscriber, subscription,
    text, with_status, world,
};
use crate::model::Subscriber;
use crate::ports::{ConflictKind, Store, SubscriberQuery, WriteSet};
use crate::types::{Email, SubscriptionStatus};

/// Subscribers are unique by `(provider, sandbox, email)`; the same email in the other
/// environment or at another provider is fine; a repeated id is `DuplicateId`; lookups by
/// email and id are scoped to the provider.
pub async fn subscriber_email_is_unique(store: &dyn Store) {
    let world = world(store, 0, 1).await;
    let provider = world.provider;
    let other = new_provider(store).await;
    let first = subscriber(provider, false, idle_time());
    ok(store.insert_subscriber(&first).await, "insert_subscriber");

    let mut twin = subscriber(provider, false, idle_time());
    twin.email = first.email.clone();
    expect_conflict(
        store.insert_subscriber(&twin).await,
        ConflictKind::SubscriberEmail,
        "same email twice",
    );
    assert_eq!(
        ok(
            store.get_subscriber(provider, twin.id).await,
            "get_subscriber"
        ),
        None,
        "rejected subscriber was stored"
    );

    // Through a write set too, and nothing else of that write set is stored.
    let sub = subscription(&world, None, idle_time());
    let writes = WriteSet {
        new_subscriber: Some(twin.clone()),
        new_subscription: Some(sub.clone()),
        ..Default::default()
    };
    expect_conflict(
        store.commit(writes).await,
        ConflictKind::SubscriberEmail,
        "commit with a taken email",
    );
    assert_eq!(
        ok(
            store.get_subscription(provider, sub.id).await,
            "get_subscription"
        ),
        None,
        "commit was not atomic"
    );

    let mut sandbox_twin = twin.clone();
    sandbox_twin.sandbox = true;
    ok(
        store.insert_subscriber(&sandbox_twin).await,
        "same email in the sandbox",
    );
    let mut other_twin = subscriber(other, false, idle_time());
    other_twin.email = first.email.clone();
    ok(
        store.insert_subscriber(&other_twin).await,
        "same email at another provider",
    );

    let mut same_id = subscriber(provider, false, idle_time());
    same_id.id = first.id;
    expect_conflict(
        store.insert_subscriber(&same_id).await,
        ConflictKind::DuplicateId,
        "same id twice",
    );

    let found = ok(
        store
            .find_subscriber_by_email(provider, false, &first.email)
            .await,
        "find_subscriber_by_email",
    );
    assert_eq!(
        found.as_ref(),
        Some(&first),
        "find_subscriber_by_email returned another row"
    );
    let found = ok(
        store
            .find_subscriber_by_email(provider, true, &first.email)
            .await,
        "find_subscriber_by_email",
    );
    assert_eq!(
        found.map(|s| s.id),
        Some(sandbox_twin.id),
        "sandbox lookup must return the sandbox subscriber"
    );
    assert_eq!(
        ok(
            store.get_subscriber(provider, first.id).await,
            "get_subscriber"
        ),
        Some(first.clone()),
        "store conformance: Store::get_subscriber returns the first subscriber unchanged after a refused duplicate email"
    );
    assert_eq!(
        ok(
            store.get_subscriber(other, first.id).await,
            "get_subscriber"
        ),
        None,
        "get_subscriber ignores the provider"
    );
}

/// `update_subscriber` is a compare-and-swap on `revision`; an unknown subscriber is
/// `NotFound`; taking another subscriber's email is `SubscriberEmail`.
pub async fn subscriber_update_cas(store: &dyn Store) {
    let provider = new_provider(store).await;
    let s = subscriber(provider, false, idle_time());
    ok(store.insert_subscriber(&s).await, "insert_subscriber");
    let neighbour = subscriber(provider, false, idle_time());
    ok(
        store.insert_subscriber(&neighbour).await,
        "insert_subscriber",
    );

    let mut after = s.clone();
    after.firstname = text("Robin");
    after.revision = 2;
    after.updated_at = at(s.updated_at, 60);
    ok(
        store.update_subscriber(&after, 1).await,
        "update_subscriber with the current revision",
    );
    assert_eq!(
        ok(store.get_subscriber(provider, s.id).await, "get_subscriber"),
        Some(after.clone()),
        "store conformance: Store::get_subscriber returns the subscriber as the successful compare-and-set update left it"
    );

    let mut stale = s.clone();
    stale.lastname = text("Stale");
    stale.revision = 2;
    expect_conflict(
        store.update_subscriber(&stale, 1).await,
        ConflictKind::Revision,
        "update with a stale revision",
    );
    assert_eq!(
        ok(store.get_subscriber(provider, s.id).await, "get_subscriber"),
        Some(after.clone()),
        "stale update wrote"
    );

    let mut taken = after.clone();
    taken.email = neighbour.email.clone();
    taken.revision = 3;
    expect_conflict(
        store.update_subscriber(&taken, 2).await,
        ConflictKind::SubscriberEmail,
        "update to a taken email",
    );

    let missing = subscriber(provider, false, idle_time());
    expect_not_found(
        store.update_subscriber(&missing, 1).await,
        "update of an unknown subscriber",
    );
}

/// Racing inserts of one email: exactly one wins, the others get `SubscriberEmail`.
pub async fn concurrent_subscriber_inserts_one_winner(store: Arc<dyn Store>) {
    let provider = new_provider(&*store).await;
    let email = subscriber(provider, false, idle_time()).email;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let store = store.clone();
        let mut s = subscriber(provider, false, idle_time());
        s.email = email.clone();
        tasks.push(tokio::spawn(
            async move { store.insert_subscriber(&s).await },
        ));
    }
    let results = join_all(tasks).await;
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        wins, 1,
        "store conformance: exactly one of 50 racing inserts must win, {wins} did"
    );
    for r in results.into_iter().filter(|r| r.is_err()) {
        expect_conflict(r, ConflictKind::SubscriberEmail, "losing racer");
    }
    let page = ok(
        store.list_subscribers(&query(provider, 1, 100)).await,
        "list_subscribers",
    );
    assert_eq!(page.total, 1, "racing inserts stored {} rows", page.total);
}

/// Awaits spawned tasks, panicking if one panicked.
pub(super) async fn join_all<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        match task.await {
            Ok(value) => out.push(value),
            Err(e) => panic!("store conformance: a racing task panicked: {e}"),
        }
    }
    out
}

fn query(provider: crate::types::ProviderId, page: u32, page_size: u32) -> SubscriberQuery {
    SubscriberQuery {
        provider_id: provider,
        sandbox: false,
        page,
        page_size,
        status: None,
        search: None,
    }
}

async fn list(store: &dyn Store, q: &SubscriberQuery) -> (Vec<crate::types::SubscriberId>, u64) {
    let page = ok(store.list_subscribers(q).await, "list_subscribers");
    (page.results.into_iter().map(|s| s.id).collect(), page.total)
}

/// Paging (1-based, oldest first by `created_at` then id, with a total), the status filter
/// (has a subscription in that status), case-insensitive search in email and names, and
/// scoping by provider and environment.
pub async fn subscriber_list_paging_filter_search(store: &dyn Store) {
    let world = world(store, 0, 1).await;
    let provider = world.provider;
    let base = idle_time();
    let mut subs: Vec<Subscriber> = (0..5)
        .map(|i| subscriber(provider, false, at(base, i * 10)))
        .collect();
    subs[1].firstname = text("Zedekiah");
    subs[3].lastname = text("McZED");
    subs[4].email =
        Email::parse(&format!("zed-{}", subs[4].email)).unwrap_or_else(|_| subs[4].email.clone());
    // Same creation time as subs[2]: the id breaks the tie.
    subs.push(subscriber(provider, false, at(base, 20)));
    for s in &subs {
        ok(store.insert_subscriber(s).await, "insert_subscriber");
    }
    let mut expected = subs.clone();
    expected.sort_by_key(|s| (s.created_at, s.id));
    let ids: Vec<_> = expected.iter().map(|s| s.id).collect();

    // Noise: another environment and another provider.
    ok(
        store
            .insert_subscriber(&subscriber(provider, true, base))
            .await,
        "insert_subscriber",
    );
    let other = new_provider(store).await;
    ok(
        store
            .insert_subscriber(&subscriber(other, false, base))
            .await,
        "insert_subscriber",
    );

    assert_eq!(
        list(store, &query(provider, 1, 4)).await,
        (ids[..4].to_vec(), 6),
        "page 1 of 4"
    );
    assert_eq!(
        list(store, &query(provider, 2, 4)).await,
        (ids[4..].to_vec(), 6),
        "page 2 of 4"
    );
    assert_eq!(
        list(store, &query(provider, 3, 4)).await,
        (vec![], 6),
        "page past the end"
    );

    let search = |s: &str| SubscriberQuery {
        search: Some(s.into()),
        ..query(provider, 1, 100)
    };
    let (found, total) = list(store, &search("zEd")).await;
    let want: Vec<_> = [&subs[1], &subs[3], &subs[4]]
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(
        total, 3,
        "search 'zEd' must match first name, last name and email case-insensitively"
    );
    assert_eq!(
        sorted(found),
        sorted(want),
        "store conformance: Store::list_subscribers search 'zEd' returns exactly the matching subscribers"
    );

    // Status filter: subscribers 0 and 3 have an ACTIVE subscription, 3 also a cancelled one.
    for (i, status) in [
        (0, SubscriptionStatus::Active),
        (3, SubscriptionStatus::Active),
        (3, SubscriptionStatus::Cancelled),
        (5, SubscriptionStatus::Suspended),
    ] {
        let mut sub = subscription(&world, None, base);
        sub.subscriber_id = Some(subs[i].id);
        let sub = with_status(&sub, status).after;
        let writes = WriteSet {
            new_subscription: Some(sub),
            ..Default::default()
        };
        ok(store.commit(writes).await, "commit of a subscription");
    }
    let by_status = |status| SubscriberQuery {
        status: Some(status),
        ..query(provider, 1, 100)
    };
    let (found, total) = list(store, &by_status(SubscriptionStatus::Active)).await;
    assert_eq!(
        (sorted(found), total),
        (sorted(vec![subs[0].id, subs[3].id]), 2),
        "status ACTIVE filter"
    );
    let (found, _) = list(store, &by_status(SubscriptionStatus::Cancelled)).await;
    assert_eq!(found, vec![subs[3].id], "status CANCELLED filter");
    let (found, total) = list(store, &by_status(SubscriptionStatus::Pending)).await;
    assert_eq!(
        (found.len(), total),
        (0, 0),
        "nobody has a PENDING subscription"
    );

    let both = SubscriberQuery {
        search: Some("mczed".into()),
        ..by_status(SubscriptionStatus::Active)
    };
    assert_eq!(
        list(store, &both).await,
        (vec![subs[3].id], 1),
        "status and search combined"
    );

    let sandbox = SubscriberQuery {
        sandbox: true,
        ..query(provider, 1, 100)
    };
    assert_eq!(
        list(store, &sandbox).await.1,
        1,
        "the sandbox list must hold only the sandbox subscriber"
    );
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

//! Test support: readiness follows the applied migrations, the same check on every SQL
//! backend.

use kurnl_core::ports::Store;

/// `store` is ready at this build's newest migration (`newest`), and not ready once
/// `forget_newest` has deleted that migration's row from `_sqlx_migrations` (a database an
/// older kurnl left behind); the error names the version the schema is at.
pub(crate) async fn assert_readiness_follows_migrations(
    store: &dyn Store,
    newest: i64,
    forget_newest: impl std::future::Future<Output = ()>,
) {
    store
        .check_ready()
        .await
        .expect("a freshly migrated store is ready");
    assert!(newest >= 3, "migrations are embedded: newest is {newest}");
    forget_newest.await;
    let err = store
        .check_ready()
        .await
        .expect_err("a schema behind is not ready");
    let text = err.to_string();
    assert!(
        text.contains(&format!("at migration {}", newest - 1))
            && text.contains(&format!("expects {newest}")),
        "the error names both versions: {text}"
    );
}

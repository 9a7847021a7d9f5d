//! Helpers shared by the integration tests: temporary SQLite files and per-test PostgreSQL
//! schemas.

#![allow(dead_code)]

#[cfg(feature = "postgres")]
use std::sync::Arc;
#[cfg(feature = "postgres")]
use std::time::{SystemTime, UNIX_EPOCH};

#[cfg(feature = "postgres")]
use kurnl_core::ports::Store;
#[cfg(feature = "postgres")]
use kurnl_store::PgStore;
use kurnl_store::SqliteStore;
#[cfg(feature = "postgres")]
use sqlx::Connection as _;

/// A fresh durable SQLite store in its own directory under Cargo's target tmp directory.
pub async fn sqlite_file_store() -> SqliteStore {
    let dir =
        tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("create a temporary directory");
    let store = SqliteStore::open(dir.path().join("kurnl.db"))
        .await
        .expect("open sqlite store");
    // The directory must outlive the store, which the conformance macro owns; it stays under
    // target/tmp (removed by `cargo clean`).
    let _ = dir.keep();
    store
}

#[cfg(feature = "postgres")]
/// `KURNL_TEST_POSTGRES_URL`, or `None` after printing a skip notice. Panics instead of
/// skipping when `KURNL_TEST_REQUIRE` contains `postgres` (CI sets it).
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("KURNL_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let required = std::env::var("KURNL_TEST_REQUIRE").unwrap_or_default();
            assert!(
                !required.split(',').any(|r| r.trim() == "postgres"),
                "KURNL_TEST_REQUIRE contains postgres but KURNL_TEST_POSTGRES_URL is not set"
            );
            eprintln!("skipping {test}: KURNL_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

#[cfg(feature = "postgres")]
fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(feature = "postgres")]
/// A fresh schema name: `kurnl_t_<unix seconds>_<random>`.
pub fn fresh_schema() -> String {
    format!(
        "kurnl_t_{}_{}",
        unix_seconds(),
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

#[cfg(feature = "postgres")]
/// Drops test schemas older than 15 minutes, left behind by earlier runs (best effort). A run
/// takes a minute or two; this server may run without autovacuum, where hundreds of stale
/// schemas bloat the catalog and halve the claim benchmark.
pub async fn drop_stale_schemas(url: &str) {
    let Ok(mut conn) = sqlx::PgConnection::connect(url).await else {
        return;
    };
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'kurnl\\_t\\_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    let cutoff = unix_seconds().saturating_sub(900);
    for (name,) in names {
        let created = name
            .split('_')
            .nth(2)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(u64::MAX);
        if created < cutoff {
            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                .execute(&mut conn)
                .await;
        }
    }
}

#[cfg(feature = "postgres")]
/// A PostgreSQL store in a fresh schema.
pub async fn pg_store(url: &str) -> PgStore {
    PgStore::connect_with_schema(url, &fresh_schema())
        .await
        .expect("connect postgres store")
}

#[cfg(feature = "postgres")]
/// The same, as the trait object the conformance macro wants.
pub async fn pg_dyn_store(url: String) -> Arc<dyn Store> {
    drop_stale_schemas(&url).await;
    Arc::new(pg_store(&url).await)
}

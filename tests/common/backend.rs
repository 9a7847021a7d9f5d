//! The store an integration test runs on: a SQLite file, or a fresh schema of the PostgreSQL
//! database named by `KURNL_TEST_POSTGRES_URL`.
// Each test binary includes this file and uses a part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use kurnl::ports::Store;

/// Where the store lives.
#[derive(Debug, Clone)]
pub enum Backend {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A schema of its own on a PostgreSQL database.
    #[cfg(feature = "postgres")]
    Postgres { url: String, schema: String },
}

impl Backend {
    /// A fresh schema named after `name` on `KURNL_TEST_POSTGRES_URL`, or `None` after a skip
    /// notice. Panics instead of skipping when `KURNL_TEST_REQUIRE` contains `postgres` (CI).
    #[cfg(feature = "postgres")]
    pub fn postgres(name: &str) -> Option<Self> {
        match std::env::var("KURNL_TEST_POSTGRES_URL") {
            Ok(url) if !url.trim().is_empty() => Some(Backend::Postgres {
                url,
                schema: format!("kurnl_{name}_{}", uuid::Uuid::new_v4().simple()),
            }),
            _ => {
                let required = std::env::var("KURNL_TEST_REQUIRE").unwrap_or_default();
                assert!(
                    !required.split(',').any(|r| r.trim() == "postgres"),
                    "KURNL_TEST_REQUIRE contains postgres but KURNL_TEST_POSTGRES_URL is not set"
                );
                eprintln!(
                    "skipping the PostgreSQL {name} test: KURNL_TEST_POSTGRES_URL is not set"
                );
                None
            }
        }
    }

    /// The server example's arguments for this store.
    pub fn server_args(&self) -> Vec<String> {
        match self {
            Backend::Sqlite(db) => vec!["--db".into(), db.display().to_string()],
            #[cfg(feature = "postgres")]
            Backend::Postgres { url, schema } => vec![
                "--postgres".into(),
                url.clone(),
                "--pg-schema".into(),
                schema.clone(),
            ],
        }
    }

    /// Opens the store (the migrations run on open).
    pub async fn open(&self) -> anyhow::Result<Arc<dyn Store>> {
        Ok(match self {
            Backend::Sqlite(path) => Arc::new(kurnl::store::SqliteStore::open(path).await?),
            #[cfg(feature = "postgres")]
            Backend::Postgres { url, schema } => {
                Arc::new(kurnl::store::PgStore::connect_with_schema(url, schema).await?)
            }
        })
    }
}

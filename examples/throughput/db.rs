//! Where the data lives: a SQLite file in a temporary directory or a fresh PostgreSQL schema.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
#[cfg(not(feature = "postgres"))]
use anyhow::bail;
use kurnl::ports::Store;
use kurnl::store::{Durability, SqliteOptions, SqliteStore};
use uuid::Uuid;

use crate::args::{Args, Backend, SqliteSync};

pub enum Db {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
        sync: SqliteSync,
    },
    Postgres {
        url: String,
        schema: String,
    },
}

impl Db {
    /// A fresh database for the parent's run.
    pub fn create(args: &Args) -> anyhow::Result<Self> {
        Ok(match args.backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let path = dir.path().join("kurnl.db");
                Db::Sqlite {
                    _dir: dir,
                    path,
                    sync: args.sqlite_sync,
                }
            }
            Backend::Postgres => Db::Postgres {
                url: args
                    .pg_url
                    .clone()
                    .context("backend postgres needs --pg-url or KURNL_TEST_POSTGRES_URL")?,
                schema: format!("kurnl_bench_{}", Uuid::new_v4().simple()),
            },
        })
    }

    pub fn describe(&self) -> String {
        match self {
            Db::Sqlite { path, sync, .. } => format!(
                "SQLite {} (WAL, synchronous={})",
                path.display(),
                match sync {
                    SqliteSync::Full => "FULL, the default",
                    SqliteSync::Normal => "NORMAL, NOT the default",
                }
            ),
            Db::Postgres { schema, .. } => format!("PostgreSQL, schema {schema}"),
        }
    }

    /// A store for writing the inventory (fast settings; not measured).
    pub async fn setup_store(&self) -> anyhow::Result<Arc<dyn Store>> {
        match self {
            Db::Sqlite { path, .. } => {
                let options = SqliteOptions {
                    durability: Durability::Normal,
                    ..SqliteOptions::default()
                };
                Ok(Arc::new(SqliteStore::open_with(path, options).await?))
            }
            Db::Postgres { url, schema } => pg_store(url, schema, 16).await,
        }
    }

    /// A store with the default (durable) settings, for the measured run.
    pub async fn run_store(&self, pool: u32) -> anyhow::Result<Arc<dyn Store>> {
        match self {
            Db::Sqlite {
                path,
                sync: SqliteSync::Full,
                ..
            } => Ok(Arc::new(SqliteStore::open(path).await?)),
            Db::Sqlite { path, .. } => {
                let options = SqliteOptions {
                    durability: Durability::Normal,
                    ..SqliteOptions::default()
                };
                Ok(Arc::new(SqliteStore::open_with(path, options).await?))
            }
            Db::Postgres { url, schema } => pg_store(url, schema, pool).await,
        }
    }

    /// Drops the PostgreSQL schema (the SQLite directory goes with `self`).
    pub async fn cleanup(&self) -> anyhow::Result<()> {
        #[cfg(feature = "postgres")]
        if let Db::Postgres { url, schema } = self {
            let store = kurnl::store::PgStore::connect_with_schema(url, schema).await?;
            store.drop_schema().await?;
        }
        Ok(())
    }
}

/// A PostgreSQL store on `schema` with a pool of `pool` connections.
#[cfg(feature = "postgres")]
pub async fn pg_store(url: &str, schema: &str, pool: u32) -> anyhow::Result<Arc<dyn Store>> {
    let options = kurnl::store::PgOptions {
        schema: Some(schema.to_owned()),
        max_connections: pool,
    };
    Ok(Arc::new(
        kurnl::store::PgStore::connect_with(url, options).await?,
    ))
}

#[cfg(not(feature = "postgres"))]
pub async fn pg_store(_url: &str, _schema: &str, _pool: u32) -> anyhow::Result<Arc<dyn Store>> {
    bail!("the postgres backend needs `--features postgres`")
}

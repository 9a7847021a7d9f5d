//! Store throughput: provisioning writes/s (subscriber + subscription + job + event) and
//! claim+complete cycles/s, through the `Store` port and as plain sqlx (the baseline).
//!
//! ```text
//! cargo bench -p kurnl-store --all-features --bench store_throughput
//! KURNL_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p kurnl-store --all-features --bench store_throughput
//! ```
//! Criterion reports elements/s; one element is one provisioning write, or one job claimed and
//! completed (with its `provisioning.completed` event). PostgreSQL runs only when
//! `KURNL_TEST_POSTGRES_URL` is set, each in a fresh schema that is dropped afterwards.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use kurnl_core::ports::Store;
use kurnl_core::testkit::store_suite::fixtures;
use kurnl_store::SqliteStore;
#[cfg(feature = "postgres")]
use support::bench_time;
use support::{drain, enqueue, fleet, plain, provisioning_write, run_concurrent};

const WRITERS: usize = 64;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(1));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(2));
    g.measurement_time(Duration::from_secs(6));
    g
}

fn sqlite(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.db");
    let store = rt.block_on(SqliteStore::open(&path)).expect("open");
    let world = rt.block_on(fixtures::world(&store, 48, 1));
    let plain_pool = rt
        .block_on(
            sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(
                    sqlx::sqlite::SqliteConnectOptions::new()
                        .filename(&path)
                        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                        .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
                        .busy_timeout(Duration::from_secs(5))
                        .pragma("temp_store", "memory"),
                ),
        )
        .expect("plain pool");

    let mut g = group(c, "provisioning_write/sqlite_durable");
    g.bench_function("store_commit", |b| {
        b.iter_custom(|iters| {
            let (store, world) = (store.clone(), world.clone());
            rt.block_on(run_concurrent(iters, WRITERS, move |n| {
                let store = store.clone();
                let writes = provisioning_write(&world, n);
                async move { store.commit(writes).await.expect("commit") }
            }))
        })
    });
    g.bench_function("plain_sqlx_tx_per_write", |b| {
        b.iter_custom(|iters| {
            let (pool, world) = (plain_pool.clone(), world.clone());
            rt.block_on(run_concurrent(iters, WRITERS, move |n| {
                let pool = pool.clone();
                let writes = provisioning_write(&world, n);
                async move { plain::sqlite_write(&pool, &[writes]).await }
            }))
        })
    });
    g.bench_function("plain_sqlx_64_per_tx", |b| {
        b.iter_custom(|iters| {
            let (pool, world) = (plain_pool.clone(), world.clone());
            let batches = iters.div_ceil(64);
            rt.block_on(run_concurrent(batches, 4, move |n| {
                let pool = pool.clone();
                let writes: Vec<_> = (0..64)
                    .map(|i| provisioning_write(&world, n * 64 + i))
                    .collect();
                async move { plain::sqlite_write(&pool, &writes).await }
            })) * (iters as u32)
                / ((batches * 64) as u32)
        })
    });
    g.finish();

    // A fresh database: the writes above queued jobs of their own.
    let store: Arc<dyn Store> = Arc::new(
        rt.block_on(SqliteStore::open(dir.path().join("queue.db")))
            .expect("open"),
    );
    let fleet = rt.block_on(fleet(&*store, 20, 48));
    let mut g = group(c, "claim_complete/sqlite_durable");
    for max_jobs in [1_u32, 16] {
        g.bench_function(format!("store_1_worker_max_jobs_{max_jobs}"), |b| {
            b.iter_custom(|iters| {
                rt.block_on(enqueue(&*store, &fleet, iters));
                rt.block_on(drain(store.clone(), iters, 1, max_jobs))
            })
        });
    }
    g.finish();
}

#[cfg(feature = "postgres")]
fn postgres(c: &mut Criterion) {
    use kurnl_store::PgStore;
    let Ok(url) = std::env::var("KURNL_TEST_POSTGRES_URL") else {
        eprintln!("skipping postgres benchmarks: KURNL_TEST_POSTGRES_URL is not set");
        return;
    };
    let rt = runtime();
    let schema = format!(
        "kurnl_bench_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let options = kurnl_store::PgOptions {
        schema: Some(schema),
        max_connections: 16,
    };
    let pg = rt
        .block_on(PgStore::connect_with(&url, options))
        .expect("connect");
    let world = rt.block_on(fixtures::world(&pg, 48, 1));

    let mut g = group(c, "provisioning_write/postgres");
    g.bench_function("store_commit", |b| {
        b.iter_custom(|iters| {
            let (store, world) = (pg.clone(), world.clone());
            rt.block_on(run_concurrent(iters, WRITERS, move |n| {
                let store = store.clone();
                let writes = provisioning_write(&world, n);
                async move { store.commit(writes).await.expect("commit") }
            }))
        })
    });
    g.bench_function("plain_sqlx_tx_per_write", |b| {
        b.iter_custom(|iters| {
            let (pool, world) = (pg.pool().clone(), world.clone());
            rt.block_on(run_concurrent(iters, WRITERS, move |n| {
                let pool = pool.clone();
                let writes = provisioning_write(&world, n);
                async move { plain::pg_write(&pool, &writes).await }
            }))
        })
    });
    g.finish();

    rt.block_on(pg.drop_schema()).expect("drop bench schema");
    // A fresh schema: the writes above queued jobs of their own.
    let schema = format!(
        "kurnl_bench_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let options = kurnl_store::PgOptions {
        schema: Some(schema),
        max_connections: 16,
    };
    let pg = rt
        .block_on(PgStore::connect_with(&url, options))
        .expect("connect");
    let store: Arc<dyn Store> = Arc::new(pg.clone());
    let fleet = rt.block_on(fleet(&*store, 20, 48));
    let mut g = group(c, "claim_complete/postgres");
    // 48 = every port of a fleet switch: the most one claim can take there.
    for (workers, max_jobs) in [(1_usize, 1_u32), (4, 1), (1, 16), (4, 16), (1, 48), (4, 48)] {
        g.bench_function(
            format!("store_{workers}_workers_max_jobs_{max_jobs}"),
            |b| {
                b.iter_custom(|iters| {
                    rt.block_on(enqueue(&*store, &fleet, iters));
                    rt.block_on(drain(store.clone(), iters, workers, max_jobs))
                })
            },
        );
        g.bench_function(
            format!("plain_sqlx_{workers}_workers_max_jobs_{max_jobs}"),
            |b| {
                b.iter_custom(|iters| {
                    rt.block_on(enqueue(&*store, &fleet, iters));
                    let pool = pg.pool().clone();
                    rt.block_on(async move {
                        let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
                        let start = std::time::Instant::now();
                        let mut tasks = Vec::new();
                        for _ in 0..workers {
                            let (pool, done) = (pool.clone(), done.clone());
                            tasks.push(tokio::spawn(async move {
                                use std::sync::atomic::Ordering;
                                while done.load(Ordering::Relaxed) < iters {
                                    let n = plain::pg_claim_complete(
                                        &pool,
                                        bench_time(),
                                        i64::from(max_jobs),
                                    )
                                    .await;
                                    done.fetch_add(n, Ordering::Relaxed);
                                }
                            }));
                        }
                        for t in tasks {
                            t.await.expect("worker");
                        }
                        start.elapsed()
                    })
                })
            },
        );
    }
    g.finish();
    rt.block_on(pg.drop_schema()).expect("drop bench schema");
}

#[cfg(not(feature = "postgres"))]
fn postgres(_: &mut Criterion) {
    eprintln!("skipping postgres benchmarks: feature `postgres` is off");
}

criterion_group!(benches, sqlite, postgres);
criterion_main!(benches);

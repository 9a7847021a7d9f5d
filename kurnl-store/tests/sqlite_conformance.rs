//! The Store conformance suite of `kurnl-core` against `SqliteStore`: a durable database file
//! (`synchronous=FULL`, WAL) in a temporary directory, one per test, and the in-memory
//! database.

mod common;

mod file {
    kurnl_core::store_conformance_tests!(async {
        std::sync::Arc::new(super::common::sqlite_file_store().await)
            as std::sync::Arc<dyn kurnl_core::ports::Store>
    });
}

mod memory {
    kurnl_core::store_conformance_tests!(async {
        std::sync::Arc::new(
            kurnl_store::SqliteStore::in_memory()
                .await
                .expect("open in-memory store"),
        ) as std::sync::Arc<dyn kurnl_core::ports::Store>
    });
}

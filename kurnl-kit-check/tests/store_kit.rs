//! The store conformance kit through the facade, on the in-memory store and on SQLite.

mod in_memory {
    kurnl::store_conformance_tests!(async {
        std::sync::Arc::new(kurnl::testkit::InMemoryStore::new())
            as std::sync::Arc<dyn kurnl::ports::Store>
    });
}

mod sqlite {
    kurnl::store_conformance_tests!(async {
        std::sync::Arc::new(
            kurnl::store::SqliteStore::in_memory()
                .await
                .expect("open an in-memory SQLite store"),
        ) as std::sync::Arc<dyn kurnl::ports::Store>
    });
}

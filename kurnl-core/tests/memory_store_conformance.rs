//! The in-memory reference store passes the Store conformance suite.
#![cfg(feature = "testkit")]

use std::sync::Arc;

use kurnl_core::memory::InMemoryStore;
use kurnl_core::ports::Store;

mod fresh_store_per_test {
    use super::*;

    kurnl_core::store_conformance_tests!(async {
        Arc::new(InMemoryStore::new()) as Arc<dyn Store>
    });
}

/// All tests share one store, as they would share one database: checks that the suite keeps
/// its tests apart.
mod one_shared_store {
    use super::*;

    fn shared() -> Arc<dyn Store> {
        static STORE: std::sync::OnceLock<Arc<InMemoryStore>> = std::sync::OnceLock::new();
        STORE.get_or_init(|| Arc::new(InMemoryStore::new())).clone()
    }

    kurnl_core::store_conformance_tests!(async { shared() });
}

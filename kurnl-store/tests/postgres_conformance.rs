//! The Store conformance suite of `kurnl-core` against `PgStore`, each test in a fresh schema
//! of the database at `KURNL_TEST_POSTGRES_URL`. Without that variable every test prints a
//! skip notice and passes, unless `KURNL_TEST_REQUIRE` contains `postgres` (as in CI), in
//! which case they fail.
#![cfg(feature = "postgres")]

mod common;

mod postgres {
    // `return` leaves the generated test's body early: the skip path.
    kurnl_core::store_conformance_tests!({
        let Some(url) = super::common::postgres_url("postgres conformance test") else {
            return;
        };
        super::common::pg_dyn_store(url)
    });
}

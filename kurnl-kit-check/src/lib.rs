//! # kurnl-kit-check
//!
//! A crate outside kurnl that depends on the `kurnl` facade alone (features `testkit` and
//! `sim`), as a driver or store author would. Its tests call
//! [`kurnl::switch_conformance_tests!`] and [`kurnl::store_conformance_tests!`] through the
//! facade, so a macro that reaches for a crate the user does not depend on fails to compile
//! here. Run: `cargo test -p kurnl-kit-check`.

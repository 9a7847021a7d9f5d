//! The allocator of the long-running examples (the API server and the throughput harness).
//!
//! kurnl is a library and leaves the global allocator to the application that embeds it. A
//! provisioning service makes many small, short-lived allocations on several threads (JSON
//! bodies, SQL arguments, SSH packets, webhook payloads), and glibc's malloc spent about 15 %
//! of the throughput harness's CPU samples on them (`_int_malloc`, `unlink_chunk`,
//! `malloc_consolidate`). These examples use mimalloc, as the README recommends to
//! embedders, built without transparent huge pages (`no_thp`): with them mimalloc kept about
//! 40 MB more resident at the harness's peak.

/// mimalloc as the process's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

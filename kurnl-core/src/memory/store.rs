//! Placeholder: the in-memory store is being written.

/// The reference [`Store`](crate::ports::Store) (being written).
#[derive(Debug, Default)]
pub struct InMemoryStore;

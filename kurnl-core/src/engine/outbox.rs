//! Outbox dispatcher (being written).

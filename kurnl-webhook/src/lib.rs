//! kurnl webhook adapter (work in progress).

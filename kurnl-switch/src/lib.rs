//! kurnl switch adapter (work in progress).

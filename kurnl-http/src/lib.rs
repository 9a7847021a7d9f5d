//! kurnl's REST API (work in progress).

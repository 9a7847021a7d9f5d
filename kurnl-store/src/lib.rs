//! kurnl store adapter (work in progress).

//! kurnl facade

//! The store's operations, written once against [`Conn`](crate::conn::Conn) and shared by
//! both backends. Each function runs in the connection or transaction it is given; the
//! backends decide which (read pool, single writer, `BEGIN IMMEDIATE`, ...).

pub(crate) mod batches;
pub(crate) mod commit;
pub(crate) mod deliveries;
pub(crate) mod drift;
pub(crate) mod grouped;
pub(crate) mod inventory;
pub(crate) mod network;
pub(crate) mod one_statement;
pub(crate) mod operator;
pub(crate) mod outbox;
pub(crate) mod queue;
pub(crate) mod statements;
pub(crate) mod subscribers;
pub(crate) mod subscriptions;

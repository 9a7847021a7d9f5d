//! Background machinery: the provisioning engine (port jobs) and the outbox dispatcher
//! (webhook events), both driven by the store so that several processes can share the work.

mod backoff;
mod claim_pacing;
mod outbox;
mod work_signal;
mod worker;

pub use backoff::Backoff;
pub use outbox::*;
pub use work_signal::WorkSignal;
pub use worker::*;

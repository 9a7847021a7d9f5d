//! Background machinery: the provisioning engine (port jobs), the outbox dispatcher
//! (webhook events) and the drift audit (ports changed behind kurnl's back), all driven by
//! the store so that several processes can share the work.

mod backoff;
mod claim_pacing;
mod drift_audit;
mod outbox;
mod work_signal;
mod worker;

pub use backoff::Backoff;
pub use drift_audit::{AuditConfig, AuditReport, DriftAuditor, SwitchAuditSettings};
pub use outbox::*;
pub use work_signal::WorkSignal;
pub use worker::*;

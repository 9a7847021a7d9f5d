//! Records as the store keeps them.

mod batch;
mod drift;
mod event;
mod inventory;
mod job;
mod provider;
mod subscriber;
mod subscription;

pub use batch::{Batch, BatchEntry, EntryOutcome};
pub use drift::{
    AuditOutcome, DriftAction, DriftField, DriftFinding, DriftPolicy, FindingToRecord, SwitchAudit,
    SwitchAuditState,
};
pub use event::{DeliveryAttempt, DeliveryStatus, Event, EventData, NewEvent};
pub use inventory::{Building, Location, Port, PortRef, Switch, Unit};
pub use job::{Job, JobAction, JobStatus, PortConfig};
pub use provider::{
    ApiKeyRecord, BillingMode, OperatorKeyRecord, Plan, PlanVersion, Provider, WebhookEndpoint,
};
pub use subscriber::{Address, ContactDetail, Subscriber};
pub use subscription::Subscription;

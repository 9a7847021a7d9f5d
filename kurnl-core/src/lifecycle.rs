//! The subscription lifecycle as a pure function.
//!
//! [`transition`] decides the next status and the effects of a command; it does no I/O and
//! reads no clock. The service carries the effects out in one store transaction.

use crate::model::{BillingMode, JobAction};
use crate::types::{DeliveryMode, SubscriptionStatus};

/// A command on a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// Create a subscription (checkout, CKO-04, anonymous, bulk entry).
    Create {
        /// Direct creates `ACTIVE`; home-drop creates `PENDING_INSTALL`.
        mode: DeliveryMode,
    },
    /// A technician patched the port (home-drop).
    ConfirmInstall {
        /// The same port as already confirmed (a repeated call).
        same_port: bool,
    },
    /// Payment arrived or manual activation.
    Activate,
    /// Move to another plan version.
    ChangePlan {
        /// The version asked for is the one applied.
        same_version: bool,
    },
    /// Block the port.
    Suspend,
    /// Unblock the port.
    Reactivate,
    /// End the service.
    Cancel,
}

impl Command {
    /// The verb used in error messages.
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Create { .. } => "create",
            Self::ConfirmInstall { .. } => "confirm install",
            Self::Activate => "activate",
            Self::ChangePlan { .. } => "change plan",
            Self::Suspend => "suspend",
            Self::Reactivate => "reactivate",
            Self::Cancel => "cancel",
        }
    }
}

/// What the port should look like after a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortIntent {
    /// Plan VLAN, limits, MAC binding, enabled.
    Live,
    /// Captive VLAN with the plan's limits and MAC binding (home-drop before activation).
    StagedCaptive,
    /// Plan config, administratively down.
    Blocked,
    /// Captive VLAN, no limits, no MAC binding.
    Reset,
}

/// Which event an effect emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `subscription.activated`.
    Activated,
    /// `subscription.pending_install`.
    PendingInstall,
    /// `subscription.cancelled`.
    Cancelled,
}

/// A side effect of a transition, carried out by the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Queue a port job.
    QueuePortJob(JobAction, PortIntent),
    /// Append an event to the outbox.
    Emit(EventKind),
    /// Record the port given to confirm-install on the subscription.
    AssignPort,
    /// Record the new plan version on the subscription.
    RecordPlanVersion,
    /// The location / unit is free again (the store's uniqueness stops counting the row).
    ReleaseHold,
}

/// The facts about a subscription that decide a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// Current status; `None` before creation.
    pub status: Option<SubscriptionStatus>,
    /// Whether a port is assigned.
    pub has_port: bool,
    /// The provider's billing mode.
    pub billing: BillingMode,
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// Status after the command.
    pub next: SubscriptionStatus,
    /// Effects, in order.
    pub effects: Vec<Effect>,
}

impl Transition {
    /// A transition that changes nothing (idempotent repeat).
    pub fn is_noop(&self, from: Option<SubscriptionStatus>) -> bool {
        self.effects.is_empty() && from == Some(self.next)
    }
}

/// A command that is not allowed in the current state (HTTP 409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// `Subscription is <STATUS>; cannot <verb>`.
    #[error("Subscription is {status}; cannot {verb}")]
    NotAllowed {
        /// Current status.
        status: SubscriptionStatus,
        /// The command's verb.
        verb: &'static str,
    },
    /// A command other than create before the subscription exists.
    #[error("Subscription does not exist; cannot {verb}")]
    NoSubscription {
        /// The command's verb.
        verb: &'static str,
    },
    /// Create on an existing subscription.
    #[error("Subscription already exists")]
    AlreadyExists,
}

/// Decides the next status and effects of `command` in `state`.
///
/// # Errors
/// [`TransitionError`] when the command is not allowed; the message names the status.
pub fn transition(state: State, command: Command) -> Result<Transition, TransitionError> {
    use Effect::*;
    use SubscriptionStatus::*;
    let stay = |s| {
        Ok(Transition {
            next: s,
            effects: vec![],
        })
    };
    let go = |s, effects: Vec<Effect>| Ok(Transition { next: s, effects });
    let Some(status) = state.status else {
        return match command {
            Command::Create {
                mode: DeliveryMode::Direct,
            } => go(
                Active,
                vec![
                    QueuePortJob(JobAction::Provision, PortIntent::Live),
                    Emit(EventKind::Activated),
                ],
            ),
            Command::Create {
                mode: DeliveryMode::HomeDrop,
            } => go(PendingInstall, vec![Emit(EventKind::PendingInstall)]),
            other => Err(TransitionError::NoSubscription { verb: other.verb() }),
        };
    };
    let refuse = || {
        Err(TransitionError::NotAllowed {
            status,
            verb: command.verb(),
        })
    };
    match (status, command) {
        (_, Command::Create { .. }) => Err(TransitionError::AlreadyExists),

        (PendingInstall, Command::ConfirmInstall { .. }) => match state.billing {
            BillingMode::Kurnl => go(
                Pending,
                vec![
                    AssignPort,
                    QueuePortJob(JobAction::Provision, PortIntent::StagedCaptive),
                ],
            ),
            BillingMode::Provider => go(
                Active,
                vec![
                    AssignPort,
                    QueuePortJob(JobAction::Provision, PortIntent::Live),
                    Emit(EventKind::Activated),
                ],
            ),
        },
        (Pending | Active, Command::ConfirmInstall { same_port: true }) if state.has_port => {
            stay(status)
        }
        (_, Command::ConfirmInstall { .. }) => refuse(),

        (Pending, Command::Activate) => {
            let mut effects = Vec::new();
            if state.has_port {
                effects.push(QueuePortJob(JobAction::Provision, PortIntent::Live));
            }
            effects.push(Emit(EventKind::Activated));
            go(Active, effects)
        }
        (Active, Command::Activate) => stay(Active),
        (_, Command::Activate) => refuse(),

        (Cancelled, Command::ChangePlan { .. }) => refuse(),
        (_, Command::ChangePlan { same_version: true }) => stay(status),
        (Active, Command::ChangePlan { .. }) if state.has_port => go(
            Active,
            vec![
                RecordPlanVersion,
                QueuePortJob(JobAction::ChangePlan, PortIntent::Live),
            ],
        ),
        (_, Command::ChangePlan { .. }) => go(status, vec![RecordPlanVersion]),

        (Active, Command::Suspend) if state.has_port => go(
            Suspended,
            vec![QueuePortJob(JobAction::Suspend, PortIntent::Blocked)],
        ),
        (Active, Command::Suspend) => go(Suspended, vec![]),
        (Suspended, Command::Suspend) => stay(Suspended),
        (_, Command::Suspend) => refuse(),

        (Suspended, Command::Reactivate) if state.has_port => go(
            Active,
            vec![QueuePortJob(JobAction::Reactivate, PortIntent::Live)],
        ),
        (Suspended, Command::Reactivate) => go(Active, vec![]),
        (Active, Command::Reactivate) => stay(Active),
        (_, Command::Reactivate) => refuse(),

        (Cancelled, Command::Cancel) => stay(Cancelled),
        (_, Command::Cancel) => {
            let mut effects = Vec::new();
            if state.has_port {
                effects.push(QueuePortJob(JobAction::Deprovision, PortIntent::Reset));
            }
            effects.push(ReleaseHold);
            effects.push(Emit(EventKind::Cancelled));
            go(Cancelled, effects)
        }
    }
}

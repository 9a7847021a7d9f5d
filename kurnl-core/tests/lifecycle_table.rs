//! Every (status, command) pair of the lifecycle, with the expected next status and effects or
//! the expected refusal.

use kurnl_core::lifecycle::{
    Command, Effect, EventKind, PortIntent, State, TransitionError, transition,
};
use kurnl_core::model::{BillingMode, JobAction};
use kurnl_core::types::DeliveryMode;
use kurnl_core::types::SubscriptionStatus::{self, *};

#[derive(Debug)]
enum Expect {
    To(SubscriptionStatus, &'static [Effect]),
    Noop,
    Refused,
}
use Expect::*;

const LIVE_PROVISION: Effect = Effect::QueuePortJob(JobAction::Provision, PortIntent::Live);
const ACTIVATED: Effect = Effect::Emit(EventKind::Activated);

const DIRECT: Command = Command::Create {
    mode: DeliveryMode::Direct,
};
const HOME: Command = Command::Create {
    mode: DeliveryMode::HomeDrop,
};
const CONFIRM_NEW: Command = Command::ConfirmInstall { same_port: false };
const CONFIRM_SAME: Command = Command::ConfirmInstall { same_port: true };
const PLAN_NEW: Command = Command::ChangePlan {
    same_version: false,
};
const PLAN_SAME: Command = Command::ChangePlan { same_version: true };

/// The table for a subscription that has a port, with kurnl billing.
fn table_with_port() -> Vec<(Option<SubscriptionStatus>, Command, Expect)> {
    let cancel_effects: &'static [Effect] = &[
        Effect::QueuePortJob(JobAction::Deprovision, PortIntent::Reset),
        Effect::ReleaseHold,
        Effect::Emit(EventKind::Cancelled),
    ];
    vec![
        // before creation
        (None, DIRECT, To(Active, &[LIVE_PROVISION, ACTIVATED])),
        (
            None,
            HOME,
            To(PendingInstall, &[Effect::Emit(EventKind::PendingInstall)]),
        ),
        (None, CONFIRM_NEW, Refused),
        (None, Command::Activate, Refused),
        (None, PLAN_NEW, Refused),
        (None, Command::Suspend, Refused),
        (None, Command::Reactivate, Refused),
        (None, Command::Cancel, Refused),
        // PENDING_INSTALL
        (Some(PendingInstall), DIRECT, Refused),
        (
            Some(PendingInstall),
            CONFIRM_NEW,
            To(
                Pending,
                &[
                    Effect::AssignPort,
                    Effect::QueuePortJob(JobAction::Provision, PortIntent::StagedCaptive),
                ],
            ),
        ),
        (Some(PendingInstall), Command::Activate, Refused),
        (
            Some(PendingInstall),
            PLAN_NEW,
            To(PendingInstall, &[Effect::RecordPlanVersion]),
        ),
        (Some(PendingInstall), PLAN_SAME, Noop),
        (Some(PendingInstall), Command::Suspend, Refused),
        (Some(PendingInstall), Command::Reactivate, Refused),
        (
            Some(PendingInstall),
            Command::Cancel,
            To(Cancelled, cancel_effects),
        ),
        // PENDING
        (Some(Pending), HOME, Refused),
        (Some(Pending), CONFIRM_NEW, Refused),
        (Some(Pending), CONFIRM_SAME, Noop),
        (
            Some(Pending),
            Command::Activate,
            To(Active, &[LIVE_PROVISION, ACTIVATED]),
        ),
        (
            Some(Pending),
            PLAN_NEW,
            To(Pending, &[Effect::RecordPlanVersion]),
        ),
        (Some(Pending), PLAN_SAME, Noop),
        (Some(Pending), Command::Suspend, Refused),
        (Some(Pending), Command::Reactivate, Refused),
        (
            Some(Pending),
            Command::Cancel,
            To(Cancelled, cancel_effects),
        ),
        // ACTIVE
        (Some(Active), DIRECT, Refused),
        (Some(Active), CONFIRM_NEW, Refused),
        (Some(Active), CONFIRM_SAME, Noop),
        (Some(Active), Command::Activate, Noop),
        (
            Some(Active),
            PLAN_NEW,
            To(
                Active,
                &[
                    Effect::RecordPlanVersion,
                    Effect::QueuePortJob(JobAction::ChangePlan, PortIntent::Live),
                ],
            ),
        ),
        (Some(Active), PLAN_SAME, Noop),
        (
            Some(Active),
            Command::Suspend,
            To(
                Suspended,
                &[Effect::QueuePortJob(
                    JobAction::Suspend,
                    PortIntent::Blocked,
                )],
            ),
        ),
        (Some(Active), Command::Reactivate, Noop),
        (Some(Active), Command::Cancel, To(Cancelled, cancel_effects)),
        // SUSPENDED
        (Some(Suspended), HOME, Refused),
        (Some(Suspended), CONFIRM_NEW, Refused),
        (Some(Suspended), CONFIRM_SAME, Refused),
        (Some(Suspended), Command::Activate, Refused),
        (
            Some(Suspended),
            PLAN_NEW,
            To(Suspended, &[Effect::RecordPlanVersion]),
        ),
        (Some(Suspended), PLAN_SAME, Noop),
        (Some(Suspended), Command::Suspend, Noop),
        (
            Some(Suspended),
            Command::Reactivate,
            To(
                Active,
                &[Effect::QueuePortJob(
                    JobAction::Reactivate,
                    PortIntent::Live,
                )],
            ),
        ),
        (
            Some(Suspended),
            Command::Cancel,
            To(Cancelled, cancel_effects),
        ),
        // CANCELLED is terminal
        (Some(Cancelled), DIRECT, Refused),
        (Some(Cancelled), CONFIRM_NEW, Refused),
        (Some(Cancelled), CONFIRM_SAME, Refused),
        (Some(Cancelled), Command::Activate, Refused),
        (Some(Cancelled), PLAN_NEW, Refused),
        (Some(Cancelled), PLAN_SAME, Refused),
        (Some(Cancelled), Command::Suspend, Refused),
        (Some(Cancelled), Command::Reactivate, Refused),
        (Some(Cancelled), Command::Cancel, Noop),
    ]
}

fn check(state: State, command: Command, expect: &Expect) {
    let got = transition(state, command);
    let ctx = format!("{state:?} + {command:?}");
    match (expect, got) {
        (To(next, effects), Ok(t)) => {
            assert_eq!(t.next, *next, "{ctx}");
            assert_eq!(t.effects, effects.to_vec(), "{ctx}");
        }
        (Noop, Ok(t)) => {
            assert!(t.is_noop(state.status), "{ctx}: expected no-op, got {t:?}");
        }
        (Refused, Err(e)) => {
            if let (Some(status), TransitionError::NotAllowed { status: s, verb }) =
                (state.status, &e)
            {
                assert_eq!(*s, status, "{ctx}");
                assert_eq!(
                    e.to_string(),
                    format!("Subscription is {}; cannot {verb}", status.as_str()),
                    "{ctx}"
                );
            }
        }
        (expect, got) => panic!("{ctx}: expected {expect:?}, got {got:?}"),
    }
}

#[test]
fn every_status_command_pair_with_a_port() {
    let rows = table_with_port();
    // 6 states x 8 distinct commands are covered (some commands in two variants).
    for status in [None].into_iter().chain(SubscriptionStatus::ALL.map(Some)) {
        for verb in [
            "create",
            "confirm install",
            "activate",
            "change plan",
            "suspend",
            "reactivate",
            "cancel",
        ] {
            assert!(
                rows.iter()
                    .any(|(s, c, _)| *s == status && c.verb() == verb),
                "table misses {status:?} + {verb}"
            );
        }
    }
    for (status, command, expect) in &rows {
        check(
            State {
                status: *status,
                has_port: true,
                billing: BillingMode::Kurnl,
            },
            *command,
            expect,
        );
    }
}

#[test]
fn without_a_port_no_port_jobs_are_queued() {
    let no_port = |status| State {
        status: Some(status),
        has_port: false,
        billing: BillingMode::Kurnl,
    };
    check(
        no_port(Pending),
        Command::Activate,
        &To(Active, &[ACTIVATED]),
    );
    check(no_port(Active), Command::Suspend, &To(Suspended, &[]));
    check(no_port(Suspended), Command::Reactivate, &To(Active, &[]));
    check(
        no_port(Active),
        PLAN_NEW,
        &To(Active, &[Effect::RecordPlanVersion]),
    );
    check(
        no_port(PendingInstall),
        Command::Cancel,
        &To(
            Cancelled,
            &[Effect::ReleaseHold, Effect::Emit(EventKind::Cancelled)],
        ),
    );
    check(no_port(Pending), CONFIRM_SAME, &Refused);
}

#[test]
fn provider_billing_activates_at_confirm_install() {
    let state = State {
        status: Some(PendingInstall),
        has_port: false,
        billing: BillingMode::Provider,
    };
    check(
        state,
        CONFIRM_NEW,
        &To(Active, &[Effect::AssignPort, LIVE_PROVISION, ACTIVATED]),
    );
}

#[test]
fn refusal_message_names_the_status() {
    let err = transition(
        State {
            status: Some(Cancelled),
            has_port: true,
            billing: BillingMode::Kurnl,
        },
        Command::Suspend,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "Subscription is CANCELLED; cannot suspend");
}

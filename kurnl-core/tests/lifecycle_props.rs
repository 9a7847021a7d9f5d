//! Random command sequences through the service: the store and the pure lifecycle agree, at
//! most one live subscription holds a port or a unit, cancelled is terminal, and every state
//! change that calls for a port job queued exactly one.
#![cfg(feature = "testkit")]

use std::collections::HashMap;

use kurnl_core::lifecycle::{self, Command, Effect, State};
use kurnl_core::model::BillingMode;
use kurnl_core::service::{ChangePlanRequest, ConfirmInstallRequest};
use kurnl_core::testkit::Fixture;
use kurnl_core::types::{DeliveryMode, SubscriptionId, SubscriptionStatus};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Direct { person: u8, location: u8 },
    HomeDrop { person: u8, unit: u8 },
    ConfirmInstall { sub: u8, port: u8 },
    Activate(u8),
    ChangePlan(u8),
    Suspend(u8),
    Reactivate(u8),
    Cancel(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..6u8, 0..3u8).prop_map(|(person, location)| Op::Direct { person, location }),
        (0..6u8, 0..2u8).prop_map(|(person, unit)| Op::HomeDrop { person, unit }),
        (any::<u8>(), 10..13u8).prop_map(|(sub, port)| Op::ConfirmInstall { sub, port }),
        any::<u8>().prop_map(Op::Activate),
        any::<u8>().prop_map(Op::ChangePlan),
        any::<u8>().prop_map(Op::Suspend),
        any::<u8>().prop_map(Op::Reactivate),
        any::<u8>().prop_map(Op::Cancel),
    ]
}

async fn run(ops: Vec<Op>) {
    let fx = Fixture::in_memory().await;
    let c = fx.a.caller;
    let mut subs: Vec<SubscriptionId> = Vec::new();
    let mut cancelled: HashMap<SubscriptionId, bool> = HashMap::new();
    for (step, op) in ops.into_iter().enumerate() {
        let pick = |i: u8| subs.get(usize::from(i) % subs.len().max(1)).copied();
        let before = match &op {
            Op::Direct { .. } | Op::HomeDrop { .. } => None,
            Op::ConfirmInstall { sub: i, .. }
            | Op::Activate(i)
            | Op::ChangePlan(i)
            | Op::Suspend(i)
            | Op::Reactivate(i)
            | Op::Cancel(i) => match pick(*i) {
                Some(id) => Some(
                    fx.store
                        .get_subscription(fx.a.provider.id, id)
                        .await
                        .unwrap()
                        .unwrap(),
                ),
                None => continue,
            },
        };
        let jobs_before = match &before {
            Some(s) => fx
                .store
                .list_jobs_of(fx.a.provider.id, s.id)
                .await
                .unwrap()
                .len(),
            None => 0,
        };
        let (result, command) = match &op {
            Op::Direct { person, location } => {
                let req =
                    fx.provision_request(&format!("p{person}@example.com"), usize::from(*location));
                (
                    fx.service
                        .provider_initiated(&c, req)
                        .await
                        .map(|r| (r.subscription_id, r.job_id)),
                    Command::Create {
                        mode: DeliveryMode::Direct,
                    },
                )
            }
            Op::HomeDrop { person, unit } => {
                let mut req = fx.checkout_request(&format!("h{person}@example.com"), 0);
                req.delivery_mode = Some("home_drop".into());
                req.location_hash = None;
                req.unit_id = Some(fx.units[usize::from(*unit)].to_string());
                (
                    fx.service
                        .checkout_complete(&c, req)
                        .await
                        .map(|r| (r.subscription_id, r.job_id)),
                    Command::Create {
                        mode: DeliveryMode::HomeDrop,
                    },
                )
            }
            Op::ConfirmInstall { port, .. } => {
                let s = before.as_ref().unwrap();
                let req = ConfirmInstallRequest {
                    subscription_id: Some(s.id.to_string()),
                    switch_id: Some(fx.switch_record.id.to_string()),
                    port_number: Some(u32::from(*port)),
                };
                let same = s.port.is_some_and(|p| p.port_number == u32::from(*port));
                (
                    fx.service
                        .confirm_install(&c, req)
                        .await
                        .map(|r| (r.subscription_id, r.job_id)),
                    Command::ConfirmInstall { same_port: same },
                )
            }
            other => {
                let s = before.as_ref().unwrap();
                let id = s.id.to_string();
                let (r, cmd) = match other {
                    Op::Activate(_) => (fx.service.activate(&c, &id).await, Command::Activate),
                    Op::ChangePlan(_) => {
                        let target = if s.plan_version_id == fx.a.plan.id {
                            fx.a.plan_fast.id
                        } else {
                            fx.a.plan.id
                        };
                        let req = ChangePlanRequest {
                            plan_version_id: Some(target.to_string()),
                        };
                        (
                            fx.service.change_plan(&c, &id, req).await,
                            Command::ChangePlan {
                                same_version: false,
                            },
                        )
                    }
                    Op::Suspend(_) => (fx.service.suspend(&c, &id).await, Command::Suspend),
                    Op::Reactivate(_) => {
                        (fx.service.reactivate(&c, &id).await, Command::Reactivate)
                    }
                    _ => (fx.service.cancel(&c, &id).await, Command::Cancel),
                };
                (r.map(|r| (r.subscription_id, r.job_id)), cmd)
            }
        };
        let ctx = format!("step {step}: {op:?}");
        match (&before, &result) {
            (None, Ok((id, _))) => {
                if !subs.contains(id) {
                    subs.push(*id);
                }
            }
            (None, Err(e)) => assert_eq!(
                e.status(),
                409,
                "{ctx}: creation may only fail on occupancy: {e}"
            ),
            (Some(s), outcome) => {
                let after = fx
                    .store
                    .get_subscription(fx.a.provider.id, s.id)
                    .await
                    .unwrap()
                    .unwrap();
                let has_port = s.port.is_some() || matches!(op, Op::ConfirmInstall { .. });
                let expected = lifecycle::transition(
                    State {
                        status: Some(s.status),
                        has_port,
                        billing: BillingMode::Kurnl,
                    },
                    command,
                );
                match (expected, outcome) {
                    (Ok(t), Ok(_)) => {
                        assert_eq!(after.status, t.next, "{ctx}");
                        let queued = t
                            .effects
                            .iter()
                            .filter(|e| matches!(e, Effect::QueuePortJob(..)))
                            .count();
                        let jobs_after = fx
                            .store
                            .list_jobs_of(fx.a.provider.id, s.id)
                            .await
                            .unwrap()
                            .len();
                        assert_eq!(jobs_after - jobs_before, queued, "{ctx}: jobs queued");
                    }
                    (Err(_), Err(e)) => {
                        assert_eq!(e.status(), 409, "{ctx}");
                        assert_eq!(
                            after.status, s.status,
                            "{ctx}: a refused command changes nothing"
                        );
                    }
                    // The port asked for may be held by another subscription.
                    (Ok(_), Err(e)) if matches!(op, Op::ConfirmInstall { .. }) => {
                        assert_eq!(e.status(), 409, "{ctx}")
                    }
                    (exp, got) => panic!("{ctx}: lifecycle says {exp:?}, service said {got:?}"),
                }
            }
        }
        // Invariants over everything stored so far.
        let mut ports = HashMap::new();
        let mut units = HashMap::new();
        for id in &subs {
            let s = fx
                .store
                .get_subscription(fx.a.provider.id, *id)
                .await
                .unwrap()
                .unwrap();
            if cancelled.get(id).copied().unwrap_or(false) {
                assert_eq!(
                    s.status,
                    SubscriptionStatus::Cancelled,
                    "{ctx}: cancelled is terminal"
                );
            }
            cancelled.insert(*id, s.status == SubscriptionStatus::Cancelled);
            if s.status.is_live() {
                if let Some(p) = s.port {
                    assert!(
                        ports.insert(p, s.id).is_none(),
                        "{ctx}: two live subscriptions on {p:?}"
                    );
                }
                if let Some(u) = s.unit_id {
                    assert!(
                        units.insert(u, s.id).is_none(),
                        "{ctx}: two live subscriptions in unit {u}"
                    );
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn random_command_sequences_keep_the_invariants(ops in proptest::collection::vec(op(), 1..40)) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run(ops));
    }
}

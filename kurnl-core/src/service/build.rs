//! Turns lifecycle effects into the jobs and events of a write set.

use chrono::{DateTime, Utc};

use super::Service;
use super::shared_reads::SharedReads;
use crate::error::{Error, Result};
use crate::lifecycle::{Effect, EventKind, PortIntent};
use crate::model::{
    EventData, Job, JobAction, JobStatus, NewEvent, PlanVersion, Port, PortConfig, PortRef,
    Subscription, Switch,
};
use crate::ports::LocationPlacement;
use crate::types::{EventId, JobId, PortDescription};

/// A port and its switch, resolved from the inventory.
#[derive(Debug, Clone)]
pub(crate) struct PortContext {
    pub(crate) port: Port,
    pub(crate) switch: Switch,
}

/// The desired port state for an intent.
pub(crate) fn desired_config(
    intent: PortIntent,
    sub: &Subscription,
    plan: &PlanVersion,
    switch: &Switch,
) -> PortConfig {
    let live = PortConfig {
        vlan: plan.vlan,
        rate: Some(plan.rate),
        mac: sub.mac,
        enabled: true,
        description: PortDescription::for_subscription(sub.id),
    };
    match intent {
        PortIntent::Live => live,
        PortIntent::StagedCaptive => PortConfig {
            vlan: switch.captive_vlan,
            ..live
        },
        PortIntent::Blocked => PortConfig {
            enabled: false,
            ..live
        },
        PortIntent::Reset => PortConfig::captive(switch.captive_vlan),
    }
}

impl Service {
    /// Resolves a port and its switch (the switch through `reads`); a location pointing
    /// nowhere is an inventory bug (500).
    pub(crate) async fn port_context(
        &self,
        port: PortRef,
        reads: &SharedReads,
    ) -> Result<PortContext> {
        let record = self.store.get_port(port).await?;
        let switch = reads
            .switch(port.switch_id, || self.store.get_switch(port.switch_id))
            .await?;
        resolved(port, record, switch)
    }

    /// The jobs and events that `effects` call for, for the subscription as it will be stored.
    pub(crate) fn materialise(
        &self,
        sub: &Subscription,
        plan: &PlanVersion,
        port: Option<&PortContext>,
        effects: &[Effect],
        now: DateTime<Utc>,
    ) -> Result<(Vec<Job>, Vec<NewEvent>)> {
        let mut jobs = Vec::new();
        let mut events = Vec::new();
        for effect in effects {
            match *effect {
                Effect::QueuePortJob(action, intent) => {
                    let ctx =
                        port.ok_or_else(|| Error::Internal("port job without a port".into()))?;
                    jobs.push(self.new_job(
                        sub,
                        ctx,
                        action,
                        desired_config(intent, sub, plan, &ctx.switch),
                        now,
                    ));
                }
                Effect::Emit(kind) => events.push(NewEvent {
                    id: EventId(self.ids.new_uuid()),
                    provider_id: sub.provider_id,
                    sandbox: sub.sandbox,
                    data: event_data(kind, sub)?,
                    created_at: now,
                }),
                // Recorded on the subscription row itself by the caller.
                Effect::AssignPort | Effect::RecordPlanVersion | Effect::ReleaseHold => {}
            }
        }
        Ok((jobs, events))
    }

    fn new_job(
        &self,
        sub: &Subscription,
        ctx: &PortContext,
        action: JobAction,
        desired: PortConfig,
        now: DateTime<Utc>,
    ) -> Job {
        Job {
            id: JobId(self.ids.new_uuid()),
            provider_id: sub.provider_id,
            subscription_id: sub.id,
            sandbox: sub.sandbox,
            action,
            port: ctx.port.port,
            interface: ctx.port.interface.clone(),
            desired,
            status: JobStatus::Pending,
            attempts: 0,
            run_at: now,
            lease: None,
            lease_expires_at: None,
            last_error: None,
            created_at: now,
            updated_at: now,
        }
    }
}

fn event_data(kind: EventKind, sub: &Subscription) -> Result<EventData> {
    Ok(match kind {
        EventKind::Activated => EventData::SubscriptionActivated {
            subscription_id: sub.id,
            subscriber_id: sub.subscriber_id,
            plan_version_id: sub.plan_version_id,
            location_hash: sub.location_hash.clone(),
        },
        EventKind::PendingInstall => EventData::SubscriptionPendingInstall {
            subscription_id: sub.id,
            subscriber_id: sub.subscriber_id,
            unit_id: sub
                .unit_id
                .ok_or_else(|| Error::Internal("pending install without a unit".into()))?,
        },
        EventKind::Cancelled => EventData::SubscriptionCancelled {
            subscription_id: sub.id,
        },
    })
}

/// The port context of a location read with its port and switch
/// ([`Store::get_location_placement`](crate::ports::Store::get_location_placement)); the same
/// errors as [`Service::port_context`].
pub(crate) fn placed_context(placement: LocationPlacement) -> Result<PortContext> {
    resolved(placement.location.port, placement.port, placement.switch)
}

/// The context of the port at `at` from its records; a missing one is an inventory bug (500).
fn resolved(at: PortRef, port: Option<Port>, switch: Option<Switch>) -> Result<PortContext> {
    let port = port.ok_or_else(|| {
        Error::Internal(format!(
            "port {} of switch {} missing from the inventory",
            at.port_number, at.switch_id
        ))
    })?;
    let switch = switch.ok_or_else(|| {
        Error::Internal(format!(
            "switch {} missing from the inventory",
            at.switch_id
        ))
    })?;
    Ok(PortContext { port, switch })
}

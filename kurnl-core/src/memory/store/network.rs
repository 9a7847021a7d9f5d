//! The operator's network reads and deletes: ports with their state, units with theirs.

use super::state::State;
use crate::model::{JobStatus, PortRef};
use crate::ports::{ConflictKind, PortOverview, StoreError, UnitOverview, UnitStatus};
use crate::types::{BuildingId, SubscriptionStatus, SwitchId};

impl State {
    pub(super) fn list_ports(&self, switch: SwitchId) -> Vec<PortOverview> {
        let mut ports: Vec<_> = self
            .ports
            .values()
            .filter(|p| p.port.switch_id == switch)
            .cloned()
            .collect();
        ports.sort_by_key(|p| p.port.port_number);
        ports
            .into_iter()
            .map(|port| {
                let at = port.port;
                let mut locations: Vec<_> = self
                    .locations
                    .values()
                    .filter(|l| l.port == at)
                    .map(|l| l.hash.clone())
                    .collect();
                locations.sort_by(|a, b| a.as_str().cmp(b.as_str()));
                let live_subscription = self
                    .subscriptions
                    .values()
                    .map(|r| &r.value)
                    .find(|s| {
                        s.port == Some(at)
                            && !s.sandbox
                            && s.status != SubscriptionStatus::Cancelled
                    })
                    .cloned();
                let last_applied = self
                    .jobs
                    .values()
                    .filter(|r| {
                        r.value.port == at
                            && !r.value.sandbox
                            && r.value.status == JobStatus::Completed
                    })
                    .max_by_key(|r| (r.value.updated_at, r.seq))
                    .map(|r| &r.value);
                PortOverview {
                    port,
                    locations,
                    live_subscription,
                    last_applied: last_applied.map(|j| (j.desired.clone(), j.updated_at)),
                    last_applied_job: last_applied.map(|j| j.id),
                }
            })
            .collect()
    }

    /// Whether anything that is not finished still uses the port.
    fn port_in_use(&self, at: PortRef) -> bool {
        let subscribed = self
            .subscriptions
            .values()
            .any(|r| r.value.port == Some(at) && r.value.status != SubscriptionStatus::Cancelled);
        let queued = self
            .jobs
            .values()
            .any(|r| r.value.port == at && !r.value.status.is_terminal());
        subscribed || queued
    }

    fn remove_port(&mut self, at: PortRef) {
        self.ports.remove(&at);
        self.locations.retain(|_, l| l.port != at);
    }

    pub(super) fn delete_port(&mut self, at: PortRef) -> Result<(), StoreError> {
        if !self.ports.contains_key(&at) {
            return Err(StoreError::NotFound("port"));
        }
        if self.port_in_use(at) {
            return Err(StoreError::Conflict(ConflictKind::InUse));
        }
        self.remove_port(at);
        Ok(())
    }

    pub(super) fn delete_switch(&mut self, id: SwitchId) -> Result<(), StoreError> {
        if !self.switches.contains_key(&id) {
            return Err(StoreError::NotFound("switch"));
        }
        let ports: Vec<PortRef> = self
            .ports
            .keys()
            .filter(|p| p.switch_id == id)
            .copied()
            .collect();
        let jobs_left = self
            .jobs
            .values()
            .any(|r| r.value.port.switch_id == id && !r.value.status.is_terminal());
        let subscribed = self.subscriptions.values().any(|r| {
            r.value.port.is_some_and(|p| p.switch_id == id)
                && r.value.status != SubscriptionStatus::Cancelled
        });
        if jobs_left || subscribed || ports.iter().any(|p| self.port_in_use(*p)) {
            return Err(StoreError::Conflict(ConflictKind::InUse));
        }
        for port in ports {
            self.remove_port(port);
        }
        self.switches.remove(&id);
        Ok(())
    }

    pub(super) fn list_units(&self, building: BuildingId) -> Vec<UnitOverview> {
        let mut units: Vec<_> = self
            .units
            .values()
            .filter(|u| u.building_id == building)
            .cloned()
            .collect();
        units.sort_by(|a, b| a.label.cmp(&b.label).then(a.id.0.cmp(&b.id.0)));
        units
            .into_iter()
            .map(|unit| {
                let sub = self.subscriptions.values().map(|r| &r.value).find(|s| {
                    s.unit_id == Some(unit.id)
                        && !s.sandbox
                        && s.status != SubscriptionStatus::Cancelled
                });
                UnitOverview {
                    status: UnitStatus::of_subscription(sub.map(|s| s.status)),
                    subscription_id: sub.map(|s| s.id),
                    unit,
                }
            })
            .collect()
    }
}

//! The outbox: event leases, delivery records, replays and event reads.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::state::{EventRow, State};
use crate::model::{DeliveryStatus, Event};
use crate::ports::{
    DeliveryFilter, DeliveryNext, DeliveryRecord, DeliverySummary, EventClaim, EventQuery,
    EventWithAttempts, Page, StoreError,
};
use crate::types::{EventId, LeaseToken, ProviderId, SubscriptionId};

/// Whether a row can be leased at `now`: pending, due, and not under a live lease.
fn claimable(row: &EventRow, now: DateTime<Utc>) -> bool {
    let lease_free = row.event.lease.is_none() || row.lease_expires_at.is_none_or(|at| at < now);
    row.event.status == DeliveryStatus::Pending && row.event.next_attempt_at <= now && lease_free
}

/// Sorts events oldest first (creation time, then insertion order).
fn sorted(mut rows: Vec<&EventRow>) -> Vec<Event> {
    rows.sort_by_key(|r| (r.event.created_at, r.seq));
    rows.into_iter().map(|r| r.event.clone()).collect()
}

impl State {
    pub(super) fn claim_events(&mut self, claim: &EventClaim) -> Vec<Event> {
        // The lowest pending sequence per subscription: only that event may be attempted.
        let mut heads: HashMap<SubscriptionId, i64> = HashMap::new();
        for row in self.events.values() {
            if row.event.status == DeliveryStatus::Pending {
                let head = heads
                    .entry(row.event.data.subscription_id())
                    .or_insert(row.event.sequence);
                *head = (*head).min(row.event.sequence);
            }
        }
        let due: Vec<&EventRow> = self
            .events
            .values()
            .filter(|r| claimable(r, claim.now))
            .filter(|r| heads.get(&r.event.data.subscription_id()) == Some(&r.event.sequence))
            .collect();
        let ids: Vec<EventId> = sorted(due)
            .into_iter()
            .take(claim.limit as usize)
            .map(|e| e.id)
            .collect();
        let lease = LeaseToken::new_random();
        let expires_at = claim.now + claim.lease;
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = self.events.get_mut(&id) {
                row.event.lease = Some(lease);
                row.lease_expires_at = Some(expires_at);
                claimed.push(row.event.clone());
            }
        }
        claimed
    }

    pub(super) fn record_delivery(
        &mut self,
        id: EventId,
        record: &DeliveryRecord,
    ) -> Result<(), StoreError> {
        let row = self
            .events
            .get_mut(&id)
            .ok_or(StoreError::NotFound("event"))?;
        if row.event.status != DeliveryStatus::Pending || row.event.lease != Some(record.lease) {
            return Err(StoreError::LeaseLost);
        }
        let event = &mut row.event;
        event.attempts += 1;
        event.lease = None;
        row.lease_expires_at = None;
        match record.next {
            DeliveryNext::Delivered => event.status = DeliveryStatus::Delivered,
            DeliveryNext::Failed => event.status = DeliveryStatus::Failed,
            DeliveryNext::RetryAt(at) => event.next_attempt_at = at,
        }
        self.attempts
            .entry(id)
            .or_default()
            .push(record.attempt.clone());
        Ok(())
    }

    pub(super) fn get_event(&self, provider: ProviderId, id: EventId) -> Option<EventWithAttempts> {
        let event = self
            .events
            .get(&id)
            .map(|r| &r.event)
            .filter(|e| e.provider_id == provider)?;
        Some((
            event.clone(),
            self.attempts.get(&id).cloned().unwrap_or_default(),
        ))
    }

    pub(super) fn list_events(&self, query: &EventQuery) -> Vec<Event> {
        let rows: Vec<&EventRow> = self
            .events
            .values()
            .filter(|r| r.event.provider_id == query.provider_id)
            .filter(|r| query.since.is_none_or(|since| r.event.created_at >= since))
            .filter(|r| query.status.is_none_or(|status| r.event.status == status))
            .collect();
        sorted(rows)
            .into_iter()
            .take(query.limit as usize)
            .collect()
    }

    pub(super) fn list_events_of(
        &self,
        provider: ProviderId,
        subscription: SubscriptionId,
    ) -> Vec<Event> {
        let mut events: Vec<Event> = self
            .events
            .values()
            .map(|r| &r.event)
            .filter(|e| e.provider_id == provider && e.data.subscription_id() == subscription)
            .cloned()
            .collect();
        events.sort_by_key(|e| e.sequence);
        events
    }

    pub(super) fn replay_event(
        &mut self,
        provider: ProviderId,
        id: EventId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let row = self
            .events
            .get_mut(&id)
            .filter(|r| r.event.provider_id == provider)
            .ok_or(StoreError::NotFound("event"))?;
        row.event.status = DeliveryStatus::Pending;
        row.event.attempts = 0;
        row.event.next_attempt_at = now;
        row.event.lease = None;
        row.lease_expires_at = None;
        Ok(())
    }

    fn matching<'a>(&'a self, filter: &'a DeliveryFilter) -> impl Iterator<Item = &'a EventRow> {
        self.events.values().filter(move |r| {
            let e = &r.event;
            e.provider_id == filter.provider_id
                && e.sandbox == filter.sandbox
                && filter.status.is_none_or(|s| e.status == s)
                && filter.event.as_deref().is_none_or(|n| e.data.name() == n)
                && filter.since.is_none_or(|t| e.created_at >= t)
                && filter.until.is_none_or(|t| e.created_at < t)
        })
    }

    pub(super) fn list_deliveries(
        &self,
        filter: &DeliveryFilter,
        page: u32,
        page_size: u32,
    ) -> Page<DeliverySummary> {
        let rows: Vec<&EventRow> = self.matching(filter).collect();
        let total = rows.len() as u64;
        let skip = (page.max(1) as usize - 1).saturating_mul(page_size as usize);
        let results = sorted(rows)
            .into_iter()
            .skip(skip)
            .take(page_size as usize)
            .map(|event| DeliverySummary {
                last_attempt: self.attempts.get(&event.id).and_then(|a| a.last()).cloned(),
                event,
            })
            .collect();
        Page { results, total }
    }

    pub(super) fn replay_deliveries(&mut self, filter: &DeliveryFilter, now: DateTime<Utc>) -> u64 {
        let ids: Vec<EventId> = self
            .matching(filter)
            .filter(|r| !in_flight(r, now))
            .map(|r| r.event.id)
            .collect();
        for id in &ids {
            if let Some(row) = self.events.get_mut(id) {
                row.event.status = DeliveryStatus::Pending;
                row.event.attempts = 0;
                row.event.next_attempt_at = now;
                row.event.lease = None;
                row.lease_expires_at = None;
            }
        }
        ids.len() as u64
    }
}

/// Whether an attempt is in flight: pending under a live lease.
fn in_flight(row: &EventRow, now: DateTime<Utc>) -> bool {
    row.event.status == DeliveryStatus::Pending
        && row.event.lease.is_some()
        && row.lease_expires_at.is_some_and(|at| at >= now)
}

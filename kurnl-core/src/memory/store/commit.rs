//! [`WriteSet`] commits: validate everything, then apply everything.

use std::collections::HashSet;

use super::state::{EventRow, Row, State};
use crate::model::{DeliveryStatus, Event, Job, NewEvent, Subscription};
use crate::ports::{ConflictKind, StoreError, SubscriptionUpdate, WriteSet};

/// The first uniqueness rule among live subscriptions that `candidate` breaks against `others`.
///
/// Rules are checked in a fixed order (idempotency key, port, unit) so that 50 racing retries
/// of the same request, which share key and port, all report `IdempotencyKey`.
fn live_conflict<'a>(
    candidate: &Subscription,
    others: impl Iterator<Item = &'a Subscription>,
) -> Option<ConflictKind> {
    if !candidate.status.is_live() {
        return None;
    }
    let live: Vec<&Subscription> = others
        .filter(|o| o.id != candidate.id && o.status.is_live() && o.sandbox == candidate.sandbox)
        .collect();
    let key_taken = candidate.idempotency_key.is_some()
        && live.iter().any(|o| {
            o.provider_id == candidate.provider_id && o.idempotency_key == candidate.idempotency_key
        });
    let port_taken = candidate.port.is_some() && live.iter().any(|o| o.port == candidate.port);
    let unit_taken =
        candidate.unit_id.is_some() && live.iter().any(|o| o.unit_id == candidate.unit_id);
    if key_taken {
        Some(ConflictKind::IdempotencyKey)
    } else if port_taken {
        Some(ConflictKind::PortTaken)
    } else if unit_taken {
        Some(ConflictKind::UnitTaken)
    } else {
        None
    }
}

/// Fails with `DuplicateId` when an id repeats within `ids` or `exists` says it is stored.
pub(super) fn check_unique_ids<T: std::hash::Hash + Eq + Copy>(
    ids: &[T],
    exists: impl Fn(&T) -> bool,
) -> Result<(), StoreError> {
    let mut seen = HashSet::new();
    for id in ids {
        if exists(id) || !seen.insert(*id) {
            return Err(StoreError::Conflict(ConflictKind::DuplicateId));
        }
    }
    Ok(())
}

impl State {
    /// Every stored subscription.
    fn stored_subscriptions(&self) -> impl Iterator<Item = &Subscription> {
        self.subscriptions.values().map(|r| &r.value)
    }

    fn check_new_subscription(&self, new: &Subscription) -> Result<(), StoreError> {
        if self.subscriptions.contains_key(&new.id) {
            return Err(StoreError::Conflict(ConflictKind::DuplicateId));
        }
        live_conflict(new, self.stored_subscriptions())
            .map_or(Ok(()), |k| Err(StoreError::Conflict(k)))
    }

    fn check_update(
        &self,
        update: &SubscriptionUpdate,
        new: Option<&Subscription>,
    ) -> Result<(), StoreError> {
        let after = &update.after;
        let stored = self
            .subscriptions
            .get(&after.id)
            .map(|r| &r.value)
            .filter(|s| s.provider_id == after.provider_id)
            .ok_or(StoreError::NotFound("subscription"))?;
        if stored.revision != update.expected_revision {
            return Err(StoreError::Conflict(ConflictKind::Revision));
        }
        // The row being replaced is skipped by id; a subscription inserted by the same write
        // set counts like a stored one.
        live_conflict(after, self.stored_subscriptions().chain(new))
            .map_or(Ok(()), |k| Err(StoreError::Conflict(k)))
    }

    fn check_writes(&self, writes: &WriteSet) -> Result<(), StoreError> {
        if let Some(subscriber) = &writes.new_subscriber {
            self.check_new_subscriber(subscriber)?;
        }
        if let Some(new) = &writes.new_subscription {
            self.check_new_subscription(new)?;
        }
        if let Some(update) = &writes.subscription_update {
            self.check_update(update, writes.new_subscription.as_ref())?;
        }
        let job_ids: Vec<_> = writes.jobs.iter().map(|j| j.id).collect();
        check_unique_ids(&job_ids, |id| self.jobs.contains_key(id))?;
        let event_ids: Vec<_> = writes.events.iter().map(|e| e.id).collect();
        check_unique_ids(&event_ids, |id| self.events.contains_key(id))
    }

    /// Appends an event to the outbox with the next sequence number of its subscription.
    pub(super) fn append_event(&mut self, new: NewEvent) {
        let counter = self
            .event_sequences
            .entry(new.data.subscription_id())
            .or_insert(0);
        *counter += 1;
        let event = Event {
            id: new.id,
            provider_id: new.provider_id,
            sandbox: new.sandbox,
            data: new.data,
            sequence: *counter,
            created_at: new.created_at,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: new.created_at,
            lease: None,
        };
        let seq = self.seq();
        self.events.insert(
            event.id,
            EventRow {
                seq,
                event,
                lease_expires_at: None,
            },
        );
    }

    pub(super) fn insert_job(&mut self, job: Job) {
        let seq = self.seq();
        self.jobs.insert(job.id, Row { seq, value: job });
    }

    fn apply_writes(&mut self, writes: WriteSet) {
        if let Some(subscriber) = writes.new_subscriber {
            self.apply_new_subscriber(subscriber);
        }
        if let Some(new) = writes.new_subscription {
            let seq = self.seq();
            self.subscriptions.insert(new.id, Row { seq, value: new });
        }
        if let Some(update) = writes.subscription_update
            && let Some(row) = self.subscriptions.get_mut(&update.after.id)
        {
            row.value = update.after;
        }
        for job in writes.jobs {
            self.insert_job(job);
        }
        for event in writes.events {
            self.append_event(event);
        }
    }

    pub(super) fn commit(&mut self, writes: WriteSet) -> Result<(), StoreError> {
        self.check_writes(&writes)?;
        self.apply_writes(writes);
        Ok(())
    }
}

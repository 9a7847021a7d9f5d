//! Subscribers and the provider-scoped reads of subscriptions and jobs.

use super::state::{Row, State, oldest_first};
use crate::model::{Job, Subscriber, Subscription};
use crate::ports::{ConflictKind, Page, StoreError, SubscriberQuery};
use crate::types::{Email, JobId, ProviderId, SubscriberId, SubscriptionId};

impl State {
    /// Whether another subscriber of the same provider and environment has this email.
    fn email_taken(&self, subscriber: &Subscriber) -> bool {
        self.subscribers.values().any(|r| {
            let s = &r.value;
            s.id != subscriber.id
                && s.provider_id == subscriber.provider_id
                && s.sandbox == subscriber.sandbox
                && s.email == subscriber.email
        })
    }

    /// The checks of a subscriber insert, without writing.
    pub(super) fn check_new_subscriber(&self, subscriber: &Subscriber) -> Result<(), StoreError> {
        if self.subscribers.contains_key(&subscriber.id) {
            return Err(StoreError::Conflict(ConflictKind::DuplicateId));
        }
        if self.email_taken(subscriber) {
            return Err(StoreError::Conflict(ConflictKind::SubscriberEmail));
        }
        Ok(())
    }

    /// Inserts a subscriber whose checks passed.
    pub(super) fn apply_new_subscriber(&mut self, subscriber: Subscriber) {
        let seq = self.seq();
        self.subscribers.insert(
            subscriber.id,
            Row {
                seq,
                value: subscriber,
            },
        );
    }

    pub(super) fn insert_subscriber(&mut self, subscriber: &Subscriber) -> Result<(), StoreError> {
        self.check_new_subscriber(subscriber)?;
        self.apply_new_subscriber(subscriber.clone());
        Ok(())
    }

    pub(super) fn get_subscriber(
        &self,
        provider: ProviderId,
        id: SubscriberId,
    ) -> Option<Subscriber> {
        self.subscribers
            .get(&id)
            .map(|r| &r.value)
            .filter(|s| s.provider_id == provider)
            .cloned()
    }

    pub(super) fn find_subscriber_by_email(
        &self,
        provider: ProviderId,
        sandbox: bool,
        email: &Email,
    ) -> Option<Subscriber> {
        self.subscribers
            .values()
            .map(|r| &r.value)
            .find(|s| s.provider_id == provider && s.sandbox == sandbox && &s.email == email)
            .cloned()
    }

    pub(super) fn update_subscriber(
        &mut self,
        after: &Subscriber,
        expected_revision: i64,
    ) -> Result<(), StoreError> {
        let stored = self
            .get_subscriber(after.provider_id, after.id)
            .ok_or(StoreError::NotFound("subscriber"))?;
        if stored.revision != expected_revision {
            return Err(StoreError::Conflict(ConflictKind::Revision));
        }
        if self.email_taken(after) {
            return Err(StoreError::Conflict(ConflictKind::SubscriberEmail));
        }
        if let Some(row) = self.subscribers.get_mut(&after.id) {
            row.value = after.clone();
        }
        Ok(())
    }

    /// Whether a subscriber matches the status and search filters of a query.
    fn matches_query(&self, s: &Subscriber, query: &SubscriberQuery) -> bool {
        if s.provider_id != query.provider_id || s.sandbox != query.sandbox {
            return false;
        }
        if let Some(status) = query.status {
            let has = self
                .subscriptions
                .values()
                .any(|r| r.value.subscriber_id == Some(s.id) && r.value.status == status);
            if !has {
                return false;
            }
        }
        match query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
        {
            None => true,
            Some(needle) => {
                let needle = needle.to_lowercase();
                [s.email.as_str(), s.firstname.as_str(), s.lastname.as_str()]
                    .iter()
                    .any(|field| field.to_lowercase().contains(&needle))
            }
        }
    }

    pub(super) fn list_subscribers(&self, query: &SubscriberQuery) -> Page<Subscriber> {
        let mut matching: Vec<&Subscriber> = self
            .subscribers
            .values()
            .map(|r| &r.value)
            .filter(|s| self.matches_query(s, query))
            .collect();
        matching.sort_by_key(|s| (s.created_at, s.id));
        let size = query.page_size.clamp(1, 100) as usize;
        let skip = (query.page.max(1) as usize - 1).saturating_mul(size);
        Page {
            total: matching.len() as u64,
            results: matching
                .into_iter()
                .skip(skip)
                .take(size)
                .cloned()
                .collect(),
        }
    }

    pub(super) fn get_subscription(
        &self,
        provider: ProviderId,
        id: SubscriptionId,
    ) -> Option<Subscription> {
        self.subscriptions
            .get(&id)
            .map(|r| &r.value)
            .filter(|s| s.provider_id == provider)
            .cloned()
    }

    pub(super) fn find_live_subscription_by_key(
        &self,
        provider: ProviderId,
        sandbox: bool,
        key: &str,
    ) -> Option<Subscription> {
        self.subscriptions
            .values()
            .map(|r| &r.value)
            .find(|s| {
                s.provider_id == provider
                    && s.sandbox == sandbox
                    && s.status.is_live()
                    && s.idempotency_key.as_deref() == Some(key)
            })
            .cloned()
    }

    pub(super) fn list_subscriptions_of(
        &self,
        provider: ProviderId,
        subscriber: SubscriberId,
    ) -> Vec<Subscription> {
        let rows = self
            .subscriptions
            .values()
            .filter(|r| {
                r.value.provider_id == provider && r.value.subscriber_id == Some(subscriber)
            })
            .collect();
        oldest_first(rows, |s| s.created_at)
    }

    pub(super) fn get_job(&self, provider: ProviderId, id: JobId) -> Option<Job> {
        self.jobs
            .get(&id)
            .map(|r| &r.value)
            .filter(|j| j.provider_id == provider)
            .cloned()
    }

    pub(super) fn list_jobs_of(
        &self,
        provider: ProviderId,
        subscription: SubscriptionId,
    ) -> Vec<Job> {
        let rows = self
            .jobs
            .values()
            .filter(|r| r.value.provider_id == provider && r.value.subscription_id == subscription)
            .collect();
        oldest_first(rows, |j| j.created_at)
    }
}

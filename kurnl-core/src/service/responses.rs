//! Response bodies, in the documented shapes (and our resolutions of the undocumented ones).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{Job, PlanVersion, Subscriber, Subscription};
use crate::types::{
    BatchId, CustomerType, DeliveryMode, JobId, PlanId, PlanVersionId, SubscriberId,
    SubscriptionId, SubscriptionStatus, UnitId,
};

/// `"Provisioning started"`.
pub const MSG_PROVISIONING_STARTED: &str = "Provisioning started";
/// `"Subscription pending installation."`.
pub const MSG_PENDING_INSTALL: &str = "Subscription pending installation.";

/// Answer of the provisioning calls (checkout, anonymous, CKO-04, confirm-install).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisionResponse {
    /// The port job; absent for home-drop before installation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<JobId>,
    /// The subscription.
    pub subscription_id: SubscriptionId,
    /// The subscriber; absent for anonymous subscriptions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriber_id: Option<SubscriberId>,
    /// `Provisioning started` or `Subscription pending installation.`.
    pub message: String,
}

/// A subscription as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriptionView {
    /// Id.
    pub subscription_id: SubscriptionId,
    /// Subscriber (null for anonymous).
    pub subscriber_id: Option<SubscriberId>,
    /// Plan version.
    pub plan_version_id: PlanVersionId,
    /// Status.
    pub status: SubscriptionStatus,
    /// Delivery mode.
    pub delivery_mode: DeliveryMode,
    /// Location (direct).
    pub location_hash: Option<String>,
    /// Unit (home-drop).
    pub unit_id: Option<UnitId>,
    /// Provider reference.
    pub external_subscription_id: Option<String>,
    /// Bound MAC.
    pub mac_address: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    pub updated_at: DateTime<Utc>,
}

impl From<&Subscription> for SubscriptionView {
    fn from(s: &Subscription) -> Self {
        Self {
            subscription_id: s.id,
            subscriber_id: s.subscriber_id,
            plan_version_id: s.plan_version_id,
            status: s.status,
            delivery_mode: s.delivery_mode,
            location_hash: s.location_hash.as_ref().map(|h| h.as_str().to_owned()),
            unit_id: s.unit_id,
            external_subscription_id: s
                .external_subscription_id
                .as_ref()
                .map(|e| e.as_str().to_owned()),
            mac_address: s.mac.map(|m| m.to_string()),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// Answer of activate / change-plan / suspend / reactivate / cancel (gap G20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecycleResponse {
    /// Subscription.
    pub subscription_id: SubscriptionId,
    /// Status after the call.
    pub status: SubscriptionStatus,
    /// The port job started, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<JobId>,
    /// What happened.
    pub message: String,
}

/// A subscriber as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriberView {
    /// Id.
    pub subscriber_id: SubscriberId,
    /// Email.
    pub email: String,
    /// Display name; `null` when none was given (like every other absent optional field:
    /// only `subscriptions` is left out, on the list reads).
    pub username: Option<String>,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
    /// Phone.
    pub phonenumber: Option<String>,
    /// Street.
    pub street: Option<String>,
    /// House number.
    pub housenumber: Option<String>,
    /// Postal code.
    pub postalcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Province.
    pub province: Option<String>,
    /// Country.
    pub country: String,
    /// Customer type.
    pub customer_type: CustomerType,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    pub updated_at: DateTime<Utc>,
    /// The subscriber's subscriptions (on the single-subscriber read only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriptions: Option<Vec<SubscriptionView>>,
}

impl SubscriberView {
    /// The view without subscriptions.
    pub fn of(s: &Subscriber) -> Self {
        let text = |t: &Option<crate::types::Text>| t.as_ref().map(|t| t.as_str().to_owned());
        Self {
            subscriber_id: s.id,
            email: s.email.as_str().to_owned(),
            username: s.username.as_ref().map(|u| u.as_str().to_owned()),
            firstname: s.firstname.as_str().to_owned(),
            lastname: s.lastname.as_str().to_owned(),
            phonenumber: text(&s.phonenumber),
            street: text(&s.address.street),
            housenumber: text(&s.address.housenumber),
            postalcode: text(&s.address.postalcode),
            city: text(&s.address.city),
            province: text(&s.address.province),
            country: s.address.country.as_str().to_owned(),
            customer_type: s.customer_type,
            created_at: s.created_at,
            updated_at: s.updated_at,
            subscriptions: None,
        }
    }
}

/// Answer of subscriber create: `created` decides 201 or 200.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberCreated {
    /// `true` when new (201), `false` when the email existed (200).
    pub created: bool,
    /// The subscriber.
    pub subscriber: SubscriberView,
}

/// A page of a list (`results`, `total`, `page`, `page_size`, `has_more`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageView<T> {
    /// Items.
    pub results: Vec<T>,
    /// Items in all pages.
    pub total: u64,
    /// This page (1-based).
    pub page: u32,
    /// Page size.
    pub page_size: u32,
    /// More pages follow.
    pub has_more: bool,
}

/// A job as the (non-standard) job endpoint shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobView {
    /// Id.
    pub job_id: JobId,
    /// Subscription.
    pub subscription_id: SubscriptionId,
    /// Action.
    pub action: &'static str,
    /// Status.
    pub status: &'static str,
    /// Attempts so far.
    pub attempts: u32,
    /// Last error, as a provider may read it
    /// ([`provider_facing_error`](crate::ports::provider_facing_error)): no address, host key
    /// or device output. The full text is the job's stored `last_error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    pub updated_at: DateTime<Utc>,
}

impl From<&Job> for JobView {
    fn from(j: &Job) -> Self {
        Self {
            job_id: j.id,
            subscription_id: j.subscription_id,
            action: j.action.as_str(),
            status: j.status.as_str(),
            attempts: j.attempts,
            error: j
                .last_error
                .as_deref()
                .map(|e| crate::ports::provider_facing_error(e).to_owned()),
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }
}

/// An item of `plans/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanVersionView {
    /// The `plan_version_id`.
    pub document_id: PlanVersionId,
    /// Plan.
    pub plan_id: PlanId,
    /// Name.
    pub name: String,
    /// VLAN.
    pub vlan_id: u16,
    /// Download limit.
    pub download_kbps: u32,
    /// Upload limit.
    pub upload_kbps: u32,
    /// Window start.
    pub effective_from: DateTime<Utc>,
    /// Window end.
    pub effective_to: Option<DateTime<Utc>>,
}

impl From<&PlanVersion> for PlanVersionView {
    fn from(v: &PlanVersion) -> Self {
        Self {
            document_id: v.id,
            plan_id: v.plan_id,
            name: v.name.clone(),
            vlan_id: v.vlan.get(),
            download_kbps: v.rate.down.get(),
            upload_kbps: v.rate.up.get(),
            effective_from: v.effective_from,
            effective_to: v.effective_to,
        }
    }
}

/// Answer of bulk submit (202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchAccepted {
    /// Batch id.
    pub batch_id: BatchId,
    /// Entries.
    pub total: u32,
    /// `"Batch queued"`.
    pub message: String,
}

/// One entry of a batch poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchResultView {
    /// Email as submitted.
    pub email: String,
    /// `pending`, `completed` or `failed`.
    pub status: &'static str,
    /// Subscription, once created.
    pub subscription_id: Option<SubscriptionId>,
    /// Subscriber, once created.
    pub subscriber_id: Option<SubscriberId>,
    /// Job, once queued.
    pub job_id: Option<JobId>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Answer of bulk poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchStatusView {
    /// Batch id.
    pub batch_id: BatchId,
    /// `in_progress`, `completed` or `completed_with_errors`.
    pub status: &'static str,
    /// Entries.
    pub total: u32,
    /// Entries completed.
    pub completed: u32,
    /// Entries failed.
    pub failed: u32,
    /// Per entry, in submission order.
    pub results: Vec<BatchResultView>,
}

/// One event and its delivery state (non-standard extension).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryView {
    /// The event's id: the `event_id` of the envelope and the `webhook-id` header, the same
    /// on every attempt and replay.
    pub event_id: crate::types::EventId,
    /// The event name.
    pub event: &'static str,
    /// The subscription it is about.
    pub subscription_id: SubscriptionId,
    /// Position among the subscription's events.
    pub sequence: i64,
    /// `pending`, `delivered` or `failed`.
    pub status: crate::model::DeliveryStatus,
    /// Attempts since creation or the last replay.
    pub attempts: u32,
    /// When the event happened.
    pub created_at: DateTime<Utc>,
    /// The next attempt is not before this time (`null` unless `pending`).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The latest attempt, `null` before the first.
    pub last_attempt: Option<AttemptView>,
}

impl DeliveryView {
    /// The view of a stored delivery.
    pub fn of(d: &crate::ports::DeliverySummary) -> Self {
        let e = &d.event;
        Self {
            event_id: e.id,
            event: e.data.name(),
            subscription_id: e.data.subscription_id(),
            sequence: e.sequence,
            status: e.status,
            attempts: e.attempts,
            created_at: e.created_at,
            next_attempt_at: (e.status == crate::model::DeliveryStatus::Pending)
                .then_some(e.next_attempt_at),
            last_attempt: d.last_attempt.as_ref().map(AttemptView::of),
        }
    }
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptView {
    /// 1-based, since creation or the last replay.
    pub attempt: u32,
    /// When it started.
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, `null` when no response came.
    pub status_code: Option<u16>,
    /// How long it took.
    pub latency_ms: u64,
    /// Why it did not succeed, `null` when it did.
    pub error: Option<String>,
}

impl AttemptView {
    fn of(a: &crate::model::DeliveryAttempt) -> Self {
        Self {
            attempt: a.attempt,
            at: a.at,
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            error: a.error.clone(),
        }
    }
}

/// A page of deliveries, paginated like the subscriber list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryPage {
    /// Deliveries, oldest first.
    pub results: Vec<DeliveryView>,
    /// Matching deliveries in all pages.
    pub total: u64,
    /// This page (1-based).
    pub page: u32,
    /// Page size.
    pub page_size: u32,
    /// More pages follow.
    pub has_more: bool,
    /// Set when the endpoint answered `410 Gone` and kurnl stopped sending to it; a replay
    /// re-enables it.
    pub endpoint_disabled: Option<DisabledEndpointView>,
}

/// An endpoint disabled by `410 Gone`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisabledEndpointView {
    /// The URL that answered 410.
    pub url: String,
    /// When.
    pub disabled_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

impl DisabledEndpointView {
    /// The view of a stored record.
    pub fn of(d: &crate::ports::DisabledEndpoint) -> Self {
        Self {
            url: d.url.clone(),
            disabled_at: d.disabled_at,
            reason: d.reason.clone(),
        }
    }
}

/// Answer of a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReplayView {
    /// Deliveries queued again.
    pub queued: u64,
    /// Whether the replay re-enabled an endpoint that a `410 Gone` had disabled.
    pub endpoint_reenabled: bool,
}

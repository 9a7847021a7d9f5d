//! OpenAPI schemas of the webhook delivery extensions (what the handlers in
//! `handlers/webhooks.rs` accept and answer), mirrors of the `kurnl-core` wire types like
//! those in `schema.rs`.

#![allow(dead_code)] // only read by the OpenAPI derive

use chrono::{DateTime, Utc};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Delivery state of an event.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub(crate) enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

/// Query of the delivery list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeliveryListParams {
    /// 1-based page (default 1).
    #[param(minimum = 1, maximum = 4294967295_u64)]
    page: Option<u32>,
    /// 1..=100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<u32>,
    /// `pending`, `delivered` or `failed`, in any case.
    #[param(
        pattern = r"^([Pp][Ee][Nn][Dd][Ii][Nn][Gg]|[Dd][Ee][Ll][Ii][Vv][Ee][Rr][Ee][Dd]|[Ff][Aa][Ii][Ll][Ee][Dd])$"
    )]
    status: Option<String>,
    /// An event name; `port.drift_detected` is a kurnl extension.
    #[param(
        pattern = r"^(subscription\.activated|subscription\.pending_install|subscription\.cancelled|provisioning\.completed|provisioning\.failed|port\.drift_detected)$"
    )]
    event: Option<String>,
    /// Events created at or after this time (RFC 3339).
    #[param(
        pattern = r"^([0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
    )]
    since: Option<DateTime<Utc>>,
    /// Events created before this time (RFC 3339).
    #[param(
        pattern = r"^([0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
    )]
    until: Option<DateTime<Utc>>,
}

/// One delivery attempt.
#[derive(ToSchema)]
pub(crate) struct AttemptView {
    /// 1-based, since creation or the last replay.
    attempt: u32,
    at: DateTime<Utc>,
    /// The receiver's status; `null` when no response came.
    status_code: Option<u16>,
    latency_ms: u64,
    /// `null` when the attempt succeeded.
    error: Option<String>,
}

/// An event and its delivery state.
#[derive(ToSchema)]
pub(crate) struct DeliveryView {
    /// The envelope's `event_id` and the `webhook-id` header; unchanged by replays.
    event_id: Uuid,
    /// The event name, e.g. `provisioning.completed`; `port.drift_detected` (the drift
    /// audit, a kurnl extension) is listed and replayed like the others.
    event: String,
    subscription_id: Uuid,
    /// Position among the subscription's events (1, 2, ...).
    sequence: i64,
    status: DeliveryStatus,
    /// Attempts since creation or the last replay.
    attempts: u32,
    created_at: DateTime<Utc>,
    /// `null` unless `pending`.
    next_attempt_at: Option<DateTime<Utc>>,
    last_attempt: Option<AttemptView>,
}

/// An endpoint kurnl stopped sending to after it answered `410 Gone`.
#[derive(ToSchema)]
pub(crate) struct DisabledEndpointView {
    url: String,
    disabled_at: DateTime<Utc>,
    reason: String,
}

/// A page of deliveries.
#[derive(ToSchema)]
pub(crate) struct DeliveryPage {
    results: Vec<DeliveryView>,
    total: u64,
    page: u32,
    page_size: u32,
    has_more: bool,
    /// Set while the endpoint is disabled; a replay re-enables it.
    endpoint_disabled: Option<DisabledEndpointView>,
}

/// Which deliveries to replay. `since` and `until` carry the pattern of the date-times the
/// server accepts (`kurnl_core` `service::deliveries::parse_time`), calendar included, so that
/// a schema-valid time is never refused.
#[derive(ToSchema)]
pub(crate) struct ReplayRequest {
    /// Replay events created at or after this time.
    #[schema(
        pattern = r"^([0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
    )]
    since: DateTime<Utc>,
    /// Only events created before this time.
    #[schema(
        pattern = r"^([0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
    )]
    until: Option<DateTime<Utc>>,
    /// Only events in this state; all by default.
    status: Option<DeliveryStatus>,
    /// Only events of this name; `port.drift_detected` is a kurnl extension.
    #[schema(
        pattern = r"^(subscription\.activated|subscription\.pending_install|subscription\.cancelled|provisioning\.completed|provisioning\.failed|port\.drift_detected)$"
    )]
    event: Option<String>,
}

/// What a replay did.
#[derive(ToSchema)]
pub(crate) struct ReplayView {
    /// Deliveries queued again.
    queued: u64,
    /// Whether an endpoint disabled by `410 Gone` was re-enabled.
    endpoint_reenabled: bool,
}

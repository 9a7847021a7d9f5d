//! The event sink port: where outbox events are delivered.

use async_trait::async_trait;

use crate::model::{Event, Provider};

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkOutcome {
    /// The receiver acknowledged (HTTP 2xx), or there is nowhere to deliver to.
    Acknowledged,
    /// Try again later (network error, timeout, 5xx, 429), after at least `retry_after` if set.
    Retryable {
        /// Receiver-requested delay (`Retry-After`).
        retry_after: Option<std::time::Duration>,
    },
    /// Will not succeed by retrying (4xx, redirect).
    Rejected,
    /// The receiver answered `410 Gone`: per Standard Webhooks it asks the sender to stop.
    /// The event fails and the dispatcher disables the endpoint
    /// ([`Store::disable_endpoint`](crate::ports::Store::disable_endpoint)); later events for
    /// that URL are recorded as failed without being sent, until it is re-enabled.
    Gone,
}

/// Report of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkReport {
    /// How it ended.
    pub outcome: SinkOutcome,
    /// HTTP status, when a response came.
    pub status_code: Option<u16>,
    /// Error text when not acknowledged.
    pub error: Option<String>,
}

impl SinkReport {
    /// An acknowledged attempt with this status.
    pub fn acknowledged(status_code: Option<u16>) -> Self {
        Self {
            outcome: SinkOutcome::Acknowledged,
            status_code,
            error: None,
        }
    }
}

/// Delivers one event to its provider.
///
/// # Contract
/// Makes one attempt and reports it; never retries itself (the outbox dispatcher owns the
/// schedule and persists every attempt). The same event may be delivered more than once, so
/// receivers deduplicate by event id.
///
/// # Errors
/// None are returned: failures are reported as [`SinkOutcome::Retryable`] or
/// [`SinkOutcome::Rejected`] with an `error` text, which is logged as the attempt.
///
/// # Implementing
/// Build the body with [`Event::envelope`], sign it with the provider's secret for the event's
/// environment ([`Provider::endpoint`]), and classify the response. See `kurnl-webhook` for
/// the HTTP implementation and [`crate::testkit::RecordingEventSink`] for a test double.
/// Override [`EventSink::ping`] when the sink can reach the provider without an event.
#[cfg_attr(feature = "testkit", mockall::automock)]
#[async_trait]
pub trait EventSink: Send + Sync + std::fmt::Debug + 'static {
    /// Attempts delivery.
    async fn deliver(&self, event: &Event, provider: &Provider) -> SinkReport;

    /// Sends the test ping of gap G23 to the provider's webhook URL of one environment, once,
    /// now (not through the outbox: nothing is stored or retried): `{"event": "ping",
    /// "provider_document_id": ..., "timestamp": ...}`, signed like events. Receivers ignore
    /// unknown events, so any 2xx acknowledges; the report is classified as for events, and a
    /// provider without a URL for the environment is acknowledged with an error note.
    ///
    /// The default implementation sends nothing and reports `Rejected` with the error
    /// `"this event sink sends no test ping"`.
    async fn ping(&self, provider: &Provider, sandbox: bool) -> SinkReport {
        let _ = (provider, sandbox);
        SinkReport {
            outcome: SinkOutcome::Rejected,
            status_code: None,
            error: Some(NO_PING_NOTE.into()),
        }
    }
}

/// Error text of [`EventSink::ping`]'s default implementation.
pub const NO_PING_NOTE: &str = "this event sink sends no test ping";

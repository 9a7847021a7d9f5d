//! Test doubles: a manual clock, sequential ids and a recording event sink.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::model::{Event, Provider};
use crate::ports::{Clock, EventSink, IdGenerator, SinkOutcome, SinkReport};
use crate::types::ProviderId;

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock at `start`.
    pub fn at(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// A clock at 2026-01-01T00:00:00Z.
    pub fn new() -> Self {
        Self::at(
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
        )
    }

    /// Moves forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }

    /// Jumps to a time (must not go backwards).
    pub fn set(&self, to: DateTime<Utc>) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        if to > *now {
            *now = to;
        }
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Ids `00000000-0000-0000-0000-000000000001`, `...2`, ... (readable in test failures).
#[derive(Debug, Default)]
pub struct SequentialIds {
    next: AtomicU64,
}

impl IdGenerator for SequentialIds {
    fn new_uuid(&self) -> uuid::Uuid {
        uuid::Uuid::from_u128(u128::from(self.next.fetch_add(1, Ordering::Relaxed) + 1))
    }
}

/// An [`EventSink`] that records every delivered event and test ping, and answers as
/// scripted (pings and deliveries take the scripted outcomes in turn).
#[derive(Debug, Default)]
pub struct RecordingEventSink {
    delivered: Mutex<Vec<Event>>,
    pings: Mutex<Vec<(ProviderId, bool)>>,
    script: Mutex<Vec<SinkOutcome>>,
}

impl RecordingEventSink {
    /// A sink that acknowledges everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next attempts answer these outcomes in order, then acknowledge again.
    pub fn script(&self, outcomes: impl IntoIterator<Item = SinkOutcome>) {
        let mut script = self.script.lock().unwrap_or_else(|e| e.into_inner());
        script.extend(outcomes);
    }

    /// Drops the scripted outcomes not used yet (the receiver is back: acknowledge from now
    /// on); how many were dropped.
    pub fn clear_script(&self) -> usize {
        let mut script = self.script.lock().unwrap_or_else(|e| e.into_inner());
        let dropped = script.len();
        script.clear();
        dropped
    }

    /// Events acknowledged so far, in delivery order.
    pub fn events(&self) -> Vec<Event> {
        self.delivered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Names of the events acknowledged so far.
    pub fn names(&self) -> Vec<&'static str> {
        self.events().iter().map(|e| e.data.name()).collect()
    }

    /// Test pings acknowledged so far: provider and environment (`true` for sandbox).
    pub fn pings(&self) -> Vec<(ProviderId, bool)> {
        self.pings.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn next_outcome(&self) -> SinkOutcome {
        let mut script = self.script.lock().unwrap_or_else(|e| e.into_inner());
        if script.is_empty() {
            SinkOutcome::Acknowledged
        } else {
            script.remove(0)
        }
    }
}

/// The report a scripted outcome stands for.
fn scripted_report(outcome: SinkOutcome) -> SinkReport {
    match outcome {
        SinkOutcome::Acknowledged => SinkReport::acknowledged(Some(200)),
        SinkOutcome::Retryable { retry_after } => SinkReport {
            outcome: SinkOutcome::Retryable { retry_after },
            status_code: Some(503),
            error: Some("scripted: 503".into()),
        },
        SinkOutcome::Rejected => SinkReport {
            outcome: SinkOutcome::Rejected,
            status_code: Some(400),
            error: Some("scripted: 400".into()),
        },
        SinkOutcome::Gone => SinkReport {
            outcome: SinkOutcome::Gone,
            status_code: Some(410),
            error: Some("scripted: 410".into()),
        },
    }
}

#[async_trait]
impl EventSink for RecordingEventSink {
    async fn deliver(&self, event: &Event, _provider: &Provider) -> SinkReport {
        let outcome = self.next_outcome();
        if outcome == SinkOutcome::Acknowledged {
            self.delivered
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(event.clone());
        }
        scripted_report(outcome)
    }

    async fn ping(&self, provider: &Provider, sandbox: bool) -> SinkReport {
        let outcome = self.next_outcome();
        if outcome == SinkOutcome::Acknowledged {
            self.pings
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((provider.id, sandbox));
        }
        scripted_report(outcome)
    }
}

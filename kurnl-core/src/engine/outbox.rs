//! The outbox dispatcher: delivers stored events through an [`EventSink`] on a retry schedule,
//! recording every attempt in the store.
//!
//! Delivery is at least once and durable: the store holds each event's state, attempt count and
//! next-attempt time, events are leased while being delivered (a crashed process's leases expire
//! and another dispatcher picks the events up), and a new dispatcher on the same store simply
//! carries on where the last one stopped.
//!
//! ```
//! use std::time::Duration;
//! use kurnl_core::engine::DeliveryPolicy;
//!
//! // kurnl's documented policy (gap G8): 3 attempts, 2 s then 8 s, 15 s per attempt.
//! let policy = DeliveryPolicy::kurnl_default().without_jitter();
//! assert_eq!(policy.schedule.max_attempts(), 3);
//! assert_eq!(policy.schedule.delay_after(1), Some(Duration::from_secs(2)));
//! assert_eq!(policy.schedule.delay_after(2), Some(Duration::from_secs(8)));
//! assert_eq!(policy.schedule.delay_after(3), None);
//!
//! // The Standard Webhooks schedule: 8 attempts over about 28 hours.
//! let long = DeliveryPolicy::standard_webhooks();
//! assert_eq!(long.schedule.max_attempts(), 8);
//! ```

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use rand::Rng;
use tracing::Instrument;

use super::Backoff;
use super::work_signal::WorkSignal;
use crate::metrics::record_delivery;
use crate::model::{DeliveryAttempt, DeliveryStatus, Event, Provider};
use crate::ports::{
    Clock, DeliveryNext, DeliveryRecord, DisabledEndpoint, EventClaim, EventQuery, EventSink,
    EventWithAttempts, SinkOutcome, SinkReport, Store, StoreError, default_lease,
};
use crate::types::{EventId, ProviderId};

/// When to try again after a failed attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// Exponential back-off with a ceiling and jitter ([`Backoff`]).
    Exponential(Backoff),
    /// An explicit list of delays: `delays[n - 1]` is the wait after the `n`-th failed attempt,
    /// so there are `delays.len() + 1` attempts in total. Each delay is spread by `± jitter`
    /// (a fraction, 0..=1).
    Fixed {
        /// Waits between attempts.
        delays: Vec<Duration>,
        /// Random spread as a fraction of each delay (0.0 = none).
        jitter: f64,
    },
}

impl Schedule {
    /// Attempts in total, the first included.
    pub fn max_attempts(&self) -> u32 {
        match self {
            Self::Exponential(b) => b.max_attempts,
            Self::Fixed { delays, .. } => u32::try_from(delays.len())
                .unwrap_or(u32::MAX)
                .saturating_add(1),
        }
    }

    /// Wait after `failed_attempts` failures, without jitter; `None` when no attempt is left.
    pub fn delay_after(&self, failed_attempts: u32) -> Option<Duration> {
        match self {
            Self::Exponential(b) => b.base_delay(failed_attempts),
            Self::Fixed { delays, .. } => {
                let index = usize::try_from(failed_attempts.checked_sub(1)?).ok()?;
                delays.get(index).copied()
            }
        }
    }

    /// Wait after `failed_attempts` failures with jitter applied; `None` when no attempt is left.
    pub fn jittered_delay_after(&self, failed_attempts: u32) -> Option<Duration> {
        match self {
            Self::Exponential(b) => b.delay(failed_attempts),
            Self::Fixed { jitter, .. } => {
                let base = self.delay_after(failed_attempts)?;
                Some(spread(base, *jitter))
            }
        }
    }

    /// The same schedule without random spread (for tests and reproducible runs).
    pub fn without_jitter(self) -> Self {
        match self {
            Self::Exponential(b) => Self::Exponential(Backoff { jitter: 0.0, ..b }),
            Self::Fixed { delays, .. } => Self::Fixed {
                delays,
                jitter: 0.0,
            },
        }
    }

    /// Sum of all waits without jitter: how long an event is retried before it fails.
    pub fn total_span(&self) -> Duration {
        (1..self.max_attempts())
            .filter_map(|n| self.delay_after(n))
            .sum()
    }
}

fn spread(base: Duration, jitter: f64) -> Duration {
    if jitter <= 0.0 || base.is_zero() {
        return base;
    }
    let jitter = jitter.min(1.0);
    let factor = 1.0 + rand::thread_rng().gen_range(-jitter..=jitter);
    Duration::from_secs_f64((base.as_secs_f64() * factor).max(0.0))
}

/// How outbox events are retried: the schedule between attempts and the time one attempt may
/// take.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryPolicy {
    /// Waits between attempts, and how many attempts there are.
    pub schedule: Schedule,
    /// Upper bound on one attempt; the dispatcher counts a slower attempt as a retryable
    /// failure. Sinks should use the same timeout for their own I/O.
    pub timeout: Duration,
}

impl DeliveryPolicy {
    /// Spread applied to the presets' delays (±10 %), so that a receiver coming back from an
    /// outage is not hit by every retry at the same instant.
    pub const DEFAULT_JITTER: f64 = 0.1;

    /// kurnl's documented policy, as resolved in gap G8: 3 attempts in total, waiting 2 s after
    /// the first failure and `min(2 s × 4^(n-1), 30 s)` after the n-th (so 2 s, then 8 s),
    /// 15 s per attempt, ±10 % jitter.
    pub fn kurnl_default() -> Self {
        Self {
            schedule: Schedule::Exponential(Backoff {
                max_attempts: 3,
                initial: Duration::from_secs(2),
                factor: 4.0,
                max: Duration::from_secs(30),
                jitter: Self::DEFAULT_JITTER,
            }),
            timeout: Duration::from_secs(15),
        }
    }

    /// The Standard Webhooks schedule: an attempt immediately, then after 5 s, 5 min, 30 min,
    /// 2 h, 5 h, 10 h and 10 h (8 attempts over about 28 hours), 15 s per attempt, ±10 % jitter.
    pub fn standard_webhooks() -> Self {
        const MIN: u64 = 60;
        const HOUR: u64 = 3600;
        let delays = [
            5,
            5 * MIN,
            30 * MIN,
            2 * HOUR,
            5 * HOUR,
            10 * HOUR,
            10 * HOUR,
        ]
        .map(Duration::from_secs)
        .to_vec();
        Self {
            schedule: Schedule::Fixed {
                delays,
                jitter: Self::DEFAULT_JITTER,
            },
            timeout: Duration::from_secs(15),
        }
    }

    /// The names [`DeliveryPolicy::named`] knows: `standard-webhooks` (the default) and
    /// `kurnl` (the documented 3 attempts).
    pub const NAMES: [&'static str; 2] = ["standard-webhooks", "kurnl"];

    /// A preset by name: `standard-webhooks` ([`DeliveryPolicy::standard_webhooks`], the
    /// default) or `kurnl` ([`DeliveryPolicy::kurnl_default`], kurnl's documented 3-attempt
    /// policy); `None` for any other name.
    ///
    /// ```
    /// use kurnl_core::engine::DeliveryPolicy;
    /// assert_eq!(DeliveryPolicy::named("kurnl"), Some(DeliveryPolicy::kurnl_default()));
    /// assert_eq!("standard-webhooks".parse(), Ok(DeliveryPolicy::default()));
    /// assert!(DeliveryPolicy::named("forever").is_none());
    /// ```
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "standard-webhooks" => Some(Self::standard_webhooks()),
            "kurnl" => Some(Self::kurnl_default()),
            _ => None,
        }
    }

    /// The same policy without random spread.
    pub fn without_jitter(self) -> Self {
        Self {
            schedule: self.schedule.without_jitter(),
            ..self
        }
    }

    /// The same policy with another per-attempt timeout.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout, ..self }
    }

    /// What to do after attempt number `attempt` (1-based) ended with `report`, at `now`.
    ///
    /// Acknowledged events are delivered; rejected ones (and `410 Gone`) fail at once;
    /// retryable ones are tried
    /// again after the schedule's delay or the receiver's `Retry-After`, whichever is longer,
    /// and fail when no attempt is left.
    pub fn next_step(&self, attempt: u32, report: &SinkReport, now: DateTime<Utc>) -> DeliveryNext {
        match &report.outcome {
            SinkOutcome::Acknowledged => DeliveryNext::Delivered,
            SinkOutcome::Rejected | SinkOutcome::Gone => DeliveryNext::Failed,
            SinkOutcome::Retryable { retry_after } => {
                match self.schedule.jittered_delay_after(attempt) {
                    None => DeliveryNext::Failed,
                    Some(delay) => {
                        let wait = retry_after.map_or(delay, |ra| ra.max(delay));
                        let wait =
                            chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                        DeliveryNext::RetryAt(
                            now.checked_add_signed(wait)
                                .unwrap_or(DateTime::<Utc>::MAX_UTC),
                        )
                    }
                }
            }
        }
    }
}

/// The default is [`DeliveryPolicy::standard_webhooks`]: at-least-once across outages of
/// hours. kurnl's documented 3-attempt policy is [`DeliveryPolicy::kurnl_default`] (named
/// `kurnl`).
impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self::standard_webhooks()
    }
}

impl std::str::FromStr for DeliveryPolicy {
    type Err = UnknownPolicy;

    /// [`DeliveryPolicy::named`].
    fn from_str(name: &str) -> Result<Self, UnknownPolicy> {
        Self::named(name).ok_or_else(|| UnknownPolicy(name.to_owned()))
    }
}

/// A delivery policy name that is not one of [`DeliveryPolicy::NAMES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown delivery policy {0:?}: expected one of standard-webhooks, kurnl")]
pub struct UnknownPolicy(pub String);

/// Tuning of an [`OutboxDispatcher`].
#[derive(Debug, Clone, PartialEq)]
pub struct DispatcherConfig {
    /// Events claimed per round.
    pub batch_size: u32,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// The [`OutboxDispatcher::run`] loop claims again at once only after a full claim
    /// (more may be due); after a short one it waits this long, however soon deliveries
    /// finish. It bounds how long a new event waits for its first attempt. 100 ms by default.
    pub poll_interval: Duration,
    /// How long a claimed event stays leased, so that no other dispatcher attempts it at the
    /// same time. Raised when shorter than `timeout × (⌈batch_size / concurrency⌉ + 1)`.
    pub lease: chrono::Duration,
}

impl Default for DispatcherConfig {
    fn default() -> Self {
        Self {
            batch_size: 100,
            concurrency: 32,
            poll_interval: Duration::from_millis(100),
            lease: default_lease(),
        }
    }
}

/// Delivers the outbox: claims due events, hands each to the [`EventSink`] and records the
/// attempt and the event's next state in the [`Store`].
///
/// Several dispatchers (threads or processes) may share one store: claims are leased, so an
/// event is attempted by one dispatcher at a time, and an attempt cut short by a crash is made
/// again once its lease expires (at-least-once delivery: receivers deduplicate on the event
/// id, the `webhook-id` header).
///
/// ```no_run
/// # async fn demo(
/// #     store: std::sync::Arc<dyn kurnl_core::ports::Store>,
/// #     sink: std::sync::Arc<dyn kurnl_core::ports::EventSink>,
/// # ) {
/// use std::sync::Arc;
/// use kurnl_core::engine::{DeliveryPolicy, OutboxDispatcher};
/// use kurnl_core::ports::SystemClock;
///
/// let dispatcher = OutboxDispatcher::new(store, sink, Arc::new(SystemClock), DeliveryPolicy::kurnl_default());
/// let (stop, stopped) = tokio::sync::watch::channel(false);
/// let task = tokio::spawn(dispatcher.run(stopped));
/// // ... later
/// let _ = stop.send(true);
/// let _ = task.await;
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct OutboxDispatcher {
    store: Arc<dyn Store>,
    sink: Arc<dyn EventSink>,
    clock: Arc<dyn Clock>,
    policy: DeliveryPolicy,
    config: DispatcherConfig,
    signal: WorkSignal,
}

/// Shortest time between two claims that a [`WorkSignal`] can cause: under load the signal is
/// raised for every commit, and claiming for each would cost a store write per event.
const SIGNALLED_CLAIM_GAP: Duration = Duration::from_millis(5);

impl OutboxDispatcher {
    /// A dispatcher with the default [`DispatcherConfig`].
    pub fn new(
        store: Arc<dyn Store>,
        sink: Arc<dyn EventSink>,
        clock: Arc<dyn Clock>,
        policy: DeliveryPolicy,
    ) -> Self {
        Self {
            store,
            sink,
            clock,
            policy,
            config: DispatcherConfig::default(),
            signal: WorkSignal::default(),
        }
    }

    /// Claims as soon as the service or an engine of this process commits events, instead of
    /// at the next `poll_interval` (at most one claim per 5 ms from signals; see
    /// [`WorkSignal`]).
    pub fn with_work_signal(mut self, signal: WorkSignal) -> Self {
        self.signal = signal;
        self
    }

    /// Replaces the tuning.
    pub fn with_config(mut self, config: DispatcherConfig) -> Self {
        self.config = config;
        self
    }

    /// The retry policy.
    pub fn policy(&self) -> &DeliveryPolicy {
        &self.policy
    }

    /// The tuning.
    pub fn config(&self) -> &DispatcherConfig {
        &self.config
    }

    /// The lease for a claim: the configured one, but at least long enough for every claimed
    /// event to be attempted under it (`timeout × (⌈batch / concurrency⌉ + 1)`), so that no
    /// other dispatcher takes an event over while it still waits for a slot.
    fn lease(&self) -> chrono::Duration {
        let concurrency = u32::try_from(self.config.concurrency.max(1)).unwrap_or(u32::MAX);
        let waves = self
            .config
            .batch_size
            .max(1)
            .div_ceil(concurrency)
            .saturating_add(1);
        let floor = chrono::Duration::from_std(self.policy.timeout.saturating_mul(waves))
            .unwrap_or(chrono::Duration::MAX);
        self.config.lease.max(floor)
    }

    async fn claim(&self, limit: u32) -> Result<Vec<Event>, StoreError> {
        let claim = EventClaim {
            now: self.clock.now(),
            lease: self.lease(),
            limit,
        };
        self.store.claim_events(&claim).await
    }

    /// One round: claims up to `batch_size` due events, attempts each once (up to
    /// `concurrency` at a time) and records the attempts. Returns how many events were
    /// attempted.
    ///
    /// # Errors
    /// Only a failure to claim is returned. A failure to look up a provider or to record an
    /// attempt is logged; the event's lease then expires and it is attempted again, so nothing
    /// is lost.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let events = self.claim(self.config.batch_size.max(1)).await?;
        if events.is_empty() {
            return Ok(0);
        }
        let targets = Arc::new(self.load_targets(&events).await);
        let count = events.len();
        futures::stream::iter(events)
            .map(|event| {
                // The delivery's logs carry the event, its subscription and its provider.
                let span = tracing::info_span!(
                    "delivery",
                    event_id = %event.id,
                    event = event.data.name(),
                    subscription_id = %event.data.subscription_id(),
                    provider_id = %event.provider_id,
                );
                self.attempt(event, Arc::clone(&targets)).instrument(span)
            })
            .buffer_unordered(self.config.concurrency.max(1))
            .for_each(|()| async {})
            .await;
        Ok(count)
    }

    /// Looks each distinct provider up once, and the disabled endpoints. `None` for a missing
    /// provider; a lookup error leaves the provider out of the map (its events are skipped
    /// this round and retried after their lease).
    async fn load_targets(&self, events: &[Event]) -> Targets {
        let mut targets = Targets::default();
        if events.is_empty() {
            return targets;
        }
        for event in events {
            if targets.providers.contains_key(&event.provider_id) {
                continue;
            }
            match self.store.get_provider(event.provider_id).await {
                Ok(found) => {
                    targets
                        .providers
                        .insert(event.provider_id, found.map(Arc::new));
                }
                Err(error) => {
                    tracing::warn!(provider = %event.provider_id, %error, "outbox: provider lookup failed; retrying after the lease");
                }
            }
        }
        match self.store.list_disabled_endpoints().await {
            Ok(all) => {
                targets.disabled = all
                    .into_iter()
                    .map(|d| ((d.provider_id, d.sandbox), d))
                    .collect();
            }
            Err(error) => {
                // Deliver anyway: a receiver that is still gone answers 410 again.
                tracing::warn!(%error, "outbox: reading disabled endpoints failed");
            }
        }
        targets
    }

    async fn attempt(&self, event: Event, targets: Arc<Targets>) {
        let provider = targets.providers.get(&event.provider_id).cloned();
        let Some(lease) = event.lease else {
            tracing::warn!(event = %event.id, "outbox: claimed event carries no lease; skipped");
            return;
        };
        let Some(provider) = provider else {
            // Lookup failed: leave the event leased; it comes back when the lease expires.
            return;
        };
        let attempt = event.attempts.saturating_add(1);
        let at = self.clock.now();
        let started = Instant::now();
        let report = match &provider {
            None => SinkReport {
                outcome: SinkOutcome::Rejected,
                status_code: None,
                error: Some("provider not found".into()),
            },
            Some(provider) => match targets.disabled_for(provider, event.sandbox) {
                Some(disabled) => SinkReport {
                    outcome: SinkOutcome::Rejected,
                    status_code: None,
                    error: Some(format!(
                        "not sent: the endpoint answered 410 Gone at {} and is disabled; a replay re-enables it",
                        disabled.disabled_at.to_rfc3339()
                    )),
                },
                None => self.deliver(&event, provider).await,
            },
        };
        if report.outcome == SinkOutcome::Gone
            && let Some(provider) = &provider
        {
            self.disable(&event, provider, at).await;
        }
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let next = self.policy.next_step(attempt, &report, self.clock.now());
        match next {
            DeliveryNext::Delivered => {
                tracing::debug!(event = %event.id, attempt, status = ?report.status_code, latency_ms, "outbox: delivered");
            }
            DeliveryNext::RetryAt(when) => tracing::info!(
                event = %event.id, attempt, status = ?report.status_code, latency_ms, error = ?report.error,
                retry_at = %when, "outbox: attempt failed; will retry"
            ),
            DeliveryNext::Failed => tracing::warn!(
                event = %event.id, attempt, status = ?report.status_code, latency_ms, error = ?report.error,
                "outbox: delivery failed; replayable"
            ),
        }
        let record = DeliveryRecord {
            lease,
            attempt: DeliveryAttempt {
                event_id: event.id,
                attempt,
                at,
                status_code: report.status_code,
                latency_ms,
                error: report.error,
            },
            next,
        };
        match self.store.record_delivery(event.id, &record).await {
            Ok(()) => {
                let (outcome, since_created) = match next {
                    DeliveryNext::Delivered => (
                        "delivered",
                        (self.clock.now() - event.created_at).to_std().ok(),
                    ),
                    DeliveryNext::RetryAt(_) => ("retry", None),
                    DeliveryNext::Failed => ("failed", None),
                };
                record_delivery(outcome, Duration::from_millis(latency_ms), since_created);
                if !matches!(next, DeliveryNext::RetryAt(_)) {
                    // The subscription's next event (if any) may be claimed now.
                    self.signal.events_committed();
                }
            }
            Err(StoreError::LeaseLost) => {
                tracing::warn!(event = %event.id, attempt, "outbox: lease lost before the attempt was recorded");
            }
            Err(error) => {
                tracing::warn!(event = %event.id, attempt, %error, "outbox: recording the attempt failed; retrying after the lease");
            }
        }
    }

    async fn deliver(&self, event: &Event, provider: &Provider) -> SinkReport {
        match tokio::time::timeout(self.policy.timeout, self.sink.deliver(event, provider)).await {
            Ok(report) => report,
            Err(_) => SinkReport {
                outcome: SinkOutcome::Retryable { retry_after: None },
                status_code: None,
                error: Some(format!(
                    "timed out after {} ms",
                    self.policy.timeout.as_millis()
                )),
            },
        }
    }

    /// Records that the provider's endpoint for the event's environment answered 410.
    async fn disable(&self, event: &Event, provider: &Provider, at: DateTime<Utc>) {
        let Some(url) = provider.endpoint(event.sandbox).url.clone() else {
            return;
        };
        let endpoint = DisabledEndpoint {
            provider_id: provider.id,
            sandbox: event.sandbox,
            url,
            disabled_at: at,
            reason: format!("http 410 Gone on event {}", event.id),
        };
        tracing::warn!(
            provider = %provider.id, sandbox = event.sandbox, event = %event.id,
            "outbox: the endpoint answered 410 Gone; disabled until re-enabled or replayed"
        );
        if let Err(error) = self.store.disable_endpoint(&endpoint).await {
            tracing::warn!(provider = %provider.id, %error, "outbox: recording the disabled endpoint failed");
        }
    }

    /// Delivers continuously until `shutdown` turns `true` (or its sender is dropped).
    ///
    /// Unlike repeated [`OutboxDispatcher::run_once`] rounds, the loop does not wait for a
    /// whole batch: it claims up to `batch_size` events, keeps up to `concurrency` attempts in
    /// flight (each its own task) and starts the next claimed event as soon as a slot frees
    /// up, so one slow receiver does not hold back the others' deliveries. When nothing is due
    /// it polls every `poll_interval`; so does it while deliveries are running and the last
    /// claim came back short.
    ///
    /// On shutdown it starts nothing more and finishes (and records) the attempts in flight
    /// before returning; events claimed but not started yet are retried, by this or another
    /// dispatcher, once their lease expires.
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let this = Arc::new(self);
        let slots = this.config.concurrency.max(1);
        let batch = this.config.batch_size.max(1);
        let mut queue: VecDeque<(Event, Arc<Targets>)> = VecDeque::new();
        // Attempts run as tasks: they make progress (and release store connections) while
        // this loop is busy claiming, which a single-writer store such as SQLite needs.
        let mut in_flight = tokio::task::JoinSet::new();
        // A claim that came back short means nothing more is due: the next claim waits for
        // `poll_interval` even when deliveries finish sooner, so that a trickle of events does
        // not cost a store write per delivery.
        let mut next_claim = tokio::time::Instant::now();
        let mut last_claim = next_claim;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let mut more_due = false;
            if queue.is_empty() && tokio::time::Instant::now() >= next_claim {
                last_claim = tokio::time::Instant::now();
                match this.claim(batch).await {
                    Ok(events) => {
                        more_due = events.len() >= batch as usize;
                        let targets = Arc::new(this.load_targets(&events).await);
                        queue.extend(
                            events
                                .into_iter()
                                .map(|event| (event, Arc::clone(&targets))),
                        );
                    }
                    Err(error) => tracing::warn!(%error, "outbox: claiming events failed"),
                }
                if !more_due {
                    next_claim = tokio::time::Instant::now() + this.config.poll_interval;
                }
            }
            while in_flight.len() < slots {
                let Some((event, targets)) = queue.pop_front() else {
                    break;
                };
                let this = Arc::clone(&this);
                in_flight.spawn(async move { this.attempt(event, targets).await });
            }
            let slot_free = in_flight.len() < slots;
            if more_due && queue.is_empty() && slot_free {
                continue;
            }
            let waiting_for_claim = queue.is_empty() && slot_free;
            tokio::select! {
                Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => {
                    log_join(joined);
                    // Collect whatever else finished meanwhile.
                    while let Some(joined) = in_flight.try_join_next() {
                        log_join(joined);
                    }
                }
                () = tokio::time::sleep_until(next_claim), if waiting_for_claim => {}
                () = this.signal.events(), if waiting_for_claim => {
                    next_claim = next_claim.min(last_claim + SIGNALLED_CLAIM_GAP);
                }
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        while let Some(joined) = in_flight.join_next().await {
            log_join(joined);
        }
    }

    /// Puts one event of `provider` (delivered or failed) back to pending, due now, with its
    /// attempt counter reset; its attempt log is kept.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown event or another provider's.
    pub async fn replay(&self, provider: ProviderId, event: EventId) -> Result<(), StoreError> {
        self.store
            .replay_event(provider, event, self.clock.now())
            .await
    }

    /// Replays every failed event of `provider` created at or after `since`; returns how many.
    ///
    /// # Errors
    /// The first store error; events replayed before it stay replayed.
    pub async fn replay_failed_since(
        &self,
        provider: ProviderId,
        since: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        const PAGE: u32 = 500;
        let mut replayed = HashSet::new();
        loop {
            let query = EventQuery {
                provider_id: provider,
                since: Some(since),
                status: Some(DeliveryStatus::Failed),
                limit: PAGE,
            };
            let page = self.store.list_events(&query).await?;
            let fresh: Vec<EventId> = page
                .iter()
                .map(|e| e.id)
                .filter(|id| !replayed.contains(id))
                .collect();
            if fresh.is_empty() {
                break;
            }
            let now = self.clock.now();
            for id in fresh {
                self.store.replay_event(provider, id, now).await?;
                replayed.insert(id);
            }
            if page.len() < PAGE as usize {
                break;
            }
        }
        Ok(replayed.len())
    }

    /// An event of `provider` with its attempt log (time, status, latency, error of each).
    ///
    /// # Errors
    /// A store error.
    pub async fn delivery_log(
        &self,
        provider: ProviderId,
        event: EventId,
    ) -> Result<Option<EventWithAttempts>, StoreError> {
        self.store.get_event(provider, event).await
    }
}

/// What one claim's events are delivered to: their providers (`None` inside: the provider
/// does not exist) and the disabled endpoints.
#[derive(Debug, Default)]
struct Targets {
    providers: HashMap<ProviderId, Option<Arc<Provider>>>,
    disabled: HashMap<(ProviderId, bool), DisabledEndpoint>,
}

impl Targets {
    /// The disabled record that applies to the provider's current URL for this environment.
    fn disabled_for(&self, provider: &Provider, sandbox: bool) -> Option<&DisabledEndpoint> {
        let disabled = self.disabled.get(&(provider.id, sandbox))?;
        let url = provider.endpoint(sandbox).url.as_deref()?;
        (url == disabled.url).then_some(disabled)
    }
}

fn log_join(joined: Result<(), tokio::task::JoinError>) {
    if let Err(error) = joined {
        tracing::error!(%error, "outbox: a delivery task failed; the event is retried after its lease");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(outcome: SinkOutcome) -> SinkReport {
        SinkReport {
            outcome,
            status_code: None,
            error: None,
        }
    }

    fn t0() -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(20_000)
    }

    #[test]
    fn kurnl_default_matches_gap_g8() {
        let p = DeliveryPolicy::kurnl_default().without_jitter();
        assert_eq!(p.timeout, Duration::from_secs(15));
        assert_eq!(p.schedule.max_attempts(), 3);
        assert_eq!(p.schedule.delay_after(1), Some(Duration::from_secs(2)));
        assert_eq!(p.schedule.delay_after(2), Some(Duration::from_secs(8)));
        assert_eq!(p.schedule.delay_after(3), None);
        assert_eq!(p.schedule.total_span(), Duration::from_secs(10));
    }

    #[test]
    fn standard_webhooks_schedule() {
        let p = DeliveryPolicy::standard_webhooks().without_jitter();
        assert_eq!(p.schedule.max_attempts(), 8);
        assert_eq!(p.schedule.delay_after(0), None);
        assert_eq!(p.schedule.delay_after(1), Some(Duration::from_secs(5)));
        assert_eq!(p.schedule.delay_after(2), Some(Duration::from_secs(300)));
        assert_eq!(p.schedule.delay_after(7), Some(Duration::from_secs(36_000)));
        assert_eq!(p.schedule.delay_after(8), None);
        assert_eq!(
            p.schedule.total_span(),
            Duration::from_secs(5 + 300 + 1800 + 7200 + 18_000 + 72_000)
        );
    }

    #[test]
    fn fixed_jitter_stays_within_bounds() {
        let s = DeliveryPolicy::standard_webhooks().schedule;
        for _ in 0..200 {
            let d = s
                .jittered_delay_after(2)
                .map(|d| d.as_secs_f64())
                .unwrap_or_default();
            assert!((270.0..=330.0).contains(&d), "{d}");
        }
    }

    #[test]
    fn next_step_classification() {
        let p = DeliveryPolicy::kurnl_default().without_jitter();
        let now = t0();
        assert_eq!(
            p.next_step(1, &report(SinkOutcome::Acknowledged), now),
            DeliveryNext::Delivered
        );
        assert_eq!(
            p.next_step(1, &report(SinkOutcome::Rejected), now),
            DeliveryNext::Failed
        );
        let retry = report(SinkOutcome::Retryable { retry_after: None });
        assert_eq!(
            p.next_step(1, &retry, now),
            DeliveryNext::RetryAt(now + chrono::Duration::seconds(2))
        );
        assert_eq!(
            p.next_step(2, &retry, now),
            DeliveryNext::RetryAt(now + chrono::Duration::seconds(8))
        );
        assert_eq!(p.next_step(3, &retry, now), DeliveryNext::Failed);
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let p = DeliveryPolicy::kurnl_default().without_jitter();
        let now = t0();
        let long = report(SinkOutcome::Retryable {
            retry_after: Some(Duration::from_secs(120)),
        });
        assert_eq!(
            p.next_step(1, &long, now),
            DeliveryNext::RetryAt(now + chrono::Duration::seconds(120))
        );
        let short = report(SinkOutcome::Retryable {
            retry_after: Some(Duration::from_secs(1)),
        });
        assert_eq!(
            p.next_step(1, &short, now),
            DeliveryNext::RetryAt(now + chrono::Duration::seconds(2))
        );
        // No attempt left: Retry-After does not extend the schedule.
        assert_eq!(p.next_step(3, &long, now), DeliveryNext::Failed);
    }

    #[test]
    fn policy_presets_are_distinct() {
        assert_ne!(
            DeliveryPolicy::kurnl_default(),
            DeliveryPolicy::standard_webhooks()
        );
        assert_eq!(
            DeliveryPolicy::default(),
            DeliveryPolicy::standard_webhooks(),
            "the default keeps retrying for hours"
        );
        assert_eq!(
            DeliveryPolicy::default()
                .with_timeout(Duration::from_secs(3))
                .timeout,
            Duration::from_secs(3)
        );
        for name in DeliveryPolicy::NAMES {
            assert!(DeliveryPolicy::named(name).is_some(), "{name}");
        }
        assert_eq!(
            "every-minute".parse::<DeliveryPolicy>().err().map(|e| e.to_string()),
            Some("unknown delivery policy \"every-minute\": expected one of standard-webhooks, kurnl".to_owned())
        );
    }

    /// A sink answering from a script (then acknowledging), counting calls.
    #[derive(Debug, Default)]
    struct Scripted {
        script: std::sync::Mutex<Vec<SinkOutcome>>,
        calls: std::sync::atomic::AtomicUsize,
    }

    #[async_trait::async_trait]
    impl EventSink for Scripted {
        async fn deliver(&self, _: &Event, _: &Provider) -> SinkReport {
            self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut script = self.script.lock().unwrap_or_else(|e| e.into_inner());
            let outcome = if script.is_empty() {
                SinkOutcome::Acknowledged
            } else {
                script.remove(0)
            };
            SinkReport {
                outcome,
                status_code: None,
                error: None,
            }
        }
    }

    #[derive(Debug)]
    struct FixedClock(std::sync::Mutex<DateTime<Utc>>);

    impl Clock for FixedClock {
        fn now(&self) -> DateTime<Utc> {
            *self.0.lock().unwrap_or_else(|e| e.into_inner())
        }
    }

    async fn setup(
        outcomes: Vec<SinkOutcome>,
        policy: DeliveryPolicy,
    ) -> (
        OutboxDispatcher,
        Arc<crate::memory::InMemoryStore>,
        Arc<Scripted>,
        Arc<FixedClock>,
        Provider,
        EventId,
    ) {
        use crate::model::{BillingMode, EventData, NewEvent, WebhookEndpoint};
        use crate::ports::WriteSet;
        use crate::types::SubscriptionId;
        let store = Arc::new(crate::memory::InMemoryStore::new());
        let provider = Provider {
            id: ProviderId::new_random(),
            name: "p".into(),
            live: WebhookEndpoint::default(),
            sandbox: WebhookEndpoint::default(),
            external_checkout_url: None,
            billing_mode: BillingMode::default(),
        };
        assert!(store.put_provider(&provider).await.is_ok());
        let id = EventId::new_random();
        let data = EventData::SubscriptionCancelled {
            subscription_id: SubscriptionId::new_random(),
        };
        let event = NewEvent {
            id,
            provider_id: provider.id,
            sandbox: false,
            data,
            created_at: t0(),
        };
        assert!(
            store
                .commit(WriteSet {
                    events: vec![event],
                    ..WriteSet::default()
                })
                .await
                .is_ok()
        );
        let sink = Arc::new(Scripted {
            script: std::sync::Mutex::new(outcomes),
            ..Scripted::default()
        });
        let clock = Arc::new(FixedClock(std::sync::Mutex::new(t0())));
        let dispatcher = OutboxDispatcher::new(store.clone(), sink.clone(), clock.clone(), policy);
        (dispatcher, store, sink, clock, provider, id)
    }

    #[tokio::test]
    async fn retries_until_exhausted_then_replays() {
        let retry = SinkOutcome::Retryable { retry_after: None };
        let policy = DeliveryPolicy::kurnl_default().without_jitter();
        let (d, store, sink, clock, provider, id) =
            setup(vec![retry.clone(), retry.clone(), retry], policy).await;
        for (offset, expected) in [(0, 1), (1, 0), (2, 1), (9, 0), (10, 1), (1000, 0)] {
            *clock.0.lock().unwrap_or_else(|e| e.into_inner()) =
                t0() + chrono::Duration::seconds(offset);
            assert_eq!(d.run_once().await.ok(), Some(expected), "at +{offset}s");
        }
        let (event, log) = store
            .get_event(provider.id, id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("event"));
        assert_eq!(event.status, DeliveryStatus::Failed);
        assert_eq!(log.iter().map(|a| a.attempt).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(sink.calls.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert_eq!(d.replay_failed_since(provider.id, t0()).await.ok(), Some(1));
        assert_eq!(d.run_once().await.ok(), Some(1));
        let (event, _) = store
            .get_event(provider.id, id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("event"));
        assert_eq!(event.status, DeliveryStatus::Delivered);
    }

    #[tokio::test]
    async fn rejected_fails_at_once() {
        let policy = DeliveryPolicy::standard_webhooks();
        let (d, store, _, _, provider, id) = setup(vec![SinkOutcome::Rejected], policy).await;
        assert_eq!(d.run_once().await.ok(), Some(1));
        let (event, log) = store
            .get_event(provider.id, id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("event"));
        assert_eq!((event.status, log.len()), (DeliveryStatus::Failed, 1));
    }

    #[tokio::test]
    async fn lease_covers_every_wave_of_a_batch() {
        let (d, ..) = setup(vec![], DeliveryPolicy::kurnl_default()).await;
        // 100 events, 32 at a time: 4 waves (+1) of 15 s.
        assert_eq!(d.lease(), chrono::Duration::seconds(75));
        let d = d.with_config(DispatcherConfig {
            lease: chrono::Duration::hours(1),
            ..DispatcherConfig::default()
        });
        assert_eq!(d.lease(), chrono::Duration::hours(1));
    }

    #[tokio::test]
    async fn run_returns_on_shutdown() {
        let (d, store, _, _, provider, id) = setup(vec![], DeliveryPolicy::kurnl_default()).await;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(d.run(stopped));
        for _ in 0..1000 {
            let delivered = store
                .get_event(provider.id, id)
                .await
                .ok()
                .flatten()
                .map(|(e, _)| e.status);
            if delivered == Some(DeliveryStatus::Delivered) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(stop.send(true).is_ok());
        assert!(task.await.is_ok());
        let (event, _) = store
            .get_event(provider.id, id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("event"));
        assert_eq!(event.status, DeliveryStatus::Delivered);
    }
}

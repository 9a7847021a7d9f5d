//! [`HttpEventSink`]: delivers events over HTTP(S) with reqwest (rustls).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kurnl_core::model::{Event, Provider};
use kurnl_core::ports::{Clock, EventSink, SinkOutcome, SinkReport, SystemClock};
use kurnl_core::types::{EventId, ProviderId, Secret};

use crate::network::{PublicOnlyResolver, is_blocked, is_public_ip};
use crate::signing::SignedHeaders;

/// Errors building an [`HttpEventSink`].
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The HTTP client could not be built (TLS backend initialisation).
    #[error("cannot build http client: {0}")]
    Client(String),
}

/// Error note of an event acknowledged without a request because its provider has no webhook
/// URL for the event's environment.
pub const NO_URL_NOTE: &str = "no webhook url configured";

/// Delivers outbox events by HTTP `POST` to the provider's webhook URL ([`Provider::endpoint`]
/// of the event's environment), one attempt per call; the [`OutboxDispatcher`] owns retries.
///
/// # Request
/// - Body: `serde_json` of [`Event::envelope`] (kurnl's flat envelope plus `event_id` and
///   `sequence`), `Content-Type: application/json`. It depends only on the stored event, so
///   every retry sends identical bytes.
/// - Signatures, when the endpoint has a secret: `X-Webhook-Signature: sha256=<hex>` (kurnl's
///   documented scheme, over the raw body) and the Standard Webhooks headers `webhook-id` (the
///   event id), `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`
///   (`v1,<base64>`, one per secret while rotating: the endpoint's previous secret until its
///   overlap ends, [`WebhookEndpoint::signing_secrets`](kurnl_core::model::WebhookEndpoint::signing_secrets),
///   and any set with [`HttpEventSink::set_previous_secrets`]). Without a secret the request is sent unsigned,
///   with `webhook-id` and `webhook-timestamp` only (reference §8.4).
/// - Redirects are never followed; each attempt has a timeout (15 s by default).
///
/// # Classification
/// | Response | Outcome |
/// |---|---|
/// | 2xx | `Acknowledged` (body ignored) |
/// | 429, 503 | `Retryable`, `retry_after` from `Retry-After` (seconds or HTTP date, capped) |
/// | other 5xx, connection errors, timeouts | `Retryable` |
/// | 410 | `Gone` (Standard Webhooks: the receiver asks to stop; the dispatcher disables the endpoint) |
/// | 3xx (redirect not followed), other 4xx, any other status | `Rejected` |
/// | no webhook URL for the environment | `Acknowledged`, no status, error note [`NO_URL_NOTE`] (the event is kept in the outbox, nothing is sent) |
/// | URL that does not parse or is not http(s) | `Rejected` |
/// | non-public address, with [`HttpEventSinkBuilder::deny_private_networks`] | `Rejected` |
///
/// Error texts never contain the secret nor the URL (which may carry a token).
///
/// [`OutboxDispatcher`]: kurnl_core::engine::OutboxDispatcher
#[derive(Debug)]
pub struct HttpEventSink {
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    timeout: Duration,
    max_retry_after: Duration,
    deny_private_networks: bool,
    previous_secrets: RwLock<HashMap<(ProviderId, bool), Vec<Secret>>>,
}

/// Builder of [`HttpEventSink`].
#[derive(Debug, Clone)]
pub struct HttpEventSinkBuilder {
    timeout: Duration,
    connect_timeout: Duration,
    clock: Arc<dyn Clock>,
    user_agent: String,
    max_retry_after: Duration,
    pool_max_idle_per_host: usize,
    deny_private_networks: bool,
}

impl Default for HttpEventSinkBuilder {
    fn default() -> Self {
        Self {
            timeout: HttpEventSink::DEFAULT_TIMEOUT,
            connect_timeout: Duration::from_secs(5),
            clock: Arc::new(SystemClock),
            user_agent: concat!("kurnl-webhook/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_retry_after: Duration::from_secs(24 * 3600),
            pool_max_idle_per_host: 64,
            deny_private_networks: false,
        }
    }
}

impl HttpEventSinkBuilder {
    /// Total time for one attempt (connect, send, response headers). Default 15 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time to establish the connection (within `timeout`). Default 5 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The clock that stamps `webhook-timestamp` (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Ceiling on a receiver's `Retry-After` (default 24 h).
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Idle keep-alive connections kept per host (default 64).
    pub fn pool_max_idle_per_host(mut self, n: usize) -> Self {
        self.pool_max_idle_per_host = n;
        self
    }

    /// Refuses to deliver to loopback, private, link-local (cloud metadata), carrier-grade NAT
    /// and other non-public addresses, whether the URL names one or its host name resolves to
    /// one (checked at connection time, so DNS rebinding does not get around it): such
    /// attempts are `Rejected`. Also disables HTTP proxies from the environment, whose address
    /// would be checked instead of the target's. Off by default; turn it on when providers
    /// configure their own webhook URLs and the process can reach internal services.
    pub fn deny_private_networks(mut self, deny: bool) -> Self {
        self.deny_private_networks = deny;
        self
    }

    /// Builds the sink.
    ///
    /// # Errors
    /// [`WebhookError::Client`] when the TLS backend cannot be initialised.
    pub fn build(self) -> Result<HttpEventSink, WebhookError> {
        let mut client = reqwest::Client::builder();
        if self.deny_private_networks {
            client = client.dns_resolver(Arc::new(PublicOnlyResolver)).no_proxy();
        }
        let client = client
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout.min(self.timeout))
            .user_agent(self.user_agent)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .build()
            .map_err(|e| WebhookError::Client(e.without_url().to_string()))?;
        Ok(HttpEventSink {
            client,
            clock: self.clock,
            timeout: self.timeout,
            max_retry_after: self.max_retry_after,
            deny_private_networks: self.deny_private_networks,
            previous_secrets: RwLock::new(HashMap::new()),
        })
    }
}

impl HttpEventSink {
    /// Default per-attempt timeout: 15 s (reference §8.5).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

    /// A sink with the defaults (15 s timeout, system clock).
    ///
    /// # Errors
    /// [`WebhookError::Client`] when the TLS backend cannot be initialised.
    pub fn new() -> Result<Self, WebhookError> {
        Self::builder().build()
    }

    /// A builder.
    pub fn builder() -> HttpEventSinkBuilder {
        HttpEventSinkBuilder::default()
    }

    /// During a secret rotation: secrets that sign in addition to the provider's current one
    /// for `(provider, sandbox)`, each adding a `v1,` signature to `webhook-signature` (the
    /// current secret stays first and alone in `X-Webhook-Signature`). An empty list ends the
    /// rotation.
    pub fn set_previous_secrets(&self, provider: ProviderId, sandbox: bool, secrets: Vec<Secret>) {
        let mut map = self
            .previous_secrets
            .write()
            .unwrap_or_else(|e| e.into_inner());
        if secrets.is_empty() {
            map.remove(&(provider, sandbox));
        } else {
            map.insert((provider, sandbox), secrets);
        }
    }

    /// The body sent for `event`: `serde_json` of [`Event::envelope`].
    pub fn body(event: &Event) -> Vec<u8> {
        serde_json::to_vec(&event.envelope()).unwrap_or_default()
    }

    /// One signed POST of `body` to the endpoint of `provider` for the environment.
    async fn post(
        &self,
        provider: &Provider,
        sandbox: bool,
        id: &str,
        body: Vec<u8>,
        secrets: &[Secret],
    ) -> SinkReport {
        let Some(url) = provider.endpoint(sandbox).url.as_deref() else {
            return SinkReport {
                outcome: SinkOutcome::Acknowledged,
                status_code: None,
                error: Some(NO_URL_NOTE.into()),
            };
        };
        let Ok(url) = reqwest::Url::parse(url) else {
            return rejected("invalid webhook url");
        };
        if !matches!(url.scheme(), "http" | "https") {
            return rejected("webhook url must be http or https");
        }
        if self.deny_private_networks && names_non_public_ip(&url) {
            return rejected(BLOCKED_NOTE);
        }
        let signed = SignedHeaders::sign(secrets, id, self.clock.now().timestamp(), &body);
        let request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .headers(signed.to_header_map())
            .body(body);
        match request.send().await {
            Ok(response) => {
                let report = self.classify(&response);
                drain(response).await;
                tracing::debug!(webhook_id = id, status = ?report.status_code, "webhook: attempt answered");
                report
            }
            Err(error) => {
                let report = self.transport_error(error);
                tracing::debug!(webhook_id = id, error = ?report.error, "webhook: attempt failed");
                report
            }
        }
    }

    /// The provider's current secret, its previous one while a rotation's overlap lasts,
    /// then any set with [`HttpEventSink::set_previous_secrets`].
    fn secrets_for(&self, provider: &Provider, sandbox: bool) -> Vec<Secret> {
        let mut secrets = provider.endpoint(sandbox).signing_secrets(self.clock.now());
        if secrets.is_empty() {
            return secrets;
        }
        let map = self
            .previous_secrets
            .read()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(previous) = map.get(&(provider.id, sandbox)) {
            secrets.extend(previous.iter().cloned());
        }
        secrets
    }

    fn retry_after(&self, headers: &reqwest::header::HeaderMap) -> Option<Duration> {
        let value = headers
            .get(reqwest::header::RETRY_AFTER)?
            .to_str()
            .ok()?
            .trim();
        let delay = if let Ok(secs) = value.parse::<u64>() {
            Duration::from_secs(secs)
        } else {
            let at = DateTime::parse_from_rfc2822(value)
                .ok()?
                .with_timezone(&Utc);
            (at - self.clock.now()).to_std().unwrap_or(Duration::ZERO)
        };
        Some(delay.min(self.max_retry_after))
    }

    fn classify(&self, response: &reqwest::Response) -> SinkReport {
        let status = response.status();
        let code = status.as_u16();
        if status.is_success() {
            return SinkReport::acknowledged(Some(code));
        }
        if code == 429 || code == 503 {
            let retry_after = self.retry_after(response.headers());
            let error = match retry_after {
                Some(d) => format!("http {code}, retry after {} s", d.as_secs()),
                None => format!("http {code}"),
            };
            return SinkReport {
                outcome: SinkOutcome::Retryable { retry_after },
                status_code: Some(code),
                error: Some(error),
            };
        }
        if code == 410 {
            return SinkReport {
                outcome: SinkOutcome::Gone,
                status_code: Some(code),
                error: Some("http 410, endpoint gone: disabled".into()),
            };
        }
        if status.is_server_error() {
            return SinkReport {
                outcome: SinkOutcome::Retryable { retry_after: None },
                status_code: Some(code),
                error: Some(format!("http {code}")),
            };
        }
        let error = if status.is_redirection() {
            format!("http {code}, redirect not followed")
        } else {
            format!("http {code}")
        };
        SinkReport {
            outcome: SinkOutcome::Rejected,
            status_code: Some(code),
            error: Some(error),
        }
    }

    fn transport_error(&self, error: reqwest::Error) -> SinkReport {
        let error = error.without_url();
        if is_blocked(&error) {
            return rejected(BLOCKED_NOTE);
        }
        let text = if error.is_timeout() {
            format!("timed out after {} ms", self.timeout.as_millis())
        } else if error.is_connect() {
            format!("connection failed: {}", error_chain(&error))
        } else {
            format!("request failed: {}", error_chain(&error))
        };
        SinkReport {
            outcome: SinkOutcome::Retryable { retry_after: None },
            status_code: None,
            error: Some(text),
        }
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Error text of an attempt refused by [`HttpEventSinkBuilder::deny_private_networks`].
const BLOCKED_NOTE: &str = "webhook url points to a non-public address";

fn names_non_public_ip(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| !is_public_ip(ip))
}

fn rejected(error: &str) -> SinkReport {
    SinkReport {
        outcome: SinkOutcome::Rejected,
        status_code: None,
        error: Some(error.to_owned()),
    }
}

/// Reads and discards up to 64 KiB of a response body so the connection can be reused.
async fn drain(mut response: reqwest::Response) {
    let mut read = 0usize;
    while let Ok(Some(chunk)) = response.chunk().await {
        read += chunk.len();
        if read > 64 * 1024 {
            break;
        }
    }
}

#[async_trait]
impl EventSink for HttpEventSink {
    async fn deliver(&self, event: &Event, provider: &Provider) -> SinkReport {
        let secrets = self.secrets_for(provider, event.sandbox);
        let body = Self::body(event);
        self.post(
            provider,
            event.sandbox,
            &event.id.to_string(),
            body,
            &secrets,
        )
        .await
    }

    /// The test ping of gap G23 (what the console sends when a webhook URL is saved, and on
    /// request): signed like real events, with a fresh `webhook-id` (`ping_<uuid>`).
    async fn ping(&self, provider: &Provider, sandbox: bool) -> SinkReport {
        let now = self.clock.now();
        let body = serde_json::json!({
            "event": "ping",
            "provider_document_id": provider.id,
            "timestamp": now.timestamp_millis() as f64 / 1000.0,
        });
        let body = serde_json::to_vec(&body).unwrap_or_default();
        let id = format!("ping_{}", EventId::new_random());
        let secrets = self.secrets_for(provider, sandbox);
        self.post(provider, sandbox, &id, body, &secrets).await
    }
}

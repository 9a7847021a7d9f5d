//! The webhook test ping (gap G23): one signed `{"event": "ping"}` POST to a provider's
//! webhook URL, sent now through the service's event sink, its answer shown to whoever asked.

use serde::Serialize;

use super::Service;
use super::provider_settings::SettingsActor;
use crate::error::{Error, Result};
use crate::ports::SinkOutcome;

/// How a test ping went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestPingView {
    /// The environment whose URL was pinged.
    pub sandbox: bool,
    /// Whether the environment has a webhook URL; without one nothing was sent.
    pub url_set: bool,
    /// The receiver answered 2xx.
    pub acknowledged: bool,
    /// The HTTP status, when a response came.
    pub status_code: Option<u16>,
    /// Why it was not acknowledged (never the URL nor a secret).
    pub error: Option<String>,
}

impl TestPingView {
    /// One line for a person: `"answered HTTP 200"`, `"failed: connection refused"`.
    pub fn summary(&self) -> String {
        let world = if self.sandbox { "sandbox" } else { "live" };
        if !self.url_set {
            return format!("no {world} webhook URL is set: nothing was sent");
        }
        match (self.acknowledged, self.status_code, &self.error) {
            (true, Some(code), _) => format!("test ping to the {world} webhook URL: HTTP {code}"),
            (true, None, _) => format!("test ping to the {world} webhook URL acknowledged"),
            (false, _, Some(e)) => format!("test ping to the {world} webhook URL failed: {e}"),
            (false, Some(code), None) => {
                format!("test ping to the {world} webhook URL failed: HTTP {code}")
            }
            (false, None, None) => format!("test ping to the {world} webhook URL failed"),
        }
    }
}

impl Service {
    /// Sends a test ping to the provider's webhook URL of one environment (a provider's key
    /// pings its key's environment; the operator chooses, live by default) and reports the
    /// answer. Nothing is stored or retried: this checks that the URL is reachable and
    /// verifies the signature, as the kurnl dashboard's ping on saving a webhook URL does.
    ///
    /// # Errors
    /// 404 `Provider not found`; 500 when the service was built without an event sink
    /// ([`Service::with_event_sink`]).
    pub async fn send_test_ping(
        &self,
        actor: SettingsActor,
        provider_id: &str,
        sandbox: Option<bool>,
    ) -> Result<TestPingView> {
        let provider = self.provider_for(provider_id).await?;
        let sandbox = actor.environment(sandbox);
        let Some(sink) = &self.sink else {
            return Err(Error::Internal(
                "this service has no event sink to send a test ping with".into(),
            ));
        };
        let url_set = provider.endpoint(sandbox).url.is_some();
        if !url_set {
            return Ok(TestPingView {
                sandbox,
                url_set,
                acknowledged: false,
                status_code: None,
                error: None,
            });
        }
        let report = sink.ping(&provider, sandbox).await;
        tracing::info!(provider = %provider.id, sandbox, status = ?report.status_code, "webhook test ping sent");
        Ok(TestPingView {
            sandbox,
            url_set,
            acknowledged: report.outcome == SinkOutcome::Acknowledged,
            status_code: report.status_code,
            error: report.error,
        })
    }
}

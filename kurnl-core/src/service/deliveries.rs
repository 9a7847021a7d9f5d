//! Providers' view and repair of their webhook deliveries (non-standard extensions): the
//! delivery list, replays, and endpoints disabled by `410 Gone`.

use chrono::{DateTime, Utc};

use super::fields::{Fields, present};
use super::subscribers::page_bounds;
use super::{Caller, Service};
use crate::Result;
use crate::model::DeliveryStatus;
use crate::ports::{DeliveryFilter, DisabledEndpoint};
use crate::types::{InvalidValue, ProviderId};

use super::requests::{DeliveryListQuery, ReplayRequest};
use super::responses::{DeliveryPage, DeliveryView, DisabledEndpointView, ReplayView};

/// The event names a filter may name.
const EVENT_NAMES: [&str; 6] = crate::model::EventData::NAMES;

impl Service {
    /// `GET /provider/webhooks/deliveries`: the caller's events (of its environment) with
    /// their delivery state and latest attempt, oldest first, a page at a time, and whether
    /// its endpoint is disabled.
    ///
    /// # Errors
    /// 422 for a bad `page`, `page_size` (1..=100), `status`, `event`, `since` or `until`.
    pub async fn list_deliveries(
        &self,
        caller: &Caller,
        query: DeliveryListQuery,
    ) -> Result<DeliveryPage> {
        let mut f = Fields::under(&["query"]);
        let (page, page_size) = page_bounds(&mut f, query.page, query.page_size);
        let filter = delivery_filter(
            &mut f,
            caller,
            query.status.as_deref(),
            query.event.as_deref(),
            query.since.as_deref(),
            query.until.as_deref(),
        );
        f.finish()?;
        let filter = present(filter)?;
        let found = self.store.list_deliveries(&filter, page, page_size).await?;
        let shown = u64::from(page - 1) * u64::from(page_size) + found.results.len() as u64;
        let endpoint_disabled = self
            .disabled_endpoint(caller.provider_id, caller.sandbox)
            .await?
            .map(|d| DisabledEndpointView::of(&d));
        Ok(DeliveryPage {
            results: found.results.iter().map(DeliveryView::of).collect(),
            total: found.total,
            page,
            page_size,
            has_more: shown < found.total,
            endpoint_disabled,
        })
    }

    /// `POST /provider/webhooks/replay`: queues the caller's events created in
    /// `[since, until)` again (all of them, or those in `status`), due now, with their
    /// original `event_id` and `sequence`, and re-enables the caller's endpoint if a `410 Gone`
    /// disabled it. Events with an attempt in flight are left alone.
    ///
    /// # Errors
    /// 422 for a missing or bad `since`, a bad `until` or `status`.
    pub async fn replay_deliveries(
        &self,
        caller: &Caller,
        request: ReplayRequest,
    ) -> Result<ReplayView> {
        let mut f = Fields::body();
        if request.since.is_none() {
            f.missing(&["since"]);
        }
        let filter = delivery_filter(
            &mut f,
            caller,
            request.status.as_deref(),
            request.event.as_deref(),
            request.since.as_deref(),
            request.until.as_deref(),
        );
        f.finish()?;
        let filter = present(filter)?;
        let reenabled = self
            .store
            .enable_endpoint(caller.provider_id, caller.sandbox)
            .await?;
        let queued = self
            .store
            .replay_deliveries(&filter, self.clock.now())
            .await?;
        if reenabled {
            tracing::info!(provider = %caller.provider_id, sandbox = caller.sandbox, "webhooks: endpoint re-enabled by a replay");
        }
        if queued > 0
            && let Some(signal) = &self.signal
        {
            signal.events_committed();
        }
        Ok(ReplayView {
            queued,
            endpoint_reenabled: reenabled,
        })
    }

    /// The endpoint of a provider environment that a `410 Gone` disabled, if any (for
    /// operators; providers see it in their delivery list).
    ///
    /// # Errors
    /// A store error.
    pub async fn disabled_endpoint(
        &self,
        provider: ProviderId,
        sandbox: bool,
    ) -> Result<Option<DisabledEndpoint>> {
        let all = self.store.list_disabled_endpoints().await?;
        Ok(all
            .into_iter()
            .find(|d| d.provider_id == provider && d.sandbox == sandbox))
    }

    /// Every endpoint disabled by a `410 Gone`, oldest first (the operator-visible record).
    ///
    /// # Errors
    /// A store error.
    pub async fn disabled_webhook_endpoints(&self) -> Result<Vec<DisabledEndpoint>> {
        Ok(self.store.list_disabled_endpoints().await?)
    }

    /// Delivers to a provider environment's endpoint again after a `410 Gone` disabled it;
    /// whether it was disabled. Events recorded as failed meanwhile stay failed until
    /// replayed.
    ///
    /// # Errors
    /// A store error.
    pub async fn enable_webhook_endpoint(
        &self,
        provider: ProviderId,
        sandbox: bool,
    ) -> Result<bool> {
        Ok(self.store.enable_endpoint(provider, sandbox).await?)
    }
}

/// The filter of a list or replay, recording a field error for each bad value.
fn delivery_filter(
    f: &mut Fields,
    caller: &Caller,
    status: Option<&str>,
    event: Option<&str>,
    since: Option<&str>,
    until: Option<&str>,
) -> Option<DeliveryFilter> {
    let status = f.optional(&["status"], status, parse_status);
    let event = f.optional(&["event"], event, parse_event);
    let since = f.optional(&["since"], since, parse_time);
    let until = f.optional(&["until"], until, parse_time);
    Some(DeliveryFilter {
        status: status?,
        event: event?,
        since: since?,
        until: until?,
        ..DeliveryFilter::all(caller.provider_id, caller.sandbox)
    })
}

fn parse_status(raw: &str) -> std::result::Result<DeliveryStatus, InvalidValue> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "pending" => Ok(DeliveryStatus::Pending),
        "delivered" => Ok(DeliveryStatus::Delivered),
        "failed" => Ok(DeliveryStatus::Failed),
        _ => Err(InvalidValue::new(
            "value_error.enum",
            "status must be one of: pending, delivered, failed",
        )),
    }
}

fn parse_event(raw: &str) -> std::result::Result<String, InvalidValue> {
    let name = raw.trim();
    if EVENT_NAMES.contains(&name) {
        Ok(name.to_owned())
    } else {
        Err(InvalidValue::new(
            "value_error.enum",
            format!("event must be one of: {}", EVENT_NAMES.join(", ")),
        ))
    }
}

/// RFC 3339 as the OpenAPI document's pattern for `since` / `until` states it: an upper-case
/// `T`, `Z` or a `±hh:mm` offset, at most 9 fraction digits, no leap second, no surrounding
/// space. Anything chrono would also take beyond that (`t`, a space, `:60`) is refused, so
/// that what the document calls valid and what the server accepts are the same set.
pub(crate) fn parse_time(raw: &str) -> std::result::Result<DateTime<Utc>, InvalidValue> {
    let invalid = || {
        InvalidValue::new(
            "value_error.datetime",
            "must be an RFC 3339 date-time, e.g. 2026-12-06T10:00:00Z",
        )
    };
    let bytes = raw.as_bytes();
    let fraction_digits = raw
        .get(19..)
        .filter(|rest| rest.starts_with('.'))
        .map_or(0, |rest| {
            rest[1..].bytes().take_while(u8::is_ascii_digit).count()
        });
    let strict = bytes.len() >= 20
        && bytes[10] == b'T'
        && raw.get(17..19) != Some("60")
        && fraction_digits <= 9
        && !raw.ends_with('z');
    if !strict {
        return Err(invalid());
    }
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_the_set_the_openapi_pattern_describes() {
        for ok in [
            "2026-12-06T10:00:00Z",
            "2024-02-29T00:00:00Z",
            "2000-02-29T23:59:59-23:59",
            "2026-12-31T10:00:00.123456789+01:00",
        ] {
            assert!(parse_time(ok).is_ok(), "{ok} is accepted");
        }
        for refused in [
            "",
            "2026-12-06t10:00:00Z",
            "2026-12-06 10:00:00Z",
            " 2026-12-06T10:00:00Z",
            "2026-12-06T10:00:00z",
            "2026-12-06T10:00:60Z",
            "2026-12-06T10:00:00.1234567891Z",
            "2025-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
        ] {
            let err = parse_time(refused).expect_err(refused);
            assert_eq!(err.kind, "value_error.datetime", "{refused}");
        }
    }

    #[test]
    fn every_event_name_is_filterable() {
        use crate::model::EventData;
        use crate::types::{JobId, SubscriptionId};
        let s = SubscriptionId::new_random();
        let names = [
            EventData::SubscriptionCancelled { subscription_id: s }.name(),
            EventData::ProvisioningFailed {
                subscription_id: s,
                job_id: JobId::new_random(),
                error: String::new(),
            }
            .name(),
        ];
        for name in names {
            assert!(EVENT_NAMES.contains(&name), "{name}");
        }
        assert_eq!(
            parse_event(" provisioning.completed ").ok().as_deref(),
            Some("provisioning.completed")
        );
        assert!(parse_event("provisioning.done").is_err());
        assert!(parse_time("2026-12-06T10:00:00+01:00").is_ok());
        assert!(parse_time("yesterday").is_err());
        assert_eq!(parse_status("FAILED").ok(), Some(DeliveryStatus::Failed));
    }
}

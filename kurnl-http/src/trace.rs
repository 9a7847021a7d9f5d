//! Request tracing and metrics: one span per request with its id, method, path (never the query, which
//! may hold an email), the provider once authenticated, the status and the latency. Headers
//! and bodies are never logged, so neither are API keys, webhook secrets or personal data.
//! Each request also counts in [`kurnl_core::metrics::HTTP_REQUESTS`] by route template.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use kurnl_core::metrics::record_http_request;
use tracing::Instrument;
use tracing::field::Empty;

/// `X-Request-Id`: taken from the request when it is a plain token, else generated; always
/// returned.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Middleware: wraps the request in its span and logs its outcome.
pub(crate) async fn trace(req: Request, next: Next) -> Response {
    let id = incoming_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
        provider_id = Empty,
        sandbox = Empty,
        operator_key_id = Empty,
        status = Empty,
        latency_ms = Empty,
    );
    // The route template, not the path: ids in paths would make a series per subscription.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().clone();
    let started = Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    let took = started.elapsed();
    let latency_ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
    let status = response.status().as_u16();
    record_http_request(&route, method.as_str(), status, took);
    span.record("status", status);
    span.record("latency_ms", latency_ms);
    span.in_scope(|| tracing::info!("request completed"));
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// A caller-supplied id, if it is 1..=128 characters of `[A-Za-z0-9._-]`.
fn incoming_id(req: &Request) -> Option<String> {
    let id = req.headers().get(REQUEST_ID_HEADER)?.to_str().ok()?;
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then(|| id.to_owned())
}

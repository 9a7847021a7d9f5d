//! The two documented credentials: `X-API-Key` (management) and `X-Webhook-Secret` plus the
//! body's `service_provider_document_id` (external checkout).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use kurnl_core::Error;
use kurnl_core::error::{INVALID_API_KEY, INVALID_WEBHOOK_SECRET, WEBHOOK_SECRET_REQUIRED};
use kurnl_core::service::Caller;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::json::{from_value, read_json};
use crate::router::AppState;

/// The header carrying API keys.
pub const API_KEY_HEADER: &str = "x-api-key";
/// The header carrying webhook secrets.
pub const WEBHOOK_SECRET_HEADER: &str = "x-webhook-secret";

/// The provider behind a valid `X-API-Key`.
#[derive(Debug, Clone, Copy)]
pub struct ApiCaller(pub Caller);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = match parts.headers.get(API_KEY_HEADER).map(|v| v.to_str()) {
            None => None,
            Some(Ok(key)) => Some(key),
            Some(Err(_)) => return Err(Error::Unauthorized(INVALID_API_KEY).into()),
        };
        let caller = state.service.authenticate_api_key(key).await?;
        record(&caller);
        Ok(Self(caller))
    }
}

/// An external-checkout call: the body `T` and the provider whose webhook secret matched.
///
/// The header's presence is checked first (401 `X-Webhook-Secret header required`). The
/// secret can only be checked once the body is read, since the body names the provider, so a
/// body that is not JSON at all (or too large) is answered before the secret; a body that is
/// JSON but has bad fields gets its 422 only after the secret was accepted.
#[derive(Debug, Clone)]
pub struct WebhookCall<T> {
    /// Who is calling.
    pub caller: Caller,
    /// The request body.
    pub body: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for WebhookCall<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let secret = match req.headers().get(WEBHOOK_SECRET_HEADER).map(|v| v.to_str()) {
            None | Some(Ok("")) => return Err(Error::Unauthorized(WEBHOOK_SECRET_REQUIRED).into()),
            Some(Ok(s)) => s.to_owned(),
            Some(Err(_)) => return Err(Error::Unauthorized(INVALID_WEBHOOK_SECRET).into()),
        };
        let value = read_json(req, state.config.max_body_bytes).await?;
        let provider = value
            .get("service_provider_document_id")
            .and_then(serde_json::Value::as_str);
        let caller = state
            .service
            .authenticate_webhook_secret(provider, Some(&secret))
            .await?;
        record(&caller);
        let body = from_value(value)?;
        Ok(Self { caller, body })
    }
}

/// Adds the provider to the request's span (never the credential).
fn record(caller: &Caller) {
    let span = tracing::Span::current();
    span.record("provider_id", tracing::field::display(caller.provider_id));
    span.record("sandbox", caller.sandbox);
}

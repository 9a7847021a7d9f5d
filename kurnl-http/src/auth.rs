//! The two documented credentials: `X-API-Key` (management) and `X-Webhook-Secret` plus the
//! body's `service_provider_document_id` (external checkout).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use kurnl_core::Error;
use kurnl_core::error::{INVALID_API_KEY, INVALID_WEBHOOK_SECRET, WEBHOOK_SECRET_REQUIRED};
use kurnl_core::service::{Caller, INVALID_OPERATOR_KEY, Operator};
use kurnl_core::types::{FieldError, InvalidValue};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::json::{from_value, not_an_object, read_json};
use crate::router::AppState;

/// The header carrying API keys.
pub const API_KEY_HEADER: &str = "x-api-key";
/// The header carrying webhook secrets.
pub const WEBHOOK_SECRET_HEADER: &str = "x-webhook-secret";
/// The header carrying operator keys (the operator endpoints under `/api/v1/operator`).
pub const OPERATOR_KEY_HEADER: &str = "x-operator-key";

/// The operator behind a valid `X-Operator-Key`. A provider's `X-API-Key` is never looked at:
/// without an operator key the answer is 401 whatever else the request carries.
#[derive(Debug, Clone, Copy)]
pub struct OperatorCaller(pub Operator);

impl FromRequestParts<AppState> for OperatorCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = match parts.headers.get(OPERATOR_KEY_HEADER).map(|v| v.to_str()) {
            None => None,
            Some(Ok(key)) => Some(key),
            Some(Err(_)) => return Err(Error::Unauthorized(INVALID_OPERATOR_KEY).into()),
        };
        let operator = state.service.authenticate_operator_key(key).await?;
        tracing::Span::current()
            .record("operator_key_id", tracing::field::display(operator.key_id));
        Ok(Self(operator))
    }
}

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
        let provider = provider_field(&value)?;
        let caller = state
            .service
            .authenticate_webhook_secret(Some(provider), Some(&secret))
            .await?;
        record(&caller);
        let body = from_value(value)?;
        Ok(Self { caller, body })
    }
}

/// The body's `service_provider_document_id`, which names whose secret to check: without a
/// well-formed one there is no secret to compare, so it is a 422 naming the field rather
/// than a 401.
fn provider_field(value: &serde_json::Value) -> Result<&str, ApiError> {
    const FIELD: &str = "service_provider_document_id";
    if !value.is_object() {
        return Err(not_an_object());
    }
    match value.get(FIELD) {
        None | Some(serde_json::Value::Null) => Err(ApiError::validation(vec![
            FieldError::missing(["body", FIELD]),
        ])),
        Some(serde_json::Value::String(s)) if uuid::Uuid::parse_str(s.trim()).is_ok() => Ok(s),
        Some(serde_json::Value::String(_)) => Err(ApiError::validation(vec![
            InvalidValue::new("value_error.uuid", "value is not a valid uuid").at(["body", FIELD]),
        ])),
        Some(_) => Err(ApiError::validation(vec![
            InvalidValue::new("type_error.str", "str type expected").at(["body", FIELD]),
        ])),
    }
}

/// Adds the provider to the request's span (never the credential).
fn record(caller: &Caller) {
    let span = tracing::Span::current();
    span.record("provider_id", tracing::field::display(caller.provider_id));
    span.record("sandbox", caller.sandbox);
}

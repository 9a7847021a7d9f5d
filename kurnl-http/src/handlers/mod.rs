//! The endpoint handlers, one module per area of the API.

pub(crate) mod checkout;
pub(crate) mod drift;
pub(crate) mod network;
pub(crate) mod operations;
pub(crate) mod operator_jobs;
pub(crate) mod provider_settings;
pub(crate) mod provisioning;
pub(crate) mod subscribers;
pub(crate) mod subscriptions;
pub(crate) mod webhooks;

use axum::extract::FromRequestParts;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::error::{ApiError, NOT_FOUND};

/// The single `{id}` of a path. Ids are only ever looked up by the service (which answers
/// 404 for a malformed one), so a path that cannot be decoded is a 404 as well.
#[derive(Debug, Clone)]
pub(crate) struct IdPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Self(id))
            .map_err(|_| ApiError::http(StatusCode::NOT_FOUND, NOT_FOUND))
    }
}

/// The two ids of a nested path (`{provider_id}/api-keys/{key_id}`,
/// `{switch_id}/ports/{port_number}`); a path that cannot be decoded is a 404.
#[derive(Debug, Clone)]
pub(crate) struct IdPair(pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdPair {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map(|Path((a, b))| Self(a, b))
            .map_err(|_| ApiError::http(StatusCode::NOT_FOUND, NOT_FOUND))
    }
}

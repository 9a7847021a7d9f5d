//! The service error: every documented failure with its HTTP status and exact `detail` text.

use crate::ports::StoreError;
use crate::types::FieldError;

/// `422` detail for a malformed location hash.
pub const INVALID_LOCATION_HASH: &str = "Invalid location_hash format";
/// `404` detail for an unknown location hash.
pub const LOCATION_NOT_FOUND: &str = "Location not found for location_hash";
/// `403` detail for another provider's plan version.
pub const PLAN_VERSION_FOREIGN: &str = "Plan version does not belong to your service provider";
/// `400` detail for a plan version outside its window.
pub const PLAN_VERSION_NOT_ACTIVE: &str = "Plan version not active";
/// `401` detail when `X-Webhook-Secret` is missing.
pub const WEBHOOK_SECRET_REQUIRED: &str = "X-Webhook-Secret header required";
/// `401` detail for a wrong webhook secret (or an unknown provider).
pub const INVALID_WEBHOOK_SECRET: &str = "Invalid webhook secret";
/// `401` detail when `X-API-Key` is missing.
pub const API_KEY_REQUIRED: &str = "X-API-Key header required";
/// `401` detail for an unknown or revoked API key.
pub const INVALID_API_KEY: &str = "Invalid API key";
/// `429` detail.
pub const RATE_LIMIT_EXCEEDED: &str = "Rate limit exceeded";
/// `429` detail when a provider has too many batches in progress (gap G17).
pub const TOO_MANY_BATCHES: &str = "Too many concurrent batches";
/// `409` detail when a location holds a live subscription (gap G18).
pub const LOCATION_TAKEN: &str = "Location already has an active subscription";
/// `409` detail when a unit holds a live subscription.
pub const UNIT_TAKEN: &str = "Unit already has a pending or active subscription";
/// `409` detail when an idempotency key comes back with another location or unit (gap G1).
pub const IDEMPOTENCY_LOCATION_MISMATCH: &str = "Idempotency key reused with different location";
/// `409` detail when an idempotency key comes back with the same location but another body
/// (other subscriber details, MAC address or external id).
pub const IDEMPOTENCY_MISMATCH: &str = "Idempotency key reused with a different request";

/// The body of an error response: a string, or the 422 list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum Detail {
    /// `{"detail": "..."}`.
    Text(String),
    /// `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`.
    Fields(Vec<FieldError>),
}

/// Everything a service call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// 403.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404.
    #[error("not found: {0}")]
    NotFound(String),
    /// 422 with field errors.
    #[error("invalid request: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Validation(Vec<FieldError>),
    /// 422 with a plain detail (`Invalid location_hash format`).
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// 400.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 409.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 429.
    #[error("too many requests: {0}")]
    TooManyRequests(String),
    /// 500: the store failed; the request can be retried (nothing partial was written).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// 500: a bug or a broken invariant.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The HTTP status kurnl answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Validation(_) | Self::Unprocessable(_) => 422,
            Self::BadRequest(_) => 400,
            Self::Conflict(_) => 409,
            Self::TooManyRequests(_) => 429,
            Self::Store(_) | Self::Internal(_) => 500,
        }
    }

    /// The `detail` of the response body. 500s say nothing about internals.
    pub fn detail(&self) -> Detail {
        match self {
            Self::Unauthorized(s) => Detail::Text((*s).to_owned()),
            Self::Forbidden(s)
            | Self::NotFound(s)
            | Self::Unprocessable(s)
            | Self::BadRequest(s)
            | Self::Conflict(s)
            | Self::TooManyRequests(s) => Detail::Text(s.clone()),
            Self::Validation(fields) => Detail::Fields(fields.clone()),
            Self::Store(_) | Self::Internal(_) => Detail::Text("Internal server error".to_owned()),
        }
    }

    /// One field error.
    pub fn field(err: FieldError) -> Self {
        Self::Validation(vec![err])
    }
}

/// Service result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! The error answer of every endpoint: `{"detail": ...}` with the status of the failure.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kurnl_core::error::Detail;
use kurnl_core::types::FieldError;

/// `404` detail for an unknown route.
pub const NOT_FOUND: &str = "Not Found";
/// `405` detail for a known route called with another method.
pub const METHOD_NOT_ALLOWED: &str = "Method Not Allowed";
/// `413` detail for a body over the configured limit.
pub const BODY_TOO_LARGE: &str = "Request body too large";
/// `415` detail for a body that is not declared as JSON.
pub const UNSUPPORTED_MEDIA_TYPE: &str = "Content-Type must be application/json";
/// `400` detail for a body that could not be read from the connection.
pub const BODY_UNREADABLE: &str = "Request body could not be read";
/// `500` detail (nothing about internals).
pub const INTERNAL: &str = "Internal server error";

/// A failed request, rendered as kurnl's JSON error body.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A failure reported by the service (status and detail from [`kurnl_core::Error`]).
    #[error(transparent)]
    Service(#[from] kurnl_core::Error),
    /// A failure of the HTTP layer itself (unknown route, unreadable body, ...).
    #[error("http error {status}: {detail}")]
    Http {
        /// The status to answer with.
        status: StatusCode,
        /// The `detail` string.
        detail: &'static str,
    },
}

impl ApiError {
    /// An HTTP-layer error with a plain `detail` string.
    pub fn http(status: StatusCode, detail: &'static str) -> Self {
        Self::Http { status, detail }
    }

    /// A 422 with the given field errors.
    pub fn validation(fields: Vec<FieldError>) -> Self {
        Self::Service(kurnl_core::Error::Validation(fields))
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Service(e) => {
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Self::Http { status, .. } => *status,
        }
    }

    /// The `detail` of the body.
    pub fn detail(&self) -> Detail {
        match self {
            Self::Service(e) => e.detail(),
            Self::Http { detail, .. } => Detail::Text((*detail).to_owned()),
        }
    }
}

/// The JSON error body.
#[derive(Debug, serde::Serialize)]
struct Body {
    detail: Detail,
}

/// Builds the `{"detail": ...}` response for a status and detail.
pub(crate) fn detail_response(status: StatusCode, detail: Detail) -> Response {
    (status, Json(Body { detail })).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // Logged for operators; the client only ever sees the generic detail.
            tracing::error!(error = %self, "request failed");
        }
        detail_response(status, self.detail())
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

//! Probes for orchestrators and load balancers: `GET /healthz` (the process serves
//! requests) and `GET /readyz` (the store answers and its schema is current). Neither needs
//! a key, neither is rate limited, and neither says more than the state: the reason a store
//! is not ready is logged for the operator, not shown to whoever asks.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::router::AppState;

/// `GET /healthz`: 200 `{"status": "ok"}` while the process answers at all.
pub(crate) async fn healthz() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

/// `GET /readyz`: 200 `{"status": "ready"}`, or 503 `{"status": "unavailable", "reason":
/// "store"}` when the store does not answer or its schema is not at this build's migration.
pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    match state.service.store().check_ready().await {
        Ok(()) => Json(json!({"status": "ready"})).into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "reason": "store"})),
            )
                .into_response()
        }
    }
}

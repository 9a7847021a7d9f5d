//! CKO-03 external checkout: `complete` and `anonymous-complete` (`X-Webhook-Secret`).

use axum::Json;
use axum::extract::State;
use kurnl_core::service::{AnonymousRequest, CheckoutRequest, ProvisionResponse};

use crate::auth::WebhookCall;
use crate::error::ApiResult;
use crate::router::AppState;
use crate::schema;

/// Finishes a marketplace checkout (direct or home-drop).
#[utoipa::path(
    post,
    path = "/api/v1/partner/external-checkout/complete",
    tag = "external-checkout",
    security(("webhook_secret" = [])),
    request_body = schema::CheckoutRequest,
    responses(
        (status = 200, description = "Provisioning started (direct) or pending installation (home-drop); a replay returns the first answer", body = schema::ProvisionResponse),
        (status = 401, description = "`X-Webhook-Secret header required` / `Invalid webhook secret`", body = schema::ErrorDetail),
        (status = 403, description = "`Plan version does not belong to your service provider`", body = schema::ErrorDetail),
        (status = 404, description = "`Location not found for location_hash`", body = schema::ErrorDetail),
        (status = 400, description = "`Plan version not active`", body = schema::ErrorDetail),
        (status = 409, description = "Location or unit already has a live subscription", body = schema::ErrorDetail),
        (status = 422, description = "`Invalid location_hash format` (a plain string) or field errors", body = schema::LocationValidationError),
        (status = 429, description = "`Rate limit exceeded` (120/min per IP)", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn complete(
    State(state): State<AppState>,
    call: WebhookCall<CheckoutRequest>,
) -> ApiResult<Json<ProvisionResponse>> {
    let r = state
        .service
        .checkout_complete(&call.caller, call.body)
        .await?;
    Ok(Json(r))
}

/// Finishes an anonymous checkout (no subscriber record is kept).
#[utoipa::path(
    post,
    path = "/api/v1/partner/external-checkout/anonymous-complete",
    tag = "external-checkout",
    security(("webhook_secret" = [])),
    request_body = schema::AnonymousRequest,
    responses(
        (status = 200, description = "Provisioning started; a replay with the same `external_subscription_id` returns the first answer", body = schema::ProvisionResponse),
        (status = 401, description = "`X-Webhook-Secret header required` / `Invalid webhook secret`", body = schema::ErrorDetail),
        (status = 403, description = "Foreign plan version", body = schema::ErrorDetail),
        (status = 404, description = "`Location not found for location_hash`", body = schema::ErrorDetail),
        (status = 400, description = "`Plan version not active`", body = schema::ErrorDetail),
        (status = 409, description = "Location or unit taken", body = schema::ErrorDetail),
        (status = 422, description = "`Invalid location_hash format` (a plain string) or field errors", body = schema::LocationValidationError),
        (status = 429, description = "`Rate limit exceeded`", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn anonymous_complete(
    State(state): State<AppState>,
    call: WebhookCall<AnonymousRequest>,
) -> ApiResult<Json<ProvisionResponse>> {
    let r = state
        .service
        .anonymous_complete(&call.caller, call.body)
        .await?;
    Ok(Json(r))
}

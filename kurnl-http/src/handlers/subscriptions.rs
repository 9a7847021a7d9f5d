//! Subscription lifecycle (`X-API-Key`): activate, change-plan, suspend, reactivate, cancel.
//! None of them reads a body except change-plan.

use axum::Json;
use axum::extract::State;
use kurnl_core::service::{ChangePlanRequest, LifecycleResponse};

use super::IdPath;
use crate::auth::ApiCaller;
use crate::error::ApiResult;
use crate::json::JsonBody;
use crate::router::AppState;
use crate::schema;

/// `PENDING` -> `ACTIVE` (e.g. after payment).
#[utoipa::path(
    post,
    path = "/api/v1/subscription/{subscription_id}/activate",
    tag = "subscriptions",
    security(("api_key" = [])),
    params(("subscription_id" = String, Path, description = "The subscription")),
    responses(
        (status = 200, description = "Activated", body = schema::LifecycleResponse),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 404, description = "Unknown or another provider's subscription", body = schema::ErrorDetail),
        (status = 409, description = "Not `PENDING`", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn activate(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<LifecycleResponse>> {
    Ok(Json(state.service.activate(&caller, &id).await?))
}

/// Moves the port to the new plan version's VLAN and limits.
#[utoipa::path(
    post,
    path = "/api/v1/subscription/{subscription_id}/change-plan",
    tag = "subscriptions",
    security(("api_key" = [])),
    params(("subscription_id" = String, Path, description = "The subscription")),
    request_body = schema::ChangePlanRequest,
    responses(
        (status = 200, description = "Changed (a job is started when `ACTIVE`)", body = schema::LifecycleResponse),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 403, description = "`Plan version does not belong to your service provider`", body = schema::ErrorDetail),
        (status = 404, description = "Unknown or another provider's subscription", body = schema::ErrorDetail),
        (status = 400, description = "`Plan version not active`", body = schema::ErrorDetail),
        (status = 409, description = "Cancelled", body = schema::ErrorDetail),
        (status = 422, description = "Validation failure", body = schema::ValidationError),
    )
)]
pub(crate) async fn change_plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    IdPath(id): IdPath,
    JsonBody(req): JsonBody<ChangePlanRequest>,
) -> ApiResult<Json<LifecycleResponse>> {
    Ok(Json(state.service.change_plan(&caller, &id, req).await?))
}

/// `ACTIVE` -> `SUSPENDED`: the port is blocked, the subscription kept.
#[utoipa::path(
    post,
    path = "/api/v1/subscription/{subscription_id}/suspend",
    tag = "subscriptions",
    security(("api_key" = [])),
    params(("subscription_id" = String, Path, description = "The subscription")),
    responses(
        (status = 200, description = "Suspended (no-op when already suspended)", body = schema::LifecycleResponse),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 404, description = "Unknown or another provider's subscription", body = schema::ErrorDetail),
        (status = 409, description = "Not `ACTIVE`", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn suspend(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<LifecycleResponse>> {
    Ok(Json(state.service.suspend(&caller, &id).await?))
}

/// `SUSPENDED` -> `ACTIVE`: the port gets the plan's VLAN and limits back.
#[utoipa::path(
    post,
    path = "/api/v1/subscription/{subscription_id}/reactivate",
    tag = "subscriptions",
    security(("api_key" = [])),
    params(("subscription_id" = String, Path, description = "The subscription")),
    responses(
        (status = 200, description = "Reactivated (no-op when already active)", body = schema::LifecycleResponse),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 404, description = "Unknown or another provider's subscription", body = schema::ErrorDetail),
        (status = 409, description = "Not `SUSPENDED`", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn reactivate(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<LifecycleResponse>> {
    Ok(Json(state.service.reactivate(&caller, &id).await?))
}

/// Any status -> `CANCELLED`: the port returns to the captive portal VLAN.
#[utoipa::path(
    post,
    path = "/api/v1/subscription/{subscription_id}/cancel",
    tag = "subscriptions",
    security(("api_key" = [])),
    params(("subscription_id" = String, Path, description = "The subscription")),
    responses(
        (status = 200, description = "Cancelled (no-op when already cancelled)", body = schema::LifecycleResponse),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 404, description = "Unknown or another provider's subscription", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<LifecycleResponse>> {
    Ok(Json(state.service.cancel(&caller, &id).await?))
}

//! Plans, CKO-04, bulk, job polling and confirm-install (`X-API-Key`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kurnl_core::service::{
    BatchAccepted, BatchStatusView, BulkRequest, ConfirmInstallRequest, JobView, PlanVersionView,
    ProvisionRequest, ProvisionResponse,
};

use super::IdPath;
use crate::auth::ApiCaller;
use crate::error::ApiResult;
use crate::json::JsonBody;
use crate::router::AppState;
use crate::schema;

/// The caller's plan versions that are active now.
#[utoipa::path(
    get,
    path = "/api/v1/partner/marketplace/plans/me",
    tag = "plans",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Active plan versions; `document_id` is the `plan_version_id`", body = Vec<schema::PlanVersionView>),
        (status = 401, description = "`X-API-Key header required` / `Invalid API key`", body = schema::ErrorDetail),
        (status = 429, description = "`Rate limit exceeded`", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn plans_me(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Vec<PlanVersionView>>> {
    Ok(Json(state.service.my_plan_versions(&caller).await?))
}

/// CKO-04: finds or creates the subscriber, creates and activates the subscription, and
/// provisions the port.
#[utoipa::path(
    post,
    path = "/api/v1/partner/provisioning/provider-initiated",
    tag = "provisioning",
    security(("api_key" = [])),
    request_body = schema::ProvisionRequest,
    responses(
        (status = 200, description = "Provisioning started; a replay returns the first answer", body = schema::ProvisionResponse),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 403, description = "`Plan version does not belong to your service provider`", body = schema::ErrorDetail),
        (status = 404, description = "`Location not found for location_hash`", body = schema::ErrorDetail),
        (status = 400, description = "`Plan version not active`", body = schema::ErrorDetail),
        (status = 409, description = "`Location already has an active subscription`", body = schema::ErrorDetail),
        (status = 422, description = "`Invalid location_hash format` (a plain string) or field errors", body = schema::LocationValidationError),
        (status = 429, description = "`Rate limit exceeded`", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn provider_initiated(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonBody(req): JsonBody<ProvisionRequest>,
) -> ApiResult<Json<ProvisionResponse>> {
    Ok(Json(state.service.provider_initiated(&caller, req).await?))
}

/// Submits up to 100 CKO-04 entries at once; each fails or succeeds on its own.
#[utoipa::path(
    post,
    path = "/api/v1/partner/provisioning/bulk",
    tag = "provisioning",
    security(("api_key" = [])),
    request_body = schema::BulkRequest,
    responses(
        (status = 202, description = "Batch queued", body = schema::BatchAccepted),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 422, description = "No entries, more than 100, or an entry field of the wrong type", body = schema::ValidationError),
        (status = 429, description = "`Rate limit exceeded` / `Too many concurrent batches`", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn bulk_submit(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonBody(req): JsonBody<BulkRequest>,
) -> ApiResult<(StatusCode, Json<BatchAccepted>)> {
    let accepted = state.service.bulk_submit(&caller, req).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

/// Polls a batch until `completed` or `completed_with_errors`.
#[utoipa::path(
    get,
    path = "/api/v1/partner/provisioning/bulk/{batch_id}",
    tag = "provisioning",
    security(("api_key" = [])),
    params(("batch_id" = String, Path, description = "The batch")),
    responses(
        (status = 200, description = "Batch progress and per-entry results", body = schema::BatchStatusView),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 404, description = "Unknown, foreign or expired batch", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn bulk_status(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<BatchStatusView>> {
    Ok(Json(state.service.bulk_status(&caller, &id).await?))
}

/// A provisioning job (non-standard extension of the documented API).
#[utoipa::path(
    get,
    path = "/api/v1/partner/provisioning/jobs/{job_id}",
    tag = "provisioning",
    security(("api_key" = [])),
    params(("job_id" = String, Path, description = "The job")),
    responses(
        (status = 200, description = "The job", body = schema::JobView),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 404, description = "`Job not found` (also for another provider's job)", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn job_status(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<JobView>> {
    Ok(Json(state.service.job_status(&caller, &id).await?))
}

/// Home-drop: the technician patched the unit to a switch port; provisioning starts.
#[utoipa::path(
    post,
    path = "/api/v1/provisioning/confirm-install",
    tag = "provisioning",
    security(("api_key" = [])),
    request_body = schema::ConfirmInstallRequest,
    responses(
        (status = 200, description = "Provisioning started; a repeat returns the same job", body = schema::ProvisionResponse),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 404, description = "Unknown subscription, switch or port", body = schema::ErrorDetail),
        (status = 409, description = "Not pending installation, or the port is in use", body = schema::ErrorDetail),
        (status = 422, description = "Validation failure", body = schema::ValidationError),
    )
)]
pub(crate) async fn confirm_install(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonBody(req): JsonBody<ConfirmInstallRequest>,
) -> ApiResult<Json<ProvisionResponse>> {
    Ok(Json(state.service.confirm_install(&caller, req).await?))
}

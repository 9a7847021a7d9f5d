//! The operator's job queue (`X-Operator-Key`, non-standard extensions): list and filter
//! jobs of every provider, read one with its full error, retry a failed one, cancel a queued
//! one.

use axum::Json;
use axum::extract::State;
use kurnl_core::service::{JobListQuery, JobPage, OperatorJobView};

use super::IdPath;
use crate::auth::OperatorCaller;
use crate::error::ApiResult;
use crate::json::ValidQuery;
use crate::router::AppState;
use crate::schema;
use crate::schema_operator;

/// Jobs of every provider, newest first, filtered (non-standard extension).
#[utoipa::path(
    get,
    path = "/api/v1/operator/jobs",
    tag = "operator",
    security(("operator_key" = [])),
    params(schema_operator::JobListParams),
    responses(
        (status = 200, description = "A page of jobs", body = schema_operator::JobPage),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 422, description = "Bad status, id or limit (1..=500)", body = schema::ValidationError),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    OperatorCaller(op): OperatorCaller,
    ValidQuery(query): ValidQuery<JobListQuery>,
) -> ApiResult<Json<JobPage>> {
    Ok(Json(state.service.operator_list_jobs(&op, query).await?))
}

/// One job with its port, desired state and full last error (non-standard extension).
#[utoipa::path(
    get,
    path = "/api/v1/operator/jobs/{job_id}",
    tag = "operator",
    security(("operator_key" = [])),
    params(("job_id" = String, Path, description = "The job")),
    responses(
        (status = 200, description = "The job", body = schema_operator::OperatorJob),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Job not found`", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn get_one(
    State(state): State<AppState>,
    OperatorCaller(op): OperatorCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<OperatorJobView>> {
    Ok(Json(state.service.operator_job(&op, &id).await?))
}

/// Puts a failed job back in the queue, due now, with a fresh retry budget (non-standard
/// extension). Refused while a later job for the same port exists.
#[utoipa::path(
    post,
    path = "/api/v1/operator/jobs/{job_id}/retry",
    tag = "operator",
    security(("operator_key" = [])),
    params(("job_id" = String, Path, description = "The failed job")),
    responses(
        (status = 200, description = "The job, pending again", body = schema_operator::OperatorJob),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Job not found`", body = schema::ErrorDetail),
        (status = 409, description = "Not failed, or a later job for the port exists", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn retry(
    State(state): State<AppState>,
    OperatorCaller(op): OperatorCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<OperatorJobView>> {
    Ok(Json(state.service.operator_retry_job(&op, &id).await?))
}

/// Takes a queued job out of the queue before it runs (non-standard extension): the port is
/// not touched and the provider receives `provisioning.failed` (except for a `repair` job of
/// the drift audit: the provider was told of the drift, not of the repair).
#[utoipa::path(
    post,
    path = "/api/v1/operator/jobs/{job_id}/cancel",
    tag = "operator",
    security(("operator_key" = [])),
    params(("job_id" = String, Path, description = "The pending job")),
    responses(
        (status = 200, description = "The job, cancelled", body = schema_operator::OperatorJob),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Job not found`", body = schema::ErrorDetail),
        (status = 409, description = "Running or finished", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    OperatorCaller(op): OperatorCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<OperatorJobView>> {
    Ok(Json(state.service.operator_cancel_job(&op, &id).await?))
}

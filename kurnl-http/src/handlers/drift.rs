//! The drift audit as the operator sees it (`X-Operator-Key`, non-standard extensions): the
//! drifted ports the audit found, and each switch's audit schedule and last result.

use axum::Json;
use axum::extract::State;
use kurnl_core::service::{DriftFindingView, DriftListQuery, SwitchAuditView};

use crate::auth::OperatorCaller;
use crate::error::ApiResult;
use crate::json::ValidQuery;
use crate::router::AppState;
use crate::schema;
use crate::schema_drift;

/// Drifted ports found by the audit, newest first (non-standard extension).
///
/// Each finding is a managed port whose state on the switch differed from what kurnl last
/// applied: both states, the fields that differed and what was done (`reported`,
/// `repair_queued` with the `repair` job, or `repair_superseded` when a job of the port
/// already decides it).
#[utoipa::path(
    get,
    path = "/api/v1/operator/drift",
    tag = "operator",
    security(("operator_key" = [])),
    params(schema_drift::DriftListParams),
    responses(
        (status = 200, description = "Drift findings, newest first", body = Vec<schema_drift::DriftFinding>),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 422, description = "Bad switch_id, since or limit (1..=500)", body = schema::ValidationError),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    OperatorCaller(op): OperatorCaller,
    ValidQuery(query): ValidQuery<DriftListQuery>,
) -> ApiResult<Json<Vec<DriftFindingView>>> {
    Ok(Json(state.service.operator_list_drift(&op, query).await?))
}

/// Every audited switch's audit schedule and last audit, by switch id (non-standard
/// extension). A switch appears once the audit has scheduled it.
#[utoipa::path(
    get,
    path = "/api/v1/operator/audits",
    tag = "operator",
    security(("operator_key" = [])),
    responses(
        (status = 200, description = "The audited switches", body = Vec<schema_drift::SwitchAudit>),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn audits(
    State(state): State<AppState>,
    OperatorCaller(op): OperatorCaller,
) -> ApiResult<Json<Vec<SwitchAuditView>>> {
    Ok(Json(state.service.operator_list_audits(&op).await?))
}

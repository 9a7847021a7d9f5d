//! Webhook deliveries (`X-API-Key`, non-standard extensions): the delivery list and replays.

use axum::Json;
use axum::extract::State;
use kurnl_core::service::{DeliveryListQuery, DeliveryPage, ReplayRequest, ReplayView};

use crate::auth::ApiCaller;
use crate::error::ApiResult;
use crate::json::{JsonBody, ValidQuery};
use crate::router::AppState;
use crate::schema;
use crate::schema_deliveries;

/// The caller's webhook deliveries, oldest first, a page at a time (non-standard extension).
///
/// Every event of the caller's environment with its delivery state (`pending`, `delivered`,
/// `failed`), attempt count and latest attempt; `endpoint_disabled` is set when the endpoint
/// answered `410 Gone` and kurnl stopped sending.
#[utoipa::path(
    get,
    path = "/api/v1/provider/webhooks/deliveries",
    tag = "webhooks",
    security(("api_key" = [])),
    params(schema_deliveries::DeliveryListParams),
    responses(
        (status = 200, description = "A page of deliveries", body = schema_deliveries::DeliveryPage),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 422, description = "Bad page, page_size (1..=100), status, event, since or until", body = schema::ValidationError),
    )
)]
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ValidQuery(query): ValidQuery<DeliveryListQuery>,
) -> ApiResult<Json<DeliveryPage>> {
    Ok(Json(state.service.list_deliveries(&caller, query).await?))
}

/// Queues the caller's deliveries again (non-standard extension).
///
/// Every event created at or after `since` (and before `until`, if given; only those in
/// `status` or of `event`, if given) goes back to `pending`, due now, with its original
/// `event_id` and `sequence`, so receivers deduplicate a replay like any redelivery. Events
/// with an attempt in flight are left alone. Also re-enables an endpoint that a `410 Gone`
/// disabled.
#[utoipa::path(
    post,
    path = "/api/v1/provider/webhooks/replay",
    tag = "webhooks",
    security(("api_key" = [])),
    request_body = schema_deliveries::ReplayRequest,
    responses(
        (status = 200, description = "How many deliveries were queued again", body = schema_deliveries::ReplayView),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 422, description = "Missing or bad since, bad until, status or event", body = schema::ValidationError),
    )
)]
pub(crate) async fn replay(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonBody(req): JsonBody<ReplayRequest>,
) -> ApiResult<Json<ReplayView>> {
    Ok(Json(state.service.replay_deliveries(&caller, req).await?))
}

//! Subscriber management (`X-API-Key`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kurnl_core::service::{
    PageQuery, PageView, SubscriberCreateRequest, SubscriberListQuery, SubscriberPatch,
    SubscriberView, SubscriptionView,
};

use super::IdPath;
use crate::auth::ApiCaller;
use crate::error::ApiResult;
use crate::json::{JsonBody, ValidQuery};
use crate::router::AppState;
use crate::schema;

/// The caller's subscribers, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/provider/subscribers",
    tag = "subscribers",
    security(("api_key" = [])),
    params(schema::SubscriberListParams),
    responses(
        (status = 200, description = "A page of subscribers", body = schema::SubscriberPage),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 422, description = "Bad page, page_size (1..=100) or status", body = schema::ValidationError),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ValidQuery(query): ValidQuery<SubscriberListQuery>,
) -> ApiResult<Json<PageView<SubscriberView>>> {
    Ok(Json(state.service.list_subscribers(&caller, query).await?))
}

/// Registers a subscriber without provisioning anything; idempotent by email.
#[utoipa::path(
    post,
    path = "/api/v1/provider/subscribers",
    tag = "subscribers",
    security(("api_key" = [])),
    request_body = schema::SubscriberCreateRequest,
    responses(
        (status = 201, description = "Created", body = schema::SubscriberView),
        (status = 200, description = "A subscriber with this email already existed", body = schema::SubscriberView),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 409, description = "The email exists with other details", body = schema::ErrorDetail),
        (status = 422, description = "Validation failure", body = schema::ValidationError),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonBody(req): JsonBody<SubscriberCreateRequest>,
) -> ApiResult<(StatusCode, Json<SubscriberView>)> {
    let created = state.service.create_subscriber(&caller, req).await?;
    let status = if created.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(created.subscriber)))
}

/// One subscriber with its subscriptions.
#[utoipa::path(
    get,
    path = "/api/v1/provider/subscribers/{subscriber_id}",
    tag = "subscribers",
    security(("api_key" = [])),
    params(("subscriber_id" = String, Path, description = "The subscriber")),
    responses(
        (status = 200, description = "The subscriber", body = schema::SubscriberView),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 404, description = "Unknown or another provider's subscriber", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn get_one(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<SubscriberView>> {
    Ok(Json(state.service.get_subscriber(&caller, &id).await?))
}

/// Changes the fields sent; `email`, `country` and unknown fields are rejected.
#[utoipa::path(
    patch,
    path = "/api/v1/provider/subscribers/{subscriber_id}",
    tag = "subscribers",
    security(("api_key" = [])),
    params(("subscriber_id" = String, Path, description = "The subscriber")),
    request_body = schema::SubscriberPatch,
    responses(
        (status = 200, description = "The updated subscriber", body = schema::SubscriberView),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 404, description = "Unknown or another provider's subscriber", body = schema::ErrorDetail),
        (status = 422, description = "Bad, immutable or unknown field", body = schema::ValidationError),
    )
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    IdPath(id): IdPath,
    JsonBody(patch): JsonBody<SubscriberPatch>,
) -> ApiResult<Json<SubscriberView>> {
    Ok(Json(
        state.service.update_subscriber(&caller, &id, patch).await?,
    ))
}

/// The subscriber's subscriptions.
#[utoipa::path(
    get,
    path = "/api/v1/provider/subscribers/{subscriber_id}/subscriptions",
    tag = "subscribers",
    security(("api_key" = [])),
    params(
        ("subscriber_id" = String, Path, description = "The subscriber"),
        schema::PageParams,
    ),
    responses(
        (status = 200, description = "A page of the subscriptions, oldest first; `page_size` is the page size asked for", body = schema::SubscriptionPage),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 404, description = "Unknown or another provider's subscriber", body = schema::ErrorDetail),
        (status = 422, description = "Bad page or page_size (1..=100)", body = schema::ValidationError),
    )
)]
pub(crate) async fn subscriptions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    IdPath(id): IdPath,
    ValidQuery(query): ValidQuery<PageQuery>,
) -> ApiResult<Json<PageView<SubscriptionView>>> {
    Ok(Json(
        state
            .service
            .list_subscriber_subscriptions(&caller, &id, query)
            .await?,
    ))
}

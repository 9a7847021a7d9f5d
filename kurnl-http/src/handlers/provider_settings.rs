//! Provider settings and credentials (non-standard extensions): the operator's calls on any
//! provider (`X-Operator-Key`, under `/operator/providers/{provider_id}`) and the provider's
//! own (`X-API-Key`, under `/provider`), both served by the same service calls.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kurnl_core::service::{
    ApiKeyView, IssueKeyRequest, IssuedKeyView, ProviderSettingsUpdate, ProviderSettingsView,
    RotateSecretRequest, RotatedSecretView, SettingsActor,
};

use super::{IdPair, IdPath};
use crate::auth::{ApiCaller, OperatorCaller};
use crate::error::ApiResult;
use crate::json::JsonBody;
use crate::router::AppState;
use crate::schema;
use crate::schema_operator;

fn own(caller: &kurnl_core::service::Caller) -> (SettingsActor, String) {
    (
        SettingsActor::Provider(*caller),
        caller.provider_id.to_string(),
    )
}

/// Every provider's settings, by name (non-standard extension, operator).
#[utoipa::path(
    get,
    path = "/api/v1/operator/providers",
    tag = "operator",
    security(("operator_key" = [])),
    responses(
        (status = 200, description = "The providers (never a secret)", body = Vec<schema_operator::ProviderSettings>),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn operator_list(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
) -> ApiResult<Json<Vec<ProviderSettingsView>>> {
    Ok(Json(state.service.list_provider_settings().await?))
}

/// A provider's settings (non-standard extension, operator).
#[utoipa::path(
    get,
    path = "/api/v1/operator/providers/{provider_id}",
    tag = "operator",
    security(("operator_key" = [])),
    params(("provider_id" = String, Path, description = "The provider")),
    responses(
        (status = 200, description = "The settings (never a secret)", body = schema_operator::ProviderSettings),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Provider not found`", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn operator_get(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<ProviderSettingsView>> {
    Ok(Json(state.service.provider_settings(&id).await?))
}

/// Changes a provider's URLs (non-standard extension, operator): a field left out stays,
/// `null` clears it; effective from the next delivery or checkout.
#[utoipa::path(
    patch,
    path = "/api/v1/operator/providers/{provider_id}",
    tag = "operator",
    security(("operator_key" = [])),
    params(("provider_id" = String, Path, description = "The provider")),
    request_body = schema_operator::ProviderSettingsUpdate,
    responses(
        (status = 200, description = "The settings after the change", body = schema_operator::ProviderSettings),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Provider not found`", body = schema::ErrorDetail),
        (status = 422, description = "A URL that is not http(s), or an unknown field", body = schema::ValidationError),
    )
)]
pub(crate) async fn operator_update(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPath(id): IdPath,
    JsonBody(update): JsonBody<ProviderSettingsUpdate>,
) -> ApiResult<Json<ProviderSettingsView>> {
    let view = state
        .service
        .update_provider_settings(SettingsActor::Operator, &id, update)
        .await?;
    Ok(Json(view))
}

/// Rotates a provider's webhook secret (non-standard extension, operator). The new secret is
/// shown once; the previous one keeps signing and opening external checkout for the overlap.
#[utoipa::path(
    post,
    path = "/api/v1/operator/providers/{provider_id}/webhook-secret/rotate",
    tag = "operator",
    security(("operator_key" = [])),
    params(("provider_id" = String, Path, description = "The provider")),
    request_body = schema_operator::RotateSecretRequest,
    responses(
        (status = 200, description = "The new secret", body = schema_operator::RotatedSecret),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Provider not found`", body = schema::ErrorDetail),
        (status = 422, description = "An overlap over 604800 s, or an unknown field", body = schema::ValidationError),
    )
)]
pub(crate) async fn operator_rotate(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPath(id): IdPath,
    JsonBody(req): JsonBody<RotateSecretRequest>,
) -> ApiResult<Json<RotatedSecretView>> {
    let view = state
        .service
        .rotate_webhook_secret(SettingsActor::Operator, &id, req)
        .await?;
    Ok(Json(view))
}

/// A provider's API keys, revoked ones included (non-standard extension, operator).
#[utoipa::path(
    get,
    path = "/api/v1/operator/providers/{provider_id}/api-keys",
    tag = "operator",
    security(("operator_key" = [])),
    params(("provider_id" = String, Path, description = "The provider")),
    responses(
        (status = 200, description = "The keys (never the keys themselves)", body = Vec<schema_operator::ApiKey>),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Provider not found`", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn operator_keys(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<Vec<ApiKeyView>>> {
    let keys = state
        .service
        .provider_api_keys(SettingsActor::Operator, &id)
        .await?;
    Ok(Json(keys))
}

/// Issues an API key for a provider (non-standard extension, operator); shown once.
#[utoipa::path(
    post,
    path = "/api/v1/operator/providers/{provider_id}/api-keys",
    tag = "operator",
    security(("operator_key" = [])),
    params(("provider_id" = String, Path, description = "The provider")),
    request_body = schema_operator::IssueKeyRequest,
    responses(
        (status = 201, description = "The new key", body = schema_operator::IssuedKey),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Provider not found`", body = schema::ErrorDetail),
        (status = 422, description = "An unknown field", body = schema::ValidationError),
    )
)]
pub(crate) async fn operator_issue_key(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPath(id): IdPath,
    JsonBody(req): JsonBody<IssueKeyRequest>,
) -> ApiResult<(StatusCode, Json<IssuedKeyView>)> {
    let issued = state
        .service
        .issue_provider_api_key(SettingsActor::Operator, &id, req)
        .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// Revokes one of a provider's API keys at once (non-standard extension, operator).
#[utoipa::path(
    post,
    path = "/api/v1/operator/providers/{provider_id}/api-keys/{key_id}/revoke",
    tag = "operator",
    security(("operator_key" = [])),
    params(
        ("provider_id" = String, Path, description = "The provider"),
        ("key_id" = String, Path, description = "The key's id"),
    ),
    responses(
        (status = 200, description = "The key, revoked", body = schema_operator::ApiKey),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Provider not found` or `API key not found`", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn operator_revoke_key(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPair(provider, key): IdPair,
) -> ApiResult<Json<ApiKeyView>> {
    let view = state
        .service
        .revoke_provider_api_key(SettingsActor::Operator, &provider, &key)
        .await?;
    Ok(Json(view))
}

/// The caller's own settings (non-standard extension).
#[utoipa::path(
    get,
    path = "/api/v1/provider/settings",
    tag = "provider-settings",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The settings (never a secret)", body = schema_operator::ProviderSettings),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn own_get(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<ProviderSettingsView>> {
    let (_, id) = own(&caller);
    Ok(Json(state.service.provider_settings(&id).await?))
}

/// Changes the caller's own URLs (non-standard extension); a sandbox key may change only
/// `sandbox_webhook_url`.
#[utoipa::path(
    patch,
    path = "/api/v1/provider/settings",
    tag = "provider-settings",
    security(("api_key" = [])),
    request_body = schema_operator::ProviderSettingsUpdate,
    responses(
        (status = 200, description = "The settings after the change", body = schema_operator::ProviderSettings),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 403, description = "A sandbox key changing a production setting", body = schema::ErrorDetail),
        (status = 422, description = "A URL that is not http(s), or an unknown field", body = schema::ValidationError),
    )
)]
pub(crate) async fn own_update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonBody(update): JsonBody<ProviderSettingsUpdate>,
) -> ApiResult<Json<ProviderSettingsView>> {
    let (actor, id) = own(&caller);
    let view = state
        .service
        .update_provider_settings(actor, &id, update)
        .await?;
    Ok(Json(view))
}

/// Rotates the webhook secret of the caller's environment (non-standard extension).
#[utoipa::path(
    post,
    path = "/api/v1/provider/webhook-secret/rotate",
    tag = "provider-settings",
    security(("api_key" = [])),
    request_body = schema_operator::RotateSecretRequest,
    responses(
        (status = 200, description = "The new secret", body = schema_operator::RotatedSecret),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 422, description = "An overlap over 604800 s, or an unknown field", body = schema::ValidationError),
    )
)]
pub(crate) async fn own_rotate(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonBody(req): JsonBody<RotateSecretRequest>,
) -> ApiResult<Json<RotatedSecretView>> {
    let (actor, id) = own(&caller);
    let view = state.service.rotate_webhook_secret(actor, &id, req).await?;
    Ok(Json(view))
}

/// The caller's API keys of its environment, revoked ones included (non-standard extension).
#[utoipa::path(
    get,
    path = "/api/v1/provider/api-keys",
    tag = "provider-settings",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The keys (never the keys themselves)", body = Vec<schema_operator::ApiKey>),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn own_keys(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Vec<ApiKeyView>>> {
    let (actor, id) = own(&caller);
    Ok(Json(state.service.provider_api_keys(actor, &id).await?))
}

/// Issues the caller a new API key of its environment (non-standard extension); shown once.
#[utoipa::path(
    post,
    path = "/api/v1/provider/api-keys",
    tag = "provider-settings",
    security(("api_key" = [])),
    request_body = schema_operator::IssueKeyRequest,
    responses(
        (status = 201, description = "The new key", body = schema_operator::IssuedKey),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 422, description = "An unknown field", body = schema::ValidationError),
    )
)]
pub(crate) async fn own_issue_key(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonBody(req): JsonBody<IssueKeyRequest>,
) -> ApiResult<(StatusCode, Json<IssuedKeyView>)> {
    let (actor, id) = own(&caller);
    let issued = state
        .service
        .issue_provider_api_key(actor, &id, req)
        .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// Revokes one of the caller's API keys at once, the calling key included (non-standard
/// extension).
#[utoipa::path(
    post,
    path = "/api/v1/provider/api-keys/{key_id}/revoke",
    tag = "provider-settings",
    security(("api_key" = [])),
    params(("key_id" = String, Path, description = "The key's id")),
    responses(
        (status = 200, description = "The key, revoked", body = schema_operator::ApiKey),
        (status = 401, description = "Missing or invalid API key", body = schema::ErrorDetail),
        (status = 404, description = "`API key not found` (also another provider's key)", body = schema::ErrorDetail),
    )
)]
pub(crate) async fn own_revoke_key(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    IdPath(key): IdPath,
) -> ApiResult<Json<ApiKeyView>> {
    let (actor, id) = own(&caller);
    let view = state
        .service
        .revoke_provider_api_key(actor, &id, &key)
        .await?;
    Ok(Json(view))
}

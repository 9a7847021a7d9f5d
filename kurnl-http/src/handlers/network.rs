//! The operator's network inventory (`X-Operator-Key`, non-standard extensions): switches,
//! their ports and locations, buildings and units.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kurnl_core::service::{
    BuildingRequest, BuildingView, LocationRequest, LocationView, PortRequest, PortView,
    SwitchRequest, SwitchView, UnitRequest, UnitView,
};

use super::{IdPair, IdPath};
use crate::auth::OperatorCaller;
use crate::error::ApiResult;
use crate::json::JsonBody;
use crate::router::AppState;
use crate::schema;
use crate::schema_network as net;

/// Every switch (non-standard extension).
#[utoipa::path(get, path = "/api/v1/operator/switches", tag = "operator-network",
    security(("operator_key" = [])),
    responses(
        (status = 200, description = "The switches, by name", body = Vec<net::Switch>),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
    ))]
pub(crate) async fn switches(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
) -> ApiResult<Json<Vec<SwitchView>>> {
    Ok(Json(state.service.network_switches().await?))
}

/// Adds a switch (non-standard extension).
#[utoipa::path(post, path = "/api/v1/operator/switches", tag = "operator-network",
    security(("operator_key" = [])),
    request_body = net::SwitchCreate,
    responses(
        (status = 201, description = "The switch", body = net::Switch),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 409, description = "A switch with this id exists", body = schema::ErrorDetail),
        (status = 422, description = "A missing or bad field", body = schema::ValidationError),
    ))]
pub(crate) async fn create_switch(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    JsonBody(req): JsonBody<SwitchRequest>,
) -> ApiResult<(StatusCode, Json<SwitchView>)> {
    let view = state.service.create_switch(req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One switch (non-standard extension).
#[utoipa::path(get, path = "/api/v1/operator/switches/{switch_id}", tag = "operator-network",
    security(("operator_key" = [])),
    params(("switch_id" = String, Path, description = "The switch")),
    responses(
        (status = 200, description = "The switch", body = net::Switch),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Switch not found`", body = schema::ErrorDetail),
    ))]
pub(crate) async fn switch(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<SwitchView>> {
    Ok(Json(state.service.network_switch(&id).await?))
}

/// Changes a switch: address, driver, host key pin, credentials reference, captive VLAN,
/// session limit, or `disabled` for maintenance (non-standard extension). Used from the
/// engine's next claim, without a restart.
#[utoipa::path(patch, path = "/api/v1/operator/switches/{switch_id}", tag = "operator-network",
    security(("operator_key" = [])),
    params(("switch_id" = String, Path, description = "The switch")),
    request_body = net::SwitchPatch,
    responses(
        (status = 200, description = "The switch after the change", body = net::Switch),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Switch not found`", body = schema::ErrorDetail),
        (status = 422, description = "A bad field", body = schema::ValidationError),
    ))]
pub(crate) async fn update_switch(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPath(id): IdPath,
    JsonBody(req): JsonBody<SwitchRequest>,
) -> ApiResult<Json<SwitchView>> {
    Ok(Json(state.service.update_switch(&id, req).await?))
}

/// Deletes a switch with its ports and locations; refused while anything uses them
/// (non-standard extension).
#[utoipa::path(delete, path = "/api/v1/operator/switches/{switch_id}", tag = "operator-network",
    security(("operator_key" = [])),
    params(("switch_id" = String, Path, description = "The switch")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Switch not found`", body = schema::ErrorDetail),
        (status = 409, description = "A subscription or unfinished job uses one of its ports", body = schema::ErrorDetail),
    ))]
pub(crate) async fn delete_switch(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    state.service.delete_switch(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A switch's ports with their location hashes, live subscription and last applied state
/// (non-standard extension).
#[utoipa::path(get, path = "/api/v1/operator/switches/{switch_id}/ports", tag = "operator-network",
    security(("operator_key" = [])),
    params(("switch_id" = String, Path, description = "The switch")),
    responses(
        (status = 200, description = "The ports, in port order", body = Vec<net::Port>),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Switch not found`", body = schema::ErrorDetail),
    ))]
pub(crate) async fn ports(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<Vec<PortView>>> {
    Ok(Json(state.service.switch_ports(&id).await?))
}

/// Creates or renames a port (non-standard extension).
#[utoipa::path(put, path = "/api/v1/operator/switches/{switch_id}/ports/{port_number}", tag = "operator-network",
    security(("operator_key" = [])),
    params(
        ("switch_id" = String, Path, description = "The switch"),
        ("port_number" = u32, Path, minimum = 1, maximum = 65535, description = "The port number"),
    ),
    request_body = net::PortPut,
    responses(
        (status = 200, description = "The port", body = net::Port),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Switch not found` or `Port not found` (a bad number)", body = schema::ErrorDetail),
        (status = 422, description = "A missing or bad interface", body = schema::ValidationError),
    ))]
pub(crate) async fn put_port(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPair(id, number): IdPair,
    JsonBody(req): JsonBody<PortRequest>,
) -> ApiResult<Json<PortView>> {
    Ok(Json(
        state.service.put_switch_port(&id, &number, req).await?,
    ))
}

/// Deletes a port and its locations; refused while anything uses it (non-standard
/// extension).
#[utoipa::path(delete, path = "/api/v1/operator/switches/{switch_id}/ports/{port_number}", tag = "operator-network",
    security(("operator_key" = [])),
    params(
        ("switch_id" = String, Path, description = "The switch"),
        ("port_number" = u32, Path, minimum = 1, maximum = 65535, description = "The port number"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Switch not found` or `Port not found`", body = schema::ErrorDetail),
        (status = 409, description = "A subscription or unfinished job uses the port", body = schema::ErrorDetail),
    ))]
pub(crate) async fn delete_port(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPair(id, number): IdPair,
) -> ApiResult<StatusCode> {
    state.service.delete_switch_port(&id, &number).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Points a location hash at a port, creating it or moving it (non-standard extension).
#[utoipa::path(put, path = "/api/v1/operator/locations/{location_hash}", tag = "operator-network",
    security(("operator_key" = [])),
    params(("location_hash" = String, Path, pattern = r"^[0-9A-Fa-f]{10}$", description = "10 hexadecimal characters")),
    request_body = net::LocationPut,
    responses(
        (status = 200, description = "The location", body = net::Location),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Port not found` or `Unit not found`", body = schema::ErrorDetail),
        (status = 422, description = "`Invalid location_hash format` (a plain string), or field errors", body = schema::LocationValidationError),
    ))]
pub(crate) async fn put_location(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPath(hash): IdPath,
    JsonBody(req): JsonBody<LocationRequest>,
) -> ApiResult<Json<LocationView>> {
    Ok(Json(state.service.put_network_location(&hash, req).await?))
}

/// Every building (non-standard extension).
#[utoipa::path(get, path = "/api/v1/operator/buildings", tag = "operator-network",
    security(("operator_key" = [])),
    responses(
        (status = 200, description = "The buildings, by name", body = Vec<net::Building>),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
    ))]
pub(crate) async fn buildings(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
) -> ApiResult<Json<Vec<BuildingView>>> {
    Ok(Json(state.service.network_buildings().await?))
}

/// Adds a building (non-standard extension).
#[utoipa::path(post, path = "/api/v1/operator/buildings", tag = "operator-network",
    security(("operator_key" = [])),
    request_body = net::BuildingCreate,
    responses(
        (status = 201, description = "The building", body = net::Building),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 409, description = "A building with this id exists", body = schema::ErrorDetail),
        (status = 422, description = "A missing or bad field", body = schema::ValidationError),
    ))]
pub(crate) async fn create_building(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    JsonBody(req): JsonBody<BuildingRequest>,
) -> ApiResult<(StatusCode, Json<BuildingView>)> {
    let view = state.service.create_building(req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A building's units, each `free`, `pending_install` or `active` (non-standard extension).
#[utoipa::path(get, path = "/api/v1/operator/buildings/{building_id}/units", tag = "operator-network",
    security(("operator_key" = [])),
    params(("building_id" = String, Path, description = "The building")),
    responses(
        (status = 200, description = "The units, by label", body = Vec<net::Unit>),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Building not found`", body = schema::ErrorDetail),
    ))]
pub(crate) async fn units(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<Vec<UnitView>>> {
    Ok(Json(state.service.building_units(&id).await?))
}

/// Adds a unit to a building (non-standard extension).
#[utoipa::path(post, path = "/api/v1/operator/buildings/{building_id}/units", tag = "operator-network",
    security(("operator_key" = [])),
    params(("building_id" = String, Path, description = "The building")),
    request_body = net::UnitCreate,
    responses(
        (status = 201, description = "The unit", body = net::Unit),
        (status = 401, description = "Missing or invalid operator key", body = schema::ErrorDetail),
        (status = 404, description = "`Building not found`", body = schema::ErrorDetail),
        (status = 409, description = "A unit with this id exists", body = schema::ErrorDetail),
        (status = 422, description = "A missing or bad field", body = schema::ValidationError),
    ))]
pub(crate) async fn create_unit(
    State(state): State<AppState>,
    OperatorCaller(_): OperatorCaller,
    IdPath(id): IdPath,
    JsonBody(req): JsonBody<UnitRequest>,
) -> ApiResult<(StatusCode, Json<UnitView>)> {
    let view = state.service.create_unit(&id, req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

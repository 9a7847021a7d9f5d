//! The router: every endpoint under `/api/v1`, the error fallbacks and the middleware stack
//! (tracing, then rate limiting, then panic catching around the handlers).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, OriginalUri, State};
use axum::http::StatusCode;
use axum::http::Uri;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use kurnl_core::error::Detail;
use kurnl_core::service::Service;
use tower_http::catch_panic::CatchPanicLayer;

use crate::config::RouterConfig;
use crate::error::{INTERNAL, METHOD_NOT_ALLOWED, NOT_FOUND, detail_response};
use crate::handlers::{
    checkout, drift, network, operations, operator_jobs, provider_settings, provisioning,
    subscribers, subscriptions, webhooks,
};
use crate::rate_limit::{RateLimiter, rate_limit};
use crate::trace::trace;

/// The prefix of every endpoint.
pub const API_PREFIX: &str = "/api/v1";

/// The liveness probe: 200 while the process serves requests.
pub const HEALTHZ_PATH: &str = "/healthz";
/// The readiness probe: 200 when the store answers and its schema is current, else 503.
pub const READYZ_PATH: &str = "/readyz";

/// What the handlers and middleware share.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) service: Service,
    pub(crate) config: Arc<RouterConfig>,
    pub(crate) limiter: Arc<RateLimiter>,
}

/// The API over `service` with the documented limits (120/min per IP on external checkout,
/// 300/min per API key elsewhere, 1 MiB bodies).
///
/// Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so that the per-IP
/// limits see the client's address.
pub fn router(service: Service) -> Router {
    router_with_config(service, RouterConfig::default())
}

/// The API over `service` with the given limits.
pub fn router_with_config(service: Service, config: RouterConfig) -> Router {
    let limiter = RateLimiter::new(config.rate_limits.clone(), Arc::clone(service.clock()));
    let max_body = config.max_body_bytes;
    let state = AppState {
        service,
        config: Arc::new(config),
        limiter: Arc::new(limiter),
    };
    let p = |path: &str| format!("{API_PREFIX}{path}");
    // The probes sit outside the rate limit (an orchestrator polls them from one address)
    // but inside tracing and the metrics.
    let probes = Router::new()
        .route(HEALTHZ_PATH, get(operations::healthz))
        .route(READYZ_PATH, get(operations::readyz))
        .layer(from_fn(trace));
    Router::new()
        .route(
            &p("/partner/marketplace/plans/me"),
            get(provisioning::plans_me),
        )
        .route(
            &p("/partner/external-checkout/complete"),
            post(checkout::complete),
        )
        .route(
            &p("/partner/external-checkout/anonymous-complete"),
            post(checkout::anonymous_complete),
        )
        .route(
            &p("/partner/provisioning/provider-initiated"),
            post(provisioning::provider_initiated),
        )
        .route(
            &p("/partner/provisioning/bulk"),
            post(provisioning::bulk_submit),
        )
        .route(
            &p("/partner/provisioning/bulk/{batch_id}"),
            get(provisioning::bulk_status),
        )
        .route(
            &p("/partner/provisioning/jobs/{job_id}"),
            get(provisioning::job_status),
        )
        .route(
            &p("/provisioning/confirm-install"),
            post(provisioning::confirm_install),
        )
        .route(
            &p("/provider/subscribers"),
            get(subscribers::list).post(subscribers::create),
        )
        .route(
            &p("/provider/subscribers/{subscriber_id}"),
            get(subscribers::get_one).patch(subscribers::update),
        )
        .route(
            &p("/provider/subscribers/{subscriber_id}/subscriptions"),
            get(subscribers::subscriptions),
        )
        .route(
            &p("/subscription/{subscription_id}/activate"),
            post(subscriptions::activate),
        )
        .route(
            &p("/subscription/{subscription_id}/change-plan"),
            post(subscriptions::change_plan),
        )
        .route(
            &p("/subscription/{subscription_id}/suspend"),
            post(subscriptions::suspend),
        )
        .route(
            &p("/subscription/{subscription_id}/reactivate"),
            post(subscriptions::reactivate),
        )
        .route(
            &p("/subscription/{subscription_id}/cancel"),
            post(subscriptions::cancel),
        )
        .route(
            &p("/provider/webhooks/deliveries"),
            get(webhooks::deliveries),
        )
        .route(&p("/provider/webhooks/replay"), post(webhooks::replay))
        .route(
            &p("/provider/settings"),
            get(provider_settings::own_get).patch(provider_settings::own_update),
        )
        .route(
            &p("/provider/webhook-secret/rotate"),
            post(provider_settings::own_rotate),
        )
        .route(
            &p("/provider/api-keys"),
            get(provider_settings::own_keys).post(provider_settings::own_issue_key),
        )
        .route(
            &p("/provider/api-keys/{key_id}/revoke"),
            post(provider_settings::own_revoke_key),
        )
        .route(
            &p("/operator/providers"),
            get(provider_settings::operator_list),
        )
        .route(
            &p("/operator/providers/{provider_id}"),
            get(provider_settings::operator_get).patch(provider_settings::operator_update),
        )
        .route(
            &p("/operator/providers/{provider_id}/webhook-secret/rotate"),
            post(provider_settings::operator_rotate),
        )
        .route(
            &p("/operator/providers/{provider_id}/api-keys"),
            get(provider_settings::operator_keys).post(provider_settings::operator_issue_key),
        )
        .route(
            &p("/operator/providers/{provider_id}/api-keys/{key_id}/revoke"),
            post(provider_settings::operator_revoke_key),
        )
        .route(
            &p("/operator/switches"),
            get(network::switches).post(network::create_switch),
        )
        .route(
            &p("/operator/switches/{switch_id}"),
            get(network::switch)
                .patch(network::update_switch)
                .delete(network::delete_switch),
        )
        .route(
            &p("/operator/switches/{switch_id}/ports"),
            get(network::ports),
        )
        .route(
            &p("/operator/switches/{switch_id}/ports/{port_number}"),
            put(network::put_port).delete(network::delete_port),
        )
        .route(
            &p("/operator/locations/{location_hash}"),
            put(network::put_location),
        )
        .route(
            &p("/operator/buildings"),
            get(network::buildings).post(network::create_building),
        )
        .route(
            &p("/operator/buildings/{building_id}/units"),
            get(network::units).post(network::create_unit),
        )
        .route(&p("/operator/jobs"), get(operator_jobs::list))
        .route(&p("/operator/jobs/{job_id}"), get(operator_jobs::get_one))
        .route(
            &p("/operator/jobs/{job_id}/retry"),
            post(operator_jobs::retry),
        )
        .route(
            &p("/operator/jobs/{job_id}/cancel"),
            post(operator_jobs::cancel),
        )
        .route(&p("/operator/drift"), get(drift::list))
        .route(&p("/operator/audits"), get(drift::audits))
        .route(&p("/openapi.json"), get(openapi_json))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(CatchPanicLayer::custom(|_| internal_error()))
        .layer(from_fn_with_state(state.clone(), rate_limit))
        .layer(from_fn(trace))
        .layer(DefaultBodyLimit::max(max_body))
        .merge(probes)
        .with_state(state)
}

/// The document with `servers` naming where the router is reached: the configured public
/// prefix, else the prefix the host nested it under (what `OriginalUri` has in front of the
/// router's own path), else `/`.
async fn openapi_json(
    State(state): State<AppState>,
    OriginalUri(original): OriginalUri,
    uri: Uri,
) -> Json<serde_json::Value> {
    let prefix = match &state.config.public_prefix {
        Some(p) => p.clone(),
        None => original
            .path()
            .strip_suffix(uri.path())
            .unwrap_or_default()
            .to_owned(),
    };
    Json(crate::openapi::openapi_json(&prefix))
}

async fn not_found() -> Response {
    detail_response(StatusCode::NOT_FOUND, Detail::Text(NOT_FOUND.to_owned()))
}

async fn method_not_allowed() -> Response {
    detail_response(
        StatusCode::METHOD_NOT_ALLOWED,
        Detail::Text(METHOD_NOT_ALLOWED.to_owned()),
    )
}

fn internal_error() -> Response {
    tracing::error!("handler panicked");
    detail_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        Detail::Text(INTERNAL.to_owned()),
    )
    .into_response()
}

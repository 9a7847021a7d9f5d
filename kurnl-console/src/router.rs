//! The console's routes, relative to where the host mounts them.

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::Redirect;
use axum::routing::{get, post};
use kurnl_core::service::Service;

use crate::assets;
use crate::config::ConsoleConfig;
use crate::csrf;
use crate::pages::{
    buildings, drift, jobs, login, network, sandbox, settings, subscriptions, webhooks,
};
use crate::state::Console;

/// The console as an axum router over `service`. Mount it where `config.mount_path` says
/// (`Router::new().nest("/console", kurnl_console::router(service, config))`).
pub fn router(service: Service, config: ConsoleConfig) -> Router {
    let console = Console::new(service, config);
    let home = console.url("/network");
    Router::new()
        .route("/", get(move || async move { Redirect::to(&home) }))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/network", get(network::show))
        .route("/network/live", get(network::live))
        .route(
            "/network/switches/{id}/disabled",
            post(network::set_disabled),
        )
        .route("/buildings", get(buildings::show))
        .route("/buildings/confirm-install", post(buildings::confirm))
        .route("/drift", get(drift::show))
        .route("/subscriptions", get(subscriptions::show))
        .route("/subscriptions/{id}/{action}", post(subscriptions::act))
        .route("/jobs", get(jobs::show))
        .route("/jobs/table", get(jobs::live_table))
        .route("/jobs/{id}/{action}", post(jobs::act))
        .route("/webhooks", get(webhooks::show))
        .route("/webhooks/replay", post(webhooks::replay))
        .route("/webhooks/ping", post(webhooks::ping))
        .route("/settings", get(settings::show))
        .route("/settings/{provider}/urls", post(settings::save_urls))
        .route("/settings/{provider}/rotate", post(settings::rotate))
        .route("/settings/{provider}/api-keys", post(settings::issue_key))
        .route(
            "/settings/{provider}/api-keys/{key}/revoke",
            post(settings::revoke_key),
        )
        .route("/sandbox", get(sandbox::show))
        .route("/sandbox/{provider}/try", post(sandbox::try_it))
        .route("/sandbox/{provider}/jobs/{job}", get(sandbox::job))
        .route("/assets/htmx.min.js", get(assets::htmx))
        .route("/assets/console.css", get(assets::css))
        .route("/assets/console.js", get(assets::js))
        .layer(from_fn_with_state(console.clone(), csrf::require_token))
        .with_state(console)
}

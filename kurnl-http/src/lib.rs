//! # kurnl-http
//!
//! kurnl's documented REST API as an [axum] [`Router`](axum::Router) over a
//! [`kurnl_core::service::Service`], for an ISP to serve on its own or mount in its own axum
//! application. Every endpoint lives under `/api/v1`:
//!
//! | Method | Path | Auth |
//! |---|---|---|
//! | GET | `/partner/marketplace/plans/me` | `X-API-Key` |
//! | POST | `/partner/external-checkout/complete` | `X-Webhook-Secret` |
//! | POST | `/partner/external-checkout/anonymous-complete` | `X-Webhook-Secret` |
//! | POST | `/partner/provisioning/provider-initiated` | `X-API-Key` |
//! | POST | `/partner/provisioning/bulk` (202) | `X-API-Key` |
//! | GET | `/partner/provisioning/bulk/{batch_id}` | `X-API-Key` |
//! | GET | `/partner/provisioning/jobs/{job_id}` (extension) | `X-API-Key` |
//! | POST | `/provisioning/confirm-install` | `X-API-Key` |
//! | GET, POST | `/provider/subscribers` (POST: 201 new, 200 existing) | `X-API-Key` |
//! | GET, PATCH | `/provider/subscribers/{subscriber_id}` | `X-API-Key` |
//! | GET | `/provider/subscribers/{subscriber_id}/subscriptions` | `X-API-Key` |
//! | POST | `/subscription/{subscription_id}/activate` | `X-API-Key` |
//! | POST | `/subscription/{subscription_id}/change-plan` | `X-API-Key` |
//! | POST | `/subscription/{subscription_id}/suspend` | `X-API-Key` |
//! | POST | `/subscription/{subscription_id}/reactivate` | `X-API-Key` |
//! | POST | `/subscription/{subscription_id}/cancel` | `X-API-Key` |
//! | GET | `/provider/webhooks/deliveries` (extension) | `X-API-Key` |
//! | POST | `/provider/webhooks/replay` (extension) | `X-API-Key` |
//! | GET | `/operator/jobs` (extension) | `X-Operator-Key` |
//! | GET | `/operator/jobs/{job_id}` (extension) | `X-Operator-Key` |
//! | POST | `/operator/jobs/{job_id}/retry` (extension) | `X-Operator-Key` |
//! | POST | `/operator/jobs/{job_id}/cancel` (extension) | `X-Operator-Key` |
//! | GET | `/operator/drift` (extension) | `X-Operator-Key` |
//! | GET | `/operator/audits` (extension) | `X-Operator-Key` |
//! | GET, PATCH | `/operator/providers/{provider_id}` (extension) | `X-Operator-Key` |
//! | POST | `/operator/providers/{provider_id}/webhook-secret/rotate` (extension) | `X-Operator-Key` |
//! | GET, POST | `/operator/providers/{provider_id}/api-keys` (extension) | `X-Operator-Key` |
//! | POST | `/operator/providers/{provider_id}/api-keys/{key_id}/revoke` (extension) | `X-Operator-Key` |
//! | GET, POST | `/operator/switches` (extension) | `X-Operator-Key` |
//! | GET, PATCH, DELETE | `/operator/switches/{switch_id}` (extension) | `X-Operator-Key` |
//! | GET | `/operator/switches/{switch_id}/ports` (extension) | `X-Operator-Key` |
//! | PUT, DELETE | `/operator/switches/{switch_id}/ports/{port_number}` (extension) | `X-Operator-Key` |
//! | PUT | `/operator/locations/{location_hash}` (extension) | `X-Operator-Key` |
//! | GET, POST | `/operator/buildings` (extension) | `X-Operator-Key` |
//! | GET, POST | `/operator/buildings/{building_id}/units` (extension) | `X-Operator-Key` |
//! | GET, PATCH | `/provider/settings` (extension) | `X-API-Key` |
//! | POST | `/provider/webhook-secret/rotate` (extension) | `X-API-Key` |
//! | GET, POST | `/provider/api-keys` (extension) | `X-API-Key` |
//! | POST | `/provider/api-keys/{key_id}/revoke` (extension) | `X-API-Key` |
//! | GET | `/openapi.json` | none |
//!
//! Outside `/api/v1`: `GET /healthz` (liveness) and `GET /readyz` (the store answers and its
//! schema is current), without credentials or rate limit.
//!
//! The operator endpoints take an operator key (`krnl_op_…`, see
//! [`Service::issue_operator_key`](kurnl_core::service::Service::issue_operator_key)), stored
//! hashed apart from provider keys: a provider's `X-API-Key` never opens them.
//!
//! ## Behaviour
//! - **Errors** are `{"detail": "..."}` with the documented strings and statuses of
//!   [`kurnl_core::Error`]; validation failures are 422 with a `detail` array of
//!   `{loc, msg, type}` naming the field. Malformed JSON and wrong types are 422 items too,
//!   a body not declared as JSON is 415, a body over the limit 413, an unknown route 404 and
//!   a wrong method 405, all as JSON. A 500 never says more than `Internal server error`.
//! - **Order of checks** (gap G16): rate limit, credentials, body, then the service (which
//!   checks ownership, lookups, idempotency, activity and conflicts in that order). External
//!   checkout names its provider in the body, so there the body must at least be JSON before
//!   the secret can be checked: a body that is not JSON (or too large) is answered before the
//!   secret, one with bad fields after it.
//! - **Rate limits**: fixed windows on the service's clock, per client IP on external
//!   checkout and per API key elsewhere; `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//!   `X-RateLimit-Reset` on every response, 429 `Rate limit exceeded` with `Retry-After`.
//!   Requests without a well-formed key are counted per client IP. The client IP is the
//!   connection's peer unless it is a configured trusted proxy (then `X-Forwarded-For`).
//! - **Sandbox** keys (`krnl_sb_`) reach only sandbox data; the service and engine keep it
//!   apart and never touch a switch for it.
//! - **Tracing**: one `request` span per request with its id (returned as `X-Request-Id`),
//!   method, path, provider, status and latency. Credentials, query strings and bodies are
//!   never logged.
//!
//! ## Serving
//! ```no_run
//! # async fn serve(service: kurnl_core::service::Service) -> std::io::Result<()> {
//! use std::net::SocketAddr;
//! let app = kurnl_http::router_with_config(
//!     service,
//!     kurnl_http::RouterConfig::default().with_trusted_proxies(vec![]),
//! );
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
//! # }
//! ```

mod auth;
mod config;
pub mod error;
mod handlers;
mod json;
mod openapi;
mod rate_limit;
mod router;
mod schema;
mod schema_deliveries;
mod schema_drift;
mod schema_network;
mod schema_operator;
mod trace;

pub use auth::{API_KEY_HEADER, OPERATOR_KEY_HEADER, WEBHOOK_SECRET_HEADER};
pub use config::{
    DEFAULT_API_KEY_LIMIT, DEFAULT_CHECKOUT_LIMIT, DEFAULT_MAX_BODY_BYTES, DEFAULT_WINDOW_SECS,
    RateLimitConfig, RouterConfig,
};
pub use error::ApiError;
pub use openapi::{ApiDoc, openapi, openapi_json, openapi_under};
pub use rate_limit::{LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER};
pub use router::{API_PREFIX, HEALTHZ_PATH, READYZ_PATH, router, router_with_config};
pub use trace::REQUEST_ID_HEADER;

//! Acceptance test of the HTTP API: every documented call and error case, driven through the
//! router over HTTP requests, with statuses, bodies and headers checked.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "api/support.rs"]
mod support;

#[path = "api/checkout.rs"]
mod checkout;
#[path = "api/contract.rs"]
mod contract;
#[path = "api/drift.rs"]
mod drift;
#[path = "api/errors.rs"]
mod errors;
#[path = "api/failures.rs"]
mod failures;
#[path = "api/isolation.rs"]
mod isolation;
#[path = "api/limits.rs"]
mod limits;
#[path = "api/logs.rs"]
mod logs;
#[path = "api/network.rs"]
mod network;
#[path = "api/operator.rs"]
mod operator;
#[path = "api/probes.rs"]
mod probes;
#[path = "api/provider_settings.rs"]
mod provider_settings;
#[path = "api/provisioning.rs"]
mod provisioning;
#[path = "api/subscribers.rs"]
mod subscribers;
#[path = "api/webhooks.rs"]
mod webhooks;

//! The OpenAPI 3.1 document of the API, generated from the handlers and schemas.

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::server::ServerBuilder;
use utoipa::openapi::{Object, RefOr, Type};
use utoipa::{Modify, OpenApi};

use crate::handlers::{
    checkout, drift, network, operator_jobs, provider_settings, provisioning, subscribers,
    subscriptions, webhooks,
};
use crate::{schema, schema_drift};

/// The API description served at `/api/v1/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "kurnl partner API",
        description = "Open-access provisioning: external checkout, provider-initiated and bulk provisioning, subscriber management and the subscription lifecycle. Errors are `{\"detail\": \"...\"}` (422: a `detail` array of `{loc, msg, type}`, except the documented plain `Invalid location_hash format`). A body over the limit is 413, a body not declared as JSON 415, a known path with another method 405. Every response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` and `X-Request-Id`. Responses link to the calls that take the ids they return (`job_id`, `subscription_id`, `subscriber_id`, `batch_id`). `servers` names the prefix the API is served under (the host's mount point, or `RouterConfig::with_public_prefix`).",
    ),
    paths(
        provisioning::plans_me,
        checkout::complete,
        checkout::anonymous_complete,
        provisioning::provider_initiated,
        provisioning::bulk_submit,
        provisioning::bulk_status,
        provisioning::job_status,
        provisioning::confirm_install,
        subscribers::list,
        subscribers::create,
        subscribers::get_one,
        subscribers::update,
        subscribers::subscriptions,
        subscriptions::activate,
        subscriptions::change_plan,
        subscriptions::suspend,
        subscriptions::reactivate,
        subscriptions::cancel,
        webhooks::deliveries,
        webhooks::replay,
        operator_jobs::list,
        operator_jobs::get_one,
        operator_jobs::retry,
        operator_jobs::cancel,
        drift::list,
        drift::audits,
        provider_settings::operator_list,
        provider_settings::operator_get,
        provider_settings::operator_update,
        provider_settings::operator_rotate,
        provider_settings::operator_keys,
        provider_settings::operator_issue_key,
        provider_settings::operator_revoke_key,
        provider_settings::own_get,
        provider_settings::own_update,
        provider_settings::own_rotate,
        provider_settings::own_keys,
        provider_settings::own_issue_key,
        provider_settings::own_revoke_key,
        network::switches,
        network::create_switch,
        network::switch,
        network::update_switch,
        network::delete_switch,
        network::ports,
        network::put_port,
        network::delete_port,
        network::put_location,
        network::buildings,
        network::create_building,
        network::units,
        network::create_unit,
    ),
    components(schemas(
        schema::ErrorDetail,
        schema::ValidationError,
        schema::LocationValidationError,
        schema::ValidationItem,
        schema::SubscriptionStatus,
        schema::DeliveryMode,
        schema::CustomerType,
        schema_drift::PortDriftDetected,
    )),
    modifiers(&Security, &CommonHeaders, &Links, &Extensions),
    tags(
        (name = "external-checkout", description = "CKO-03, authenticated with `X-Webhook-Secret`; 120 requests/minute per IP"),
        (name = "provisioning", description = "CKO-04, bulk, jobs and confirm-install; 300 requests/minute per API key"),
        (name = "plans", description = "The caller's plan versions"),
        (name = "subscribers", description = "Subscriber management"),
        (name = "subscriptions", description = "Subscription lifecycle"),
        (name = "webhooks", description = "Non-standard extensions (`x-kurnl-extension`): the provider's webhook deliveries and replays. Events: `subscription.activated`, `subscription.pending_install`, `subscription.cancelled`, `provisioning.completed`, `provisioning.failed` and, as a kurnl extension, `port.drift_detected` (the drift audit found the port of a live subscription changed behind kurnl's back: `subscription_id`, `drifted` (of `vlan`, `rate`, `mac`, `enabled`, `description`, `other`) and `policy` (`report` or `repair`); its body is the `PortDriftDetected` schema; receivers that do not know it ignore it)"),
        (name = "operator", description = "Non-standard extensions (`x-kurnl-extension`) for the network operator, authenticated with `X-Operator-Key`: the job queue of every provider, the drift audit's findings and per-switch schedule, and any provider's settings, webhook secret rotation and API keys"),
        (name = "operator-network", description = "Non-standard extensions (`x-kurnl-extension`) for the network operator, authenticated with `X-Operator-Key`: switches, ports, locations, buildings and units; changes take effect without a restart, deleting what is in use is refused"),
        (name = "provider-settings", description = "Non-standard extensions (`x-kurnl-extension`): the caller's own settings, webhook secret rotation and API keys, with its own `X-API-Key`"),
    )
)]
pub struct ApiDoc;

/// Operations kurnl adds to the documented API.
const EXTENSION_OPERATIONS: [&str; 25] = [
    "/api/v1/partner/provisioning/jobs/{job_id}",
    "/api/v1/provider/webhooks/deliveries",
    "/api/v1/provider/webhooks/replay",
    "/api/v1/operator/jobs",
    "/api/v1/operator/jobs/{job_id}",
    "/api/v1/operator/jobs/{job_id}/retry",
    "/api/v1/operator/jobs/{job_id}/cancel",
    "/api/v1/operator/drift",
    "/api/v1/operator/audits",
    "/api/v1/operator/providers",
    "/api/v1/operator/providers/{provider_id}",
    "/api/v1/operator/providers/{provider_id}/webhook-secret/rotate",
    "/api/v1/operator/providers/{provider_id}/api-keys",
    "/api/v1/operator/providers/{provider_id}/api-keys/{key_id}/revoke",
    "/api/v1/provider/settings",
    "/api/v1/provider/webhook-secret/rotate",
    "/api/v1/provider/api-keys",
    "/api/v1/provider/api-keys/{key_id}/revoke",
    "/api/v1/operator/switches",
    "/api/v1/operator/switches/{switch_id}",
    "/api/v1/operator/switches/{switch_id}/ports",
    "/api/v1/operator/switches/{switch_id}/ports/{port_number}",
    "/api/v1/operator/locations/{location_hash}",
    "/api/v1/operator/buildings",
    "/api/v1/operator/buildings/{building_id}/units",
];

/// Component schemas kurnl adds that no operation refers to: the bodies of the non-standard
/// webhook events.
const EXTENSION_SCHEMAS: [&str; 1] = ["PortDriftDetected"];

fn extension_mark() -> utoipa::openapi::extensions::Extensions {
    utoipa::openapi::extensions::ExtensionsBuilder::new()
        .add("x-kurnl-extension", true)
        .build()
}

/// Marks the operations and schemas that are not part of kurnl's documented API with
/// `x-kurnl-extension: true`.
struct Extensions;

impl Modify for Extensions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            for name in EXTENSION_SCHEMAS {
                if let Some(RefOr::T(utoipa::openapi::Schema::Object(schema))) =
                    components.schemas.get_mut(name)
                {
                    schema
                        .extensions
                        .get_or_insert_with(Default::default)
                        .merge(extension_mark());
                }
            }
        }
        for path in EXTENSION_OPERATIONS {
            let Some(item) = openapi.paths.paths.get_mut(path) else {
                continue;
            };
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ];
            for op in operations.into_iter().flatten() {
                op.extensions
                    .get_or_insert_with(Default::default)
                    .merge(extension_mark());
            }
        }
    }
}

/// Adds the two credential schemes.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "`krnl_live_...` (production) or `krnl_sb_...` (sandbox)",
            ))),
        );
        components.add_security_scheme(
            "webhook_secret",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Webhook-Secret",
                "The webhook secret of the provider named by `service_provider_document_id` in the body",
            ))),
        );
        components.add_security_scheme(
            "operator_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Operator-Key",
                "`krnl_op_...`: the network operator's key; provider keys are refused",
            ))),
        );
    }
}

/// Adds the headers every response carries, and the 429 every operation can answer.
struct CommonHeaders;

impl Modify for CommonHeaders {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ];
            for op in operations.into_iter().flatten() {
                add_common(op);
            }
        }
    }
}

fn header(kind: Type, description: &str) -> Header {
    HeaderBuilder::new()
        .schema(Object::with_type(kind))
        .description(Some(description))
        .build()
}

/// A response with an `ErrorDetail` body.
fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "ErrorDetail",
                ))))
                .build(),
        )
        .build()
        .into()
}

fn add_common(op: &mut Operation) {
    let has_body = op.request_body.is_some();
    let responses = &mut op.responses.responses;
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(description));
    };
    add(
        "429",
        "`Rate limit exceeded`; retry after `Retry-After` seconds",
    );
    add(
        "405",
        "`Method Not Allowed`: the path exists, but not with this method",
    );
    if has_body {
        add("400", "`Request body could not be read`");
        add(
            "413",
            "`Request body too large` (over the router's body limit, 1 MiB by default)",
        );
        add("415", "`Content-Type must be application/json`");
    }

    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        let h = &mut response.headers;
        h.insert(
            "X-RateLimit-Limit".into(),
            header(Type::Integer, "Requests allowed in the window"),
        );
        h.insert(
            "X-RateLimit-Remaining".into(),
            header(Type::Integer, "Requests left in the window"),
        );
        h.insert(
            "X-RateLimit-Reset".into(),
            header(Type::Integer, "Unix second at which the window ends"),
        );
        h.insert(
            "X-Request-Id".into(),
            header(Type::String, "Id of this request in the server's logs"),
        );
        if status == "429" {
            h.insert(
                "Retry-After".into(),
                header(Type::Integer, "Seconds until the window ends"),
            );
        }
    }
}

/// OpenAPI links from the responses that return an id to the calls that take it, so a client
/// (or a fuzzer) can follow `job_id`, `subscription_id`, `subscriber_id` and `batch_id`.
struct Links;

/// Which ids a response body carries, by operation id, and the calls that take each one.
const LINK_TARGETS: &[(&str, &[&str])] = &[
    ("job_id", &["job_status"]),
    (
        "subscription_id",
        &["activate", "change_plan", "suspend", "reactivate", "cancel"],
    ),
    ("subscriber_id", &["get_one", "update", "subscriptions"]),
    ("batch_id", &["bulk_status"]),
];

/// The operations whose successful answers carry each id.
const LINK_SOURCES: &[(&str, &[&str])] = &[
    ("complete", &["job_id", "subscription_id", "subscriber_id"]),
    ("anonymous_complete", &["job_id", "subscription_id"]),
    (
        "provider_initiated",
        &["job_id", "subscription_id", "subscriber_id"],
    ),
    (
        "confirm_install",
        &["job_id", "subscription_id", "subscriber_id"],
    ),
    ("bulk_submit", &["batch_id"]),
    ("create", &["subscriber_id"]),
    ("get_one", &["subscriber_id"]),
    ("update", &["subscriber_id"]),
    ("activate", &["job_id", "subscription_id"]),
    ("change_plan", &["job_id", "subscription_id"]),
    ("suspend", &["job_id", "subscription_id"]),
    ("reactivate", &["job_id", "subscription_id"]),
    ("cancel", &["job_id", "subscription_id"]),
];

impl Modify for Links {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ];
            for op in operations.into_iter().flatten() {
                let Some((_, ids)) = LINK_SOURCES
                    .iter()
                    .find(|(source, _)| op.operation_id.as_deref() == Some(*source))
                else {
                    continue;
                };
                for (status, response) in op.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    if !status.starts_with('2') {
                        continue;
                    }
                    for id in *ids {
                        let targets = LINK_TARGETS
                            .iter()
                            .find(|(name, _)| name == id)
                            .map_or(&[][..], |(_, t)| *t);
                        for target in targets {
                            let link = LinkBuilder::new()
                                .operation_id(*target)
                                .parameter(*id, format!("$response.body#/{id}"))
                                .description(format!("`{id}` of this answer"))
                                .build();
                            response.links.insert(link_name(target), link.into());
                        }
                    }
                }
            }
        }
    }
}

/// `job_status` -> `JobStatus`.
fn link_name(operation_id: &str) -> String {
    operation_id
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The document as served at the root (`servers` is `/`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document for a router reached under `prefix` (e.g. `/isp` when the host nests the
/// router there): `servers` names the prefix, so clients resolve the paths (`/api/v1/...`)
/// below it.
pub fn openapi_under(prefix: &str) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let prefix = prefix.trim_end_matches('/');
    let url = if prefix.is_empty() { "/" } else { prefix };
    doc.servers = Some(vec![
        ServerBuilder::new()
            .url(url)
            .description(Some("Where this router is mounted"))
            .build(),
    ]);
    doc
}

/// The JSON served at `/api/v1/openapi.json`: [`openapi_under`] serialised, with the link
/// objects' fields spelled as OpenAPI spells them (utoipa 5.5 writes `operation_id`,
/// `operation_ref` and `request_body` in snake case).
pub fn openapi_json(prefix: &str) -> serde_json::Value {
    let mut doc = serde_json::to_value(openapi_under(prefix)).unwrap_or_default();
    if let Some(paths) = doc
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
    {
        let responses = paths
            .values_mut()
            .filter_map(serde_json::Value::as_object_mut)
            .flat_map(|item| item.values_mut())
            .filter_map(|op| op.get_mut("responses"))
            .filter_map(serde_json::Value::as_object_mut)
            .flat_map(|r| r.values_mut());
        for response in responses {
            let links = response
                .get_mut("links")
                .and_then(serde_json::Value::as_object_mut);
            for link in links.into_iter().flat_map(|l| l.values_mut()) {
                let Some(link) = link.as_object_mut() else {
                    continue;
                };
                for (from, to) in [
                    ("operation_id", "operationId"),
                    ("operation_ref", "operationRef"),
                    ("request_body", "requestBody"),
                ] {
                    if let Some(v) = link.remove(from) {
                        link.insert(to.to_owned(), v);
                    }
                }
            }
        }
    }
    doc
}

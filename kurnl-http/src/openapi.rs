//! The OpenAPI 3.1 document of the API, generated from the handlers and schemas.

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Object, RefOr, Type};
use utoipa::{Modify, OpenApi};

use crate::handlers::{checkout, provisioning, subscribers, subscriptions};
use crate::schema;

/// The API description served at `/api/v1/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "kurnl partner API",
        description = "Open-access provisioning: external checkout, provider-initiated and bulk provisioning, subscriber management and the subscription lifecycle. Errors are `{\"detail\": \"...\"}` (422: a `detail` array of `{loc, msg, type}`). Every response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` and `X-Request-Id`.",
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
    ),
    components(schemas(
        schema::ErrorDetail,
        schema::ValidationError,
        schema::ValidationItem,
        schema::SubscriptionStatus,
        schema::DeliveryMode,
        schema::CustomerType,
    )),
    modifiers(&Security, &CommonHeaders),
    tags(
        (name = "external-checkout", description = "CKO-03, authenticated with `X-Webhook-Secret`; 120 requests/minute per IP"),
        (name = "provisioning", description = "CKO-04, bulk, jobs and confirm-install; 300 requests/minute per API key"),
        (name = "plans", description = "The caller's plan versions"),
        (name = "subscribers", description = "Subscriber management"),
        (name = "subscriptions", description = "Subscription lifecycle"),
    )
)]
pub struct ApiDoc;

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
    }
}

/// Adds the headers every response carries, and the 429 every operation can answer.
struct CommonHeaders;

impl Modify for CommonHeaders {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.post, &mut item.patch];
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

fn add_common(op: &mut Operation) {
    let responses = &mut op.responses.responses;
    responses.entry("429".to_owned()).or_insert_with(|| {
        ResponseBuilder::new()
            .description("`Rate limit exceeded`; retry after `Retry-After` seconds")
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
    });
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

/// The document as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

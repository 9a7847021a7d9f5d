//! OpenAPI schemas of the request and response bodies. The wire types live in `kurnl-core`
//! (which does not depend on utoipa); these mirrors describe them field for field and are
//! checked against real responses by the acceptance test.

#![allow(dead_code)] // only read by the OpenAPI derive

use chrono::{DateTime, Utc};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A plain error: `{"detail": "..."}`.
#[derive(ToSchema)]
pub(crate) struct ErrorDetail {
    /// The documented detail string, e.g. `Invalid API key`.
    detail: String,
}

/// One failed field of a 422.
#[derive(ToSchema)]
pub(crate) struct ValidationItem {
    /// Path to the field, e.g. `["body", "subscriber", "email"]`.
    loc: Vec<String>,
    /// Human readable reason.
    msg: String,
    /// Machine readable kind, e.g. `value_error.email`.
    #[schema(rename = "type")]
    kind: String,
}

/// A 422: `detail` is an array of field errors.
#[derive(ToSchema)]
pub(crate) struct ValidationError {
    /// The failed fields.
    detail: Vec<ValidationItem>,
}

/// A 422 of a call that takes a `location_hash`: `{"detail": [...]}` with the field errors,
/// or kurnl's documented plain `{"detail": "Invalid location_hash format"}`.
pub(crate) struct LocationValidationError;

impl utoipa::PartialSchema for LocationValidationError {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
        let fields = ArrayBuilder::new()
            .items(utoipa::openapi::Ref::from_schema_name("ValidationItem"))
            .description(Some("The failed fields"));
        let text = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some([kurnl_core::error::INVALID_LOCATION_HASH]))
            .description(Some("A malformed `location_hash`"));
        ObjectBuilder::new()
            .property("detail", OneOfBuilder::new().item(fields).item(text))
            .required("detail")
            .description(Some(
                "The field errors, or the plain `Invalid location_hash format`",
            ))
            .into()
    }
}

impl ToSchema for LocationValidationError {}

/// Subscription status.
#[derive(ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum SubscriptionStatus {
    Pending,
    PendingInstall,
    Active,
    Suspended,
    Cancelled,
}

/// How the service reaches the subscriber.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub(crate) enum DeliveryMode {
    Direct,
    HomeDrop,
}

/// Kind of customer.
#[derive(ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum CustomerType {
    Residential,
    Business,
}

/// A contact of the CKO-03 subscriber.
#[derive(ToSchema)]
pub(crate) struct ContactInput {
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    firstname: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    lastname: String,
    email: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    phonenumber: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    company: Option<String>,
}

/// An address of the CKO-03 subscriber.
#[derive(ToSchema)]
pub(crate) struct AddressInput {
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    street: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    housenumber: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    postalcode: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    city: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    province: String,
    /// Default `Canada`.
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    country: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    unitnumber: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    floor: Option<String>,
}

/// The `subscriber` object of CKO-03.
#[derive(ToSchema)]
pub(crate) struct CheckoutSubscriberInput {
    /// The account identifier.
    #[schema(format = Email)]
    email: String,
    /// At least 3 characters.
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]{1,98}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f][ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    username: String,
    /// At least 8 characters; only used for a new account.
    #[schema(min_length = 8, max_length = 1024)]
    password: Option<String>,
    customer_type: Option<CustomerType>,
    /// Enables port security.
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*(?:[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){2})[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    mac_address: Option<String>,
    invoice_contact_detail: ContactInput,
    contract_contact_detail: ContactInput,
    invoice_address: AddressInput,
}

/// CKO-03 direct / home-drop checkout.
#[derive(ToSchema)]
pub(crate) struct CheckoutRequest {
    /// The provider; its webhook secret must be in `X-Webhook-Secret`.
    service_provider_document_id: Uuid,
    plan_version_id: Uuid,
    /// Default `direct`.
    delivery_mode: Option<DeliveryMode>,
    /// 10 hex characters; required for `direct`, forbidden for `home_drop`.
    #[schema(pattern = "^[0-9a-fA-F]{10}$")]
    location_hash: Option<String>,
    /// Required for `home_drop`, forbidden for `direct`.
    unit_id: Option<Uuid>,
    subscriber: CheckoutSubscriberInput,
}

/// CKO-03 anonymous checkout (no subscriber record).
#[derive(ToSchema)]
pub(crate) struct AnonymousRequest {
    service_provider_document_id: Uuid,
    plan_version_id: Uuid,
    delivery_mode: Option<DeliveryMode>,
    #[schema(pattern = "^[0-9a-fA-F]{10}$")]
    location_hash: Option<String>,
    unit_id: Option<Uuid>,
    /// The provider's own id; the idempotency key.
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,126}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    external_subscription_id: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*(?:[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){2})[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    mac_address: Option<String>,
}

/// CKO-04 provider-initiated provisioning.
#[derive(ToSchema)]
pub(crate) struct ProvisionRequest {
    plan_version_id: Uuid,
    #[schema(pattern = "^[0-9a-fA-F]{10}$")]
    location_hash: String,
    #[schema(format = Email)]
    email: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    firstname: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    lastname: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    street: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    housenumber: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    postalcode: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    city: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    province: String,
    /// Default `Canada`.
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    country: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    phonenumber: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*(?:[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){2})[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    mac_address: Option<String>,
    /// When given, the idempotency key.
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,126}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    external_subscription_id: Option<String>,
}

/// Bulk submit: 1..=100 entries. Every entry's field types are checked before the batch is
/// queued (422 naming the field); values that do not validate fail their entry only.
#[derive(ToSchema)]
pub(crate) struct BulkRequest {
    #[schema(min_items = 1, max_items = 100)]
    subscribers: Vec<BulkEntry>,
}

/// One bulk entry: the fields of CKO-04 provider-initiated provisioning.
///
/// The submission checks only each entry's shape (an object whose fields are strings or null):
/// a mistyped field is a 422 naming it and nothing is queued. Presence and values are checked
/// per entry while the batch runs, as for CKO-04, so that one incomplete or invalid entry (a
/// missing `province`, a malformed `location_hash`, an expired plan version) fails alone with
/// its `error` in the batch's `results` and the others go ahead.
#[derive(ToSchema)]
pub(crate) struct BulkEntry {
    /// Required for the entry to succeed (a UUID).
    plan_version_id: Option<String>,
    /// Required for the entry to succeed (10 hex characters).
    location_hash: Option<String>,
    /// Required for the entry to succeed.
    email: Option<String>,
    /// Required for the entry to succeed.
    firstname: Option<String>,
    /// Required for the entry to succeed.
    lastname: Option<String>,
    /// Required for the entry to succeed.
    street: Option<String>,
    /// Required for the entry to succeed.
    housenumber: Option<String>,
    /// Required for the entry to succeed.
    postalcode: Option<String>,
    /// Required for the entry to succeed.
    city: Option<String>,
    /// Required for the entry to succeed.
    province: Option<String>,
    /// Default `Canada`.
    country: Option<String>,
    phonenumber: Option<String>,
    /// Enables port security (MAC binding).
    mac_address: Option<String>,
    /// When given, the idempotency key.
    external_subscription_id: Option<String>,
}

/// Register a subscriber.
#[derive(ToSchema)]
pub(crate) struct SubscriberCreateRequest {
    #[schema(format = Email)]
    email: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    firstname: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    lastname: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    phonenumber: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    street: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    housenumber: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    postalcode: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    city: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    province: Option<String>,
    /// Default `Canada`.
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    country: Option<String>,
}

/// Change a subscriber. A field left out keeps its value; an optional field sent as `null`
/// is cleared (`{"phonenumber": null}` removes the phone number); `firstname` and `lastname`
/// cannot be cleared. `email`, `country` and unknown fields are rejected (422).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubscriberPatch {
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    /// Not nullable.
    #[schema(nullable = false)]
    firstname: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    /// Not nullable.
    #[schema(nullable = false)]
    lastname: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    phonenumber: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    street: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    housenumber: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    postalcode: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    city: Option<String>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    province: Option<String>,
}

/// Home-drop technician step.
#[derive(ToSchema)]
pub(crate) struct ConfirmInstallRequest {
    subscription_id: Uuid,
    switch_id: Uuid,
    /// An integer (`245.0` counts as `245`).
    #[schema(minimum = 0, maximum = 4294967295_u64)]
    port_number: u32,
}

/// Change the plan version of a subscription.
#[derive(ToSchema)]
pub(crate) struct ChangePlanRequest {
    plan_version_id: Uuid,
}

/// Answer of the provisioning calls.
#[derive(ToSchema)]
pub(crate) struct ProvisionResponse {
    /// Absent for home-drop before installation.
    job_id: Option<Uuid>,
    subscription_id: Uuid,
    /// Absent for anonymous subscriptions.
    subscriber_id: Option<Uuid>,
    /// `Provisioning started` or `Subscription pending installation.`
    message: String,
}

/// A subscription.
#[derive(ToSchema)]
pub(crate) struct SubscriptionView {
    subscription_id: Uuid,
    subscriber_id: Option<Uuid>,
    plan_version_id: Uuid,
    status: SubscriptionStatus,
    delivery_mode: DeliveryMode,
    location_hash: Option<String>,
    unit_id: Option<Uuid>,
    external_subscription_id: Option<String>,
    mac_address: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Answer of the lifecycle calls.
#[derive(ToSchema)]
pub(crate) struct LifecycleResponse {
    subscription_id: Uuid,
    status: SubscriptionStatus,
    /// The switch job started, if any.
    job_id: Option<Uuid>,
    message: String,
}

/// A subscriber.
#[derive(ToSchema)]
pub(crate) struct SubscriberView {
    subscriber_id: Uuid,
    email: String,
    username: Option<String>,
    firstname: String,
    lastname: String,
    phonenumber: Option<String>,
    street: Option<String>,
    housenumber: Option<String>,
    postalcode: Option<String>,
    city: Option<String>,
    province: Option<String>,
    country: String,
    customer_type: CustomerType,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Only on `GET /provider/subscribers/{id}`.
    subscriptions: Option<Vec<SubscriptionView>>,
}

/// A page of subscribers.
#[derive(ToSchema)]
pub(crate) struct SubscriberPage {
    results: Vec<SubscriberView>,
    total: u64,
    page: u32,
    page_size: u32,
    has_more: bool,
}

/// A page of subscriptions.
#[derive(ToSchema)]
pub(crate) struct SubscriptionPage {
    results: Vec<SubscriptionView>,
    total: u64,
    page: u32,
    page_size: u32,
    has_more: bool,
}

/// A provisioning job (non-standard extension).
#[derive(ToSchema)]
pub(crate) struct JobView {
    job_id: Uuid,
    subscription_id: Uuid,
    /// `provision`, `change_plan`, `suspend`, `reactivate`, `deprovision` or `repair` (a
    /// drift repair queued by the drift audit, non-standard extension).
    action: String,
    /// `pending`, `in_progress`, `completed`, `failed` or `cancelled` (an operator took it
    /// out of the queue before it ran).
    status: String,
    attempts: u32,
    error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// An active plan version of the caller.
#[derive(ToSchema)]
pub(crate) struct PlanVersionView {
    /// The `plan_version_id` to use elsewhere.
    document_id: Uuid,
    plan_id: Uuid,
    name: String,
    vlan_id: u16,
    download_kbps: u32,
    upload_kbps: u32,
    effective_from: DateTime<Utc>,
    effective_to: Option<DateTime<Utc>>,
}

/// Answer of bulk submit.
#[derive(ToSchema)]
pub(crate) struct BatchAccepted {
    batch_id: Uuid,
    total: u32,
    /// `Batch queued`.
    message: String,
}

/// One entry of a batch.
#[derive(ToSchema)]
pub(crate) struct BatchResultView {
    email: String,
    /// `pending`, `completed` or `failed`.
    status: String,
    subscription_id: Option<Uuid>,
    subscriber_id: Option<Uuid>,
    job_id: Option<Uuid>,
    /// On failure only.
    error: Option<String>,
}

/// A batch poll.
#[derive(ToSchema)]
pub(crate) struct BatchStatusView {
    batch_id: Uuid,
    /// `in_progress`, `completed` or `completed_with_errors`.
    status: String,
    total: u32,
    completed: u32,
    failed: u32,
    results: Vec<BatchResultView>,
}

/// Query of the subscriber list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SubscriberListParams {
    /// 1-based page (default 1).
    #[param(minimum = 1, maximum = 4294967295_u64)]
    page: Option<u32>,
    /// 1..=100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<u32>,
    /// Subscribers with a subscription in this status: `pending`, `pending_install`, `active`,
    /// `suspended` or `cancelled`, in any case (the pattern spells out the case-insensitivity).
    #[param(
        pattern = r"^([Pp][Ee][Nn][Dd][Ii][Nn][Gg]|[Pp][Ee][Nn][Dd][Ii][Nn][Gg]_[Ii][Nn][Ss][Tt][Aa][Ll][Ll]|[Aa][Cc][Tt][Ii][Vv][Ee]|[Ss][Uu][Ss][Pp][Ee][Nn][Dd][Ee][Dd]|[Cc][Aa][Nn][Cc][Ee][Ll][Ll][Ee][Dd])$"
    )]
    status: Option<String>,
    /// Substring of email, first name or last name.
    search: Option<String>,
}

/// Pagination of a list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageParams {
    /// 1-based page (default 1).
    #[param(minimum = 1, maximum = 4294967295_u64)]
    page: Option<u32>,
    /// 1..=100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<u32>,
}

//! Request bodies as clients send them. Strings are validated by the service, which answers
//! every bad field with a 422 item naming it; unknown fields are ignored except where noted.

use serde::{Deserialize, Serialize};

use crate::types::{CustomerType, Secret};

/// A contact of the CKO-03 nested subscriber.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactInput {
    /// Required.
    pub firstname: Option<String>,
    /// Required.
    pub lastname: Option<String>,
    /// Required.
    pub email: Option<String>,
    /// Optional.
    pub phonenumber: Option<String>,
    /// Optional.
    pub company: Option<String>,
}

/// An address of the CKO-03 nested subscriber.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressInput {
    /// Required.
    pub street: Option<String>,
    /// Required.
    pub housenumber: Option<String>,
    /// Required.
    pub postalcode: Option<String>,
    /// Required.
    pub city: Option<String>,
    /// Required.
    pub province: Option<String>,
    /// Default `"Canada"`.
    pub country: Option<String>,
    /// Optional.
    pub unitnumber: Option<String>,
    /// Optional.
    pub floor: Option<String>,
}

/// The `subscriber` object of CKO-03 external checkout.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CheckoutSubscriberInput {
    /// Required; the account identifier.
    pub email: Option<String>,
    /// Required, at least 3 characters.
    pub username: Option<String>,
    /// Optional, at least 8 characters; only used when the account is new.
    pub password: Option<Secret>,
    /// Default `RESIDENTIAL`.
    pub customer_type: Option<CustomerType>,
    /// Optional; enables port security.
    pub mac_address: Option<String>,
    /// Required.
    pub invoice_contact_detail: Option<ContactInput>,
    /// Required.
    pub contract_contact_detail: Option<ContactInput>,
    /// Required.
    pub invoice_address: Option<AddressInput>,
}

/// `POST /partner/external-checkout/complete` (CKO-03 direct and home-drop).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CheckoutRequest {
    /// The provider (authenticates with its webhook secret).
    pub service_provider_document_id: Option<String>,
    /// Plan version to subscribe to.
    pub plan_version_id: Option<String>,
    /// `direct` (default) or `home_drop`.
    pub delivery_mode: Option<String>,
    /// Required for `direct`, forbidden for `home_drop`.
    pub location_hash: Option<String>,
    /// Required for `home_drop`, forbidden for `direct`.
    pub unit_id: Option<String>,
    /// The subscriber.
    pub subscriber: Option<CheckoutSubscriberInput>,
}

/// `POST /partner/external-checkout/anonymous-complete` (CKO-03 anonymous).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnonymousRequest {
    /// The provider.
    pub service_provider_document_id: Option<String>,
    /// Plan version.
    pub plan_version_id: Option<String>,
    /// `direct` (default) or `home_drop`.
    pub delivery_mode: Option<String>,
    /// Required for `direct`.
    pub location_hash: Option<String>,
    /// Required for `home_drop`.
    pub unit_id: Option<String>,
    /// Required; the idempotency key.
    pub external_subscription_id: Option<String>,
    /// Optional MAC binding.
    pub mac_address: Option<String>,
}

/// `POST /partner/provisioning/provider-initiated` (CKO-04), and one bulk entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionRequest {
    /// Required.
    pub plan_version_id: Option<String>,
    /// Required.
    pub location_hash: Option<String>,
    /// Required.
    pub email: Option<String>,
    /// Required.
    pub firstname: Option<String>,
    /// Required.
    pub lastname: Option<String>,
    /// Required.
    pub street: Option<String>,
    /// Required.
    pub housenumber: Option<String>,
    /// Required.
    pub postalcode: Option<String>,
    /// Required.
    pub city: Option<String>,
    /// Required.
    pub province: Option<String>,
    /// Default `"Canada"`.
    pub country: Option<String>,
    /// Optional.
    pub phonenumber: Option<String>,
    /// Optional; enables port security.
    pub mac_address: Option<String>,
    /// Optional; when given it is the idempotency key (gap G2).
    pub external_subscription_id: Option<String>,
}

/// `POST /partner/provisioning/bulk`: at most 100 entries. Entries are kept as JSON so that a
/// malformed entry fails alone instead of failing the batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRequest {
    /// The entries (each a [`ProvisionRequest`]).
    pub subscribers: Vec<serde_json::Value>,
}

/// `POST /provider/subscribers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberCreateRequest {
    /// Required.
    pub email: Option<String>,
    /// Required.
    pub firstname: Option<String>,
    /// Required.
    pub lastname: Option<String>,
    /// Optional.
    pub phonenumber: Option<String>,
    /// Optional.
    pub street: Option<String>,
    /// Optional.
    pub housenumber: Option<String>,
    /// Optional.
    pub postalcode: Option<String>,
    /// Optional.
    pub city: Option<String>,
    /// Optional.
    pub province: Option<String>,
    /// Default `"Canada"`.
    pub country: Option<String>,
}

/// `PATCH /provider/subscribers/{id}`: only the fields sent change. A field left out keeps
/// its value; a field sent as `null` is cleared (optional fields only: `firstname` and
/// `lastname` are required, so `null` there is a 422). `email` and `country` are immutable;
/// unknown fields are rejected when deserialising.
///
/// Each field is `None` when absent, `Some(None)` when `null`, `Some(Some(v))` when set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriberPatch {
    /// New first name (not nullable).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub firstname: Option<Option<String>>,
    /// New last name (not nullable).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub lastname: Option<Option<String>>,
    /// New phone number; `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub phonenumber: Option<Option<String>>,
    /// New street; `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub street: Option<Option<String>>,
    /// New house number; `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub housenumber: Option<Option<String>>,
    /// New postal code; `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub postalcode: Option<Option<String>>,
    /// New city; `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub city: Option<Option<String>>,
    /// New province; `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub province: Option<Option<String>>,
}

/// A present field: `null` becomes `Some(None)` (serde's `default` makes an absent one `None`).
fn nullable<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// Query of `GET /provider/subscribers/{id}/subscriptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// 1..=100 (default 50).
    pub page_size: Option<u32>,
}

/// Query of `GET /provider/subscribers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberListQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// 1..=100 (default 50).
    pub page_size: Option<u32>,
    /// Subscribers having a subscription in this status (case-insensitive).
    pub status: Option<String>,
    /// Substring of email, first name or last name.
    pub search: Option<String>,
}

/// `POST /provisioning/confirm-install`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmInstallRequest {
    /// The home-drop subscription.
    pub subscription_id: Option<String>,
    /// The switch the technician patched.
    pub switch_id: Option<String>,
    /// The port number on that switch. A JSON number with no fractional part is an integer
    /// (JSON Schema's rule), so `245.0` is read as `245`.
    #[serde(default, deserialize_with = "integral_u32")]
    pub port_number: Option<u32>,
}

/// A field that was sent, as `Some(value)` or `Some(None)` for `null` (with
/// `#[serde(default)]`, a field left out is `None`).
pub(crate) fn present_or_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// An optional `u32` that also accepts integral floats (`245.0`); `245.5`, negative and too
/// large numbers are refused with serde's usual messages.
pub(crate) fn integral_u32<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> Result<Option<u32>, D::Error> {
    use serde::de::{Error, Unexpected};
    let n = match Option::<serde_json::Value>::deserialize(de)? {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::Number(n)) => n,
        Some(serde_json::Value::String(s)) => {
            return Err(D::Error::invalid_type(Unexpected::Str(&s), &"u32"));
        }
        Some(serde_json::Value::Bool(b)) => {
            return Err(D::Error::invalid_type(Unexpected::Bool(b), &"u32"));
        }
        Some(serde_json::Value::Array(_)) => {
            return Err(D::Error::invalid_type(Unexpected::Seq, &"u32"));
        }
        Some(serde_json::Value::Object(_)) => {
            return Err(D::Error::invalid_type(Unexpected::Map, &"u32"));
        }
    };
    let out_of_range = |u: Unexpected<'_>| D::Error::invalid_value(u, &"u32");
    if let Some(u) = n.as_u64() {
        return u32::try_from(u)
            .map(Some)
            .map_err(|_| out_of_range(Unexpected::Unsigned(u)));
    }
    if let Some(i) = n.as_i64() {
        return Err(out_of_range(Unexpected::Signed(i)));
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    if f.fract() != 0.0 || !f.is_finite() {
        return Err(D::Error::invalid_type(Unexpected::Float(f), &"u32"));
    }
    if !(0.0..=f64::from(u32::MAX)).contains(&f) {
        return Err(out_of_range(Unexpected::Float(f)));
    }
    // Integral and in range, so the conversion is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(Some(f as u32))
}

/// `POST /subscription/{id}/change-plan`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePlanRequest {
    /// The new plan version.
    pub plan_version_id: Option<String>,
}

/// Query of `GET /provider/webhooks/deliveries` (non-standard extension).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryListQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// 1..=100 (default 50).
    pub page_size: Option<u32>,
    /// `pending`, `delivered` or `failed` (case-insensitive).
    pub status: Option<String>,
    /// An event name, e.g. `provisioning.completed`.
    pub event: Option<String>,
    /// Events created at or after this RFC 3339 time.
    pub since: Option<String>,
    /// Events created before this RFC 3339 time.
    pub until: Option<String>,
}

/// Body of `POST /provider/webhooks/replay` (non-standard extension).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayRequest {
    /// Required: replay events created at or after this RFC 3339 time.
    pub since: Option<String>,
    /// Only events created before this RFC 3339 time.
    pub until: Option<String>,
    /// Only events in this delivery state (`failed`, `delivered`, `pending`); all by default.
    pub status: Option<String>,
    /// Only events of this name.
    pub event: Option<String>,
}

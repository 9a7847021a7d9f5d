//! Subscribers and subscriptions.

use sqlx::types::Json;
use uuid::Uuid;

use super::{parse, to_u32};
use crate::conn::time;
use crate::error::{StoreResult, corrupt};
use kurnl_core::model::{Address, ContactDetail, PortRef, Subscriber, Subscription};
use kurnl_core::types::{
    CustomerType, DeliveryMode, Email, ExternalSubscriptionId, LocationHash, MacAddress,
    PasswordHash, SubscriptionStatus, Text, Username,
};

pub(crate) fn customer_type_str(t: CustomerType) -> &'static str {
    match t {
        CustomerType::Residential => "RESIDENTIAL",
        CustomerType::Business => "BUSINESS",
    }
}

/// The lower-cased text the subscriber search matches substrings against.
pub(crate) fn search_text(s: &Subscriber) -> String {
    format!(
        "{}\n{}\n{}",
        s.email.as_str(),
        s.firstname.as_str(),
        s.lastname.as_str()
    )
    .to_lowercase()
}

pub(crate) fn status(raw: &str) -> StoreResult<SubscriptionStatus> {
    SubscriptionStatus::ALL
        .into_iter()
        .find(|s| s.as_str() == raw)
        .ok_or_else(|| corrupt("subscription status", raw))
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SubscriberRow {
    id: Uuid,
    provider_id: Uuid,
    sandbox: bool,
    email: String,
    username: Option<String>,
    firstname: String,
    lastname: String,
    phonenumber: Option<String>,
    address: Json<Address>,
    customer_type: String,
    password_hash: Option<String>,
    invoice_contact: Option<Json<ContactDetail>>,
    contract_contact: Option<Json<ContactDetail>>,
    revision: i64,
    created_at: String,
    updated_at: String,
}

impl SubscriberRow {
    pub(crate) fn into_model(self) -> StoreResult<Subscriber> {
        let customer_type = match self.customer_type.as_str() {
            "RESIDENTIAL" => CustomerType::Residential,
            "BUSINESS" => CustomerType::Business,
            other => return Err(corrupt("customer type", other)),
        };
        Ok(Subscriber {
            id: self.id.into(),
            provider_id: self.provider_id.into(),
            sandbox: self.sandbox,
            email: parse("email", Email::parse(&self.email))?,
            username: self
                .username
                .map(|u| parse("username", Username::parse(&u)))
                .transpose()?,
            firstname: parse("first name", Text::parse(&self.firstname))?,
            lastname: parse("last name", Text::parse(&self.lastname))?,
            phonenumber: self
                .phonenumber
                .map(|p| parse("phone number", Text::parse(&p)))
                .transpose()?,
            address: self.address.0,
            customer_type,
            password_hash: self.password_hash.map(PasswordHash),
            invoice_contact: self.invoice_contact.map(|j| j.0),
            contract_contact: self.contract_contact.map(|j| j.0),
            revision: self.revision,
            created_at: time(&self.created_at)?,
            updated_at: time(&self.updated_at)?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SubscriptionRow {
    id: Uuid,
    provider_id: Uuid,
    sandbox: bool,
    subscriber_id: Option<Uuid>,
    plan_version_id: Uuid,
    status: String,
    delivery_mode: String,
    location_hash: Option<String>,
    unit_id: Option<Uuid>,
    port_switch_id: Option<Uuid>,
    port_number: Option<i64>,
    mac: Option<String>,
    external_subscription_id: Option<String>,
    idempotency_key: Option<String>,
    request_fingerprint: Option<String>,
    initial_job_id: Option<Uuid>,
    revision: i64,
    created_at: String,
    updated_at: String,
}

impl SubscriptionRow {
    pub(crate) fn into_model(self) -> StoreResult<Subscription> {
        let delivery_mode = match self.delivery_mode.as_str() {
            "direct" => DeliveryMode::Direct,
            "home_drop" => DeliveryMode::HomeDrop,
            other => return Err(corrupt("delivery mode", other)),
        };
        let port = match (self.port_switch_id, self.port_number) {
            (Some(switch_id), Some(n)) => Some(PortRef {
                switch_id: switch_id.into(),
                port_number: to_u32("port", n)?,
            }),
            _ => None,
        };
        Ok(Subscription {
            id: self.id.into(),
            provider_id: self.provider_id.into(),
            sandbox: self.sandbox,
            subscriber_id: self.subscriber_id.map(Into::into),
            plan_version_id: self.plan_version_id.into(),
            status: status(&self.status)?,
            delivery_mode,
            location_hash: self
                .location_hash
                .map(|h| parse("location hash", LocationHash::parse(&h)))
                .transpose()?,
            unit_id: self.unit_id.map(Into::into),
            port,
            mac: self
                .mac
                .map(|m| parse("mac", MacAddress::parse(&m)))
                .transpose()?,
            external_subscription_id: self
                .external_subscription_id
                .map(|e| {
                    parse(
                        "external subscription id",
                        ExternalSubscriptionId::parse(&e),
                    )
                })
                .transpose()?,
            idempotency_key: self.idempotency_key,
            request_fingerprint: self.request_fingerprint,
            initial_job_id: self.initial_job_id.map(Into::into),
            revision: self.revision,
            created_at: time(&self.created_at)?,
            updated_at: time(&self.updated_at)?,
        })
    }
}

//! CKO-03 external checkout: direct, home-drop and anonymous.

use super::create::{CreateSpec, SubscriberDraft, Target, email_key, external_key};
use super::fields::{Fields, present, uuid};
use super::requests::{AddressInput, AnonymousRequest, CheckoutRequest, ContactInput};
use super::responses::ProvisionResponse;
use super::shared_reads::SharedReads;
use super::{Caller, Service};
use crate::error::Result;
use crate::model::{Address, ContactDetail};
use crate::types::{
    DeliveryMode, Email, ExternalSubscriptionId, InvalidValue, LocationHash, MacAddress, Password,
    PlanVersionId, Text, Username, country_or_default,
};

fn delivery_mode(raw: &str) -> Result<DeliveryMode, InvalidValue> {
    match raw.trim() {
        "direct" => Ok(DeliveryMode::Direct),
        "home_drop" => Ok(DeliveryMode::HomeDrop),
        _ => Err(InvalidValue::new(
            "value_error.enum",
            "value must be one of: direct, home_drop",
        )),
    }
}

/// Validates `delivery_mode` + `location_hash` / `unit_id` (gap G11).
pub(crate) fn target(
    f: &mut Fields,
    mode: Option<&str>,
    hash: Option<&str>,
    unit: Option<&str>,
) -> Option<Target> {
    let mode = f
        .optional(&["delivery_mode"], mode, delivery_mode)?
        .unwrap_or_default();
    match mode {
        DeliveryMode::Direct => {
            if unit.is_some() {
                f.push(
                    &["unit_id"],
                    InvalidValue::new(
                        "value_error.extra",
                        "unit_id is only allowed with delivery_mode home_drop",
                    ),
                );
            }
            f.required(&["location_hash"], hash, LocationHash::parse)
                .map(Target::Location)
        }
        DeliveryMode::HomeDrop => {
            if hash.is_some() {
                f.push(
                    &["location_hash"],
                    InvalidValue::new(
                        "value_error.extra",
                        "location_hash is only allowed with delivery_mode direct",
                    ),
                );
            }
            f.required(&["unit_id"], unit, uuid).map(Target::Unit)
        }
    }
}

fn contact(f: &mut Fields, name: &str, input: Option<&ContactInput>) -> Option<ContactDetail> {
    let Some(c) = input else {
        f.missing(&["subscriber", name]);
        return None;
    };
    let firstname = f.required(
        &["subscriber", name, "firstname"],
        c.firstname.as_deref(),
        Text::parse,
    );
    let lastname = f.required(
        &["subscriber", name, "lastname"],
        c.lastname.as_deref(),
        Text::parse,
    );
    let email = f.required(
        &["subscriber", name, "email"],
        c.email.as_deref(),
        Email::parse,
    );
    let phonenumber = f.optional(
        &["subscriber", name, "phonenumber"],
        c.phonenumber.as_deref(),
        Text::parse,
    );
    let company = f.optional(
        &["subscriber", name, "company"],
        c.company.as_deref(),
        Text::parse,
    );
    Some(ContactDetail {
        firstname: firstname?,
        lastname: lastname?,
        email: email?,
        phonenumber: phonenumber?,
        company: company?,
    })
}

fn address(f: &mut Fields, input: Option<&AddressInput>) -> Option<Address> {
    let Some(a) = input else {
        f.missing(&["subscriber", "invoice_address"]);
        return None;
    };
    let mut req = |field: &str, v: &Option<String>| {
        f.required(
            &["subscriber", "invoice_address", field],
            v.as_deref(),
            Text::parse,
        )
    };
    let street = req("street", &a.street);
    let housenumber = req("housenumber", &a.housenumber);
    let postalcode = req("postalcode", &a.postalcode);
    let city = req("city", &a.city);
    let province = req("province", &a.province);
    let country = f.check(
        &["subscriber", "invoice_address", "country"],
        country_or_default(a.country.as_deref()),
    );
    let unitnumber = f.optional(
        &["subscriber", "invoice_address", "unitnumber"],
        a.unitnumber.as_deref(),
        Text::parse,
    );
    let floor = f.optional(
        &["subscriber", "invoice_address", "floor"],
        a.floor.as_deref(),
        Text::parse,
    );
    Some(Address {
        street: Some(street?),
        housenumber: Some(housenumber?),
        postalcode: Some(postalcode?),
        city: Some(city?),
        province: Some(province?),
        country: country?,
        unitnumber: unitnumber?,
        floor: floor?,
    })
}

impl Service {
    /// `POST /partner/external-checkout/complete`: CKO-03 direct (subscription `ACTIVE`, port
    /// job queued, `subscription.activated`) or home-drop (`PENDING_INSTALL`, no job,
    /// `subscription.pending_install`). A repeat with the same email and plan version returns
    /// the first answer; with a different body it is a 409.
    ///
    /// # Errors
    /// 422 (fields, `Invalid location_hash format`), 403 foreign plan version, 404 unknown
    /// location / unit / plan version, 400 inactive plan version, 409 location or unit taken.
    pub async fn checkout_complete(
        &self,
        caller: &Caller,
        req: CheckoutRequest,
    ) -> Result<ProvisionResponse> {
        let mut f = Fields::body();
        let plan = f.required(
            &["plan_version_id"],
            req.plan_version_id.as_deref(),
            uuid::<PlanVersionId>,
        );
        let target = target(
            &mut f,
            req.delivery_mode.as_deref(),
            req.location_hash.as_deref(),
            req.unit_id.as_deref(),
        );
        let Some(s) = req.subscriber.as_ref() else {
            f.missing(&["subscriber"]);
            f.finish()?;
            unreachable_validated()?
        };
        let email = f.required(&["subscriber", "email"], s.email.as_deref(), Email::parse);
        let username = f.required(
            &["subscriber", "username"],
            s.username.as_deref(),
            Username::parse,
        );
        let password = f.optional(
            &["subscriber", "password"],
            s.password.as_ref().map(|p| p.expose()),
            Password::parse,
        );
        let mac = f.optional(
            &["subscriber", "mac_address"],
            s.mac_address.as_deref(),
            MacAddress::parse,
        );
        let invoice = contact(
            &mut f,
            "invoice_contact_detail",
            s.invoice_contact_detail.as_ref(),
        );
        let contract = contact(
            &mut f,
            "contract_contact_detail",
            s.contract_contact_detail.as_ref(),
        );
        let address = address(&mut f, s.invoice_address.as_ref());
        f.finish()?;
        let (email, invoice) = (present(email)?, present(invoice)?);
        let plan_version_id = present(plan)?;
        let draft = SubscriberDraft {
            email: email.clone(),
            username: Some(present(username)?),
            firstname: invoice.firstname.clone(),
            lastname: invoice.lastname.clone(),
            phonenumber: invoice.phonenumber.clone(),
            address: present(address)?,
            customer_type: s.customer_type.unwrap_or_default(),
            password: present(password)?,
            invoice_contact: Some(invoice),
            contract_contact: Some(present(contract)?),
        };
        let reads = SharedReads::default();
        self.create_subscription(
            CreateSpec {
                caller: *caller,
                plan_version_id,
                target: present(target)?,
                subscriber: Some(draft),
                mac: present(mac)?,
                external_id: None,
                idempotency_key: email_key(&email, plan_version_id),
            },
            &reads,
        )
        .await
    }

    /// `POST /partner/external-checkout/anonymous-complete`: like direct checkout without a
    /// subscriber record; `external_subscription_id` is the idempotency key. Home-drop answers
    /// as in gap G10.
    ///
    /// # Errors
    /// As [`Service::checkout_complete`].
    pub async fn anonymous_complete(
        &self,
        caller: &Caller,
        req: AnonymousRequest,
    ) -> Result<ProvisionResponse> {
        let mut f = Fields::body();
        let plan = f.required(
            &["plan_version_id"],
            req.plan_version_id.as_deref(),
            uuid::<PlanVersionId>,
        );
        let target = target(
            &mut f,
            req.delivery_mode.as_deref(),
            req.location_hash.as_deref(),
            req.unit_id.as_deref(),
        );
        let external = f.required(
            &["external_subscription_id"],
            req.external_subscription_id.as_deref(),
            ExternalSubscriptionId::parse,
        );
        let mac = f.optional(
            &["mac_address"],
            req.mac_address.as_deref(),
            MacAddress::parse,
        );
        f.finish()?;
        let external = present(external)?;
        let reads = SharedReads::default();
        self.create_subscription(
            CreateSpec {
                caller: *caller,
                plan_version_id: present(plan)?,
                target: present(target)?,
                subscriber: None,
                mac: present(mac)?,
                idempotency_key: external_key(&external),
                external_id: Some(external),
            },
            &reads,
        )
        .await
    }
}

fn unreachable_validated<T>() -> Result<T> {
    Err(crate::error::Error::Internal(
        "validation passed without a subscriber".into(),
    ))
}

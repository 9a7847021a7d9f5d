//! CKO-04: the provider's back office provisions a subscriber in one call.

use super::create::{CreateSpec, SubscriberDraft, Target, email_key, external_key};
use super::fields::{Fields, present, uuid};
use super::requests::ProvisionRequest;
use super::responses::ProvisionResponse;
use super::shared_reads::SharedReads;
use super::{Caller, Service};
use crate::error::Result;
use crate::model::Address;
use crate::types::{
    Email, ExternalSubscriptionId, LocationHash, MacAddress, PlanVersionId, Text,
    country_or_default,
};

impl Service {
    /// `POST /partner/provisioning/provider-initiated`: finds or creates the subscriber by
    /// email, creates the subscription `ACTIVE`, queues the port job and emits
    /// `subscription.activated`. Idempotent on `external_subscription_id` when given, else on
    /// (email, plan version) (gap G2).
    ///
    /// # Errors
    /// 422 fields / `Invalid location_hash format`, 403 foreign plan version, 404 unknown
    /// location or plan version, 400 inactive plan version, 409 location taken or the key
    /// reused with another body.
    pub async fn provider_initiated(
        &self,
        caller: &Caller,
        req: ProvisionRequest,
    ) -> Result<ProvisionResponse> {
        self.provider_initiated_with(caller, req, &SharedReads::default())
            .await
    }

    /// [`Service::provider_initiated`] with inventory reads shared across a bulk batch.
    pub(crate) async fn provider_initiated_with(
        &self,
        caller: &Caller,
        req: ProvisionRequest,
        reads: &SharedReads,
    ) -> Result<ProvisionResponse> {
        let mut f = Fields::body();
        let plan = f.required(
            &["plan_version_id"],
            req.plan_version_id.as_deref(),
            uuid::<PlanVersionId>,
        );
        let hash = f.required(
            &["location_hash"],
            req.location_hash.as_deref(),
            LocationHash::parse,
        );
        let email = f.required(&["email"], req.email.as_deref(), Email::parse);
        let mut text =
            |name: &str, v: &Option<String>| f.required(&[name], v.as_deref(), Text::parse);
        let firstname = text("firstname", &req.firstname);
        let lastname = text("lastname", &req.lastname);
        let street = text("street", &req.street);
        let housenumber = text("housenumber", &req.housenumber);
        let postalcode = text("postalcode", &req.postalcode);
        let city = text("city", &req.city);
        let province = text("province", &req.province);
        let country = f.check(&["country"], country_or_default(req.country.as_deref()));
        let phone = f.optional(&["phonenumber"], req.phonenumber.as_deref(), Text::parse);
        let mac = f.optional(
            &["mac_address"],
            req.mac_address.as_deref(),
            MacAddress::parse,
        );
        let external = f.optional(
            &["external_subscription_id"],
            req.external_subscription_id.as_deref(),
            ExternalSubscriptionId::parse,
        );
        f.finish()?;
        let (email, plan_version_id, external) =
            (present(email)?, present(plan)?, present(external)?);
        let idempotency_key = match &external {
            Some(ext) => external_key(ext),
            None => email_key(&email, plan_version_id),
        };
        let draft = SubscriberDraft {
            email,
            username: None,
            firstname: present(firstname)?,
            lastname: present(lastname)?,
            phonenumber: present(phone)?,
            address: Address {
                street,
                housenumber,
                postalcode,
                city,
                province,
                country: present(country)?,
                unitnumber: None,
                floor: None,
            },
            customer_type: Default::default(),
            password: None,
            invoice_contact: None,
            contract_contact: None,
        };
        self.create_subscription(
            CreateSpec {
                caller: *caller,
                plan_version_id,
                target: Target::Location(present(hash)?),
                subscriber: Some(draft),
                mac: present(mac)?,
                external_id: external,
                idempotency_key,
            },
            reads,
        )
        .await
    }
}

//! The one path every signup takes: checkout, anonymous, CKO-04 and bulk entries.

use sha2::{Digest, Sha256};

use super::build::{PortContext, placed_context};
use super::responses::{MSG_PENDING_INSTALL, MSG_PROVISIONING_STARTED, ProvisionResponse};
use super::shared_reads::SharedReads;
use super::{Caller, Service};
use crate::error::{self, Error, Result};
use crate::lifecycle::{self, Command, State};
use crate::model::{Address, ContactDetail, PlanVersion, Subscriber, Subscription};
use crate::ports::{ConflictKind, StoreError, WriteSet};
use crate::types::{
    CustomerType, DeliveryMode, Email, ExternalSubscriptionId, LocationHash, MacAddress, Password,
    PlanVersionId, SubscriberId, SubscriptionId, SubscriptionStatus, Text, UnitId, Username,
};

/// Where the line goes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) enum Target {
    Location(LocationHash),
    Unit(UnitId),
}

/// A validated subscriber for find-or-create.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct SubscriberDraft {
    pub(crate) email: Email,
    pub(crate) username: Option<Username>,
    pub(crate) firstname: Text,
    pub(crate) lastname: Text,
    pub(crate) phonenumber: Option<Text>,
    pub(crate) address: Address,
    pub(crate) customer_type: CustomerType,
    #[serde(skip)]
    pub(crate) password: Option<Password>,
    pub(crate) invoice_contact: Option<ContactDetail>,
    pub(crate) contract_contact: Option<ContactDetail>,
}

/// A validated signup.
#[derive(Debug, Clone)]
pub(crate) struct CreateSpec {
    pub(crate) caller: Caller,
    pub(crate) plan_version_id: PlanVersionId,
    pub(crate) target: Target,
    pub(crate) subscriber: Option<SubscriberDraft>,
    pub(crate) mac: Option<MacAddress>,
    pub(crate) external_id: Option<ExternalSubscriptionId>,
    pub(crate) idempotency_key: String,
}

impl CreateSpec {
    /// Everything that identifies the request, hashed (the password is left out: it is salted
    /// when stored and only ever applies to new accounts).
    fn fingerprint(&self) -> String {
        let canonical = serde_json::json!({
            "plan_version_id": self.plan_version_id,
            "target": self.target,
            "subscriber": self.subscriber,
            "mac": self.mac,
            "external_id": self.external_id,
        });
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

/// Key for (email, plan version) idempotency (gap G1).
pub(crate) fn email_key(email: &Email, plan: PlanVersionId) -> String {
    format!("email:{}:{}", email.as_str(), plan)
}

/// Key for external-id idempotency (anonymous; CKO-04 with an external id, gap G2).
pub(crate) fn external_key(id: &ExternalSubscriptionId) -> String {
    format!("ext:{}", id.as_str())
}

/// How often a create is retried after losing a race to a concurrent identical request.
const RACE_RETRIES: usize = 8;

impl Service {
    /// A plan version the caller may use: 404 unknown, 403 someone else's.
    pub(crate) async fn owned_plan_version(
        &self,
        caller: &Caller,
        id: PlanVersionId,
        reads: &SharedReads,
    ) -> Result<PlanVersion> {
        let plan = reads
            .plan_version(id, || self.store.get_plan_version(id))
            .await?
            .ok_or_else(|| Error::NotFound("Plan version not found".into()))?;
        if plan.provider_id != caller.provider_id {
            return Err(Error::Forbidden(error::PLAN_VERSION_FOREIGN.into()));
        }
        Ok(plan)
    }

    /// Creates a subscription (or returns the one created by an identical earlier call).
    /// `reads` may carry inventory already read for the same request (a bulk batch).
    pub(crate) async fn create_subscription(
        &self,
        spec: CreateSpec,
        reads: &SharedReads,
    ) -> Result<ProvisionResponse> {
        let plan = self
            .owned_plan_version(&spec.caller, spec.plan_version_id, reads)
            .await?;
        let (port, mode) = match &spec.target {
            Target::Location(hash) => {
                // The location, its port and switch in one read: a bulk batch's entries are
                // spread over many switches, so the batch's shared switch reads rarely help.
                let placement = self
                    .store
                    .get_location_placement(hash)
                    .await?
                    .ok_or_else(|| Error::NotFound(error::LOCATION_NOT_FOUND.into()))?;
                (Some(placed_context(placement)?), DeliveryMode::Direct)
            }
            Target::Unit(unit) => {
                self.store
                    .get_unit(*unit)
                    .await?
                    .ok_or_else(|| Error::NotFound("Unit not found".into()))?;
                (None, DeliveryMode::HomeDrop)
            }
        };
        let provider_id = spec.caller.provider_id;
        let provider = reads
            .provider(provider_id, || self.store.get_provider(provider_id))
            .await?
            .ok_or_else(|| Error::NotFound("Provider not found".into()))?;
        let fingerprint = spec.fingerprint();
        let mut password_hash = None;
        for _ in 0..RACE_RETRIES {
            let key = &spec.idempotency_key;
            if let Some(existing) = self
                .store
                .find_live_subscription_by_key(spec.caller.provider_id, spec.caller.sandbox, key)
                .await?
            {
                return replay(&existing, &spec.target, &fingerprint);
            }
            let now = self.clock.now();
            if !plan.is_active_at(now) {
                return Err(Error::BadRequest(error::PLAN_VERSION_NOT_ACTIVE.into()));
            }
            let (subscriber_id, new_subscriber) = match &spec.subscriber {
                None => (None, None),
                Some(draft) => {
                    match self
                        .store
                        .find_subscriber_by_email(
                            spec.caller.provider_id,
                            spec.caller.sandbox,
                            &draft.email,
                        )
                        .await?
                    {
                        Some(existing) => (Some(existing.id), None),
                        None => {
                            if password_hash.is_none() {
                                password_hash =
                                    Some(self.hash_password(draft.password.clone()).await?);
                            }
                            let sub = self.new_subscriber(
                                &spec.caller,
                                draft,
                                password_hash.clone().flatten(),
                                now,
                            );
                            (Some(sub.id), Some(sub))
                        }
                    }
                }
            };
            let transition = lifecycle::transition(
                State {
                    status: None,
                    has_port: port.is_some(),
                    billing: provider.billing_mode,
                },
                Command::Create { mode },
            )
            .map_err(|e| Error::Internal(e.to_string()))?;
            let mut subscription = self.new_subscription(
                &spec,
                subscriber_id,
                port.as_ref(),
                mode,
                transition.next,
                &fingerprint,
                now,
            );
            let (jobs, events) = self.materialise(
                &subscription,
                &plan,
                port.as_ref(),
                &transition.effects,
                now,
            )?;
            subscription.initial_job_id = jobs.first().map(|j| j.id);
            let response = response_for(&subscription);
            let writes = WriteSet {
                new_subscriber,
                new_subscription: Some(subscription),
                jobs,
                events,
                ..WriteSet::default()
            };
            match self.commit(writes).await {
                Ok(()) => return Ok(response),
                // A concurrent identical request won, or created the subscriber first: look again.
                Err(StoreError::Conflict(
                    ConflictKind::IdempotencyKey | ConflictKind::SubscriberEmail,
                )) => continue,
                Err(StoreError::Conflict(ConflictKind::PortTaken)) => {
                    return Err(Error::Conflict(error::LOCATION_TAKEN.into()));
                }
                Err(StoreError::Conflict(ConflictKind::UnitTaken)) => {
                    return Err(Error::Conflict(error::UNIT_TAKEN.into()));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict(
            "Concurrent requests for the same subscription; retry".into(),
        ))
    }

    async fn hash_password(
        &self,
        password: Option<Password>,
    ) -> Result<Option<crate::types::PasswordHash>> {
        let Some(password) = password else {
            return Ok(None);
        };
        let hasher = std::sync::Arc::clone(&self.hasher);
        // argon2 is deliberately slow: keep it off the async workers.
        let hashed = tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|e| Error::Internal(format!("password hashing task failed: {e}")))?;
        hashed.map(Some).map_err(Error::Internal)
    }

    fn new_subscriber(
        &self,
        caller: &Caller,
        draft: &SubscriberDraft,
        password_hash: Option<crate::types::PasswordHash>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Subscriber {
        Subscriber {
            id: self.new_id::<SubscriberId>(),
            provider_id: caller.provider_id,
            sandbox: caller.sandbox,
            email: draft.email.clone(),
            username: draft.username.clone(),
            firstname: draft.firstname.clone(),
            lastname: draft.lastname.clone(),
            phonenumber: draft.phonenumber.clone(),
            address: draft.address.clone(),
            customer_type: draft.customer_type,
            password_hash,
            invoice_contact: draft.invoice_contact.clone(),
            contract_contact: draft.contract_contact.clone(),
            revision: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn new_subscription(
        &self,
        spec: &CreateSpec,
        subscriber_id: Option<SubscriberId>,
        port: Option<&PortContext>,
        mode: DeliveryMode,
        status: SubscriptionStatus,
        fingerprint: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Subscription {
        Subscription {
            id: self.new_id::<SubscriptionId>(),
            provider_id: spec.caller.provider_id,
            sandbox: spec.caller.sandbox,
            subscriber_id,
            plan_version_id: spec.plan_version_id,
            status,
            delivery_mode: mode,
            location_hash: match &spec.target {
                Target::Location(h) => Some(h.clone()),
                Target::Unit(_) => None,
            },
            unit_id: match spec.target {
                Target::Unit(u) => Some(u),
                Target::Location(_) => None,
            },
            port: port.map(|p| p.port.port),
            mac: spec.mac,
            external_subscription_id: spec.external_id.clone(),
            idempotency_key: Some(spec.idempotency_key.clone()),
            request_fingerprint: Some(fingerprint.to_owned()),
            initial_job_id: None,
            revision: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

/// The stored answer for a replay; a key reused for another location or unit is the spec's
/// 409 (gap G1), a key reused with other details at the same place the generic one.
fn replay(
    existing: &Subscription,
    target: &Target,
    fingerprint: &str,
) -> Result<ProvisionResponse> {
    if existing.request_fingerprint.as_deref() == Some(fingerprint) {
        return Ok(response_for(existing));
    }
    let same_place = match target {
        Target::Location(hash) => existing.location_hash.as_ref() == Some(hash),
        Target::Unit(unit) => existing.unit_id == Some(*unit),
    };
    let detail = if same_place {
        error::IDEMPOTENCY_MISMATCH
    } else {
        error::IDEMPOTENCY_LOCATION_MISMATCH
    };
    Err(Error::Conflict(detail.into()))
}

/// The answer a creating call gives, and every replay of it.
pub(crate) fn response_for(sub: &Subscription) -> ProvisionResponse {
    let pending_install =
        sub.delivery_mode == DeliveryMode::HomeDrop && sub.initial_job_id.is_none();
    ProvisionResponse {
        job_id: sub.initial_job_id,
        subscription_id: sub.id,
        subscriber_id: sub.subscriber_id,
        message: if pending_install {
            MSG_PENDING_INSTALL
        } else {
            MSG_PROVISIONING_STARTED
        }
        .to_owned(),
    }
}

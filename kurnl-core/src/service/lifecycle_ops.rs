//! Subscription lifecycle calls: activate, change-plan, suspend, reactivate, cancel and the
//! home-drop confirm-install.

use super::create::response_for;
use super::fields::{Fields, present, uuid};
use super::requests::{ChangePlanRequest, ConfirmInstallRequest};
use super::responses::{LifecycleResponse, ProvisionResponse};
use super::shared_reads::SharedReads;
use super::{Caller, Service};
use crate::error::{self, Error, Result};
use crate::lifecycle::{self, Command, Effect, State};
use crate::model::{PlanVersion, PortRef, Subscription};
use crate::ports::{ConflictKind, StoreError, SubscriptionUpdate, WriteSet};
use crate::types::{PlanVersionId, SubscriptionId, SwitchId};

/// How often a command is re-decided after a concurrent change of the same subscription.
const CAS_RETRIES: usize = 16;

/// Extra input of a command besides the subscription.
#[derive(Debug, Clone, Default)]
struct Change {
    new_plan: Option<PlanVersion>,
    new_port: Option<PortRef>,
}

impl Service {
    /// `POST /subscription/{id}/activate`: `PENDING` -> `ACTIVE` (puts the plan VLAN on an
    /// assigned port and emits `subscription.activated`). `ACTIVE` is a no-op.
    ///
    /// # Errors
    /// 404 unknown / foreign subscription, 409 from any other status.
    pub async fn activate(
        &self,
        caller: &Caller,
        subscription_id: &str,
    ) -> Result<LifecycleResponse> {
        self.command(caller, subscription_id, Change::default(), |_| {
            Command::Activate
        })
        .await
    }

    /// `POST /subscription/{id}/suspend`: `ACTIVE` -> `SUSPENDED`, port blocked.
    ///
    /// # Errors
    /// 404, 409 unless `ACTIVE` (or already `SUSPENDED`: no-op).
    pub async fn suspend(
        &self,
        caller: &Caller,
        subscription_id: &str,
    ) -> Result<LifecycleResponse> {
        self.command(caller, subscription_id, Change::default(), |_| {
            Command::Suspend
        })
        .await
    }

    /// `POST /subscription/{id}/reactivate`: `SUSPENDED` -> `ACTIVE`, plan restored on the port.
    ///
    /// # Errors
    /// 404, 409 unless `SUSPENDED` (or already `ACTIVE`: no-op).
    pub async fn reactivate(
        &self,
        caller: &Caller,
        subscription_id: &str,
    ) -> Result<LifecycleResponse> {
        self.command(caller, subscription_id, Change::default(), |_| {
            Command::Reactivate
        })
        .await
    }

    /// `POST /subscription/{id}/cancel`: any status -> `CANCELLED`; the port goes back to the
    /// captive VLAN, the location / unit is freed, `subscription.cancelled` is emitted. The
    /// subscriber is kept. Cancelling again is a no-op.
    ///
    /// # Errors
    /// 404.
    pub async fn cancel(
        &self,
        caller: &Caller,
        subscription_id: &str,
    ) -> Result<LifecycleResponse> {
        self.command(caller, subscription_id, Change::default(), |_| {
            Command::Cancel
        })
        .await
    }

    /// `POST /subscription/{id}/change-plan`: rewrites VLAN and limits on an `ACTIVE`
    /// subscription's port; in other live statuses the new version is only recorded.
    ///
    /// # Errors
    /// 422 bad `plan_version_id`, 404 unknown, 403 foreign version, 400 inactive version, 409
    /// when cancelled.
    pub async fn change_plan(
        &self,
        caller: &Caller,
        subscription_id: &str,
        req: ChangePlanRequest,
    ) -> Result<LifecycleResponse> {
        let mut f = Fields::body();
        let plan = f.required(
            &["plan_version_id"],
            req.plan_version_id.as_deref(),
            uuid::<PlanVersionId>,
        );
        f.finish()?;
        let plan = self
            .owned_plan_version(caller, present(plan)?, &SharedReads::default())
            .await?;
        // Looked up first so that an unknown subscription is a 404 whatever the plan's window.
        self.subscription(caller, subscription_id).await?;
        if !plan.is_active_at(self.clock.now()) {
            return Err(Error::BadRequest(error::PLAN_VERSION_NOT_ACTIVE.into()));
        }
        let id = plan.id;
        let change = Change {
            new_plan: Some(plan),
            new_port: None,
        };
        self.command(caller, subscription_id, change, move |s| {
            Command::ChangePlan {
                same_version: s.plan_version_id == id,
            }
        })
        .await
    }

    /// Confirm-install by the network operator (the console's Buildings page): the same as
    /// [`Service::confirm_install`] on behalf of the provider that owns the subscription.
    ///
    /// # Errors
    /// As `confirm_install`; 404 `Subscription not found` when no provider owns it.
    pub async fn operator_confirm_install(
        &self,
        _: &super::Operator,
        req: ConfirmInstallRequest,
    ) -> Result<ProvisionResponse> {
        let not_found = || Error::NotFound("Subscription not found".into());
        let id: SubscriptionId = req
            .subscription_id
            .as_deref()
            .ok_or_else(not_found)
            .and_then(|s| uuid::<SubscriptionId>(s).map_err(|_| not_found()))?;
        // Providers are few; a subscription belongs to exactly one of them.
        for provider in self.store.list_providers().await? {
            if let Some(sub) = self.store.get_subscription(provider.id, id).await? {
                let caller = Caller {
                    provider_id: provider.id,
                    sandbox: sub.sandbox,
                };
                return self.confirm_install(&caller, req).await;
            }
        }
        Err(not_found())
    }

    /// `POST /provisioning/confirm-install`: assigns the patched port to a `PENDING_INSTALL`
    /// subscription and queues provisioning (captive VLAN until activation with kurnl billing,
    /// live at once with provider billing). Repeating it with the same port returns the job.
    ///
    /// # Errors
    /// 422, 404 unknown subscription or port, 409 wrong status or port already in use.
    pub async fn confirm_install(
        &self,
        caller: &Caller,
        req: ConfirmInstallRequest,
    ) -> Result<ProvisionResponse> {
        let mut f = Fields::body();
        let sub = f.required(
            &["subscription_id"],
            req.subscription_id.as_deref(),
            uuid::<SubscriptionId>,
        );
        let switch = f.required(&["switch_id"], req.switch_id.as_deref(), uuid::<SwitchId>);
        let number = f.required(
            &["port_number"],
            req.port_number.map(|n| n.to_string()).as_deref(),
            |s| {
                s.parse::<u32>().map_err(|_| {
                    crate::types::InvalidValue::new(
                        "value_error.integer",
                        "value is not a valid integer",
                    )
                })
            },
        );
        f.finish()?;
        let port = PortRef {
            switch_id: present(switch)?,
            port_number: present(number)?,
        };
        let sub_id = present(sub)?.to_string();
        self.subscription(caller, &sub_id).await?;
        if self.store.get_port(port).await?.is_none() {
            return Err(Error::NotFound("Port not found".into()));
        }
        let change = Change {
            new_plan: None,
            new_port: Some(port),
        };
        let done = self
            .command(caller, &sub_id, change, move |s| Command::ConfirmInstall {
                same_port: s.port == Some(port),
            })
            .await?;
        let sub = self.subscription(caller, &sub_id).await?;
        let mut response = response_for(&sub);
        response.job_id = done.job_id.or(sub.initial_job_id);
        if response.job_id.is_none() {
            // Repeated confirm: hand back the provisioning job of the first call.
            response.job_id = self
                .store
                .list_jobs_of(caller.provider_id, sub.id)
                .await?
                .first()
                .map(|j| j.id);
        }
        response.message = super::responses::MSG_PROVISIONING_STARTED.into();
        Ok(response)
    }

    /// A subscription of the caller, or 404.
    pub(crate) async fn subscription(&self, caller: &Caller, id: &str) -> Result<Subscription> {
        let not_found = || Error::NotFound("Subscription not found".into());
        let id: SubscriptionId = uuid(id).map_err(|_| not_found())?;
        match self.store.get_subscription(caller.provider_id, id).await? {
            Some(s) if s.sandbox == caller.sandbox => Ok(s),
            _ => Err(not_found()),
        }
    }

    async fn command(
        &self,
        caller: &Caller,
        subscription_id: &str,
        change: Change,
        decide: impl Fn(&Subscription) -> Command,
    ) -> Result<LifecycleResponse> {
        let provider = self
            .store
            .get_provider(caller.provider_id)
            .await?
            .ok_or_else(|| Error::NotFound("Provider not found".into()))?;
        for _ in 0..CAS_RETRIES {
            let current = self.subscription(caller, subscription_id).await?;
            let command = decide(&current);
            let state = State {
                status: Some(current.status),
                has_port: current.port.is_some() || change.new_port.is_some(),
                billing: provider.billing_mode,
            };
            let transition = lifecycle::transition(state, command)
                .map_err(|e| Error::Conflict(e.to_string()))?;
            if transition.is_noop(Some(current.status)) {
                return Ok(LifecycleResponse {
                    subscription_id: current.id,
                    status: current.status,
                    job_id: None,
                    message: "No change".into(),
                });
            }
            let now = self.clock.now();
            let mut after = current.clone();
            after.status = transition.next;
            after.revision += 1;
            after.updated_at = now;
            for effect in &transition.effects {
                match effect {
                    Effect::RecordPlanVersion => {
                        after.plan_version_id = change
                            .new_plan
                            .as_ref()
                            .map_or(after.plan_version_id, |p| p.id)
                    }
                    Effect::AssignPort => after.port = change.new_port.or(after.port),
                    _ => {}
                }
            }
            let plan = match &change.new_plan {
                Some(p) => p.clone(),
                None => self
                    .store
                    .get_plan_version(after.plan_version_id)
                    .await?
                    .ok_or_else(|| {
                        Error::Internal("plan version of a subscription vanished".into())
                    })?,
            };
            let port = match after.port {
                Some(p) => Some(self.port_context(p, &SharedReads::default()).await?),
                None => None,
            };
            let (jobs, events) =
                self.materialise(&after, &plan, port.as_ref(), &transition.effects, now)?;
            let job_id = jobs.first().map(|j| j.id);
            let writes = WriteSet {
                subscription_update: Some(SubscriptionUpdate {
                    expected_revision: current.revision,
                    after: after.clone(),
                }),
                jobs,
                events,
                ..WriteSet::default()
            };
            match self.commit(writes).await {
                Ok(()) => {
                    return Ok(LifecycleResponse {
                        subscription_id: after.id,
                        status: after.status,
                        job_id,
                        message: format!("Subscription {}", after.status),
                    });
                }
                Err(StoreError::Conflict(ConflictKind::Revision)) => continue,
                Err(StoreError::Conflict(ConflictKind::PortTaken)) => {
                    return Err(Error::Conflict(
                        "Port already assigned to another subscription".into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict(
            "Subscription is being changed concurrently; retry".into(),
        ))
    }
}

//! Operator calls: providers, plans, and the network inventory.

use super::Service;
use crate::error::{Error, Result};
use crate::model::{
    BillingMode, Building, Location, Plan, PlanVersion, Port, Provider, Switch, Unit,
    WebhookEndpoint,
};
use crate::types::ProviderId;

/// A provider to create.
#[derive(Debug, Clone, Default)]
pub struct NewProvider {
    /// Id; a random one when `None`.
    pub id: Option<ProviderId>,
    /// Name.
    pub name: String,
    /// Production webhooks.
    pub live: WebhookEndpoint,
    /// Sandbox webhooks.
    pub sandbox: WebhookEndpoint,
    /// Checkout page.
    pub external_checkout_url: Option<String>,
    /// Who bills.
    pub billing_mode: BillingMode,
}

impl Service {
    /// Creates or replaces a provider.
    ///
    /// # Errors
    /// 422 empty name or a webhook URL that is not http(s).
    pub async fn put_provider(&self, new: NewProvider) -> Result<Provider> {
        if new.name.trim().is_empty() {
            return Err(Error::Unprocessable(
                "provider name must not be empty".into(),
            ));
        }
        for url in [&new.live.url, &new.sandbox.url].into_iter().flatten() {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(Error::Unprocessable(format!(
                    "webhook url must be http(s): {url}"
                )));
            }
        }
        let provider = Provider {
            id: new.id.unwrap_or_else(|| self.new_id()),
            name: new.name,
            live: new.live,
            sandbox: new.sandbox,
            external_checkout_url: new.external_checkout_url,
            billing_mode: new.billing_mode,
        };
        self.store.put_provider(&provider).await?;
        Ok(provider)
    }

    /// Creates or replaces a plan.
    ///
    /// # Errors
    /// 404 unknown provider.
    pub async fn put_plan(&self, plan: Plan) -> Result<()> {
        self.require_provider(plan.provider_id).await?;
        Ok(self.store.put_plan(&plan).await?)
    }

    /// Creates or replaces a plan version.
    ///
    /// # Errors
    /// 404 unknown provider; 422 when the window ends before it starts.
    pub async fn put_plan_version(&self, version: PlanVersion) -> Result<()> {
        self.require_provider(version.provider_id).await?;
        if version
            .effective_to
            .is_some_and(|to| to <= version.effective_from)
        {
            return Err(Error::Unprocessable(
                "effective_to must be after effective_from".into(),
            ));
        }
        Ok(self.store.put_plan_version(&version).await?)
    }

    /// Creates or replaces a switch.
    ///
    /// # Errors
    /// 422 empty driver or address, or `max_sessions` of 0.
    pub async fn put_switch(&self, switch: Switch) -> Result<()> {
        if switch.driver.trim().is_empty()
            || switch.address.trim().is_empty()
            || switch.max_sessions == 0
        {
            return Err(Error::Unprocessable(
                "switch needs a driver, an address and max_sessions >= 1".into(),
            ));
        }
        Ok(self.store.put_switch(&switch).await?)
    }

    /// Creates or replaces a port.
    ///
    /// # Errors
    /// 404 unknown switch.
    pub async fn put_port(&self, port: Port) -> Result<()> {
        if self.store.get_switch(port.port.switch_id).await?.is_none() {
            return Err(Error::NotFound("Switch not found".into()));
        }
        Ok(self.store.put_port(&port).await?)
    }

    /// Creates or replaces a location.
    ///
    /// # Errors
    /// 404 unknown port.
    pub async fn put_location(&self, location: Location) -> Result<()> {
        if self.store.get_port(location.port).await?.is_none() {
            return Err(Error::NotFound("Port not found".into()));
        }
        Ok(self.store.put_location(&location).await?)
    }

    /// Creates or replaces a building.
    ///
    /// # Errors
    /// Store failures.
    pub async fn put_building(&self, building: Building) -> Result<()> {
        Ok(self.store.put_building(&building).await?)
    }

    /// Creates or replaces a unit.
    ///
    /// # Errors
    /// Store failures.
    pub async fn put_unit(&self, unit: Unit) -> Result<()> {
        Ok(self.store.put_unit(&unit).await?)
    }

    async fn require_provider(&self, id: ProviderId) -> Result<()> {
        match self.store.get_provider(id).await? {
            Some(_) => Ok(()),
            None => Err(Error::NotFound("Provider not found".into())),
        }
    }
}

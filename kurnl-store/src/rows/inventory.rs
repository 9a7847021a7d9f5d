//! Providers, keys, plans and the network inventory.

use uuid::Uuid;

use super::{parse, to_u32};
use crate::conn::{time, time_opt};
use crate::error::{StoreResult, corrupt};
use kurnl_core::model::{
    ApiKeyRecord, BillingMode, Location, OperatorKeyRecord, PlanVersion, Port, PortRef, Provider,
    Switch, Unit, WebhookEndpoint,
};
use kurnl_core::ports::{LocationPlacement, SwitchQueue};
use kurnl_core::types::{InterfaceName, Kbps, LocationHash, RateLimit, Secret, VlanId};

pub(crate) fn billing_mode_str(mode: BillingMode) -> &'static str {
    match mode {
        BillingMode::Kurnl => "kurnl",
        BillingMode::Provider => "provider",
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ProviderRow {
    id: Uuid,
    name: String,
    live_webhook_url: Option<String>,
    live_webhook_secret: Option<String>,
    sandbox_webhook_url: Option<String>,
    sandbox_webhook_secret: Option<String>,
    external_checkout_url: Option<String>,
    billing_mode: String,
    live_previous_secret: Option<String>,
    live_previous_until: Option<String>,
    sandbox_previous_secret: Option<String>,
    sandbox_previous_until: Option<String>,
}

impl ProviderRow {
    pub(crate) fn into_model(self) -> StoreResult<Provider> {
        let billing_mode = match self.billing_mode.as_str() {
            "kurnl" => BillingMode::Kurnl,
            "provider" => BillingMode::Provider,
            other => return Err(corrupt("billing mode", other)),
        };
        Ok(Provider {
            id: self.id.into(),
            name: self.name,
            live: WebhookEndpoint {
                url: self.live_webhook_url,
                secret: self.live_webhook_secret.map(Secret::new),
                previous_secret: self.live_previous_secret.map(Secret::new),
                previous_secret_until: time_opt(self.live_previous_until)?,
            },
            sandbox: WebhookEndpoint {
                url: self.sandbox_webhook_url,
                secret: self.sandbox_webhook_secret.map(Secret::new),
                previous_secret: self.sandbox_previous_secret.map(Secret::new),
                previous_secret_until: time_opt(self.sandbox_previous_until)?,
            },
            external_checkout_url: self.external_checkout_url,
            billing_mode,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ApiKeyRow {
    id: Uuid,
    provider_id: Uuid,
    key_hash: String,
    display_prefix: String,
    sandbox: bool,
    created_at: String,
    revoked_at: Option<String>,
}

impl ApiKeyRow {
    pub(crate) fn into_model(self) -> StoreResult<ApiKeyRecord> {
        Ok(ApiKeyRecord {
            id: self.id.into(),
            provider_id: self.provider_id.into(),
            key_hash: self.key_hash,
            display_prefix: self.display_prefix,
            sandbox: self.sandbox,
            created_at: time(&self.created_at)?,
            revoked_at: time_opt(self.revoked_at)?,
        })
    }
}

/// An `operator_keys` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct OperatorKeyRow {
    id: Uuid,
    key_hash: String,
    display_prefix: String,
    label: String,
    created_at: String,
    revoked_at: Option<String>,
}

impl OperatorKeyRow {
    pub(crate) fn into_model(self) -> StoreResult<OperatorKeyRecord> {
        Ok(OperatorKeyRecord {
            id: self.id.into(),
            key_hash: self.key_hash,
            display_prefix: self.display_prefix,
            label: self.label,
            created_at: time(&self.created_at)?,
            revoked_at: time_opt(self.revoked_at)?,
        })
    }
}

/// Open jobs of one switch (`queued_jobs_by_switch`).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SwitchQueueRow {
    switch_id: Uuid,
    n: i64,
    oldest: String,
}

impl SwitchQueueRow {
    pub(crate) fn into_model(self) -> StoreResult<SwitchQueue> {
        Ok(SwitchQueue {
            switch_id: self.switch_id.into(),
            jobs: u64::try_from(self.n).map_err(|e| corrupt("count", e))?,
            oldest_created_at: time(&self.oldest)?,
        })
    }
}

pub(crate) fn vlan(v: i64) -> StoreResult<VlanId> {
    let n = u16::try_from(v).map_err(|e| corrupt("vlan", e))?;
    parse("vlan", VlanId::new(n))
}

fn kbps(v: i64) -> StoreResult<Kbps> {
    parse("rate", Kbps::new(to_u32("rate", v)?))
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PlanVersionRow {
    id: Uuid,
    plan_id: Uuid,
    provider_id: Uuid,
    name: String,
    vlan: i64,
    rate_down: i64,
    rate_up: i64,
    effective_from: String,
    effective_to: Option<String>,
}

impl PlanVersionRow {
    pub(crate) fn into_model(self) -> StoreResult<PlanVersion> {
        Ok(PlanVersion {
            id: self.id.into(),
            plan_id: self.plan_id.into(),
            provider_id: self.provider_id.into(),
            name: self.name,
            vlan: vlan(self.vlan)?,
            rate: RateLimit {
                down: kbps(self.rate_down)?,
                up: kbps(self.rate_up)?,
            },
            effective_from: time(&self.effective_from)?,
            effective_to: time_opt(self.effective_to)?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SwitchRow {
    id: Uuid,
    name: String,
    driver: String,
    address: String,
    ssh_port: i64,
    credentials_ref: String,
    host_key: Option<String>,
    captive_vlan: i64,
    max_sessions: i64,
    disabled: bool,
}

impl SwitchRow {
    pub(crate) fn into_model(self) -> StoreResult<Switch> {
        Ok(Switch {
            id: self.id.into(),
            name: self.name,
            driver: self.driver,
            address: self.address,
            ssh_port: u16::try_from(self.ssh_port).map_err(|e| corrupt("ssh port", e))?,
            credentials_ref: self.credentials_ref,
            host_key: self.host_key,
            captive_vlan: vlan(self.captive_vlan)?,
            max_sessions: to_u32("max sessions", self.max_sessions)?,
            disabled: self.disabled,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PortRow {
    switch_id: Uuid,
    port_number: i64,
    interface: String,
}

impl PortRow {
    pub(crate) fn into_model(self) -> StoreResult<Port> {
        Ok(Port {
            port: PortRef {
                switch_id: self.switch_id.into(),
                port_number: to_u32("port number", self.port_number)?,
            },
            interface: parse("interface name", InterfaceName::parse(&self.interface))?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct LocationRow {
    hash: String,
    switch_id: Uuid,
    port_number: i64,
    building_id: Option<Uuid>,
    unit_id: Option<Uuid>,
}

impl LocationRow {
    pub(crate) fn into_model(self) -> StoreResult<Location> {
        Ok(Location {
            hash: parse("location hash", LocationHash::parse(&self.hash))?,
            port: PortRef {
                switch_id: self.switch_id.into(),
                port_number: to_u32("port number", self.port_number)?,
            },
            building_id: self.building_id.map(Into::into),
            unit_id: self.unit_id.map(Into::into),
        })
    }
}

/// A location joined with its port and switch (each side `NULL` when missing); the port's
/// and switch's columns are prefixed `p_` and `s_`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PlacementRow {
    #[sqlx(flatten)]
    location: LocationRow,
    p_interface: Option<String>,
    s_id: Option<Uuid>,
    s_name: Option<String>,
    s_driver: Option<String>,
    s_address: Option<String>,
    s_ssh_port: Option<i64>,
    s_credentials_ref: Option<String>,
    s_host_key: Option<String>,
    s_captive_vlan: Option<i64>,
    s_max_sessions: Option<i64>,
    s_disabled: Option<bool>,
}

impl PlacementRow {
    /// The columns after `SELECT` for `locations l LEFT JOIN ports p .. LEFT JOIN switches s`.
    pub(crate) const COLUMNS: &'static str = "l.hash, l.switch_id, l.port_number, l.building_id, \
        l.unit_id, p.interface AS p_interface, s.id AS s_id, s.name AS s_name, s.driver AS s_driver, \
        s.address AS s_address, s.ssh_port AS s_ssh_port, s.credentials_ref AS s_credentials_ref, \
        s.host_key AS s_host_key, s.captive_vlan AS s_captive_vlan, s.max_sessions AS s_max_sessions, \
        s.disabled AS s_disabled";

    pub(crate) fn into_model(self) -> StoreResult<LocationPlacement> {
        let location = self.location.into_model()?;
        let port = self
            .p_interface
            .map(|interface| {
                PortRow {
                    switch_id: location.port.switch_id.0,
                    port_number: i64::from(location.port.port_number),
                    interface,
                }
                .into_model()
            })
            .transpose()?;
        let switch = match (
            self.s_id,
            self.s_name,
            self.s_driver,
            self.s_address,
            self.s_ssh_port,
            self.s_credentials_ref,
            self.s_captive_vlan,
            self.s_max_sessions,
        ) {
            (
                Some(id),
                Some(name),
                Some(driver),
                Some(address),
                Some(ssh_port),
                Some(credentials_ref),
                Some(captive_vlan),
                Some(max_sessions),
            ) => Some(
                SwitchRow {
                    id,
                    name,
                    driver,
                    address,
                    ssh_port,
                    credentials_ref,
                    host_key: self.s_host_key,
                    captive_vlan,
                    max_sessions,
                    disabled: self.s_disabled.unwrap_or(false),
                }
                .into_model()?,
            ),
            _ => None,
        };
        Ok(LocationPlacement {
            location,
            port,
            switch,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct UnitRow {
    id: Uuid,
    building_id: Uuid,
    label: String,
    floor: Option<String>,
}

impl UnitRow {
    pub(crate) fn into_model(self) -> Unit {
        Unit {
            id: self.id.into(),
            building_id: self.building_id.into(),
            label: self.label,
            floor: self.floor,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct BuildingRow {
    id: Uuid,
    name: String,
    address: Option<String>,
}

impl BuildingRow {
    pub(crate) fn into_model(self) -> kurnl_core::model::Building {
        kurnl_core::model::Building {
            id: self.id.into(),
            name: self.name,
            address: self.address,
        }
    }
}

/// A unit with its production subscription that is not cancelled, if any (`list_units`).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct UnitStatusRow {
    #[sqlx(flatten)]
    unit: UnitRow,
    subscription_id: Option<Uuid>,
    subscription_status: Option<String>,
}

impl UnitStatusRow {
    pub(crate) fn into_model(self) -> StoreResult<kurnl_core::ports::UnitOverview> {
        let status = self
            .subscription_status
            .as_deref()
            .map(super::subscribers::status)
            .transpose()?;
        Ok(kurnl_core::ports::UnitOverview {
            unit: self.unit.into_model(),
            status: kurnl_core::ports::UnitStatus::of_subscription(status),
            subscription_id: self.subscription_id.map(Into::into),
        })
    }
}

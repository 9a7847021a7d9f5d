//! The operator's network inventory: switches (create, change, disable, delete), their ports
//! with locations, live subscription and last applied state, locations, buildings and units
//! with their status. Changes are read by the engine on its next claim: no restart.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Service;
use super::fields::{Fields, present, uuid};
use super::requests::integral_u32;
use crate::error::{Error, Result};
use crate::model::{Building, Location, Port, PortConfig, PortRef, Switch, Unit};
use crate::ports::{ConflictKind, PortOverview, StoreError, UnitOverview};
use crate::types::{
    BuildingId, InterfaceName, InvalidValue, LocationHash, ProviderId, SubscriptionId, SwitchId,
    Text, UnitId, VlanId,
};

/// Body of `POST /operator/switches`, and of `PATCH /operator/switches/{id}` where every
/// field is optional (left out: unchanged; `host_key: null` removes the pin).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchRequest {
    /// Create only: the id (a new one when absent).
    pub id: Option<String>,
    /// Host name, for humans.
    pub name: Option<String>,
    /// Driver name in the engine's registry (`ios`, `junos`, ...).
    pub driver: Option<String>,
    /// Management address: a host name or an IP address.
    pub address: Option<String>,
    /// SSH port (22).
    #[serde(default, deserialize_with = "integral_u32")]
    pub ssh_port: Option<u32>,
    /// Where the driver finds the credentials (never the credentials).
    pub credentials_ref: Option<String>,
    /// Pinned host key: an OpenSSH public key line or a `SHA256:` fingerprint.
    #[serde(default, deserialize_with = "super::requests::present_or_null")]
    pub host_key: Option<Option<String>>,
    /// VLAN of free and cancelled ports.
    #[serde(default, deserialize_with = "integral_u32")]
    pub captive_vlan: Option<u32>,
    /// Concurrent configuration sessions allowed (1).
    #[serde(default, deserialize_with = "integral_u32")]
    pub max_sessions: Option<u32>,
    /// Maintenance: jobs queue but none runs.
    pub disabled: Option<bool>,
}

/// A switch as the operator sees it (credentials are only ever a reference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwitchView {
    /// Id.
    pub switch_id: SwitchId,
    /// Name.
    pub name: String,
    /// Driver.
    pub driver: String,
    /// Management address.
    pub address: String,
    /// SSH port.
    pub ssh_port: u16,
    /// Credentials reference.
    pub credentials_ref: String,
    /// Pinned host key.
    pub host_key: Option<String>,
    /// Captive-portal VLAN.
    pub captive_vlan: u16,
    /// Session limit.
    pub max_sessions: u32,
    /// In maintenance.
    pub disabled: bool,
}

impl From<&Switch> for SwitchView {
    fn from(s: &Switch) -> Self {
        Self {
            switch_id: s.id,
            name: s.name.clone(),
            driver: s.driver.clone(),
            address: s.address.clone(),
            ssh_port: s.ssh_port,
            credentials_ref: s.credentials_ref.clone(),
            host_key: s.host_key.clone(),
            captive_vlan: s.captive_vlan.get(),
            max_sessions: s.max_sessions,
            disabled: s.disabled,
        }
    }
}

/// Body of `PUT /operator/switches/{id}/ports/{port_number}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortRequest {
    /// The CLI interface name (`GigabitEthernet1/0/5`, `ge-0/0/5`).
    pub interface: Option<String>,
}

/// The live subscription on a port, as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortSubscriptionView {
    /// Subscription.
    pub subscription_id: SubscriptionId,
    /// Its provider.
    pub provider_id: ProviderId,
    /// Its status.
    pub status: &'static str,
}

/// What kurnl last applied to a port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedView {
    /// The port state.
    pub config: PortConfig,
    /// When its job completed.
    pub at: DateTime<Utc>,
}

/// A port with its locations and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortView {
    /// Switch.
    pub switch_id: SwitchId,
    /// Number.
    pub port_number: u32,
    /// Interface.
    pub interface: String,
    /// Location hashes resolving to it (copy them to providers).
    pub location_hashes: Vec<LocationHash>,
    /// Its production subscription that is not cancelled.
    pub subscription: Option<PortSubscriptionView>,
    /// The state of its last completed production job.
    pub last_applied: Option<AppliedView>,
}

impl From<PortOverview> for PortView {
    fn from(p: PortOverview) -> Self {
        Self {
            switch_id: p.port.port.switch_id,
            port_number: p.port.port.port_number,
            interface: p.port.interface.as_str().to_owned(),
            location_hashes: p.locations,
            subscription: p.live_subscription.map(|s| PortSubscriptionView {
                subscription_id: s.id,
                provider_id: s.provider_id,
                status: s.status.as_str(),
            }),
            last_applied: p
                .last_applied
                .map(|(config, at)| AppliedView { config, at }),
        }
    }
}

/// Body of `PUT /operator/locations/{location_hash}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationRequest {
    /// The switch of the port it resolves to.
    pub switch_id: Option<String>,
    /// The port number.
    #[serde(default, deserialize_with = "integral_u32")]
    pub port_number: Option<u32>,
    /// Its building, if known.
    pub building_id: Option<String>,
    /// Its unit, if known.
    pub unit_id: Option<String>,
}

/// A location as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocationView {
    /// The hash.
    pub location_hash: LocationHash,
    /// Switch.
    pub switch_id: SwitchId,
    /// Port.
    pub port_number: u32,
    /// Building.
    pub building_id: Option<BuildingId>,
    /// Unit.
    pub unit_id: Option<UnitId>,
}

/// Body of `POST /operator/buildings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildingRequest {
    /// The id (a new one when absent).
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Street address.
    pub address: Option<String>,
}

/// A building.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildingView {
    /// Id.
    pub building_id: BuildingId,
    /// Name.
    pub name: String,
    /// Street address.
    pub address: Option<String>,
}

impl From<&Building> for BuildingView {
    fn from(b: &Building) -> Self {
        Self {
            building_id: b.id,
            name: b.name.clone(),
            address: b.address.clone(),
        }
    }
}

/// Body of `POST /operator/buildings/{id}/units`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRequest {
    /// The id, the `unit_id` providers send (a new one when absent).
    pub id: Option<String>,
    /// Label such as `4B`.
    pub label: Option<String>,
    /// Floor.
    pub floor: Option<String>,
}

/// A unit with its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitView {
    /// `unit_id`.
    pub unit_id: UnitId,
    /// Building.
    pub building_id: BuildingId,
    /// Label.
    pub label: String,
    /// Floor.
    pub floor: Option<String>,
    /// `free`, `pending_install` or `active`.
    pub status: &'static str,
    /// Its production subscription that is not cancelled.
    pub subscription_id: Option<SubscriptionId>,
}

impl From<UnitOverview> for UnitView {
    fn from(u: UnitOverview) -> Self {
        Self {
            unit_id: u.unit.id,
            building_id: u.unit.building_id,
            label: u.unit.label,
            floor: u.unit.floor,
            status: u.status.as_str(),
            subscription_id: u.subscription_id,
        }
    }
}

/// A port number of a path: 1..=65535 (what the API documents), else no such port.
fn port_number_of(raw: &str) -> Option<u32> {
    raw.parse::<u32>().ok().filter(|n| (1..=65_535).contains(n))
}

fn switch_not_found() -> Error {
    Error::NotFound("Switch not found".into())
}

fn in_use(what: &str) -> Error {
    Error::Conflict(format!(
        "{what} is in use: a subscription that is not cancelled or an unfinished job needs it; cancel the subscription and let its job finish first"
    ))
}

/// A host name or an IP address: `[A-Za-z0-9.:-]`, 1..=253 characters, not starting with `-`.
fn address(raw: &str) -> std::result::Result<String, InvalidValue> {
    let a = raw.trim();
    let ok = (1..=253).contains(&a.len())
        && !a.starts_with('-')
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".:-".contains(&b));
    ok.then(|| a.to_owned()).ok_or_else(|| {
        InvalidValue::new(
            "value_error.address",
            "address must be a host name or an IP address",
        )
    })
}

/// A name of `[A-Za-z0-9._:/-]`, 1..=100 characters (driver names, credential references).
fn token(what: &'static str) -> impl Fn(&str) -> std::result::Result<String, InvalidValue> {
    move |raw| {
        let t = raw.trim();
        let ok = (1..=100).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._:/-".contains(&b));
        ok.then(|| t.to_owned()).ok_or_else(|| {
            InvalidValue::new(
                "value_error.token",
                format!("{what} must be 1 to 100 of A-Z, a-z, 0-9, '.', '_', ':', '/', '-'"),
            )
        })
    }
}

/// An OpenSSH public key line (`type base64 [comment]`) or a `SHA256:` fingerprint, one line.
fn host_key(raw: &str) -> std::result::Result<String, InvalidValue> {
    let k = raw.trim();
    let fingerprint = k.strip_prefix("SHA256:").is_some_and(|b| {
        !b.is_empty()
            && b.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(&c))
    });
    let mut parts = k.split_whitespace();
    let key_line = matches!(
        (parts.next(), parts.next()),
        (Some(t), Some(b)) if (t.starts_with("ssh-") || t.starts_with("ecdsa-"))
            && b.bytes().all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(&c))
    );
    let one_line = k.len() <= 16_384 && !k.chars().any(char::is_control);
    ((fingerprint || key_line) && one_line)
        .then(|| k.to_owned())
        .ok_or_else(|| {
            InvalidValue::new(
                "value_error.host_key",
                "host_key must be an OpenSSH public key line or a SHA256: fingerprint",
            )
        })
}

fn ranged(
    what: &'static str,
    lo: u32,
    hi: u32,
) -> impl Fn(u32) -> std::result::Result<u32, InvalidValue> {
    move |n| {
        (lo..=hi).contains(&n).then_some(n).ok_or_else(|| {
            InvalidValue::new(
                "value_error.number",
                format!("{what} must be between {lo} and {hi}"),
            )
        })
    }
}

/// A VLAN id given as a JSON integer.
fn vlan(n: u32) -> std::result::Result<VlanId, InvalidValue> {
    VlanId::new(u16::try_from(n).unwrap_or(u16::MAX))
}

fn text(raw: &str) -> std::result::Result<String, InvalidValue> {
    Text::parse(raw).map(|t| t.as_str().to_owned())
}

impl Service {
    /// Every switch, by name.
    ///
    /// # Errors
    /// Store failures only.
    pub async fn network_switches(&self) -> Result<Vec<SwitchView>> {
        let mut all = self.store.list_switches().await?;
        all.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.0.cmp(&b.id.0)));
        Ok(all.iter().map(SwitchView::from).collect())
    }

    /// One switch.
    ///
    /// # Errors
    /// 404 `Switch not found`.
    pub async fn network_switch(&self, id: &str) -> Result<SwitchView> {
        Ok(SwitchView::from(&self.switch_by(id).await?))
    }

    async fn switch_by(&self, id: &str) -> Result<Switch> {
        let id: SwitchId = uuid(id).map_err(|_| switch_not_found())?;
        self.store
            .get_switch(id)
            .await?
            .ok_or_else(switch_not_found)
    }

    /// Creates a switch; a switch that already has the id is 409.
    ///
    /// # Errors
    /// 422 naming each missing or bad field; 409 when the id exists.
    pub async fn create_switch(&self, req: SwitchRequest) -> Result<SwitchView> {
        let mut f = Fields::body();
        let id = f.optional(&["id"], req.id.as_deref(), uuid::<SwitchId>);
        let name = f.required(&["name"], req.name.as_deref(), text);
        let driver = f.required(&["driver"], req.driver.as_deref(), token("driver"));
        let addr = f.required(&["address"], req.address.as_deref(), address);
        let creds = f.required(
            &["credentials_ref"],
            req.credentials_ref.as_deref(),
            token("credentials_ref"),
        );
        let key = match req.host_key.flatten() {
            Some(k) => f.check(&["host_key"], host_key(&k)).map(Some),
            None => Some(None),
        };
        let ssh_port = f.check(
            &["ssh_port"],
            ranged("ssh_port", 1, 65_535)(req.ssh_port.unwrap_or(22)),
        );
        let vlan = match req.captive_vlan {
            None => {
                f.missing(&["captive_vlan"]);
                None
            }
            Some(v) => f.check(&["captive_vlan"], vlan(v)),
        };
        let sessions = f.check(
            &["max_sessions"],
            ranged("max_sessions", 1, 1024)(req.max_sessions.unwrap_or(1)),
        );
        f.finish()?;
        let switch = Switch {
            id: present(id)?.unwrap_or_else(|| self.new_id()),
            name: present(name)?,
            driver: present(driver)?,
            address: present(addr)?,
            ssh_port: u16::try_from(present(ssh_port)?).unwrap_or(22),
            credentials_ref: present(creds)?,
            host_key: present(key)?,
            captive_vlan: present(vlan)?,
            max_sessions: present(sessions)?,
            disabled: req.disabled.unwrap_or(false),
        };
        if self.store.get_switch(switch.id).await?.is_some() {
            return Err(Error::Conflict("A switch with this id exists".into()));
        }
        self.store.put_switch(&switch).await?;
        tracing::info!(switch = %switch.id, "operator created a switch");
        Ok(SwitchView::from(&switch))
    }

    /// Changes a switch; the engine uses the new settings from its next claim of the
    /// switch's jobs (an open session to an old address or key is not reused).
    ///
    /// # Errors
    /// 404 `Switch not found`; 422 naming each bad field (`id` cannot change).
    pub async fn update_switch(&self, id: &str, req: SwitchRequest) -> Result<SwitchView> {
        let mut sw = self.switch_by(id).await?;
        let mut f = Fields::body();
        if req.id.is_some() {
            f.push(
                &["id"],
                InvalidValue::new("value_error.extra", "a switch's id cannot change"),
            );
        }
        let opt =
            |f: &mut Fields,
             path: &str,
             raw: Option<String>,
             check: &dyn Fn(&str) -> std::result::Result<String, InvalidValue>| {
                raw.and_then(|r| f.check(&[path], check(&r)))
            };
        let name = opt(&mut f, "name", req.name, &text);
        let driver = opt(&mut f, "driver", req.driver, &token("driver"));
        let addr = opt(&mut f, "address", req.address, &address);
        let creds = opt(
            &mut f,
            "credentials_ref",
            req.credentials_ref,
            &token("credentials_ref"),
        );
        let key = req
            .host_key
            .map(|k| k.and_then(|k| f.check(&["host_key"], host_key(&k))));
        let ssh_port = req
            .ssh_port
            .and_then(|p| f.check(&["ssh_port"], ranged("ssh_port", 1, 65_535)(p)));
        let vlan = req
            .captive_vlan
            .and_then(|v| f.check(&["captive_vlan"], vlan(v)));
        let sessions = req
            .max_sessions
            .and_then(|n| f.check(&["max_sessions"], ranged("max_sessions", 1, 1024)(n)));
        f.finish()?;
        if let Some(v) = name {
            sw.name = v;
        }
        if let Some(v) = driver {
            sw.driver = v;
        }
        if let Some(v) = addr {
            sw.address = v;
        }
        if let Some(v) = creds {
            sw.credentials_ref = v;
        }
        if let Some(v) = key {
            sw.host_key = v;
        }
        if let Some(v) = ssh_port {
            sw.ssh_port = u16::try_from(v).unwrap_or(sw.ssh_port);
        }
        if let Some(v) = vlan {
            sw.captive_vlan = v;
        }
        if let Some(v) = sessions {
            sw.max_sessions = v;
        }
        if let Some(v) = req.disabled {
            sw.disabled = v;
        }
        self.store.put_switch(&sw).await?;
        tracing::info!(switch = %sw.id, disabled = sw.disabled, "operator changed a switch");
        Ok(SwitchView::from(&sw))
    }

    /// Deletes a switch with its ports and their locations.
    ///
    /// # Errors
    /// 404 `Switch not found`; 409 while a subscription or unfinished job uses one of its
    /// ports.
    pub async fn delete_switch(&self, id: &str) -> Result<()> {
        let sw = self.switch_by(id).await?;
        match self.store.delete_switch(sw.id).await {
            Ok(()) => {
                tracing::info!(switch = %sw.id, "operator deleted a switch");
                Ok(())
            }
            Err(StoreError::Conflict(ConflictKind::InUse)) => Err(in_use("The switch")),
            Err(StoreError::NotFound(_)) => Err(switch_not_found()),
            Err(e) => Err(e.into()),
        }
    }

    /// A switch's ports in port order, each with its locations, subscription and last
    /// applied state.
    ///
    /// # Errors
    /// 404 `Switch not found`.
    pub async fn switch_ports(&self, id: &str) -> Result<Vec<PortView>> {
        let sw = self.switch_by(id).await?;
        let ports = self.store.list_ports(sw.id).await?;
        Ok(ports.into_iter().map(PortView::from).collect())
    }

    /// Creates or renames a port of a switch.
    ///
    /// # Errors
    /// 404 `Switch not found`; 422 for a bad port number or interface name.
    pub async fn put_switch_port(
        &self,
        id: &str,
        port_number: &str,
        req: PortRequest,
    ) -> Result<PortView> {
        let sw = self.switch_by(id).await?;
        let mut f = Fields::body();
        let number = port_number_of(port_number);
        if number.is_none() {
            return Err(Error::NotFound("Port not found".into()));
        }
        let interface = f.required(
            &["interface"],
            req.interface.as_deref(),
            InterfaceName::parse,
        );
        f.finish()?;
        let port = Port {
            port: PortRef {
                switch_id: sw.id,
                port_number: present(number)?,
            },
            interface: present(interface)?,
        };
        self.store.put_port(&port).await?;
        let ports = self.store.list_ports(sw.id).await?;
        ports
            .into_iter()
            .find(|p| p.port.port == port.port)
            .map(PortView::from)
            .ok_or_else(|| Error::Internal("stored port not listed".into()))
    }

    /// Deletes a port and its locations.
    ///
    /// # Errors
    /// 404 `Switch not found` / `Port not found`; 409 while a subscription or unfinished job
    /// uses it.
    pub async fn delete_switch_port(&self, id: &str, port_number: &str) -> Result<()> {
        let sw = self.switch_by(id).await?;
        let not_found = || Error::NotFound("Port not found".into());
        let number = port_number_of(port_number).ok_or_else(not_found)?;
        let port = PortRef {
            switch_id: sw.id,
            port_number: number,
        };
        match self.store.delete_port(port).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict(ConflictKind::InUse)) => Err(in_use("The port")),
            Err(StoreError::NotFound(_)) => Err(not_found()),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates or moves a location hash to a port (and a building and unit).
    ///
    /// # Errors
    /// 422 for a malformed hash or field; 404 `Port not found`, `Unit not found`.
    pub async fn put_network_location(
        &self,
        hash: &str,
        req: LocationRequest,
    ) -> Result<LocationView> {
        let mut f = Fields::body();
        let hash = LocationHash::parse(hash)
            .map_err(|_| Error::Unprocessable(crate::error::INVALID_LOCATION_HASH.into()))?;
        let switch_id = f.required(&["switch_id"], req.switch_id.as_deref(), uuid::<SwitchId>);
        let number = match req.port_number {
            None => {
                f.missing(&["port_number"]);
                None
            }
            Some(n) => Some(n),
        };
        let building = f.optional(
            &["building_id"],
            req.building_id.as_deref(),
            uuid::<BuildingId>,
        );
        let unit = f.optional(&["unit_id"], req.unit_id.as_deref(), uuid::<UnitId>);
        f.finish()?;
        let location = Location {
            hash,
            port: PortRef {
                switch_id: present(switch_id)?,
                port_number: present(number)?,
            },
            building_id: present(building)?,
            unit_id: present(unit)?,
        };
        if let Some(unit) = location.unit_id
            && self.store.get_unit(unit).await?.is_none()
        {
            return Err(Error::NotFound("Unit not found".into()));
        }
        self.put_location(location.clone()).await?;
        Ok(LocationView {
            location_hash: location.hash,
            switch_id: location.port.switch_id,
            port_number: location.port.port_number,
            building_id: location.building_id,
            unit_id: location.unit_id,
        })
    }

    /// Every building, by name.
    ///
    /// # Errors
    /// Store failures only.
    pub async fn network_buildings(&self) -> Result<Vec<BuildingView>> {
        let all = self.store.list_buildings().await?;
        Ok(all.iter().map(BuildingView::from).collect())
    }

    /// Creates a building.
    ///
    /// # Errors
    /// 422 naming a missing or bad field; 409 when the id exists.
    pub async fn create_building(&self, req: BuildingRequest) -> Result<BuildingView> {
        let mut f = Fields::body();
        let id = f.optional(&["id"], req.id.as_deref(), uuid::<BuildingId>);
        let name = f.required(&["name"], req.name.as_deref(), text);
        let addr = f.optional(&["address"], req.address.as_deref(), text);
        f.finish()?;
        let building = Building {
            id: present(id)?.unwrap_or_else(|| self.new_id()),
            name: present(name)?,
            address: present(addr)?,
        };
        let exists = self
            .store
            .list_buildings()
            .await?
            .iter()
            .any(|b| b.id == building.id);
        if exists {
            return Err(Error::Conflict("A building with this id exists".into()));
        }
        self.put_building(building.clone()).await?;
        Ok(BuildingView::from(&building))
    }

    async fn building_by(&self, id: &str) -> Result<Building> {
        let not_found = || Error::NotFound("Building not found".into());
        let id: BuildingId = uuid(id).map_err(|_| not_found())?;
        let all = self.store.list_buildings().await?;
        all.into_iter().find(|b| b.id == id).ok_or_else(not_found)
    }

    /// A building's units by label, each free, pending install or active.
    ///
    /// # Errors
    /// 404 `Building not found`.
    pub async fn building_units(&self, building: &str) -> Result<Vec<UnitView>> {
        let b = self.building_by(building).await?;
        let units = self.store.list_units(b.id).await?;
        Ok(units.into_iter().map(UnitView::from).collect())
    }

    /// Adds a unit to a building.
    ///
    /// # Errors
    /// 404 `Building not found`; 422 naming a missing or bad field; 409 when the id exists.
    pub async fn create_unit(&self, building: &str, req: UnitRequest) -> Result<UnitView> {
        let b = self.building_by(building).await?;
        let mut f = Fields::body();
        let id = f.optional(&["id"], req.id.as_deref(), uuid::<UnitId>);
        let label = f.required(&["label"], req.label.as_deref(), text);
        let floor = f.optional(&["floor"], req.floor.as_deref(), text);
        f.finish()?;
        let unit = Unit {
            id: present(id)?.unwrap_or_else(|| self.new_id()),
            building_id: b.id,
            label: present(label)?,
            floor: present(floor)?,
        };
        if self.store.get_unit(unit.id).await?.is_some() {
            return Err(Error::Conflict("A unit with this id exists".into()));
        }
        self.put_unit(unit.clone()).await?;
        let units = self.store.list_units(b.id).await?;
        units
            .into_iter()
            .find(|u| u.unit.id == unit.id)
            .map(UnitView::from)
            .ok_or_else(|| Error::Internal("stored unit not listed".into()))
    }
}

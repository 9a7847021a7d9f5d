//! A network inventory file (TOML): providers with credentials, plans and versions, switches
//! with ports and locations, buildings with units. The server example loads one at start.
//!
//! ```
//! let inventory = kurnl::inventory::Inventory::from_toml(r#"
//! [[providers]]
//! id = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
//! name = "Demo ISP"
//! api_keys = ["krnl_live_demo_0123456789abcdef"]
//! "#).unwrap();
//! assert_eq!(inventory.providers.len(), 1);
//! ```

use std::time::Duration;

use chrono::{DateTime, Utc};
use kurnl_core::engine::{AuditConfig, SwitchAuditSettings};
use kurnl_core::model::{
    BillingMode, Building, DriftPolicy, Location, Plan, PlanVersion, Port, PortRef, Switch, Unit,
    WebhookEndpoint,
};
use kurnl_core::service::{NewProvider, Service};
use kurnl_core::types::{
    BuildingId, InterfaceName, Kbps, LocationHash, PlanId, PlanVersionId, ProviderId, RateLimit,
    Secret, SwitchId, UnitId, VlanId,
};
use serde::Deserialize;

/// Why an inventory could not be loaded; names the entry and field.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The file is not valid TOML or a field has the wrong type or value.
    #[error("inventory file: {0}")]
    Parse(String),
    /// The service refused an entry.
    #[error("inventory entry {entry}: {source}")]
    Rejected {
        /// Which entry, e.g. `switches[0].ports[3]`.
        entry: String,
        /// Why.
        source: kurnl_core::Error,
    },
}

/// A provider entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderEntry {
    /// `service_provider_document_id`.
    pub id: ProviderId,
    /// Name.
    pub name: String,
    /// API keys (`krnl_live_…` / `krnl_sb_…`); only their hashes are stored.
    #[serde(default)]
    pub api_keys: Vec<Secret>,
    /// Production webhook URL.
    pub webhook_url: Option<String>,
    /// Production webhook secret.
    pub webhook_secret: Option<Secret>,
    /// Sandbox webhook URL.
    pub sandbox_webhook_url: Option<String>,
    /// Sandbox webhook secret.
    pub sandbox_webhook_secret: Option<Secret>,
    /// `kurnl` (default) or `provider`.
    #[serde(default)]
    pub billing_mode: BillingMode,
}

/// A plan version entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionEntry {
    /// `plan_version_id`.
    pub id: PlanVersionId,
    /// Name.
    pub name: String,
    /// Access VLAN.
    pub vlan: VlanId,
    /// Download limit.
    pub download_kbps: Kbps,
    /// Upload limit.
    pub upload_kbps: Kbps,
    /// Window start (RFC 3339).
    pub effective_from: DateTime<Utc>,
    /// Window end (RFC 3339), open-ended when absent.
    pub effective_to: Option<DateTime<Utc>>,
}

/// A plan entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanEntry {
    /// `plan_id`.
    pub id: PlanId,
    /// Owner.
    pub provider: ProviderId,
    /// Name.
    pub name: String,
    /// Versions.
    #[serde(default)]
    pub versions: Vec<VersionEntry>,
}

/// A port entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortEntry {
    /// `port_number`.
    pub number: u32,
    /// CLI interface name.
    pub interface: InterfaceName,
    /// The location hash that resolves to this port, if any.
    pub location_hash: Option<LocationHash>,
    /// The unit this port serves, if any.
    pub unit: Option<UnitId>,
}

/// A switch entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchEntry {
    /// Id.
    pub id: SwitchId,
    /// Name.
    pub name: String,
    /// Driver name (`ios`, `junos`, `memory`).
    pub driver: String,
    /// Management address; the server example starts a simulator for `"sim"`.
    pub address: String,
    /// SSH port.
    #[serde(default = "default_ssh_port")]
    pub ssh_port: u16,
    /// Credentials reference.
    pub credentials_ref: String,
    /// Pinned host key.
    pub host_key: Option<String>,
    /// Captive-portal VLAN.
    pub captive_vlan: VlanId,
    /// Concurrent sessions allowed.
    #[serde(default = "default_sessions")]
    pub max_sessions: u32,
    /// Ports listed one by one.
    #[serde(default)]
    pub ports: Vec<PortEntry>,
    /// Ports generated from a pattern (in addition to `ports`).
    pub port_range: Option<PortRange>,
    /// Drift audit of this switch: `false` never audits it (default: as the fleet).
    pub drift_audit: Option<bool>,
    /// Seconds between two drift audits of this switch (default: the fleet's).
    pub drift_audit_interval_secs: Option<u64>,
    /// `report` or `repair` (default: the fleet's).
    pub drift_policy: Option<DriftPolicy>,
}

/// The fleet's drift audit defaults (`[drift_audit]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftAuditEntry {
    /// `false` turns the audit off for every switch.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Seconds between two audits of a switch (default 3600).
    pub interval_secs: Option<u64>,
    /// `report` (default) or `repair`.
    pub policy: Option<DriftPolicy>,
    /// Seconds before an unreachable switch is audited again (default 300).
    pub retry_after_secs: Option<u64>,
}

fn default_true() -> bool {
    true
}

/// Ports `first..=last` named by `interface` with `{n}` replaced by the number, e.g.
/// `{ first = 1, last = 48, interface = "GigabitEthernet1/0/{n}" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortRange {
    /// First port number.
    pub first: u32,
    /// Last port number (inclusive).
    pub last: u32,
    /// Interface name pattern containing `{n}`.
    pub interface: String,
}

fn default_ssh_port() -> u16 {
    22
}
fn default_sessions() -> u32 {
    1
}

/// A unit entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitEntry {
    /// `unit_id`.
    pub id: UnitId,
    /// Label.
    pub label: String,
    /// Floor.
    pub floor: Option<String>,
}

/// A building entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildingEntry {
    /// Id.
    pub id: BuildingId,
    /// Name.
    pub name: String,
    /// Address.
    pub address: Option<String>,
    /// Units.
    #[serde(default)]
    pub units: Vec<UnitEntry>,
}

/// An operator key entry: the key for the operator endpoints (`X-Operator-Key`), stored
/// hashed when the inventory is applied.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorKeyEntry {
    /// What it is for ("console").
    pub label: String,
    /// `krnl_op_` and at least 16 more characters.
    pub key: Secret,
}

/// A login of the console (`kurnl::console`): an operator account when `provider` is left
/// out, else an account of that provider. Give `password_hash` (an argon2 PHC string) in
/// production; `password` (hashed at load, never kept) is for demos and tests.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleAccountEntry {
    /// Login name.
    pub username: String,
    /// Plaintext password, hashed with argon2 when the file is read.
    #[serde(default)]
    pub password: Option<Secret>,
    /// An argon2 PHC string.
    #[serde(default)]
    pub password_hash: Option<String>,
    /// The provider whose staff logs in with it; none for the network operator.
    #[serde(default)]
    pub provider: Option<ProviderId>,
}

impl std::fmt::Debug for ConsoleAccountEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleAccountEntry")
            .field("username", &self.username)
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

impl ConsoleAccountEntry {
    /// The console account, its password hashed.
    ///
    /// # Errors
    /// [`InventoryError::Parse`] when neither or both of `password` and `password_hash` are
    /// given, or the hash is not argon2.
    pub fn to_account(&self) -> Result<kurnl_console::ConsoleAccount, InventoryError> {
        use kurnl_console::{AccountRole, ConsoleAccount};
        let role = self
            .provider
            .map_or(AccountRole::Operator, AccountRole::Provider);
        match (&self.password, &self.password_hash) {
            (Some(p), None) => Ok(ConsoleAccount::with_password(
                &self.username,
                p.expose(),
                role,
            )),
            (None, Some(h)) => ConsoleAccount::with_hash(&self.username, h.clone(), role)
                .map_err(|e| InventoryError::Parse(e.to_string())),
            _ => Err(InventoryError::Parse(format!(
                "console_accounts {}: give exactly one of password and password_hash",
                self.username
            ))),
        }
    }
}

/// A whole inventory file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// Providers.
    #[serde(default)]
    pub providers: Vec<ProviderEntry>,
    /// Plans.
    #[serde(default)]
    pub plans: Vec<PlanEntry>,
    /// Buildings.
    #[serde(default)]
    pub buildings: Vec<BuildingEntry>,
    /// Switches.
    #[serde(default)]
    pub switches: Vec<SwitchEntry>,
    /// Operator keys.
    #[serde(default)]
    pub operator_keys: Vec<OperatorKeyEntry>,
    /// Console logins.
    #[serde(default)]
    pub console_accounts: Vec<ConsoleAccountEntry>,
    /// Drift audit defaults for the fleet; per-switch settings are on the switches.
    pub drift_audit: Option<DriftAuditEntry>,
}

impl Inventory {
    /// Parses TOML; errors name the line and field.
    ///
    /// # Errors
    /// [`InventoryError::Parse`].
    pub fn from_toml(text: &str) -> Result<Self, InventoryError> {
        toml::from_str(text).map_err(|e| InventoryError::Parse(e.to_string()))
    }

    /// The drift audit settings: the `[drift_audit]` defaults over [`AuditConfig::default`],
    /// with each switch's own settings; `None` when `[drift_audit] enabled = false`.
    pub fn audit_config(&self) -> Option<AuditConfig> {
        let fleet = self.drift_audit.as_ref();
        if fleet.is_some_and(|f| !f.enabled) {
            return None;
        }
        let mut config = AuditConfig::default();
        if let Some(f) = fleet {
            if let Some(secs) = f.interval_secs {
                config.interval = Duration::from_secs(secs.max(1));
            }
            if let Some(policy) = f.policy {
                config.policy = policy;
            }
            if let Some(secs) = f.retry_after_secs {
                config.retry_after = Duration::from_secs(secs.max(1));
            }
        }
        for s in &self.switches {
            let own = SwitchAuditSettings {
                interval: s
                    .drift_audit_interval_secs
                    .map(|secs| Duration::from_secs(secs.max(1))),
                policy: s.drift_policy,
                disabled: s.drift_audit == Some(false),
            };
            if own != SwitchAuditSettings::default() {
                config.switches.insert(s.id, own);
            }
        }
        Some(config)
    }

    /// The console accounts, passwords hashed.
    ///
    /// # Errors
    /// See [`ConsoleAccountEntry::to_account`].
    pub fn console_accounts(&self) -> Result<Vec<kurnl_console::ConsoleAccount>, InventoryError> {
        self.console_accounts
            .iter()
            .map(ConsoleAccountEntry::to_account)
            .collect()
    }

    /// Writes every entry through the service's operator calls (idempotent: entries are
    /// upserted), providers first.
    ///
    /// # Errors
    /// [`InventoryError::Rejected`] naming the first entry the service refused.
    pub async fn apply(&self, service: &Service) -> Result<(), InventoryError> {
        let at = |entry: String| move |source| InventoryError::Rejected { entry, source };
        for (i, p) in self.providers.iter().enumerate() {
            let endpoint = |url: &Option<String>, secret: &Option<Secret>| WebhookEndpoint {
                url: url.clone(),
                secret: secret.clone(),
                ..Default::default()
            };
            service
                .put_provider(NewProvider {
                    id: Some(p.id),
                    name: p.name.clone(),
                    live: endpoint(&p.webhook_url, &p.webhook_secret),
                    sandbox: endpoint(&p.sandbox_webhook_url, &p.sandbox_webhook_secret),
                    external_checkout_url: None,
                    billing_mode: p.billing_mode,
                })
                .await
                .map_err(at(format!("providers[{i}]")))?;
            for (k, key) in p.api_keys.iter().enumerate() {
                service
                    .register_api_key(p.id, key.expose())
                    .await
                    .map_err(at(format!("providers[{i}].api_keys[{k}]")))?;
            }
        }
        for (i, k) in self.operator_keys.iter().enumerate() {
            service
                .register_operator_key(&k.label, k.key.expose())
                .await
                .map_err(at(format!("operator_keys[{i}]")))?;
        }
        for (i, plan) in self.plans.iter().enumerate() {
            service
                .put_plan(Plan {
                    id: plan.id,
                    provider_id: plan.provider,
                    name: plan.name.clone(),
                })
                .await
                .map_err(at(format!("plans[{i}]")))?;
            for (v, version) in plan.versions.iter().enumerate() {
                let record = PlanVersion {
                    id: version.id,
                    plan_id: plan.id,
                    provider_id: plan.provider,
                    name: version.name.clone(),
                    vlan: version.vlan,
                    rate: RateLimit {
                        down: version.download_kbps,
                        up: version.upload_kbps,
                    },
                    effective_from: version.effective_from,
                    effective_to: version.effective_to,
                };
                service
                    .put_plan_version(record)
                    .await
                    .map_err(at(format!("plans[{i}].versions[{v}]")))?;
            }
        }
        for (i, b) in self.buildings.iter().enumerate() {
            let building = Building {
                id: b.id,
                name: b.name.clone(),
                address: b.address.clone(),
            };
            service
                .put_building(building)
                .await
                .map_err(at(format!("buildings[{i}]")))?;
            for (u, unit) in b.units.iter().enumerate() {
                let record = Unit {
                    id: unit.id,
                    building_id: b.id,
                    label: unit.label.clone(),
                    floor: unit.floor.clone(),
                };
                service
                    .put_unit(record)
                    .await
                    .map_err(at(format!("buildings[{i}].units[{u}]")))?;
            }
        }
        for (i, s) in self.switches.iter().enumerate() {
            let mut switch = s.to_switch();
            // Maintenance is the operator's call (the API's), not the file's: loading the
            // file again on a restart keeps a disabled switch disabled.
            switch.disabled = service
                .store()
                .get_switch(switch.id)
                .await
                .map_err(|e| InventoryError::Rejected {
                    entry: format!("switches[{i}]"),
                    source: e.into(),
                })?
                .is_some_and(|stored| stored.disabled);
            service
                .put_switch(switch)
                .await
                .map_err(at(format!("switches[{i}]")))?;
            for (n, p) in s.all_ports()?.iter().enumerate() {
                let port = PortRef {
                    switch_id: s.id,
                    port_number: p.number,
                };
                service
                    .put_port(Port {
                        port,
                        interface: p.interface.clone(),
                    })
                    .await
                    .map_err(at(format!("switches[{i}].ports[{n}]")))?;
                if let Some(hash) = &p.location_hash {
                    let building = self
                        .buildings
                        .iter()
                        .find(|b| b.units.iter().any(|u| Some(u.id) == p.unit))
                        .map(|b| b.id);
                    let location = Location {
                        hash: hash.clone(),
                        port,
                        building_id: building,
                        unit_id: p.unit,
                    };
                    service
                        .put_location(location)
                        .await
                        .map_err(at(format!("switches[{i}].ports[{n}].location_hash")))?;
                }
            }
        }
        Ok(())
    }
}

impl SwitchEntry {
    /// Every port: the listed ones, then the generated ones not listed.
    ///
    /// # Errors
    /// [`InventoryError::Parse`] when a generated interface name is invalid or the range is
    /// reversed or larger than 10,000 ports.
    pub fn all_ports(&self) -> Result<Vec<PortEntry>, InventoryError> {
        let mut ports = self.ports.clone();
        if let Some(range) = &self.port_range {
            if range.first > range.last
                || range.last - range.first >= 10_000
                || !range.interface.contains("{n}")
            {
                return Err(InventoryError::Parse(format!(
                    "switch {}: port_range needs first <= last, at most 10000 ports and {{n}} in interface",
                    self.name
                )));
            }
            for n in range.first..=range.last {
                if ports.iter().any(|p| p.number == n) {
                    continue;
                }
                let name = range.interface.replace("{n}", &n.to_string());
                let interface = InterfaceName::parse(&name).map_err(|e| {
                    InventoryError::Parse(format!(
                        "switch {}: port_range interface {name:?}: {e}",
                        self.name
                    ))
                })?;
                ports.push(PortEntry {
                    number: n,
                    interface,
                    location_hash: None,
                    unit: None,
                });
            }
        }
        ports.sort_by_key(|p| p.number);
        Ok(ports)
    }

    /// The switch record.
    pub fn to_switch(&self) -> Switch {
        Switch {
            id: self.id,
            name: self.name.clone(),
            driver: self.driver.clone(),
            address: self.address.clone(),
            ssh_port: self.ssh_port,
            credentials_ref: self.credentials_ref.clone(),
            host_key: self.host_key.clone(),
            captive_vlan: self.captive_vlan,
            max_sessions: self.max_sessions,
            disabled: false,
        }
    }
}

#[cfg(test)]
mod audit_config_tests {
    use super::*;

    const SWITCH: &str = r#"
[[switches]]
id = "5a5a5a5a-0000-4000-8000-000000000001"
name = "sw1"
driver = "ios"
address = "10.0.0.1"
credentials_ref = "sw1"
captive_vlan = 999
"#;

    #[test]
    fn fleet_defaults_and_switch_overrides() {
        let text = format!(
            "[drift_audit]\ninterval_secs = 60\npolicy = \"repair\"\nretry_after_secs = 7\n{SWITCH}drift_policy = \"report\"\ndrift_audit_interval_secs = 5\n"
        );
        let inventory = Inventory::from_toml(&text).expect("parses");
        let config = inventory.audit_config().expect("audit on");
        assert_eq!(config.interval, Duration::from_secs(60));
        assert_eq!(config.policy, DriftPolicy::Repair);
        assert_eq!(config.retry_after, Duration::from_secs(7));
        let id = inventory.switches[0].id;
        assert_eq!(
            config.settings_for(id),
            Some((Duration::from_secs(5), DriftPolicy::Report)),
            "the switch's own settings win"
        );
    }

    #[test]
    fn audit_off_for_the_fleet_or_one_switch() {
        let off = Inventory::from_toml(&format!("[drift_audit]\nenabled = false\n{SWITCH}"))
            .expect("parses");
        assert!(off.audit_config().is_none(), "enabled = false turns it off");
        let one = Inventory::from_toml(&format!("{SWITCH}drift_audit = false\n")).expect("parses");
        let config = one.audit_config().expect("fleet default on");
        assert_eq!(
            config.settings_for(one.switches[0].id),
            None,
            "this switch is skipped"
        );
        assert_eq!(config.policy, DriftPolicy::Report, "default policy");
    }

    #[test]
    fn unknown_policy_names_the_field() {
        let err = Inventory::from_toml(&format!("{SWITCH}drift_policy = \"fix\"\n"))
            .expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains("drift_policy") || text.contains("fix"),
            "{text}"
        );
        assert!(text.contains("report") && text.contains("repair"), "{text}");
    }
}

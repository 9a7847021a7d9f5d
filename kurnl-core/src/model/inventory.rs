//! Network inventory kept by the operator: switches, ports, locations, buildings, units.

use serde::{Deserialize, Serialize};

use crate::types::{BuildingId, InterfaceName, LocationHash, SwitchId, UnitId, VlanId};

/// A managed access switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Switch {
    /// Id.
    pub id: SwitchId,
    /// Human name / hostname.
    pub name: String,
    /// Name of the driver in the [`DriverRegistry`](crate::ports::DriverRegistry)
    /// (`ios`, `junos`, `memory`, ...).
    pub driver: String,
    /// Management address (host name or IP).
    pub address: String,
    /// SSH port.
    pub ssh_port: u16,
    /// Key under which the driver finds the credentials; secrets are not stored here.
    pub credentials_ref: String,
    /// Pinned host key (OpenSSH public key line or `SHA256:` fingerprint).
    pub host_key: Option<String>,
    /// VLAN of unassigned and cancelled ports.
    pub captive_vlan: VlanId,
    /// At most this many concurrent config sessions (jobs leases) on this switch.
    pub max_sessions: u32,
    /// Maintenance: jobs for its ports are queued as usual but none is claimed (no session
    /// is opened) until it is enabled again.
    #[serde(default)]
    pub disabled: bool,
}

/// Identifies a port: switch + number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortRef {
    /// Switch.
    pub switch_id: SwitchId,
    /// `port_number` as kurnl names it.
    pub port_number: u32,
}

/// A port of a switch and its interface name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Port {
    /// Which port.
    pub port: PortRef,
    /// CLI interface name.
    pub interface: InterfaceName,
}

/// A subscriber location: the target of a `location_hash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The hash providers pass around.
    pub hash: LocationHash,
    /// The port it resolves to.
    pub port: PortRef,
    /// Building, when known.
    pub building_id: Option<BuildingId>,
    /// Unit, when known.
    pub unit_id: Option<UnitId>,
}

/// A building with units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Building {
    /// Id.
    pub id: BuildingId,
    /// Name.
    pub name: String,
    /// Street address, free text.
    pub address: Option<String>,
}

/// A unit (apartment, office) in a building.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// `unit_id`.
    pub id: UnitId,
    /// Building.
    pub building_id: BuildingId,
    /// Label such as `"4B"`.
    pub label: String,
    /// Floor, free text.
    pub floor: Option<String>,
}

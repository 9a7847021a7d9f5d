//! OpenAPI schemas of the operator's network extensions (`handlers/network.rs`), mirrors of
//! the `kurnl-core` wire types like those in `schema.rs`. Patterns state what the service
//! accepts, so that a schema-valid value is never refused; free text (names, labels,
//! addresses) has the pattern of `schema.rs`'s text fields (`Text`: 1..=200 characters after
//! trimming, no control characters).

#![allow(dead_code)] // only read by the OpenAPI derive

use chrono::{DateTime, Utc};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::schema_operator::PortConfig;

/// A switch.
#[derive(ToSchema)]
pub(crate) struct Switch {
    switch_id: Uuid,
    name: String,
    /// Driver name (`ios`, `junos`, ...).
    driver: String,
    /// Management address.
    address: String,
    ssh_port: u16,
    /// Where the driver finds the credentials (never the credentials).
    credentials_ref: String,
    /// Pinned host key.
    host_key: Option<String>,
    captive_vlan: u16,
    max_sessions: u32,
    /// Maintenance: jobs queue but none runs.
    disabled: bool,
}

/// A new switch.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SwitchCreate {
    /// A new id when absent.
    id: Option<Uuid>,
    /// 1..=200 characters, no control characters.
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    name: String,
    #[schema(pattern = r"^[A-Za-z0-9._:/-]{1,100}$")]
    driver: String,
    /// A host name or an IP address.
    #[schema(pattern = r"^[A-Za-z0-9.:][A-Za-z0-9.:-]{0,252}$")]
    address: String,
    /// 22 by default.
    #[schema(minimum = 1, maximum = 65535)]
    ssh_port: Option<u32>,
    #[schema(pattern = r"^[A-Za-z0-9._:/-]{1,100}$")]
    credentials_ref: String,
    /// An OpenSSH public key line or a `SHA256:` fingerprint.
    #[schema(
        pattern = r"^(SHA256:[A-Za-z0-9+/=]+|(ssh-|ecdsa-)[!-~]* [A-Za-z0-9+/=]+( [ -~]*)?)$",
        max_length = 16384
    )]
    host_key: Option<String>,
    #[schema(minimum = 1, maximum = 4094)]
    captive_vlan: u32,
    /// 1 by default.
    #[schema(minimum = 1, maximum = 1024)]
    max_sessions: Option<u32>,
    disabled: Option<bool>,
}

/// A change of a switch: a field left out stays as it is; `host_key: null` removes the pin.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SwitchPatch {
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    name: Option<String>,
    #[schema(pattern = r"^[A-Za-z0-9._:/-]{1,100}$")]
    driver: Option<String>,
    #[schema(pattern = r"^[A-Za-z0-9.:][A-Za-z0-9.:-]{0,252}$")]
    address: Option<String>,
    #[schema(minimum = 1, maximum = 65535)]
    ssh_port: Option<u32>,
    #[schema(pattern = r"^[A-Za-z0-9._:/-]{1,100}$")]
    credentials_ref: Option<String>,
    #[schema(
        pattern = r"^(SHA256:[A-Za-z0-9+/=]+|(ssh-|ecdsa-)[!-~]* [A-Za-z0-9+/=]+( [ -~]*)?)$",
        max_length = 16384
    )]
    host_key: Option<String>,
    #[schema(minimum = 1, maximum = 4094)]
    captive_vlan: Option<u32>,
    #[schema(minimum = 1, maximum = 1024)]
    max_sessions: Option<u32>,
    disabled: Option<bool>,
}

/// A port's interface.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PortPut {
    /// The CLI interface name, e.g. `GigabitEthernet1/0/5` or `ge-0/0/5`.
    #[schema(pattern = r"^[A-Za-z][A-Za-z0-9/.:-]{0,63}$")]
    interface: String,
}

/// The live subscription on a port.
#[derive(ToSchema)]
pub(crate) struct PortSubscription {
    subscription_id: Uuid,
    provider_id: Uuid,
    status: String,
}

/// What kurnl last applied to a port.
#[derive(ToSchema)]
pub(crate) struct Applied {
    config: PortConfig,
    at: DateTime<Utc>,
}

/// A port with its locations and state.
#[derive(ToSchema)]
pub(crate) struct Port {
    switch_id: Uuid,
    port_number: u32,
    interface: String,
    /// The location hashes that resolve to it.
    location_hashes: Vec<String>,
    subscription: Option<PortSubscription>,
    last_applied: Option<Applied>,
}

/// Where a location hash points.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LocationPut {
    switch_id: Uuid,
    #[schema(minimum = 1)]
    port_number: u32,
    building_id: Option<Uuid>,
    unit_id: Option<Uuid>,
}

/// A location.
#[derive(ToSchema)]
pub(crate) struct Location {
    location_hash: String,
    switch_id: Uuid,
    port_number: u32,
    building_id: Option<Uuid>,
    unit_id: Option<Uuid>,
}

/// A new building.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BuildingCreate {
    id: Option<Uuid>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    name: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    address: Option<String>,
}

/// A building.
#[derive(ToSchema)]
pub(crate) struct Building {
    building_id: Uuid,
    name: String,
    address: Option<String>,
}

/// A new unit.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnitCreate {
    /// The `unit_id` providers will send; a new one when absent.
    id: Option<Uuid>,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    label: String,
    #[schema(
        pattern = r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\t-\r\u0085]*$"
    )]
    floor: Option<String>,
}

/// A unit with its status.
#[derive(ToSchema)]
pub(crate) struct Unit {
    unit_id: Uuid,
    building_id: Uuid,
    label: String,
    floor: Option<String>,
    /// `free`, `pending_install` or `active`.
    status: String,
    subscription_id: Option<Uuid>,
}

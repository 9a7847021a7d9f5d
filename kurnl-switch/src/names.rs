//! Driver names as users type them: kurnl's own (`ios`, `junos`, `eos`) and netmiko's
//! device types (`cisco_ios`, `cisco_xe`, `juniper_junos`, `arista_eos`).

use std::fmt;
use std::str::FromStr;

/// A switch CLI family a driver speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DriverName {
    /// Cisco IOS / IOS-XE ([`crate::IosDriver`]).
    Ios,
    /// Junos EX, ELS ([`crate::JunosDriver`]).
    Junos,
    /// Arista EOS (the driver of `examples/custom_driver.rs`).
    Eos,
}

/// A name [`DriverName::parse`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown switch driver {0:?}: expected ios, junos or eos (netmiko names: cisco_ios, cisco_xe, juniper_junos, arista_eos)"
)]
pub struct UnknownDriverName(pub String);

impl DriverName {
    /// Every accepted spelling and what it means (ASCII case-insensitive).
    pub const ALIASES: &'static [(&'static str, DriverName)] = &[
        ("ios", DriverName::Ios),
        ("ios-xe", DriverName::Ios),
        ("cisco_ios", DriverName::Ios),
        ("cisco_xe", DriverName::Ios),
        ("junos", DriverName::Junos),
        ("juniper", DriverName::Junos),
        ("juniper_junos", DriverName::Junos),
        ("eos", DriverName::Eos),
        ("arista_eos", DriverName::Eos),
    ];

    /// Parses a kurnl or netmiko driver name.
    ///
    /// # Errors
    /// [`UnknownDriverName`], whose message lists the accepted names.
    pub fn parse(name: &str) -> Result<Self, UnknownDriverName> {
        let n = name.trim();
        Self::ALIASES
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(n))
            .map(|(_, d)| *d)
            .ok_or_else(|| UnknownDriverName(name.to_owned()))
    }

    /// kurnl's name, the key to register the driver under in a `DriverRegistry`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ios => "ios",
            Self::Junos => "junos",
            Self::Eos => "eos",
        }
    }
}

impl FromStr for DriverName {
    type Err = UnknownDriverName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for DriverName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netmiko_device_types_parse() {
        for (name, want) in [
            ("cisco_ios", DriverName::Ios),
            ("CISCO_XE", DriverName::Ios),
            ("ios", DriverName::Ios),
            ("juniper_junos", DriverName::Junos),
            ("junos", DriverName::Junos),
            ("arista_eos", DriverName::Eos),
        ] {
            assert_eq!(DriverName::parse(name), Ok(want), "{name}");
        }
        let e = DriverName::parse("hp_procurve").expect_err("unknown");
        assert!(e.to_string().contains("cisco_ios"), "{e}");
        assert_eq!(
            "juniper_junos".parse::<DriverName>().map(|d| d.as_str()),
            Ok("junos")
        );
    }
}

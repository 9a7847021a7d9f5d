//! Values that end up on a switch CLI: VLANs, rates, interface names, port descriptions.
//!
//! Every one of them is checked against a strict character set so that nothing a client sends
//! can add or change a CLI line.

use super::InvalidValue;

/// An 802.1Q VLAN id, 1..=4094.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct VlanId(u16);

impl VlanId {
    /// # Errors
    /// `value_error.vlan` outside 1..=4094.
    pub fn new(id: u16) -> Result<Self, InvalidValue> {
        if (1..=4094).contains(&id) {
            Ok(Self(id))
        } else {
            Err(InvalidValue::new(
                "value_error.vlan",
                format!("vlan id {id} is outside 1..=4094"),
            ))
        }
    }

    /// The number.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl std::fmt::Display for VlanId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for VlanId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(u16::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A bandwidth in kbit/s, 64 kbit/s ..= 100 Gbit/s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Kbps(u32);

impl Kbps {
    /// Lowest rate any access switch can police.
    pub const MIN: u32 = 64;
    /// 100 Gbit/s.
    pub const MAX: u32 = 100_000_000;

    /// # Errors
    /// `value_error.bandwidth` outside [`Kbps::MIN`]..=[`Kbps::MAX`].
    pub fn new(kbps: u32) -> Result<Self, InvalidValue> {
        if (Self::MIN..=Self::MAX).contains(&kbps) {
            Ok(Self(kbps))
        } else {
            Err(InvalidValue::new(
                "value_error.bandwidth",
                format!(
                    "bandwidth {kbps} kbit/s is outside {}..={}",
                    Self::MIN,
                    Self::MAX
                ),
            ))
        }
    }

    /// kbit/s.
    pub fn get(self) -> u32 {
        self.0
    }

    /// bit/s, as IOS policers want it.
    pub fn bits_per_second(self) -> u64 {
        u64::from(self.0) * 1000
    }
}

impl<'de> serde::Deserialize<'de> for Kbps {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(u32::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Download and upload limits of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RateLimit {
    /// Towards the subscriber (switch egress).
    pub down: Kbps,
    /// From the subscriber (switch ingress).
    pub up: Kbps,
}

fn check_charset(
    raw: &str,
    kind: &'static str,
    what: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), InvalidValue> {
    if raw.is_empty() || raw.len() > max {
        return Err(InvalidValue::new(
            kind,
            format!("{what} must be 1..={max} characters"),
        ));
    }
    if let Some(bad) = raw.chars().find(|c| !allowed(*c)) {
        return Err(InvalidValue::new(
            kind,
            format!("{what} contains a character that is not allowed: {bad:?}"),
        ));
    }
    Ok(())
}

/// A switch interface name from the inventory, e.g. `GigabitEthernet1/0/12` or `ge-0/0/12`.
///
/// Letters first, then letters, digits and `/ . : -` only (at most 64).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct InterfaceName(String);

impl InterfaceName {
    /// # Errors
    /// `value_error.interface_name` for empty, over-long or out-of-charset names.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        const KIND: &str = "value_error.interface_name";
        check_charset(raw, KIND, "interface name", 64, |c| {
            c.is_ascii_alphanumeric() || "/.:-".contains(c)
        })?;
        if !raw.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(InvalidValue::new(
                KIND,
                "interface name must start with a letter",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The name as configured.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for InterfaceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for InterfaceName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A port description: `[A-Za-z0-9_.-]`, 1..=64, no spaces (so it is one CLI token on every vendor).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PortDescription(String);

impl PortDescription {
    /// # Errors
    /// `value_error.description` outside the charset or length.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        check_charset(
            raw,
            "value_error.description",
            "port description",
            64,
            |c| c.is_ascii_alphanumeric() || "_.-".contains(c),
        )?;
        Ok(Self(raw.to_owned()))
    }

    /// Description kurnl puts on ports that sit on the captive portal VLAN.
    pub fn captive() -> Self {
        Self("CAPTIVE".to_owned())
    }

    /// `SUB-<the subscription id's 32 hex digits>` (36 characters).
    ///
    /// The whole id, because subscription ids are time-ordered (UUIDv7): their first digits
    /// are a timestamp, so any prefix is shared by subscriptions created close together. 36
    /// characters fit every supported device (IOS allows 240, Junos and EOS more) and this
    /// type's own limit of 64.
    pub fn for_subscription(id: crate::types::SubscriptionId) -> Self {
        Self(format!("SUB-{}", id.0.simple()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for PortDescription {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vlan_bounds() {
        assert!(VlanId::new(0).is_err());
        assert!(VlanId::new(4095).is_err());
        assert_eq!(VlanId::new(4094).unwrap().get(), 4094);
    }

    #[test]
    fn interface_names() {
        for ok in [
            "GigabitEthernet1/0/12",
            "ge-0/0/12",
            "Gi1/0/1.100",
            "xe-0/0/0:1",
        ] {
            InterfaceName::parse(ok).unwrap();
        }
        for bad in [
            "",
            "1/0/1",
            "Gi1/0/1\nshutdown",
            "Gi 1/0/1",
            "Gi1/0/1;",
            &"G".repeat(65),
        ] {
            assert!(InterfaceName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn descriptions_are_single_tokens() {
        assert!(PortDescription::parse("SUB-1234").is_ok());
        for bad in ["", "two words", "a\nb", "x|y", "\u{7f}"] {
            assert!(PortDescription::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn subscriptions_created_together_get_distinct_descriptions() {
        use crate::types::SubscriptionId;
        // Ids minted in one burst share their timestamp digits; their descriptions must not.
        let ids: Vec<SubscriptionId> = (0..64)
            .map(|_| SubscriptionId::new_time_ordered())
            .collect();
        let descriptions: std::collections::HashSet<String> = ids
            .iter()
            .map(|id| PortDescription::for_subscription(*id).as_str().to_owned())
            .collect();
        assert_eq!(
            descriptions.len(),
            ids.len(),
            "every subscription gets its own description"
        );
        for d in &descriptions {
            assert!(
                PortDescription::parse(d).is_ok(),
                "{d} is a valid description"
            );
            assert_eq!(d.len(), 36, "{d}: SUB- and 32 hex digits");
        }
    }

    #[test]
    fn kbps_bounds() {
        assert!(Kbps::new(63).is_err());
        assert_eq!(Kbps::new(50_000).unwrap().bits_per_second(), 50_000_000);
    }
}

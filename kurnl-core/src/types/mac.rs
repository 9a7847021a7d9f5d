//! MAC addresses in the three notations switches and people use.

use super::InvalidValue;

/// A unicast or multicast 48-bit MAC address. Canonical text form is lower-case colon
/// notation (`aa:bb:cc:dd:ee:ff`); drivers render the vendor form they need.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddress([u8; 6]);

impl MacAddress {
    /// Accepts `AA:BB:CC:DD:EE:FF`, `aa-bb-cc-dd-ee-ff` and `aabb.ccdd.eeff` (any case).
    ///
    /// # Errors
    /// `value_error.mac_address` for anything else, including mixed separators.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let invalid = || {
            InvalidValue::new(
                "value_error.mac_address",
                "value is not a valid MAC address (expected AA:BB:CC:DD:EE:FF, aa-bb-cc-dd-ee-ff or aabb.ccdd.eeff)",
            )
        };
        let raw = raw.trim();
        let groups: Vec<&str> =
            if raw.len() == 17 && raw.bytes().filter(|b| *b == b':').count() == 5 {
                raw.split(':').collect()
            } else if raw.len() == 17 && raw.bytes().filter(|b| *b == b'-').count() == 5 {
                raw.split('-').collect()
            } else if raw.len() == 14 && raw.bytes().filter(|b| *b == b'.').count() == 2 {
                raw.split('.')
                    .flat_map(|g| {
                        if g.len() == 4 {
                            vec![&g[..2], &g[2..]]
                        } else {
                            vec![g]
                        }
                    })
                    .collect()
            } else {
                return Err(invalid());
            };
        if groups.len() != 6 {
            return Err(invalid());
        }
        let mut bytes = [0u8; 6];
        for (slot, group) in bytes.iter_mut().zip(&groups) {
            if group.len() != 2 || !group.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid());
            }
            *slot = u8::from_str_radix(group, 16).map_err(|_| invalid())?;
        }
        Ok(Self(bytes))
    }

    /// The six octets.
    pub fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// Cisco dotted form: `aabb.ccdd.eeff`.
    pub fn to_cisco(&self) -> String {
        let b = self.0;
        format!(
            "{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl std::fmt::Display for MacAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl std::fmt::Debug for MacAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MacAddress({self})")
    }
}

impl std::str::FromStr for MacAddress {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for MacAddress {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for MacAddress {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_notations_one_canonical_form() {
        for raw in [
            "BB:CC:DD:EE:FF:00",
            "bb-cc-dd-ee-ff-00",
            "bbcc.ddee.ff00",
            "BBCC.DDEE.FF00",
        ] {
            let mac = MacAddress::parse(raw).unwrap();
            assert_eq!(mac.to_string(), "bb:cc:dd:ee:ff:00");
            assert_eq!(mac.to_cisco(), "bbcc.ddee.ff00");
        }
    }

    #[test]
    fn rejects_mixed_or_short() {
        for bad in [
            "",
            "bb:cc-dd:ee:ff:00",
            "bb:cc:dd:ee:ff",
            "bbcc.ddee.ff0",
            "gg:cc:dd:ee:ff:00",
            "bbc.cddee.ff00",
            "b:bcc:dd:ee:ff:00",
        ] {
            assert!(MacAddress::parse(bad).is_err(), "{bad:?}");
        }
    }
}

//! `location_hash`: the opaque 10-hex-character token naming one subscriber port.

use super::InvalidValue;

/// A location hash, stored and shown in lower case (gap G13 of the reference).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct LocationHash(String);

impl LocationHash {
    /// Accepts exactly 10 characters of `[0-9a-fA-F]`.
    ///
    /// # Errors
    /// `value_error.location_hash` with the message `Invalid location_hash format`.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.len() == 10 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(raw.to_ascii_lowercase()))
        } else {
            Err(InvalidValue::new(
                "value_error.location_hash",
                crate::error::INVALID_LOCATION_HASH,
            ))
        }
    }

    /// The canonical lower-case form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for LocationHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for LocationHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ten_hex_and_lowercases() {
        assert_eq!(
            LocationHash::parse("AB12cd34EF").unwrap().as_str(),
            "ab12cd34ef"
        );
    }

    #[test]
    fn rejects_wrong_length_and_non_hex() {
        for bad in [
            "",
            "ab12cd34e",
            "ab12cd34ef0",
            "ab12cd34eg",
            "ab12cd34e ",
            "ab12cd34é",
        ] {
            let err = LocationHash::parse(bad).unwrap_err();
            assert_eq!(err.msg, "Invalid location_hash format", "{bad:?}");
        }
    }
}

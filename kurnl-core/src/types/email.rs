//! Email addresses, compared case-insensitively.

use super::InvalidValue;

/// A syntactically valid email address, stored in lower case so that lookups by email are
/// case-insensitive (kurnl treats the email as the account identifier).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Validates with the `email_address` crate (RFC 5321/5322 syntax) and lower-cases.
    ///
    /// # Errors
    /// `value_error.email` when the value is not an address or longer than 254 bytes.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let trimmed = raw.trim();
        let invalid =
            || InvalidValue::new("value_error.email", "value is not a valid email address");
        if trimmed.len() > 254 || !email_address::EmailAddress::is_valid(trimmed) {
            return Err(invalid());
        }
        // Quoted local parts and IP literals are legal but no ISP back office uses them; keeping
        // to dot-atoms keeps the value safe to print anywhere.
        if trimmed.contains(['"', '[', ']', '\\']) || trimmed.chars().any(char::is_control) {
            return Err(invalid());
        }
        Ok(Self(trimmed.to_lowercase()))
    }

    /// The canonical (lower-case) address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_trims() {
        assert_eq!(
            Email::parse(" Carol@Example.COM ").unwrap().as_str(),
            "carol@example.com"
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "carol",
            "carol@",
            "@example.com",
            "a b@example.com",
            "\"q\"@example.com",
            "x@[1.2.3.4]",
        ] {
            assert_eq!(
                Email::parse(bad).unwrap_err().kind,
                "value_error.email",
                "{bad:?}"
            );
        }
    }
}

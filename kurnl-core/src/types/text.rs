//! Free-text fields of subscribers and requests: names, addresses, usernames, references.

use super::InvalidValue;

fn clean(
    raw: &str,
    min: usize,
    max: usize,
    what: &str,
    kind: &'static str,
) -> Result<String, InvalidValue> {
    let trimmed = raw.trim();
    let len = trimmed.chars().count();
    if len < min {
        return Err(InvalidValue::new(
            kind,
            format!("{what} must have at least {min} characters"),
        ));
    }
    if len > max {
        return Err(InvalidValue::new(
            kind,
            format!("{what} must have at most {max} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(InvalidValue::new(
            kind,
            format!("{what} must not contain control characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $what:expr, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Trims surrounding white space, then checks length and rejects control characters.
            ///
            /// # Errors
            #[doc = concat!("`", $kind, "` when the value does not fit.")]
            pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
                clean(raw, $min, $max, $what, $kind).map(Self)
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_type!(
    /// A name, address line, city, phone number...: 1..=200 characters, no control characters.
    Text, 1, 200, "value", "value_error.text"
);
text_type!(
    /// A subscriber's display name: at least 3 characters (kurnl's rule), at most 100.
    Username, 3, 100, "username", "value_error.username"
);
text_type!(
    /// The provider's own reference for a subscription (`external_subscription_id`), 1..=128.
    ExternalSubscriptionId, 1, 128, "external_subscription_id", "value_error.external_subscription_id"
);

/// The default `country` of addresses.
pub const DEFAULT_COUNTRY: &str = "Canada";

/// A country name; defaults to `"Canada"` as kurnl's API does.
pub fn country_or_default(raw: Option<&str>) -> Result<Text, InvalidValue> {
    Text::parse(raw.unwrap_or(DEFAULT_COUNTRY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_min_three() {
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("  ab  ").is_err());
        assert_eq!(Username::parse(" abc ").unwrap().as_str(), "abc");
    }

    #[test]
    fn text_rejects_newlines() {
        assert!(Text::parse("Pine\nRd").is_err());
        assert!(Text::parse("").is_err());
        assert_eq!(country_or_default(None).unwrap().as_str(), "Canada");
    }
}

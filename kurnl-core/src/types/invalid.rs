//! The error every validated type returns, and its field-located form.

use std::fmt;

/// Why a value was rejected, without saying where it came from.
///
/// `kind` follows the `value_error.*` naming of kurnl's 422 bodies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{msg}")]
pub struct InvalidValue {
    /// Human readable reason, lowercase, no trailing period.
    pub msg: String,
    /// Machine readable kind, e.g. `value_error.email`.
    pub kind: &'static str,
}

impl InvalidValue {
    /// Builds an error of the given kind.
    pub fn new(kind: &'static str, msg: impl Into<String>) -> Self {
        Self {
            msg: msg.into(),
            kind,
        }
    }

    /// Places the error at a field path such as `["body", "subscriber", "email"]`.
    pub fn at<I, S>(self, loc: I) -> FieldError
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        FieldError {
            loc: loc.into_iter().map(Into::into).collect(),
            msg: self.msg,
            kind: self.kind,
        }
    }
}

/// A rejected value with the path of the field it came from (one item of a 422 `detail` array).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// Path to the field, e.g. `["body", "subscriber", "email"]`.
    pub loc: Vec<String>,
    /// Human readable reason.
    pub msg: String,
    /// Machine readable kind (`type` in the JSON body).
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl FieldError {
    /// A required field that was not given.
    pub fn missing<I, S>(loc: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        InvalidValue::new("value_error.missing", "field required").at(loc)
    }

    /// The last element of the path: the field's own name.
    pub fn field(&self) -> &str {
        self.loc.last().map(String::as_str).unwrap_or("")
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.loc.join("."), self.msg)
    }
}

impl std::error::Error for FieldError {}

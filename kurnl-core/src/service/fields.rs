//! Collects every field error of a request before answering, so a 422 lists them all.

use crate::error::{Error, INVALID_LOCATION_HASH};
use crate::types::{FieldError, InvalidValue};

/// Field-by-field validation of one request body.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    prefix: Vec<String>,
    errors: Vec<FieldError>,
}

impl Fields {
    /// Errors located under `body`.
    pub(crate) fn body() -> Self {
        Self {
            prefix: vec!["body".into()],
            errors: Vec::new(),
        }
    }

    /// Errors located under an arbitrary prefix (e.g. `query`).
    pub(crate) fn under(prefix: &[&str]) -> Self {
        Self {
            prefix: prefix.iter().map(|s| (*s).to_owned()).collect(),
            errors: Vec::new(),
        }
    }

    fn loc(&self, path: &[&str]) -> Vec<String> {
        self.prefix
            .iter()
            .cloned()
            .chain(path.iter().map(|s| (*s).to_owned()))
            .collect()
    }

    /// Records an error at `path`.
    pub(crate) fn push(&mut self, path: &[&str], err: InvalidValue) {
        let loc = self.loc(path);
        self.errors.push(err.at(loc));
    }

    /// Records a required field (or object) that was not given.
    pub(crate) fn missing(&mut self, path: &[&str]) {
        let loc = self.loc(path);
        self.errors.push(FieldError::missing(loc));
    }

    /// A required value: missing or invalid records an error and yields `None`.
    pub(crate) fn required<T>(
        &mut self,
        path: &[&str],
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
    ) -> Option<T> {
        match raw {
            None => {
                self.missing(path);
                None
            }
            Some(v) => self.check(path, parse(v)),
        }
    }

    /// An optional value: absent is `Some(None)`, invalid records an error and yields `None`.
    pub(crate) fn optional<T>(
        &mut self,
        path: &[&str],
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
    ) -> Option<Option<T>> {
        match raw {
            None => Some(None),
            Some(v) => self.check(path, parse(v)).map(Some),
        }
    }

    /// Records the error of a parse result.
    pub(crate) fn check<T>(&mut self, path: &[&str], result: Result<T, InvalidValue>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(path, e);
                None
            }
        }
    }

    /// `Ok` when no error was recorded. A malformed `location_hash` answers with kurnl's plain
    /// `Invalid location_hash format` detail; anything else with the 422 list.
    pub(crate) fn finish(self) -> Result<(), Error> {
        if self.errors.is_empty() {
            return Ok(());
        }
        if self
            .errors
            .iter()
            .any(|e| e.kind == "value_error.location_hash")
        {
            return Err(Error::Unprocessable(INVALID_LOCATION_HASH.to_owned()));
        }
        Err(Error::Validation(self.errors))
    }
}

/// Parses a UUID-typed id.
pub(crate) fn uuid<T: From<uuid::Uuid>>(raw: &str) -> Result<T, InvalidValue> {
    uuid::Uuid::parse_str(raw.trim())
        .map(T::from)
        .map_err(|_| InvalidValue::new("value_error.uuid", "value is not a valid uuid"))
}

/// Unwraps values that `Fields::finish` guaranteed are present.
pub(crate) fn present<T>(value: Option<T>) -> Result<T, Error> {
    value.ok_or_else(|| Error::Internal("validated field missing".into()))
}

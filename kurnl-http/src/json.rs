//! JSON bodies and query strings with kurnl's answers for bad input: `413` over the body
//! limit, `415` for a body not declared as JSON, and `422` with a `detail` array of
//! `{loc, msg, type}` for syntax errors, missing fields, wrong types and unknown fields, each
//! `loc` naming the field (e.g. `["body", "subscriber", "email"]`).

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use kurnl_core::types::{FieldError, InvalidValue};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, BODY_TOO_LARGE, BODY_UNREADABLE, UNSUPPORTED_MEDIA_TYPE};
use crate::router::AppState;

/// A JSON request body deserialised into `T`, or the documented 4xx answer.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let value = read_json(req, state.config.max_body_bytes).await?;
        from_value(value).map(JsonBody)
    }
}

/// Reads the body (at most `limit` bytes) and parses it as JSON, without looking at its
/// shape.
///
/// # Errors
/// 413 over the limit, 400 unreadable, 422 empty or not JSON, 415 not declared as JSON.
pub(crate) async fn read_json(req: Request, limit: usize) -> Result<serde_json::Value, ApiError> {
    let (parts, body) = req.into_parts();
    let too_large = || ApiError::http(StatusCode::PAYLOAD_TOO_LARGE, BODY_TOO_LARGE);
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let bytes = read_limited(body, limit).await.map_err(|e| {
        if e.is::<LengthLimitError>() {
            too_large()
        } else {
            ApiError::http(StatusCode::BAD_REQUEST, BODY_UNREADABLE)
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::validation(vec![FieldError::missing(["body"])]));
    }
    if !is_json(&parts.headers) {
        return Err(ApiError::http(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            UNSUPPORTED_MEDIA_TYPE,
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        let msg = format!("invalid json: {e}");
        ApiError::validation(vec![
            InvalidValue::new("value_error.jsondecode", msg).at(["body"]),
        ])
    })
}

async fn read_limited(
    body: Body,
    limit: usize,
) -> Result<axum::body::Bytes, Box<dyn std::error::Error + Send + Sync>> {
    Ok(Limited::new(body, limit).collect().await?.to_bytes())
}

/// `application/json` or any `application/*+json`, with or without parameters.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Deserialises a parsed body into `T`, mapping the first failure to a located 422 item.
///
/// # Errors
/// 422 naming the field.
pub(crate) fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(not_an_object());
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        ApiError::validation(vec![located(&["body"], e.path(), &e.inner().to_string())])
    })
}

/// The 422 for a body that is JSON but not an object (every body of the API is one).
pub(crate) fn not_an_object() -> ApiError {
    ApiError::validation(vec![
        InvalidValue::new("type_error.dict", "value is not a valid dict").at(["body"]),
    ])
}

/// A query string deserialised into `T`; failures are 422 located under `query`.
#[derive(Debug, Clone)]
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ValidQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ValidQuery)
            .map_err(|e| {
                ApiError::validation(vec![located(&["query"], e.path(), &e.inner().to_string())])
            })
    }
}

/// One 422 item from a serde failure at `path` (below `root`), in pydantic-v1 style.
fn located(root: &[&str], path: &serde_path_to_error::Path, message: &str) -> FieldError {
    use serde_path_to_error::Segment;
    let mut loc: Vec<String> = root.iter().map(|s| (*s).to_owned()).collect();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => loc.push(index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => loc.push(key.clone()),
            Segment::Unknown => {}
        }
    }
    let message = strip_position(message);
    // serde's path ends at the struct for a missing field but at the key for an unknown one.
    let mut at_field = |field: String| {
        if loc.last() != Some(&field) {
            loc.push(field);
        }
    };
    if let Some(field) = quoted_after(message, "missing field ") {
        at_field(field);
        return FieldError::missing(loc);
    }
    if let Some(field) = quoted_after(message, "unknown field ") {
        at_field(field);
        return InvalidValue::new("value_error.extra", "extra fields not permitted").at(loc);
    }
    let kind = if message.starts_with("invalid type") {
        if message.contains("expected a string") {
            "type_error.str"
        } else if message.contains("expected u") || message.contains("expected i") {
            "type_error.integer"
        } else {
            "type_error"
        }
    } else if message.starts_with("invalid digit") || message.contains("number too large") {
        "type_error.integer"
    } else if message.starts_with("unknown variant") {
        "type_error.enum"
    } else {
        "value_error"
    };
    InvalidValue::new(kind, message.to_owned()).at(loc)
}

/// `"missing field `x`"` -> `x`.
fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    rest.split('`').next().map(str::to_owned)
}

/// Drops serde_json's ` at line 1 column 5` suffix.
fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => &message[..i],
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u32,
        s: Option<String>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        inner: Option<Inner>,
        list: Option<Vec<u32>>,
    }

    fn err(v: serde_json::Value) -> FieldError {
        match from_value::<Outer>(v) {
            Err(ApiError::Service(kurnl_core::Error::Validation(mut f))) => f.remove(0),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn failures_name_their_field() {
        let e = err(serde_json::json!({"inner": {"n": "x"}}));
        assert_eq!(e.loc, ["body", "inner", "n"]);
        assert_eq!(e.kind, "type_error.integer");
        let e = err(serde_json::json!({"inner": {"s": 5, "n": 1}}));
        assert_eq!(e.loc, ["body", "inner", "s"]);
        assert_eq!(e.kind, "type_error.str");
        let e = err(serde_json::json!({"inner": {}}));
        assert_eq!(e.loc, ["body", "inner", "n"]);
        assert_eq!(e.kind, "value_error.missing");
        let e = err(serde_json::json!({"inner": {"n": 1, "zzz": 1}}));
        assert_eq!(e.loc, ["body", "inner", "zzz"]);
        assert_eq!(e.kind, "value_error.extra");
        let e = err(serde_json::json!({"list": [1, "a"]}));
        assert_eq!(e.loc, ["body", "list", "1"]);
        let e = err(serde_json::json!([1]));
        assert_eq!(
            (e.loc, e.kind),
            (vec!["body".to_owned()], "type_error.dict")
        );
    }

    #[test]
    fn positions_are_dropped() {
        assert_eq!(
            strip_position("expected value at line 1 column 2"),
            "expected value"
        );
        assert_eq!(strip_position("no position"), "no position");
    }
}

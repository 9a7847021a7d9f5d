//! What a console handler can fail with, rendered as a page with the right status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kurnl_core::Error;
use kurnl_core::error::Detail;
use maud::html;

/// A failed console request.
#[derive(Debug)]
pub(crate) enum ConsoleError {
    /// The account may not see this (a provider on an operator page or another provider's).
    Forbidden,
    /// A form without its CSRF token, or with another session's.
    Csrf,
    /// Nothing there.
    NotFound(String),
    /// The form's input was refused, or the action ran and did not succeed (a test ping that
    /// was not acknowledged): said as the page's error.
    Failed(String),
    /// The service refused (its status and detail are shown).
    Service(Error),
}

impl From<Error> for ConsoleError {
    fn from(e: Error) -> Self {
        Self::Service(e)
    }
}

/// The service's detail as one line a person reads.
pub(crate) fn detail_text(e: &Error) -> String {
    match e.detail() {
        Detail::Text(t) => t,
        Detail::Fields(fields) => fields
            .iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    f.loc.last().map(String::as_str).unwrap_or(""),
                    f.msg
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, text) = match &self {
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "This account may not open this page.".to_owned(),
            ),
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                "The form's CSRF token is missing or wrong; reload the page and try again."
                    .to_owned(),
            ),
            Self::NotFound(t) => (StatusCode::NOT_FOUND, t.clone()),
            Self::Failed(t) => (StatusCode::UNPROCESSABLE_ENTITY, t.clone()),
            Self::Service(e) => (
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                detail_text(e),
            ),
        };
        if let Self::Service(e) = &self
            && e.status() >= 500
        {
            tracing::error!(error = %e, "console request failed");
        }
        let body = html! {
            (maud::DOCTYPE)
            html lang="en" { head { meta charset="utf-8"; title { "kurnl console: error" } }
                body { main { h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
                    p role="alert" class="error" { (text) }
                    p { a href="javascript:history.back()" { "Back" } } } } }
        };
        (status, body).into_response()
    }
}

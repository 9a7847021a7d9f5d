//! CSRF protection: every request that changes something (any method but GET and HEAD)
//! carries the session's token, as the form field `csrf` or the `X-CSRF-Token` header that
//! the page shell sets for htmx. The login form, before there is a session, is checked by
//! its own double-submit cookie in `login.rs`.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::errors::ConsoleError;
use crate::sessions::{SESSION_COOKIE, cookie_value};
use crate::state::{Console, User};

/// The largest form body the console reads.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// Middleware: refuses (403) a changing request without the session's CSRF token.
pub(crate) async fn require_token(
    State(console): State<Console>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) || request.uri().path() == "/login" {
        return next.run(request).await;
    }
    let token = request
        .headers()
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie_value(h, SESSION_COOKIE))
        .map(str::to_owned);
    let session = token
        .as_deref()
        .and_then(|t| console.inner.sessions.touch(t, chrono::Utc::now()));
    let (Some(session), Some(token)) = (session, token) else {
        return ConsoleError::Csrf.into_response();
    };
    // The handler's `User` is this session: it is not looked up (and touched) again.
    let mut request = request;
    request.extensions_mut().insert(User {
        session: session.clone(),
        token,
    });
    let header = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(token) = header {
        return if session.csrf_matches(&token) {
            next.run(request).await
        } else {
            ConsoleError::Csrf.into_response()
        };
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return ConsoleError::Csrf.into_response();
    };
    let field = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned());
    match field {
        Some(token) if session.csrf_matches(&token) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => ConsoleError::Csrf.into_response(),
    }
}

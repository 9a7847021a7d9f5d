//! What the console's router tests share: sending a request, reading a cookie, logging in.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use kurnl_console::{
    AccountRole, ConsoleAccount, ConsoleConfig, LOGIN_CSRF_COOKIE, SESSION_COOKIE,
};
use kurnl_core::testkit::Fixture;
use tower::ServiceExt;

/// The operator account of the tests.
pub const OPERATOR: (&str, &str) = ("ops", "operator passphrase");
/// Provider A's account.
pub const PROVIDER: (&str, &str) = ("isp", "provider passphrase");

/// The console over the fixture's service (with its recording sink, for test pings), with
/// both accounts and the configuration `config` makes of the defaults.
pub fn console(fx: &Fixture, config: impl FnOnce(ConsoleConfig) -> ConsoleConfig) -> Router {
    let accounts = vec![
        ConsoleAccount::with_password(OPERATOR.0, OPERATOR.1, AccountRole::Operator),
        ConsoleAccount::with_password(
            PROVIDER.0,
            PROVIDER.1,
            AccountRole::Provider(fx.a.provider.id),
        ),
    ];
    let service = fx.service.clone().with_event_sink(fx.sink.clone());
    Router::new().nest(
        "/console",
        kurnl_console::router(service, config(ConsoleConfig::new(accounts))),
    )
}

pub async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Vec<String>, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let mut headers: Vec<String> = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    if let Some(to) = response.headers().get(LOCATION) {
        headers.push(format!("location={}", to.to_str().unwrap()));
    }
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// `name=value` of the cookie `name` among `Set-Cookie` headers.
pub fn cookie(headers: &[String], name: &str) -> String {
    headers
        .iter()
        .find_map(|h| h.strip_prefix(&format!("{name}=")))
        .map(|rest| format!("{name}={}", rest.split(';').next().unwrap()))
        .unwrap_or_else(|| panic!("no {name} cookie in {headers:?}"))
}

/// One login attempt with a fresh login form: the status, the `Set-Cookie` headers (and the
/// `Location`), the body.
pub async fn attempt_login(
    app: &Router,
    user: &str,
    password: &str,
) -> (StatusCode, Vec<String>, String) {
    let (_, headers, _) = send(
        app,
        Request::get("/console/login").body(Body::empty()).unwrap(),
    )
    .await;
    let csrf_cookie = cookie(&headers, LOGIN_CSRF_COOKIE);
    let csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
    let form = format!(
        "username={user}&password={}&csrf={csrf}",
        password.replace(' ', "+")
    );
    send(
        app,
        Request::post("/console/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header(COOKIE, csrf_cookie)
            .body(Body::from(form))
            .unwrap(),
    )
    .await
}

/// Logs in and returns the session cookie.
pub async fn login(app: &Router, (user, password): (&str, &str)) -> String {
    let (status, headers, body) = attempt_login(app, user, password).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "login of {user}: {body}");
    cookie(&headers, SESSION_COOKIE)
}

/// POSTs a form with the session's CSRF token (read from `page`, a page of the session).
pub async fn post_form(
    app: &Router,
    session: &str,
    page: &str,
    path: &str,
    form: &str,
) -> (StatusCode, Vec<String>, String) {
    let (_, html) = get(app, session, page).await;
    let marker = "name=\"csrf\" value=\"";
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf field on {page}: {html}"))
        + marker.len();
    let token = &html[at..at + html[at..].find('"').unwrap()];
    send(
        app,
        Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header(COOKIE, session)
            .body(Body::from(format!("{form}&csrf={token}")))
            .unwrap(),
    )
    .await
}

pub async fn get(app: &Router, session: &str, path: &str) -> (StatusCode, String) {
    let (status, _, body) = send(
        app,
        Request::get(path)
            .header(COOKIE, session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    (status, body)
}

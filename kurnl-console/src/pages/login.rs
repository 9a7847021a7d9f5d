//! Login and logout.

use axum::Form;
use axum::extract::State;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use crate::layout::head;
use crate::sessions::{
    LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie_value, random_token, tokens_equal,
};
use crate::state::{Console, User};

/// A hash to verify against when the username is unknown, so that the answer takes as long
/// as for a known one.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Xb1Zk6oH0W8ViG+4sBX1CQ2c5xTp6D1YpW0ZJqVg0E";

fn cookie(console: &Console, name: &str, value: &str, max_age: i64) -> String {
    let secure = if console.config().secure_cookie {
        "; Secure"
    } else {
        ""
    };
    let path = if console.config().mount_path.is_empty() {
        "/"
    } else {
        &console.config().mount_path
    };
    format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

fn login_page(console: &Console, csrf: &str, error: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(console, "Log in"))
            body {
                main id="main" class="login" {
                    h1 { "kurnl console" }
                    @if let Some(e) = error { p role="alert" class="error" { (e) } }
                    form method="post" action=(console.url("/login")) class="stack" {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="username" { "Username" }
                        input id="username" name="username" autocomplete="username" required;
                        label for="password" { "Password" }
                        input id="password" name="password" type="password" autocomplete="current-password" required;
                        p { button type="submit" { "Log in" } }
                    }
                }
            }
        }
    }
}

/// `GET /login`: the form, with a fresh double-submit CSRF cookie.
pub(crate) async fn form(State(console): State<Console>) -> Response {
    let csrf = random_token();
    let set = cookie(&console, LOGIN_CSRF_COOKIE, &csrf, 3600);
    ([(SET_COOKIE, set)], login_page(&console, &csrf, None)).into_response()
}

/// The login form's fields.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

/// `POST /login`: checks the CSRF pair and the password, then starts a session.
pub(crate) async fn submit(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let cookie_token = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie_value(h, LOGIN_CSRF_COOKIE))
        .unwrap_or("");
    if cookie_token.is_empty() || !tokens_equal(cookie_token, &form.csrf) {
        return crate::errors::ConsoleError::Csrf.into_response();
    }
    let account = console
        .config()
        .accounts
        .iter()
        .find(|a| a.username == form.username);
    if let Err(wait) = console
        .inner
        .logins
        .attempt(&form.username, account.is_some())
    {
        tracing::warn!(username = %form.username, "console login throttled");
        let text = format!(
            "Too many login attempts; try again in {} seconds.",
            wait.as_secs().max(1)
        );
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(
                axum::http::header::RETRY_AFTER,
                wait.as_secs().max(1).to_string(),
            )],
            login_page(&console, cookie_token, Some(&text)),
        )
            .into_response();
    }
    let ok = match account {
        Some(a) => a.verify(&form.password),
        None => {
            let dummy = crate::accounts::ConsoleAccount::with_hash(
                "",
                DUMMY_HASH,
                crate::accounts::AccountRole::Operator,
            );
            let _ = dummy.map(|d| d.verify(&form.password));
            false
        }
    };
    match account.filter(|_| ok) {
        Some(a) => {
            let token = console
                .inner
                .sessions
                .start(&a.username, a.role, chrono::Utc::now());
            tracing::info!(username = %a.username, "console login");
            let max_age = console.config().absolute_timeout.num_seconds();
            let landing = if a.role == crate::accounts::AccountRole::Operator {
                "/network"
            } else {
                "/subscriptions"
            };
            let mut response = Redirect::to(&console.url(landing)).into_response();
            let headers = response.headers_mut();
            headers.append(
                SET_COOKIE,
                cookie(&console, SESSION_COOKIE, &token, max_age)
                    .parse()
                    .expect("cookie is ASCII"),
            );
            headers.append(
                SET_COOKIE,
                cookie(&console, LOGIN_CSRF_COOKIE, "", 0)
                    .parse()
                    .expect("cookie is ASCII"),
            );
            response
        }
        None => {
            tracing::info!(username = %form.username, "console login refused");
            (
                StatusCode::UNAUTHORIZED,
                login_page(&console, cookie_token, Some("Wrong username or password.")),
            )
                .into_response()
        }
    }
}

/// `POST /logout`: ends the session and clears the cookie.
pub(crate) async fn logout(State(console): State<Console>, user: User) -> Response {
    console.inner.sessions.end(&user.token);
    let mut response = Redirect::to(&console.url("/login")).into_response();
    response.headers_mut().append(
        SET_COOKIE,
        cookie(&console, SESSION_COOKIE, "", 0)
            .parse()
            .expect("cookie is ASCII"),
    );
    response
}

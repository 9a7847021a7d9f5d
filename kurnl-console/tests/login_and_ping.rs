//! Through the console's router: login attempts are throttled per account (and for unknown
//! names together) with a 429 that says how long to wait; saving a webhook URL sends it a
//! test ping and says how it was answered, as does the Webhooks page's ping button.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::StatusCode;
use kurnl_console::{ConsoleConfig, SESSION_COOKIE};
use kurnl_core::ports::SinkOutcome;
use kurnl_core::testkit::Fixture;
use support::{OPERATOR, PROVIDER, attempt_login, console, get, login, post_form};

/// The flash of a redirect's target: `msg=` or `err=` of its `Location`, decoded.
fn flash(headers: &[String]) -> String {
    let location = headers
        .iter()
        .find_map(|h| h.strip_prefix("location="))
        .unwrap_or_else(|| panic!("no redirect in {headers:?}"));
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "msg" || k == "err")
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(" | ")
}

#[tokio::test]
async fn login_attempts_are_throttled_per_account() {
    let fx = Fixture::in_memory().await;
    let app = console(&fx, |c| ConsoleConfig {
        login_attempts_per_minute: 3,
        ..c
    });
    for _ in 0..3 {
        let (status, _, _) = attempt_login(&app, OPERATOR.0, "wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The fourth guess is not even checked, and neither is the right password now.
    let (status, headers, body) = attempt_login(&app, OPERATOR.0, OPERATOR.1).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body.contains("Too many login attempts"), "{body}");
    assert!(
        !headers
            .iter()
            .any(|h| h.starts_with(&format!("{SESSION_COOKIE}=")))
    );
    // Another account is not locked out by guesses at the first.
    login(&app, PROVIDER).await;
    // Names that are no account share one budget.
    for name in ["nobody", "root", "admin"] {
        assert_eq!(
            attempt_login(&app, name, "x").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt_login(&app, "guest", "x").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn saving_a_webhook_url_pings_it_and_the_ping_button_reports() {
    let fx = Fixture::in_memory().await;
    let app = console(&fx, |c| c);
    let provider = login(&app, PROVIDER).await;
    let id = fx.a.provider.id;
    let settings = format!("/console/settings?provider={id}");
    let (status, headers, _) = post_form(
        &app,
        &provider,
        &settings,
        &format!("/console/settings/{id}/urls"),
        "webhook_url=https%3A%2F%2Fisp.example%2Fhooks&external_checkout_url=&sandbox_webhook_url=https%3A%2F%2Fisp.example%2Fsandbox",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let said = flash(&headers);
    assert!(
        said.contains("URLs saved")
            && said.contains("test ping to the live webhook URL: HTTP 200")
            && said.contains("test ping to the sandbox webhook URL: HTTP 200"),
        "{said}"
    );
    assert_eq!(fx.sink.pings(), vec![(id, false), (id, true)]);

    // Saving the same URLs again pings nothing.
    post_form(
        &app,
        &provider,
        &settings,
        &format!("/console/settings/{id}/urls"),
        "webhook_url=https%3A%2F%2Fisp.example%2Fhooks&external_checkout_url=&sandbox_webhook_url=https%3A%2F%2Fisp.example%2Fsandbox",
    )
    .await;
    assert_eq!(fx.sink.pings().len(), 2);

    // The ping button: a receiver answering 503 is an error on the page.
    fx.sink
        .script([SinkOutcome::Retryable { retry_after: None }]);
    let log = format!("/console/webhooks?provider={id}&world=sandbox");
    let (status, headers, _) = post_form(
        &app,
        &provider,
        &log,
        "/console/webhooks/ping",
        &format!("provider={id}&world=sandbox"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let said = flash(&headers);
    assert!(
        said.starts_with("err: test ping to the sandbox webhook URL failed"),
        "{said}"
    );
    // A provider cannot ping another provider's URL.
    let (status, _, _) = post_form(
        &app,
        &provider,
        &log,
        "/console/webhooks/ping",
        &format!("provider={}&world=live", fx.b.provider.id),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = get(&app, &provider, &log).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Deliveries, sandbox"), "{body}");
}

#[tokio::test]
async fn a_form_echoing_a_bad_provider_id_is_answered_not_a_panic() {
    let fx = Fixture::in_memory().await;
    let app = console(&fx, |c| c);
    let operator = login(&app, OPERATOR).await;
    // A newline cannot be in a Location header: the page is named without its query.
    let (status, headers, _) = post_form(
        &app,
        &operator,
        "/console/webhooks",
        "/console/webhooks/replay",
        "provider=%0Anot-a-uuid&world=live&since=2026-01-01T00%3A00",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(flash(&headers), "err: Provider not found");
    let (status, headers, _) = post_form(
        &app,
        &operator,
        "/console/settings",
        "/console/settings/%0A/urls",
        "webhook_url=&external_checkout_url=&sandbox_webhook_url=",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(flash(&headers), "err: Provider not found");
}

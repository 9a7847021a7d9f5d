//! HttpEventSink against a scripted local receiver: classification, headers, signatures.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Action, Receiver, event, provider, t0};
use kurnl_core::ports::{EventSink, SinkOutcome};
use kurnl_core::testkit::ManualClock;
use kurnl_core::types::Secret;
use kurnl_webhook::{HttpEventSink, NO_URL_NOTE, Verifier, VerifyError, verify_kurnl_signature};

fn sink(clock: Arc<ManualClock>) -> HttpEventSink {
    HttpEventSink::builder()
        .clock(clock)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn outcome_of(action: Action) -> (kurnl_core::ports::SinkReport, Vec<common::Received>) {
    let rx = Receiver::start().await;
    rx.script([action]);
    let p = provider(Some(&rx.url), Some("s3cret"));
    let report = sink(Arc::new(ManualClock::at(t0())))
        .deliver(&event(&p, t0()), &p)
        .await;
    (report, rx.received())
}

#[tokio::test]
async fn any_2xx_acknowledges() {
    for status in [200, 201, 202, 204] {
        let (report, received) = outcome_of(Action::status(status)).await;
        assert_eq!(report.outcome, SinkOutcome::Acknowledged, "{status}");
        assert_eq!(report.status_code, Some(status));
        assert_eq!(report.error, None);
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].method, "POST");
        assert_eq!(received[0].path, "/hook");
    }
}

#[tokio::test]
async fn server_errors_are_retried() {
    for status in [500, 502, 504] {
        let (report, _) = outcome_of(Action::status(status)).await;
        assert_eq!(
            report.outcome,
            SinkOutcome::Retryable { retry_after: None },
            "{status}"
        );
        assert_eq!(report.status_code, Some(status));
        assert_eq!(
            report.error.as_deref(),
            Some(format!("http {status}").as_str())
        );
    }
}

#[tokio::test]
async fn client_errors_are_rejected() {
    for status in [400, 401, 403, 404, 408, 422] {
        let (report, _) = outcome_of(Action::status(status)).await;
        assert_eq!(report.outcome, SinkOutcome::Rejected, "{status}");
        assert_eq!(report.status_code, Some(status));
    }
}

#[tokio::test]
async fn gone_asks_to_stop() {
    let (report, _) = outcome_of(Action::status(410)).await;
    assert_eq!(report.outcome, SinkOutcome::Gone);
    assert_eq!(report.status_code, Some(410));
}

#[tokio::test]
async fn retry_after_is_honoured_on_429_and_503() {
    let (report, _) = outcome_of(Action::with_header(429, "Retry-After", "120")).await;
    assert_eq!(
        report.outcome,
        SinkOutcome::Retryable {
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert_eq!(report.status_code, Some(429));

    // HTTP-date form, relative to the sink's clock (t0 = 2026-01-01T00:00:00Z).
    let (report, _) = outcome_of(Action::with_header(
        503,
        "Retry-After",
        "Thu, 01 Jan 2026 00:01:30 GMT",
    ))
    .await;
    assert_eq!(
        report.outcome,
        SinkOutcome::Retryable {
            retry_after: Some(Duration::from_secs(90))
        }
    );

    let (report, _) = outcome_of(Action::status(429)).await;
    assert_eq!(report.outcome, SinkOutcome::Retryable { retry_after: None });

    // Capped (default 24 h).
    let (report, _) = outcome_of(Action::with_header(503, "Retry-After", "999999999")).await;
    assert_eq!(
        report.outcome,
        SinkOutcome::Retryable {
            retry_after: Some(Duration::from_secs(86_400))
        }
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let rx = Receiver::start().await;
    let elsewhere = format!("{}/elsewhere", rx.url);
    rx.script([
        Action::with_header(302, "Location", &elsewhere),
        Action::with_header(301, "Location", &elsewhere),
    ]);
    let p = provider(Some(&rx.url), Some("s3cret"));
    let sink = sink(Arc::new(ManualClock::at(t0())));
    for status in [302, 301] {
        let report = sink.deliver(&event(&p, t0()), &p).await;
        assert_eq!(report.outcome, SinkOutcome::Rejected);
        assert_eq!(report.status_code, Some(status));
        assert!(report.error.unwrap().contains("redirect not followed"));
    }
    let received = rx.received();
    assert_eq!(
        received.len(),
        2,
        "the redirect target must never be requested"
    );
    assert!(received.iter().all(|r| r.path == "/hook"));
}

#[tokio::test]
async fn dropped_connection_is_retryable() {
    let (report, _) = outcome_of(Action::Drop).await;
    assert_eq!(report.outcome, SinkOutcome::Retryable { retry_after: None });
    assert_eq!(report.status_code, None);
    assert!(report.error.is_some());
}

#[tokio::test]
async fn connection_refused_is_retryable() {
    let url = {
        let rx = Receiver::start().await;
        rx.url.clone()
    };
    // Give the aborted listener a moment to close; whether refused or reset, it is retryable.
    tokio::task::yield_now().await;
    let p = provider(Some(&url), None);
    let report = sink(Arc::new(ManualClock::at(t0())))
        .deliver(&event(&p, t0()), &p)
        .await;
    assert_eq!(report.outcome, SinkOutcome::Retryable { retry_after: None });
    assert!(
        !report.error.unwrap_or_default().contains("127.0.0.1"),
        "urls stay out of error texts"
    );
}

#[tokio::test]
async fn timeout_is_retryable() {
    let rx = Receiver::start().await;
    rx.script([Action::Hang]);
    let p = provider(Some(&rx.url), Some("s3cret"));
    let sink = HttpEventSink::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let report = sink.deliver(&event(&p, t0()), &p).await;
    assert_eq!(report.outcome, SinkOutcome::Retryable { retry_after: None });
    assert_eq!(report.error.as_deref(), Some("timed out after 300 ms"));
}

#[tokio::test]
async fn slow_but_within_timeout_is_acknowledged() {
    let (report, _) = outcome_of(Action::Respond {
        status: 200,
        headers: vec![],
        delay: Duration::from_millis(200),
    })
    .await;
    assert_eq!(report.outcome, SinkOutcome::Acknowledged);
}

#[tokio::test]
async fn no_url_is_acknowledged_with_a_note_and_sends_nothing() {
    let p = provider(None, Some("s3cret"));
    let report = sink(Arc::new(ManualClock::at(t0())))
        .deliver(&event(&p, t0()), &p)
        .await;
    assert_eq!(report.outcome, SinkOutcome::Acknowledged);
    assert_eq!(report.status_code, None);
    assert_eq!(report.error.as_deref(), Some(NO_URL_NOTE));
}

#[tokio::test]
async fn invalid_urls_are_rejected() {
    for url in ["not a url", "ftp://example.invalid/hook"] {
        let p = provider(Some(url), None);
        let report = sink(Arc::new(ManualClock::at(t0())))
            .deliver(&event(&p, t0()), &p)
            .await;
        assert_eq!(report.outcome, SinkOutcome::Rejected, "{url}");
    }
}

#[tokio::test]
async fn envelope_and_both_signatures_verify() {
    let rx = Receiver::start().await;
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let p = provider(Some(&rx.url), Some(secret));
    let clock = Arc::new(ManualClock::at(t0() + chrono::Duration::hours(1)));
    let ev = event(&p, t0());
    let report = sink(clock.clone()).deliver(&ev, &p).await;
    assert_eq!(report.outcome, SinkOutcome::Acknowledged);
    let req = &rx.received()[0];

    // The documented flat envelope.
    let json = req.json();
    assert_eq!(json["event"], "provisioning.completed");
    assert_eq!(json["provider_document_id"], p.id.to_string());
    assert_eq!(json["timestamp"].as_f64(), Some(t0().timestamp() as f64));
    assert_eq!(json["event_id"], ev.id.to_string());
    assert_eq!(json["sequence"], 1);
    assert!(json.get("job_id").is_some() && json.get("subscription_id").is_some());
    assert!(json.get("data").is_none());
    assert_eq!(req.header("content-type"), Some("application/json"));

    // kurnl's header, keyed with the raw secret string.
    let sig = req.header("x-webhook-signature").unwrap();
    assert!(
        sig.starts_with("sha256=")
            && sig[7..]
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_eq!(
        verify_kurnl_signature(&Secret::new(secret), &req.body, sig),
        Ok(())
    );

    // Standard Webhooks headers: id = event id, timestamp = the attempt's time.
    assert_eq!(req.header("webhook-id"), Some(ev.id.to_string().as_str()));
    assert_eq!(
        req.header("webhook-timestamp"),
        Some(clock_ts(&clock).as_str())
    );
    assert!(req.header("webhook-signature").unwrap().starts_with("v1,"));
    let verifier = Verifier::new([Secret::new(secret)]);
    assert_eq!(
        verifier.verify(
            &req.header_map(),
            &req.body,
            t0() + chrono::Duration::hours(1)
        ),
        Ok(())
    );

    // Tampering is detected by both schemes.
    let mut tampered = req.body.clone();
    tampered[1] ^= 1;
    assert_eq!(
        verify_kurnl_signature(&Secret::new(secret), &tampered, sig),
        Err(VerifyError::SignatureMismatch)
    );
    assert_eq!(
        verifier.verify(
            &req.header_map(),
            &tampered,
            t0() + chrono::Duration::hours(1)
        ),
        Err(VerifyError::SignatureMismatch)
    );
    // A wrong secret fails; a stale timestamp (replay) fails.
    assert!(
        Verifier::new([Secret::new("other")])
            .verify(&req.header_map(), &req.body, t0())
            .is_err()
    );
    assert_eq!(
        verifier.verify(
            &req.header_map(),
            &req.body,
            t0() + chrono::Duration::hours(2)
        ),
        Err(VerifyError::TimestampOutOfTolerance)
    );
}

fn clock_ts(clock: &ManualClock) -> String {
    use kurnl_core::ports::Clock;
    clock.now().timestamp().to_string()
}

#[tokio::test]
async fn unsigned_without_secret() {
    let rx = Receiver::start().await;
    let p = provider(Some(&rx.url), None);
    let ev = event(&p, t0());
    sink(Arc::new(ManualClock::at(t0()))).deliver(&ev, &p).await;
    let req = &rx.received()[0];
    assert_eq!(req.header("x-webhook-signature"), None);
    assert_eq!(req.header("webhook-signature"), None);
    assert_eq!(req.header("webhook-id"), Some(ev.id.to_string().as_str()));
}

#[tokio::test]
async fn rotation_signs_with_every_secret() {
    let rx = Receiver::start().await;
    let p = provider(Some(&rx.url), Some("new-secret"));
    let sink = sink(Arc::new(ManualClock::at(t0())));
    sink.set_previous_secrets(p.id, false, vec![Secret::new("old-secret")]);
    sink.deliver(&event(&p, t0()), &p).await;
    sink.set_previous_secrets(p.id, false, vec![]);
    sink.deliver(&event(&p, t0()), &p).await;
    let received = rx.received();
    assert_eq!(
        received[0]
            .header("webhook-signature")
            .unwrap()
            .split(' ')
            .count(),
        2
    );
    assert_eq!(
        received[1]
            .header("webhook-signature")
            .unwrap()
            .split(' ')
            .count(),
        1
    );
    for old_or_new in ["old-secret", "new-secret"] {
        assert_eq!(
            Verifier::new([Secret::new(old_or_new)]).verify_standard(
                received[0].header("webhook-id").unwrap(),
                received[0].header("webhook-timestamp").unwrap(),
                received[0].header("webhook-signature").unwrap(),
                &received[0].body,
                t0(),
            ),
            Ok(())
        );
    }
    // kurnl's header carries the current secret only.
    let sig = received[0].header("x-webhook-signature").unwrap();
    assert_eq!(
        verify_kurnl_signature(&Secret::new("new-secret"), &received[0].body, sig),
        Ok(())
    );
}

#[tokio::test]
async fn same_bytes_on_every_attempt() {
    let rx = Receiver::start().await;
    rx.script([Action::status(500), Action::status(503)]);
    let p = provider(Some(&rx.url), Some("s3cret"));
    let clock = Arc::new(ManualClock::at(t0()));
    let sink = sink(clock.clone());
    let ev = event(&p, t0());
    for _ in 0..3 {
        sink.deliver(&ev, &p).await;
        clock.advance(chrono::Duration::seconds(30));
    }
    let received = rx.received();
    assert_eq!(received.len(), 3);
    assert!(received.windows(2).all(|w| w[0].body == w[1].body));
    assert!(
        received
            .windows(2)
            .all(|w| w[0].header("x-webhook-signature") == w[1].header("x-webhook-signature"))
    );
    assert!(
        received
            .windows(2)
            .all(|w| w[0].header("webhook-id") == w[1].header("webhook-id"))
    );
    assert_eq!(HttpEventSink::body(&ev), received[0].body);
}

#[test]
fn debug_never_shows_secrets() {
    let sink = HttpEventSink::new().unwrap();
    let p = provider(Some("http://127.0.0.1:1/"), Some("topsecret"));
    sink.set_previous_secrets(p.id, false, vec![Secret::new("oldtopsecret")]);
    let text = format!("{sink:?} {p:?}");
    assert!(!text.contains("topsecret"), "{text}");
}

#[tokio::test]
async fn sandbox_events_use_the_sandbox_endpoint_and_secret() {
    let live = Receiver::start().await;
    let sandbox = Receiver::start().await;
    let mut p = provider(Some(&live.url), Some("live-secret"));
    p.sandbox = kurnl_core::model::WebhookEndpoint {
        url: Some(sandbox.url.clone()),
        secret: Some(Secret::new("sandbox-secret")),
        ..Default::default()
    };
    let mut ev = event(&p, t0());
    ev.sandbox = true;
    let report = sink(Arc::new(ManualClock::at(t0()))).deliver(&ev, &p).await;
    assert_eq!(report.outcome, SinkOutcome::Acknowledged);
    assert!(live.received().is_empty());
    let req = &sandbox.received()[0];
    let sig = req.header("x-webhook-signature").unwrap();
    assert_eq!(
        verify_kurnl_signature(&Secret::new("sandbox-secret"), &req.body, sig),
        Ok(())
    );
}

#[tokio::test]
async fn ping_is_signed_like_events() {
    let rx = Receiver::start().await;
    let p = provider(Some(&rx.url), Some("s3cret"));
    let report = sink(Arc::new(ManualClock::at(t0()))).ping(&p, false).await;
    assert_eq!(report.outcome, SinkOutcome::Acknowledged);
    let req = &rx.received()[0];
    let json = req.json();
    assert_eq!(json["event"], "ping");
    assert_eq!(json["provider_document_id"], p.id.to_string());
    assert_eq!(json["timestamp"].as_f64(), Some(t0().timestamp() as f64));
    assert!(req.header("webhook-id").unwrap().starts_with("ping_"));
    let verifier = Verifier::new([Secret::new("s3cret")]);
    assert_eq!(verifier.verify(&req.header_map(), &req.body, t0()), Ok(()));
}

#[tokio::test]
async fn private_networks_can_be_denied() {
    let rx = Receiver::start().await;
    let guarded = HttpEventSink::builder()
        .deny_private_networks(true)
        .build()
        .unwrap();
    // An IP literal, and a host name that resolves to loopback.
    let by_name = rx.url.replace("127.0.0.1", "localhost");
    for url in [
        rx.url.as_str(),
        by_name.as_str(),
        "http://[::1]:9/hook",
        "http://169.254.169.254/",
    ] {
        let p = provider(Some(url), Some("s3cret"));
        let report = guarded.deliver(&event(&p, t0()), &p).await;
        assert_eq!(report.outcome, SinkOutcome::Rejected, "{url}");
        assert_eq!(
            report.error.as_deref(),
            Some("webhook url points to a non-public address"),
            "{url}"
        );
    }
    assert!(rx.received().is_empty());
    // Off by default.
    let p = provider(Some(&rx.url), Some("s3cret"));
    let report = sink(Arc::new(ManualClock::at(t0())))
        .deliver(&event(&p, t0()), &p)
        .await;
    assert_eq!(report.outcome, SinkOutcome::Acknowledged);
}

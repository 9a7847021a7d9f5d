//! Interoperability with the Standard Webhooks reference implementation (the `standardwebhooks`
//! package from PyPI): it must verify the signatures our sink sends, and reject tampered ones.
//!
//! Needs `python3` with `standardwebhooks` installed (`pip install standardwebhooks`). When
//! `KURNL_TEST_REQUIRE` contains `python` (as in CI) a missing interpreter or package fails the
//! test; otherwise the test prints a notice and passes without checking.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{Receiver, event, provider, t0};
use kurnl_core::ports::{EventSink, SinkOutcome};
use kurnl_webhook::HttpEventSink;

const VERIFY: &str = r#"
import json, sys
from standardwebhooks import Webhook
d = json.load(sys.stdin)
secret = d["secret"]
wh = Webhook(secret) if secret.startswith("whsec_") else Webhook(secret.encode())
try:
    payload = wh.verify(d["body"], d["headers"])
except Exception as e:
    print("rejected:", e)
    sys.exit(3)
print("verified", payload["event"])
"#;

fn python_available() -> bool {
    let required = std::env::var("KURNL_TEST_REQUIRE")
        .unwrap_or_default()
        .contains("python");
    let ok = Command::new("python3")
        .args(["-c", "import standardwebhooks"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            !required,
            "KURNL_TEST_REQUIRE has python but python3 with standardwebhooks is missing"
        );
        eprintln!(
            "notice: skipping the standardwebhooks interop test (python3 -m pip install standardwebhooks)"
        );
    }
    ok
}

/// Runs the reference verifier; `Ok(stdout)` when it verified.
fn python_verify(secret: &str, body: &[u8], headers: &[(&str, &str)]) -> Result<String, String> {
    let input = serde_json::json!({
        "secret": secret,
        "body": String::from_utf8(body.to_vec()).unwrap(),
        "headers": headers.iter().map(|(k, v)| ((*k).to_owned(), serde_json::json!(v))).collect::<serde_json::Map<_, _>>(),
    });
    let mut child = Command::new("python3")
        .args(["-c", VERIFY])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)))
    }
}

#[tokio::test]
async fn standardwebhooks_verifies_our_signatures() {
    if !python_available() {
        return;
    }
    for secret in [
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "a-plain-provider-secret",
    ] {
        let rx = Receiver::start().await;
        let p = provider(Some(&rx.url), Some(secret));
        // The system clock: the reference library checks the timestamp against the real time.
        let sink = HttpEventSink::new().unwrap();
        let report = sink.deliver(&event(&p, t0()), &p).await;
        assert_eq!(report.outcome, SinkOutcome::Acknowledged);
        let req = rx.received().remove(0);
        let headers: Vec<(&str, &str)> = ["webhook-id", "webhook-timestamp", "webhook-signature"]
            .into_iter()
            .map(|h| (h, req.header(h).unwrap()))
            .collect();

        let out =
            python_verify(secret, &req.body, &headers).unwrap_or_else(|e| panic!("{secret}: {e}"));
        assert_eq!(out.trim(), "verified provisioning.completed");

        // Tampered body and wrong secret are rejected by the reference implementation too.
        let mut tampered = req.body.clone();
        tampered[1] ^= 1;
        assert!(python_verify(secret, &tampered, &headers).is_err());
        assert!(python_verify("whsec_dGhpcyBpcyBub3QgdGhlIGtleQ==", &req.body, &headers).is_err());
    }
}

/// A rotation's overlap: deliveries carry a signature with the new secret and one with the
/// previous secret, and the reference library verifies each with its own secret; once the
/// overlap has ended only the new secret verifies.
#[tokio::test]
async fn during_a_rotation_both_secrets_verify_and_after_it_only_the_new_one() {
    if !python_available() {
        return;
    }
    let (old, new) = (
        "whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZA==",
        "whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0LW5ldw==",
    );
    let rx = Receiver::start().await;
    let mut p = provider(Some(&rx.url), Some(new));
    p.live.previous_secret = Some(kurnl_core::types::Secret::new(old));
    p.live.previous_secret_until = Some(chrono::Utc::now() + chrono::Duration::hours(1));
    let sink = HttpEventSink::new().unwrap();
    let headers_of = |req: &common::Received| -> Vec<(String, String)> {
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
            .into_iter()
            .map(|h| (h.to_owned(), req.header(h).unwrap().to_owned()))
            .collect()
    };
    let report = sink.deliver(&event(&p, t0()), &p).await;
    assert_eq!(report.outcome, SinkOutcome::Acknowledged);
    let during = rx.received().remove(0);
    let headers = headers_of(&during);
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        during
            .header("webhook-signature")
            .unwrap()
            .split(' ')
            .count(),
        2,
        "two signatures during the overlap"
    );
    for secret in [old, new] {
        let out = python_verify(secret, &during.body, &pairs)
            .unwrap_or_else(|e| panic!("{secret} during the overlap: {e}"));
        assert_eq!(out.trim(), "verified provisioning.completed");
    }

    p.live.previous_secret_until = Some(chrono::Utc::now() - chrono::Duration::seconds(1));
    let report = sink.deliver(&event(&p, t0()), &p).await;
    assert_eq!(report.outcome, SinkOutcome::Acknowledged);
    let after = rx.received().remove(1);
    let headers = headers_of(&after);
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert!(
        python_verify(new, &after.body, &pairs).is_ok(),
        "the new secret verifies"
    );
    assert!(
        python_verify(old, &after.body, &pairs).is_err(),
        "the previous secret no longer verifies once the overlap ended"
    );
}

//! A minimal webhook receiver: verifies kurnl's `X-Webhook-Signature` and the Standard Webhooks
//! signature on the raw body, drops duplicates by `webhook-id`, and prints each event.
//!
//! ```text
//! # listen on 127.0.0.1:8787/webhooks/kurnl with the provider's webhook secret
//! KURNL_WEBHOOK_SECRET=whsec_... cargo run -p kurnl-webhook --example webhook_receiver
//! # or: start on a random port, send one signed event to it with HttpEventSink, and exit
//! cargo run -p kurnl-webhook --example webhook_receiver -- --demo
//! ```
//!
//! Answers 401 when a signature does not verify (as kurnl's documentation recommends), and 204
//! otherwise; any 2xx acknowledges the delivery. Unknown `event` values (such as the sandbox
//! `ping`) are acknowledged and ignored.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use kurnl_core::model::{BillingMode, DeliveryStatus, Event, EventData, Provider, WebhookEndpoint};
use kurnl_core::ports::EventSink;
use kurnl_core::types::{EventId, JobId, ProviderId, Secret, SubscriptionId};
use kurnl_webhook::{HttpEventSink, Verifier};

#[derive(Clone)]
struct Receiver {
    verifier: Arc<Verifier>,
    seen: Arc<Mutex<HashSet<String>>>,
}

async fn handle(State(rx): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    // 1. Verify before anything else, on the raw bytes.
    if let Err(error) = rx.verifier.verify(&headers, &body, chrono::Utc::now()) {
        eprintln!("rejected: {error}");
        return StatusCode::UNAUTHORIZED;
    }
    // 2. Deduplicate: the same event may arrive more than once (at-least-once delivery).
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let fresh = rx
        .seen
        .lock()
        .map(|mut seen| seen.insert(id.clone()))
        .unwrap_or(true);
    if !fresh {
        println!("duplicate {id}, ignored");
        return StatusCode::NO_CONTENT;
    }
    // 3. Handle it.
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let name = payload["event"].as_str().unwrap_or("?");
    match name {
        "subscription.activated"
        | "subscription.pending_install"
        | "subscription.cancelled"
        | "provisioning.completed"
        | "provisioning.failed" => println!(
            "{name} (id {id}, sequence {}): {payload}",
            payload["sequence"]
        ),
        other => println!("ignoring unknown event {other:?}"),
    }
    StatusCode::NO_CONTENT
}

fn app(secret: Secret) -> Router {
    let rx = Receiver {
        verifier: Arc::new(Verifier::new([secret])),
        seen: Arc::default(),
    };
    Router::new()
        .route("/webhooks/kurnl", post(handle))
        .with_state(rx)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let demo = std::env::args().any(|a| a == "--demo");
    let secret = std::env::var("KURNL_WEBHOOK_SECRET")
        .unwrap_or_else(|_| "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
    let addr: SocketAddr = if demo {
        "127.0.0.1:0".parse()?
    } else {
        "127.0.0.1:8787".parse()?
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let url = format!("http://{}/webhooks/kurnl", listener.local_addr()?);
    println!("listening on {url}");
    let server =
        tokio::spawn(axum::serve(listener, app(Secret::new(secret.clone()))).into_future());
    if !demo {
        server.await??;
        return Ok(());
    }

    // Demo: deliver one signed event, twice (the second is a duplicate), then one with a wrong
    // secret (rejected with 401).
    let provider = |secret: &str| Provider {
        id: ProviderId::new_random(),
        name: "Demo ISP".into(),
        live: WebhookEndpoint {
            url: Some(url.clone()),
            secret: Some(Secret::new(secret)),
            ..Default::default()
        },
        sandbox: WebhookEndpoint::default(),
        external_checkout_url: None,
        billing_mode: BillingMode::default(),
    };
    let good = provider(&secret);
    let now = chrono::Utc::now();
    let event = Event {
        id: EventId::new_random(),
        provider_id: good.id,
        sandbox: false,
        data: EventData::ProvisioningCompleted {
            job_id: JobId::new_random(),
            subscription_id: SubscriptionId::new_random(),
        },
        sequence: 1,
        created_at: now,
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: now,
        lease: None,
    };
    let sink = HttpEventSink::new()?;
    for p in [&good, &good, &provider("not-the-secret")] {
        let report = sink.deliver(&event, p).await;
        println!(
            "sender: {:?} (status {:?})",
            report.outcome, report.status_code
        );
    }
    server.abort();
    Ok(())
}

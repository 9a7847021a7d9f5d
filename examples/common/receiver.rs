//! A local webhook receiver for the examples, benches and end-to-end tests: verifies both
//! signature schemes, records what it accepted, and can be told to answer 503 for a while.

#![allow(dead_code)] // each example uses a different part

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use kurnl::types::Secret;
use kurnl::webhook::Verifier;

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<serde_json::Value>>,
    rejected: AtomicU64,
    down: AtomicBool,
    notify: tokio::sync::Notify,
}

/// A running receiver.
#[derive(Clone)]
pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    verifier: Arc<Verifier>,
}

impl Receiver {
    /// Starts on 127.0.0.1 (any free port), verifying with `secret`.
    pub async fn start(secret: Secret) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let receiver = Self {
            addr,
            shared: Arc::default(),
            verifier: Arc::new(Verifier::new([secret])),
        };
        let app = axum::Router::new()
            .route("/hooks", post(accept))
            .with_state(receiver.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(receiver)
    }

    /// The URL to give providers.
    pub fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    /// Verified events received so far (duplicates included).
    pub fn received(&self) -> Vec<serde_json::Value> {
        self.shared
            .received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Deliveries refused because a signature did not verify.
    pub fn rejected(&self) -> u64 {
        self.shared.rejected.load(Ordering::Relaxed)
    }

    /// While `true`, every delivery gets a 503.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::Relaxed);
    }

    /// Takes the verified events received since the last call: they are handed over and no
    /// longer kept, so a long run does not hold every event in memory. [`Self::received`] and
    /// [`Self::wait_for`] only see events not taken yet.
    pub fn take_received(&self) -> Vec<serde_json::Value> {
        std::mem::take(
            &mut *self
                .shared
                .received
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        )
    }

    /// Waits until at least one event is waiting to be taken or `timeout` passed; whether one
    /// is.
    pub async fn wait_any(&self, timeout: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.notify.notified();
            let waiting = !self
                .shared
                .received
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_empty();
            if waiting || tokio::time::Instant::now() >= deadline {
                return waiting;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }

    /// Waits until at least `n` events were received or `timeout` passed; the count.
    pub async fn wait_for(&self, n: usize, timeout: std::time::Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.notify.notified();
            let count = self.received().len();
            if count >= n || tokio::time::Instant::now() >= deadline {
                return count;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
}

async fn accept(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if r.shared.down.load(Ordering::Relaxed) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    if r.verifier
        .verify(&headers, &body, chrono::Utc::now())
        .is_err()
    {
        r.shared.rejected.fetch_add(1, Ordering::Relaxed);
        return StatusCode::UNAUTHORIZED;
    }
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(event) => {
            r.shared
                .received
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(event);
            r.shared.notify.notify_waiters();
            StatusCode::OK
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

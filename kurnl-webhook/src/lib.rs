//! # kurnl-webhook
//!
//! Webhooks for kurnl: signing, receiver-side verification and HTTP delivery.
//!
//! - **Signing** ([`SignedHeaders`], [`kurnl_signature`], [`standard_signature`]): kurnl's
//!   documented `X-Webhook-Signature: sha256=<lowercase hex HMAC-SHA256 of the raw body>`, and
//!   the [Standard Webhooks](https://www.standardwebhooks.com/) headers `webhook-id`,
//!   `webhook-timestamp` and `webhook-signature: v1,<base64>` over `"{id}.{timestamp}.{body}"`,
//!   which add replay protection and key rotation (several secrets, several signatures).
//! - **Verification** ([`Verifier`], [`verify_kurnl_signature`]) for receivers: both schemes,
//!   timestamp tolerance, constant-time comparison. See `examples/webhook_receiver.rs`.
//! - **Delivery** ([`HttpEventSink`]): the [`EventSink`](kurnl_core::ports::EventSink) that
//!   POSTs each event over HTTP(S) (reqwest, rustls) and classifies the answer. Retries,
//!   persistence and replay belong to [`OutboxDispatcher`](kurnl_core::engine::OutboxDispatcher)
//!   in `kurnl-core`.
//!
//! ## Secrets
//! The provider's webhook secret signs both schemes. For `X-Webhook-Signature` the key is the
//! secret's raw UTF-8 bytes (as kurnl documents). For `webhook-signature` a secret of the form
//! `whsec_<base64>` is keyed with its decoded bytes, as Standard Webhooks libraries expect, and
//! any other secret with its raw UTF-8 bytes ([`SigningKey`]).
//!
//! ## Wiring
//! ```no_run
//! # async fn demo(store: std::sync::Arc<dyn kurnl_core::ports::Store>) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use kurnl_core::engine::{DeliveryPolicy, OutboxDispatcher};
//! use kurnl_core::ports::SystemClock;
//! use kurnl_webhook::HttpEventSink;
//!
//! let sink = Arc::new(HttpEventSink::new()?);
//! let dispatcher = OutboxDispatcher::new(store, sink, Arc::new(SystemClock), DeliveryPolicy::kurnl_default());
//! let (_stop, stopped) = tokio::sync::watch::channel(false);
//! tokio::spawn(dispatcher.run(stopped));
//! # Ok(()) }
//! ```

mod network;
mod signing;
mod sink;
mod verify;

pub use network::is_public_ip;
pub use signing::{
    KURNL_SIGNATURE_HEADER, SignedHeaders, SigningKey, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER,
    WEBHOOK_TIMESTAMP_HEADER, WHSEC_PREFIX, kurnl_signature, standard_signature,
    standard_signatures,
};
pub use sink::{HttpEventSink, HttpEventSinkBuilder, NO_URL_NOTE, WebhookError};
pub use verify::{Verifier, VerifyError, verify_kurnl_signature};

//! Receiver-side verification of both signature schemes.
//!
//! Check the signature on the **raw** request body, before parsing it, and answer 401 on
//! failure. Every comparison of signature bytes is constant-time (`hmac::Mac::verify_slice`).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::Mac;
use kurnl_core::types::Secret;

use crate::signing::{
    KURNL_SIGNATURE_HEADER, SigningKey, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER,
    WEBHOOK_TIMESTAMP_HEADER, standard_content,
};

/// Why a request failed verification. Messages never contain secrets or signatures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A required header is missing.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// A header is not in the expected format.
    #[error("malformed header {0}")]
    MalformedHeader(&'static str),
    /// `webhook-timestamp` is further from now than the tolerance (replayed or delayed message).
    #[error("timestamp outside the tolerance")]
    TimestampOutOfTolerance,
    /// No signature matches any of the secrets.
    #[error("signature mismatch")]
    SignatureMismatch,
    /// No secret to verify with.
    #[error("no secret configured")]
    NoSecret,
}

/// Verifies kurnl's `X-Webhook-Signature: sha256=<hex>` value against `body` with one secret.
///
/// ```
/// use kurnl_core::types::Secret;
/// use kurnl_webhook::{kurnl_signature, verify_kurnl_signature};
/// let secret = Secret::new("s3cret");
/// let body = br#"{"event":"ping"}"#;
/// let header = kurnl_signature(&secret, body);
/// assert!(verify_kurnl_signature(&secret, body, &header).is_ok());
/// assert!(verify_kurnl_signature(&secret, b"tampered", &header).is_err());
/// ```
///
/// # Errors
/// [`VerifyError::MalformedHeader`] when the value is not `sha256=<64 hex digits>`,
/// [`VerifyError::SignatureMismatch`] when it does not match.
pub fn verify_kurnl_signature(
    secret: &Secret,
    body: &[u8],
    header: &str,
) -> Result<(), VerifyError> {
    let digest = parse_kurnl_header(header)?;
    let mut mac = SigningKey::kurnl(secret).mac();
    mac.update(body);
    mac.verify_slice(&digest)
        .map_err(|_| VerifyError::SignatureMismatch)
}

fn parse_kurnl_header(header: &str) -> Result<Vec<u8>, VerifyError> {
    let hex_digest = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(VerifyError::MalformedHeader(KURNL_SIGNATURE_HEADER))?;
    let digest = hex::decode(hex_digest)
        .map_err(|_| VerifyError::MalformedHeader(KURNL_SIGNATURE_HEADER))?;
    if digest.len() != 32 {
        return Err(VerifyError::MalformedHeader(KURNL_SIGNATURE_HEADER));
    }
    Ok(digest)
}

/// Verifies webhook requests with one or more secrets (several while rotating), for both
/// kurnl's `X-Webhook-Signature` and the Standard Webhooks headers.
///
/// Secrets are interpreted as when signing: `whsec_<base64>` secrets are base64-decoded for the
/// Standard Webhooks scheme, any other secret is used as raw UTF-8 bytes; see
/// [`SigningKey`](crate::SigningKey).
///
/// ```
/// use kurnl_core::types::Secret;
/// use kurnl_webhook::{SignedHeaders, Verifier};
/// let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
/// let body = br#"{"event":"ping"}"#;
/// let now = chrono::Utc::now();
/// let headers = SignedHeaders::sign(&[secret.clone()], "evt_1", now.timestamp(), body).to_header_map();
/// let verifier = Verifier::new([secret]);
/// assert!(verifier.verify(&headers, body, now).is_ok());
/// assert!(verifier.verify(&headers, b"{}", now).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    secrets: Vec<Secret>,
    tolerance: Duration,
}

impl Verifier {
    /// Default timestamp tolerance: 5 minutes either way, as Standard Webhooks recommends.
    pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

    /// A verifier accepting a signature by any of `secrets`.
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        Self {
            secrets: secrets.into_iter().collect(),
            tolerance: Self::DEFAULT_TOLERANCE,
        }
    }

    /// Replaces the timestamp tolerance.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Checks a kurnl `X-Webhook-Signature` value (any secret may match).
    ///
    /// # Errors
    /// See [`verify_kurnl_signature`]; [`VerifyError::NoSecret`] without secrets.
    pub fn verify_kurnl(&self, body: &[u8], header: &str) -> Result<(), VerifyError> {
        if self.secrets.is_empty() {
            return Err(VerifyError::NoSecret);
        }
        let digest = parse_kurnl_header(header)?;
        let ok = self.secrets.iter().any(|secret| {
            let mut mac = SigningKey::kurnl(secret).mac();
            mac.update(body);
            mac.verify_slice(&digest).is_ok()
        });
        if ok {
            Ok(())
        } else {
            Err(VerifyError::SignatureMismatch)
        }
    }

    /// Checks Standard Webhooks values: `id` (`webhook-id`), `timestamp`
    /// (`webhook-timestamp`, Unix seconds, within the tolerance of `now`) and `signatures`
    /// (`webhook-signature`: space-separated `v1,<base64>`; one valid signature by any secret
    /// suffices; other versions are ignored).
    ///
    /// # Errors
    /// [`VerifyError::MalformedHeader`], [`VerifyError::TimestampOutOfTolerance`],
    /// [`VerifyError::SignatureMismatch`], [`VerifyError::NoSecret`].
    pub fn verify_standard(
        &self,
        id: &str,
        timestamp: &str,
        signatures: &str,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), VerifyError> {
        if self.secrets.is_empty() {
            return Err(VerifyError::NoSecret);
        }
        let ts: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| VerifyError::MalformedHeader(WEBHOOK_TIMESTAMP_HEADER))?;
        let tolerance = i64::try_from(self.tolerance.as_secs()).unwrap_or(i64::MAX);
        if now.timestamp().saturating_sub(ts).saturating_abs() > tolerance {
            return Err(VerifyError::TimestampOutOfTolerance);
        }
        let candidates: Vec<Vec<u8>> = signatures
            .split_whitespace()
            .filter_map(|s| s.strip_prefix("v1,"))
            .filter_map(|b64| BASE64.decode(b64).ok())
            .collect();
        if candidates.is_empty() {
            return Err(VerifyError::SignatureMismatch);
        }
        for secret in &self.secrets {
            let mut mac = SigningKey::standard(secret).mac();
            standard_content(&mut mac, id, ts, body);
            for candidate in &candidates {
                if mac.clone().verify_slice(candidate).is_ok() {
                    return Ok(());
                }
            }
        }
        Err(VerifyError::SignatureMismatch)
    }

    /// Checks a request's headers: the Standard Webhooks headers when `webhook-signature` is
    /// present, kurnl's `X-Webhook-Signature` when present; every scheme present must verify,
    /// and at least one must be.
    ///
    /// # Errors
    /// [`VerifyError::MissingHeader`] when neither scheme is present (or `webhook-id` /
    /// `webhook-timestamp` is missing next to `webhook-signature`), otherwise as
    /// [`Verifier::verify_standard`] and [`Verifier::verify_kurnl`].
    pub fn verify(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), VerifyError> {
        let standard = header(headers, WEBHOOK_SIGNATURE_HEADER)?;
        let kurnl = header(headers, KURNL_SIGNATURE_HEADER)?;
        if standard.is_none() && kurnl.is_none() {
            return Err(VerifyError::MissingHeader(WEBHOOK_SIGNATURE_HEADER));
        }
        if let Some(signatures) = standard {
            let id = header(headers, WEBHOOK_ID_HEADER)?
                .ok_or(VerifyError::MissingHeader(WEBHOOK_ID_HEADER))?;
            let ts = header(headers, WEBHOOK_TIMESTAMP_HEADER)?
                .ok_or(VerifyError::MissingHeader(WEBHOOK_TIMESTAMP_HEADER))?;
            self.verify_standard(id, ts, signatures, body, now)?;
        }
        if let Some(signature) = kurnl {
            self.verify_kurnl(body, signature)?;
        }
        Ok(())
    }
}

fn header<'a>(
    headers: &'a http::HeaderMap,
    name: &'static str,
) -> Result<Option<&'a str>, VerifyError> {
    headers
        .get(name)
        .map(|v| v.to_str().map_err(|_| VerifyError::MalformedHeader(name)))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{SignedHeaders, kurnl_signature};

    fn now() -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(1_764_000_000)
    }

    #[test]
    fn kurnl_roundtrip_and_tamper() {
        let s = Secret::new("k");
        let h = kurnl_signature(&s, b"body");
        assert_eq!(verify_kurnl_signature(&s, b"body", &h), Ok(()));
        assert_eq!(
            verify_kurnl_signature(&s, b"bodY", &h),
            Err(VerifyError::SignatureMismatch)
        );
        assert_eq!(
            verify_kurnl_signature(&Secret::new("x"), b"body", &h),
            Err(VerifyError::SignatureMismatch)
        );
        assert_eq!(
            verify_kurnl_signature(&s, b"body", "md5=00"),
            Err(VerifyError::MalformedHeader(KURNL_SIGNATURE_HEADER))
        );
        assert_eq!(
            verify_kurnl_signature(&s, b"body", "sha256=zz"),
            Err(VerifyError::MalformedHeader(KURNL_SIGNATURE_HEADER))
        );
    }

    #[test]
    fn standard_roundtrip_tamper_and_tolerance() {
        let secrets = [Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")];
        let v = Verifier::new(secrets.clone());
        let ts = now().timestamp();
        let h = SignedHeaders::sign(&secrets, "evt_1", ts, b"{}").to_header_map();
        assert_eq!(v.verify(&h, b"{}", now()), Ok(()));
        assert_eq!(
            v.verify(&h, b"{ }", now()),
            Err(VerifyError::SignatureMismatch)
        );
        let late = now() + chrono::Duration::seconds(301);
        assert_eq!(
            v.verify(&h, b"{}", late),
            Err(VerifyError::TimestampOutOfTolerance)
        );
        let early = now() - chrono::Duration::seconds(301);
        assert_eq!(
            v.verify(&h, b"{}", early),
            Err(VerifyError::TimestampOutOfTolerance)
        );
        assert_eq!(
            v.clone()
                .with_tolerance(Duration::from_secs(400))
                .verify(&h, b"{}", late),
            Ok(())
        );
        // Another id with the same signature fails (the id is signed).
        let sig = h
            .get(WEBHOOK_SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert_eq!(
            v.verify_standard("evt_2", &ts.to_string(), sig, b"{}", now()),
            Err(VerifyError::SignatureMismatch)
        );
    }

    #[test]
    fn rotation_accepts_either_secret() {
        let new = Secret::new("new-secret");
        let old = Secret::new("old-secret");
        let ts = now().timestamp();
        let h = SignedHeaders::sign(&[new.clone(), old.clone()], "evt", ts, b"x").to_header_map();
        // A receiver still on the old secret verifies the Standard Webhooks signature.
        assert_eq!(
            Verifier::new([old.clone()]).verify_standard(
                "evt",
                &ts.to_string(),
                h.get(WEBHOOK_SIGNATURE_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default(),
                b"x",
                now()
            ),
            Ok(())
        );
        assert_eq!(Verifier::new([new, old]).verify(&h, b"x", now()), Ok(()));
    }

    #[test]
    fn missing_headers() {
        let v = Verifier::new([Secret::new("k")]);
        assert_eq!(
            v.verify(&http::HeaderMap::new(), b"", now()),
            Err(VerifyError::MissingHeader(WEBHOOK_SIGNATURE_HEADER))
        );
        assert_eq!(
            Verifier::new([]).verify_kurnl(b"", "sha256=00"),
            Err(VerifyError::NoSecret)
        );
    }
}

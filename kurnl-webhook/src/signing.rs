//! Signing webhook requests: kurnl's `X-Webhook-Signature` and the Standard Webhooks headers.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use kurnl_core::types::Secret;
use sha2::Sha256;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Standard base64 that accepts the `whsec_` key with or without padding (as the reference
/// libraries do).
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// kurnl's documented signature header: `sha256=<lowercase hex HMAC-SHA256 of the raw body>`.
pub const KURNL_SIGNATURE_HEADER: &str = "x-webhook-signature";
/// Standard Webhooks: the message id (kurnl's event id; stable across retries).
pub const WEBHOOK_ID_HEADER: &str = "webhook-id";
/// Standard Webhooks: Unix seconds when the attempt was signed.
pub const WEBHOOK_TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// Standard Webhooks: space-separated `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
pub const WEBHOOK_SIGNATURE_HEADER: &str = "webhook-signature";
/// Prefix of Standard Webhooks secrets (`whsec_<base64 key>`).
pub const WHSEC_PREFIX: &str = "whsec_";

/// An HMAC key for the Standard Webhooks scheme. `Debug` never shows the key.
///
/// Derived from a provider secret by [`SigningKey::standard`]: a secret of the form
/// `whsec_<base64>` (what Standard Webhooks libraries generate and expect) is keyed with the
/// base64-decoded bytes; any other secret, or a `whsec_` one whose rest is not valid base64, is
/// keyed with its raw UTF-8 bytes. A receiver using a Standard Webhooks library with a plain
/// secret must therefore pass the secret as bytes (in Python: `Webhook(secret.encode())`).
///
/// kurnl's own `X-Webhook-Signature` is always keyed with the raw UTF-8 bytes of the whole
/// secret, `whsec_` prefix included, exactly as kurnl's documentation shows.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    /// The Standard Webhooks key of a secret (see the type docs).
    pub fn standard(secret: &Secret) -> Self {
        let raw = secret.expose();
        if let Some(encoded) = raw.strip_prefix(WHSEC_PREFIX)
            && let Ok(bytes) = LENIENT_BASE64.decode(encoded)
            && !bytes.is_empty()
        {
            return Self(bytes);
        }
        Self(raw.as_bytes().to_vec())
    }

    /// The key used for kurnl's `X-Webhook-Signature`: the secret's raw UTF-8 bytes.
    pub fn kurnl(secret: &Secret) -> Self {
        Self(secret.expose().as_bytes().to_vec())
    }

    /// A key from raw bytes.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    pub(crate) fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length; this cannot fail.
        match HmacSha256::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable_hmac(),
        }
    }
}

#[cold]
fn unreachable_hmac() -> HmacSha256 {
    // `Hmac::new_from_slice` only fails for fixed-size-key MACs, never for HMAC. Keep a total
    // function anyway (no panics in library code): an all-zero key.
    <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default())
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

/// Value of kurnl's `X-Webhook-Signature` header for `body`: `sha256=<lowercase hex>`.
///
/// ```
/// use kurnl_core::types::Secret;
/// let header = kurnl_webhook::kurnl_signature(&Secret::new("s3cret"), br#"{"event":"ping"}"#);
/// assert!(header.starts_with("sha256="));
/// assert_eq!(header.len(), 7 + 64);
/// ```
pub fn kurnl_signature(secret: &Secret, body: &[u8]) -> String {
    let mut mac = SigningKey::kurnl(secret).mac();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// One Standard Webhooks signature, `v1,<base64>`, over `"{id}.{timestamp}.{body}"`.
pub fn standard_signature(key: &SigningKey, id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = key.mac();
    standard_content(&mut mac, id, timestamp, body);
    format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
}

pub(crate) fn standard_content(mac: &mut HmacSha256, id: &str, timestamp: i64, body: &[u8]) {
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
}

/// The `webhook-signature` value for several secrets (key rotation): one `v1,<base64>` per
/// secret, space-separated, in the order given.
pub fn standard_signatures<'a>(
    secrets: impl IntoIterator<Item = &'a Secret>,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .into_iter()
        .map(|s| standard_signature(&SigningKey::standard(s), id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The signature headers of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `X-Webhook-Signature` (with the primary secret), absent when unsigned.
    pub kurnl_signature: Option<String>,
    /// `webhook-id`.
    pub webhook_id: String,
    /// `webhook-timestamp` (Unix seconds).
    pub webhook_timestamp: i64,
    /// `webhook-signature`, one signature per secret; absent when unsigned.
    pub webhook_signature: Option<String>,
}

impl SignedHeaders {
    /// Signs `body` for message `id` at `timestamp` with `secrets`: the first is the primary
    /// secret (the only one in `X-Webhook-Signature`, whose format has room for one); every
    /// secret gets a Standard Webhooks signature, so receivers still holding a previous secret
    /// during a rotation keep verifying. No secrets: unsigned (only id and timestamp are set).
    pub fn sign(secrets: &[Secret], id: &str, timestamp: i64, body: &[u8]) -> Self {
        let kurnl = secrets
            .first()
            .map(|primary| kurnl_signature(primary, body));
        let standard =
            (!secrets.is_empty()).then(|| standard_signatures(secrets, id, timestamp, body));
        Self {
            kurnl_signature: kurnl,
            webhook_id: id.to_owned(),
            webhook_timestamp: timestamp,
            webhook_signature: standard,
        }
    }

    /// The headers as (name, value) pairs, names in lower case.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::with_capacity(4);
        if let Some(sig) = &self.kurnl_signature {
            pairs.push((KURNL_SIGNATURE_HEADER, sig.clone()));
        }
        pairs.push((WEBHOOK_ID_HEADER, self.webhook_id.clone()));
        pairs.push((WEBHOOK_TIMESTAMP_HEADER, self.webhook_timestamp.to_string()));
        if let Some(sig) = &self.webhook_signature {
            pairs.push((WEBHOOK_SIGNATURE_HEADER, sig.clone()));
        }
        pairs
    }

    /// The headers as an [`http::HeaderMap`] (values that are not valid header text, which
    /// cannot happen for ids and base64 or hex signatures, are left out).
    pub fn to_header_map(&self) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in self.pairs() {
            if let Ok(value) = http::HeaderValue::from_str(&value) {
                map.insert(http::HeaderName::from_static(name), value);
            }
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kurnl_signature_known_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let sig = kurnl_signature(&Secret::new("Jefe"), b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn standard_known_vector() {
        // From the Standard Webhooks specification's reference tests.
        let key = SigningKey::standard(&Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        let body = br#"{"test": 2432232314}"#;
        let sig = standard_signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn plain_secret_keys_with_raw_bytes() {
        let a = SigningKey::standard(&Secret::new("plain-secret"));
        let b = SigningKey::from_bytes(b"plain-secret".to_vec());
        assert_eq!(
            standard_signature(&a, "id", 1, b"x"),
            standard_signature(&b, "id", 1, b"x")
        );
        // An invalid whsec_ secret falls back to its raw bytes.
        let c = SigningKey::standard(&Secret::new("whsec_!!!"));
        let d = SigningKey::from_bytes(b"whsec_!!!".to_vec());
        assert_eq!(
            standard_signature(&c, "id", 1, b"x"),
            standard_signature(&d, "id", 1, b"x")
        );
    }

    #[test]
    fn rotation_produces_one_signature_per_secret() {
        let secrets = [Secret::new("new"), Secret::new("old")];
        let h = SignedHeaders::sign(&secrets, "evt", 5, b"{}");
        let sigs = h.webhook_signature.unwrap_or_default();
        assert_eq!(sigs.split(' ').count(), 2);
        assert!(sigs.split(' ').all(|s| s.starts_with("v1,")));
        assert_eq!(h.kurnl_signature, Some(kurnl_signature(&secrets[0], b"{}")));
    }

    #[test]
    fn unsigned_without_secret() {
        let h = SignedHeaders::sign(&[], "evt", 5, b"{}");
        assert_eq!(h.kurnl_signature, None);
        assert_eq!(h.webhook_signature, None);
        assert_eq!(h.pairs().len(), 2);
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(
            format!("{:?}", SigningKey::from_bytes(b"k".to_vec())),
            "SigningKey(***)"
        );
    }
}

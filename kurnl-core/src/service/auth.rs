//! Authentication: API keys (stored as SHA-256) and webhook secrets (constant-time compare).

use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

use super::{Caller, Service};
use crate::error::{self, Error, Result};
use crate::model::ApiKeyRecord;
use crate::types::{ApiKeyId, ProviderId, Secret};

/// Prefix of production API keys.
pub const LIVE_KEY_PREFIX: &str = "krnl_live_";
/// Prefix of sandbox API keys.
pub const SANDBOX_KEY_PREFIX: &str = "krnl_sb_";

/// A freshly issued API key: the only time the plaintext exists.
#[derive(Debug, Clone)]
pub struct IssuedApiKey {
    /// Record id (for revocation).
    pub id: ApiKeyId,
    /// The key to hand to the provider (redacted in `Debug`).
    pub key: Secret,
}

/// Lower-case hex SHA-256 of a key, as stored.
pub fn api_key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl Service {
    /// Resolves an `X-API-Key` header to its provider and environment.
    ///
    /// # Errors
    /// 401 `X-API-Key header required` when absent, `Invalid API key` when unknown or revoked.
    pub async fn authenticate_api_key(&self, key: Option<&str>) -> Result<Caller> {
        let key = key
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or(Error::Unauthorized(error::API_KEY_REQUIRED))?;
        let record = self.store.find_api_key(&api_key_hash(key)).await?;
        match record {
            Some(r) if r.revoked_at.is_none() => Ok(Caller {
                provider_id: r.provider_id,
                sandbox: r.sandbox,
            }),
            _ => Err(Error::Unauthorized(error::INVALID_API_KEY)),
        }
    }

    /// Checks an `X-Webhook-Secret` header against the secrets of the provider named in the
    /// body (`service_provider_document_id`). The matching secret picks the environment. An
    /// unknown provider and a wrong secret answer the same.
    ///
    /// # Errors
    /// 401 `X-Webhook-Secret header required` / `Invalid webhook secret`.
    pub async fn authenticate_webhook_secret(
        &self,
        provider: Option<&str>,
        secret: Option<&str>,
    ) -> Result<Caller> {
        let secret = secret
            .filter(|s| !s.is_empty())
            .ok_or(Error::Unauthorized(error::WEBHOOK_SECRET_REQUIRED))?;
        let invalid = Error::Unauthorized(error::INVALID_WEBHOOK_SECRET);
        let Some(id) = provider.and_then(|p| uuid::Uuid::parse_str(p.trim()).ok()) else {
            return Err(invalid);
        };
        let Some(provider) = self.store.get_provider(ProviderId(id)).await? else {
            return Err(invalid);
        };
        // Both compared every time so timing does not tell which environment exists; a
        // rotation's previous secret is accepted until its overlap ends.
        let now = self.clock.now();
        let (live, sandbox) = (
            provider.live.accepts(secret, now),
            provider.sandbox.accepts(secret, now),
        );
        match (live, sandbox) {
            (true, _) => Ok(Caller {
                provider_id: provider.id,
                sandbox: false,
            }),
            (false, true) => Ok(Caller {
                provider_id: provider.id,
                sandbox: true,
            }),
            _ => Err(invalid),
        }
    }

    /// Issues a new random API key (`krnl_live_…` or `krnl_sb_…`) for a provider.
    ///
    /// # Errors
    /// 404 unknown provider; store failures.
    pub async fn issue_api_key(&self, provider: ProviderId, sandbox: bool) -> Result<IssuedApiKey> {
        let suffix: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(40)
            .map(char::from)
            .collect();
        let prefix = if sandbox {
            SANDBOX_KEY_PREFIX
        } else {
            LIVE_KEY_PREFIX
        };
        let key = format!("{prefix}{suffix}");
        let id = self.register_api_key(provider, &key).await?;
        Ok(IssuedApiKey {
            id,
            key: Secret::new(key),
        })
    }

    /// Registers a key chosen elsewhere (e.g. a demo inventory file). The prefix decides the
    /// environment; only the hash is stored.
    ///
    /// Idempotent by the key's hash: registering a key that is already stored returns the
    /// stored key's id and keeps its creation and revocation times (a revoked key stays
    /// revoked); when the stored key belongs to another provider it moves to `provider`. So an
    /// inventory file can be loaded again on every start.
    ///
    /// # Errors
    /// 422 when the key lacks a `krnl_live_` / `krnl_sb_` prefix or is shorter than 24
    /// characters; 404 unknown provider.
    pub async fn register_api_key(&self, provider: ProviderId, key: &str) -> Result<ApiKeyId> {
        let sandbox = if key.starts_with(SANDBOX_KEY_PREFIX) {
            true
        } else if key.starts_with(LIVE_KEY_PREFIX) {
            false
        } else {
            return Err(Error::Unprocessable(
                "API key must start with krnl_live_ or krnl_sb_".into(),
            ));
        };
        if key.len() < 24 {
            return Err(Error::Unprocessable(
                "API key must have at least 24 characters".into(),
            ));
        }
        if self.store.get_provider(provider).await?.is_none() {
            return Err(Error::NotFound("Provider not found".into()));
        }
        let key_hash = api_key_hash(key);
        if let Some(stored) = self.store.find_api_key(&key_hash).await? {
            return self.keep_api_key(stored, provider).await;
        }
        let record = ApiKeyRecord {
            id: self.new_id(),
            provider_id: provider,
            key_hash,
            display_prefix: key.chars().take(14).collect(),
            sandbox,
            created_at: self.clock.now(),
            revoked_at: None,
        };
        match self.store.put_api_key(&record).await {
            Ok(()) => Ok(record.id),
            // Another caller registered the same key meanwhile (the hash is unique in the
            // store): the key is stored, which is what this call asked for.
            Err(error) => match self.store.find_api_key(&record.key_hash).await? {
                Some(stored) => self.keep_api_key(stored, provider).await,
                None => Err(error.into()),
            },
        }
    }

    /// A key already stored under this hash: moved to `provider` when another one holds it.
    async fn keep_api_key(
        &self,
        mut stored: ApiKeyRecord,
        provider: ProviderId,
    ) -> Result<ApiKeyId> {
        if stored.provider_id != provider {
            stored.provider_id = provider;
            self.store.put_api_key(&stored).await?;
        }
        Ok(stored.id)
    }

    /// Revokes a key at once (rotation has no grace period).
    ///
    /// # Errors
    /// 404 unknown key.
    pub async fn revoke_api_key(&self, id: ApiKeyId) -> Result<()> {
        match self.store.revoke_api_key(id, self.clock.now()).await {
            Err(crate::ports::StoreError::NotFound(_)) => {
                Err(Error::NotFound("API key not found".into()))
            }
            other => Ok(other?),
        }
    }
}

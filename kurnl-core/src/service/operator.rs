//! The operator's credentials: operator keys (`krnl_op_…`, stored as SHA-256 in their own
//! table, so a provider key never opens an operator endpoint and an operator key never acts
//! as a provider).

use rand::Rng;
use rand::distributions::Alphanumeric;

use super::Service;
use super::auth::api_key_hash;
use crate::error::{Error, Result};
use crate::model::OperatorKeyRecord;
use crate::ports::{ConflictKind, StoreError};
use crate::types::{ApiKeyId, Secret};

/// Prefix of operator keys.
pub const OPERATOR_KEY_PREFIX: &str = "krnl_op_";
/// 401 without an `X-Operator-Key` header.
pub const OPERATOR_KEY_REQUIRED: &str = "X-Operator-Key header required";
/// 401 for an unknown or revoked operator key.
pub const INVALID_OPERATOR_KEY: &str = "Invalid operator key";

/// Who is calling an operator endpoint: the key that matched (never the key itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    /// The operator key's record id.
    pub key_id: ApiKeyId,
}

/// A freshly issued operator key: the only time the plaintext exists.
#[derive(Debug, Clone)]
pub struct IssuedOperatorKey {
    /// Record id (for revocation).
    pub id: ApiKeyId,
    /// The key (redacted in `Debug`).
    pub key: Secret,
}

impl Service {
    /// Resolves an `X-Operator-Key` header.
    ///
    /// # Errors
    /// 401 [`OPERATOR_KEY_REQUIRED`] when absent, [`INVALID_OPERATOR_KEY`] when unknown or
    /// revoked (a provider's API key is unknown here).
    pub async fn authenticate_operator_key(&self, key: Option<&str>) -> Result<Operator> {
        let key = key
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or(Error::Unauthorized(OPERATOR_KEY_REQUIRED))?;
        match self.store.find_operator_key(&api_key_hash(key)).await? {
            Some(r) if r.revoked_at.is_none() => Ok(Operator { key_id: r.id }),
            _ => Err(Error::Unauthorized(INVALID_OPERATOR_KEY)),
        }
    }

    /// Issues a new random operator key (`krnl_op_` and 40 characters).
    ///
    /// # Errors
    /// 422 for an empty label; store failures.
    pub async fn issue_operator_key(&self, label: &str) -> Result<IssuedOperatorKey> {
        let suffix: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(40)
            .map(char::from)
            .collect();
        let key = format!("{OPERATOR_KEY_PREFIX}{suffix}");
        let id = self.register_operator_key(label, &key).await?;
        Ok(IssuedOperatorKey {
            id,
            key: Secret::new(key),
        })
    }

    /// Registers an operator key chosen elsewhere (an environment variable of the server);
    /// only its hash is stored. Idempotent by the hash: a key already stored keeps its id,
    /// label and revocation (a revoked key stays revoked), so a server can register its
    /// configured key on every start.
    ///
    /// # Errors
    /// 422 when the key lacks the `krnl_op_` prefix, is shorter than 24 characters, or the
    /// label is empty.
    pub async fn register_operator_key(&self, label: &str, key: &str) -> Result<ApiKeyId> {
        if !key.starts_with(OPERATOR_KEY_PREFIX) {
            return Err(Error::Unprocessable(format!(
                "operator key must start with {OPERATOR_KEY_PREFIX}"
            )));
        }
        if key.len() < 24 {
            return Err(Error::Unprocessable(
                "operator key must have at least 24 characters".into(),
            ));
        }
        if label.trim().is_empty() {
            return Err(Error::Unprocessable(
                "operator key label must not be empty".into(),
            ));
        }
        let key_hash = api_key_hash(key);
        if let Some(stored) = self.store.find_operator_key(&key_hash).await? {
            return Ok(stored.id);
        }
        let record = OperatorKeyRecord {
            id: self.new_id(),
            key_hash,
            display_prefix: key.chars().take(14).collect(),
            label: label.trim().to_owned(),
            created_at: self.clock.now(),
            revoked_at: None,
        };
        match self.store.put_operator_key(&record).await {
            Ok(()) => Ok(record.id),
            // Registered by another process meanwhile (the hash is unique in the store).
            Err(StoreError::Conflict(ConflictKind::DuplicateId)) => self
                .store
                .find_operator_key(&record.key_hash)
                .await?
                .map(|k| k.id)
                .ok_or_else(|| Error::Internal("operator key vanished".into())),
            Err(e) => Err(e.into()),
        }
    }

    /// Every operator key (hashes included; show only ids, prefixes and labels).
    ///
    /// # Errors
    /// Store failures only.
    pub async fn operator_keys(&self) -> Result<Vec<OperatorKeyRecord>> {
        Ok(self.store.list_operator_keys().await?)
    }

    /// Revokes an operator key at once.
    ///
    /// # Errors
    /// 404 unknown key.
    pub async fn revoke_operator_key(&self, id: ApiKeyId) -> Result<()> {
        match self.store.revoke_operator_key(id, self.clock.now()).await {
            Err(StoreError::NotFound(_)) => Err(Error::NotFound("Operator key not found".into())),
            other => Ok(other?),
        }
    }
}

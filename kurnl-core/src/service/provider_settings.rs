//! A provider's settings and credentials, for the operator (any provider) and for the
//! provider itself (its own, with its own API key): webhook and checkout URLs, webhook secret
//! rotation with an overlap, API key issue, list and revocation.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde::{Deserialize, Serialize};

use super::fields::{Fields, uuid};
use super::{Caller, Service};
use crate::error::{Error, Result};
use crate::model::{ApiKeyRecord, Provider, WebhookEndpoint};
use crate::types::{ApiKeyId, InvalidValue, ProviderId, Secret};

/// The overlap of a rotation when the request names none: one day.
pub const DEFAULT_ROTATION_OVERLAP_SECS: u32 = 86_400;
/// The longest overlap a rotation may ask for: seven days.
pub const MAX_ROTATION_OVERLAP_SECS: u32 = 7 * 86_400;

/// Body of a settings change: a field left out stays as it is, `null` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettingsUpdate {
    /// Production webhook URL (http or https).
    #[serde(default, deserialize_with = "super::requests::present_or_null")]
    pub webhook_url: Option<Option<String>>,
    /// Sandbox webhook URL (http or https).
    #[serde(default, deserialize_with = "super::requests::present_or_null")]
    pub sandbox_webhook_url: Option<Option<String>>,
    /// The provider's checkout page (http or https).
    #[serde(default, deserialize_with = "super::requests::present_or_null")]
    pub external_checkout_url: Option<Option<String>>,
}

/// A provider's settings as the operator and the provider read them (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderSettingsView {
    /// `service_provider_document_id`.
    pub provider_id: ProviderId,
    /// Display name.
    pub name: String,
    /// `kurnl` or `provider`.
    pub billing_mode: &'static str,
    /// Production webhook URL.
    pub webhook_url: Option<String>,
    /// Sandbox webhook URL.
    pub sandbox_webhook_url: Option<String>,
    /// The provider's checkout page.
    pub external_checkout_url: Option<String>,
    /// Whether a production webhook secret is set.
    pub webhook_secret_set: bool,
    /// Whether a sandbox webhook secret is set.
    pub sandbox_webhook_secret_set: bool,
    /// While a production rotation overlaps: when the previous secret stops working.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_webhook_secret_valid_until: Option<DateTime<Utc>>,
    /// While a sandbox rotation overlaps: when the previous secret stops working.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_sandbox_webhook_secret_valid_until: Option<DateTime<Utc>>,
}

/// Body of a webhook secret rotation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateSecretRequest {
    /// Operator only: rotate the sandbox secret instead of the production one (a provider
    /// rotates the secret of its key's environment).
    pub sandbox: Option<bool>,
    /// How long the previous secret keeps signing and opening external checkout:
    /// 0..=604800 seconds, one day by default (`3600.0` counts as the integer it is).
    #[serde(default, deserialize_with = "super::requests::integral_u32")]
    pub overlap_seconds: Option<u32>,
}

/// The new secret of a rotation: shown once.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct RotatedSecretView {
    /// The environment rotated.
    pub sandbox: bool,
    /// The new secret (`whsec_…`); deliveries are signed with it from now on.
    pub webhook_secret: String,
    /// Until then deliveries also carry a signature with the previous secret, and the
    /// previous secret still opens external checkout. Absent when there was no previous
    /// secret or the overlap is 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for RotatedSecretView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotatedSecretView")
            .field("sandbox", &self.sandbox)
            .field("webhook_secret", &"[redacted]")
            .field(
                "previous_secret_valid_until",
                &self.previous_secret_valid_until,
            )
            .finish()
    }
}

/// Body of an API key issue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueKeyRequest {
    /// Operator only: a sandbox key (`krnl_sb_`) instead of a production one (a provider gets
    /// a key of its own key's environment).
    pub sandbox: Option<bool>,
}

/// An API key as listed: never the key, never its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKeyView {
    /// Id, for revocation.
    pub id: ApiKeyId,
    /// The key's first characters.
    pub display_prefix: String,
    /// A `krnl_sb_` key.
    pub sandbox: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Set once revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&ApiKeyRecord> for ApiKeyView {
    fn from(k: &ApiKeyRecord) -> Self {
        Self {
            id: k.id,
            display_prefix: k.display_prefix.clone(),
            sandbox: k.sandbox,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A freshly issued API key: the only time it is shown.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct IssuedKeyView {
    /// The record.
    #[serde(flatten)]
    pub record: ApiKeyView,
    /// The key itself.
    pub key: String,
}

impl std::fmt::Debug for IssuedKeyView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKeyView")
            .field("record", &self.record)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// Whose settings a call changes, and with what right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsActor {
    /// The network operator: any provider, both environments.
    Operator,
    /// The provider, through one of its API keys: its own settings; a sandbox key only the
    /// sandbox ones.
    Provider(Caller),
}

impl SettingsActor {
    /// The environment a provider's key may act on, or the operator's choice.
    pub(super) fn environment(self, asked: Option<bool>) -> bool {
        match self {
            Self::Operator => asked.unwrap_or(false),
            Self::Provider(caller) => caller.sandbox,
        }
    }
}

impl Service {
    pub(super) async fn provider_for(&self, id: &str) -> Result<Provider> {
        let not_found = || Error::NotFound("Provider not found".into());
        let id: ProviderId = uuid(id).map_err(|_| not_found())?;
        self.store.get_provider(id).await?.ok_or_else(not_found)
    }

    /// The operator's view of a provider's settings (`GET /operator/providers/{id}`) or, with
    /// the provider's own id, the provider's (`GET /provider/settings`).
    ///
    /// # Errors
    /// 404 `Provider not found`.
    pub async fn provider_settings(&self, provider_id: &str) -> Result<ProviderSettingsView> {
        let p = self.provider_for(provider_id).await?;
        Ok(self.settings_view(&p))
    }

    /// Every provider's settings, by name (`GET /operator/providers`).
    ///
    /// # Errors
    /// A store failure.
    pub async fn list_provider_settings(&self) -> Result<Vec<ProviderSettingsView>> {
        let all = self.store.list_providers().await?;
        Ok(all.iter().map(|p| self.settings_view(p)).collect())
    }

    fn settings_view(&self, p: &Provider) -> ProviderSettingsView {
        let now = self.clock.now();
        let until = |e: &WebhookEndpoint| e.previous_at(now).and(e.previous_secret_until);
        ProviderSettingsView {
            provider_id: p.id,
            name: p.name.clone(),
            billing_mode: match p.billing_mode {
                crate::model::BillingMode::Kurnl => "kurnl",
                crate::model::BillingMode::Provider => "provider",
            },
            webhook_url: p.live.url.clone(),
            sandbox_webhook_url: p.sandbox.url.clone(),
            external_checkout_url: p.external_checkout_url.clone(),
            webhook_secret_set: p.live.secret.is_some(),
            sandbox_webhook_secret_set: p.sandbox.secret.is_some(),
            previous_webhook_secret_valid_until: until(&p.live),
            previous_sandbox_webhook_secret_valid_until: until(&p.sandbox),
        }
    }

    /// Changes a provider's URLs; the new webhook URL is used from the next delivery on.
    ///
    /// # Errors
    /// 404 `Provider not found`; 422 naming the field for a URL that is not http(s);
    /// 403 when a sandbox API key tries to change a production setting.
    pub async fn update_provider_settings(
        &self,
        actor: SettingsActor,
        provider_id: &str,
        update: ProviderSettingsUpdate,
    ) -> Result<ProviderSettingsView> {
        let mut p = self.provider_for(provider_id).await?;
        if let SettingsActor::Provider(caller) = actor
            && caller.sandbox
            && (update.webhook_url.is_some() || update.external_checkout_url.is_some())
        {
            return Err(Error::Forbidden(
                "A sandbox API key can change only sandbox settings".into(),
            ));
        }
        let mut f = Fields::body();
        let mut check = |field: &str, value: Option<Option<String>>| {
            value.map(|v| v.and_then(|url| f.check(&[field], http_url(&url))))
        };
        let webhook_url = check("webhook_url", update.webhook_url);
        let sandbox_webhook_url = check("sandbox_webhook_url", update.sandbox_webhook_url);
        let checkout_url = check("external_checkout_url", update.external_checkout_url);
        f.finish()?;
        if let Some(url) = webhook_url {
            p.live.url = url;
        }
        if let Some(url) = sandbox_webhook_url {
            p.sandbox.url = url;
        }
        if let Some(url) = checkout_url {
            p.external_checkout_url = url;
        }
        self.store.put_provider(&p).await?;
        tracing::info!(provider = %p.id, ?actor, "provider settings changed");
        Ok(self.settings_view(&p))
    }

    /// Gives an environment a new random webhook secret. The previous one keeps signing
    /// (a second `webhook-signature` entry) and keeps opening external checkout for the
    /// overlap; a rotation during an overlap replaces the older previous secret.
    ///
    /// # Errors
    /// 404 `Provider not found`; 422 for an overlap over seven days.
    pub async fn rotate_webhook_secret(
        &self,
        actor: SettingsActor,
        provider_id: &str,
        request: RotateSecretRequest,
    ) -> Result<RotatedSecretView> {
        let mut p = self.provider_for(provider_id).await?;
        let mut f = Fields::body();
        let overlap = request
            .overlap_seconds
            .unwrap_or(DEFAULT_ROTATION_OVERLAP_SECS);
        if overlap > MAX_ROTATION_OVERLAP_SECS {
            f.push(
                &["overlap_seconds"],
                InvalidValue::new(
                    "value_error.number",
                    format!("overlap_seconds must be at most {MAX_ROTATION_OVERLAP_SECS}"),
                ),
            );
        }
        f.finish()?;
        let sandbox = actor.environment(request.sandbox);
        let now = self.clock.now();
        let new_secret = format!(
            "whsec_{}",
            rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(32)
                .map(char::from)
                .collect::<String>()
        );
        let endpoint = if sandbox { &mut p.sandbox } else { &mut p.live };
        let previous = endpoint.secret.replace(Secret::new(new_secret.clone()));
        let until = (overlap > 0 && previous.is_some())
            .then(|| now + Duration::seconds(i64::from(overlap)));
        endpoint.previous_secret = until.and(previous);
        endpoint.previous_secret_until = until;
        self.store.put_provider(&p).await?;
        tracing::info!(provider = %p.id, sandbox, ?actor, overlap_seconds = overlap, "webhook secret rotated");
        Ok(RotatedSecretView {
            sandbox,
            webhook_secret: new_secret,
            previous_secret_valid_until: until,
        })
    }

    /// A provider's API keys, revoked ones included, oldest first (a provider sees the keys
    /// of its key's environment).
    ///
    /// # Errors
    /// 404 `Provider not found`.
    pub async fn provider_api_keys(
        &self,
        actor: SettingsActor,
        provider_id: &str,
    ) -> Result<Vec<ApiKeyView>> {
        let p = self.provider_for(provider_id).await?;
        let keys = self.store.list_api_keys(p.id).await?;
        Ok(keys
            .iter()
            .filter(|k| match actor {
                SettingsActor::Operator => true,
                SettingsActor::Provider(caller) => k.sandbox == caller.sandbox,
            })
            .map(ApiKeyView::from)
            .collect())
    }

    /// Issues a new API key for a provider; the only time the key is shown.
    ///
    /// # Errors
    /// 404 `Provider not found`.
    pub async fn issue_provider_api_key(
        &self,
        actor: SettingsActor,
        provider_id: &str,
        request: IssueKeyRequest,
    ) -> Result<IssuedKeyView> {
        let p = self.provider_for(provider_id).await?;
        let sandbox = actor.environment(request.sandbox);
        let issued = self.issue_api_key(p.id, sandbox).await?;
        let record = self
            .store
            .list_api_keys(p.id)
            .await?
            .into_iter()
            .find(|k| k.id == issued.id)
            .ok_or_else(|| Error::Internal("issued key not stored".into()))?;
        tracing::info!(provider = %p.id, sandbox, ?actor, key = %record.display_prefix, "API key issued");
        Ok(IssuedKeyView {
            record: ApiKeyView::from(&record),
            key: issued.key.expose().to_owned(),
        })
    }

    /// Revokes one of a provider's API keys at once (a provider may revoke the key it calls
    /// with; the next call with it is 401).
    ///
    /// # Errors
    /// 404 `Provider not found`, or `API key not found` for a key of another provider (or,
    /// for a provider, of its other environment).
    pub async fn revoke_provider_api_key(
        &self,
        actor: SettingsActor,
        provider_id: &str,
        key_id: &str,
    ) -> Result<ApiKeyView> {
        let not_found = || Error::NotFound("API key not found".into());
        let keys = self.provider_api_keys(actor, provider_id).await?;
        let id: ApiKeyId = uuid(key_id).map_err(|_| not_found())?;
        let key = keys
            .into_iter()
            .find(|k| k.id == id)
            .ok_or_else(not_found)?;
        self.revoke_api_key(id).await?;
        tracing::info!(?actor, key = %key.display_prefix, "API key revoked");
        let keys = self.provider_api_keys(actor, provider_id).await?;
        keys.into_iter().find(|k| k.id == id).ok_or_else(not_found)
    }
}

/// An http(s) URL of at most 2048 characters without white space or control characters.
///
/// The OpenAPI pattern of these fields says the same: `\s` of JSON Schema's (ECMA-262) regular
/// expressions plus the C0 and C1 controls. Rust's `char::is_whitespace` differs from ECMA's
/// `\s` in two characters, NEL (U+0085, a C1 control, refused either way) and U+FEFF (refused
/// here explicitly), so that a value the published schema allows is never refused.
fn http_url(raw: &str) -> std::result::Result<String, InvalidValue> {
    let url = raw.trim();
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    let host_ok = url.split("://").nth(1).is_some_and(|rest| {
        rest.split(['/', '?', '#'])
            .next()
            .is_some_and(|h| !h.is_empty())
    });
    let short = url.chars().count() <= 2048;
    let forbidden = |c: char| c.is_whitespace() || c.is_control() || c == '\u{feff}';
    if scheme_ok && host_ok && short && !url.chars().any(forbidden) {
        Ok(url.to_owned())
    } else {
        Err(InvalidValue::new(
            "value_error.url",
            "must be an http or https URL with a host (at most 2048 characters)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::http_url;

    #[test]
    fn urls_with_white_space_or_control_characters_are_refused() {
        for bad in [
            "https://\u{ea}\u{fd}\u{85}6K",
            "https://host/\u{1}",
            "https://host/a\u{7f}",
            "https://host/a\u{feff}",
            "https://host/a b",
            "https:///path",
            "ftp://host",
        ] {
            assert!(http_url(bad).is_err(), "{bad:?} was accepted");
        }
        for good in [
            "https://\u{ea}\u{fd}.example/x?y#z",
            "http://127.0.0.1:9000/hooks",
        ] {
            assert_eq!(
                http_url(good).ok().as_deref(),
                Some(good),
                "{good:?} was refused"
            );
        }
    }
}

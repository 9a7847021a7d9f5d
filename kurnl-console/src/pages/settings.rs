//! Settings: integration URLs, webhook secret rotation and API keys of one provider. A new
//! secret or key is shown once, on the page that answers the action, and never again.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use kurnl_core::service::{
    ApiKeyView, IssueKeyRequest, ProviderSettingsUpdate, RotateSecretRequest, SettingsActor,
};
use kurnl_core::types::ProviderId;
use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, back, own_provider, scoped};
use crate::errors::{ConsoleError, detail_text};
use crate::layout::{csrf_field, flash, page, when};
use crate::state::{Console, User};

/// The page's query.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SettingsQuery {
    provider: Option<String>,
    #[serde(flatten)]
    flash: Flash,
}

/// Who acts: the operator, or the provider in the environment the form names (a provider's
/// console account holds both of its environments, as its live and sandbox keys together do).
fn actor(user: &User, provider: ProviderId, sandbox: bool) -> SettingsActor {
    if user.is_operator() {
        SettingsActor::Operator
    } else {
        SettingsActor::Provider(User::caller(provider, sandbox))
    }
}

/// A provider's keys of both environments, oldest first.
async fn all_keys(
    console: &Console,
    user: &User,
    provider: ProviderId,
) -> Result<Vec<ApiKeyView>, ConsoleError> {
    let service = console.service();
    let id = provider.to_string();
    if user.is_operator() {
        return Ok(service
            .provider_api_keys(SettingsActor::Operator, &id)
            .await?);
    }
    let mut keys = service
        .provider_api_keys(actor(user, provider, false), &id)
        .await?;
    keys.extend(
        service
            .provider_api_keys(actor(user, provider, true), &id)
            .await?,
    );
    keys.sort_by_key(|k| k.created_at);
    Ok(keys)
}

async fn render(
    console: &Console,
    user: &User,
    asked: Option<&str>,
    f: &Flash,
    shown_once: Option<Markup>,
) -> Result<Markup, ConsoleError> {
    let (provider, picker) = scoped(console, user, asked, "/settings").await?;
    let service = console.service();
    let s = service.provider_settings(&provider.to_string()).await?;
    let keys = all_keys(console, user, provider).await?;
    let url = |path: &str| console.url(&format!("/settings/{provider}{path}"));
    let body = html! {
        (flash(f.msg.as_deref(), f.err.as_deref()))
        @if let Some(m) = shown_once { (m) }
        (picker)
        h2 { "Integration" }
        form method="post" action=(url("/urls")) class="stack" {
            (csrf_field(user))
            label for="webhook_url" { "Webhook URL" }
            input id="webhook_url" name="webhook_url" type="url" size="60" value=(s.webhook_url.as_deref().unwrap_or(""));
            label for="external_checkout_url" { "External checkout URL" }
            input id="external_checkout_url" name="external_checkout_url" type="url" size="60" value=(s.external_checkout_url.as_deref().unwrap_or(""));
            label for="sandbox_webhook_url" { "Sandbox webhook URL" }
            input id="sandbox_webhook_url" name="sandbox_webhook_url" type="url" size="60" value=(s.sandbox_webhook_url.as_deref().unwrap_or(""));
            p { button type="submit" { "Save URLs" } }
        }
        h2 { "Webhook secret" }
        p { "Production secret " @if s.webhook_secret_set { "set" } @else { "not set" }
            @if let Some(t) = s.previous_webhook_secret_valid_until { "; the previous one still signs until " (when(t)) } }
        form method="post" action=(url("/rotate")) class="inline"
            onsubmit="return confirm('Rotate the webhook secret? The old one keeps working for 24 hours.')" {
            (csrf_field(user))
            label { input type="checkbox" name="sandbox" value="true"; " sandbox" }
            button type="submit" { "Rotate secret" }
        }
        h2 { "API keys" }
        div class="scroll" { table {
            thead { tr { th { "Key" } th { "World" } th { "Created" } th { "Revoked" } th { "" } } }
            tbody { @for k in &keys {
                tr { td { code { (k.display_prefix) "…" } } td { @if k.sandbox { "sandbox" } @else { "live" } }
                    td { (when(k.created_at)) } td { @if let Some(r) = k.revoked_at { (when(r)) } }
                    td { @if k.revoked_at.is_none() {
                        form method="post" action=(url(&format!("/api-keys/{}/revoke", k.id))) class="inline"
                            onsubmit="return confirm('Revoke this key? Calls with it fail at once.')" {
                            (csrf_field(user))
                            @if k.sandbox { input type="hidden" name="sandbox" value="true"; }
                            button type="submit" { "Revoke" } }
                    } }
                }
            } }
        } }
        form method="post" action=(url("/api-keys")) class="inline" {
            (csrf_field(user))
            label { input type="checkbox" name="sandbox" value="true"; " sandbox" }
            button type="submit" { "Issue a key" }
        }
    };
    Ok(page(console, user, "/settings", "Settings", body))
}

/// `GET /settings`.
pub(crate) async fn show(
    State(console): State<Console>,
    user: User,
    Query(q): Query<SettingsQuery>,
) -> Result<Markup, ConsoleError> {
    render(&console, &user, q.provider.as_deref(), &q.flash, None).await
}

/// The URL form.
#[derive(Deserialize)]
pub(crate) struct UrlForm {
    webhook_url: String,
    external_checkout_url: String,
    sandbox_webhook_url: String,
}

fn field(v: &str) -> Option<Option<String>> {
    Some(Some(v.trim().to_owned()).filter(|s| !s.is_empty()))
}

/// `POST /settings/{provider}/urls`: saves the URLs, then sends a test ping to each webhook
/// URL that changed (as the kurnl dashboard does, gap G23) and says how it went.
pub(crate) async fn save_urls(
    State(console): State<Console>,
    user: User,
    Path(p): Path<String>,
    Form(form): Form<UrlForm>,
) -> Response {
    let outcome = async {
        let provider = own_provider(&console, &user, &p).await?;
        let service = console.service();
        let before = service.provider_settings(&p).await?;
        let update = ProviderSettingsUpdate {
            webhook_url: field(&form.webhook_url),
            external_checkout_url: field(&form.external_checkout_url),
            sandbox_webhook_url: field(&form.sandbox_webhook_url),
        };
        let after = service
            .update_provider_settings(actor(&user, provider, false), &p, update)
            .await?;
        let mut said = vec!["URLs saved".to_owned()];
        for (sandbox, old, new) in [
            (false, &before.webhook_url, &after.webhook_url),
            (
                true,
                &before.sandbox_webhook_url,
                &after.sandbox_webhook_url,
            ),
        ] {
            if new.is_some() && old != new {
                // The URLs are saved whatever the ping says.
                let ping = service
                    .send_test_ping(actor(&user, provider, sandbox), &p, Some(sandbox))
                    .await;
                said.push(match ping {
                    Ok(ping) => ping.summary(),
                    Err(e) => format!("no test ping: {}", detail_text(&e)),
                });
            }
        }
        Ok(said.join("; "))
    }
    .await;
    back(&console, &format!("/settings?provider={p}"), outcome)
}

/// The sandbox checkbox of rotation and key forms.
#[derive(Deserialize)]
pub(crate) struct WorldForm {
    sandbox: Option<String>,
}

fn once(title: &str, value: &str) -> Markup {
    html! { div class="secret" role="status" { p { strong { (title) } " (shown once: copy it now)" }
    code id="shown-once" { (value) } " " button type="button" data-copy=(value) { "Copy" } } }
}

/// `POST /settings/{provider}/rotate`.
pub(crate) async fn rotate(
    State(console): State<Console>,
    user: User,
    Path(p): Path<String>,
    Form(form): Form<WorldForm>,
) -> Response {
    let secret = async {
        let provider = own_provider(&console, &user, &p).await?;
        let request = RotateSecretRequest {
            sandbox: Some(form.sandbox.is_some()),
            overlap_seconds: None,
        };
        let r = console
            .service()
            .rotate_webhook_secret(actor(&user, provider, form.sandbox.is_some()), &p, request)
            .await?;
        let title = if r.sandbox {
            "New sandbox webhook secret"
        } else {
            "New webhook secret"
        };
        Ok(once(title, &r.webhook_secret))
    }
    .await;
    shown_once(&console, &user, &p, secret).await
}

/// The settings page again with a value shown once on it, or back with the error.
async fn shown_once(
    console: &Console,
    user: &User,
    p: &str,
    value: Result<Markup, ConsoleError>,
) -> Response {
    let page = match value {
        Ok(value) => render(console, user, Some(p), &Flash::default(), Some(value)).await,
        Err(e) => Err(e),
    };
    match page {
        Ok(m) => m.into_response(),
        Err(e) => back(console, &format!("/settings?provider={p}"), Err(e)),
    }
}

/// `POST /settings/{provider}/api-keys`.
pub(crate) async fn issue_key(
    State(console): State<Console>,
    user: User,
    Path(p): Path<String>,
    Form(form): Form<WorldForm>,
) -> Response {
    let key = async {
        let provider = own_provider(&console, &user, &p).await?;
        let issued = console
            .service()
            .issue_provider_api_key(
                actor(&user, provider, form.sandbox.is_some()),
                &p,
                IssueKeyRequest {
                    sandbox: Some(form.sandbox.is_some()),
                },
            )
            .await?;
        Ok(once("New API key", &issued.key))
    }
    .await;
    shown_once(&console, &user, &p, key).await
}

/// `POST /settings/{provider}/api-keys/{key}/revoke`.
pub(crate) async fn revoke_key(
    State(console): State<Console>,
    user: User,
    Path((p, key)): Path<(String, String)>,
    Form(form): Form<WorldForm>,
) -> Response {
    let outcome = async {
        let provider = own_provider(&console, &user, &p).await?;
        let k = console
            .service()
            .revoke_provider_api_key(actor(&user, provider, form.sandbox.is_some()), &p, &key)
            .await?;
        Ok(format!("Key {}… revoked", k.display_prefix))
    }
    .await;
    back(&console, &format!("/settings?provider={p}"), outcome)
}

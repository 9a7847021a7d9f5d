//! One file per page; this one holds what they share: the flash message of a redirect
//! after an action and the provider picker of operator pages.

pub(crate) mod buildings;
pub(crate) mod drift;
pub(crate) mod jobs;
pub(crate) mod login;
pub(crate) mod network;
pub(crate) mod sandbox;
pub(crate) mod settings;
pub(crate) mod subscriptions;
pub(crate) mod webhooks;

use axum::response::{IntoResponse, Redirect, Response};
use kurnl_core::service::ProviderSettingsView;
use kurnl_core::types::ProviderId;
use maud::{Markup, html};
use serde::Deserialize;

use crate::errors::{ConsoleError, detail_text};
use crate::state::{Console, User};

/// `?msg=...&err=...` set by an action's redirect.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Flash {
    pub(crate) msg: Option<String>,
    pub(crate) err: Option<String>,
}

/// Back to `path` (which may hold a query) with the outcome of an action as its flash.
/// A refusal of the account itself (403) stays a 403.
pub(crate) fn back(
    console: &Console,
    path: &str,
    outcome: Result<String, ConsoleError>,
) -> Response {
    let (key, text) = match outcome {
        Ok(msg) => ("msg", msg),
        Err(ConsoleError::Service(e)) => ("err", detail_text(&e)),
        Err(ConsoleError::NotFound(t) | ConsoleError::Failed(t)) => ("err", t),
        Err(other) => return other.into_response(),
    };
    let sep = if path.contains('?') { '&' } else { '?' };
    let text: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
    let target = format!("{}{path}{sep}{key}={text}", console.url(""));
    // A query may echo what a form sent (a provider id that did not parse); what cannot go
    // in a Location header is dropped with the query, never a panic.
    if axum::http::HeaderValue::from_str(&target).is_ok() {
        Redirect::to(&target).into_response()
    } else {
        let page = path.split('?').next().unwrap_or_default();
        Redirect::to(&format!("{}{page}?{key}={text}", console.url(""))).into_response()
    }
}

/// Whether a `world` parameter names the sandbox (anything else is live).
pub(crate) fn is_sandbox(world: Option<&str>) -> bool {
    world == Some("sandbox")
}

pub(crate) fn world_name(sandbox: bool) -> &'static str {
    if sandbox { "sandbox" } else { "live" }
}

/// The environment picker of the page's forms.
pub(crate) fn world_select(id: &str, sandbox: bool) -> Markup {
    html! {
        label for=(id) { "Environment" }
        select id=(id) name="world" {
            option value="live" selected[!sandbox] { "live" }
            option value="sandbox" selected[sandbox] { "sandbox" }
        }
    }
}

/// Every provider (for the operator's picker and scope checks).
pub(crate) async fn providers(
    console: &Console,
) -> Result<Vec<ProviderSettingsView>, ConsoleError> {
    Ok(console.service().list_provider_settings().await?)
}

/// The provider an action names, once the account may act for it (its own, or any for the
/// operator).
pub(crate) async fn own_provider(
    console: &Console,
    user: &User,
    provider: &str,
) -> Result<ProviderId, ConsoleError> {
    let all: Vec<ProviderId> = providers(console)
        .await?
        .iter()
        .map(|p| p.provider_id)
        .collect();
    user.provider_scope(Some(provider), &all)
}

/// The provider a page is about and the picker the operator switches with.
pub(crate) async fn scoped(
    console: &Console,
    user: &User,
    asked: Option<&str>,
    page: &str,
) -> Result<(ProviderId, Markup), ConsoleError> {
    let all = providers(console).await?;
    let ids: Vec<ProviderId> = all.iter().map(|p| p.provider_id).collect();
    let provider = user.provider_scope(asked, &ids)?;
    let picker = if user.is_operator() {
        html! {
            form method="get" action=(console.url(page)) class="inline" {
                label for="provider" { "Provider" }
                select id="provider" name="provider" {
                    @for p in &all {
                        option value=(p.provider_id) selected[p.provider_id == provider] { (p.name) }
                    }
                }
                button type="submit" { "Show" }
            }
        }
    } else {
        let name = all
            .iter()
            .find(|p| p.provider_id == provider)
            .map(|p| p.name.clone());
        html! { p { "Provider: " strong { (name.unwrap_or_default()) } } }
    };
    Ok((provider, picker))
}

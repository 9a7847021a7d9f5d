//! Webhooks: a provider's delivery log (filter by status) and replaying what failed.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use kurnl_core::service::{DeliveryListQuery, ReplayRequest};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, back, scoped};
use crate::errors::ConsoleError;
use crate::layout::{badge, csrf_field, flash, page, when};
use crate::state::{Console, User};

/// Filters of the log.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeliveryFilter {
    provider: Option<String>,
    status: Option<String>,
    #[serde(flatten)]
    flash: Flash,
}

fn status_name(s: &kurnl_core::model::DeliveryStatus) -> String {
    format!("{s:?}").to_ascii_lowercase()
}

/// `GET /webhooks`.
pub(crate) async fn show(
    State(console): State<Console>,
    user: User,
    Query(q): Query<DeliveryFilter>,
) -> Result<Markup, ConsoleError> {
    let (provider, picker) = scoped(&console, &user, q.provider.as_deref(), "/webhooks").await?;
    let status = q.status.clone().filter(|s| !s.is_empty());
    let log = console
        .service()
        .list_deliveries(
            &User::caller(provider, false),
            DeliveryListQuery {
                page: Some(1),
                page_size: Some(100),
                status: status.clone(),
                ..DeliveryListQuery::default()
            },
        )
        .await?;
    let since = (chrono::Utc::now() - chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let body = html! {
        (flash(q.flash.msg.as_deref(), q.flash.err.as_deref()))
        (picker)
        @if let Some(d) = &log.endpoint_disabled { p role="alert" class="error" { "The endpoint answered 410 Gone and is disabled since " (when(d.disabled_at)) "; a replay enables it again." } }
        form method="get" action=(console.url("/webhooks")) class="inline" {
            input type="hidden" name="provider" value=(provider);
            label for="status" { "Status" }
            select id="status" name="status" {
                @for s in ["", "pending", "delivered", "failed"] { option value=(s) selected[status.as_deref() == Some(s)] { @if s.is_empty() { "any" } @else { (s) } } }
            }
            button type="submit" { "Filter" }
        }
        h2 { "Replay" }
        form method="post" action=(console.url("/webhooks/replay")) class="inline" {
            (csrf_field(&user))
            input type="hidden" name="provider" value=(provider);
            label for="since" { "Failed deliveries since (UTC)" }
            input id="since" name="since" type="datetime-local" value=(since) required;
            button type="submit" { "Replay failed deliveries" }
        }
        h2 { "Deliveries (" (log.total) ")" }
        div class="scroll" { table {
            thead { tr { th { "Event" } th { "Status" } th { "Attempts" } th { "Created" } th { "Last attempt" } th { "Event id" } } }
            tbody { @for d in &log.results {
                tr data-event=(d.event_id) {
                    td { (d.event) } td { (badge(&status_name(&d.status))) } td { (d.attempts) } td { (when(d.created_at)) }
                    td { @if let Some(a) = &d.last_attempt {
                        @if let Some(c) = a.status_code { "HTTP " (c) } " "
                        @if let Some(e) = &a.error { span class="error" { (e) } }
                    } }
                    td { code { (d.event_id) } }
                }
            } }
        } }
    };
    Ok(page(&console, &user, "/webhooks", "Webhooks", body))
}

/// The replay form.
#[derive(Deserialize)]
pub(crate) struct ReplayForm {
    provider: String,
    since: String,
}

/// `POST /webhooks/replay`: queues the failed deliveries since the given time again.
pub(crate) async fn replay(
    State(console): State<Console>,
    user: User,
    Form(form): Form<ReplayForm>,
) -> Response {
    let all = super::providers(&console)
        .await
        .map(|p| p.iter().map(|p| p.provider_id).collect::<Vec<_>>());
    let outcome = async {
        let provider = user.provider_scope(Some(&form.provider), &all?)?;
        // datetime-local sends "YYYY-MM-DDTHH:MM" without a zone; the page says UTC.
        let since = match form.since.len() {
            16 => format!("{}:00Z", form.since),
            _ => form.since.clone(),
        };
        let done = console
            .service()
            .replay_deliveries(
                &User::caller(provider, false),
                ReplayRequest {
                    since: Some(since),
                    status: Some("failed".into()),
                    ..ReplayRequest::default()
                },
            )
            .await?;
        Ok(format!("{} deliveries queued again", done.queued))
    }
    .await;
    back(
        &console,
        &format!("/webhooks?provider={}", form.provider),
        outcome,
    )
}

//! Webhooks: a provider's delivery log per environment (filter by status), replaying what
//! failed, and a test ping of the webhook URL.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use kurnl_core::service::{DeliveryListQuery, ReplayRequest, SettingsActor};
use kurnl_core::types::ProviderId;
use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, back, is_sandbox, own_provider, scoped, world_name, world_select};
use crate::errors::ConsoleError;
use crate::layout::{badge, csrf_field, flash, page, when};
use crate::state::{Console, User};

/// Filters of the log.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeliveryFilter {
    provider: Option<String>,
    status: Option<String>,
    /// `sandbox` for the sandbox environment's deliveries; live otherwise.
    world: Option<String>,
    #[serde(flatten)]
    flash: Flash,
}

/// The log's address for a provider and environment.
fn log_path(provider: &str, sandbox: bool) -> String {
    format!(
        "/webhooks?provider={provider}&world={}",
        world_name(sandbox)
    )
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
    let sandbox = is_sandbox(q.world.as_deref());
    let log = console
        .service()
        .list_deliveries(
            &User::caller(provider, sandbox),
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
            (world_select("world", sandbox))
            label for="status" { "Status" }
            select id="status" name="status" {
                @for s in ["", "pending", "delivered", "failed"] { option value=(s) selected[status.as_deref() == Some(s)] { @if s.is_empty() { "any" } @else { (s) } } }
            }
            button type="submit" { "Filter" }
        }
        h2 { "Test ping" }
        form method="post" action=(console.url("/webhooks/ping")) class="inline" {
            (csrf_field(&user))
            input type="hidden" name="provider" value=(provider);
            input type="hidden" name="world" value=(world_name(sandbox));
            button type="submit" { "Send a test ping to the " (world_name(sandbox)) " webhook URL" }
        }
        h2 { "Replay" }
        form method="post" action=(console.url("/webhooks/replay")) class="inline" {
            (csrf_field(&user))
            input type="hidden" name="provider" value=(provider);
            input type="hidden" name="world" value=(world_name(sandbox));
            label for="since" { "Failed deliveries since (UTC)" }
            input id="since" name="since" type="datetime-local" value=(since) required;
            button type="submit" { "Replay failed deliveries" }
        }
        h2 { "Deliveries, " (world_name(sandbox)) " (" (log.total) ")" }
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
    world: Option<String>,
    since: String,
}

/// `POST /webhooks/replay`: queues the failed deliveries since the given time again.
pub(crate) async fn replay(
    State(console): State<Console>,
    user: User,
    Form(form): Form<ReplayForm>,
) -> Response {
    let sandbox = is_sandbox(form.world.as_deref());
    let outcome = async {
        let provider = own_provider(&console, &user, &form.provider).await?;
        // datetime-local sends "YYYY-MM-DDTHH:MM" without a zone; the page says UTC.
        let since = match form.since.len() {
            16 => format!("{}:00Z", form.since),
            _ => form.since.clone(),
        };
        let done = console
            .service()
            .replay_deliveries(
                &User::caller(provider, sandbox),
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
    back(&console, &log_path(&form.provider, sandbox), outcome)
}

/// The test ping form.
#[derive(Deserialize)]
pub(crate) struct PingForm {
    provider: String,
    world: Option<String>,
}

/// `POST /webhooks/ping`: one signed test ping to the environment's webhook URL, its answer
/// shown at once (nothing is stored or retried).
pub(crate) async fn ping(
    State(console): State<Console>,
    user: User,
    Form(form): Form<PingForm>,
) -> Response {
    let sandbox = is_sandbox(form.world.as_deref());
    let outcome = async {
        let provider: ProviderId = own_provider(&console, &user, &form.provider).await?;
        let actor = if user.is_operator() {
            SettingsActor::Operator
        } else {
            SettingsActor::Provider(User::caller(provider, sandbox))
        };
        let ping = console
            .service()
            .send_test_ping(actor, &form.provider, Some(sandbox))
            .await?;
        let summary = ping.summary();
        if ping.acknowledged || !ping.url_set {
            Ok(summary)
        } else {
            Err(ConsoleError::Failed(summary))
        }
    }
    .await;
    back(&console, &log_path(&form.provider, sandbox), outcome)
}

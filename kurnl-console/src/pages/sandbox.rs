//! Sandbox: test locations (free ports' location hashes) and a try-it panel that makes a
//! real sandbox provider-initiated call, then follows its job live.

use axum::Form;
use axum::extract::{Path, Query, State};
use kurnl_core::service::ProvisionRequest;
use maud::{Markup, html};
use serde::Deserialize;

use super::scoped;
use crate::errors::{ConsoleError, detail_text};
use crate::layout::{badge, csrf_field, page};
use crate::state::{Console, User};

/// The page's query.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SandboxQuery {
    provider: Option<String>,
}

/// Location hashes of ports without a live subscription.
async fn test_locations(console: &Console) -> Result<Vec<(String, String)>, ConsoleError> {
    let service = console.service();
    let mut out = Vec::new();
    for sw in service.network_switches().await? {
        for p in service.switch_ports(&sw.switch_id.to_string()).await? {
            if p.subscription.is_none() {
                for h in &p.location_hashes {
                    out.push((h.to_string(), format!("{} port {}", sw.name, p.port_number)));
                }
            }
        }
    }
    Ok(out)
}

/// `GET /sandbox`.
pub(crate) async fn show(
    State(console): State<Console>,
    user: User,
    Query(q): Query<SandboxQuery>,
) -> Result<Markup, ConsoleError> {
    let (provider, picker) = scoped(&console, &user, q.provider.as_deref(), "/sandbox").await?;
    let plans = console
        .service()
        .my_plan_versions(&User::caller(provider, true))
        .await?;
    let locations = test_locations(&console).await?;
    let body = html! {
        (picker)
        p { "Sandbox calls write real records and send real webhooks to the sandbox URL; no switch is touched." }
        h2 { "Test locations" }
        div class="scroll" { table {
            thead { tr { th { "Location hash" } th { "Port" } } }
            tbody { @for (h, port) in &locations { tr { td { code { (h) } " " button type="button" data-copy=(h) { "Copy" } } td { (port) } } } }
        } }
        h2 { "Try it: provider-initiated provisioning" }
        form hx-post=(console.url(&format!("/sandbox/{provider}/try"))) hx-target="#try-result" class="stack" {
            (csrf_field(&user))
            label for="plan_version_id" { "Plan" }
            select id="plan_version_id" name="plan_version_id" { @for p in &plans { option value=(p.document_id) { (p.name) } } }
            label for="location_hash" { "Location" }
            select id="location_hash" name="location_hash" { @for (h, port) in &locations { option value=(h) { (port) " — " (h) } } }
            label for="email" { "Email" } input id="email" name="email" type="email" required value="try-it@example.com";
            label for="firstname" { "First name" } input id="firstname" name="firstname" required value="Sandbox";
            label for="lastname" { "Last name" } input id="lastname" name="lastname" required value="Tester";
            @for (name, label, value) in [("street", "Street", "Main Street"), ("housenumber", "House number", "1"),
                ("postalcode", "Postal code", "H2X 1Y4"), ("city", "City", "Montreal"), ("province", "Province", "QC")] {
                label for=(name) { (label) } input id=(name) name=(name) required value=(value);
            }
            p { button type="submit" { "Send the sandbox call" } }
        }
        div id="try-result" aria-live="polite" {}
    };
    Ok(page(&console, &user, "/sandbox", "Sandbox", body))
}

/// The try-it form.
#[derive(Deserialize)]
pub(crate) struct TryForm {
    plan_version_id: String,
    location_hash: String,
    email: String,
    firstname: String,
    lastname: String,
    street: String,
    housenumber: String,
    postalcode: String,
    city: String,
    province: String,
}

/// `POST /sandbox/{provider}/try`: the call, answered by a fragment that follows the job.
pub(crate) async fn try_it(
    State(console): State<Console>,
    user: User,
    Path(p): Path<String>,
    Form(form): Form<TryForm>,
) -> Result<Markup, ConsoleError> {
    let all: Vec<_> = super::providers(&console)
        .await?
        .iter()
        .map(|p| p.provider_id)
        .collect();
    let provider = user.provider_scope(Some(&p), &all)?;
    let request = ProvisionRequest {
        plan_version_id: Some(form.plan_version_id),
        location_hash: Some(form.location_hash),
        email: Some(form.email),
        firstname: Some(form.firstname),
        lastname: Some(form.lastname),
        street: Some(form.street),
        housenumber: Some(form.housenumber),
        postalcode: Some(form.postalcode),
        city: Some(form.city),
        province: Some(form.province),
        ..ProvisionRequest::default()
    };
    match console
        .service()
        .provider_initiated(&User::caller(provider, true), request)
        .await
    {
        Ok(r) => Ok(html! {
            p role="status" { "Answer: " (r.message) " — subscription " code { (r.subscription_id) } }
            @if let Some(job) = r.job_id { (job_fragment(&console, provider, &job.to_string(), None)) }
        }),
        Err(e) => Ok(
            html! { p role="alert" class="error" { "Refused (" (e.status()) "): " (detail_text(&e)) } },
        ),
    }
}

fn job_fragment(
    console: &Console,
    provider: kurnl_core::types::ProviderId,
    job: &str,
    status: Option<&str>,
) -> Markup {
    let finished = matches!(status, Some("completed" | "failed" | "cancelled"));
    html! {
        @if finished {
            p id="try-job" data-status=(status.unwrap_or("")) { "Job " code { (job) } " " (badge(status.unwrap_or(""))) }
        } @else {
            p id="try-job" data-status=(status.unwrap_or("queued"))
                hx-get=(console.url(&format!("/sandbox/{provider}/jobs/{job}"))) hx-trigger="every 1s" hx-swap="outerHTML" {
                "Job " code { (job) } " " (badge(status.unwrap_or("pending"))) " (following it live)" }
        }
    }
}

/// `GET /sandbox/{provider}/jobs/{job}`: the job's status, polled until it finishes.
pub(crate) async fn job(
    State(console): State<Console>,
    user: User,
    Path((p, job)): Path<(String, String)>,
) -> Result<Markup, ConsoleError> {
    let all: Vec<_> = super::providers(&console)
        .await?
        .iter()
        .map(|p| p.provider_id)
        .collect();
    let provider = user.provider_scope(Some(&p), &all)?;
    let view = console
        .service()
        .job_status(&User::caller(provider, true), &job)
        .await?;
    Ok(job_fragment(&console, provider, &job, Some(view.status)))
}

//! Jobs: queued, running and failed port jobs with their errors, refreshed live; the
//! operator retries a failed job or cancels a queued one. A provider sees its own jobs.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use kurnl_core::service::JobListQuery;
use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, back};
use crate::errors::ConsoleError;
use crate::layout::{badge, csrf_field, flash, page, when};
use crate::state::{Console, User};

/// Filters of the job list.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct JobFilter {
    status: Option<String>,
    #[serde(flatten)]
    flash: Flash,
}

const STATUSES: &[&str] = &["", "pending", "running", "failed", "completed", "cancelled"];

async fn table(
    console: &Console,
    user: &User,
    status: Option<&str>,
) -> Result<Markup, ConsoleError> {
    let provider_id = match user.session.role {
        crate::accounts::AccountRole::Provider(p) => Some(p.to_string()),
        crate::accounts::AccountRole::Operator => None,
    };
    // The console reads through the operator call; a provider's view is pinned to its own id.
    let op = &crate::state::CONSOLE_OPERATOR;
    let page = console
        .service()
        .operator_list_jobs(
            op,
            JobListQuery {
                status: status.filter(|s| !s.is_empty()).map(str::to_owned),
                provider_id,
                limit: Some(100),
                ..JobListQuery::default()
            },
        )
        .await?;
    let query = status.map(|s| format!("?status={s}")).unwrap_or_default();
    Ok(html! {
        div id="jobs" hx-get=(console.url(&format!("/jobs/table{query}"))) hx-trigger={"every " (console.config().refresh_ms) "ms"} hx-swap="outerHTML" {
            div class="scroll" { table {
                thead { tr { th { "Job" } th { "Action" } th { "Status" } th { "Port" } th { "Attempts" } th { "Updated" } th { "Error" } th { span class="visually-hidden" { "Actions" } } } }
                tbody { @for j in &page.results {
                    tr id={"job-" (j.job_id)} data-job=(j.job_id) {
                        td { code { (j.job_id) } @if j.sandbox { " (sandbox)" } }
                        td { (j.action) }
                        td { (badge(j.status)) }
                        td { code { (j.interface) } }
                        td { (j.attempts) }
                        td { (when(j.updated_at)) }
                        td { @if let Some(e) = &j.last_error { span class="error" { (e) } } }
                        td { @if user.is_operator() {
                            @if j.status == "failed" {
                                form method="post" action=(console.url(&format!("/jobs/{}/retry", j.job_id))) class="inline" {
                                    (csrf_field(user)) button type="submit" { "Retry" } }
                            }
                            @if j.status == "pending" {
                                form method="post" action=(console.url(&format!("/jobs/{}/cancel", j.job_id))) class="inline"
                                    onsubmit="return confirm('Cancel this queued job? The provider is told it failed.')" {
                                    (csrf_field(user)) button type="submit" { "Cancel" } }
                            }
                        } }
                    }
                } }
            } }
            @if page.results.is_empty() { p { "No job." } }
        }
    })
}

/// `GET /jobs`.
pub(crate) async fn show(
    State(console): State<Console>,
    user: User,
    Query(q): Query<JobFilter>,
) -> Result<Markup, ConsoleError> {
    let status = q.status.as_deref();
    let table = table(&console, &user, status).await?;
    let body = html! {
        (flash(q.flash.msg.as_deref(), q.flash.err.as_deref()))
        form method="get" action=(console.url("/jobs")) class="inline" {
            label for="status" { "Status" }
            select id="status" name="status" {
                @for s in STATUSES { option value=(s) selected[status == Some(*s)] { @if s.is_empty() { "any" } @else { (s) } } }
            }
            button type="submit" { "Filter" }
        }
        (table)
    };
    Ok(page(&console, &user, "/jobs", "Jobs", body))
}

/// `GET /jobs/table`: the live part of the page (htmx polls it).
pub(crate) async fn live_table(
    State(console): State<Console>,
    user: User,
    Query(q): Query<JobFilter>,
) -> Result<Markup, ConsoleError> {
    table(&console, &user, q.status.as_deref()).await
}

/// `POST /jobs/{id}/retry`.
pub(crate) async fn retry(
    State(console): State<Console>,
    user: User,
    Path(id): Path<String>,
) -> Response {
    let outcome = async {
        let job = console
            .service()
            .operator_retry_job(user.operator()?, &id)
            .await?;
        Ok(format!("Job {} queued again", job.job_id))
    }
    .await;
    back(&console, "/jobs", outcome)
}

/// `POST /jobs/{id}/cancel`.
pub(crate) async fn cancel(
    State(console): State<Console>,
    user: User,
    Path(id): Path<String>,
) -> Response {
    let outcome = async {
        let job = console
            .service()
            .operator_cancel_job(user.operator()?, &id)
            .await?;
        Ok(format!("Job {} cancelled", job.job_id))
    }
    .await;
    back(&console, "/jobs", outcome)
}

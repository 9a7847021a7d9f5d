//! Jobs: queued, running and failed port jobs with their errors, newest first, 100 a page and
//! the first page refreshed live; the operator retries a failed job or cancels a queued one.
//! A provider sees its own jobs.

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
    /// The page after this job (keyset paging, as `GET /operator/jobs`).
    after: Option<String>,
    #[serde(flatten)]
    flash: Flash,
}

impl JobFilter {
    fn status(&self) -> Option<&str> {
        self.status.as_deref().filter(|s| !s.is_empty())
    }

    fn after(&self) -> Option<&str> {
        self.after.as_deref().filter(|s| !s.is_empty())
    }
}

/// `?status=..&after=..` of a filter, empty parts left out.
fn query(status: Option<&str>, after: Option<&str>) -> String {
    let parts: Vec<String> = [("status", status), ("after", after)]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

const STATUSES: &[&str] = &["", "pending", "running", "failed", "completed", "cancelled"];

async fn table(console: &Console, user: &User, f: &JobFilter) -> Result<Markup, ConsoleError> {
    let (status, after) = (f.status(), f.after());
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
                status: status.map(str::to_owned),
                provider_id,
                after: after.map(str::to_owned),
                limit: Some(100),
                ..JobListQuery::default()
            },
        )
        .await?;
    // Only the first page refreshes: a later one would shift under the reader.
    let live = after.is_none();
    let refresh = format!("every {}ms", console.config().refresh_ms);
    Ok(html! {
        div id="jobs" hx-get=[live.then(|| console.url(&format!("/jobs/table{}", query(status, None))))]
            hx-trigger=[live.then_some(refresh)] hx-swap="outerHTML" {
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
            nav aria-label="Job pages" class="pages" {
                @if after.is_some() { a href=(console.url(&format!("/jobs{}", query(status, None)))) { "Newest jobs" } }
                @if let Some(next) = page.next_after {
                    a href=(console.url(&format!("/jobs{}", query(status, Some(&next.to_string()))))) { "Older jobs" }
                }
            }
        }
    })
}

/// `GET /jobs`.
pub(crate) async fn show(
    State(console): State<Console>,
    user: User,
    Query(q): Query<JobFilter>,
) -> Result<Markup, ConsoleError> {
    let status = q.status();
    let table = table(&console, &user, &q).await?;
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
    table(&console, &user, &q).await
}

/// `POST /jobs/{id}/{action}`: `retry` a failed job or `cancel` a queued one (operator).
pub(crate) async fn act(
    State(console): State<Console>,
    user: User,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let outcome = async {
        let op = user.operator()?;
        let service = console.service();
        let (job, done) = match action.as_str() {
            "retry" => (service.operator_retry_job(op, &id).await?, "queued again"),
            "cancel" => (service.operator_cancel_job(op, &id).await?, "cancelled"),
            other => return Err(ConsoleError::NotFound(format!("No job action {other}"))),
        };
        Ok(format!("Job {} {done}", job.job_id))
    }
    .await;
    back(&console, "/jobs", outcome)
}

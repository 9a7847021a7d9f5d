//! Network (operator): switches, their ports with location hash and a copy button, live
//! subscription, last applied state, the last job and its error (refreshed live); disable or
//! enable a switch.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kurnl_core::service::{JobListQuery, SwitchRequest};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, back};
use crate::errors::ConsoleError;
use crate::layout::{badge, csrf_field, flash, page, when};
use crate::state::{Console, User};

/// Every switch with its ports: the live part of the page, which htmx polls.
async fn switches(console: &Console, user: &User) -> Result<Markup, ConsoleError> {
    let op = user.operator()?;
    let service = console.service();
    let switches = service.network_switches().await?;
    let mut sections = Vec::new();
    for sw in &switches {
        let ports = service.switch_ports(&sw.switch_id.to_string()).await?;
        let last = service
            .operator_list_jobs(
                op,
                JobListQuery {
                    switch_id: Some(sw.switch_id.to_string()),
                    limit: Some(1),
                    ..JobListQuery::default()
                },
            )
            .await?
            .results
            .into_iter()
            .next();
        sections.push(html! {
            section aria-labelledby={"sw-" (sw.switch_id)} {
                h2 id={"sw-" (sw.switch_id)} { (sw.name) " " @if sw.disabled { (badge("disabled")) } }
                p { (sw.driver) " at " code { (sw.address) ":" (sw.ssh_port) } ", captive VLAN " (sw.captive_vlan)
                    ", up to " (sw.max_sessions) " sessions" }
                form method="post" action=(console.url(&format!("/network/switches/{}/disabled", sw.switch_id))) class="inline" {
                    (csrf_field(user))
                    input type="hidden" name="disabled" value=(if sw.disabled { "false" } else { "true" });
                    button type="submit" { @if sw.disabled { "Enable" } @else { "Disable (maintenance)" } }
                }
                @if let Some(job) = &last {
                    p { "Last job: " (job.action) " " (badge(job.status)) " " (when(job.updated_at))
                        @if let Some(e) = &job.last_error { " — " span class="error" { (e) } } }
                }
                div class="scroll" { table {
                    thead { tr { th { "Port" } th { "Interface" } th { "Location hash" } th { "Subscription" } th { "Last applied" } } }
                    tbody { @for p in &ports {
                        tr data-port=(p.port_number) {
                            td { (p.port_number) }
                            td { code { (p.interface) } }
                            td { @for h in &p.location_hashes {
                                code class="hash" { (h) } " "
                                button type="button" data-copy=(h) { span class="copy-state" { "Copy" } span class="visually-hidden" { " location hash of port " (p.port_number) } }
                            } }
                            td { @if let Some(s) = &p.subscription { (badge(s.status)) " " code { (s.subscription_id) } } @else { "free" } }
                            td { @if let Some(a) = &p.last_applied {
                                "VLAN " (a.config.vlan)
                                @if let Some(r) = &a.config.rate { ", " (r.down.get()) "/" (r.up.get()) " kbps" }
                                @if !a.config.enabled { ", shut down" }
                                ", " (when(a.at))
                            } @else { "never" } }
                        }
                    } }
                } }
            }
        });
    }
    let refresh = format!("every {}ms", console.config().refresh_ms);
    Ok(html! {
        div id="switches" hx-get=(console.url("/network/live")) hx-trigger=(refresh) hx-swap="outerHTML" {
            @if switches.is_empty() { p { "No switch yet." } }
            @for s in &sections { (s) }
        }
    })
}

/// `GET /network`.
pub(crate) async fn show(
    State(console): State<Console>,
    user: User,
    Query(f): Query<Flash>,
) -> Result<Markup, ConsoleError> {
    let live = switches(&console, &user).await?;
    let body = html! {
        (flash(f.msg.as_deref(), f.err.as_deref()))
        (live)
    };
    Ok(page(&console, &user, "/network", "Network", body))
}

/// `GET /network/live`: the switches and ports again, for the page's refresh.
pub(crate) async fn live(
    State(console): State<Console>,
    user: User,
) -> Result<Markup, ConsoleError> {
    switches(&console, &user).await
}

/// The disable/enable form.
#[derive(Deserialize)]
pub(crate) struct DisabledForm {
    disabled: bool,
}

/// `POST /network/switches/{id}/disabled`.
pub(crate) async fn set_disabled(
    State(console): State<Console>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<DisabledForm>,
) -> Response {
    let outcome = async {
        user.operator()?;
        let update = SwitchRequest {
            disabled: Some(form.disabled),
            ..SwitchRequest::default()
        };
        let sw = console.service().update_switch(&id, update).await?;
        Ok(format!(
            "{} is {}",
            sw.name,
            if sw.disabled {
                "disabled: its queue waits"
            } else {
                "enabled"
            }
        ))
    }
    .await;
    back(&console, "/network", outcome)
}

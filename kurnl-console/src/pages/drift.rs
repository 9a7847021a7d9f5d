//! Drift (operator): each switch's last drift audit and when the next is due, and the
//! drifted ports the audit found — what kurnl applied against what the switch showed, what
//! was done and the repair job — filtered by switch.

use std::collections::HashMap;

use axum::extract::{Query, State};
use kurnl_core::model::PortConfig;
use kurnl_core::service::{DriftFindingView, DriftListQuery, SwitchAuditView, SwitchView};
use kurnl_core::types::SwitchId;
use maud::{Markup, html};
use serde::Deserialize;

use crate::errors::ConsoleError;
use crate::layout::{badge, page, when};
use crate::state::{Console, User};

/// How many findings the page shows.
const FINDINGS_SHOWN: u32 = 200;

/// The page's filter.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DriftFilter {
    /// A switch id; empty or absent: every switch.
    switch: Option<String>,
}

/// `GET /drift`.
pub(crate) async fn show(
    State(console): State<Console>,
    user: User,
    Query(q): Query<DriftFilter>,
) -> Result<Markup, ConsoleError> {
    let op = user.operator()?;
    let service = console.service();
    let selected = q.switch.filter(|s| !s.is_empty());
    let switches = service.network_switches().await?;
    let audits = service.operator_list_audits(op).await?;
    let findings = service
        .operator_list_drift(
            op,
            DriftListQuery {
                switch_id: selected.clone(),
                limit: Some(FINDINGS_SHOWN),
                ..DriftListQuery::default()
            },
        )
        .await?;
    let body = render(&console, &switches, &audits, &findings, selected.as_deref());
    Ok(page(&console, &user, "/drift", "Drift", body))
}

/// The page body: the switch filter, the audits and the findings.
fn render(
    console: &Console,
    switches: &[SwitchView],
    audits: &[SwitchAuditView],
    findings: &[DriftFindingView],
    selected: Option<&str>,
) -> Markup {
    let names: HashMap<SwitchId, &str> = switches
        .iter()
        .map(|s| (s.switch_id, s.name.as_str()))
        .collect();
    let by_switch: HashMap<SwitchId, &SwitchAuditView> =
        audits.iter().map(|a| (a.switch_id, a)).collect();
    let shown: Vec<&SwitchView> = switches
        .iter()
        .filter(|s| selected.is_none_or(|id| s.switch_id.to_string() == id))
        .collect();
    html! {
        form method="get" action=(console.url("/drift")) class="inline" {
            label for="switch" { "Switch" }
            select id="switch" name="switch" {
                option value="" selected[selected.is_none()] { "any" }
                @for s in switches {
                    option value=(s.switch_id) selected[selected == Some(s.switch_id.to_string().as_str())] { (s.name) }
                }
            }
            button type="submit" { "Filter" }
        }
        h2 { "Audits" }
        div class="scroll" { table id="audits" {
            thead { tr { th { "Switch" } th { "Outcome" } th { "Policy" } th { "Ports checked" } th { "Drifted" }
                th { "Unreadable" } th { "Error" } th { "Finished" } th { "Next due" } } }
            tbody { @for sw in &shown {
                @let audit = by_switch.get(&sw.switch_id);
                @let last = audit.and_then(|a| a.last.as_ref());
                tr data-switch=(sw.switch_id) {
                    td { (sw.name) }
                    @if let Some(l) = last {
                        td { (badge(l.outcome)) }
                        td { (l.policy) }
                        td { (l.ports_checked) }
                        td { (l.drifted) }
                        td { (l.unreadable) }
                        td { @if let Some(e) = &l.error { span class="error" { (e) } } }
                        td { (when(l.finished_at)) }
                    } @else {
                        td { "not audited yet" } td {} td {} td {} td {} td {} td {}
                    }
                    td { @if let Some(a) = audit { (when(a.next_due_at)) } @else { "not scheduled" } }
                }
            } }
        } }
        @if shown.is_empty() { p { "No switch." } }
        h2 { "Findings (" (findings.len()) ")" }
        div class="scroll" { table id="findings" {
            thead { tr { th { "Detected" } th { "Switch" } th { "Interface" } th { "Drifted" }
                th { "VLAN" } th { "Enabled" } th { "MAC" } th { "Description" } th { "Rate" }
                th { "Action" } th { "Repair job" } } }
            tbody { @for f in findings {
                tr data-drift=(f.drift_id) {
                    td { (when(f.detected_at)) }
                    td { (names.get(&f.switch_id).copied().unwrap_or("(deleted switch)")) }
                    td { code { (f.interface) } " (port " (f.port_number) ")" }
                    td { (f.drifted.join(", "))
                        @if f.actual.is_none() { br; small { "configuration kurnl cannot read back" } } }
                    (compare(f, "vlan", |c| c.vlan.to_string()))
                    (compare(f, "enabled", |c| if c.enabled { "up".to_owned() } else { "shut down".to_owned() }))
                    (compare(f, "mac", |c| c.mac.map_or_else(|| "none".to_owned(), |m| m.to_string())))
                    (compare(f, "description", |c| c.description.as_str().to_owned()))
                    (compare(f, "rate", rate))
                    td { (badge(f.action)) }
                    td { @if let Some(job) = f.repair_job_id {
                        a href=(console.url(&format!("/jobs#job-{job}"))) { code { (job) } }
                    } }
                }
            } }
        } }
        @if findings.is_empty() { p { "No drift found." } }
    }
}

/// Rate limits as people read them.
fn rate(c: &PortConfig) -> String {
    c.rate.as_ref().map_or_else(
        || "none".to_owned(),
        |r| format!("{}/{} kbps", r.down.get(), r.up.get()),
    )
}

/// One field of a finding: what kurnl applied and, when it drifted, what the switch showed.
fn compare(
    f: &DriftFindingView,
    field: &'static str,
    show: impl Fn(&PortConfig) -> String,
) -> Markup {
    let desired = show(&f.desired);
    let drifted = f.drifted.contains(&field);
    html! {
        td class=[drifted.then_some("drifted")] {
            @if drifted {
                span class="visually-hidden" { "applied " } (desired)
                " → "
                span class="visually-hidden" { "switch shows " }
                strong { @match &f.actual { Some(a) => (show(a)), None => "unreadable" } }
            } @else {
                (desired)
            }
        }
    }
}

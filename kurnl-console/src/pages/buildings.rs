//! Buildings and units (operator): each unit's status, and confirming a home-drop install by
//! hand (pick the switch and port the technician patched).

use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use kurnl_core::service::ConfirmInstallRequest;
use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, back};
use crate::errors::ConsoleError;
use crate::layout::{badge, csrf_field, flash, page};
use crate::state::{Console, User};

/// `GET /buildings`.
pub(crate) async fn show(
    State(console): State<Console>,
    user: User,
    Query(f): Query<Flash>,
) -> Result<Markup, ConsoleError> {
    user.operator()?;
    let service = console.service();
    let switches = service.network_switches().await?;
    let buildings = service.network_buildings().await?;
    let mut sections = Vec::new();
    for b in &buildings {
        let units = service.building_units(&b.building_id.to_string()).await?;
        sections.push(html! {
            section {
                h2 { (b.name) } @if let Some(a) = &b.address { p { (a) } }
                div class="scroll" { table {
                    thead { tr { th { "Unit" } th { "Floor" } th { "Status" } th { "Subscription" } th { "Confirm install" } } }
                    tbody { @for u in &units {
                        tr data-unit=(u.unit_id) {
                            td { (u.label) }
                            td { (u.floor.as_deref().unwrap_or("")) }
                            td { (badge(u.status)) }
                            td { @if let Some(s) = &u.subscription_id { code { (s) } } }
                            td { @if let (Some(s), "pending_install") = (&u.subscription_id, u.status) {
                                form method="post" action=(console.url("/buildings/confirm-install")) class="inline" {
                                    (csrf_field(&user))
                                    input type="hidden" name="subscription_id" value=(s);
                                    label for={"sw-" (u.unit_id)} { "Switch" }
                                    select id={"sw-" (u.unit_id)} name="switch_id" {
                                        @for sw in &switches { option value=(sw.switch_id) { (sw.name) } }
                                    }
                                    label for={"port-" (u.unit_id)} { "Port" }
                                    input id={"port-" (u.unit_id)} name="port_number" type="number" min="1" max="65535" required size="5";
                                    button type="submit" { "Confirm install" }
                                }
                            } }
                        }
                    } }
                } }
            }
        });
    }
    let body = html! {
        (flash(f.msg.as_deref(), f.err.as_deref()))
        @if buildings.is_empty() { p { "No building yet." } }
        @for s in &sections { (s) }
    };
    Ok(page(
        &console,
        &user,
        "/buildings",
        "Buildings and units",
        body,
    ))
}

/// The confirm-install form.
#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    subscription_id: String,
    switch_id: String,
    port_number: String,
}

/// `POST /buildings/confirm-install`: the documented confirm-install on the subscription's
/// provider's behalf.
pub(crate) async fn confirm(
    State(console): State<Console>,
    user: User,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let outcome = async {
        let op = user.operator()?;
        let port_number = form.port_number.trim().parse::<u32>().map_err(|_| {
            ConsoleError::Failed(format!(
                "port_number: not a port number: {}",
                form.port_number
            ))
        })?;
        let response = console
            .service()
            .operator_confirm_install(
                op,
                ConfirmInstallRequest {
                    subscription_id: Some(form.subscription_id.clone()),
                    switch_id: Some(form.switch_id.clone()),
                    port_number: Some(port_number),
                },
            )
            .await?;
        Ok(format!("Install confirmed: {}", response.message))
    }
    .await;
    back(&console, "/buildings", outcome)
}

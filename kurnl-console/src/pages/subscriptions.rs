//! Subscriptions: filter by status and provider, search by email or name, lifecycle actions
//! (suspend, reactivate, cancel) with a confirmation.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kurnl_core::service::{PageQuery, SubscriberListQuery};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, back, scoped};
use crate::errors::ConsoleError;
use crate::layout::{badge, csrf_field, flash, page};
use crate::state::{Console, User};

/// Filters of the list.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SubscriptionFilter {
    provider: Option<String>,
    status: Option<String>,
    search: Option<String>,
    #[serde(flatten)]
    flash: Flash,
}

const STATUSES: &[&str] = &[
    "",
    "PENDING",
    "PENDING_INSTALL",
    "ACTIVE",
    "SUSPENDED",
    "CANCELLED",
];

/// `GET /subscriptions`.
pub(crate) async fn show(
    State(console): State<Console>,
    user: User,
    Query(q): Query<SubscriptionFilter>,
) -> Result<Markup, ConsoleError> {
    let (provider, picker) =
        scoped(&console, &user, q.provider.as_deref(), "/subscriptions").await?;
    let caller = User::caller(provider, false);
    let service = console.service();
    let subscribers = service
        .list_subscribers(
            &caller,
            SubscriberListQuery {
                page: Some(1),
                page_size: Some(50),
                status: q.status.clone().filter(|s| !s.is_empty()),
                search: q.search.clone().filter(|s| !s.is_empty()),
            },
        )
        .await?;
    let mut rows = Vec::new();
    for s in &subscribers.results {
        let subs = service
            .list_subscriber_subscriptions(
                &caller,
                &s.subscriber_id.to_string(),
                PageQuery::default(),
            )
            .await?;
        for sub in subs.results {
            rows.push((
                s.email.clone(),
                format!("{} {}", s.firstname, s.lastname),
                sub,
            ));
        }
    }
    let back_to = format!("/subscriptions?provider={provider}");
    let body = html! {
        (flash(q.flash.msg.as_deref(), q.flash.err.as_deref()))
        (picker)
        form method="get" action=(console.url("/subscriptions")) class="inline" {
            input type="hidden" name="provider" value=(provider);
            label for="status" { "Status" }
            select id="status" name="status" {
                @for s in STATUSES { option value=(s) selected[q.status.as_deref() == Some(*s)] { @if s.is_empty() { "any" } @else { (s) } } }
            }
            label for="search" { "Email or name" }
            input id="search" name="search" type="search" value=(q.search.as_deref().unwrap_or(""));
            button type="submit" { "Search" }
        }
        p { (subscribers.total) " subscribers" }
        div class="scroll" { table {
            thead { tr { th { "Email" } th { "Name" } th { "Status" } th { "Subscription" } th { "Actions" } } }
            tbody { @for (email, name, sub) in &rows {
                tr data-subscription=(sub.subscription_id) {
                    td { (email) } td { (name) } td { (badge(&sub.status.to_string())) }
                    td { code { (sub.subscription_id) } }
                    td { @for (action, label, allowed) in [
                        ("suspend", "Suspend", sub.status.to_string() == "ACTIVE"),
                        ("reactivate", "Reactivate", sub.status.to_string() == "SUSPENDED"),
                        ("cancel", "Cancel", sub.status.to_string() != "CANCELLED"),
                    ] { @if allowed {
                        form method="post" action=(console.url(&format!("/subscriptions/{}/{action}", sub.subscription_id))) class="inline"
                            onsubmit={"return confirm('" (label) " the subscription of " (email.replace('\'', "")) "?')"} {
                            (csrf_field(&user))
                            input type="hidden" name="provider" value=(provider);
                            button type="submit" { (label) }
                        }
                    } } }
                }
            } }
        } }
        input type="hidden" id="back" value=(back_to);
    };
    Ok(page(
        &console,
        &user,
        "/subscriptions",
        "Subscriptions",
        body,
    ))
}

/// The lifecycle form.
#[derive(Deserialize)]
pub(crate) struct ActionForm {
    provider: String,
}

/// `POST /subscriptions/{id}/{action}`.
pub(crate) async fn act(
    State(console): State<Console>,
    user: User,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    let all = super::providers(&console)
        .await
        .map(|p| p.iter().map(|p| p.provider_id).collect::<Vec<_>>());
    let outcome = async {
        let provider = user.provider_scope(Some(&form.provider), &all?)?;
        let caller = User::caller(provider, false);
        let service = console.service();
        let done = match action.as_str() {
            "suspend" => service.suspend(&caller, &id).await?,
            "reactivate" => service.reactivate(&caller, &id).await?,
            "cancel" => service.cancel(&caller, &id).await?,
            _ => return Err(ConsoleError::NotFound("No such action".into())),
        };
        Ok(format!("{}: {}", done.subscription_id, done.message))
    }
    .await;
    back(
        &console,
        &format!("/subscriptions?provider={}", form.provider),
        outcome,
    )
}

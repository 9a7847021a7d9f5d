//! Subscriptions: filter by environment, status and provider, search by email or name, 50
//! subscribers a page, lifecycle actions (suspend, reactivate, cancel) with a confirmation.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kurnl_core::service::{PageQuery, SubscriberListQuery};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, back, is_sandbox, own_provider, scoped, world_name, world_select};
use crate::errors::ConsoleError;
use crate::layout::{badge, csrf_field, flash, page};
use crate::state::{Console, User};

/// Filters of the list.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SubscriptionFilter {
    provider: Option<String>,
    status: Option<String>,
    search: Option<String>,
    /// `sandbox` for the sandbox environment; live otherwise.
    world: Option<String>,
    /// 1-based.
    page: Option<u32>,
    #[serde(flatten)]
    flash: Flash,
}

impl SubscriptionFilter {
    /// The list's address with these filters on page `page`.
    fn url(&self, provider: &str, page: u32) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("provider", provider);
        q.append_pair("world", world_name(is_sandbox(self.world.as_deref())));
        for (k, v) in [("status", &self.status), ("search", &self.search)] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.append_pair(k, v);
            }
        }
        q.append_pair("page", &page.to_string());
        format!("/subscriptions?{}", q.finish())
    }
}

/// Subscribers a page.
const PAGE_SIZE: u32 = 50;

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
    let sandbox = is_sandbox(q.world.as_deref());
    let caller = User::caller(provider, sandbox);
    let page_no = q.page.unwrap_or(1).max(1);
    let service = console.service();
    // One read per subscriber for its subscriptions: bounded by the page size.
    let subscribers = service
        .list_subscribers(
            &caller,
            SubscriberListQuery {
                page: Some(page_no),
                page_size: Some(PAGE_SIZE),
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
    let here = q.url(&provider.to_string(), page_no);
    let pages = subscribers.total.div_ceil(u64::from(PAGE_SIZE)).max(1);
    let body = html! {
        (flash(q.flash.msg.as_deref(), q.flash.err.as_deref()))
        (picker)
        form method="get" action=(console.url("/subscriptions")) class="inline" {
            input type="hidden" name="provider" value=(provider);
            (world_select("world", sandbox))
            label for="status" { "Status" }
            select id="status" name="status" {
                @for s in STATUSES { option value=(s) selected[q.status.as_deref() == Some(*s)] { @if s.is_empty() { "any" } @else { (s) } } }
            }
            label for="search" { "Email or name" }
            input id="search" name="search" type="search" value=(q.search.as_deref().unwrap_or(""));
            button type="submit" { "Search" }
        }
        p { (subscribers.total) " " (world_name(sandbox)) " subscribers, page " (page_no) " of " (pages) }
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
                            input type="hidden" name="back" value=(here);
                            @if sandbox { input type="hidden" name="world" value="sandbox"; }
                            button type="submit" { (label) }
                        }
                    } } }
                }
            } }
        } }
        nav aria-label="Subscriber pages" class="pages" {
            @if page_no > 1 { a href=(console.url(&q.url(&provider.to_string(), page_no - 1))) { "Previous page" } }
            @if subscribers.has_more { a href=(console.url(&q.url(&provider.to_string(), page_no + 1))) { "Next page" } }
        }
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
    world: Option<String>,
    /// The list page to go back to (a path under the console's mount point).
    back: Option<String>,
}

/// `POST /subscriptions/{id}/{action}`.
pub(crate) async fn act(
    State(console): State<Console>,
    user: User,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    let outcome = async {
        let provider = own_provider(&console, &user, &form.provider).await?;
        let caller = User::caller(provider, is_sandbox(form.world.as_deref()));
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
    // Only a path of this list is followed back, never another address.
    let to = form
        .back
        .filter(|b| b.starts_with("/subscriptions?"))
        .unwrap_or_else(|| format!("/subscriptions?provider={}", form.provider));
    back(&console, &to, outcome)
}

//! The page shell: navigation, the CSRF token for htmx requests, the embedded assets.

use maud::{DOCTYPE, Markup, html};

use crate::state::{Console, User};

/// The pages of the navigation: path, title, operator only.
const PAGES: &[(&str, &str, bool)] = &[
    ("/network", "Network", true),
    ("/buildings", "Buildings", true),
    ("/drift", "Drift", true),
    ("/subscriptions", "Subscriptions", false),
    ("/jobs", "Jobs", false),
    ("/webhooks", "Webhooks", false),
    ("/settings", "Settings", false),
    ("/sandbox", "Sandbox", false),
];

/// A whole page for a logged-in user.
pub(crate) fn page(
    console: &Console,
    user: &User,
    active: &str,
    title: &str,
    body: Markup,
) -> Markup {
    let headers = serde_json::json!({ "X-CSRF-Token": user.session.csrf }).to_string();
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(console, title))
            body hx-headers=(headers) {
                a class="skip" href="#main" { "Skip to content" }
                header {
                    nav aria-label="Console" {
                        span class="brand" { "kurnl" }
                        ul {
                            @for (path, name, operator_only) in PAGES {
                                @if !operator_only || user.is_operator() {
                                    li { a href=(console.url(path))
                                        aria-current=[(*path == active).then_some("page")] { (name) } }
                                }
                            }
                        }
                        form method="post" action=(console.url("/logout")) class="logout" {
                            (csrf_field(user))
                            span class="who" { (user.session.username) }
                            button type="submit" { "Log out" }
                        }
                    }
                }
                main id="main" { h1 { (title) } (body) }
                script src=(console.url("/assets/console.js")) {}
            }
        }
    }
}

/// The document head.
pub(crate) fn head(console: &Console, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { "kurnl console: " (title) }
            link rel="stylesheet" href=(console.url("/assets/console.css"));
            script src=(console.url("/assets/htmx.min.js")) {}
        }
    }
}

/// The hidden CSRF field every form carries.
pub(crate) fn csrf_field(user: &User) -> Markup {
    html! { input type="hidden" name="csrf" value=(user.session.csrf); }
}

/// A status message after an action (`role=status` so screen readers announce it).
pub(crate) fn flash(text: Option<&str>, error: Option<&str>) -> Markup {
    html! {
        @if let Some(t) = text { p role="status" class="flash" { (t) } }
        @if let Some(e) = error { p role="alert" class="error" { (e) } }
    }
}

/// A time as people read it.
pub(crate) fn when(t: chrono::DateTime<chrono::Utc>) -> Markup {
    html! { time datetime=(t.to_rfc3339()) { (t.format("%Y-%m-%d %H:%M:%S UTC")) } }
}

/// A status as a badge with its name (color is never the only signal).
pub(crate) fn badge(status: &str) -> Markup {
    html! { span class={"badge " (status.to_ascii_lowercase())} { (status) } }
}

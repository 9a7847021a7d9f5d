//! kurnl's console: a server-rendered web dashboard that a host mounts into its own axum
//! application, built on the same [`Service`](kurnl_core::service::Service) calls as the
//! operator API.
//!
//! ```no_run
//! # fn demo(service: kurnl_core::service::Service) {
//! use kurnl_console::{AccountRole, ConsoleAccount, ConsoleConfig};
//! let accounts = vec![ConsoleAccount::with_password("ops", "a long passphrase", AccountRole::Operator)];
//! let app: axum::Router = axum::Router::new()
//!     .nest("/console", kurnl_console::router(service, ConsoleConfig::new(accounts)));
//! # }
//! ```
//!
//! Pages: Network, Buildings, Drift (operator only: each switch's last drift audit and the
//! drifted ports found), Subscriptions, Jobs, Webhooks, Settings and Sandbox. A provider
//! account sees only its own provider; asking for another's, or an operator page, is 403.
//! Every changing request needs the session's CSRF token (the pages send it; a request
//! without it is 403). Sessions are in memory, in an `HttpOnly`, `SameSite=Strict` (and by
//! default `Secure`) cookie, and end on logout, after 30 idle minutes or 8 hours.
//! Login attempts are limited per account (10 a minute by default, names that are no
//! account sharing one budget; [`ConsoleConfig::login_attempts_per_minute`]). Sessions do not
//! survive a restart of the process: everyone logs in again.
//!
//! The Webhooks page's test ping, and the ping sent when a webhook URL is saved, need a
//! service built with an event sink ([`Service::with_event_sink`](kurnl_core::service::Service::with_event_sink);
//! the service of a `kurnl::Kurnl` handle has one); without one the page says so.
//!
//! Templates are maud (checked at compile time); the only script besides htmx (vendored,
//! 0BSD) is the copy button; everything is embedded in the binary.

mod accounts;
mod assets;
mod config;
mod csrf;
mod errors;
mod layout;
mod login_throttle;
mod pages;
mod router;
mod sessions;
mod state;

pub use accounts::{AccountRole, ConsoleAccount, InvalidPasswordHash};
pub use config::ConsoleConfig;
pub use router::router;
pub use sessions::{LOGIN_CSRF_COOKIE, SESSION_COOKIE};

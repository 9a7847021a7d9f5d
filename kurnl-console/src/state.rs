//! The console's shared state and the extractor that turns a request into a logged-in user.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use kurnl_core::service::{Caller, Operator, Service};
use kurnl_core::types::{ApiKeyId, ProviderId};

use crate::accounts::AccountRole;
use crate::config::ConsoleConfig;
use crate::errors::ConsoleError;
use crate::login_throttle::LoginThrottle;
use crate::sessions::{SESSION_COOKIE, Session, SessionStore, cookie_value};

/// Everything the handlers share.
#[derive(Clone)]
pub struct Console {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) service: Service,
    pub(crate) config: ConsoleConfig,
    pub(crate) sessions: SessionStore,
    pub(crate) logins: LoginThrottle,
}

impl Console {
    pub(crate) fn new(service: Service, config: ConsoleConfig) -> Self {
        let sessions = SessionStore::new(config.idle_timeout, config.absolute_timeout);
        let logins = LoginThrottle::new(config.login_attempts_per_minute);
        Self {
            inner: Arc::new(Inner {
                service,
                config,
                sessions,
                logins,
            }),
        }
    }

    pub(crate) fn service(&self) -> &Service {
        &self.inner.service
    }

    pub(crate) fn config(&self) -> &ConsoleConfig {
        &self.inner.config
    }

    /// `path` under the mount point.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.config.mount_path)
    }
}

/// The logged-in user of a request. Extracting it redirects to the login page when there is
/// no live session.
#[derive(Clone)]
pub(crate) struct User {
    pub(crate) session: Session,
    pub(crate) token: String,
}

/// The operator token the console acts with: it opened its session with a password, not a
/// key, so no key id stands behind it.
pub(crate) const CONSOLE_OPERATOR: Operator = Operator {
    key_id: ApiKeyId(uuid::Uuid::nil()),
};

impl User {
    pub(crate) fn is_operator(&self) -> bool {
        self.session.role == AccountRole::Operator
    }

    /// The operator token, or 403 for a provider account.
    pub(crate) fn operator(&self) -> Result<&'static Operator, ConsoleError> {
        if self.is_operator() {
            Ok(&CONSOLE_OPERATOR)
        } else {
            Err(ConsoleError::Forbidden)
        }
    }

    /// The provider a page is about: a provider account always gets its own and is refused
    /// another's; the operator gets the one asked for, else the first of `all`.
    pub(crate) fn provider_scope(
        &self,
        asked: Option<&str>,
        all: &[ProviderId],
    ) -> Result<ProviderId, ConsoleError> {
        let asked = match asked.filter(|s| !s.is_empty()) {
            Some(text) => Some(
                text.parse::<uuid::Uuid>()
                    .map(ProviderId)
                    .map_err(|_| ConsoleError::NotFound("Provider not found".into()))?,
            ),
            None => None,
        };
        match self.session.role {
            AccountRole::Provider(own) => match asked {
                Some(other) if other != own => Err(ConsoleError::Forbidden),
                _ => Ok(own),
            },
            AccountRole::Operator => asked
                .or_else(|| all.first().copied())
                .ok_or_else(|| ConsoleError::NotFound("No provider yet".into())),
        }
    }

    /// The production caller of a provider.
    pub(crate) fn caller(provider_id: ProviderId, sandbox: bool) -> Caller {
        Caller {
            provider_id,
            sandbox,
        }
    }
}

impl FromRequestParts<Console> for User {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, console: &Console) -> Result<Self, Response> {
        if let Some(user) = parts.extensions.get::<User>() {
            return Ok(user.clone());
        }
        let token = parts
            .headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|h| cookie_value(h, SESSION_COOKIE))
            .map(str::to_owned);
        let now = chrono::Utc::now();
        match token.and_then(|t| console.inner.sessions.touch(&t, now).map(|s| (t, s))) {
            Some((token, session)) => Ok(User { session, token }),
            None => Err(Redirect::to(&console.url("/login")).into_response()),
        }
    }
}

//! Logged-in sessions: a random token in an `HttpOnly`, `SameSite=Strict` cookie, a CSRF
//! token per session, idle and absolute expiry. Sessions live in the process: a restart logs
//! everybody out, which is the safe side.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::accounts::AccountRole;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "kurnl_console_session";
/// The cookie that carries the login form's CSRF token before there is a session.
pub const LOGIN_CSRF_COOKIE: &str = "kurnl_console_login_csrf";

/// A logged-in account.
#[derive(Debug, Clone)]
pub struct Session {
    /// Login name.
    pub username: String,
    /// What it may see.
    pub role: AccountRole,
    /// Sent with every form and htmx request (field `csrf` or header `X-CSRF-Token`).
    pub csrf: String,
    created_at: DateTime<Utc>,
    last_seen: DateTime<Utc>,
}

impl Session {
    /// Whether `token` is this session's CSRF token (constant time).
    pub fn csrf_matches(&self, token: &str) -> bool {
        tokens_equal(&self.csrf, token)
    }
}

/// Compares two tokens in constant time.
pub fn tokens_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A fresh random token (32 bytes, hex).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The sessions of one console.
#[derive(Debug)]
pub struct SessionStore {
    sessions: Mutex<HashMap<String, Session>>,
    idle: Duration,
    absolute: Duration,
}

impl SessionStore {
    /// Sessions that end after `idle` without a request, or `absolute` after login.
    pub fn new(idle: Duration, absolute: Duration) -> Self {
        Self {
            sessions: Mutex::new(HashMap::new()),
            idle,
            absolute,
        }
    }

    /// Starts a session; returns its cookie token.
    pub fn start(&self, username: &str, role: AccountRole, now: DateTime<Utc>) -> String {
        let token = random_token();
        let session = Session {
            username: username.to_owned(),
            role,
            csrf: random_token(),
            created_at: now,
            last_seen: now,
        };
        let mut all = self.sessions.lock().expect("session map poisoned");
        all.retain(|_, s| !self.expired(s, now));
        all.insert(token.clone(), session);
        token
    }

    /// The live session of `token`, its idle clock reset; `None` when unknown or expired.
    pub fn touch(&self, token: &str, now: DateTime<Utc>) -> Option<Session> {
        let mut all = self.sessions.lock().expect("session map poisoned");
        let expired = all.get(token).map(|s| self.expired(s, now))?;
        if expired {
            all.remove(token);
            return None;
        }
        let s = all.get_mut(token)?;
        s.last_seen = now;
        Some(s.clone())
    }

    /// Ends a session (logout).
    pub fn end(&self, token: &str) {
        self.sessions
            .lock()
            .expect("session map poisoned")
            .remove(token);
    }

    fn expired(&self, s: &Session, now: DateTime<Utc>) -> bool {
        now - s.last_seen > self.idle || now - s.created_at > self.absolute
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_expires_when_idle_or_too_old_and_ends_on_logout() {
        let store = SessionStore::new(Duration::minutes(30), Duration::hours(8));
        let t = Utc::now();
        let token = store.start("ops", AccountRole::Operator, t);
        assert!(store.touch(&token, t + Duration::minutes(29)).is_some());
        assert!(store.touch(&token, t + Duration::minutes(58)).is_some());
        assert!(
            store.touch(&token, t + Duration::minutes(89)).is_none(),
            "idle"
        );
        let token = store.start("ops", AccountRole::Operator, t);
        let mut now = t;
        for _ in 0..20 {
            now += Duration::minutes(25);
            if store.touch(&token, now).is_none() {
                break;
            }
        }
        assert!(
            now - t > Duration::hours(8),
            "absolute expiry at 8 h, not before"
        );
        let token = store.start("ops", AccountRole::Operator, t);
        store.end(&token);
        assert!(store.touch(&token, t).is_none());
        assert!(store.touch("forged", t).is_none());
    }

    #[test]
    fn cookies_and_tokens() {
        assert_eq!(
            cookie_value("a=1; kurnl_console_session=xyz", SESSION_COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie_value("a=1", SESSION_COOKIE), None);
        assert!(tokens_equal("abc", "abc"));
        assert!(!tokens_equal("abc", "abd"));
        assert!(!tokens_equal("abc", "abcd"));
        assert_eq!(random_token().len(), 64);
    }
}

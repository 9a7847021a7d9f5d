//! Fixed-window rate limits (gap G24): 120 requests per minute per client IP on the two
//! external-checkout endpoints, 300 per minute per API key elsewhere. Every response carries
//! `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (epoch second at which
//! the window ends); a request over the limit gets 429 `Rate limit exceeded` and `Retry-After`.
//!
//! The common rate-limit crates implement GCRA or token buckets, whose state has no window
//! end to report in `X-RateLimit-Reset`; the documented fixed windows are a counter per key,
//! kept here.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use kurnl_core::error::{Detail, RATE_LIMIT_EXCEEDED};
use kurnl_core::ports::Clock;
use sha2::{Digest, Sha256};

use crate::auth::API_KEY_HEADER;
use crate::config::RateLimitConfig;
use crate::error::detail_response;
use crate::router::AppState;

/// `X-RateLimit-Limit`.
pub const LIMIT_HEADER: HeaderName = HeaderName::from_static("x-ratelimit-limit");
/// `X-RateLimit-Remaining`.
pub const REMAINING_HEADER: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
/// `X-RateLimit-Reset`.
pub const RESET_HEADER: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// Windows kept before stale ones are swept.
const SWEEP_AT: usize = 10_000;

/// What a request is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Bucket {
    /// External checkout, per client IP.
    Checkout(IpAddr),
    /// Per API key (SHA-256 of the key, so no key is kept in memory).
    ApiKey([u8; 32]),
    /// Requests without an API key, per client IP.
    Anonymous(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: i64,
    count: u32,
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decision {
    allowed: bool,
    limit: u32,
    remaining: u32,
    reset: i64,
    retry_after: i64,
}

/// Counters of the current windows.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    config: RateLimitConfig,
    clock: Arc<dyn Clock>,
    windows: Mutex<HashMap<Bucket, Window>>,
    warned_no_peer: AtomicBool,
}

impl RateLimiter {
    pub(crate) fn new(config: RateLimitConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            config,
            clock,
            windows: Mutex::new(HashMap::new()),
            warned_no_peer: AtomicBool::new(false),
        }
    }

    fn check(&self, bucket: Bucket, limit: u32) -> Decision {
        let now = self.clock.now().timestamp();
        let len = i64::from(self.config.window_secs.max(1));
        let start = now - now.rem_euclid(len);
        let reset = start + len;
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, w| w.start == start);
        }
        let window = windows.entry(bucket).or_insert(Window { start, count: 0 });
        if window.start != start {
            *window = Window { start, count: 0 };
        }
        let allowed = window.count < limit;
        if allowed {
            window.count += 1;
        }
        Decision {
            allowed,
            limit,
            remaining: limit.saturating_sub(window.count),
            reset,
            retry_after: (reset - now).max(1),
        }
    }
}

/// Middleware: counts the request, answers 429 over the limit, and adds the headers.
pub(crate) async fn rate_limit(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let config = &state.config.rate_limits;
    if !config.enabled {
        return next.run(req).await;
    }
    let ip = client_ip(&req, &config.trusted_proxies).unwrap_or_else(|| {
        if !state.limiter.warned_no_peer.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "no peer address: serve the router with into_make_service_with_connect_info, \
                 or all clients share one per-IP rate limit"
            );
        }
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    });
    let (bucket, limit) = if is_checkout(req.uri().path()) {
        (Bucket::Checkout(ip), config.checkout_per_window)
    } else if let Some(key) = req
        .headers()
        .get(API_KEY_HEADER)
        .filter(|k| plausible_key(k))
    {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        (Bucket::ApiKey(digest), config.api_key_per_window)
    } else {
        (Bucket::Anonymous(ip), config.api_key_per_window)
    };
    let decision = state.limiter.check(bucket, limit);
    let mut response = if decision.allowed {
        next.run(req).await
    } else {
        tracing::info!("rate limit exceeded");
        let mut r = detail_response(
            StatusCode::TOO_MANY_REQUESTS,
            Detail::Text(RATE_LIMIT_EXCEEDED.to_owned()),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(decision.retry_after));
        r
    };
    let headers = response.headers_mut();
    headers.insert(LIMIT_HEADER, HeaderValue::from(decision.limit));
    headers.insert(REMAINING_HEADER, HeaderValue::from(decision.remaining));
    headers.insert(RESET_HEADER, HeaderValue::from(decision.reset));
    response
}

/// Only values shaped like kurnl keys get a bucket of their own; anything else is counted
/// per client IP, so junk headers cannot mint unlimited fresh buckets.
fn plausible_key(key: &HeaderValue) -> bool {
    let key = key.as_bytes();
    (key.starts_with(b"krnl_live_") || key.starts_with(b"krnl_sb_"))
        && key.len() <= 128
        && key.iter().all(|b| b.is_ascii_graphic())
}

/// The two external-checkout endpoints (wherever the router is mounted).
fn is_checkout(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    path.ends_with("/partner/external-checkout/complete")
        || path.ends_with("/partner/external-checkout/anonymous-complete")
}

/// The connection's peer, or, when that peer is a trusted proxy, the right-most
/// `X-Forwarded-For` address that is not itself a trusted proxy. `None` when the router is
/// served without `ConnectInfo`. IPv4-mapped IPv6 addresses count as IPv4.
fn client_ip(req: &Request, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()?
        .0
        .ip()
        .to_canonical();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    Some(forwarded_client(req.headers(), trusted).unwrap_or(peer))
}

fn forwarded_client(headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let mut hops: Vec<IpAddr> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let value = value.to_str().ok()?;
        for hop in value.split(',') {
            hops.push(hop.trim().parse::<IpAddr>().ok()?.to_canonical());
        }
    }
    hops.into_iter().rev().find(|ip| !trusted.contains(ip))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    #[derive(Debug)]
    struct Fixed(DateTime<Utc>);
    impl Clock for Fixed {
        fn now(&self) -> DateTime<Utc> {
            self.0
        }
    }

    fn limiter(at: i64) -> RateLimiter {
        let clock = Arc::new(Fixed(Utc.timestamp_opt(at, 0).single().expect("time")));
        RateLimiter::new(RateLimitConfig::default(), clock)
    }

    #[test]
    fn counts_within_a_fixed_window() {
        let l = limiter(1_714_000_030);
        let ip = Bucket::Checkout(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let first = l.check(ip.clone(), 2);
        assert_eq!(
            (first.allowed, first.remaining, first.reset),
            (true, 1, 1_714_000_080)
        );
        assert!(l.check(ip.clone(), 2).allowed);
        let over = l.check(ip, 2);
        assert_eq!(
            (over.allowed, over.remaining, over.retry_after),
            (false, 0, 50)
        );
        assert!(
            l.check(Bucket::Anonymous(IpAddr::V4(Ipv4Addr::LOCALHOST)), 2)
                .allowed
        );
    }

    #[test]
    fn forwarded_for_is_read_right_to_left() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.1.1.1, 2.2.2.2, 10.0.0.1"),
        );
        assert_eq!(forwarded_client(&h, &[proxy]), "2.2.2.2".parse().ok());
        h.insert("x-forwarded-for", HeaderValue::from_static("junk"));
        assert_eq!(forwarded_client(&h, &[proxy]), None);
    }
}

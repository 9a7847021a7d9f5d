//! Limits of the router: rate limits, trusted proxies and the body size limit.

use std::net::IpAddr;

/// Requests per window on the two external-checkout endpoints, per client IP (documented).
pub const DEFAULT_CHECKOUT_LIMIT: u32 = 120;
/// Requests per window on every other endpoint, per API key (documented).
pub const DEFAULT_API_KEY_LIMIT: u32 = 300;
/// Length of a fixed rate-limit window in seconds (gap G24).
pub const DEFAULT_WINDOW_SECS: u32 = 60;
/// Largest accepted request body (1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Rate limits: fixed windows aligned to multiples of `window_secs` since the Unix epoch,
/// counted on the service's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// `false` turns rate limiting (and its headers) off, e.g. behind a gateway that does it.
    pub enabled: bool,
    /// Requests per window and client IP on `/partner/external-checkout/*` (120).
    pub checkout_per_window: u32,
    /// Requests per window and API key everywhere else (300). Requests without a key are
    /// counted per client IP with the same limit.
    pub api_key_per_window: u32,
    /// Window length in seconds (60).
    pub window_secs: u32,
    /// Peers whose `X-Forwarded-For` is believed. Empty (the default) means the client IP is
    /// always the connection's peer address.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            checkout_per_window: DEFAULT_CHECKOUT_LIMIT,
            api_key_per_window: DEFAULT_API_KEY_LIMIT,
            window_secs: DEFAULT_WINDOW_SECS,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Configuration of [`router_with_config`](crate::router_with_config).
///
/// ```
/// let config = kurnl_http::RouterConfig::default()
///     .with_checkout_limit(10)
///     .with_api_key_limit(20)
///     .with_trusted_proxies(vec!["127.0.0.1".parse().unwrap()]);
/// assert_eq!(config.rate_limits.checkout_per_window, 10);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterConfig {
    /// Rate limits.
    pub rate_limits: RateLimitConfig,
    /// Largest accepted request body in bytes; larger bodies get 413.
    pub max_body_bytes: usize,
    /// The path prefix clients reach the API under, named in the OpenAPI document's
    /// `servers` (e.g. `/isp`). `None` (the default) uses the prefix the host nested the
    /// router under (`Router::nest("/isp", ..)`), which is right unless a reverse proxy in
    /// front rewrites paths.
    pub public_prefix: Option<String>,
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self {
            rate_limits: RateLimitConfig::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            public_prefix: None,
        }
    }
}

impl RouterConfig {
    /// Sets the per-IP limit of the external-checkout endpoints.
    pub fn with_checkout_limit(mut self, per_window: u32) -> Self {
        self.rate_limits.checkout_per_window = per_window;
        self
    }

    /// Sets the per-API-key limit of the other endpoints.
    pub fn with_api_key_limit(mut self, per_window: u32) -> Self {
        self.rate_limits.api_key_per_window = per_window;
        self
    }

    /// Sets the window length in seconds (at least 1).
    pub fn with_window_secs(mut self, secs: u32) -> Self {
        self.rate_limits.window_secs = secs.max(1);
        self
    }

    /// Turns rate limiting on or off.
    pub fn with_rate_limiting(mut self, enabled: bool) -> Self {
        self.rate_limits.enabled = enabled;
        self
    }

    /// Believes `X-Forwarded-For` from these peers (reverse proxies, load balancers).
    pub fn with_trusted_proxies(mut self, proxies: Vec<IpAddr>) -> Self {
        self.rate_limits.trusted_proxies = proxies;
        self
    }

    /// Names `prefix` (e.g. `/isp`) as the server in the OpenAPI document, for a router
    /// reached through a proxy that adds or strips a prefix.
    pub fn with_public_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.public_prefix = Some(prefix.into());
        self
    }

    /// Sets the body size limit in bytes.
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }
}

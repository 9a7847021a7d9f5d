//! Rate limits (fixed windows on the service clock), trusted proxies, and a real socket.

use std::net::SocketAddr;

use kurnl_http::RouterConfig;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::Api;

fn window_end(api: &Api) -> i64 {
    let now = api.fx.service.clock().now().timestamp();
    now - now.rem_euclid(60) + 60
}

#[tokio::test]
async fn the_api_key_limit_answers_429_with_headers_until_the_window_ends() {
    let api = Api::with_config(RouterConfig::default().with_api_key_limit(3)).await;
    let plans = "/partner/marketplace/plans/me";
    for remaining in [2, 1, 0] {
        let r = api.get(plans).key(api.a()).send().await.expect(200);
        assert_eq!(r.num("x-ratelimit-limit"), 3);
        assert_eq!(r.num("x-ratelimit-remaining"), remaining);
        assert_eq!(r.num("x-ratelimit-reset"), window_end(&api));
    }
    let over = api.get(plans).key(api.a()).send().await;
    assert_eq!(over.num("x-ratelimit-remaining"), 0);
    assert_eq!(over.num("x-ratelimit-limit"), 3);
    let retry = over.num("retry-after");
    assert!((1..=60).contains(&retry), "{retry}");
    let now = api.fx.service.clock().now().timestamp();
    assert_eq!(retry, (window_end(&api) - now).max(1));
    over.expect_detail(429, "Rate limit exceeded");
    // Every endpoint of the key shares the bucket, and the limit comes before auth and
    // validation (gap G16).
    api.post("/partner/provisioning/provider-initiated")
        .key(api.a())
        .bytes("garbage")
        .send()
        .await
        .expect_detail(429, "Rate limit exceeded");
    // Another key has its own window.
    api.get(plans).key(api.b()).send().await.expect(200);
    // The next window starts afresh.
    api.fx.clock.advance(chrono::Duration::seconds(60));
    let r = api.get(plans).key(api.a()).send().await.expect(200);
    assert_eq!(r.num("x-ratelimit-remaining"), 2);
    assert_eq!(r.num("x-ratelimit-reset"), window_end(&api));
}

#[tokio::test]
async fn the_checkout_limit_is_per_client_ip() {
    let api = Api::with_config(
        RouterConfig::default()
            .with_checkout_limit(2)
            .with_api_key_limit(100),
    )
    .await;
    let path = "/partner/external-checkout/anonymous-complete";
    let secret = api.fx.a.webhook_secret.clone();
    let body = api.anonymous("rl-1", 0);
    for _ in 0..2 {
        let r = api
            .post(path)
            .secret(&secret)
            .json(&body)
            .peer_ip("203.0.113.9")
            .send()
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.num("x-ratelimit-limit"), 2);
    }
    // Over the limit before the credentials are even looked at.
    let over = api
        .post("/partner/external-checkout/complete")
        .peer_ip("203.0.113.9")
        .json(&json!({}))
        .send()
        .await
        .expect_detail(429, "Rate limit exceeded");
    assert!(over.header("retry-after").is_some());
    assert_eq!(over.num("x-ratelimit-remaining"), 0);
    // Another IP, and the API-key endpoints from the same IP, are unaffected.
    api.post(path)
        .secret(&secret)
        .json(&body)
        .peer_ip("203.0.113.10")
        .send()
        .await
        .expect(200);
    let r = api
        .get("/partner/marketplace/plans/me")
        .key(api.a())
        .peer_ip("203.0.113.9")
        .send()
        .await
        .expect(200);
    assert_eq!(r.num("x-ratelimit-limit"), 100);
}

#[tokio::test]
async fn forwarded_for_counts_only_from_trusted_proxies() {
    let proxy = "198.51.100.1";
    let api = Api::with_config(
        RouterConfig::default()
            .with_checkout_limit(1)
            .with_trusted_proxies(vec![proxy.parse().unwrap()]),
    )
    .await;
    let path = "/partner/external-checkout/complete";
    let send = |peer: &'static str, xff: &'static str| {
        let api = &api;
        async move {
            api.post(path)
                .peer_ip(peer)
                .header("x-forwarded-for", xff)
                .json(&json!({}))
                .send()
                .await
                .status
        }
    };
    // Through the proxy, each forwarded client has its own bucket.
    assert_eq!(send(proxy, "203.0.113.1").await, 401);
    assert_eq!(send(proxy, "203.0.113.2").await, 401);
    assert_eq!(send(proxy, "203.0.113.1").await, 429);
    // A client cannot pick its own bucket by sending the header directly.
    assert_eq!(send("203.0.113.50", "203.0.113.3").await, 401);
    assert_eq!(send("203.0.113.50", "203.0.113.4").await, 429);
}

#[tokio::test]
async fn a_disabled_limiter_sends_no_headers() {
    let api = Api::with_config(RouterConfig::default().with_rate_limiting(false)).await;
    let r = api
        .get("/partner/marketplace/plans/me")
        .key(api.a())
        .send()
        .await
        .expect(200);
    assert!(r.header("x-ratelimit-limit").is_none());
}

#[tokio::test]
async fn serves_over_a_real_socket_with_the_peer_address() {
    let api = Api::with_config(RouterConfig::default().with_checkout_limit(1)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = api.app.clone();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let request = |path: &str, extra: &str| {
        format!("GET /api/v1{path} HTTP/1.1\r\nhost: {addr}\r\n{extra}connection: close\r\n\r\n")
    };
    let ok = raw(
        addr,
        &request(
            "/partner/marketplace/plans/me",
            &format!("x-api-key: {}\r\n", api.a()),
        ),
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    let lower = ok.to_ascii_lowercase();
    for h in [
        "x-ratelimit-limit: 300",
        "x-ratelimit-remaining: 299",
        "x-ratelimit-reset: ",
        "x-request-id: ",
        "content-type: application/json",
    ] {
        assert!(lower.contains(h), "{h} in {ok}");
    }
    // The per-IP bucket sees 127.0.0.1 (a POST without a body: 401 first, then 429).
    let post = |extra: &str| {
        format!(
            "POST /api/v1/partner/external-checkout/complete HTTP/1.1\r\nhost: {addr}\r\n{extra}content-length: 0\r\nconnection: close\r\n\r\n"
        )
    };
    assert!(raw(addr, &post("")).await.starts_with("HTTP/1.1 401"));
    let limited = raw(addr, &post("")).await;
    assert!(limited.starts_with("HTTP/1.1 429"), "{limited}");
    assert!(
        limited.ends_with(r#"{"detail":"Rate limit exceeded"}"#),
        "{limited}"
    );
    server.abort();
}

async fn raw(addr: SocketAddr, request: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

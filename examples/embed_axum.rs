//! kurnl inside a host's own axum application: the host keeps its routes (`GET /health`),
//! kurnl's REST API is nested under `/isp`, the engine and the webhook dispatcher run in the
//! background, and Ctrl-C stops serving, then shuts kurnl down and says what stays queued.
//!
//! Run: `cargo run --example embed_axum` (SQLite at `kurnl.db`, or the path in `KURNL_DB`;
//! listens on `127.0.0.1:8080`, or `KURNL_ADDR`). Its tests build the same app:
//! `cargo test --example embed_axum`.

use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;
use kurnl::Kurnl;

/// The host's app: its own routes plus kurnl's API under `/isp`.
fn app(kurnl: &Kurnl) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .nest("/isp", kurnl.router())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let db = std::env::var("KURNL_DB").unwrap_or_else(|_| "kurnl.db".into());
    let addr = std::env::var("KURNL_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    // The embedding: build, spawn, nest, serve, shut down.
    let mut kurnl = Kurnl::builder().sqlite(db).build().await?;
    kurnl.spawn().await?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("serving on http://{addr} (kurnl under /isp/api/v1)");
    axum::serve(
        listener,
        app(&kurnl).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    let report = kurnl.shutdown().await?;
    println!(
        "stopped (in time: {}); left queued: {} jobs, {} events",
        report.finished_in_time, report.queued.jobs, report.queued.events
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use kurnl::memory::InMemoryStore;
    use kurnl::ports::QueuedWork;
    use kurnl::service::NewProvider;

    use super::*;

    /// A handle on an in-memory store, its app served on an ephemeral port.
    async fn serve() -> (Kurnl, String, tokio::task::JoinHandle<()>) {
        let mut kurnl = Kurnl::builder()
            .store(Arc::new(InMemoryStore::new()))
            .build()
            .await
            .expect("build the handle");
        kurnl.spawn().await.expect("spawn the handle");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        let app = app(&kurnl).into_make_service_with_connect_info::<SocketAddr>();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve the app");
        });
        (kurnl, base, server)
    }

    #[tokio::test]
    async fn host_route_and_kurnl_api_under_isp_share_one_app() {
        let (kurnl, base, server) = serve().await;
        let provider = kurnl
            .service()
            .put_provider(NewProvider {
                name: "Host ISP".into(),
                ..NewProvider::default()
            })
            .await
            .expect("register a provider");
        let key = kurnl
            .service()
            .issue_api_key(provider.id, false)
            .await
            .expect("issue an API key");
        let http = reqwest::Client::new();

        let health = http.get(format!("{base}/health")).send().await.unwrap();
        assert_eq!(health.status(), 200, "the host's own route answers");
        assert_eq!(health.text().await.unwrap(), "ok");

        let url = format!("{base}/isp/api/v1/partner/marketplace/plans/me");
        let plans = http
            .get(&url)
            .header("X-API-Key", key.key.expose())
            .send()
            .await
            .unwrap();
        assert_eq!(
            plans.status(),
            200,
            "a documented route under /isp with the key"
        );
        let anonymous = http.get(&url).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "the same route without a key");
        let outside = http
            .get(format!("{base}/api/v1/partner/marketplace/plans/me"))
            .send()
            .await
            .unwrap();
        assert_eq!(outside.status(), 404, "kurnl is reachable only under /isp");

        server.abort();
        let report = kurnl.shutdown().await.expect("shut down");
        assert!(report.finished_in_time, "shutdown within the deadline");
        assert_eq!(report.queued, QueuedWork::default(), "nothing left queued");
    }

    #[tokio::test]
    async fn openapi_document_names_the_mount_prefix() {
        let (kurnl, base, server) = serve().await;
        let doc: serde_json::Value = reqwest::get(format!("{base}/isp/api/v1/openapi.json"))
            .await
            .unwrap()
            .json()
            .await
            .expect("the OpenAPI document is JSON");
        let servers: Vec<&str> = doc["servers"]
            .as_array()
            .expect("the document has servers")
            .iter()
            .filter_map(|s| s["url"].as_str())
            .collect();
        assert!(
            servers.iter().any(|url| url.starts_with("/isp")),
            "servers name the /isp prefix: {servers:?}"
        );
        server.abort();
        let report = kurnl.shutdown().await.expect("shut down");
        assert_eq!(report.queued, QueuedWork::default(), "nothing left queued");
    }
}

//! kurnl's documented REST API on 127.0.0.1:8080, over a SQLite file (or PostgreSQL with
//! `--postgres URL`, feature `postgres`), with the demo network of
//! `examples/demo-network.toml` (switches with `address = "sim"` are simulated in-process over
//! real SSH). Prints the demo credentials and a `curl` to try; Ctrl-C stops it gracefully: the
//! HTTP server drains, the port jobs and deliveries in flight finish, queued work stays in the
//! database for the next start. `GET /healthz` and `GET /readyz` are the probes, and
//! `GET /metrics` serves kurnl's metrics (`kurnl::metrics`) in the Prometheus text
//! format. Starting again on the same database loads the inventory again
//! (an upsert: changed entries update, nothing is duplicated) and resumes the queued work.
//!
//! ```text
//! cargo run --example server [-- --listen 127.0.0.1:8080 --db kurnl-demo.db --inventory examples/demo-network.toml]
//! cargo run -p kurnl-webhook --example webhook_receiver   # in another terminal, to see webhooks
//! ```

#[path = "common/allocator.rs"]
mod allocator;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use kurnl::Kurnl;
use kurnl::console::ConsoleConfig;
use kurnl::engine::{DeliveryPolicy, DispatcherConfig, EngineConfig};
use kurnl::http::RouterConfig;
use kurnl::inventory::Inventory;
use kurnl::ports::Store;
use kurnl::switch::sim::{SimConfig, SwitchSim, Vendor};
use kurnl::switch::{CredentialStore, Credentials, IosDriver, JunosDriver};

#[derive(Debug, Parser)]
#[command(about = "kurnl's REST API over a SQLite file and a (simulated) network")]
struct Args {
    /// Address to serve the API on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// SQLite database file (created when missing).
    #[arg(long, default_value = "kurnl-demo.db")]
    db: PathBuf,
    /// Network inventory (TOML).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo-network.toml"))]
    inventory: PathBuf,
    /// Use this PostgreSQL database instead of the SQLite file (feature `postgres`).
    #[arg(long)]
    postgres: Option<String>,
    /// PostgreSQL schema for the tables (created when missing; default `public`).
    #[arg(long, requires = "postgres")]
    pg_schema: Option<String>,
    /// Lease of port jobs and webhook deliveries in seconds: work cut short by a crash is
    /// taken over after this long. The webhook timeout is capped at half of it.
    #[arg(long, default_value_t = 30)]
    lease_secs: u32,
    /// Serve without the documented rate limits (for load tests and API fuzzers such as
    /// schemathesis, which would otherwise mostly see 429).
    #[arg(long)]
    no_rate_limit: bool,
    /// Mark the console's session cookie `Secure` (serve it behind TLS then; browsers keep
    /// Secure cookies over plain HTTP only on localhost).
    #[arg(long)]
    secure_console_cookie: bool,
    /// Webhook retry schedule: `standard-webhooks` (8 attempts over about 28 hours: at once,
    /// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) or `kurnl` (the documented 3 attempts over
    /// 10 s). Missed deliveries can always be replayed: POST /api/v1/provider/webhooks/replay.
    #[arg(long, default_value = "standard-webhooks", value_parser = parse_policy)]
    delivery_policy: DeliveryPolicy,
}

fn parse_policy(name: &str) -> Result<DeliveryPolicy, String> {
    name.parse()
        .map_err(|e: kurnl::engine::UnknownPolicy| e.to_string())
}

/// The store named by the arguments.
async fn open_store(args: &Args) -> anyhow::Result<(Arc<dyn Store>, String)> {
    match &args.postgres {
        #[cfg(feature = "postgres")]
        Some(url) => {
            let store = match &args.pg_schema {
                Some(schema) => kurnl::store::PgStore::connect_with_schema(url, schema).await?,
                None => kurnl::store::PgStore::connect(url).await?,
            };
            let schema = args.pg_schema.as_deref().unwrap_or("public");
            Ok((Arc::new(store), format!("PostgreSQL (schema {schema})")))
        }
        #[cfg(not(feature = "postgres"))]
        Some(_) => anyhow::bail!("--postgres needs the `postgres` feature"),
        None => Ok((
            Arc::new(kurnl::store::SqliteStore::open(&args.db).await?),
            args.db.display().to_string(),
        )),
    }
}

/// Starts a simulator for every `address = "sim"` switch and points the entry at it; returns
/// the simulators (kept alive) and the credentials of every switch.
async fn start_network(
    inventory: &mut Inventory,
) -> anyhow::Result<(Vec<SwitchSim>, CredentialStore)> {
    let mut sims = Vec::new();
    let mut credentials = CredentialStore::new();
    for entry in &mut inventory.switches {
        if entry.address != "sim" {
            let var = entry.credentials_ref.to_uppercase().replace('-', "_");
            let user = std::env::var(format!("KURNL_SSH_USER_{var}"))
                .with_context(|| format!("KURNL_SSH_USER_{var} for switch {}", entry.name))?;
            let password = std::env::var(format!("KURNL_SSH_PASSWORD_{var}"))
                .with_context(|| format!("KURNL_SSH_PASSWORD_{var} for switch {}", entry.name))?;
            credentials.insert(
                entry.credentials_ref.clone(),
                Credentials::password(user, password),
            );
            continue;
        }
        let vendor = match entry.driver.as_str() {
            "ios" => Vendor::Ios,
            "junos" => Vendor::Junos,
            other => anyhow::bail!("switch {}: no simulator for driver {other:?}", entry.name),
        };
        let mut config = SimConfig::new(vendor);
        config.hostname = entry.name.clone();
        config.interfaces = entry
            .all_ports()?
            .into_iter()
            .map(|p| p.interface)
            .collect();
        config.captive_vlan = entry.captive_vlan;
        // A stable host key per switch, so the pinned key survives restarts.
        let mut seed = [0u8; 32];
        seed[..16].copy_from_slice(entry.id.as_uuid().as_bytes());
        seed[16..].copy_from_slice(entry.id.as_uuid().as_bytes());
        config.host_key_seed = Some(seed);
        let sim = SwitchSim::start(config.clone()).await?;
        entry.address = sim.addr().ip().to_string();
        entry.ssh_port = sim.addr().port();
        entry.host_key = Some(sim.host_key());
        credentials.insert(
            entry.credentials_ref.clone(),
            Credentials::password(&config.username, &config.password),
        );
        println!(
            "switch    {} ({}) simulated at {}",
            entry.name,
            entry.driver,
            sim.addr()
        );
        sims.push(sim);
    }
    Ok((sims, credentials))
}

/// Everything printed once the API answers (one place, so that it is easy to change).
fn print_banner(inventory: &Inventory, listen: SocketAddr) {
    println!("api       http://{listen}/api/v1 (OpenAPI at /api/v1/openapi.json)");
    for p in &inventory.providers {
        println!("\nprovider  {} ({})", p.name, p.id);
        for key in &p.api_keys {
            let world = if key.expose().starts_with("krnl_sb_") {
                "sandbox: records and webhooks, never a switch"
            } else {
                "live"
            };
            println!("  X-API-Key: {}   ({world})", key.expose());
        }
        if let Some(secret) = &p.webhook_secret {
            println!("  X-Webhook-Secret: {}   (live)", secret.expose());
        }
        if let Some(secret) = &p.sandbox_webhook_secret {
            println!("  X-Webhook-Secret: {}   (sandbox)", secret.expose());
        }
    }
    for a in &inventory.console_accounts {
        let who = a
            .provider
            .map_or("operator".to_owned(), |p| format!("provider {p}"));
        let password = a.password.as_ref().map_or("(hashed)", |p| p.expose());
        println!(
            "\nconsole   http://{listen}/console  user {} / {password}  ({who})",
            a.username
        );
    }
    for k in &inventory.operator_keys {
        println!(
            "\noperator  {}\n  X-Operator-Key: {}   (/api/v1/operator/..., e.g. /api/v1/operator/jobs)",
            k.label,
            k.key.expose()
        );
    }
    if let Some(p) = inventory.providers.first()
        && let Some(key) = p.api_keys.first()
    {
        println!(
            "\ntry:\n  curl -s http://{listen}/api/v1/partner/marketplace/plans/me -H 'X-API-Key: {}'",
            key.expose()
        );
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    // kurnl's crates record through the `metrics` facade; the application picks the exporter.
    let prometheus = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .context("installing the Prometheus recorder")?;
    let text = std::fs::read_to_string(&args.inventory)
        .with_context(|| format!("reading {}", args.inventory.display()))?;
    let mut inventory = Inventory::from_toml(&text)?;
    let (_sims, credentials) = start_network(&mut inventory).await?;
    let credentials = Arc::new(credentials);
    let (store, store_name) = open_store(&args).await?;

    let lease = chrono::Duration::seconds(i64::from(args.lease_secs.max(2)));
    let policy = args.delivery_policy.clone();
    let timeout = policy.timeout.min(lease.to_std()? / 2);
    let mut kurnl = Kurnl::builder()
        .store(store)
        .driver("ios", Arc::new(IosDriver::new(credentials.clone())))
        .driver("junos", Arc::new(JunosDriver::new(credentials)))
        .inventory(inventory.clone())
        .engine_config(EngineConfig {
            lease,
            ..EngineConfig::default()
        })
        .delivery_policy(policy.with_timeout(timeout))
        .dispatcher_config(DispatcherConfig {
            lease,
            ..DispatcherConfig::default()
        })
        .router_config(RouterConfig::default().with_rate_limiting(!args.no_rate_limit))
        .build()
        .await?;
    println!("database  {store_name}");
    let resumed = kurnl.spawn().await?;
    if resumed > 0 {
        println!("resumed   {resumed} bulk entries left unfinished by the last run");
    }

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    print_banner(&inventory, listener.local_addr()?);
    let console = ConsoleConfig::new(inventory.console_accounts()?)
        // The example serves plain HTTP on a development address; behind TLS keep it Secure.
        .with_secure_cookie(args.secure_console_cookie);
    let app = kurnl
        .router()
        .nest(
            "/console",
            kurnl::console::router(kurnl.service().clone(), console),
        )
        .route(
            "/metrics",
            axum::routing::get(move || async move { prometheus.render() }),
        )
        .into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            println!("\nshutting down: finishing requests, port jobs and deliveries in flight");
        })
        .await?;
    let report = kurnl.shutdown().await?;
    if !report.finished_in_time {
        println!("work in flight was cut short at the deadline; it runs again after its lease");
    }
    println!(
        "stopped; {} port jobs and {} webhook events stay queued in {store_name}",
        report.queued.jobs, report.queued.events
    );
    Ok(())
}

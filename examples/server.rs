//! kurnl's documented REST API on 127.0.0.1:8080, over a SQLite file, with the demo network of
//! `examples/demo-network.toml` (switches with `address = "sim"` are simulated in-process over
//! real SSH). Prints the demo credentials and a `curl` to try; Ctrl-C stops it gracefully: the
//! HTTP server drains, the port jobs and deliveries in flight finish, queued work stays in the
//! database for the next start.
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
use kurnl::engine::{
    DeliveryPolicy, EngineConfig, OutboxDispatcher, ProvisioningEngine, WorkSignal,
};
use kurnl::inventory::Inventory;
use kurnl::ports::{DriverRegistry, Store, SystemClock, TimeOrderedIds};
use kurnl::service::Service;
use kurnl::store::SqliteStore;
use kurnl::switch::sim::{SimConfig, SwitchSim, Vendor};
use kurnl::switch::{CredentialStore, Credentials, IosDriver, JunosDriver};
use kurnl::webhook::HttpEventSink;

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

fn print_credentials(inventory: &Inventory, listen: SocketAddr) {
    for p in &inventory.providers {
        println!("\nprovider  {} ({})", p.name, p.id);
        for key in &p.api_keys {
            println!("  X-API-Key: {}", key.expose());
        }
        if let Some(secret) = &p.webhook_secret {
            println!("  X-Webhook-Secret: {}", secret.expose());
        }
    }
    if let Some(p) = inventory.providers.first() {
        if let Some(key) = p.api_keys.first() {
            println!(
                "\ntry:\n  curl -s http://{listen}/api/v1/partner/marketplace/plans/me -H 'X-API-Key: {}'",
                key.expose()
            );
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let text = std::fs::read_to_string(&args.inventory)
        .with_context(|| format!("reading {}", args.inventory.display()))?;
    let mut inventory = Inventory::from_toml(&text)?;
    let (_sims, credentials) = start_network(&mut inventory).await?;

    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&args.db).await?);
    // The engine and the dispatcher below start as soon as the API commits work.
    let signal = WorkSignal::new();
    let service = Service::new(Arc::clone(&store)).with_work_signal(signal.clone());
    inventory.apply(&service).await?;
    println!("database  {}", args.db.display());
    let resumed = service.resume_batches().await?;
    if resumed > 0 {
        println!("resumed   {resumed} bulk entries left unfinished by the last run");
    }

    let credentials = Arc::new(credentials);
    let drivers = DriverRegistry::new()
        .with("ios", Arc::new(IosDriver::new(credentials.clone())))
        .with("junos", Arc::new(JunosDriver::new(credentials)));
    let engine = ProvisioningEngine::new(
        Arc::clone(&store),
        drivers,
        Arc::new(SystemClock),
        Arc::new(TimeOrderedIds),
        EngineConfig::default(),
    )
    .with_work_signal(signal.clone());
    let dispatcher = OutboxDispatcher::new(
        Arc::clone(&store),
        Arc::new(HttpEventSink::new()?),
        Arc::new(SystemClock),
        DeliveryPolicy::kurnl_default(),
    )
    .with_work_signal(signal);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = [
        tokio::spawn(engine.run(stopped.clone())),
        tokio::spawn(dispatcher.run(stopped)),
    ];

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    println!(
        "api       http://{}/api/v1 (OpenAPI at /api/v1/openapi.json)",
        args.listen
    );
    print_credentials(&inventory, args.listen);
    let app = kurnl::http::router(service).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            println!("\nshutting down: finishing requests, port jobs and deliveries in flight");
        })
        .await?;
    let _ = stop.send(true);
    for worker in workers {
        worker.await?;
    }
    println!("stopped; queued work is kept in {}", args.db.display());
    Ok(())
}

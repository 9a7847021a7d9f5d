//! The main job of kurnl, end to end: an operator sets up a provider, a plan and a switch; the
//! provider provisions a subscriber (CKO-04); the engine configures the port; the outbox
//! delivers the webhooks; then change plan, suspend, reactivate and cancel.
//!
//! Run: `cargo run --example quickstart` (no arguments). Exits non-zero if anything disagrees.

use std::sync::Arc;

use anyhow::{Context, ensure};
use chrono::{Duration, Utc};
use kurnl::engine::{DeliveryPolicy, EngineConfig, OutboxDispatcher, ProvisioningEngine};
use kurnl::memory::{InMemoryStore, InMemorySwitch};
use kurnl::model::{
    Location, Plan, PlanVersion, Port, PortConfig, PortRef, Switch, WebhookEndpoint,
};
use kurnl::ports::{DriverRegistry, RandomIds, Store, SystemClock};
use kurnl::service::{ChangePlanRequest, NewProvider, ProvisionRequest, Service};
use kurnl::types::{
    InterfaceName, Kbps, LocationHash, PlanId, PlanVersionId, RateLimit, Secret, SwitchId, VlanId,
};
use kurnl_core::testkit::RecordingEventSink;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let service = Service::new(Arc::clone(&store));

    // --- The operator's side: inventory, provider, plans. ---
    let switch = Switch {
        id: SwitchId::new_random(),
        name: "mdu-tower-1".into(),
        driver: "memory".into(),
        address: "10.0.0.2".into(),
        ssh_port: 22,
        credentials_ref: "tower-1".into(),
        host_key: None,
        captive_vlan: VlanId::new(999)?,
        max_sessions: 1,
    };
    service.put_switch(switch.clone()).await?;
    let interface = InterfaceName::parse("GigabitEthernet1/0/12")?;
    let port = PortRef {
        switch_id: switch.id,
        port_number: 12,
    };
    service
        .put_port(Port {
            port,
            interface: interface.clone(),
        })
        .await?;
    let location = LocationHash::parse("ab12cd34ef")?;
    service
        .put_location(Location {
            hash: location.clone(),
            port,
            building_id: None,
            unit_id: None,
        })
        .await?;

    let provider = service
        .put_provider(NewProvider {
            name: "Example ISP".into(),
            live: WebhookEndpoint {
                url: Some("https://isp.example/hooks".into()),
                secret: Some(Secret::new("a-32-character-shared-secret!!!!")),
            },
            ..NewProvider::default()
        })
        .await?;
    let api_key = service.issue_api_key(provider.id, false).await?;
    let plan_id = PlanId::new_random();
    service
        .put_plan(Plan {
            id: plan_id,
            provider_id: provider.id,
            name: "Fibre".into(),
        })
        .await?;
    let version = |name: &str, vlan: u16, down: u32, up: u32| -> anyhow::Result<PlanVersion> {
        Ok(PlanVersion {
            id: PlanVersionId::new_random(),
            plan_id,
            provider_id: provider.id,
            name: name.into(),
            vlan: VlanId::new(vlan)?,
            rate: RateLimit {
                down: Kbps::new(down)?,
                up: Kbps::new(up)?,
            },
            effective_from: Utc::now() - Duration::days(1),
            effective_to: None,
        })
    };
    let basic = version("Fibre 100", 100, 100_000, 50_000)?;
    let fast = version("Fibre 500", 200, 500_000, 250_000)?;
    service.put_plan_version(basic.clone()).await?;
    service.put_plan_version(fast.clone()).await?;
    println!(
        "operator: provider {} with plans {} and {}",
        provider.id, basic.name, fast.name
    );

    // --- The background machinery: port jobs and webhooks. ---
    let driver = Arc::new(InMemorySwitch::new());
    let engine = ProvisioningEngine::new(
        Arc::clone(&store),
        DriverRegistry::new().with("memory", driver.clone()),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        EngineConfig::default(),
    );
    let sink = Arc::new(RecordingEventSink::new());
    let dispatcher = OutboxDispatcher::new(
        Arc::clone(&store),
        sink.clone(),
        Arc::new(SystemClock),
        DeliveryPolicy::kurnl_default(),
    );
    let settle = || async {
        engine.drain().await?;
        while dispatcher.run_once().await? > 0 {}
        anyhow::Ok(())
    };
    let mut seen = 0;
    let mut show = |step: &str, expected: Option<PortConfig>| -> anyhow::Result<()> {
        let actual = driver.port(switch.id, &interface);
        println!("\n== {step}");
        match &actual {
            Some(p) => println!(
                "   port {interface}: vlan {} rate {} mac {} {}",
                p.vlan,
                p.rate
                    .map(|r| format!("{}/{} kbit/s", r.down.get(), r.up.get()))
                    .unwrap_or_else(|| "none".into()),
                p.mac
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "none".into()),
                if p.enabled { "enabled" } else { "DISABLED" }
            ),
            None => println!("   port {interface}: untouched"),
        }
        let events = sink.events();
        for e in &events[seen..] {
            println!("   webhook {}", e.envelope());
        }
        seen = events.len();
        ensure!(
            actual == expected,
            "port state after {step}: expected {expected:?}, got {actual:?}"
        );
        Ok(())
    };

    // --- The provider's side: one CKO-04 call, then the lifecycle. ---
    let caller = service
        .authenticate_api_key(Some(api_key.key.expose()))
        .await?;
    let request = ProvisionRequest {
        plan_version_id: Some(basic.id.to_string()),
        location_hash: Some(location.to_string()),
        email: Some("carol@example.com".into()),
        firstname: Some("Carol".into()),
        lastname: Some("White".into()),
        street: Some("Pine Rd".into()),
        housenumber: Some("88".into()),
        postalcode: Some("C3D 4E5".into()),
        city: Some("Kelowna".into()),
        province: Some("BC".into()),
        mac_address: Some("BB:CC:DD:EE:FF:00".into()),
        ..ProvisionRequest::default()
    };
    let started = service.provider_initiated(&caller, request.clone()).await?;
    println!("provider-initiated: {}", serde_json::to_string(&started)?);
    let replay = service.provider_initiated(&caller, request).await?;
    ensure!(replay == started, "a retried call must return the same ids");
    let job_id = started
        .job_id
        .context("a direct provisioning returns a job")?
        .to_string();
    println!(
        "job {job_id}: {}",
        service.job_status(&caller, &job_id).await?.status
    );
    settle().await?;
    let job = service.job_status(&caller, &job_id).await?;
    ensure!(job.status == "completed", "job ended {}", job.status);
    let sub = started.subscription_id.to_string();
    let mac = "bb:cc:dd:ee:ff:00".parse()?;
    let live = |v: &PlanVersion, enabled| {
        Some(PortConfig {
            vlan: v.vlan,
            rate: Some(v.rate),
            mac: Some(mac),
            enabled,
            description: kurnl::types::PortDescription::for_subscription(started.subscription_id),
        })
    };
    show("provisioned (job completed)", live(&basic, true))?;

    service
        .change_plan(
            &caller,
            &sub,
            ChangePlanRequest {
                plan_version_id: Some(fast.id.to_string()),
            },
        )
        .await?;
    settle().await?;
    show("plan changed", live(&fast, true))?;

    service.suspend(&caller, &sub).await?;
    settle().await?;
    show("suspended", live(&fast, false))?;

    service.reactivate(&caller, &sub).await?;
    settle().await?;
    show("reactivated", live(&fast, true))?;

    service.cancel(&caller, &sub).await?;
    settle().await?;
    show("cancelled", Some(PortConfig::captive(switch.captive_vlan)))?;

    let names = sink.names();
    ensure!(
        names
            == [
                "subscription.activated",
                "provisioning.completed",
                "provisioning.completed",
                "provisioning.completed",
                "provisioning.completed",
                "subscription.cancelled",
                "provisioning.completed"
            ],
        "unexpected webhooks: {names:?}"
    );
    println!(
        "\nquickstart finished: {} webhooks delivered, all checks passed",
        names.len()
    );
    Ok(())
}

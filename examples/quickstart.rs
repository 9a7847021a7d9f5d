//! The main job of kurnl, end to end on real parts: a SQLite database in a temporary
//! directory, a simulated Cisco IOS switch reached over real SSH (host key pinned), and a local
//! webhook receiver that verifies every signature. An operator sets up a provider, plans and
//! the switch; the provider provisions a subscriber (CKO-04); the engine configures the port
//! over SSH; the outbox delivers signed webhooks; then change plan, suspend, reactivate and
//! cancel. After each step it prints the switch's interface configuration and the webhooks.
//!
//! Run: `cargo run --example quickstart` (no arguments). Exits non-zero if anything disagrees.

#[path = "common/receiver.rs"]
mod receiver;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use anyhow::{Context, ensure};
use chrono::{Duration, Utc};
use kurnl::Kurnl;
use kurnl::model::{Location, Plan, PlanVersion, Port, PortConfig, PortRef, WebhookEndpoint};
use kurnl::service::{ChangePlanRequest, NewProvider, ProvisionRequest};
use kurnl::switch::IosDriver;
use kurnl::switch::sim::{SimConfig, SwitchSim, Vendor};
use kurnl::types::{
    InterfaceName, Kbps, LocationHash, PlanId, PlanVersionId, PortDescription, RateLimit, Secret,
    VlanId,
};
use receiver::Receiver;

/// Everything the steps need to check the outcome of the background work.
struct Demo {
    receiver: Receiver,
    sim: SwitchSim,
    interface: InterfaceName,
    webhooks_expected: usize,
}

impl Demo {
    /// Waits for `new_webhooks` more verified webhooks (the engine and the dispatcher run in
    /// the background), then prints the switch's interface and the new webhooks and checks
    /// the port state (a job's `provisioning.*` event is emitted after the switch applied it).
    async fn step(
        &mut self,
        title: &str,
        new_webhooks: usize,
        expected: PortConfig,
    ) -> anyhow::Result<()> {
        let seen = self.webhooks_expected;
        self.webhooks_expected += new_webhooks;
        let got = self
            .receiver
            .wait_for(self.webhooks_expected, StdDuration::from_secs(10))
            .await;
        println!("\n== {title}");
        println!(
            "   show running-config interface {} (read back from the switch)",
            self.interface
        );
        for line in self.sim.running_config(self.interface.as_str()) {
            println!("   | {line}");
        }
        // Deliveries run concurrently, so arrival order may differ from event order; the
        // `sequence` field gives the order per subscription.
        for event in by_sequence(self.receiver.received()[seen.min(got)..].to_vec()) {
            println!("   verified webhook {event}");
        }
        ensure!(
            got == self.webhooks_expected,
            "expected {} verified webhooks, got {got}",
            self.webhooks_expected
        );
        ensure!(
            self.receiver.rejected() == 0,
            "{} webhooks failed verification",
            self.receiver.rejected()
        );
        let actual = self.sim.port(self.interface.as_str());
        ensure!(
            actual.as_ref() == Some(&expected),
            "port after {title}: expected {expected:?}, got {actual:?}"
        );
        Ok(())
    }
}

/// Events ordered by their per-subscription `sequence`.
fn by_sequence(mut events: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    events.sort_by_key(|e| e["sequence"].as_i64().unwrap_or(i64::MAX));
    events
}

fn version(
    plan: PlanId,
    provider: kurnl::types::ProviderId,
    name: &str,
    vlan: u16,
    down: u32,
    up: u32,
) -> anyhow::Result<PlanVersion> {
    Ok(PlanVersion {
        id: PlanVersionId::new_random(),
        plan_id: plan,
        provider_id: provider,
        name: name.into(),
        vlan: VlanId::new(vlan)?,
        rate: RateLimit {
            down: Kbps::new(down)?,
            up: Kbps::new(up)?,
        },
        effective_from: Utc::now() - Duration::days(1),
        effective_to: None,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("kurnl.db");
    let sim = SwitchSim::start(SimConfig::new(Vendor::Ios).with_interface_count(24)).await?;
    // kurnl wired up: the SQLite store, the service, the engine (driving the switch over SSH)
    // and the webhook dispatcher (signed HTTP POSTs), with the default clock, ids and policy.
    let mut kurnl = Kurnl::builder()
        .sqlite(&db)
        .driver("ios", Arc::new(IosDriver::new(Arc::new(sim.credentials()))))
        .build()
        .await?;
    let service = kurnl.service().clone();
    println!("database  {}", db.display());
    println!(
        "switch    simulated IOS at {} (host key {})",
        sim.addr(),
        sim.fingerprint()
    );

    // --- The operator: inventory, provider, plans. ---
    let switch = sim.switch_record("ios");
    service.put_switch(switch.clone()).await?;
    let interface = sim.interfaces()[11].clone();
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

    let secret = Secret::new(format!("demo-secret-{}", uuid::Uuid::new_v4().simple()));
    let receiver = Receiver::start(secret.clone()).await?;
    println!(
        "webhooks  {} (verifies X-Webhook-Signature and Standard Webhooks signatures)",
        receiver.url()
    );
    let provider = service
        .put_provider(NewProvider {
            name: "Example ISP".into(),
            live: WebhookEndpoint {
                url: Some(receiver.url()),
                secret: Some(secret),
                ..Default::default()
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
    let basic = version(plan_id, provider.id, "Fibre 100", 100, 100_000, 50_000)?;
    let fast = version(plan_id, provider.id, "Fibre 500", 200, 500_000, 250_000)?;
    service.put_plan_version(basic.clone()).await?;
    service.put_plan_version(fast.clone()).await?;

    // --- The background machinery: port jobs over SSH, signed webhooks over HTTP. ---
    kurnl.spawn().await?;
    let mut demo = Demo {
        receiver,
        sim,
        interface,
        webhooks_expected: 0,
    };

    // --- The provider: one CKO-04 call, then the lifecycle. ---
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
    println!(
        "\nPOST provider-initiated -> {}",
        serde_json::to_string(&started)?
    );
    ensure!(
        service.provider_initiated(&caller, request).await? == started,
        "a retried call must return the same ids"
    );
    let job_id = started
        .job_id
        .context("direct provisioning returns a job")?
        .to_string();
    println!(
        "job {job_id}: {}",
        service.job_status(&caller, &job_id).await?.status
    );

    let mac = "bb:cc:dd:ee:ff:00".parse()?;
    let description = PortDescription::for_subscription(started.subscription_id);
    let live = |v: &PlanVersion, enabled| PortConfig {
        vlan: v.vlan,
        rate: Some(v.rate),
        mac: Some(mac),
        enabled,
        description: description.clone(),
    };
    let sub = started.subscription_id.to_string();

    demo.step("provisioned", 2, live(&basic, true)).await?;
    ensure!(
        service.job_status(&caller, &job_id).await?.status == "completed",
        "the job did not complete"
    );
    service
        .change_plan(
            &caller,
            &sub,
            ChangePlanRequest {
                plan_version_id: Some(fast.id.to_string()),
            },
        )
        .await?;
    demo.step("plan changed", 1, live(&fast, true)).await?;
    service.suspend(&caller, &sub).await?;
    demo.step("suspended", 1, live(&fast, false)).await?;
    service.reactivate(&caller, &sub).await?;
    demo.step("reactivated", 1, live(&fast, true)).await?;
    service.cancel(&caller, &sub).await?;
    demo.step("cancelled", 2, PortConfig::captive(switch.captive_vlan))
        .await?;

    let names: Vec<String> = by_sequence(demo.receiver.received())
        .iter()
        .map(|e| e["event"].as_str().unwrap_or("?").to_owned())
        .collect();
    let expected = [
        "subscription.activated",
        "provisioning.completed",
        "provisioning.completed",
        "provisioning.completed",
        "provisioning.completed",
        "subscription.cancelled",
        "provisioning.completed",
    ];
    ensure!(names == expected, "unexpected webhooks: {names:?}");
    let report = kurnl.shutdown().await?;
    ensure!(
        report.finished_in_time && report.queued == kurnl::ports::QueuedWork::default(),
        "work left after the last step: {report:?}"
    );
    println!(
        "\nquickstart finished: {} signed webhooks verified, every port state checked on the switch",
        names.len()
    );
    Ok(())
}

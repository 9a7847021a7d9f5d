//! The network and the providers, written before the clock starts: switches, ports and
//! locations (one per subscriber), providers with a webhook endpoint and a plan.

use anyhow::Context;
use kurnl::model::{Location, Plan, PlanVersion, Port, PortRef, WebhookEndpoint};
use kurnl::service::{Caller, NewProvider, Service};
use kurnl::types::{
    InterfaceName, Kbps, LocationHash, PlanId, PlanVersionId, RateLimit, Secret, VlanId,
};
use uuid::Uuid;

use crate::receiver::Receiver;
use crate::sims::SimSwitch;

/// VLAN of the benchmark plan.
pub const PLAN_VLAN: u16 = 100;

/// One provider: its caller and its plan.
#[derive(Clone)]
pub struct Tenant {
    pub caller: Caller,
    pub plan: PlanVersionId,
}

/// A subscriber slot: its location hash (the port is [`slot_place`] of its index).
#[derive(Clone)]
pub struct Slot {
    pub location: String,
}

/// Switch and port (indices) of subscriber `i` among `switches` switches: round-robin over
/// the switches. The simulator process uses the same layout to check the ports.
pub fn slot_place(i: usize, switches: usize) -> (usize, usize) {
    (i % switches, i / switches)
}

/// Writes switches, ports and locations; returns one slot per subscriber.
pub async fn write_inventory(
    service: &Service,
    sims: &[SimSwitch],
    wanted: usize,
) -> anyhow::Result<Vec<Slot>> {
    let count = sims.len();
    let prefix = u64::from(rand_u16()) << 24;
    let slots: Vec<Slot> = (0..wanted)
        .map(|i| Slot {
            location: format!("{:010x}", prefix + i as u64),
        })
        .collect();
    for s in sims {
        service.put_switch(s.record.clone()).await?;
    }
    // Ports and locations in parallel chunks (PostgreSQL gains; SQLite serialises anyway).
    let chunks = 8;
    let chunk_len = slots.len().div_ceil(chunks).max(1);
    let mut tasks = tokio::task::JoinSet::new();
    for (c, chunk) in slots.chunks(chunk_len).enumerate() {
        let chunk: Vec<(PortRef, InterfaceName, String)> = chunk
            .iter()
            .enumerate()
            .map(|(k, slot)| {
                let (switch, port) = slot_place(c * chunk_len + k, count);
                let s = &sims[switch];
                (
                    PortRef {
                        switch_id: s.record.id,
                        port_number: u32::try_from(port + 1).unwrap_or(u32::MAX),
                    },
                    s.interfaces[port].clone(),
                    slot.location.clone(),
                )
            })
            .collect();
        let service = service.clone();
        tasks.spawn(async move {
            for (port, interface, location) in chunk {
                service.put_port(Port { port, interface }).await?;
                service
                    .put_location(Location {
                        hash: LocationHash::parse(&location)?,
                        port,
                        building_id: None,
                        unit_id: None,
                    })
                    .await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.context("inventory task")??;
    }
    Ok(slots)
}

fn rand_u16() -> u16 {
    let bytes = Uuid::new_v4().into_bytes();
    u16::from_le_bytes([bytes[0], bytes[1]])
}

/// Provider `n` with its webhooks going to `receiver`, an API key and one plan.
pub async fn add_provider(
    service: &Service,
    n: usize,
    receiver: &Receiver,
    secret: &Secret,
) -> anyhow::Result<Tenant> {
    let provider = service
        .put_provider(NewProvider {
            name: format!("Bench ISP {n}"),
            live: WebhookEndpoint {
                url: Some(receiver.url()),
                secret: Some(secret.clone()),
                ..Default::default()
            },
            ..NewProvider::default()
        })
        .await?;
    let key = service.issue_api_key(provider.id, false).await?;
    let caller = service.authenticate_api_key(Some(key.key.expose())).await?;
    let plan_id = PlanId::new_random();
    service
        .put_plan(Plan {
            id: plan_id,
            provider_id: provider.id,
            name: "Fibre".into(),
        })
        .await?;
    let version = PlanVersion {
        id: PlanVersionId::new_random(),
        plan_id,
        provider_id: provider.id,
        name: "Fibre 100".into(),
        vlan: VlanId::new(PLAN_VLAN)?,
        rate: RateLimit {
            down: Kbps::new(100_000)?,
            up: Kbps::new(50_000)?,
        },
        effective_from: chrono::Utc::now() - chrono::Duration::days(1),
        effective_to: None,
    };
    service.put_plan_version(version.clone()).await?;
    Ok(Tenant {
        caller,
        plan: version.id,
    })
}

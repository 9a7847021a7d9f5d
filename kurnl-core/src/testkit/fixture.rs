//! A ready-made world for tests: two providers, plans, a switch with ports and locations, a
//! building with units, a manual clock, an in-memory switch and an engine. All ids are random,
//! so several fixtures can share one database.

use std::sync::Arc;

use chrono::Duration;

use super::{ManualClock, RecordingEventSink};
use crate::engine::{DeliveryPolicy, EngineConfig, OutboxDispatcher, ProvisioningEngine};
use crate::memory::InMemorySwitch;
use crate::model::{
    BillingMode, Building, Location, Plan, PlanVersion, Port, PortRef, Provider, Switch, Unit,
    WebhookEndpoint,
};
use crate::ports::{Argon2Hasher, DriverRegistry, Store, TimeOrderedIds};
use crate::service::{
    AddressInput, Caller, CheckoutRequest, CheckoutSubscriberInput, ContactInput, NewProvider,
    ProvisionRequest, Service,
};
use crate::types::{
    BuildingId, InterfaceName, Kbps, LocationHash, PlanId, PlanVersionId, ProviderId, RateLimit,
    Secret, SwitchId, UnitId, VlanId,
};

/// Ports (and locations) the fixture's switch has.
pub const FIXTURE_PORTS: u32 = 48;

/// One provider's credentials and plans.
#[derive(Debug, Clone)]
pub struct FixtureProvider {
    /// The provider.
    pub provider: Provider,
    /// Live caller.
    pub caller: Caller,
    /// Sandbox caller.
    pub sandbox_caller: Caller,
    /// A live API key.
    pub api_key: String,
    /// A sandbox API key.
    pub sandbox_api_key: String,
    /// Live webhook secret (also `X-Webhook-Secret`).
    pub webhook_secret: String,
    /// An active plan version (VLAN 100, 100/50 Mbit/s).
    pub plan: PlanVersion,
    /// Another active plan version (VLAN 200, 500/250 Mbit/s).
    pub plan_fast: PlanVersion,
    /// An expired plan version.
    pub plan_expired: PlanVersion,
}

/// The world.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The service under test.
    pub service: Service,
    /// Its store.
    pub store: Arc<dyn Store>,
    /// The clock everyone uses.
    pub clock: Arc<ManualClock>,
    /// The switch driver (registered as `memory`).
    pub switch: Arc<InMemorySwitch>,
    /// The switch record.
    pub switch_record: Switch,
    /// Engine over the store and the switch, with jitter-free back-off.
    pub engine: ProvisioningEngine,
    /// Outbox dispatcher into `sink`.
    pub dispatcher: OutboxDispatcher,
    /// Events delivered by `dispatcher`.
    pub sink: Arc<RecordingEventSink>,
    /// Provider A.
    pub a: FixtureProvider,
    /// Provider B (for isolation tests).
    pub b: FixtureProvider,
    /// Location hashes, one per port.
    pub locations: Vec<LocationHash>,
    /// Units of the building (no port until confirm-install).
    pub units: Vec<UnitId>,
}

fn rate(down: u32, up: u32) -> RateLimit {
    #[allow(clippy::unwrap_used)]
    RateLimit {
        down: Kbps::new(down).unwrap(),
        up: Kbps::new(up).unwrap(),
    }
}

#[allow(clippy::unwrap_used, clippy::expect_used)] // fixture setup: a failure is a broken test environment
impl Fixture {
    /// Builds the world on `store` (which may be shared with other fixtures).
    pub async fn new(store: Arc<dyn Store>) -> Self {
        let clock = Arc::new(ManualClock::at(chrono::Utc::now()));
        let service = Service::new(Arc::clone(&store))
            .with_clock(clock.clone())
            .with_hasher(Arc::new(Argon2Hasher::fast()));
        let switch = Arc::new(InMemorySwitch::new());
        let switch_record = Switch {
            id: SwitchId::new_random(),
            name: "sw-fixture".into(),
            driver: "memory".into(),
            address: "127.0.0.1".into(),
            ssh_port: 22,
            credentials_ref: "fixture".into(),
            host_key: None,
            captive_vlan: VlanId::new(999).unwrap(),
            max_sessions: 1,
            disabled: false,
        };
        service
            .put_switch(switch_record.clone())
            .await
            .expect("switch");
        let mut locations = Vec::new();
        for n in 1..=FIXTURE_PORTS {
            let port = PortRef {
                switch_id: switch_record.id,
                port_number: n,
            };
            let interface = InterfaceName::parse(&format!("GigabitEthernet1/0/{n}")).unwrap();
            service
                .put_port(Port { port, interface })
                .await
                .expect("port");
            let hash =
                LocationHash::parse(&hex::encode(&uuid::Uuid::new_v4().as_bytes()[..5])).unwrap();
            service
                .put_location(Location {
                    hash: hash.clone(),
                    port,
                    building_id: None,
                    unit_id: None,
                })
                .await
                .expect("location");
            locations.push(hash);
        }
        let building = BuildingId::new_random();
        service
            .put_building(Building {
                id: building,
                name: "Fixture Tower".into(),
                address: None,
            })
            .await
            .expect("building");
        let mut units = Vec::new();
        for n in 1..=8 {
            let id = UnitId::new_random();
            service
                .put_unit(Unit {
                    id,
                    building_id: building,
                    label: format!("{n}A"),
                    floor: None,
                })
                .await
                .expect("unit");
            units.push(id);
        }
        let a = Self::provider(&service, &clock, "Provider A").await;
        let b = Self::provider(&service, &clock, "Provider B").await;
        let drivers = DriverRegistry::new().with("memory", switch.clone());
        let mut config = EngineConfig {
            worker: "fixture".into(),
            ..EngineConfig::default()
        };
        config.backoff.jitter = 0.0;
        let engine = ProvisioningEngine::new(
            Arc::clone(&store),
            drivers,
            clock.clone(),
            Arc::new(TimeOrderedIds),
            config,
        );
        let sink = Arc::new(RecordingEventSink::new());
        let policy = DeliveryPolicy::kurnl_default().without_jitter();
        let dispatcher =
            OutboxDispatcher::new(Arc::clone(&store), sink.clone(), clock.clone(), policy);
        Self {
            service,
            store,
            clock,
            switch,
            switch_record,
            engine,
            dispatcher,
            sink,
            a,
            b,
            locations,
            units,
        }
    }

    /// A fixture on a fresh [`InMemoryStore`](crate::memory::InMemoryStore).
    pub async fn in_memory() -> Self {
        Self::new(Arc::new(crate::memory::InMemoryStore::new())).await
    }

    async fn provider(service: &Service, clock: &ManualClock, name: &str) -> FixtureProvider {
        let webhook_secret = format!("whsec-{}", uuid::Uuid::new_v4().simple());
        let provider = service
            .put_provider(NewProvider {
                id: Some(ProviderId::new_random()),
                name: name.into(),
                live: WebhookEndpoint {
                    url: Some("http://127.0.0.1:9/hooks".into()),
                    secret: Some(Secret::new(&webhook_secret)),
                    ..Default::default()
                },
                sandbox: WebhookEndpoint {
                    url: None,
                    secret: Some(Secret::new(format!("{webhook_secret}-sb"))),
                    ..Default::default()
                },
                external_checkout_url: None,
                billing_mode: BillingMode::Kurnl,
            })
            .await
            .expect("provider");
        let api_key = service
            .issue_api_key(provider.id, false)
            .await
            .expect("key")
            .key
            .expose()
            .to_owned();
        let sandbox_api_key = service
            .issue_api_key(provider.id, true)
            .await
            .expect("key")
            .key
            .expose()
            .to_owned();
        let plan_id = PlanId::new_random();
        service
            .put_plan(Plan {
                id: plan_id,
                provider_id: provider.id,
                name: format!("{name} fibre"),
            })
            .await
            .expect("plan");
        let now = crate::ports::Clock::now(clock);
        let version = |name: &str, vlan: u16, r: RateLimit, from, to| PlanVersion {
            id: PlanVersionId::new_random(),
            plan_id,
            provider_id: provider.id,
            name: name.into(),
            vlan: VlanId::new(vlan).unwrap(),
            rate: r,
            effective_from: from,
            effective_to: to,
        };
        let plan = version(
            "100M",
            100,
            rate(100_000, 50_000),
            now - Duration::days(30),
            None,
        );
        let plan_fast = version(
            "500M",
            200,
            rate(500_000, 250_000),
            now - Duration::days(30),
            None,
        );
        let plan_expired = version(
            "old",
            300,
            rate(10_000, 5_000),
            now - Duration::days(60),
            Some(now - Duration::days(1)),
        );
        for v in [&plan, &plan_fast, &plan_expired] {
            service
                .put_plan_version(v.clone())
                .await
                .expect("plan version");
        }
        FixtureProvider {
            caller: Caller {
                provider_id: provider.id,
                sandbox: false,
            },
            sandbox_caller: Caller {
                provider_id: provider.id,
                sandbox: true,
            },
            provider,
            api_key,
            sandbox_api_key,
            webhook_secret,
            plan,
            plan_fast,
            plan_expired,
        }
    }

    /// A complete CKO-04 request for `email` at location `n` on provider A's plan.
    pub fn provision_request(&self, email: &str, location: usize) -> ProvisionRequest {
        ProvisionRequest {
            plan_version_id: Some(self.a.plan.id.to_string()),
            location_hash: Some(self.locations[location].as_str().to_owned()),
            email: Some(email.into()),
            firstname: Some("Carol".into()),
            lastname: Some("White".into()),
            street: Some("Pine Rd".into()),
            housenumber: Some("88".into()),
            postalcode: Some("C3D 4E5".into()),
            city: Some("Kelowna".into()),
            province: Some("BC".into()),
            country: Some("Canada".into()),
            phonenumber: Some("+16045559876".into()),
            mac_address: Some("BB:CC:DD:EE:FF:00".into()),
            external_subscription_id: None,
        }
    }

    /// A complete CKO-03 direct checkout for `email` at location `n` on provider A's plan.
    pub fn checkout_request(&self, email: &str, location: usize) -> CheckoutRequest {
        let contact = ContactInput {
            firstname: Some("Alice".into()),
            lastname: Some("Martin".into()),
            email: Some(email.into()),
            phonenumber: None,
            company: None,
        };
        CheckoutRequest {
            service_provider_document_id: Some(self.a.provider.id.to_string()),
            plan_version_id: Some(self.a.plan.id.to_string()),
            delivery_mode: None,
            location_hash: Some(self.locations[location].as_str().to_owned()),
            unit_id: None,
            subscriber: Some(CheckoutSubscriberInput {
                email: Some(email.into()),
                username: Some("alice".into()),
                password: Some(Secret::new("s3cret-passw0rd")),
                customer_type: None,
                mac_address: None,
                invoice_contact_detail: Some(contact.clone()),
                contract_contact_detail: Some(contact),
                invoice_address: Some(AddressInput {
                    street: Some("Main St".into()),
                    housenumber: Some("1".into()),
                    postalcode: Some("V1A 2B3".into()),
                    city: Some("Vancouver".into()),
                    province: Some("BC".into()),
                    country: None,
                    unitnumber: None,
                    floor: None,
                }),
            }),
        }
    }

    /// Runs the engine until no job is due, then delivers all due events.
    pub async fn settle(&self) {
        self.engine.drain().await.expect("engine");
        while self.dispatcher.run_once().await.expect("dispatcher") > 0 {}
    }
}

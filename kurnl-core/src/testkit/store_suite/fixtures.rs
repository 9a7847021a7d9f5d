//! Builders of valid, referentially complete test data with fresh random ids, and assertion
//! helpers. Public so that implementors can write extra tests in the same style.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::Rng;

use crate::model::{
    Address, BillingMode, Building, EventData, Job, JobAction, JobStatus, NewEvent, Plan,
    PlanVersion, Port, PortConfig, PortRef, Provider, Subscriber, Subscription, Switch, Unit,
    WebhookEndpoint,
};
use crate::ports::{ConflictKind, Store, StoreError};
use crate::types::{
    BuildingId, CustomerType, DeliveryMode, Email, EventId, InterfaceName, JobId, Kbps,
    LocationHash, PlanId, PlanVersionId, ProviderId, RateLimit, SubscriberId, SubscriptionId,
    SubscriptionStatus, SwitchId, Text, UnitId, VlanId,
};

/// Unwraps a store result or panics naming the call.
#[track_caller]
pub fn ok<T>(result: Result<T, StoreError>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("store conformance: {what} failed: {e}"),
    }
}

/// Asserts that a result is `Conflict(kind)`.
#[track_caller]
pub fn expect_conflict<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    kind: ConflictKind,
    what: &str,
) {
    match result {
        Err(StoreError::Conflict(k)) if k == kind => {}
        other => panic!("store conformance: {what}: expected Conflict({kind:?}), got {other:?}"),
    }
}

/// Asserts that a result is `LeaseLost`.
#[track_caller]
pub fn expect_lease_lost<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::LeaseLost) => {}
        other => panic!("store conformance: {what}: expected LeaseLost, got {other:?}"),
    }
}

/// Asserts that a result is `NotFound`.
#[track_caller]
pub fn expect_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("store conformance: {what}: expected NotFound, got {other:?}"),
    }
}

fn utc(year: i32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

fn random_seconds(max: i64) -> Duration {
    Duration::seconds(rand::thread_rng().gen_range(0..max))
}

/// A random whole-second time in the 2900s. Everything that is not a queue or outbox test
/// uses such times, so its jobs and events are never due for the queue tests, whose clocks
/// are in the 2030s (the suite shares databases between tests that run in parallel).
pub fn idle_time() -> DateTime<Utc> {
    utc(2900) + random_seconds(3_000_000_000)
}

/// A random whole-second time in the 2030s: the clock of queue and outbox tests.
pub fn queue_time() -> DateTime<Utc> {
    utc(2030) + random_seconds(300_000_000)
}

/// `base + seconds`.
pub fn at(base: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    base + Duration::seconds(seconds)
}

fn simple(uuid: uuid::Uuid) -> String {
    uuid.simple().to_string()
}

/// A fresh random email address.
#[allow(clippy::expect_used)]
pub fn random_email() -> Email {
    Email::parse(&format!(
        "suite-{}@example.com",
        simple(uuid::Uuid::new_v4())
    ))
    .expect("valid email")
}

/// A fresh random location hash.
#[allow(clippy::expect_used)]
pub fn random_location_hash() -> LocationHash {
    LocationHash::parse(&simple(uuid::Uuid::new_v4())[..10]).expect("valid location hash")
}

/// A text value.
#[allow(clippy::expect_used)]
pub fn text(raw: &str) -> Text {
    Text::parse(raw).expect("valid text")
}

/// A VLAN id.
#[allow(clippy::expect_used)]
pub fn vlan(id: u16) -> VlanId {
    VlanId::new(id).expect("valid vlan")
}

/// The interface name the suite gives port `n`.
#[allow(clippy::expect_used)]
pub fn interface(n: u32) -> InterfaceName {
    InterfaceName::parse(&format!("GigabitEthernet1/0/{n}")).expect("valid interface name")
}

/// A provider with a random id.
pub fn provider() -> Provider {
    let id = ProviderId::new_random();
    Provider {
        id,
        name: format!("suite provider {id}"),
        live: WebhookEndpoint::default(),
        sandbox: WebhookEndpoint::default(),
        external_checkout_url: None,
        billing_mode: BillingMode::Kurnl,
    }
}

/// A switch with a random id and name.
pub fn switch(max_sessions: u32) -> Switch {
    let id = SwitchId::new_random();
    Switch {
        id,
        name: format!("suite-{}", simple(id.0)),
        driver: "memory".into(),
        address: "192.0.2.1".into(),
        ssh_port: 22,
        credentials_ref: "suite".into(),
        host_key: None,
        captive_vlan: vlan(999),
        max_sessions,
        disabled: false,
    }
}

/// What most tests start from: a provider with one plan version, and a switch with ports.
#[derive(Debug, Clone)]
pub struct World {
    /// The provider.
    pub provider: ProviderId,
    /// A plan version of the provider.
    pub plan_version: PlanVersionId,
    /// The switch.
    pub switch: SwitchId,
    /// Its ports, numbered 1.., all in the inventory.
    pub ports: Vec<PortRef>,
}

/// Stores a provider, a plan and version, a switch allowing `max_sessions` and `ports` ports.
pub async fn world(store: &dyn Store, ports: u32, max_sessions: u32) -> World {
    let provider = new_provider(store).await;
    let plan_version = new_plan_version(store, provider).await.id;
    let (switch, ports) = new_switch(store, ports, max_sessions).await;
    World {
        provider,
        plan_version,
        switch,
        ports,
    }
}

/// Stores a fresh provider.
pub async fn new_provider(store: &dyn Store) -> ProviderId {
    let p = provider();
    ok(store.put_provider(&p).await, "put_provider");
    p.id
}

/// Stores a plan and a version of it for `provider`.
#[allow(clippy::expect_used)]
pub async fn new_plan_version(store: &dyn Store, provider: ProviderId) -> PlanVersion {
    let plan = Plan {
        id: PlanId::new_random(),
        provider_id: provider,
        name: "suite plan".into(),
    };
    ok(store.put_plan(&plan).await, "put_plan");
    let rate = RateLimit {
        down: Kbps::new(100_000).expect("rate"),
        up: Kbps::new(20_000).expect("rate"),
    };
    let version = PlanVersion {
        id: PlanVersionId::new_random(),
        plan_id: plan.id,
        provider_id: provider,
        name: "suite plan v1".into(),
        vlan: vlan(100),
        rate,
        effective_from: utc(2000),
        effective_to: None,
    };
    ok(store.put_plan_version(&version).await, "put_plan_version");
    version
}

/// Stores a switch and `ports` ports (numbers 1..=ports).
pub async fn new_switch(
    store: &dyn Store,
    ports: u32,
    max_sessions: u32,
) -> (SwitchId, Vec<PortRef>) {
    let sw = switch(max_sessions);
    ok(store.put_switch(&sw).await, "put_switch");
    let mut refs = Vec::new();
    for n in 1..=ports {
        let port = PortRef {
            switch_id: sw.id,
            port_number: n,
        };
        ok(
            store
                .put_port(&Port {
                    port,
                    interface: interface(n),
                })
                .await,
            "put_port",
        );
        refs.push(port);
    }
    (sw.id, refs)
}

/// Stores a building and a unit in it.
pub async fn new_unit(store: &dyn Store) -> UnitId {
    let building = Building {
        id: BuildingId::new_random(),
        name: "suite building".into(),
        address: None,
    };
    ok(store.put_building(&building).await, "put_building");
    let unit = Unit {
        id: UnitId::new_random(),
        building_id: building.id,
        label: "4B".into(),
        floor: None,
    };
    ok(store.put_unit(&unit).await, "put_unit");
    unit.id
}

/// A subscriber (not stored) with a random id and email.
pub fn subscriber(provider: ProviderId, sandbox: bool, created_at: DateTime<Utc>) -> Subscriber {
    Subscriber {
        id: SubscriberId::new_time_ordered(),
        provider_id: provider,
        sandbox,
        email: random_email(),
        username: None,
        firstname: text("Alex"),
        lastname: text("Martin"),
        phonenumber: None,
        address: Address {
            street: None,
            housenumber: None,
            postalcode: None,
            city: None,
            province: None,
            country: text("Canada"),
            unitnumber: None,
            floor: None,
        },
        customer_type: CustomerType::Residential,
        password_hash: None,
        invoice_contact: None,
        contract_contact: None,
        revision: 1,
        created_at,
        updated_at: created_at,
    }
}

/// A live (`ACTIVE`) subscription (not stored) on `port` under a random idempotency key.
pub fn subscription(
    world: &World,
    port: Option<PortRef>,
    created_at: DateTime<Utc>,
) -> Subscription {
    Subscription {
        id: SubscriptionId::new_time_ordered(),
        provider_id: world.provider,
        sandbox: false,
        subscriber_id: None,
        plan_version_id: world.plan_version,
        status: SubscriptionStatus::Active,
        delivery_mode: DeliveryMode::Direct,
        location_hash: None,
        unit_id: None,
        port,
        mac: None,
        external_subscription_id: None,
        idempotency_key: Some(format!("suite:{}", simple(uuid::Uuid::new_v4()))),
        request_fingerprint: Some("fingerprint".into()),
        initial_job_id: None,
        revision: 1,
        created_at,
        updated_at: created_at,
    }
}

/// A pending provision job (not stored) for `subscription` on its port.
pub fn job(
    subscription: &Subscription,
    port: PortRef,
    created_at: DateTime<Utc>,
    run_at: DateTime<Utc>,
) -> Job {
    Job {
        id: JobId::new_time_ordered(),
        provider_id: subscription.provider_id,
        subscription_id: subscription.id,
        sandbox: subscription.sandbox,
        action: JobAction::Provision,
        port,
        interface: interface(port.port_number),
        desired: PortConfig::captive(vlan(100)),
        status: JobStatus::Pending,
        attempts: 0,
        run_at,
        lease: None,
        lease_expires_at: None,
        last_error: None,
        created_at,
        updated_at: created_at,
    }
}

/// A `subscription.cancelled` event (not stored) about `subscription`.
pub fn event(subscription: &Subscription, created_at: DateTime<Utc>) -> NewEvent {
    NewEvent {
        id: EventId::new_time_ordered(),
        provider_id: subscription.provider_id,
        sandbox: subscription.sandbox,
        data: EventData::SubscriptionCancelled {
            subscription_id: subscription.id,
        },
        created_at,
    }
}

/// A `provisioning.completed` event (not stored) about `job`.
pub fn completed_event(job: &Job, created_at: DateTime<Utc>) -> NewEvent {
    NewEvent {
        id: EventId::new_time_ordered(),
        provider_id: job.provider_id,
        sandbox: job.sandbox,
        data: EventData::ProvisioningCompleted {
            job_id: job.id,
            subscription_id: job.subscription_id,
        },
        created_at,
    }
}

/// Commits a new subscription alone.
pub async fn insert_subscription(store: &dyn Store, subscription: &Subscription) {
    let writes = crate::ports::WriteSet {
        new_subscription: Some(subscription.clone()),
        ..Default::default()
    };
    ok(store.commit(writes).await, "commit of a new subscription");
}

/// Commits a new subscription with one job on `port` created at `created_at`, due at `run_at`.
pub async fn subscription_with_job(
    store: &dyn Store,
    world: &World,
    port: PortRef,
    created_at: DateTime<Utc>,
    run_at: DateTime<Utc>,
) -> (Subscription, Job) {
    let sub = subscription(world, Some(port), created_at);
    let job = job(&sub, port, created_at, run_at);
    let writes = crate::ports::WriteSet {
        new_subscription: Some(sub.clone()),
        jobs: vec![job.clone()],
        ..Default::default()
    };
    ok(
        store.commit(writes).await,
        "commit of a subscription with a job",
    );
    (sub, job)
}

/// The subscription moved to `status` with the next revision, for a [`SubscriptionUpdate`](crate::ports::SubscriptionUpdate).
pub fn with_status(
    sub: &Subscription,
    status: SubscriptionStatus,
) -> crate::ports::SubscriptionUpdate {
    let mut after = sub.clone();
    after.status = status;
    after.revision = sub.revision + 1;
    crate::ports::SubscriptionUpdate {
        expected_revision: sub.revision,
        after,
    }
}

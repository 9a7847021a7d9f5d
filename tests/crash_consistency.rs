//! Crash consistency of the whole pipeline: a worker process runs a provisioning workload
//! (provision, change plan, suspend, reactivate, cancel) on a SQLite file, simulated IOS and
//! Junos switches over SSH and a verifying webhook receiver, and is killed with SIGKILL at
//! random points, with the receiver down and a switch refusing connections for part of the
//! run. After a last, uninterrupted run the test checks that nothing was lost or duplicated:
//! every subscription is in the state the workload implies, every port's actual configuration
//! (read from the simulator) is the desired one, every event reached the receiver, and every
//! job completed.
//!
//! The worker is this test binary re-invoked on the ignored `crash_child` test.

#[path = "../examples/common/receiver.rs"]
mod receiver;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use kurnl::engine::{
    Backoff, DeliveryPolicy, DispatcherConfig, EngineConfig, OutboxDispatcher, ProvisioningEngine,
    Schedule,
};
use kurnl::lifecycle::{self, Command, State};
use kurnl::model::{
    BillingMode, DeliveryStatus, JobStatus, Location, Plan, PlanVersion, Port, PortRef,
    WebhookEndpoint,
};
use kurnl::ports::{
    DriverRegistry, EventQuery, Store, SubscriberQuery, SystemClock, TimeOrderedIds,
};
use kurnl::service::{Caller, ChangePlanRequest, NewProvider, ProvisionRequest, Service};
use kurnl::store::SqliteStore;
use kurnl::switch::sim::{SimConfig, SwitchSim, Vendor};
use kurnl::switch::{CredentialStore, Credentials, IosDriver, JunosDriver};
use kurnl::types::{
    Kbps, LocationHash, PlanId, PlanVersionId, ProviderId, RateLimit, Secret, SubscriptionStatus,
    VlanId,
};
use kurnl::webhook::HttpEventSink;
use serde::{Deserialize, Serialize};

const SUBSCRIBERS: usize = 500;
const PORTS_PER_SWITCH: usize = 250;
const KILLS: usize = 10;
const CHILD_ENV: &str = "KURNL_CRASH_CHILD_CONFIG";

/// What the worker process needs to know (written by the test as JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChildConfig {
    db: PathBuf,
    provider: ProviderId,
    plans: [PlanVersionId; 2],
    locations: Vec<String>,
    seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    ChangePlan(usize),
    Suspend,
    Reactivate,
    Cancel,
}

/// The workload: per subscriber, the operations after provisioning (deterministic from `seed`).
fn workload(seed: u64) -> Vec<Vec<Op>> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..SUBSCRIBERS)
        .map(|_| {
            let n = next() % 4;
            (0..n)
                .map(|_| match next() % 4 {
                    0 => Op::ChangePlan((next() % 2) as usize),
                    1 => Op::Suspend,
                    2 => Op::Reactivate,
                    _ => Op::Cancel,
                })
                .collect()
        })
        .collect()
}

/// The status and plan the pure lifecycle gives for one subscriber's operations.
fn expected(ops: &[Op]) -> (SubscriptionStatus, usize) {
    let billing = BillingMode::Kurnl;
    let mut status = SubscriptionStatus::Active;
    let mut plan = 0;
    for op in ops {
        let command = match op {
            Op::ChangePlan(p) => Command::ChangePlan {
                same_version: *p == plan,
            },
            Op::Suspend => Command::Suspend,
            Op::Reactivate => Command::Reactivate,
            Op::Cancel => Command::Cancel,
        };
        if let Ok(t) = lifecycle::transition(
            State {
                status: Some(status),
                has_port: true,
                billing,
            },
            command,
        ) {
            status = t.next;
            if let (Op::ChangePlan(p), true) = (op, !t.effects.is_empty()) {
                plan = *p;
            }
        }
    }
    (status, plan)
}

fn request(config: &ChildConfig, i: usize) -> ProvisionRequest {
    ProvisionRequest {
        plan_version_id: Some(config.plans[0].to_string()),
        location_hash: Some(config.locations[i].clone()),
        email: Some(format!("crash{i}@example.com")),
        firstname: Some("Crash".into()),
        lastname: Some(format!("Test{i}")),
        street: Some("Pine Rd".into()),
        housenumber: Some(i.to_string()),
        postalcode: Some("C3D 4E5".into()),
        city: Some("Kelowna".into()),
        province: Some("BC".into()),
        mac_address: Some(format!("02:00:00:00:{:02x}:{:02x}", i / 256, i % 256)),
        ..ProvisionRequest::default()
    }
}

/// The worker: runs the workload from where the progress log says the last run got to (the
/// operation in flight when a run was killed is repeated, which the API makes safe), then
/// waits until every job finished and every event was delivered.
#[test]
#[ignore = "the worker process of survives_sigkill_at_random_points, not a test of its own"]
fn crash_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let config: ChildConfig =
        serde_json::from_str(&std::fs::read_to_string(path).expect("config")).expect("config json");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(child(config)).expect("worker");
}

async fn child(config: ChildConfig) -> anyhow::Result<()> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&config.db).await?);
    let service = Service::new(Arc::clone(&store));
    let credentials = Arc::new(
        CredentialStore::new().with("sim", Credentials::password("kurnl", "kurnl-sim-pw")),
    );
    let drivers = DriverRegistry::new()
        .with("ios", Arc::new(IosDriver::new(credentials.clone())))
        .with("junos", Arc::new(JunosDriver::new(credentials)));
    let engine_config = EngineConfig {
        worker: format!("crash-{}", std::process::id()),
        // Generous leases and deadlines: CI machines are loaded, and an expired lease or a
        // session deadline under load only causes repeated work.
        lease: chrono::Duration::seconds(5),
        max_jobs_per_claim: 20,
        backoff: Backoff {
            max_attempts: 1000,
            initial: Duration::from_millis(50),
            factor: 2.0,
            max: Duration::from_millis(500),
            jitter: 0.2,
        },
        apply_timeout: Duration::from_secs(120),
        idle_poll: Duration::from_millis(20),
        ..EngineConfig::default()
    };
    let engine = ProvisioningEngine::new(
        Arc::clone(&store),
        drivers,
        Arc::new(SystemClock),
        Arc::new(TimeOrderedIds),
        engine_config,
    );
    let policy = DeliveryPolicy {
        schedule: Schedule::Fixed {
            delays: vec![Duration::from_millis(100); 2000],
            jitter: 0.1,
        },
        timeout: Duration::from_secs(1),
    };
    let dispatcher = OutboxDispatcher::new(
        Arc::clone(&store),
        Arc::new(HttpEventSink::new()?),
        Arc::new(SystemClock),
        policy,
    )
    .with_config(DispatcherConfig {
        batch_size: 32,
        concurrency: 32,
        poll_interval: Duration::from_millis(20),
        lease: chrono::Duration::seconds(2),
    });
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(engine.run(stopped.clone()));
    tokio::spawn(dispatcher.run(stopped));

    let caller = Caller {
        provider_id: config.provider,
        sandbox: false,
    };
    let ops = workload(config.seed);
    let progress_path = config.db.with_extension("progress");
    let done = read_progress(&progress_path);
    let log = Arc::new(std::sync::Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&progress_path)?,
    ));
    let service = &service;
    let config = &config;
    let done = &done;
    futures::stream::iter(ops.iter().enumerate())
        .for_each_concurrent(16, |(i, ops)| {
            let log = log.clone();
            async move {
                let record = |step: usize, id: &str| {
                    use std::io::Write;
                    let mut file = log.lock().unwrap_or_else(|e| e.into_inner());
                    writeln!(file, "{i} {step} {id}").expect("progress log");
                };
                let (skip, known) = done.get(&i).cloned().unwrap_or((0, String::new()));
                // Provisioning is repeated until recorded (a replay returns the same subscription);
                // once recorded it must not be: after a cancel it would create a new subscription.
                let id = if skip >= 1 {
                    known
                } else {
                    let Ok(created) = service
                        .provider_initiated(&caller, request(config, i))
                        .await
                    else {
                        panic!("provisioning subscriber {i} failed");
                    };
                    created.subscription_id.to_string()
                };
                record(1, &id);
                for (k, op) in ops.iter().enumerate().skip(skip.saturating_sub(1)) {
                    let result = match op {
                        Op::ChangePlan(p) => {
                            let req = ChangePlanRequest {
                                plan_version_id: Some(config.plans[*p].to_string()),
                            };
                            service.change_plan(&caller, &id, req).await
                        }
                        Op::Suspend => service.suspend(&caller, &id).await,
                        Op::Reactivate => service.reactivate(&caller, &id).await,
                        Op::Cancel => service.cancel(&caller, &id).await,
                    };
                    if let Err(e) = result {
                        assert_eq!(e.status(), 409, "subscriber {i} {op:?}: {e}");
                    }
                    record(k + 2, &id);
                }
            }
        })
        .await;
    // Quiescence: every job finished, every event delivered.
    loop {
        if settled(store.as_ref(), config.provider).await? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Per subscriber: operations done (1 = provisioned, 1 + k = k operations after it) and the
/// subscription id.
fn read_progress(path: &std::path::Path) -> HashMap<usize, (usize, String)> {
    let mut done: HashMap<usize, (usize, String)> = HashMap::new();
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        // A run killed mid-write leaves a torn last line; it is ignored.
        let parts: Vec<&str> = line.split(' ').collect();
        let [i, step, id] = parts[..] else { continue };
        let (Ok(i), Ok(step)) = (i.parse::<usize>(), step.parse::<usize>()) else {
            continue;
        };
        if id.len() != 36 {
            continue;
        }
        let entry = done.entry(i).or_insert((0, String::new()));
        if step >= entry.0 {
            *entry = (step, id.to_owned());
        }
    }
    done
}

async fn settled(store: &dyn Store, provider: ProviderId) -> anyhow::Result<bool> {
    // Jobs first, then events: a job's completion writes its event in the same transaction,
    // so once every job is terminal no new event can appear. The other order raced: a job
    // finishing between the two reads left its `provisioning.completed` pending at exit.
    for sub in all_subscriptions(store, provider).await? {
        if store
            .list_jobs_of(provider, sub.id)
            .await?
            .iter()
            .any(|j| !j.status.is_terminal())
        {
            return Ok(false);
        }
    }
    let query = EventQuery {
        provider_id: provider,
        since: None,
        status: Some(DeliveryStatus::Pending),
        limit: 1,
    };
    Ok(store.list_events(&query).await?.is_empty())
}

async fn all_subscriptions(
    store: &dyn Store,
    provider: ProviderId,
) -> anyhow::Result<Vec<kurnl::model::Subscription>> {
    let mut subs = Vec::new();
    for page in 1.. {
        let query = SubscriberQuery {
            provider_id: provider,
            sandbox: false,
            page,
            page_size: 100,
            status: None,
            search: None,
        };
        let result = store.list_subscribers(&query).await?;
        for s in &result.results {
            subs.extend(store.list_subscriptions_of(provider, s.id).await?);
        }
        if result.results.len() < 100 {
            break;
        }
    }
    Ok(subs)
}

/// A TCP forwarder in front of a simulator that can refuse connections for a while.
struct Proxy {
    addr: SocketAddr,
    refusing: Arc<AtomicBool>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let refusing = Arc::new(AtomicBool::new(false));
        let flag = refusing.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if flag.load(Ordering::Relaxed) {
                    drop(inbound);
                    continue;
                }
                tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Ok(Self { addr, refusing })
    }
}

/// A simulator, the proxy in front of it, and its ports with their interface names.
type SimulatedSwitch = (SwitchSim, Proxy, Vec<(PortRef, String)>);

struct World {
    _dir: tempfile::TempDir,
    config_path: PathBuf,
    config: ChildConfig,
    sims: Vec<SimulatedSwitch>,
    receiver: receiver::Receiver,
    plans: [PlanVersion; 2],
}

async fn world() -> anyhow::Result<World> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("crash.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db).await?);
    let service = Service::new(Arc::clone(&store));
    let secret = Secret::new("crash-test-secret-0123456789abcdef");
    let receiver = receiver::Receiver::start(secret.clone()).await?;
    let provider = service
        .put_provider(NewProvider {
            name: "Crash ISP".into(),
            live: WebhookEndpoint {
                url: Some(receiver.url()),
                secret: Some(secret),
                ..Default::default()
            },
            ..NewProvider::default()
        })
        .await?;
    let plan_id = PlanId::new_random();
    service
        .put_plan(Plan {
            id: plan_id,
            provider_id: provider.id,
            name: "Fibre".into(),
        })
        .await?;
    let version = |vlan: u16, down: u32| -> anyhow::Result<PlanVersion> {
        Ok(PlanVersion {
            id: PlanVersionId::new_random(),
            plan_id,
            provider_id: provider.id,
            name: format!("vlan {vlan}"),
            vlan: VlanId::new(vlan)?,
            rate: RateLimit {
                down: Kbps::new(down)?,
                up: Kbps::new(down / 2)?,
            },
            effective_from: Utc::now() - chrono::Duration::days(1),
            effective_to: None,
        })
    };
    let plans = [version(100, 100_000)?, version(200, 500_000)?];
    for p in &plans {
        service.put_plan_version(p.clone()).await?;
    }
    let mut sims = Vec::new();
    let mut locations = Vec::new();
    for (n, vendor) in [Vendor::Ios, Vendor::Junos].into_iter().enumerate() {
        let sim =
            SwitchSim::start(SimConfig::new(vendor).with_interface_count(PORTS_PER_SWITCH)).await?;
        let proxy = Proxy::start(sim.addr()).await?;
        let mut switch = sim.switch_record(if vendor == Vendor::Ios {
            "ios"
        } else {
            "junos"
        });
        switch.address = proxy.addr.ip().to_string();
        switch.ssh_port = proxy.addr.port();
        service.put_switch(switch.clone()).await?;
        let mut ports = Vec::new();
        for (k, interface) in sim.interfaces().into_iter().enumerate() {
            let port = PortRef {
                switch_id: switch.id,
                port_number: u32::try_from(k + 1)?,
            };
            service
                .put_port(Port {
                    port,
                    interface: interface.clone(),
                })
                .await?;
            let hash = LocationHash::parse(&format!("{:02x}{:08x}", n, k))?;
            service
                .put_location(Location {
                    hash: hash.clone(),
                    port,
                    building_id: None,
                    unit_id: None,
                })
                .await?;
            locations.push(hash.to_string());
            ports.push((port, interface.as_str().to_owned()));
        }
        sims.push((sim, proxy, ports));
    }
    // Interleave the two switches so both are busy all the time.
    let (ios, junos) = locations.split_at(PORTS_PER_SWITCH);
    let locations = ios
        .iter()
        .zip(junos)
        .flat_map(|(a, b)| [a.clone(), b.clone()])
        .collect();
    let config = ChildConfig {
        db,
        provider: provider.id,
        plans: [plans[0].id, plans[1].id],
        locations,
        seed: 0x5eed_cafe,
    };
    let config_path = dir.path().join("child.json");
    std::fs::write(&config_path, serde_json::to_string(&config)?)?;
    Ok(World {
        _dir: dir,
        config_path,
        config,
        sims,
        receiver,
        plans,
    })
}

fn spawn_child(world: &World, run: usize) -> anyhow::Result<tokio::process::Child> {
    let log = std::fs::File::create(world.config_path.with_extension(format!("run{run}.log")))?;
    Ok(tokio::process::Command::new(std::env::current_exe()?)
        .args([
            "--exact",
            "crash_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &world.config_path)
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_sigkill_at_random_points() -> anyhow::Result<()> {
    let world = world().await?;
    let mut rng = 0x1234_5678_9abc_def0_u64;
    let mut random_ms = |lo: u64, hi: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        lo + rng % (hi - lo)
    };
    for run in 0..KILLS {
        // Faults for part of the run: the receiver is down, one switch refuses connections.
        world.receiver.set_down(run % 3 == 1);
        world.sims[run % 2]
            .1
            .refusing
            .store(run % 4 == 2, Ordering::Relaxed);
        let mut child = spawn_child(&world, run)?;
        tokio::time::sleep(Duration::from_millis(random_ms(300, 1500))).await;
        child.start_kill()?; // SIGKILL
        let status = child.wait().await?;
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(9),
            "run {run} ended with {status} before it was killed; the workload is too small"
        );
    }
    world.receiver.set_down(false);
    for (_, proxy, _) in &world.sims {
        proxy.refusing.store(false, Ordering::Relaxed);
    }
    let mut last = spawn_child(&world, KILLS)?;
    let log_path = world.config_path.with_extension(format!("run{KILLS}.log"));
    let finished = tokio::time::timeout(Duration::from_secs(600), last.wait()).await;
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let Ok(status) = finished else {
        let _ = last.start_kill();
        panic!(
            "the last run did not settle within 600 s: {}\n{log}",
            diagnose(&world).await?
        );
    };
    assert!(status?.success(), "the last run failed\n{log}");
    verify(&world).await
}

/// What is left to do, for a failure message.
async fn diagnose(world: &World) -> anyhow::Result<String> {
    let store = SqliteStore::open(&world.config.db).await?;
    let provider = world.config.provider;
    let mut open_jobs = Vec::new();
    for sub in all_subscriptions(&store, provider).await? {
        for job in store.list_jobs_of(provider, sub.id).await? {
            if !job.status.is_terminal() {
                open_jobs.push(format!(
                    "{} {:?} attempts {} error {:?}",
                    job.id, job.status, job.attempts, job.last_error
                ));
            }
        }
    }
    let query = EventQuery {
        provider_id: provider,
        since: None,
        status: Some(DeliveryStatus::Pending),
        limit: 100_000,
    };
    let pending = store.list_events(&query).await?.len();
    Ok(format!(
        "{} unfinished jobs (first: {:?}), {pending} undelivered events",
        open_jobs.len(),
        open_jobs.first()
    ))
}

async fn verify(world: &World) -> anyhow::Result<()> {
    let store = SqliteStore::open(&world.config.db).await?;
    let provider = world.config.provider;
    let subs = all_subscriptions(&store, provider).await?;
    assert_eq!(
        subs.len(),
        SUBSCRIBERS,
        "exactly one subscription per subscriber"
    );
    let ops = workload(world.config.seed);
    let mut desired = HashMap::new();
    let mut job_ids = HashSet::new();
    for sub in &subs {
        let i: usize = sub
            .location_hash
            .as_ref()
            .and_then(|h| world.config.locations.iter().position(|l| l == h.as_str()))
            .expect("location");
        let (status, plan) = expected(&ops[i]);
        assert_eq!(sub.status, status, "subscriber {i}: {:?}", ops[i]);
        assert_eq!(
            sub.plan_version_id, world.plans[plan].id,
            "subscriber {i}: {:?}",
            ops[i]
        );
        let jobs = store.list_jobs_of(provider, sub.id).await?;
        for job in &jobs {
            assert_eq!(
                job.status,
                JobStatus::Completed,
                "job {} of subscriber {i}: {:?}",
                job.id,
                job.last_error
            );
            assert!(job_ids.insert(job.id), "duplicate job id {}", job.id);
        }
        let last = jobs.last().expect("at least the provisioning job");
        desired.insert(sub.port.expect("port"), last.desired.clone());
    }
    for (sim, _, ports) in &world.sims {
        for (port, interface) in ports {
            let actual = sim.port(interface);
            match desired.get(port) {
                Some(want) => assert_eq!(actual.as_ref(), Some(want), "port {interface}"),
                None => assert!(actual.is_some(), "untouched port {interface} unreadable"),
            }
        }
    }
    let events = store
        .list_events(&EventQuery {
            provider_id: provider,
            since: None,
            status: None,
            limit: 100_000,
        })
        .await?;
    let received: HashSet<String> = world
        .receiver
        .received()
        .iter()
        .filter_map(|e| e["event_id"].as_str().map(str::to_owned))
        .collect();
    let mut event_ids = HashSet::new();
    for event in &events {
        assert!(
            event_ids.insert(event.id),
            "duplicate event id {}",
            event.id
        );
        assert_eq!(
            event.status,
            DeliveryStatus::Delivered,
            "event {} {}",
            event.id,
            event.data.name()
        );
        assert!(
            received.contains(&event.id.to_string()),
            "event {} {} never reached the receiver",
            event.id,
            event.data.name()
        );
    }
    let completed = events
        .iter()
        .filter(|e| e.data.name() == "provisioning.completed")
        .count();
    assert_eq!(
        completed,
        job_ids.len(),
        "one provisioning.completed per job"
    );
    assert_eq!(
        world.receiver.rejected(),
        0,
        "every delivery was signed correctly"
    );
    println!(
        "{} subscriptions, {} jobs, {} events ({} deliveries received, duplicates included) consistent after {KILLS} SIGKILLs",
        subs.len(),
        job_ids.len(),
        events.len(),
        world.receiver.received().len()
    );
    Ok(())
}

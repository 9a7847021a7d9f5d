//! The provisioning engine with a manual clock: leases, retries, failures, batching.
#![cfg(feature = "testkit")]

use chrono::Duration;
use kurnl_core::memory::SwitchFault;
use kurnl_core::model::{Job, JobStatus};
use kurnl_core::ports::{ClaimRequest, Clock, DriverErrorKind};
use kurnl_core::service::ProvisionResponse;
use kurnl_core::testkit::Fixture;
use kurnl_core::types::InterfaceName;

/// The job a provisioning call queued, as stored now.
async fn job_of(fx: &Fixture, r: &ProvisionResponse) -> Job {
    let id = r.job_id.expect("the call queued a job");
    fx.store
        .get_job(fx.a.provider.id, id)
        .await
        .expect("read the job")
        .expect("the job exists")
}

#[tokio::test]
async fn a_vanished_workers_jobs_are_finished_by_another() {
    let fx = Fixture::in_memory().await;
    let r = fx
        .service
        .provider_initiated(&fx.a.caller, fx.provision_request("lease@example.com", 0))
        .await
        .unwrap();
    // A worker claims the job and dies without finishing.
    let claim = fx
        .store
        .claim_jobs(&ClaimRequest {
            worker: "doomed".into(),
            now: fx.clock.now(),
            lease: Duration::seconds(30),
            max_jobs: 10,
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.jobs[0].id, r.job_id.unwrap());
    assert_eq!(
        fx.engine.run_once().await.unwrap().claimed,
        0,
        "leased job is not claimable"
    );
    fx.clock.advance(Duration::seconds(31));
    let report = fx.engine.run_once().await.unwrap();
    assert_eq!((report.reaped, report.completed), (1, 1));
    let job = job_of(&fx, &r).await;
    assert_eq!((job.status, job.attempts), (JobStatus::Completed, 2));
    // The dead worker's late finish is refused.
    let late = vec![kurnl_core::ports::JobOutcome {
        job_id: job.id,
        result: kurnl_core::ports::JobResult::Retry {
            at: fx.clock.now(),
            error: "late".into(),
        },
    }];
    let late = fx
        .store
        .finish_jobs(claim.lease, late, fx.clock.now())
        .await;
    assert!(
        matches!(late, Err(kurnl_core::ports::StoreError::LeaseLost)),
        "{late:?}"
    );
}

#[tokio::test]
async fn a_temporary_failure_is_retried_then_succeeds() {
    let fx = Fixture::in_memory().await;
    let r = fx
        .service
        .provider_initiated(&fx.a.caller, fx.provision_request("retry@example.com", 0))
        .await
        .unwrap();
    fx.switch.fail(SwitchFault::Unreachable, Some(1));
    let first = fx.engine.run_once().await.unwrap();
    assert_eq!(first.retried, 1);
    let job = job_of(&fx, &r).await;
    assert_eq!(job.status, JobStatus::Pending);
    assert!(job.last_error.unwrap().contains("unreachable"));
    assert_eq!(
        fx.engine.run_once().await.unwrap().claimed,
        0,
        "not before the back-off"
    );
    fx.clock.advance(Duration::seconds(1));
    assert_eq!(fx.engine.run_once().await.unwrap().completed, 1);
    fx.settle().await;
    assert_eq!(
        fx.sink.names(),
        ["subscription.activated", "provisioning.completed"]
    );
}

#[tokio::test]
async fn a_permanent_failure_emits_provisioning_failed_once() {
    let fx = Fixture::in_memory().await;
    let r = fx
        .service
        .provider_initiated(&fx.a.caller, fx.provision_request("perm@example.com", 0))
        .await
        .unwrap();
    fx.switch.fail(
        SwitchFault::RejectInterface(InterfaceName::parse("GigabitEthernet1/0/1").unwrap()),
        None,
    );
    let report = fx.engine.run_once().await.unwrap();
    assert_eq!(report.failed, 1);
    fx.clock.advance(Duration::minutes(10));
    fx.settle().await;
    let job = fx
        .service
        .job_status(&fx.a.caller, &r.job_id.unwrap().to_string())
        .await
        .unwrap();
    assert_eq!((job.status, job.attempts), ("failed", 1));
    let failed: Vec<_> = fx
        .sink
        .events()
        .into_iter()
        .filter(|e| e.data.name() == "provisioning.failed")
        .collect();
    assert_eq!(failed.len(), 1);
    // The provider reads a fixed sentence; the device's reply stays in the operator's record.
    let rejected = DriverErrorKind::CommandRejected.provider_message();
    assert_eq!(failed[0].envelope()["error"], rejected);
    assert_eq!(job.error.as_deref(), Some(rejected), "the job endpoint too");
    let stored = job_of(&fx, &r).await.last_error.unwrap_or_default();
    assert!(
        stored.contains("Invalid input"),
        "the stored error keeps the device's reply for operators: {stored}"
    );
    // Subscription stays ACTIVE (gap G5).
    let sub = fx
        .service
        .get_subscriber(&fx.a.caller, &r.subscriber_id.unwrap().to_string())
        .await
        .unwrap();
    assert_eq!(sub.subscriptions.unwrap()[0].status.as_str(), "ACTIVE");
}

#[tokio::test]
async fn retries_give_up_after_the_last_attempt() {
    let fx = Fixture::in_memory().await;
    fx.service
        .provider_initiated(&fx.a.caller, fx.provision_request("down@example.com", 0))
        .await
        .unwrap();
    fx.switch.fail(SwitchFault::Unreachable, None);
    let mut failed = 0;
    for _ in 0..10 {
        failed += fx.engine.run_once().await.unwrap().failed;
        fx.clock.advance(Duration::seconds(120));
    }
    assert_eq!(failed, 1);
    fx.settle().await;
    assert_eq!(
        fx.sink
            .names()
            .iter()
            .filter(|n| **n == "provisioning.failed")
            .count(),
        1
    );
    assert_eq!(fx.switch.sessions(), 3, "max_attempts sessions");
}

#[tokio::test]
async fn jobs_for_one_switch_share_one_session_and_keep_port_order() {
    let fx = Fixture::in_memory().await;
    let mut ids = Vec::new();
    for n in 0..10 {
        ids.push(
            fx.service
                .provider_initiated(
                    &fx.a.caller,
                    fx.provision_request(&format!("s{n}@example.com"), n),
                )
                .await
                .unwrap(),
        );
    }
    // Two changes on one port: the second waits for the first.
    fx.service
        .suspend(&fx.a.caller, &ids[0].subscription_id.to_string())
        .await
        .unwrap();
    let first = fx.engine.run_once().await.unwrap();
    assert_eq!(first.completed, 10, "one claim, one session, ten ports");
    assert_eq!(fx.switch.sessions(), 1);
    let second = fx.engine.run_once().await.unwrap();
    assert_eq!(second.completed, 1);
    let port = fx
        .switch
        .port(
            fx.switch_record.id,
            &InterfaceName::parse("GigabitEthernet1/0/1").unwrap(),
        )
        .unwrap();
    assert!(!port.enabled, "suspend applied after provision");
}

#[tokio::test]
async fn auth_failures_are_permanent() {
    let fx = Fixture::in_memory().await;
    let r = fx
        .service
        .provider_initiated(&fx.a.caller, fx.provision_request("auth@example.com", 0))
        .await
        .unwrap();
    fx.switch.fail(SwitchFault::AuthFailure, None);
    assert_eq!(fx.engine.run_once().await.unwrap().failed, 1);
    let job = job_of(&fx, &r).await;
    assert!(job.last_error.unwrap().starts_with("Auth:"));
}

/// With a [`WorkSignal`](kurnl_core::engine::WorkSignal), an idle engine starts a job the
/// service just committed, and the dispatcher delivers its events, at once instead of at their
/// next poll (an hour here: without the signal this test times out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signalled_engine_and_dispatcher_start_at_once_instead_of_at_their_next_poll() {
    use kurnl_core::engine::{
        DeliveryPolicy, DispatcherConfig, OutboxDispatcher, ProvisioningEngine, WorkSignal,
    };
    use kurnl_core::ports::{DriverRegistry, TimeOrderedIds};
    use std::sync::Arc;
    use std::time::{Duration as StdDuration, Instant};

    let fx = Fixture::in_memory().await;
    let signal = WorkSignal::new();
    let service = fx.service.clone().with_work_signal(signal.clone());
    let hour = StdDuration::from_secs(3600);
    let mut config = fx.engine.config().clone();
    config.idle_poll = hour;
    let engine = ProvisioningEngine::new(
        Arc::clone(&fx.store),
        DriverRegistry::new().with("memory", fx.switch.clone()),
        fx.clock.clone(),
        Arc::new(TimeOrderedIds),
        config,
    )
    .with_work_signal(signal.clone());
    let dispatcher = OutboxDispatcher::new(
        Arc::clone(&fx.store),
        fx.sink.clone(),
        fx.clock.clone(),
        DeliveryPolicy::kurnl_default(),
    )
    .with_config(DispatcherConfig {
        poll_interval: hour,
        ..DispatcherConfig::default()
    })
    .with_work_signal(signal);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let engine = tokio::spawn(engine.run(stopped.clone()));
    let dispatcher = tokio::spawn(dispatcher.run(stopped));
    // Both find nothing to do and settle into their hour-long sleep.
    tokio::time::sleep(StdDuration::from_millis(200)).await;

    let r = service
        .provider_initiated(&fx.a.caller, fx.provision_request("signal@example.com", 0))
        .await
        .unwrap();
    let started = Instant::now();
    let wanted = ["subscription.activated", "provisioning.completed"];
    loop {
        let job = job_of(&fx, &r).await;
        let names = fx.sink.names();
        if job.status == JobStatus::Completed && wanted.iter().all(|w| names.contains(w)) {
            break;
        }
        assert!(
            started.elapsed() < StdDuration::from_secs(30),
            "job {:?}, delivered {names:?}: the signal did not wake the engine or the dispatcher",
            job.status
        );
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    let _ = stop.send(true);
    engine.await.unwrap();
    dispatcher.await.unwrap();
}

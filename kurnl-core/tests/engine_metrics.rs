//! What the provisioning engine records through the `metrics` facade, read back from
//! metrics-util's debugging recorder (installed for this test's thread; `#[tokio::test]`
//! runs everything on it): jobs by outcome, and the per-switch queue gauges following the
//! queue as a job waits for its retry and then completes.
#![cfg(feature = "testkit")]

use chrono::Duration;
use kurnl_core::memory::SwitchFault;
use kurnl_core::metrics::{JOBS, SWITCH_JOBS_QUEUED, SWITCH_OLDEST_JOB_AGE};
use kurnl_core::testkit::Fixture;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

/// One recorded value: its name, its labels and the value (counters as `f64`).
type Sample = (String, Vec<(String, String)>, f64);

/// `(name, labels, value)` of everything recorded since the last snapshot was taken (a
/// snapshot resets what it read).
fn samples(snapshotter: &Snapshotter) -> Vec<Sample> {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter_map(|(key, _, _, value)| {
            let key = key.key();
            let labels = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            let value = match value {
                DebugValue::Counter(n) => n as f64,
                DebugValue::Gauge(v) => v.into_inner(),
                DebugValue::Histogram(_) => return None,
            };
            Some((key.name().to_owned(), labels, value))
        })
        .collect()
}

fn find(samples: &[Sample], name: &str, label: (&str, &str)) -> Option<f64> {
    samples
        .iter()
        .find(|(n, labels, _)| {
            n == name && labels.iter().any(|(k, v)| k == label.0 && v == label.1)
        })
        .map(|(_, _, v)| *v)
}

#[tokio::test]
async fn the_queue_gauges_follow_a_job_through_its_retry_and_the_outcomes_are_counted() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let fx = Fixture::in_memory().await;
    let r = fx
        .service
        .provider_initiated(&fx.a.caller, fx.provision_request("gauges@example.com", 0))
        .await
        .unwrap();
    let job = fx
        .store
        .get_job(fx.a.provider.id, r.job_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    let switch = job.port.switch_id.to_string();
    let on_switch = ("switch_id", switch.as_str());

    fx.switch.fail(SwitchFault::Unreachable, Some(1));
    let first = fx.engine.run_once().await.unwrap();
    assert_eq!(
        first.retried, 1,
        "the unreachable switch makes the job retry"
    );
    let seen = samples(&snapshotter);
    assert_eq!(
        find(&seen, SWITCH_JOBS_QUEUED, on_switch),
        Some(1.0),
        "{seen:?}"
    );
    assert_eq!(find(&seen, SWITCH_OLDEST_JOB_AGE, on_switch), Some(0.0));
    assert_eq!(find(&seen, JOBS, ("outcome", "retried")), Some(1.0));

    // Before the retry is due the job has waited 0.5 s more; the next round counts it.
    fx.clock.advance(Duration::milliseconds(500));
    fx.engine.run_once().await.unwrap();
    fx.clock.advance(Duration::seconds(1));
    // The reap cadence (1 s) has passed: this round counts the queue, then runs the retry.
    let second = fx.engine.run_once().await.unwrap();
    let seen = samples(&snapshotter);
    assert_eq!(
        find(&seen, SWITCH_JOBS_QUEUED, on_switch),
        Some(1.0),
        "{seen:?}"
    );
    assert_eq!(find(&seen, SWITCH_OLDEST_JOB_AGE, on_switch), Some(1.5));
    let completed = find(&seen, JOBS, ("outcome", "completed"));
    assert_eq!(
        (second.completed, completed),
        (1, Some(1.0)),
        "the retry completed and was counted"
    );

    fx.clock.advance(Duration::seconds(2));
    fx.engine.run_once().await.unwrap();
    let seen = samples(&snapshotter);
    assert_eq!(
        find(&seen, SWITCH_JOBS_QUEUED, on_switch),
        Some(0.0),
        "the switch's emptied queue reads 0: {seen:?}"
    );
    assert_eq!(find(&seen, SWITCH_OLDEST_JOB_AGE, on_switch), Some(0.0));
}

//! The recording calls against metrics-util's debugging recorder, installed for the one
//! test thread (`with_local_recorder`), so each test sees only what it recorded.

use chrono::{TimeZone, Utc};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use uuid::Uuid;

use super::*;
use crate::ports::SwitchQueue;
use crate::types::SwitchId;

/// Every metric recorded so far (a snapshot resets what it read, so take one per phase).
type Samples = Vec<(
    metrics_util::CompositeKey,
    Option<metrics::Unit>,
    Option<metrics::SharedString>,
    DebugValue,
)>;

fn samples(snapshotter: &Snapshotter) -> Samples {
    snapshotter.snapshot().into_vec()
}

/// The value of `name` with `switch_id` = `switch`, if recorded.
fn gauge(samples: &Samples, name: &str, switch: SwitchId) -> Option<f64> {
    samples.iter().find_map(|(key, _, _, value)| {
        let key = key.key();
        let ours = key.name() == name
            && key
                .labels()
                .any(|l| l.key() == "switch_id" && l.value() == switch.to_string());
        match (ours, value) {
            (true, DebugValue::Gauge(v)) => Some(v.into_inner()),
            _ => None,
        }
    })
}

#[test]
fn queue_gauges_show_depth_and_age_and_zero_a_switch_whose_queue_emptied() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let (a, b) = (SwitchId(Uuid::from_u128(1)), SwitchId(Uuid::from_u128(2)));
    let t0 = Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap();
    let gauges = QueueGauges::default();
    metrics::with_local_recorder(&recorder, || {
        gauges.record(
            &[
                SwitchQueue {
                    switch_id: a,
                    jobs: 3,
                    oldest_created_at: t0,
                },
                SwitchQueue {
                    switch_id: b,
                    jobs: 1,
                    oldest_created_at: t0 + chrono::Duration::seconds(50),
                },
            ],
            t0 + chrono::Duration::seconds(90),
        );
    });
    let first = samples(&snapshotter);
    assert_eq!(gauge(&first, SWITCH_JOBS_QUEUED, a), Some(3.0));
    assert_eq!(gauge(&first, SWITCH_OLDEST_JOB_AGE, a), Some(90.0));
    assert_eq!(gauge(&first, SWITCH_JOBS_QUEUED, b), Some(1.0));
    assert_eq!(gauge(&first, SWITCH_OLDEST_JOB_AGE, b), Some(40.0));

    // b's queue emptied: its gauges read 0 rather than their last values.
    metrics::with_local_recorder(&recorder, || {
        gauges.record(
            &[SwitchQueue {
                switch_id: a,
                jobs: 2,
                oldest_created_at: t0,
            }],
            t0 + chrono::Duration::seconds(100),
        );
    });
    let second = samples(&snapshotter);
    assert_eq!(gauge(&second, SWITCH_JOBS_QUEUED, a), Some(2.0));
    assert_eq!(gauge(&second, SWITCH_OLDEST_JOB_AGE, a), Some(100.0));
    assert_eq!(gauge(&second, SWITCH_JOBS_QUEUED, b), Some(0.0));
    assert_eq!(gauge(&second, SWITCH_OLDEST_JOB_AGE, b), Some(0.0));
}

#[test]
fn a_claim_counts_its_jobs_by_outcome_or_all_as_lease_lost() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        record_claim(2, 1, 0, false, std::time::Duration::from_millis(40));
        record_claim(1, 0, 1, true, std::time::Duration::from_millis(10));
    });
    let counters: Vec<(String, u64)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter_map(|(key, _, _, value)| match value {
            DebugValue::Counter(n) if key.key().name() == JOBS => {
                let outcome = key.key().labels().map(|l| l.value().to_owned()).collect();
                Some((outcome, n))
            }
            _ => None,
        })
        .collect();
    let of = |outcome: &str| counters.iter().find(|(o, _)| o == outcome).map(|(_, n)| *n);
    assert_eq!(of("completed"), Some(2));
    assert_eq!(of("retried"), Some(1));
    assert_eq!(of("failed"), None, "no job failed under a held lease");
    assert_eq!(of("lease_lost"), Some(2), "both jobs of the lost claim");
}

#[test]
fn a_drift_audit_counts_its_outcome_ports_and_findings_by_action() {
    use crate::model::DriftAction;
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        record_drift_audit(
            "completed",
            48,
            &[
                DriftAction::Reported,
                DriftAction::RepairQueued,
                DriftAction::RepairQueued,
            ],
            std::time::Duration::from_millis(25),
        );
        record_drift_audit("unreachable", 0, &[], std::time::Duration::from_millis(5));
    });
    let counters: Vec<(String, String, u64)> = samples(&snapshotter)
        .into_iter()
        .filter_map(|(key, _, _, value)| match value {
            DebugValue::Counter(n) => {
                let label = key.key().labels().map(|l| l.value().to_owned()).collect();
                Some((key.key().name().to_owned(), label, n))
            }
            _ => None,
        })
        .collect();
    let of = |name: &str, label: &str| {
        counters
            .iter()
            .find(|(n, l, _)| n == name && l == label)
            .map(|(_, _, v)| *v)
    };
    assert_eq!(of(DRIFT_AUDITS, "completed"), Some(1));
    assert_eq!(of(DRIFT_AUDITS, "unreachable"), Some(1));
    assert_eq!(of(DRIFT_PORTS_CHECKED, ""), Some(48));
    assert_eq!(of(DRIFT_FINDINGS, "reported"), Some(1));
    assert_eq!(of(DRIFT_FINDINGS, "repair_queued"), Some(2));
    assert_eq!(of(DRIFT_FINDINGS, "repair_superseded"), None);
}

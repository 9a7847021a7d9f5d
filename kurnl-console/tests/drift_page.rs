//! The Drift page through the console's router: operator only, each switch's last audit and
//! the findings with both states, the repair job linked to its row on the jobs page, and the
//! switch filter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::StatusCode;
use chrono::Duration;
use kurnl_core::model::{
    AuditOutcome, DriftAction, DriftField, DriftFinding, DriftPolicy, FindingToRecord, Job,
    JobAction, JobStatus, PortConfig, PortRef, SwitchAudit,
};
use kurnl_core::ports::{AuditRecord, Clock};
use kurnl_core::testkit::Fixture;
use kurnl_core::types::{DriftId, InterfaceName, JobId, PortDescription, SwitchId, VlanId};
use support::{OPERATOR, PROVIDER, console, get, login};

/// Provisions location 0 for provider A, then records an audit of the fixture's switch that
/// found its port (repair queued) and a free port (reported) drifted, and one of a second
/// switch that was unreachable. Returns the repair job, the second switch and the two
/// finding ids.
async fn record(fx: &Fixture) -> (JobId, SwitchId, DriftId, DriftId) {
    let provisioned = fx
        .service
        .provider_initiated(&fx.a.caller, fx.provision_request("drift@example.com", 0))
        .await
        .unwrap();
    fx.settle().await;
    let job = fx
        .store
        .get_job(fx.a.provider.id, provisioned.job_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status, JobStatus::Completed);
    let other = fx
        .service
        .create_switch(
            serde_json::from_value(serde_json::json!({
                "name": "sw-annex", "driver": "memory", "address": "192.0.2.20",
                "credentials_ref": "annex", "captive_vlan": 998
            }))
            .unwrap(),
        )
        .await
        .unwrap()
        .switch_id;

    fx.clock.advance(Duration::minutes(5));
    let now = fx.clock.now();
    let switch_id = fx.switch_record.id;
    let repair = Job {
        id: JobId(uuid::Uuid::new_v4()),
        action: JobAction::Repair,
        status: JobStatus::Pending,
        attempts: 0,
        run_at: now,
        lease: None,
        lease_expires_at: None,
        last_error: None,
        created_at: now,
        updated_at: now,
        ..job.clone()
    };
    let mut shut = job.desired.clone();
    shut.vlan = VlanId::new(42).unwrap();
    shut.enabled = false;
    let subscribed = DriftFinding {
        id: DriftId(uuid::Uuid::new_v4()),
        port: job.port,
        interface: job.interface.clone(),
        subscription_id: Some(job.subscription_id),
        provider_id: Some(fx.a.provider.id),
        desired: job.desired.clone(),
        actual: Some(shut),
        fields: vec![DriftField::Vlan, DriftField::Enabled],
        action: DriftAction::RepairQueued,
        repair_job_id: Some(repair.id),
        detected_at: now + Duration::seconds(2),
    };
    let captive = PortConfig::captive(fx.switch_record.captive_vlan);
    let free = DriftFinding {
        id: DriftId(uuid::Uuid::new_v4()),
        port: PortRef {
            switch_id,
            port_number: 40,
        },
        interface: InterfaceName::parse("GigabitEthernet1/0/40").unwrap(),
        subscription_id: None,
        provider_id: None,
        desired: captive.clone(),
        actual: Some(PortConfig {
            description: PortDescription::parse("patched-by-hand").unwrap(),
            ..captive
        }),
        fields: vec![DriftField::Description],
        action: DriftAction::Reported,
        repair_job_id: None,
        detected_at: now + Duration::seconds(1),
    };
    let ids = (subscribed.id, free.id);
    fx.store
        .finish_switch_audit(AuditRecord {
            audit: SwitchAudit {
                switch_id,
                started_at: now,
                finished_at: now + Duration::seconds(3),
                policy: DriftPolicy::Repair,
                outcome: AuditOutcome::Completed {
                    ports_checked: 3,
                    drifted: 2,
                    unreadable: 1,
                },
            },
            next_due_at: now + Duration::hours(1),
            findings: vec![
                FindingToRecord {
                    finding: subscribed,
                    repair: Some(repair.clone()),
                },
                FindingToRecord {
                    finding: free,
                    repair: None,
                },
            ],
            events: vec![],
        })
        .await
        .unwrap();
    fx.store
        .finish_switch_audit(AuditRecord {
            audit: SwitchAudit {
                switch_id: other,
                started_at: now,
                finished_at: now + Duration::seconds(10),
                policy: DriftPolicy::Report,
                outcome: AuditOutcome::Unreachable {
                    error: "connection refused by 192.0.2.20:22".to_owned(),
                },
            },
            next_due_at: now + Duration::minutes(10),
            findings: vec![],
            events: vec![],
        })
        .await
        .unwrap();
    (repair.id, other, ids.0, ids.1)
}

/// The `<tr>` of `table` whose attribute `data-{kind}` is `id`.
fn row<'b>(body: &'b str, kind: &str, id: &str) -> &'b str {
    let start = body
        .find(&format!("data-{kind}=\"{id}\""))
        .unwrap_or_else(|| panic!("no row data-{kind}={id} in {body}"));
    let rest = &body[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

#[tokio::test]
async fn the_drift_page_shows_audits_and_findings_to_the_operator_only() {
    let fx = Fixture::in_memory().await;
    let app = console(&fx, |c| c);
    let operator = login(&app, OPERATOR).await;
    let provider = login(&app, PROVIDER).await;

    // Before any audit: every switch, not audited yet, no finding.
    let (status, body) = get(&app, &operator, "/console/drift").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("not audited yet"), "{body}");
    assert!(body.contains("No drift found."), "{body}");
    assert!(
        body.contains(r#"<a href="/console/drift" aria-current="page">Drift</a>"#),
        "in the navigation, current: {body}"
    );

    let (repair, other, subscribed, free) = record(&fx).await;
    let (status, body) = get(&app, &operator, "/console/drift").await;
    assert_eq!(status, StatusCode::OK);

    let audit = row(&body, "switch", &fx.switch_record.id.to_string());
    for text in [
        &fx.switch_record.name,
        "completed",
        "repair",
        "<td>3</td>",
        "<td>2</td>",
        "<td>1</td>",
    ] {
        assert!(audit.contains(text), "{text:?} in {audit}");
    }
    let down = row(&body, "switch", &other.to_string());
    for text in [
        "unreachable",
        "connection refused by 192.0.2.20:22",
        "report",
    ] {
        assert!(down.contains(text), "{text:?} in {down}");
    }

    let first = body.find(&format!("data-drift=\"{subscribed}\"")).unwrap();
    let second = body.find(&format!("data-drift=\"{free}\"")).unwrap();
    assert!(first < second, "newest first");
    let f = row(&body, "drift", &subscribed.to_string());
    for text in [
        "vlan, enabled",
        "<strong>42</strong>",
        "<strong>shut down</strong>",
        "repair_queued",
        &format!(r#"href="/console/jobs#job-{repair}""#),
        &fx.switch_record.name,
    ] {
        assert!(f.contains(text), "{text:?} in {f}");
    }
    let g = row(&body, "drift", &free.to_string());
    for text in [
        "GigabitEthernet1/0/40",
        "(port 40)",
        "<strong>patched-by-hand</strong>",
        "reported",
    ] {
        assert!(g.contains(text), "{text:?} in {g}");
    }
    assert!(!g.contains("/jobs#job-"), "no repair job: {g}");

    // The link lands on the job's row.
    let (_, jobs) = get(&app, &operator, "/console/jobs").await;
    assert!(jobs.contains(&format!("id=\"job-{repair}\"")), "{jobs}");

    // Filtered by the other switch: its audit only, no finding.
    let (status, body) = get(&app, &operator, &format!("/console/drift?switch={other}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&format!("data-switch=\"{other}\"")));
    assert!(!body.contains(&format!("data-switch=\"{}\"", fx.switch_record.id)));
    assert!(!body.contains("data-drift="), "{body}");
    assert!(
        body.contains(&format!(r#"<option value="{other}" selected>"#)),
        "{body}"
    );
    let (status, _) = get(&app, &operator, "/console/drift?switch=not-an-id").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A provider account: refused, and no link in its navigation.
    let (status, body) = get(&app, &provider, "/console/drift").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, subscriptions) = get(&app, &provider, "/console/subscriptions").await;
    assert!(!subscriptions.contains("/console/drift"), "{subscriptions}");
}

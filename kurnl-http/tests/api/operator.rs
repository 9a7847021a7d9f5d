//! The operator's job endpoints (`X-Operator-Key`, non-standard extensions): credentials kept
//! apart from provider keys, the job list and its filters, retry of a failed job and cancel
//! of a queued one, each seen by the provider through its webhooks.

use kurnl_core::memory::SwitchFault;
use kurnl_core::model::EventData;
use kurnl_core::ports::CANCELLED_BY_OPERATOR;
use serde_json::Value;

use crate::support::{Api, op, operator_key};

const CKO04: &str = "/partner/provisioning/provider-initiated";
const JOBS: &str = "/operator/jobs";

/// Provider A provisions location `n`; the job's id.
async fn provision(api: &Api, n: usize) -> String {
    api.post(CKO04)
        .key(api.a())
        .json(&api.provision(&format!("op{n}@example.com"), n))
        .send()
        .await
        .expect(200)
        .id("job_id")
}

fn job_ids(page: &Value) -> Vec<&str> {
    page["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {page}"))
        .iter()
        .map(|j| j["job_id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn operator_endpoints_take_only_an_operator_key() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    api.get(JOBS)
        .send()
        .await
        .expect_detail(401, "X-Operator-Key header required");
    // A provider's API key opens nothing here, in either header.
    api.get(JOBS)
        .key(api.a())
        .send()
        .await
        .expect_detail(401, "X-Operator-Key header required");
    op(api.get(JOBS), api.a())
        .send()
        .await
        .expect_detail(401, "Invalid operator key");
    op(
        api.post(&format!("{JOBS}/{}/cancel", uuid::Uuid::new_v4())),
        api.b(),
    )
    .send()
    .await
    .expect_detail(401, "Invalid operator key");
    // And an operator key is no provider key.
    api.get("/partner/marketplace/plans/me")
        .key(&key)
        .send()
        .await
        .expect_detail(401, "Invalid API key");
    op(api.get(JOBS), &key).send().await.expect(200);

    let issued = api
        .fx
        .service
        .issue_operator_key("short-lived")
        .await
        .unwrap();
    let revoked = issued.key.expose().to_owned();
    op(api.get(JOBS), &revoked).send().await.expect(200);
    api.fx.service.revoke_operator_key(issued.id).await.unwrap();
    op(api.get(JOBS), &revoked)
        .send()
        .await
        .expect_detail(401, "Invalid operator key");
}

#[tokio::test]
async fn jobs_of_every_provider_are_listed_filtered_and_paged() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let first = provision(&api, 0).await;
    let second = provision(&api, 1).await;
    let b_job = api
        .post(CKO04)
        .key(api.b())
        .json(&{
            let mut body =
                serde_json::to_value(api.fx.provision_request("b@example.com", 2)).unwrap();
            body["plan_version_id"] = api.fx.b.plan.id.to_string().into();
            body
        })
        .send()
        .await
        .expect(200)
        .id("job_id");
    let all = op(api.get(JOBS), &key).send().await.expect(200).body;
    assert_eq!(
        job_ids(&all),
        vec![b_job.as_str(), &second, &first],
        "newest first, every provider"
    );
    let job = &all["results"][2];
    assert_eq!(job["status"], "pending");
    assert_eq!(job["action"], "provision");
    assert_eq!(job["provider_id"], api.fx.a.provider.id.to_string());
    assert_eq!(job["switch_id"], api.fx.switch_record.id.to_string());
    assert_eq!(job["desired"]["enabled"], true);
    assert!(job["interface"].as_str().is_some_and(|i| !i.is_empty()));

    let a_only = format!("{JOBS}?provider_id={}", api.fx.a.provider.id);
    let page = op(api.get(&a_only), &key).send().await.expect(200).body;
    assert_eq!(job_ids(&page), vec![second.as_str(), &first]);
    let page = op(api.get(&format!("{a_only}&limit=1")), &key)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(job_ids(&page), vec![second.as_str()]);
    let next = page["next_after"]
        .as_str()
        .expect("next_after on a full page");
    let page = op(api.get(&format!("{a_only}&limit=1&after={next}")), &key)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(job_ids(&page), vec![first.as_str()]);
    assert!(page.get("next_after").is_none(), "the last page: {page}");
    let sub = all["results"][2]["subscription_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = op(api.get(&format!("{JOBS}?subscription_id={sub}")), &key)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(job_ids(&page), vec![first.as_str()]);
    let page = op(api.get(&format!("{JOBS}?status=completed")), &key)
        .send()
        .await
        .expect(200)
        .body;
    assert!(job_ids(&page).is_empty(), "nothing completed yet: {page}");

    let r = op(
        api.get(&format!("{JOBS}?status=done&limit=0&switch_id=x")),
        &key,
    )
    .send()
    .await
    .expect(422);
    for field in ["status", "limit", "switch_id"] {
        r.item_at(&["query", field]);
    }
    op(api.get(&format!("{JOBS}/{}", uuid::Uuid::new_v4())), &key)
        .send()
        .await
        .expect_detail(404, "Job not found");
    op(api.get(&format!("{JOBS}/{first}")), &key)
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn a_failed_job_shows_its_full_error_and_a_retry_completes_it() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    api.fx.switch.fail(SwitchFault::AuthFailure, None);
    let job = provision(&api, 0).await;
    api.fx.settle().await;
    let failed = op(api.get(&format!("{JOBS}?status=failed")), &key)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(job_ids(&failed), vec![job.as_str()]);
    let full = failed["results"][0]["last_error"]
        .as_str()
        .unwrap()
        .to_owned();
    let provider_view = api
        .get(&format!("/partner/provisioning/jobs/{job}"))
        .key(api.a())
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(provider_view["status"], "failed");
    assert_ne!(
        provider_view["error"].as_str(),
        Some(full.as_str()),
        "the provider reads the kind's sentence, the operator the stored text"
    );
    assert!(
        full.starts_with("Auth"),
        "the operator sees the driver's error: {full}"
    );

    // A retry while the fault lasts fails again; once it is fixed the job completes.
    api.fx.switch.clear_faults();
    let retried = op(api.post(&format!("{JOBS}/{job}/retry")), &key)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        (retried["status"].as_str(), retried["attempts"].as_u64()),
        (Some("pending"), Some(0))
    );
    op(api.post(&format!("{JOBS}/{job}/retry")), &key)
        .send()
        .await
        .expect_detail(409, "Only a failed job can be retried");
    api.fx.settle().await;
    let done = op(api.get(&format!("{JOBS}/{job}")), &key)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(done["status"], "completed");
    let names = api.fx.sink.names();
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("provisioning."))
            .collect::<Vec<_>>(),
        vec![&"provisioning.failed", &"provisioning.completed"],
        "the provider heard the failure, then the completion after the retry"
    );
    op(
        api.post(&format!("{JOBS}/{}/retry", uuid::Uuid::new_v4())),
        &key,
    )
    .send()
    .await
    .expect_detail(404, "Job not found");
}

#[tokio::test]
async fn a_queued_job_is_cancelled_without_touching_the_port() {
    let api = Api::new().await;
    let key = operator_key(&api).await;
    let job = provision(&api, 0).await;
    let cancelled = op(api.post(&format!("{JOBS}/{job}/cancel")), &key)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["last_error"], CANCELLED_BY_OPERATOR);
    op(api.post(&format!("{JOBS}/{job}/cancel")), &key)
        .send()
        .await
        .expect_detail(409, "Only a queued (pending) job can be cancelled");
    api.fx.settle().await;
    assert!(
        api.fx.switch.history().is_empty(),
        "a cancelled job never reaches the switch"
    );
    let failed: Vec<_> = api
        .fx
        .sink
        .events()
        .into_iter()
        .filter(|e| e.data.name() == "provisioning.failed")
        .collect();
    assert_eq!(failed.len(), 1, "the provider is told once");
    match &failed[0].data {
        EventData::ProvisioningFailed { error, job_id, .. } => {
            assert_eq!(error, CANCELLED_BY_OPERATOR, "the event says why");
            assert_eq!(job_id.to_string(), job);
        }
        other => panic!("not a provisioning.failed: {other:?}"),
    }
    let provider_view = api
        .get(&format!("/partner/provisioning/jobs/{job}"))
        .key(api.a())
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(provider_view["status"], "cancelled");
    assert_eq!(provider_view["error"], CANCELLED_BY_OPERATOR);
}

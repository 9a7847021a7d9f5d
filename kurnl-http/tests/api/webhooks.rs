//! Webhook deliveries and replays over HTTP (non-standard extensions, `X-API-Key`).

use kurnl_core::ports::SinkOutcome;
use serde_json::{Value, json};

use crate::support::Api;

const CKO04: &str = "/partner/provisioning/provider-initiated";
const DELIVERIES: &str = "/provider/webhooks/deliveries";
const REPLAY: &str = "/provider/webhooks/replay";

/// Provisions `n` subscriptions of provider A (locations 0..n) and runs the engine.
async fn provision(api: &Api, n: usize) {
    for i in 0..n {
        api.post(CKO04)
            .key(api.a())
            .json(&api.provision(&format!("hook{i}@example.com"), i))
            .send()
            .await
            .expect(200);
    }
    api.fx.engine.drain().await.unwrap();
}

/// Runs the dispatcher for `rounds`, advancing the manual clock 10 s after each.
async fn deliver_for(api: &Api, rounds: usize) {
    for _ in 0..rounds {
        while api.fx.dispatcher.run_once().await.unwrap() > 0 {}
        api.fx.clock.advance(chrono::Duration::seconds(10));
    }
}

async fn list(api: &Api, query: &str) -> Value {
    api.get(&format!("{DELIVERIES}{query}"))
        .key(api.a())
        .send()
        .await
        .expect(200)
        .body
}

fn ids(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn deliveries_are_listed_filtered_and_paged() {
    let api = Api::new().await;
    provision(&api, 3).await;
    api.fx.settle().await;
    let delivered: Vec<String> = api
        .fx
        .sink
        .events()
        .iter()
        .map(|e| e.id.to_string())
        .collect();
    assert!(delivered.len() >= 3, "{delivered:?}");

    let all = list(&api, "").await;
    assert_eq!(all["total"], json!(delivered.len()));
    let mut listed = ids(&all);
    let mut sent = delivered.clone();
    listed.sort();
    sent.sort();
    assert_eq!(
        listed, sent,
        "every delivered event is listed, by its event_id"
    );
    for d in all["results"].as_array().unwrap() {
        assert_eq!(d["status"], "delivered", "{d}");
        assert_eq!(d["attempts"], 1, "{d}");
        assert_eq!(d["next_attempt_at"], Value::Null, "{d}");
        assert_eq!(d["last_attempt"]["status_code"], 200, "{d}");
        assert_eq!(d["last_attempt"]["error"], Value::Null, "{d}");
        assert!(d["sequence"].as_i64().unwrap() >= 1, "{d}");
    }
    assert_eq!(all["endpoint_disabled"], Value::Null);

    let completed = list(&api, "?event=provisioning.completed").await;
    assert_eq!(completed["total"], 3);
    let page = list(&api, "?event=provisioning.completed&page_size=2").await;
    assert_eq!(
        (page["results"].as_array().unwrap().len(), &page["has_more"]),
        (2, &json!(true))
    );
    let last = list(&api, "?event=provisioning.completed&page_size=2&page=2").await;
    assert_eq!((ids(&last).len(), &last["has_more"]), (1, &json!(false)));
    assert_eq!(list(&api, "?status=FAILED").await["total"], 0);
    assert_eq!(list(&api, "?since=2999-01-01T00:00:00Z").await["total"], 0);
    assert_eq!(
        list(&api, "?until=2999-01-01T00:00:00Z").await["total"],
        json!(delivered.len())
    );

    // Provider B sees none of A's deliveries, in either environment.
    let b = api.get(DELIVERIES).key(api.b()).send().await.expect(200);
    assert_eq!(b.body["total"], 0);
    let sandbox = api
        .get(DELIVERIES)
        .key(&api.fx.a.sandbox_api_key)
        .send()
        .await
        .expect(200);
    assert_eq!(sandbox.body["total"], 0);

    for (query, field, msg) in [
        (
            "?status=lost",
            "status",
            "status must be one of: pending, delivered, failed",
        ),
        ("?event=provisioning.done", "event", "event must be one of"),
        ("?since=yesterday", "since", "RFC 3339"),
        ("?page_size=101", "page_size", "between 1 and 100"),
    ] {
        let r = api
            .get(&format!("{DELIVERIES}{query}"))
            .key(api.a())
            .send()
            .await
            .expect(422);
        let item = r.item_at(&["query", field]);
        assert!(
            item["msg"].as_str().unwrap().contains(msg),
            "{query}: {item}"
        );
    }
}

#[tokio::test]
async fn a_replay_over_http_delivers_failed_events_with_their_ids() {
    let api = Api::new().await;
    // The receiver is down for every attempt of the documented 3-attempt policy.
    api.fx
        .sink
        .script(vec![SinkOutcome::Retryable { retry_after: None }; 100]);
    provision(&api, 2).await;
    deliver_for(&api, 12).await;
    let failed = list(&api, "?status=failed").await;
    let failed_ids = ids(&failed);
    assert!(failed_ids.len() >= 2, "{failed}");
    assert_eq!(
        list(&api, "").await["total"],
        json!(failed_ids.len()),
        "all failed"
    );
    for d in failed["results"].as_array().unwrap() {
        assert_eq!(d["attempts"], 3, "{d}");
        assert_eq!(d["last_attempt"]["status_code"], 503, "{d}");
    }
    assert!(api.fx.sink.events().is_empty());

    // The receiver is back: replay everything that failed.
    assert!(
        api.fx.sink.clear_script() > 0,
        "the outage outlasted the attempts"
    );
    let r = api
        .post(REPLAY)
        .key(api.a())
        .json(&json!({"since": "2000-01-01T00:00:00Z", "status": "failed"}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        r.body,
        json!({"queued": failed_ids.len(), "endpoint_reenabled": false})
    );
    deliver_for(&api, 3).await;
    let events = api.fx.sink.events();
    let mut received: Vec<String> = events.iter().map(|e| e.id.to_string()).collect();
    received.sort();
    let mut want = failed_ids.clone();
    want.sort();
    assert_eq!(
        received, want,
        "every failed event arrives once, with its original event_id"
    );
    // Per subscription, in sequence order.
    for e in &events {
        let earlier: Vec<i64> = events
            .iter()
            .take_while(|x| x.id != e.id)
            .filter(|x| x.data.subscription_id() == e.data.subscription_id())
            .map(|x| x.sequence)
            .collect();
        assert!(
            earlier.iter().all(|s| *s < e.sequence),
            "{earlier:?} before {}",
            e.sequence
        );
    }
    assert_eq!(
        list(&api, "?status=delivered").await["total"],
        json!(failed_ids.len())
    );

    // A replay names where to start.
    let r = api
        .post(REPLAY)
        .key(api.a())
        .json(&json!({}))
        .send()
        .await
        .expect(422);
    assert_eq!(r.item_at(&["body", "since"])["type"], "value_error.missing");
    let r = api
        .post(REPLAY)
        .key(api.a())
        .json(&json!({"since": "2000-01-01T00:00:00Z", "status": "sent"}))
        .send()
        .await
        .expect(422);
    r.item_at(&["body", "status"]);
    // Provider B replays nothing of A's.
    let r = api
        .post(REPLAY)
        .key(api.b())
        .json(&json!({"since": "2000-01-01T00:00:00Z"}))
        .send()
        .await
        .expect(200);
    assert_eq!(r.body["queued"], 0);
}

#[tokio::test]
async fn gone_disables_the_endpoint_until_a_replay() {
    let api = Api::new().await;
    api.fx.sink.script([SinkOutcome::Gone]);
    provision(&api, 1).await;
    deliver_for(&api, 6).await;
    let page = list(&api, "").await;
    let n = page["total"].as_u64().unwrap();
    assert!(n >= 2, "{page}");
    assert_eq!(list(&api, "?status=failed").await["total"], n, "{page}");
    assert!(
        api.fx.sink.events().is_empty(),
        "nothing is sent to a gone endpoint"
    );
    let disabled = &page["endpoint_disabled"];
    assert_eq!(disabled["url"], "http://127.0.0.1:9/hooks", "{page}");
    assert!(
        disabled["reason"].as_str().unwrap().contains("410"),
        "{page}"
    );
    let results = page["results"].as_array().unwrap();
    assert_eq!(results[0]["last_attempt"]["status_code"], 410);
    let later = results[1]["last_attempt"]["error"].as_str().unwrap();
    assert!(
        later.contains("not sent") && later.contains("410"),
        "{later}"
    );
    let operator = api.fx.service.disabled_webhook_endpoints().await.unwrap();
    assert_eq!(operator.len(), 1);
    assert_eq!(operator[0].provider_id, api.fx.a.provider.id);

    let r = api
        .post(REPLAY)
        .key(api.a())
        .json(&json!({"since": "2000-01-01T00:00:00Z"}))
        .send()
        .await
        .expect(200);
    assert_eq!(r.body, json!({"queued": n, "endpoint_reenabled": true}));
    api.fx.settle().await;
    assert_eq!(api.fx.sink.events().len() as u64, n);
    assert_eq!(list(&api, "").await["endpoint_disabled"], Value::Null);
    assert!(
        api.fx
            .service
            .disabled_webhook_endpoints()
            .await
            .unwrap()
            .is_empty()
    );
}

//! End-to-end flows through the library API on the in-memory store and switch.
#![cfg(feature = "testkit")]

use kurnl_core::error::Detail;
use kurnl_core::model::{JobStatus, PortRef};
use kurnl_core::service::*;
use kurnl_core::testkit::Fixture;
use kurnl_core::types::{InterfaceName, SubscriptionStatus};

fn iface(n: u32) -> InterfaceName {
    InterfaceName::parse(&format!("GigabitEthernet1/0/{n}")).unwrap()
}

#[tokio::test]
async fn provider_initiated_provisions_the_port_and_reports_it() {
    let fx = Fixture::in_memory().await;
    let r = fx
        .service
        .provider_initiated(&fx.a.caller, fx.provision_request("carol@example.com", 0))
        .await
        .unwrap();
    assert_eq!(r.message, "Provisioning started");
    let job_id = r.job_id.expect("job id");
    let job = fx
        .service
        .job_status(&fx.a.caller, &job_id.to_string())
        .await
        .unwrap();
    assert_eq!(job.status, "pending");
    fx.settle().await;
    let job = fx
        .service
        .job_status(&fx.a.caller, &job_id.to_string())
        .await
        .unwrap();
    assert_eq!(job.status, "completed");
    let port = fx
        .switch
        .port(fx.switch_record.id, &iface(1))
        .expect("port configured");
    assert_eq!(port.vlan.get(), 100);
    assert_eq!(port.rate.unwrap().down.get(), 100_000);
    assert_eq!(port.mac.unwrap().to_string(), "bb:cc:dd:ee:ff:00");
    assert!(port.enabled);
    assert_eq!(
        fx.sink.names(),
        vec!["subscription.activated", "provisioning.completed"]
    );
    let env = fx.sink.events()[1].envelope();
    assert_eq!(env["job_id"], job_id.to_string());
    assert_eq!(env["provider_document_id"], fx.a.provider.id.to_string());
    assert!(env["timestamp"].is_f64());
}

#[tokio::test]
async fn lifecycle_changes_the_port_each_step() {
    let fx = Fixture::in_memory().await;
    let r = fx
        .service
        .provider_initiated(&fx.a.caller, fx.provision_request("dan@example.com", 1))
        .await
        .unwrap();
    let id = r.subscription_id.to_string();
    fx.settle().await;
    let port = || fx.switch.port(fx.switch_record.id, &iface(2)).unwrap();

    let c = fx
        .service
        .change_plan(
            &fx.a.caller,
            &id,
            ChangePlanRequest {
                plan_version_id: Some(fx.a.plan_fast.id.to_string()),
            },
        )
        .await
        .unwrap();
    assert!(c.job_id.is_some());
    fx.settle().await;
    assert_eq!(port().vlan.get(), 200);
    assert_eq!(port().rate.unwrap().down.get(), 500_000);

    let s = fx.service.suspend(&fx.a.caller, &id).await.unwrap();
    assert_eq!(s.status, SubscriptionStatus::Suspended);
    fx.settle().await;
    assert!(!port().enabled);
    // Suspending again is a no-op without a job.
    assert!(
        fx.service
            .suspend(&fx.a.caller, &id)
            .await
            .unwrap()
            .job_id
            .is_none()
    );

    fx.service.reactivate(&fx.a.caller, &id).await.unwrap();
    fx.settle().await;
    assert!(port().enabled);
    assert_eq!(port().vlan.get(), 200);

    let x = fx.service.cancel(&fx.a.caller, &id).await.unwrap();
    assert_eq!(x.status, SubscriptionStatus::Cancelled);
    fx.settle().await;
    assert_eq!(port().vlan.get(), 999);
    assert!(port().rate.is_none() && port().mac.is_none());
    assert!(fx.sink.names().contains(&"subscription.cancelled"));
    let err = fx.service.suspend(&fx.a.caller, &id).await.unwrap_err();
    assert_eq!(
        (err.status(), err.detail()),
        (
            409,
            Detail::Text("Subscription is CANCELLED; cannot suspend".into())
        )
    );
    // The location is free again for a new subscription.
    fx.service
        .provider_initiated(&fx.a.caller, fx.provision_request("erin@example.com", 1))
        .await
        .unwrap();
}

#[tokio::test]
async fn home_drop_waits_for_install_then_payment() {
    let fx = Fixture::in_memory().await;
    let mut req = fx.checkout_request("hd@example.com", 0);
    req.delivery_mode = Some("home_drop".into());
    req.location_hash = None;
    req.unit_id = Some(fx.units[0].to_string());
    let r = fx
        .service
        .checkout_complete(&fx.a.caller, req.clone())
        .await
        .unwrap();
    assert_eq!(r.message, "Subscription pending installation.");
    assert!(r.job_id.is_none());
    // A second home-drop for the same unit by someone else is a conflict.
    let mut other = fx.checkout_request("hd2@example.com", 0);
    other.delivery_mode = Some("home_drop".into());
    other.location_hash = None;
    other.unit_id = Some(fx.units[0].to_string());
    assert_eq!(
        fx.service
            .checkout_complete(&fx.a.caller, other)
            .await
            .unwrap_err()
            .status(),
        409
    );

    let confirm = ConfirmInstallRequest {
        subscription_id: Some(r.subscription_id.to_string()),
        switch_id: Some(fx.switch_record.id.to_string()),
        port_number: Some(7),
    };
    let c = fx
        .service
        .confirm_install(&fx.a.caller, confirm.clone())
        .await
        .unwrap();
    let job = c.job_id.expect("provisioning job");
    assert_eq!(
        fx.service
            .confirm_install(&fx.a.caller, confirm)
            .await
            .unwrap()
            .job_id,
        Some(job),
        "repeat returns the job"
    );
    fx.settle().await;
    let staged = fx.switch.port(fx.switch_record.id, &iface(7)).unwrap();
    assert_eq!(staged.vlan.get(), 999, "captive until activated");
    assert!(staged.rate.is_some());
    let a = fx
        .service
        .activate(&fx.a.caller, &r.subscription_id.to_string())
        .await
        .unwrap();
    assert_eq!(a.status, SubscriptionStatus::Active);
    fx.settle().await;
    assert_eq!(
        fx.switch
            .port(fx.switch_record.id, &iface(7))
            .unwrap()
            .vlan
            .get(),
        100
    );
    assert_eq!(
        fx.sink.names(),
        vec![
            "subscription.pending_install",
            "provisioning.completed",
            "subscription.activated",
            "provisioning.completed"
        ]
    );
}

#[tokio::test]
async fn anonymous_checkout_has_no_subscriber_and_replays() {
    let fx = Fixture::in_memory().await;
    let req = AnonymousRequest {
        service_provider_document_id: Some(fx.a.provider.id.to_string()),
        plan_version_id: Some(fx.a.plan.id.to_string()),
        location_hash: Some(fx.locations[3].as_str().to_uppercase()),
        external_subscription_id: Some("isp-sub-789".into()),
        mac_address: Some("aabb.ccdd.eeff".into()),
        ..AnonymousRequest::default()
    };
    let first = fx
        .service
        .anonymous_complete(&fx.a.caller, req.clone())
        .await
        .unwrap();
    assert!(first.subscriber_id.is_none());
    let again = fx
        .service
        .anonymous_complete(&fx.a.caller, req.clone())
        .await
        .unwrap();
    assert_eq!(first, again);
    let changed = AnonymousRequest {
        mac_address: Some("aa:bb:cc:dd:ee:00".into()),
        ..req
    };
    let err = fx
        .service
        .anonymous_complete(&fx.a.caller, changed)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 409);
    fx.settle().await;
    let activated = &fx.sink.events()[0];
    assert_eq!(
        activated.envelope()["subscriber_id"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn checkout_replay_returns_the_same_ids_and_keeps_the_password() {
    let fx = Fixture::in_memory().await;
    let first = fx
        .service
        .checkout_complete(&fx.a.caller, fx.checkout_request("alice@example.com", 5))
        .await
        .unwrap();
    let again = fx
        .service
        .checkout_complete(&fx.a.caller, fx.checkout_request("ALICE@example.com", 5))
        .await
        .unwrap();
    assert_eq!(first, again);
    // Same key, other location: refused rather than merged.
    let err = fx
        .service
        .checkout_complete(&fx.a.caller, fx.checkout_request("alice@example.com", 6))
        .await
        .unwrap_err();
    assert_eq!(
        err.detail(),
        Detail::Text("Idempotency key reused with different location".into())
    );
    let sub = fx
        .store
        .get_subscriber(fx.a.provider.id, first.subscriber_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(sub.password_hash.unwrap().0.starts_with("$argon2id$"));
}

#[tokio::test]
async fn documented_errors_have_documented_statuses_and_details() {
    let fx = Fixture::in_memory().await;
    let text = |e: kurnl_core::Error| (e.status(), e.detail());
    let mut bad_hash = fx.provision_request("x@example.com", 0);
    bad_hash.location_hash = Some("xyz".into());
    assert_eq!(
        text(
            fx.service
                .provider_initiated(&fx.a.caller, bad_hash)
                .await
                .unwrap_err()
        ),
        (422, Detail::Text("Invalid location_hash format".into()))
    );

    let mut bad_email = fx.provision_request("not-an-email", 0);
    bad_email.firstname = None;
    let err = fx
        .service
        .provider_initiated(&fx.a.caller, bad_email)
        .await
        .unwrap_err();
    let Detail::Fields(fields) = err.detail() else {
        panic!("expected field list")
    };
    assert_eq!(err.status(), 422);
    assert!(
        fields
            .iter()
            .any(|f| f.loc == ["body", "email"] && f.kind == "value_error.email")
    );
    assert!(
        fields
            .iter()
            .any(|f| f.loc == ["body", "firstname"] && f.kind == "value_error.missing")
    );

    let mut foreign = fx.provision_request("y@example.com", 0);
    foreign.plan_version_id = Some(fx.b.plan.id.to_string());
    assert_eq!(
        text(
            fx.service
                .provider_initiated(&fx.a.caller, foreign)
                .await
                .unwrap_err()
        ),
        (
            403,
            Detail::Text("Plan version does not belong to your service provider".into())
        )
    );

    let mut unknown = fx.provision_request("z@example.com", 0);
    unknown.location_hash = Some("0000000000".into());
    assert_eq!(
        text(
            fx.service
                .provider_initiated(&fx.a.caller, unknown)
                .await
                .unwrap_err()
        ),
        (
            404,
            Detail::Text("Location not found for location_hash".into())
        )
    );

    let mut expired = fx.provision_request("w@example.com", 0);
    expired.plan_version_id = Some(fx.a.plan_expired.id.to_string());
    assert_eq!(
        text(
            fx.service
                .provider_initiated(&fx.a.caller, expired)
                .await
                .unwrap_err()
        ),
        (400, Detail::Text("Plan version not active".into()))
    );

    fx.service
        .provider_initiated(&fx.a.caller, fx.provision_request("first@example.com", 9))
        .await
        .unwrap();
    let taken = fx
        .service
        .provider_initiated(&fx.a.caller, fx.provision_request("second@example.com", 9))
        .await
        .unwrap_err();
    assert_eq!(
        text(taken),
        (
            409,
            Detail::Text("Location already has an active subscription".into())
        )
    );

    let mut both = fx.checkout_request("c@example.com", 0);
    both.unit_id = Some(fx.units[1].to_string());
    let err = fx
        .service
        .checkout_complete(&fx.a.caller, both)
        .await
        .unwrap_err();
    let Detail::Fields(fields) = err.detail() else {
        panic!("expected field list")
    };
    assert_eq!(fields[0].loc, ["body", "unit_id"]);
}

#[tokio::test]
async fn other_providers_ids_are_not_found() {
    let fx = Fixture::in_memory().await;
    let r = fx
        .service
        .provider_initiated(&fx.a.caller, fx.provision_request("iso@example.com", 0))
        .await
        .unwrap();
    let (sub, subscriber, job) = (
        r.subscription_id.to_string(),
        r.subscriber_id.unwrap().to_string(),
        r.job_id.unwrap().to_string(),
    );
    let b = &fx.b.caller;
    assert_eq!(
        fx.service
            .get_subscriber(b, &subscriber)
            .await
            .unwrap_err()
            .status(),
        404
    );
    assert_eq!(
        fx.service
            .list_subscriber_subscriptions(b, &subscriber, Default::default())
            .await
            .unwrap_err()
            .status(),
        404
    );
    assert_eq!(
        fx.service
            .update_subscriber(b, &subscriber, SubscriberPatch::default())
            .await
            .unwrap_err()
            .status(),
        404
    );
    assert_eq!(
        fx.service.job_status(b, &job).await.unwrap_err().status(),
        404
    );
    for op in ["activate", "suspend", "reactivate", "cancel"] {
        let err = match op {
            "activate" => fx.service.activate(b, &sub).await,
            "suspend" => fx.service.suspend(b, &sub).await,
            "reactivate" => fx.service.reactivate(b, &sub).await,
            _ => fx.service.cancel(b, &sub).await,
        };
        assert_eq!(err.unwrap_err().status(), 404, "{op}");
    }
    let cp = ChangePlanRequest {
        plan_version_id: Some(fx.b.plan.id.to_string()),
    };
    assert_eq!(
        fx.service
            .change_plan(b, &sub, cp)
            .await
            .unwrap_err()
            .status(),
        404
    );
    assert_eq!(
        fx.service
            .list_subscribers(b, SubscriberListQuery::default())
            .await
            .unwrap()
            .total,
        0
    );
    // And A's subscription is untouched.
    assert_eq!(
        fx.service
            .get_subscriber(&fx.a.caller, &subscriber)
            .await
            .unwrap()
            .subscriptions
            .unwrap()[0]
            .status,
        SubscriptionStatus::Active
    );
}

#[tokio::test]
async fn authentication() {
    let fx = Fixture::in_memory().await;
    let s = &fx.service;
    assert_eq!(
        s.authenticate_api_key(None).await.unwrap_err().detail(),
        Detail::Text("X-API-Key header required".into())
    );
    assert_eq!(
        s.authenticate_api_key(Some("krnl_live_nope"))
            .await
            .unwrap_err()
            .detail(),
        Detail::Text("Invalid API key".into())
    );
    assert_eq!(
        s.authenticate_api_key(Some(&fx.a.api_key)).await.unwrap(),
        fx.a.caller
    );
    assert_eq!(
        s.authenticate_api_key(Some(&fx.a.sandbox_api_key))
            .await
            .unwrap(),
        fx.a.sandbox_caller
    );
    let pid = fx.a.provider.id.to_string();
    assert_eq!(
        s.authenticate_webhook_secret(Some(&pid), None)
            .await
            .unwrap_err()
            .detail(),
        Detail::Text("X-Webhook-Secret header required".into())
    );
    assert_eq!(
        s.authenticate_webhook_secret(Some(&pid), Some("wrong"))
            .await
            .unwrap_err()
            .detail(),
        Detail::Text("Invalid webhook secret".into())
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        s.authenticate_webhook_secret(Some(&unknown), Some(&fx.a.webhook_secret))
            .await
            .unwrap_err()
            .status(),
        401
    );
    assert_eq!(
        s.authenticate_webhook_secret(Some(&pid), Some(&fx.a.webhook_secret))
            .await
            .unwrap(),
        fx.a.caller
    );
    let issued = s.issue_api_key(fx.a.provider.id, false).await.unwrap();
    assert!(issued.key.expose().starts_with("krnl_live_"));
    assert!(!format!("{issued:?}").contains(issued.key.expose()));
    s.revoke_api_key(issued.id).await.unwrap();
    assert_eq!(
        s.authenticate_api_key(Some(issued.key.expose()))
            .await
            .unwrap_err()
            .status(),
        401
    );
}

#[tokio::test]
async fn sandbox_writes_records_and_events_but_never_touches_the_switch() {
    let fx = Fixture::in_memory().await;
    let r = fx
        .service
        .provider_initiated(
            &fx.a.sandbox_caller,
            fx.provision_request("sb@example.com", 0),
        )
        .await
        .unwrap();
    fx.settle().await;
    let job = fx
        .service
        .job_status(&fx.a.sandbox_caller, &r.job_id.unwrap().to_string())
        .await
        .unwrap();
    assert_eq!(job.status, "completed");
    assert_eq!(fx.switch.sessions(), 0);
    assert!(fx.switch.history().is_empty());
    assert!(fx.sink.events().iter().all(|e| e.sandbox));
    // Live data does not see sandbox data, and the sandbox does not hold the real port.
    assert_eq!(
        fx.service
            .job_status(&fx.a.caller, &r.job_id.unwrap().to_string())
            .await
            .unwrap_err()
            .status(),
        404
    );
    fx.service
        .provider_initiated(&fx.a.caller, fx.provision_request("live@example.com", 0))
        .await
        .unwrap();
}

#[tokio::test]
async fn subscriber_management() {
    let fx = Fixture::in_memory().await;
    let c = &fx.a.caller;
    let req = SubscriberCreateRequest {
        email: Some("Bob@Example.com".into()),
        firstname: Some("Bob".into()),
        lastname: Some("Stone".into()),
        city: Some("Victoria".into()),
        ..Default::default()
    };
    let created = fx.service.create_subscriber(c, req.clone()).await.unwrap();
    assert!(created.created);
    assert_eq!(created.subscriber.country, "Canada");
    let again = fx.service.create_subscriber(c, req.clone()).await.unwrap();
    assert!(!again.created);
    assert_eq!(
        again.subscriber.subscriber_id,
        created.subscriber.subscriber_id
    );
    let conflict = SubscriberCreateRequest {
        lastname: Some("Other".into()),
        ..req
    };
    assert_eq!(
        fx.service
            .create_subscriber(c, conflict)
            .await
            .unwrap_err()
            .status(),
        409
    );

    for n in 0..5 {
        fx.service
            .provider_initiated(
                c,
                fx.provision_request(&format!("user{n}@example.com"), n + 10),
            )
            .await
            .unwrap();
    }
    let page = fx
        .service
        .list_subscribers(
            c,
            SubscriberListQuery {
                page: Some(1),
                page_size: Some(4),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (page.results.len(), page.total, page.has_more),
        (4, 6, true)
    );
    let page2 = fx
        .service
        .list_subscribers(
            c,
            SubscriberListQuery {
                page: Some(2),
                page_size: Some(4),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((page2.results.len(), page2.has_more), (2, false));
    let active = fx
        .service
        .list_subscribers(
            c,
            SubscriberListQuery {
                status: Some("active".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(active.total, 5, "bob has no subscription");
    let search = fx
        .service
        .list_subscribers(
            c,
            SubscriberListQuery {
                search: Some("USER3@".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(search.results[0].email, "user3@example.com");
    let bad = fx
        .service
        .list_subscribers(
            c,
            SubscriberListQuery {
                page_size: Some(101),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.status(), 422);

    let id = created.subscriber.subscriber_id.to_string();
    let patched = fx
        .service
        .update_subscriber(
            c,
            &id,
            SubscriberPatch {
                city: Some(Some("Nanaimo".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (patched.city.as_deref(), patched.firstname.as_str()),
        (Some("Nanaimo"), "Bob")
    );
    let bad = fx
        .service
        .update_subscriber(
            c,
            &id,
            SubscriberPatch {
                firstname: Some(Some("\n".into())),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(bad.unwrap_err().status(), 422);
    assert!(
        serde_json::from_str::<SubscriberPatch>(r#"{"email":"new@example.com"}"#).is_err(),
        "email is immutable"
    );
}

#[tokio::test]
async fn bulk_batches_report_per_entry_results() {
    let fx = Fixture::in_memory().await;
    let c = &fx.a.caller;
    let too_many = BulkRequest {
        subscribers: vec![serde_json::json!({}); 101],
    };
    assert_eq!(
        fx.service
            .bulk_submit(c, too_many)
            .await
            .unwrap_err()
            .status(),
        422
    );
    assert_eq!(
        fx.service
            .bulk_submit(c, BulkRequest::default())
            .await
            .unwrap_err()
            .status(),
        422
    );

    let good = serde_json::to_value(fx.provision_request("bulk1@example.com", 20)).unwrap();
    let mut bad_hash = fx.provision_request("bulk2@example.com", 21);
    bad_hash.location_hash = Some("nothex".into());
    let taken = serde_json::to_value(fx.provision_request("bulk3@example.com", 20)).unwrap();
    let req = BulkRequest {
        subscribers: vec![
            good,
            serde_json::to_value(bad_hash).unwrap(),
            taken,
            // Well typed but incomplete: fails on its own.
            serde_json::json!({"email": "bulk4@example.com"}),
        ],
    };
    // A field of the wrong JSON type fails the whole submission up front, naming it.
    let mistyped = BulkRequest {
        subscribers: vec![req.subscribers[0].clone(), serde_json::json!({"email": 5})],
    };
    let err = fx.service.bulk_submit(c, mistyped).await.unwrap_err();
    match err.detail() {
        kurnl_core::error::Detail::Fields(f) => {
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].loc, ["body", "subscribers", "1", "email"]);
            assert_eq!(f[0].kind, "type_error.str");
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    let accepted = fx.service.bulk_submit(c, req).await.unwrap();
    assert_eq!(
        (accepted.total, accepted.message.as_str()),
        (4, "Batch queued")
    );
    let id = accepted.batch_id.to_string();
    let view = fx.service.bulk_status(c, &id).await.unwrap();
    assert_eq!(view.status, "in_progress");
    assert_eq!(view.results[0].status, "pending");
    assert_eq!(
        view.results[1].error.as_deref(),
        Some("Invalid location_hash format")
    );
    assert_eq!(
        view.results[2].error.as_deref(),
        Some("Duplicate subscription")
    );
    assert_eq!(view.results[3].status, "failed");
    fx.settle().await;
    let view = fx.service.bulk_status(c, &id).await.unwrap();
    assert_eq!(
        (view.status, view.completed, view.failed),
        ("completed_with_errors", 1, 3)
    );
    assert_eq!(
        fx.service
            .bulk_status(&fx.b.caller, &id)
            .await
            .unwrap_err()
            .status(),
        404
    );
    fx.clock.advance(chrono::Duration::hours(49));
    assert_eq!(
        fx.service.bulk_status(c, &id).await.unwrap_err().status(),
        404
    );
}

#[tokio::test]
async fn at_most_three_batches_in_progress() {
    let fx = Fixture::in_memory().await;
    let c = &fx.a.caller;
    for n in 0..3 {
        let entry =
            serde_json::to_value(fx.provision_request(&format!("b{n}@example.com"), 30 + n))
                .unwrap();
        fx.service
            .bulk_submit(
                c,
                BulkRequest {
                    subscribers: vec![entry],
                },
            )
            .await
            .unwrap();
    }
    let entry = serde_json::to_value(fx.provision_request("b4@example.com", 40)).unwrap();
    let err = fx
        .service
        .bulk_submit(
            c,
            BulkRequest {
                subscribers: vec![entry.clone()],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.detail()),
        (429, Detail::Text("Too many concurrent batches".into()))
    );
    fx.settle().await;
    fx.service
        .bulk_submit(
            c,
            BulkRequest {
                subscribers: vec![entry],
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn plans_me_lists_only_active_versions() {
    let fx = Fixture::in_memory().await;
    let plans = fx.service.my_plan_versions(&fx.a.caller).await.unwrap();
    let ids: Vec<_> = plans.iter().map(|p| p.document_id).collect();
    assert!(ids.contains(&fx.a.plan.id) && ids.contains(&fx.a.plan_fast.id));
    assert!(!ids.contains(&fx.a.plan_expired.id) && !ids.contains(&fx.b.plan.id));
}

#[tokio::test]
async fn confirm_install_rejects_a_port_in_use() {
    let fx = Fixture::in_memory().await;
    fx.service
        .provider_initiated(&fx.a.caller, fx.provision_request("port@example.com", 0))
        .await
        .unwrap();
    let mut req = fx.checkout_request("hd3@example.com", 0);
    req.delivery_mode = Some("home_drop".into());
    req.location_hash = None;
    req.unit_id = Some(fx.units[2].to_string());
    let r = fx
        .service
        .checkout_complete(&fx.a.caller, req)
        .await
        .unwrap();
    let confirm = |port: u32| ConfirmInstallRequest {
        subscription_id: Some(r.subscription_id.to_string()),
        switch_id: Some(fx.switch_record.id.to_string()),
        port_number: Some(port),
    };
    assert_eq!(
        fx.service
            .confirm_install(&fx.a.caller, confirm(1))
            .await
            .unwrap_err()
            .status(),
        409
    );
    assert_eq!(
        fx.service
            .confirm_install(&fx.a.caller, confirm(999))
            .await
            .unwrap_err()
            .status(),
        404
    );
    let ok = fx
        .service
        .confirm_install(&fx.a.caller, confirm(2))
        .await
        .unwrap();
    let sub = fx
        .store
        .get_subscription(fx.a.provider.id, r.subscription_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        sub.port,
        Some(PortRef {
            switch_id: fx.switch_record.id,
            port_number: 2
        })
    );
    assert_eq!(sub.status, SubscriptionStatus::Pending);
    assert!(ok.job_id.is_some());
    let jobs = fx
        .store
        .list_jobs_of(fx.a.provider.id, sub.id)
        .await
        .unwrap();
    assert_eq!(
        jobs.iter()
            .filter(|j| j.status == JobStatus::Pending)
            .count(),
        1
    );
}

#[tokio::test]
async fn a_bulk_entry_run_again_after_its_creation_records_the_same_subscription() {
    // What `resume_batches` meets when an entry's subscription was committed but its outcome
    // was lost (PostgreSQL commits outcomes without waiting for the flush): the rerun must
    // record the subscription that exists, not a duplicate.
    let fx = Fixture::in_memory().await;
    let c = &fx.a.caller;
    let request = fx.provision_request("rerun@example.com", 40);
    let first = fx
        .service
        .provider_initiated(c, request.clone())
        .await
        .unwrap();
    let accepted = fx
        .service
        .bulk_submit(
            c,
            BulkRequest {
                subscribers: vec![serde_json::to_value(request).unwrap()],
            },
        )
        .await
        .unwrap();
    fx.settle().await;
    let view = fx
        .service
        .bulk_status(c, &accepted.batch_id.to_string())
        .await
        .unwrap();
    assert_eq!((view.completed, view.failed), (1, 0), "{:?}", view.results);
    assert_eq!(
        (
            view.results[0].subscription_id,
            view.results[0].subscriber_id,
            view.results[0].job_id
        ),
        (
            Some(first.subscription_id),
            first.subscriber_id,
            first.job_id
        )
    );
}

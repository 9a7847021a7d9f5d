//! Test support: a [`Conn`] that asks the database for the plan of every statement it runs,
//! so tests can check that each query of the store is served by an index.

use crate::conn::{Arg, Conn, DbRow, Dialect};
use crate::error::StoreResult;

/// A statement and the lines of its plan.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) sql: String,
    pub(crate) lines: Vec<String>,
}

/// Wraps a real connection; records `EXPLAIN` output before running each statement.
pub(crate) struct Explaining<'c, C> {
    pub(crate) conn: &'c mut C,
    pub(crate) plans: Vec<Plan>,
}

#[derive(Debug, sqlx::FromRow)]
struct SqlitePlanRow {
    detail: String,
}

#[cfg(feature = "postgres")]
#[derive(Debug, sqlx::FromRow)]
struct PgPlanRow {
    #[sqlx(rename = "QUERY PLAN")]
    line: String,
}

impl<C: Conn> Explaining<'_, C> {
    /// Plans `sql`; a string of several statements ([`Statements`](crate::ops::statements))
    /// statement by statement (each with the whole argument list: SQLite binds by number),
    /// leaving out savepoint bookkeeping, which has no plan.
    async fn explain(&mut self, sql: &str, args: &[Arg]) -> StoreResult<()> {
        for statement in sql.split(";\n") {
            let head = statement.trim_start();
            if head.starts_with("RELEASE") || head.starts_with("SAVEPOINT") {
                continue;
            }
            self.explain_one(statement, args).await?;
        }
        Ok(())
    }

    async fn explain_one(&mut self, sql: &str, args: &[Arg]) -> StoreResult<()> {
        let lines = match C::DIALECT {
            Dialect::Sqlite => {
                let rows: Vec<SqlitePlanRow> = self
                    .conn
                    .fetch_all(&format!("EXPLAIN QUERY PLAN {sql}"), args.to_vec())
                    .await?;
                rows.into_iter().map(|r| r.detail).collect()
            }
            #[cfg(feature = "postgres")]
            Dialect::Postgres => {
                let rows: Vec<PgPlanRow> = self
                    .conn
                    .fetch_all(&format!("EXPLAIN {sql}"), args.to_vec())
                    .await?;
                rows.into_iter().map(|r| r.line).collect()
            }
            #[cfg(not(feature = "postgres"))]
            Dialect::Postgres => Vec::new(),
        };
        self.plans.push(Plan {
            sql: sql.to_owned(),
            lines,
        });
        Ok(())
    }

    /// Plan lines that read a whole table without an index.
    pub(crate) fn full_scans(&self) -> Vec<String> {
        let mut out = Vec::new();
        for plan in &self.plans {
            for line in &plan.lines {
                // `SCAN CONSTANT ROW` is a SELECT without a table (`SELECT changes()`).
                let sqlite_scan = line.trim_start().starts_with("SCAN ")
                    && !line.contains(" USING ")
                    && !line.contains("CONSTANT ROW");
                if sqlite_scan || line.contains("Seq Scan") {
                    out.push(format!("{line}\n    in: {}", plan.sql));
                }
            }
        }
        out
    }
}

impl<C: Conn> Conn for Explaining<'_, C> {
    const DIALECT: Dialect = C::DIALECT;

    async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        self.explain(sql, &args).await?;
        self.conn.execute(sql, args).await
    }

    async fn fetch_all<T: DbRow>(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<T>> {
        self.explain(sql, &args).await?;
        self.conn.fetch_all(sql, args).await
    }

    async fn fetch_optional<T: DbRow>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> StoreResult<Option<T>> {
        self.explain(sql, &args).await?;
        self.conn.fetch_optional(sql, args).await
    }
}

/// Rows the plan check reads: a small world populated through the public API.
pub(crate) struct Sample {
    world: kurnl_core::testkit::store_suite::fixtures::World,
    subscriber: kurnl_core::model::Subscriber,
    subscription: kurnl_core::model::Subscription,
    job: kurnl_core::model::Job,
    time: chrono::DateTime<chrono::Utc>,
}

/// Stores a provider, switch, subscriber, subscription, job and event.
pub(crate) async fn populate(store: &dyn kurnl_core::ports::Store) -> Sample {
    use kurnl_core::ports::WriteSet;
    use kurnl_core::testkit::store_suite::fixtures::{
        event, job, queue_time, subscriber, subscription, world,
    };
    let time = queue_time();
    let world = world(store, 4, 1).await;
    let subscriber = subscriber(world.provider, false, time);
    let mut subscription = subscription(&world, Some(world.ports[0]), time);
    subscription.subscriber_id = Some(subscriber.id);
    let job = job(&subscription, world.ports[0], time, time);
    let writes = WriteSet {
        new_subscriber: Some(subscriber.clone()),
        new_subscription: Some(subscription.clone()),
        subscription_update: None,
        jobs: vec![job.clone()],
        events: vec![event(&subscription, time)],
    };
    assert!(
        store.commit(writes).await.is_ok(),
        "populate the plan check"
    );
    Sample {
        world,
        subscriber,
        subscription,
        job,
        time,
    }
}

/// Runs every query of the store once through `c` (an [`Explaining`] connection), with
/// filters set so that each branch's SQL is planned. Errors of the operations themselves
/// (expected conflicts) are ignored; only the plans matter.
pub(crate) async fn exercise<C: Conn>(c: &mut C, s: &Sample) {
    use crate::ops::{batches, commit, inventory, outbox, queue, subscribers, subscriptions};
    use chrono::Duration;
    use kurnl_core::model::{Batch, BatchEntry, DeliveryAttempt, DeliveryStatus, EntryOutcome};
    use kurnl_core::ports::{
        ClaimRequest, DeliveryNext, DeliveryRecord, EventClaim, EventQuery, JobOutcome, JobResult,
        SubscriberQuery, SubscriptionUpdate, WriteSet,
    };
    use kurnl_core::types::{BatchId, SubscriptionStatus};
    let (w, t) = (&s.world, s.time);
    let _ = inventory::get_provider(c, w.provider).await;
    let _ = inventory::find_api_key(c, "0000").await;
    let _ = inventory::get_plan_version(c, w.plan_version).await;
    let _ = inventory::list_plan_versions(c, w.provider).await;
    let _ = inventory::get_switch(c, w.switch).await;
    let _ = inventory::list_switches(c).await;
    let _ = inventory::get_port(c, w.ports[0]).await;
    let _ = subscribers::get_subscriber(c, w.provider, s.subscriber.id).await;
    let _ = subscribers::find_subscriber_by_email(c, w.provider, false, &s.subscriber.email).await;
    let _ = subscribers::update_subscriber(c, &s.subscriber, 0).await;
    for (status, search, page) in [
        (None, None, 1),
        (Some(SubscriptionStatus::Active), Some("alex".to_owned()), 2),
    ] {
        let query = SubscriberQuery {
            provider_id: w.provider,
            sandbox: false,
            page,
            page_size: 20,
            status,
            search,
        };
        let _ = subscribers::list_subscribers(c, &query).await;
    }
    let _ = subscriptions::get_subscription(c, w.provider, s.subscription.id).await;
    let key = s.subscription.idempotency_key.clone().unwrap_or_default();
    let _ = subscriptions::find_live_subscription_by_key(c, w.provider, false, &key).await;
    let _ = subscriptions::list_subscriptions_of(c, w.provider, s.subscriber.id).await;
    let mut after = s.subscription.clone();
    after.revision += 1;
    let update = SubscriptionUpdate {
        expected_revision: s.subscription.revision,
        after,
    };
    let _ = commit::commit_after(
        c,
        WriteSet {
            subscription_update: Some(update),
            ..WriteSet::default()
        },
        None,
    )
    .await;
    let _ = queue::get_job(c, w.provider, s.job.id).await;
    let _ = queue::list_jobs_of(c, w.provider, s.subscription.id).await;
    let claim = ClaimRequest {
        worker: "plan".into(),
        now: t,
        lease: Duration::seconds(30),
        max_jobs: 4,
    };
    if let Ok(Some(claimed)) = queue::claim_jobs(c, None, &claim).await {
        let _ = queue::heartbeat(c, claimed.lease, t + Duration::seconds(60)).await;
        let outcomes = claimed
            .jobs
            .iter()
            .map(|j| JobOutcome {
                job_id: j.id,
                result: JobResult::Completed { events: Vec::new() },
            })
            .collect();
        let _ = queue::finish_jobs(c, None, claimed.lease, outcomes, t).await;
    }
    if C::DIALECT == crate::conn::Dialect::Postgres {
        // The claim is a function call on PostgreSQL, whose plan does not show the two
        // statements inside; they are planned here on their own (after the claim above
        // finished its job, so the lease leases nothing).
        for (sql, args) in queue::pg_claim_statements(&claim, w.switch.0) {
            let _ = c.execute(&sql, args).await;
        }
    }
    let _ = queue::reap_expired_leases(c, t).await;
    let claim = EventClaim {
        now: t,
        lease: Duration::seconds(30),
        limit: 10,
    };
    for event in outbox::claim_events(c, &claim).await.unwrap_or_default() {
        let attempt = DeliveryAttempt {
            event_id: event.id,
            attempt: 1,
            at: t,
            status_code: Some(200),
            latency_ms: 1,
            error: None,
        };
        let lease = event
            .lease
            .unwrap_or_else(kurnl_core::types::LeaseToken::new_random);
        let record = DeliveryRecord {
            lease,
            attempt,
            next: DeliveryNext::Delivered,
        };
        let _ = outbox::record_delivery(c, None, event.id, &record).await;
        let _ = outbox::get_event(c, w.provider, event.id).await;
        let _ = outbox::replay_event(c, w.provider, event.id, t).await;
    }
    let query = EventQuery {
        provider_id: w.provider,
        since: Some(t),
        status: Some(DeliveryStatus::Pending),
        limit: 10,
    };
    let _ = outbox::list_events(c, &query).await;
    let _ = outbox::list_events_of(c, w.provider, s.subscription.id).await;
    let entry = BatchEntry {
        index: 0,
        email: "a@example.com".into(),
        request: serde_json::json!({}),
        outcome: None,
    };
    let batch = Batch {
        id: BatchId::new_random(),
        provider_id: w.provider,
        sandbox: false,
        created_at: t,
        entries: vec![entry],
    };
    let _ = batches::create_batch(c, &batch, 5).await;
    let _ = batches::unprocessed_batches(c).await;
    let outcome = EntryOutcome::Created {
        subscription_id: s.subscription.id,
        subscriber_id: Some(s.subscriber.id),
        job_id: Some(s.job.id),
    };
    let _ = batches::record_batch_entry(c, None, batch.id, 0, &outcome).await;
    let _ = batches::get_batch(c, w.provider, batch.id).await;
    let _ = batches::purge_batches(c, t - Duration::days(365)).await;
    exercise_drift(c, s).await;
}

/// The drift audit's queries: a claim (insert and update paths), a finish with a queued
/// repair (id checks, the supersede read, job, finding, event, audit row) and the lists with
/// each filter.
async fn exercise_drift<C: Conn>(c: &mut C, s: &Sample) {
    use crate::ops::drift;
    use kurnl_core::model::{
        AuditOutcome, DriftAction, DriftField, DriftFinding, DriftPolicy, EventData,
        FindingToRecord, JobAction, NewEvent, SwitchAudit,
    };
    use kurnl_core::ports::{AuditRecord, DriftQuery};
    use kurnl_core::types::{DriftId, EventId, JobId};
    let (w, t) = (&s.world, s.time);
    let hold = t + chrono::Duration::seconds(600);
    let _ = drift::claim_switch_audit(c, w.switch, t, t, hold).await;
    let _ = drift::claim_switch_audit(c, w.switch, hold, hold, hold).await;
    let port = w.ports[1];
    let mut repair = s.job.clone();
    repair.id = JobId::new_random();
    repair.action = JobAction::Repair;
    repair.port = port;
    let finding = DriftFinding {
        id: DriftId::new_random(),
        port,
        interface: repair.interface.clone(),
        subscription_id: Some(s.subscription.id),
        provider_id: Some(w.provider),
        desired: repair.desired.clone(),
        actual: None,
        fields: vec![DriftField::Other],
        action: DriftAction::RepairQueued,
        repair_job_id: Some(repair.id),
        detected_at: t,
    };
    let event = NewEvent {
        id: EventId::new_random(),
        provider_id: w.provider,
        sandbox: false,
        data: EventData::PortDriftDetected {
            subscription_id: s.subscription.id,
            drifted: vec![DriftField::Vlan],
            policy: DriftPolicy::Repair,
        },
        created_at: t,
    };
    let record = AuditRecord {
        audit: SwitchAudit {
            switch_id: w.switch,
            started_at: t,
            finished_at: t,
            policy: DriftPolicy::Repair,
            outcome: AuditOutcome::Completed {
                ports_checked: 1,
                drifted: 1,
                unreadable: 0,
            },
        },
        next_due_at: hold,
        findings: vec![FindingToRecord {
            finding,
            repair: Some(repair),
        }],
        events: vec![event],
    };
    let _ = drift::finish_switch_audit(c, record).await;
    let _ = drift::list_switch_audits(c).await;
    for (switch_id, since) in [(None, None), (Some(w.switch), Some(t)), (None, Some(t))] {
        let query = DriftQuery {
            switch_id,
            since,
            limit: 10,
        };
        let _ = drift::list_drift_findings(c, &query).await;
    }
}

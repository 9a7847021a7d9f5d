//! A host application's own tests of what kurnl does when a switch fails, written with
//! `kurnl::testkit` only (feature `testkit`): a `mockall` [`MockSwitchDriver`] that answers a
//! driver error, and an [`InMemorySwitch`] with a fault, each wired into the [`Kurnl`] handle
//! over the kit's ready-made [`Fixture`] world (providers, plans, locations). Each test
//! provisions a subscriber, runs the engine and the dispatcher by hand, and checks that the
//! job failed (as the service reports it) and that the provider was sent `provisioning.failed`.
//!
//! Run: `cargo test --example host_tests --features testkit`.
//!
//! [`MockSwitchDriver`]: kurnl::testkit::MockSwitchDriver
//! [`InMemorySwitch`]: kurnl::testkit::InMemorySwitch
//! [`Fixture`]: kurnl::testkit::Fixture
//! [`Kurnl`]: kurnl::Kurnl

fn main() {
    println!("this example is a test suite: cargo test --example host_tests --features testkit");
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use kurnl::Kurnl;
    use kurnl::ports::{DriverCapabilities, DriverError, DriverErrorKind, SwitchDriver};
    use kurnl::testkit::{
        Fixture, InMemorySwitch, MockSwitchDriver, RecordingEventSink, SwitchFault,
    };

    /// The kit's world with `driver` registered for its switch, a recording sink for the
    /// webhooks, through the handle (not spawned: the test runs the engine and dispatcher).
    async fn handle_with(
        driver: Arc<dyn SwitchDriver>,
    ) -> (Fixture, Kurnl, Arc<RecordingEventSink>) {
        let fixture = Fixture::in_memory().await;
        let sink = Arc::new(RecordingEventSink::new());
        let kurnl = Kurnl::builder()
            .store(Arc::clone(&fixture.store))
            .driver(fixture.switch_record.driver.clone(), driver)
            .webhooks(sink.clone())
            .build()
            .await
            .expect("build the handle");
        (fixture, kurnl, sink)
    }

    /// Provisions one subscriber, settles the background work, returns the job's status and
    /// error as the service reports them.
    async fn provision_and_settle(fixture: &Fixture, kurnl: &Kurnl) -> (String, Option<String>) {
        let started = kurnl
            .service()
            .provider_initiated(
                &fixture.a.caller,
                fixture.provision_request("carol@example.com", 0),
            )
            .await
            .expect("provider-initiated provisioning is accepted");
        let job = started
            .job_id
            .expect("direct provisioning returns a job")
            .to_string();
        kurnl.engine().drain().await.expect("engine runs");
        while kurnl
            .dispatcher()
            .run_once()
            .await
            .expect("dispatcher runs")
            > 0
        {}
        let view = kurnl
            .service()
            .job_status(&fixture.a.caller, &job)
            .await
            .expect("job status");
        (view.status.to_owned(), view.error)
    }

    #[tokio::test]
    async fn a_driver_error_fails_the_job_and_tells_the_provider() {
        let mut driver = MockSwitchDriver::new();
        driver
            .expect_capabilities()
            .returning(|| DriverCapabilities {
                atomic_commit: false,
                commit_confirmed: false,
                batching: true,
                max_sessions: Some(1),
            });
        driver.expect_apply().returning(|_, _| {
            Err(DriverError::permanent(
                DriverErrorKind::Auth,
                "login refused by the mock",
            ))
        });
        let (fixture, kurnl, sink) = handle_with(Arc::new(driver)).await;

        let (status, error) = provision_and_settle(&fixture, &kurnl).await;
        assert_eq!(status, "failed", "a permanent driver error fails the job");
        // Providers read the kind's fixed sentence, never the driver's own text.
        assert_eq!(
            error.as_deref(),
            Some(DriverErrorKind::Auth.provider_message()),
            "the job names the kind of driver error"
        );
        assert!(
            sink.names().contains(&"provisioning.failed"),
            "the provider is sent provisioning.failed: {:?}",
            sink.names()
        );
    }

    #[tokio::test]
    async fn a_switch_rejecting_the_interface_fails_the_job_and_keeps_the_port() {
        let switch = Arc::new(InMemorySwitch::new());
        let (fixture, kurnl, sink) = handle_with(switch.clone()).await;
        let interface = kurnl::types::InterfaceName::parse("GigabitEthernet1/0/1").unwrap();
        switch.fail(SwitchFault::RejectInterface(interface.clone()), None);

        let (status, _) = provision_and_settle(&fixture, &kurnl).await;
        assert_eq!(status, "failed", "a rejected interface fails the job");
        assert_eq!(
            switch.port(fixture.switch_record.id, &interface),
            None,
            "the rejected port is left as it was (never configured)"
        );
        assert!(
            sink.names().contains(&"provisioning.failed"),
            "the provider is sent provisioning.failed: {:?}",
            sink.names()
        );
        let report = kurnl.shutdown().await.expect("shut down");
        assert_eq!(report.queued.jobs, 0, "the failed job is not requeued");
    }
}

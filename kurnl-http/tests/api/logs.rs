//! Request tracing: ids, provider, status and latency are logged; credentials, query strings
//! and bodies are not.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::support::Api;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn logs_carry_the_request_but_no_secret() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let api = Api::new().await;
    let r = api
        .post("/partner/provisioning/provider-initiated")
        .key(api.a())
        .json(&api.provision("secretive@example.com", 0))
        .send()
        .await
        .expect(200);
    let secret = api.fx.a.webhook_secret.clone();
    api.post("/partner/external-checkout/complete")
        .secret(&secret)
        .json(&api.checkout("hidden@example.com", 1))
        .send()
        .await
        .expect(200);
    api.get("/provider/subscribers?search=hidden@example.com")
        .key(api.a())
        .send()
        .await
        .expect(200);
    api.get("/partner/marketplace/plans/me")
        .key("krnl_live_wrong-key-wrong-key-0000")
        .send()
        .await
        .expect(401);

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let request_id = r.header("x-request-id").unwrap();
    assert!(logs.contains(request_id), "{logs}");
    assert!(logs.contains("request completed"), "{logs}");
    assert!(
        logs.contains(&api.fx.a.provider.id.to_string()),
        "provider logged: {logs}"
    );
    assert!(
        logs.contains("status=200") && logs.contains("status=401"),
        "{logs}"
    );
    assert!(logs.contains("latency_ms="), "{logs}");
    for secret in [
        api.a(),
        secret.as_str(),
        "krnl_live_wrong-key",
        "secretive@example.com",
        "hidden@example.com",
        "s3cret-passw0rd",
    ] {
        assert!(!logs.contains(secret), "{secret} leaked into the logs");
    }
}

//! A fixture world behind the router, and a small request builder.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request};
use http_body_util::BodyExt;
use kurnl_core::testkit::Fixture;
use kurnl_http::RouterConfig;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The fixture and the router over its service.
pub struct Api {
    pub fx: Fixture,
    pub app: Router,
}

/// A response: status, headers and the JSON body (every response must be JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn num(&self, name: &str) -> i64 {
        self.header(name)
            .unwrap_or_else(|| panic!("missing header {name}"))
            .parse()
            .unwrap()
    }

    /// The `detail` string of a plain error.
    pub fn detail(&self) -> &str {
        self.body["detail"]
            .as_str()
            .unwrap_or_else(|| panic!("no detail string in {}", self.body))
    }

    /// The `detail` items of a 422.
    pub fn items(&self) -> &Vec<Value> {
        self.body["detail"]
            .as_array()
            .unwrap_or_else(|| panic!("no detail array in {}", self.body))
    }

    /// The 422 item whose `loc` is `loc`.
    pub fn item_at(&self, loc: &[&str]) -> &Value {
        let want: Vec<Value> = loc.iter().map(|s| json!(s)).collect();
        self.items()
            .iter()
            .find(|i| i["loc"].as_array() == Some(&want))
            .unwrap_or_else(|| panic!("no item at {loc:?} in {}", self.body))
    }

    pub fn id(&self, field: &str) -> String {
        self.body[field]
            .as_str()
            .unwrap_or_else(|| panic!("no {field} in {}", self.body))
            .to_owned()
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected status, body {}", self.body);
        self
    }

    /// Asserts a plain `{"detail": detail}` error with nothing else in the body.
    #[track_caller]
    pub fn expect_detail(self, status: u16, detail: &str) -> Self {
        assert_eq!(self.status, status, "unexpected status, body {}", self.body);
        assert_eq!(self.body, json!({ "detail": detail }));
        self
    }
}

pub const PEER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 40000);

impl Api {
    pub async fn new() -> Self {
        Self::with_config(RouterConfig::default()).await
    }

    pub async fn with_config(config: RouterConfig) -> Self {
        let fx = Fixture::in_memory().await;
        let app = kurnl_http::router_with_config(fx.service.clone(), config);
        Self { fx, app }
    }

    /// A router of its own (e.g. over a mock store); the fixture is unrelated to it.
    pub async fn bare(app: Router) -> Self {
        Self {
            fx: Fixture::in_memory().await,
            app,
        }
    }

    /// A request to `/api/v1{path}`.
    pub fn call(&self, method: &str, path: &str) -> Call<'_> {
        self.raw(method, &format!("/api/v1{path}"))
    }

    /// A request to any path.
    pub fn raw(&self, method: &str, uri: &str) -> Call<'_> {
        Call {
            app: &self.app,
            request: Request::builder()
                .method(Method::from_bytes(method.as_bytes()).unwrap())
                .uri(uri),
            body: Body::empty(),
            peer: PEER,
        }
    }

    pub fn get(&self, path: &str) -> Call<'_> {
        self.call("GET", path)
    }

    pub fn post(&self, path: &str) -> Call<'_> {
        self.call("POST", path)
    }

    /// Provider A's key.
    pub fn a(&self) -> &str {
        &self.fx.a.api_key
    }

    /// Provider B's key.
    pub fn b(&self) -> &str {
        &self.fx.b.api_key
    }

    /// A CKO-04 body for provider A at location `n`.
    pub fn provision(&self, email: &str, n: usize) -> Value {
        serde_json::to_value(self.fx.provision_request(email, n)).unwrap()
    }

    /// A CKO-03 direct checkout body for provider A at location `n`.
    pub fn checkout(&self, email: &str, n: usize) -> Value {
        let contact = json!({"firstname": "Alice", "lastname": "Martin", "email": email});
        json!({
            "service_provider_document_id": self.fx.a.provider.id.to_string(),
            "plan_version_id": self.fx.a.plan.id.to_string(),
            "location_hash": self.fx.locations[n].as_str(),
            "subscriber": {
                "email": email,
                "username": "alice",
                "password": "s3cret-passw0rd",
                "invoice_contact_detail": contact,
                "contract_contact_detail": contact,
                "invoice_address": {
                    "street": "Main St", "housenumber": "1", "postalcode": "V1A 2B3",
                    "city": "Vancouver", "province": "BC"
                }
            }
        })
    }

    /// A CKO-03 home-drop checkout body for provider A at unit `n`.
    pub fn home_drop(&self, email: &str, n: usize) -> Value {
        let mut body = self.checkout(email, 0);
        body["delivery_mode"] = json!("home_drop");
        body.as_object_mut().unwrap().remove("location_hash");
        body["unit_id"] = json!(self.fx.units[n].to_string());
        body
    }

    /// An anonymous checkout body for provider A at location `n`.
    pub fn anonymous(&self, external_id: &str, n: usize) -> Value {
        json!({
            "service_provider_document_id": self.fx.a.provider.id.to_string(),
            "plan_version_id": self.fx.a.plan.id.to_string(),
            "location_hash": self.fx.locations[n].as_str(),
            "external_subscription_id": external_id,
            "mac_address": "AA:BB:CC:DD:EE:01"
        })
    }
}

/// One request being built.
pub struct Call<'a> {
    app: &'a Router,
    request: axum::http::request::Builder,
    body: Body,
    peer: SocketAddr,
}

impl Call<'_> {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    pub fn key(self, key: &str) -> Self {
        self.header("X-API-Key", key)
    }

    pub fn secret(self, secret: &str) -> Self {
        self.header("X-Webhook-Secret", secret)
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.request = self.request.header("content-type", "application/json");
        self.body = Body::from(serde_json::to_vec(body).unwrap());
        self
    }

    /// A body as given, with no content type unless set with [`Call::header`].
    pub fn bytes(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Body::from(body.into());
        self
    }

    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    pub fn peer_ip(mut self, ip: &str) -> Self {
        self.peer = SocketAddr::new(ip.parse().unwrap(), 40000);
        self
    }

    pub async fn send(self) -> Resp {
        let mut request = self.request.body(self.body).unwrap();
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "response is not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        assert!(
            headers.contains_key("x-request-id"),
            "every response has a request id"
        );
        if !bytes.is_empty() {
            assert_eq!(
                headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/json")
            );
        }
        Resp {
            status,
            headers,
            body,
        }
    }
}

/// Every endpoint that takes an API key, with a path that exists.
pub fn api_key_endpoints(id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GET", "/partner/marketplace/plans/me".into()),
        ("POST", "/partner/provisioning/provider-initiated".into()),
        ("POST", "/partner/provisioning/bulk".into()),
        ("GET", format!("/partner/provisioning/bulk/{id}")),
        ("GET", format!("/partner/provisioning/jobs/{id}")),
        ("POST", "/provisioning/confirm-install".into()),
        ("GET", "/provider/subscribers".into()),
        ("POST", "/provider/subscribers".into()),
        ("GET", format!("/provider/subscribers/{id}")),
        ("PATCH", format!("/provider/subscribers/{id}")),
        ("GET", format!("/provider/subscribers/{id}/subscriptions")),
        ("POST", format!("/subscription/{id}/activate")),
        ("POST", format!("/subscription/{id}/change-plan")),
        ("POST", format!("/subscription/{id}/suspend")),
        ("POST", format!("/subscription/{id}/reactivate")),
        ("POST", format!("/subscription/{id}/cancel")),
        ("GET", "/provider/webhooks/deliveries".into()),
        ("POST", "/provider/webhooks/replay".into()),
    ]
}

/// A fresh operator key for the operator endpoints.
pub async fn operator_key(api: &Api) -> String {
    let issued = api.fx.service.issue_operator_key("tests").await.unwrap();
    issued.key.expose().to_owned()
}

/// `call` with the operator key header.
pub fn op<'a>(call: Call<'a>, key: &str) -> Call<'a> {
    call.header("X-Operator-Key", key)
}

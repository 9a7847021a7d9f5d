//! A scripted HTTP/1.1 receiver on 127.0.0.1 (random port) for the webhook tests: answers each
//! request as scripted (status, headers, delay, dropped connection, no answer at all) and
//! records every request it read.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use kurnl_core::model::{BillingMode, DeliveryStatus, Event, EventData, Provider, WebhookEndpoint};
use kurnl_core::types::{EventId, JobId, ProviderId, Secret, SubscriptionId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the receiver does with one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answer with this status and extra headers after `delay`.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        delay: Duration,
    },
    /// Close the connection without answering.
    Drop,
    /// Do not answer until [`Receiver::release`] (then 503) or the client gives up.
    Hang,
}

impl Action {
    pub fn status(status: u16) -> Self {
        Self::Respond {
            status,
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn with_header(status: u16, name: &str, value: &str) -> Self {
        Self::Respond {
            status,
            headers: vec![(name.into(), value.into())],
            delay: Duration::ZERO,
        }
    }
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Lower-case names.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// The action taken.
    pub answered: Option<u16>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn header_map(&self) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (k, v) in &self.headers {
            map.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Debug, Default)]
struct State {
    script: VecDeque<Action>,
    /// Used when the script is empty.
    default: Option<Action>,
    /// While down, every connection is closed at once.
    down: bool,
    received: Vec<Received>,
}

/// The receiver; dropping it stops accepting.
#[derive(Debug)]
pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<State>>,
    released: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let (released, _) = tokio::sync::watch::channel(false);
        let shared = state.clone();
        let release = released.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = shared.clone();
                let release = release.subscribe();
                tokio::spawn(async move {
                    let _ = serve(stream, state, release).await;
                });
            }
        });
        Self {
            url: format!("http://{addr}/hook"),
            state,
            released,
            task,
        }
    }

    /// Next requests get these actions, in order; then the default (200).
    pub fn script(&self, actions: impl IntoIterator<Item = Action>) {
        self.state.lock().unwrap().script.extend(actions);
    }

    /// Action once the script is exhausted (initially 200).
    pub fn set_default(&self, action: Action) {
        self.state.lock().unwrap().default = Some(action);
    }

    /// An outage: connections are closed without reading.
    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    /// Hanging requests (and later ones scripted to hang) answer 503.
    pub fn release(&self) {
        self.released.send_replace(true);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Requests answered 2xx.
    pub fn acknowledged(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.answered.is_some_and(|s| (200..300).contains(&s)))
            .collect()
    }
}

async fn serve(
    mut stream: TcpStream,
    state: Arc<Mutex<State>>,
    mut release: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        if state.lock().unwrap().down {
            return Ok(());
        }
        // Read the head.
        let head_end = loop {
            if let Some(pos) = find(&buf, b"\r\n\r\n") {
                break pos;
            }
            let mut chunk = [0u8; 8192];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap_or_default().split(' ');
        let method = request_line.next().unwrap_or_default().to_owned();
        let path = request_line.next().unwrap_or_default().to_owned();
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let body_start = head_end + 4;
        while buf.len() < body_start + length {
            let mut chunk = [0u8; 8192];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = buf[body_start..body_start + length].to_vec();
        buf.drain(..body_start + length);

        let action = {
            let mut s = state.lock().unwrap();
            if s.down {
                None
            } else {
                let action = s
                    .script
                    .pop_front()
                    .or_else(|| s.default.clone())
                    .unwrap_or(Action::status(200));
                let answered = match &action {
                    Action::Respond { status, .. } => Some(*status),
                    _ => None,
                };
                s.received.push(Received {
                    method,
                    path,
                    headers,
                    body,
                    answered,
                });
                Some(action)
            }
        };
        match action {
            None | Some(Action::Drop) => return Ok(()),
            Some(Action::Hang) => {
                // Hold the connection open until released or the client goes away.
                let mut sink = [0u8; 1024];
                tokio::select! {
                    _ = async { while stream.read(&mut sink).await.unwrap_or(0) > 0 {} } => return Ok(()),
                    _ = release.wait_for(|r| *r) => {}
                }
                let response = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n";
                stream.write_all(response.as_bytes()).await?;
                stream.flush().await?;
            }
            Some(Action::Respond {
                status,
                headers,
                delay,
            }) => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let mut response = format!(
                    "HTTP/1.1 {status} {}\r\ncontent-length: 2\r\n",
                    reason(status)
                );
                for (k, v) in headers {
                    response.push_str(&format!("{k}: {v}\r\n"));
                }
                response.push_str("\r\nok");
                stream.write_all(response.as_bytes()).await?;
                stream.flush().await?;
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

// ----- fixtures -----

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

pub fn provider(url: Option<&str>, secret: Option<&str>) -> Provider {
    Provider {
        id: ProviderId::new_random(),
        name: "Fibre Co".into(),
        live: WebhookEndpoint {
            url: url.map(str::to_owned),
            secret: secret.map(Secret::new),
            ..Default::default()
        },
        sandbox: WebhookEndpoint::default(),
        external_checkout_url: None,
        billing_mode: BillingMode::default(),
    }
}

pub fn event(provider: &Provider, created_at: DateTime<Utc>) -> Event {
    Event {
        id: EventId::new_random(),
        provider_id: provider.id,
        sandbox: false,
        data: EventData::ProvisioningCompleted {
            job_id: JobId::new_random(),
            subscription_id: SubscriptionId::new_random(),
        },
        sequence: 1,
        created_at,
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: created_at,
        lease: None,
    }
}

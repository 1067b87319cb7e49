//! Webhooks: the pages (pages.rs), every change's event reaching a receiver
//! in order with the API's shapes (events.rs), and delivery itself: the
//! signature, retries, order behind a failure, three days and off, address
//! rules at delivery, Redeliver, rotation (delivery.rs). The receiver here
//! is an actix server on loopback, so the apps run with
//! ORGPORTAL_WEBHOOKS_ALLOW_PRIVATE; its signatures are checked with HMAC
//! computed here from the Standard Webhooks text, not with the portal's code.

mod api;
mod delivery;
mod events;
mod pages;
mod sealing;

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::Sha256;

use crate::browser::{hidden_field, Browser};
use crate::helpers::{spawn_app_with, TestApp};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }

    pub fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap_or_default().to_string()
    }

    /// True when one of the header's signatures is `secret`'s (Standard
    /// Webhooks: HMAC-SHA256 over `id.timestamp.body`, key the base64 after `whsec_`).
    pub fn signed_by(&self, secret: &str) -> bool {
        let key = STANDARD.decode(secret.strip_prefix("whsec_").expect("whsec_")).unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.{}", self.id, self.timestamp, self.body).as_bytes());
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        self.signature.split(' ').any(|s| s == expected)
    }
}

/// What the receiver got, and the status it answers with.
type Shared = (Arc<Mutex<Vec<Received>>>, Arc<AtomicU16>);

/// A webhook receiver on loopback that keeps what it gets and answers
/// with the status it is set to.
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<Shared>) -> HttpResponse {
    let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    state.0.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let status = actix_web::http::StatusCode::from_u16(state.1.load(Ordering::SeqCst)).unwrap();
    HttpResponse::build(status).body(format!("receiver answered {}", status.as_u16()))
}

impl Receiver {
    pub async fn start() -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(200));
        let data = web::Data::new((got.clone(), status.clone()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || App::new().app_data(data.clone()).default_service(web::to(receive)))
            .workers(1)
            .listen(listener)
            .unwrap()
            .run();
        tokio::spawn(server);
        Receiver { url: format!("http://127.0.0.1:{port}/hooks"), got, status }
    }

    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    pub fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (up to 20 s) until `n` requests arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.got().len() >= n {
                return self.got();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("waited for {n} webhook requests, got {:#?}", self.got());
    }
}

/// An app whose webhooks may go to loopback (the receiver).
pub async fn app_for_receivers() -> TestApp {
    spawn_app_with(|s| s.webhooks_allow_private = true).await
}

/// Adds an endpoint for `url` (all events, or `events`) through the page;
/// returns its id and the secret shown once.
pub async fn add_endpoint(browser: &Browser, slug: &str, url: &str, events: &[&str]) -> (String, String) {
    let page = format!("/orgs/{slug}/webhooks");
    let mut fields = vec![("url", url), ("description", "Test receiver")];
    if events.is_empty() {
        fields.push(("events", "all"));
    } else {
        fields.push(("events", "chosen"));
        fields.extend(events.iter().map(|e| ("event", *e)));
    }
    let res = browser.submit(&page, &page, &fields).await;
    assert_eq!(res.status(), StatusCode::OK, "the endpoint is added");
    let html = res.text().await.unwrap();
    let secret = hidden_field(&html.replace("readonly value=", "name=\"secret\" value="), "secret");
    assert!(secret.starts_with("whsec_"), "{secret}");
    let marker = format!("<a href=\"/orgs/{slug}/webhooks/");
    let start = html.find(&marker).expect("the endpoint is linked") + marker.len();
    let id = html[start..start + 36].to_string();
    (id, secret)
}

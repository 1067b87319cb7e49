//! The management API: organization API keys made on their page, every
//! endpoint against keys with and without its permission, keys of another
//! organization, of a demoted or departed creator, expired and revoked ones,
//! and the conventions (problem details, cursors, Idempotency-Key, limits).

mod conventions;
mod endpoints;
mod keys;
mod projects;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{hidden_field, Browser, TestApp};

/// Makes a key on the API keys page as `browser`; returns the key.
pub async fn make_key(browser: &Browser, slug: &str, name: &str, permissions: &[&str], expiry: &str) -> String {
    let page = format!("/orgs/{slug}/api-keys");
    let mut fields = vec![("name", name), ("expiry", expiry)];
    fields.extend(permissions.iter().map(|p| ("permission", *p)));
    let res = browser.submit(&page, &page, &fields).await;
    assert_eq!(res.status(), StatusCode::OK, "the key is made");
    let html = res.text().await.unwrap();
    let key = hidden_field(&html.replace("readonly value=", "name=\"key\" value="), "key");
    assert!(key.starts_with("opk_"), "{key}");
    key
}

/// Every permission of the default catalog.
pub const ALL: &[&str] = &[
    "org.view",
    "org.manage",
    "org.delete",
    "members.invite",
    "members.manage",
    "customer.view",
    "tickets.create",
    "services.connect",
    "projects.view",
    "projects.develop",
    "projects.create",
    "projects.manage",
    "billing.view",
    "billing.manage",
    "activity.view",
    "api_keys.manage",
    "webhooks.manage",
];

pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// Calls the API with `key` (None: no Authorization header).
pub async fn call(app: &TestApp, key: Option<&str>, method: Method, path: &str, body: Option<Value>) -> Answer {
    call_with(app, key, method, path, body, &[]).await
}

pub async fn call_with(
    app: &TestApp,
    key: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut req = reqwest::Client::new().request(method, format!("{}{path}", app.address));
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    Answer { status, content_type, headers, body }
}

impl Answer {
    /// A problem detail of `status`.
    pub fn problem(&self, status: StatusCode) -> &Value {
        assert_eq!(self.status, status, "{:?}", self.body);
        assert_eq!(self.content_type, "application/problem+json");
        assert_eq!(self.body["status"], status.as_u16());
        &self.body
    }
}

//! SCIM 2.0 (issue 32): an organization's directory provisions its people
//! over HTTP with a SCIM token made on the Provisioning page. The Okta and
//! Entra ID sequences as their documentation shows them, group-to-role
//! mapping, the owner and last-manager rules, who may manage tokens,
//! filters and paging, and the SSO sign-in of a provisioned person.

mod entra;
mod okta;
mod queries;
mod roles;
mod rules;
mod sso_claim;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::browser::Browser;
use crate::helpers::TestApp;

/// Makes a SCIM token named `name` on the Provisioning page; returns it.
pub async fn make_token(browser: &Browser, slug: &str, name: &str) -> String {
    let page = format!("/orgs/{slug}/sso/provisioning");
    let res = browser.submit(&page, &format!("{page}/tokens"), &[("name", name)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    token_in(&html)
}

/// The token a page shows once.
pub fn token_in(html: &str) -> String {
    let start = html.find("value=\"opscim_").expect("the token is shown") + "value=\"".len();
    html[start..].split('"').next().unwrap().to_string()
}

/// A directory calling the organization's SCIM endpoint.
pub struct Directory {
    pub base: String,
    pub token: String,
    client: reqwest::Client,
}

pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub content_type: String,
    pub etag: Option<String>,
}

impl Directory {
    pub fn new(app: &TestApp, slug: &str, token: &str) -> Self {
        Directory {
            base: format!("{}/scim/v2/orgs/{slug}", app.address),
            token: token.to_string(),
            client: reqwest::Client::new(),
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Answer {
        let mut req = self.client.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/scim+json").body(b.to_string());
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let content_type =
            res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let etag = res.headers().get("etag").map(|v| v.to_str().unwrap().to_string());
        let text = res.text().await.unwrap();
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Answer { status, body, content_type, etag }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, None, &[]).await
    }

    /// `GET /Users?filter=...` (the filter URL-encoded).
    pub async fn find_users(&self, filter: &str) -> Answer {
        self.get(&format!("/Users?filter={}", urlencode(filter))).await
    }
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn patch_op(ops: Value) -> Value {
    serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

/// The organization's member rows: (email, role), in email order.
pub fn members(app: &TestApp, slug: &str) -> Vec<(String, String)> {
    use diesel::prelude::*;
    use orgportal::db::schema::{memberships, users};
    let org_id = app.org_id(slug);
    memberships::table
        .inner_join(users::table)
        .filter(memberships::org_id.eq(org_id))
        .order(users::email)
        .select((users::email, memberships::role))
        .load(&mut *app.conn())
        .unwrap()
}

/// The types of the webhook events recorded, in order.
pub fn events(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use orgportal::db::schema::webhook_events;
    webhook_events::table
        .order((webhook_events::created_at, webhook_events::id))
        .select(webhook_events::event_type)
        .load(&mut *app.conn())
        .unwrap()
}

/// What the activity log says of SCIM changes: (action, target, via).
pub fn scim_activity(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    use diesel::prelude::*;
    use orgportal::db::schema::activity;
    activity::table
        .filter(activity::via.like("SCIM%"))
        .order(activity::created_at)
        .select((activity::action, activity::target, activity::via))
        .load(&mut *app.conn())
        .unwrap()
}

//! The API's conventions: cursors that walk a list exactly once with a
//! `Link` header, limits, Idempotency-Key, 413 over 1 MiB, 405 naming the
//! methods, 429 per key with Retry-After, and the OpenAPI document and its
//! reference page.

use std::collections::HashSet;

use orgportal::store::accounts::users;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{call, call_with, make_key, ALL};
use crate::helpers::{admin_with_org, spawn_app, spawn_app_with, TestApp};

/// An organization of 250: its owner and 249 people, three at a time
/// joining in the same instant (ties are broken by id).
async fn two_hundred_fifty(app: &TestApp) -> String {
    let slug = admin_with_org(app, "owner@example.com", "Acme").await;
    let org_id = app.org_id(&slug);
    let mut conn = app.conn();
    let base = app.settings.clock.now();
    for i in 0..249 {
        let email = format!("person{i:03}@example.com");
        let p = users::ProviderProfile {
            provider: "dev".into(),
            subject: email.clone(),
            email,
            email_verified: true,
            name: format!("Person {i:03}"),
        };
        let user = users::sign_in(&mut conn, &p, "127.0.0.1", base).unwrap();
        let joined = base + time::Duration::seconds(i as i64 / 3 + 1);
        orgportal::store::members::add(&mut conn, &org_id, &user.id, "View-only", joined).unwrap();
    }
    slug
}

/// Every member, 100 a page, following `Link`: the members and the pages.
async fn walk(app: &TestApp, key: &str, slug: &str) -> (Vec<Value>, usize) {
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    let mut path = format!("/api/v1/orgs/{slug}/members?limit=100");
    let mut pages = 0;
    loop {
        let res = call(app, Some(key), Method::GET, &path, None).await;
        assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
        pages += 1;
        for m in res.body["items"].as_array().unwrap() {
            assert!(seen.insert(m["user_id"].as_str().unwrap().to_string()), "{m} listed twice");
            items.push(m.clone());
        }
        match res.body["next"].as_str() {
            Some(next) => {
                let link = res.headers["link"].to_str().unwrap().to_string();
                assert!(
                    link.ends_with("; rel=\"next\"") && link.contains(next) && link.contains("limit=100"),
                    "{link}"
                );
                path = link.trim_start_matches('<').split('>').next().unwrap().to_string();
            }
            None => {
                assert!(res.headers.get("link").is_none());
                break;
            }
        }
    }
    (items, pages)
}

#[tokio::test]
async fn the_cursor_walks_250_members_exactly_once() {
    let app = spawn_app().await;
    let slug = two_hundred_fifty(&app).await;
    let key = make_key(&app.browser, &slug, "Walker", &["org.view"], "30").await;
    let (seen, pages) = walk(&app, &key, &slug).await;
    assert_eq!((seen.len(), pages), (250, 3));
    let first = call(&app, Some(&key), Method::GET, &format!("/api/v1/orgs/{slug}/members"), None).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 50, "50 by default");
    assert_eq!(first.body["items"][0]["primary_owner"], true);
    let found =
        call(&app, Some(&key), Method::GET, &format!("/api/v1/orgs/{slug}/members?search=PERSON24"), None).await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 9, "person024, person240..248");
    for bad in ["limit=0", "limit=101", "limit=ten", "cursor=nonsense"] {
        let res = call(&app, Some(&key), Method::GET, &format!("/api/v1/orgs/{slug}/members?{bad}"), None).await;
        let field = bad.split('=').next().unwrap();
        assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], field, "{bad}");
    }
    let res = call(&app, Some(&key), Method::GET, &format!("/api/v1/orgs/{slug}/members?search=a%00b"), None).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "search");
}

/// Once a large organization's member order is kept in memory (the
/// metrics say so), the walk gives what the database gave, byte for byte;
/// a removal and a new role show on the next walk.
#[tokio::test]
async fn a_kept_member_order_lists_what_the_database_does_and_every_change() {
    let app = spawn_app_with(|s| s.metrics_bind = Some("127.0.0.1:0".into())).await;
    let slug = two_hundred_fifty(&app).await;
    let key = make_key(&app.browser, &slug, "Walker", &["org.view", "members.manage"], "30").await;
    let metrics = app.metrics_url.clone().expect("metrics");
    let kept = || async {
        let text = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
        text.lines().any(|l| l == "orgportal_member_orders_kept 1")
    };
    assert!(!kept().await, "nothing is kept before a list");
    let from_database = walk(&app, &key, &slug).await;
    let mut waited = 0;
    while !kept().await {
        waited += 1;
        assert!(waited < 100, "the order was never kept");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(walk(&app, &key, &slug).await, from_database);

    let (gone, promoted) =
        (from_database.0[120]["user_id"].as_str().unwrap(), from_database.0[7]["user_id"].as_str().unwrap());
    let res = call(&app, Some(&key), Method::DELETE, &format!("/api/v1/orgs/{slug}/members/{gone}"), None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{:?}", res.body);
    let path = format!("/api/v1/orgs/{slug}/members/{promoted}");
    let res = call(&app, Some(&key), Method::PATCH, &path, Some(json!({"role": "Admin"}))).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    let (after, _) = walk(&app, &key, &slug).await;
    assert_eq!(after.len(), 249);
    assert!(!after.iter().any(|m| m["user_id"] == gone), "the removed member is not listed");
    assert_eq!(after[7]["role"], "Admin");
}

#[tokio::test]
async fn an_idempotency_key_gives_the_first_answer_and_creates_nothing_more() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let key = make_key(&app.browser, &slug, "Retrier", &["members.invite"], "30").await;
    let path = format!("/api/v1/orgs/{slug}/invitations");
    let body = json!({"invitations": [{"email": "a@example.com"}, {"email": "b@example.com"}]});
    let once = [("Idempotency-Key", "batch-1")];
    let first = call_with(&app, Some(&key), Method::POST, &path, Some(body.clone()), &once).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = call_with(&app, Some(&key), Method::POST, &path, Some(body.clone()), &once).await;
    assert_eq!((again.status, &again.body), (StatusCode::CREATED, &first.body));
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(app.activity_count("invitation.create"), 2, "two invitations, made once");
    let other = json!({"invitations": [{"email": "c@example.com"}]});
    let res = call_with(&app, Some(&key), Method::POST, &path, Some(other.clone()), &once).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "Idempotency-Key");
    // Without the header, the same body is a new request (refused per row now).
    let plain = call(&app, Some(&key), Method::POST, &path, Some(body.clone())).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.body["refused"].as_array().unwrap().len(), 2);
    // Another key's Idempotency-Key of the same text is its own.
    let second = make_key(&app.browser, &slug, "Other job", &["members.invite"], "30").await;
    let res = call_with(&app, Some(&second), Method::POST, &path, Some(other), &once).await;
    assert_eq!(res.status, StatusCode::CREATED);
    // After 24 hours the key may be used again.
    app.settings.clock.advance(std::time::Duration::from_secs(24 * 3600 + 1));
    let res = call_with(
        &app,
        Some(&key),
        Method::POST,
        &path,
        Some(json!({"invitations": [{"email": "d@example.com"}]})),
        &once,
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED);
    assert_eq!(app.activity_count("invitation.create"), 4);
}

#[tokio::test]
async fn limits_methods_paths_and_the_rate_per_key() {
    let app =
        spawn_app_with(|s| s.rate_limits.api = orgportal::config::Rate::new(3, std::time::Duration::from_secs(60)))
            .await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let key = make_key(&app.browser, &slug, "Limited", &["org.view"], "30").await;
    let other = make_key(&app.browser, &slug, "Other", ALL, "30").await;
    let base = format!("/api/v1/orgs/{slug}");
    for _ in 0..3 {
        assert_eq!(call(&app, Some(&key), Method::GET, &base, None).await.status, StatusCode::OK);
    }
    let res = call(&app, Some(&key), Method::GET, &base, None).await;
    let p = res.problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(p["detail"].as_str().unwrap().starts_with("Too many requests with this key"));
    assert!(res.headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    // The limit is the key's: another key of the organization still works.
    assert_eq!(call(&app, Some(&other), Method::GET, &base, None).await.status, StatusCode::OK);

    let big = "x".repeat(1024 * 1024 + 1);
    let res = call(&app, Some(&other), Method::PATCH, &base, Some(json!({ "name": big }))).await;
    res.problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.org_id(&slug).len(), 36, "the organization is as it was");
    let res = call(&app, Some(&other), Method::PUT, &format!("{base}/members"), None).await;
    res.problem(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers["allow"], "GET");
    let res = call(&app, Some(&other), Method::GET, &format!("{base}/nothing-here"), None).await;
    res.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_openapi_document_and_its_reference_page() {
    let app = spawn_app().await;
    let res = reqwest::get(format!("{}/api/v1/openapi.json", app.address)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let doc: serde_json::Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(doc["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            for status in ["401", "404", "429"] {
                assert!(op["responses"][status].is_object(), "{method} {path} documents {status}");
            }
            assert!(op["security"].is_array(), "{method} {path}");
        }
    }
    assert_eq!(operations, 39);
    let page = app.browser.get_html("/docs/api").await;
    assert!(page.contains("POST /api/v1/orgs/{slug}/invitations") && page.contains("/api/v1/openapi.json"));
    assert!(page.contains("grace@acme.test"), "the body's example is shown");
}

//! The management API's webhook endpoints: the same rules and messages as
//! the pages, the secret in the creating (and rotating) answer only,
//! deliveries in keyset pages, Redeliver; webhooks.manage required, another
//! organization's endpoints 404.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{app_for_receivers, Receiver};
use crate::helpers::admin_with_org;
use crate::management_api::{call, make_key, ALL};

#[tokio::test]
async fn an_endpoint_is_managed_and_its_deliveries_read_through_the_api() {
    let app = app_for_receivers().await;
    let receiver = Receiver::start().await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    let key = make_key(&app.browser, &slug, "Automation", ALL, "30").await;
    let base = format!("/api/v1/orgs/{slug}/webhooks");

    let res = call(&app, Some(&key), Method::POST, &base, Some(json!({"url": "ftp://x.example/in"}))).await;
    let problem = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (problem["field"].as_str(), problem["detail"].as_str()),
        (Some("url"), Some("The URL must start with https://."))
    );
    let res = call(
        &app,
        Some(&key),
        Method::POST,
        &base,
        Some(json!({"url": receiver.url, "event_types": ["member.joined"]})),
    )
    .await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "event_types");
    let res = call(&app, Some(&key), Method::POST, &base, Some(json!({"url": receiver.url, "colour": "red"}))).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "colour");

    let res = call(
        &app,
        Some(&key),
        Method::POST,
        &base,
        Some(json!({"url": receiver.url, "description": "Sync", "event_types": ["project.created"]})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{:?}", res.body);
    let secret = res.body["secret"].as_str().unwrap().to_string();
    let id = res.body["id"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(res.body["event_types"], json!(["project.created"]));
    assert_eq!(res.body["enabled"], true);
    let one = format!("{base}/{id}");
    let got = call(&app, Some(&key), Method::GET, &one, None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.body.get("secret").is_none(), "shown once");
    let listed = call(&app, Some(&key), Method::GET, &base, None).await;
    assert_eq!(listed.body["items"][0]["id"], id.as_str());

    // A project created: its event arrives signed by the secret the API gave.
    call(&app, Some(&key), Method::POST, &format!("/api/v1/orgs/{slug}/projects"), Some(json!({"name": "Rocket"})))
        .await;
    let r = receiver.wait_for(1).await;
    assert!(r[0].signed_by(&secret) && r[0].event_type() == "project.created");

    let res = call(&app, Some(&key), Method::PATCH, &one, Some(json!({"event_types": ["*"], "enabled": false}))).await;
    assert_eq!((res.body["event_types"].clone(), res.body["enabled"].clone()), (json!(["*"]), json!(false)));
    let res = call(&app, Some(&key), Method::PATCH, &one, Some(json!({"description": "bell\u{7}"}))).await;
    let problem = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["field"], "description");
    assert!(problem["detail"].as_str().unwrap().contains("U+0007"));
    let res = call(&app, Some(&key), Method::PATCH, &one, Some(json!({"enabled": true}))).await;
    assert_eq!(res.body["enabled"], true);

    let res = call(&app, Some(&key), Method::POST, &format!("{one}/rotate"), None).await;
    assert_eq!(res.status, StatusCode::OK);
    let rotated = res.body["secret"].as_str().unwrap().to_string();
    assert_ne!(rotated, secret);
    let res = call(&app, Some(&key), Method::POST, &format!("{one}/ping"), None).await;
    assert_eq!(res.status, StatusCode::ACCEPTED);
    let r = receiver.wait_for(2).await;
    assert!(r[1].signed_by(&rotated) && r[1].signed_by(&secret), "both sign for a day");
    assert_eq!(r[1].id, res.body["event_id"].as_str().unwrap());

    // Deliveries: newest first, a page of one, then the next by cursor.
    let page = call(&app, Some(&key), Method::GET, &format!("{one}/deliveries?limit=1"), None).await;
    assert_eq!(page.body["items"][0]["event_type"], "ping");
    assert!(page.headers.get("link").is_some());
    let next = page.body["next"].as_str().unwrap();
    let older = call(&app, Some(&key), Method::GET, &format!("{one}/deliveries?limit=1&cursor={next}"), None).await;
    assert_eq!(older.body["items"][0]["event_type"], "project.created");
    assert_eq!(older.body["items"][0]["state"], "delivered");
    assert_eq!(older.body["items"][0]["request"]["data"]["project"]["name"], "Rocket");
    assert_eq!(older.body["next"], serde_json::Value::Null);
    let bad = call(&app, Some(&key), Method::GET, &format!("{one}/deliveries?cursor=%%%"), None).await;
    assert_eq!(bad.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "cursor");
    let delivery = older.body["items"][0]["id"].as_str().unwrap();
    let res = call(&app, Some(&key), Method::POST, &format!("{one}/deliveries/{delivery}/redeliver"), None).await;
    assert_eq!(res.status, StatusCode::ACCEPTED);
    let r = receiver.wait_for(3).await;
    assert_eq!(r[2].id, r[0].id, "the same event again");

    // Without webhooks.manage: 403 naming it; another organization's key: 404.
    let held: Vec<&str> = ALL.iter().copied().filter(|p| *p != "webhooks.manage").collect();
    let without = make_key(&app.browser, &slug, "No hooks", &held, "30").await;
    let res = call(&app, Some(&without), Method::GET, &one, None).await;
    assert_eq!(res.problem(StatusCode::FORBIDDEN)["permission"], "webhooks.manage");
    let other = app.new_browser();
    other.sign_in("eve@example.com", "Eve").await;
    let theirs = other.create_org("Evil").await;
    let foreign = make_key(&other, &theirs, "Evil", ALL, "30").await;
    for (method, path) in
        [(Method::GET, one.clone()), (Method::DELETE, one.clone()), (Method::POST, format!("{one}/rotate"))]
    {
        let res = call(&app, Some(&foreign), method.clone(), &path, None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{method} {path}");
        let res = call(&app, Some(&foreign), method, &path.replace(&slug, &theirs), None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
    }

    let res = call(&app, Some(&key), Method::DELETE, &one, None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(call(&app, Some(&key), Method::GET, &one, None).await.status, StatusCode::NOT_FOUND);
}

//! Connected services: a connection token is shown once and stored hashed,
//! the service's API calls show as "last used", revoking locks it out.

use diesel::prelude::*;
use orgportal::db::schema::service_tokens;
use reqwest::StatusCode;

use crate::customer_pages::{linked_app, SLUG};
use crate::helpers::{hidden_field, TestApp};

async fn call_api(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("{}/api/v1/connection", app.address));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_token_is_shown_once_used_by_the_service_and_revoked() {
    let app = linked_app().await;
    let page = format!("/orgs/{SLUG}/services");
    let res = app.browser.submit(&page, &page, &[("name", "   ")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("id=\"name-error\">Name the service"));

    let res = app.browser.submit(&page, &page, &[("name", "PMM production")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("It will not be shown again"));
    let token = hidden_field(&html.replace("readonly value=", "name=\"token\" value="), "token");
    assert!(token.starts_with("opsvc_") && token.len() > 40, "{token}");
    let (stored, last_used): (String, Option<time::PrimitiveDateTime>) = service_tokens::table
        .select((service_tokens::token_hash, service_tokens::last_used_at))
        .first(&mut *app.conn())
        .unwrap();
    assert_ne!(stored, token, "only a hash is kept");
    assert_eq!(stored, orgportal::domain::invitation::hash_token(&token));
    assert!(last_used.is_none());

    let list = app.browser.get_html(&page).await;
    assert!(!list.contains(&token), "shown once");
    assert!(list.contains("PMM production") && list.contains("Ada Admin &#60;ada@northwind.example&#62;"));
    assert!(list.contains(">Never<"));

    // The service calls the API with its token.
    let res = call_api(&app, Some(&token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["organization"]["slug"], SLUG);
    assert_eq!(body["service"], "PMM production");
    let products: Vec<(&str, bool)> = body["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["product"].as_str().unwrap(), e["expired"].as_bool().unwrap()))
        .collect();
    assert_eq!(products, [("MySQL Support", false), ("PostgreSQL Support", true)]);
    let list = app.browser.get_html(&page).await;
    assert!(!list.contains(">Never<"), "last used is shown");
    assert!(call_api(&app, None).await.status() == StatusCode::UNAUTHORIZED);
    assert!(call_api(&app, Some("opsvc_not-a-token")).await.status() == StatusCode::UNAUTHORIZED);

    // The same name twice is refused, with the name kept.
    let res = app.browser.submit(&page, &page, &[("name", "PMM production")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("is connected already") && html.contains("value=\"PMM production\""));

    let id: String = service_tokens::table.select(service_tokens::id).first(&mut *app.conn()).unwrap();
    let res = app.browser.submit(&page, &format!("{page}/{id}/revoke"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list = app.browser.get_html(&page).await;
    assert!(list.contains("Connection token revoked") && list.contains("No services are connected."));
    assert_eq!(call_api(&app, Some(&token)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.activity_count("service.connect"), 1);
    assert_eq!(app.activity_count("service.revoke"), 1);
    // Revoking again, or another organization's token id, finds nothing.
    let res = app.browser.submit(&page, &format!("{page}/{id}/revoke"), &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn roles_without_services_connect_cannot_revoke() {
    let app = linked_app().await;
    let page = format!("/orgs/{SLUG}/services");
    app.browser.submit(&page, &page, &[("name", "PMM")]).await;
    let id: String = service_tokens::table.select(service_tokens::id).first(&mut *app.conn()).unwrap();
    for role in ["Billing", "View-only"] {
        let email = format!("{}@example.com", role.to_lowercase().replace(' ', "-"));
        let browser = app.member(SLUG, &email, role).await;
        let res = browser.submit("/getting-started", &format!("{page}/{id}/revoke"), &[]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role}");
    }
    let count: i64 = service_tokens::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(count, 1);
}

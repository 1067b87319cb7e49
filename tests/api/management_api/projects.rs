//! Projects, customer data and usage through the API: a project's
//! permissions come from the key's creator's access to that project, the
//! pages' words for a taken URL name, the linked customer account's
//! entitlements and tickets, and a month's usage totals.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{call, call_with, make_key, ALL};
use crate::helpers::{admin_with_org, spawn_app};

#[tokio::test]
async fn a_project_answers_to_the_creators_access_to_it() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let creator = app.member(&slug, "carol@example.com", "Admin").await;
    let key = make_key(&creator, &slug, "Projects", ALL, "30").await;
    let base = format!("/api/v1/orgs/{slug}/projects");

    let res =
        call(&app, Some(&key), Method::POST, &base, Some(json!({"name": "Fleet", "description": "Devices"}))).await;
    assert_eq!(res.status, StatusCode::CREATED, "{:?}", res.body);
    assert_eq!((res.body["slug"].as_str(), res.body["description"].as_str()), (Some("fleet"), Some("Devices")));
    let res = call(&app, Some(&key), Method::POST, &base, Some(json!({"name": "Again", "slug": "fleet"}))).await;
    let p = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (p["field"].as_str(), p["detail"].as_str()),
        (Some("slug"), Some("Acme already has a project with this URL name."))
    );
    let res = call(&app, Some(&key), Method::POST, &base, Some(json!({"name": " "}))).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "name");
    for name in ["Beta", "Alpha"] {
        let res = call(&app, Some(&key), Method::POST, &base, Some(json!({ "name": name }))).await;
        assert_eq!(res.status, StatusCode::CREATED);
    }
    // Name order, a page at a time.
    let first = call(&app, Some(&key), Method::GET, &format!("{base}?limit=2"), None).await;
    let names: Vec<&str> =
        first.body["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Alpha", "Beta"]);
    let next = first.body["next"].as_str().unwrap();
    let rest = call(&app, Some(&key), Method::GET, &format!("{base}?limit=2&cursor={next}"), None).await;
    assert_eq!(rest.body["items"][0]["name"], "Fleet");
    assert!(rest.body["next"].is_null());

    // The team, with each person's role on the project and why.
    let team = call(&app, Some(&key), Method::GET, &format!("{base}/fleet/team"), None).await;
    let carol =
        team.body["items"].as_array().unwrap().iter().find(|m| m["email"] == "carol@example.com").unwrap().clone();
    assert_eq!((carol["role"].as_str(), carol["why"].as_str()), (Some("Admin"), Some("organization role Admin")));

    // Demoted to View-only and set to none on Fleet: the key no longer sees
    // Fleet (404) and cannot manage the others (403 naming the permission).
    let carol_id = app.user_id("carol@example.com");
    let res = app
        .browser
        .submit("/getting-started", &format!("/orgs/{slug}/members/{carol_id}/role"), &[("role", "View-only")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let owner_key = make_key(&app.browser, &slug, "Owner", ALL, "30").await;
    let res =
        call(&app, Some(&owner_key), Method::PUT, &format!("{base}/fleet/team/{carol_id}"), Some(json!({"role": ""})))
            .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    call(&app, Some(&key), Method::GET, &format!("{base}/fleet"), None).await.problem(StatusCode::NOT_FOUND);
    let res = call(&app, Some(&key), Method::PATCH, &format!("{base}/alpha"), Some(json!({"name": "Alpha 2"}))).await;
    assert_eq!(res.problem(StatusCode::FORBIDDEN)["permission"], "projects.manage");
    let listed = call(&app, Some(&key), Method::GET, &base, None).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2, "Fleet is not listed for her");
    let res = call(
        &app,
        Some(&owner_key),
        Method::PUT,
        &format!("{base}/fleet/team/{carol_id}"),
        Some(json!({"role": "Boss"})),
    )
    .await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "role");

    // The owner's key renames and deletes; the activity log names the key.
    let res =
        call(&app, Some(&owner_key), Method::PATCH, &format!("{base}/alpha"), Some(json!({"slug": "beta"}))).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "slug");
    let res = call(
        &app,
        Some(&owner_key),
        Method::PATCH,
        &format!("{base}/alpha"),
        Some(json!({"name": "Alpha 2", "slug": "alpha-2"})),
    )
    .await;
    assert_eq!((res.status, res.body["slug"].as_str()), (StatusCode::OK, Some("alpha-2")));
    call(&app, Some(&owner_key), Method::GET, &format!("{base}/alpha"), None).await.problem(StatusCode::NOT_FOUND);
    let res = call(&app, Some(&owner_key), Method::DELETE, &format!("{base}/alpha-2"), None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let log =
        call(&app, Some(&owner_key), Method::GET, &format!("/api/v1/orgs/{slug}/activity?action=project.delete"), None)
            .await;
    assert_eq!(log.body["items"][0]["via"], "API key Owner (created by Olivia Owner)");
    assert_eq!(log.body["items"][0]["target"], "Alpha 2");
    let res =
        call(&app, Some(&owner_key), Method::GET, &format!("/api/v1/orgs/{slug}/activity?from=yesterday"), None).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "from");
}

#[tokio::test]
async fn the_activity_log_pages_newest_first_with_the_pages_filters() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let key = make_key(&app.browser, &slug, "Reader", &["activity.view", "members.invite"], "30").await;
    for n in 0..5 {
        let body = json!({"invitations": [{"email": format!("p{n}@example.com")}]});
        let res = call(&app, Some(&key), Method::POST, &format!("/api/v1/orgs/{slug}/invitations"), Some(body)).await;
        assert_eq!(res.status, StatusCode::CREATED);
    }
    let path = format!("/api/v1/orgs/{slug}/activity?action=invitation.create&limit=2");
    let mut seen = Vec::new();
    let mut next = Some(path.clone());
    while let Some(p) = next {
        let res = call(&app, Some(&key), Method::GET, &p, None).await;
        for e in res.body["items"].as_array().unwrap() {
            seen.push(e["target"].as_str().unwrap().to_string());
        }
        next = res.body["next"].as_str().map(|c| format!("{path}&cursor={c}"));
    }
    assert_eq!(seen, ["p4@example.com", "p3@example.com", "p2@example.com", "p1@example.com", "p0@example.com"]);
    let day = app.settings.clock.now().date().to_string();
    let res =
        call(&app, Some(&key), Method::GET, &format!("/api/v1/orgs/{slug}/activity?to={day}&action=org.create"), None)
            .await;
    assert_eq!(res.body["items"][0]["actor_name"], "Olivia Owner");
    assert!(res.body["items"][0]["via"].is_null());
}

#[tokio::test]
async fn customer_data_of_the_linked_account_and_a_ticket_raised_once() {
    let app = crate::customer_pages::linked_app().await;
    let slug = crate::customer_pages::SLUG;
    let key = make_key(&app.browser, slug, "Support", &["customer.view", "tickets.create", "billing.view"], "30").await;
    let base = format!("/api/v1/orgs/{slug}");
    let ents = call(&app, Some(&key), Method::GET, &format!("{base}/entitlements"), None).await;
    let products: Vec<(&str, bool)> = ents.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["product"].as_str().unwrap(), e["expired"].as_bool().unwrap()))
        .collect();
    assert_eq!(products, [("MySQL Support", false), ("PostgreSQL Support", true)]);
    let open = call(&app, Some(&key), Method::GET, &format!("{base}/tickets"), None).await;
    let before = open.body["items"].as_array().unwrap().len();
    let ticket = json!({"subject": "Replica lag", "priority": "High", "description": "20 minutes behind."});
    let once = [("Idempotency-Key", "lag-1")];
    let raised =
        call_with(&app, Some(&key), Method::POST, &format!("{base}/tickets"), Some(ticket.clone()), &once).await;
    assert_eq!(raised.status, StatusCode::CREATED, "{:?}", raised.body);
    let again = call_with(&app, Some(&key), Method::POST, &format!("{base}/tickets"), Some(ticket), &once).await;
    assert_eq!(again.body, raised.body, "raised once");
    let open = call(&app, Some(&key), Method::GET, &format!("{base}/tickets"), None).await;
    assert_eq!(open.body["items"].as_array().unwrap().len(), before + 1);
    assert_eq!(open.body["items"][0]["number"], raised.body["number"]);
    let bad = json!({"subject": "x", "priority": "Whenever", "description": "y"});
    let res = call(&app, Some(&key), Method::POST, &format!("{base}/tickets"), Some(bad)).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "priority");
    let res = call(&app, Some(&key), Method::GET, &format!("{base}/tickets?status=maybe"), None).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "status");
    let usage = call(&app, Some(&key), Method::GET, &format!("{base}/usage?month=2027-01"), None).await;
    assert_eq!((usage.status, usage.body["month"].as_str()), (StatusCode::OK, Some("2027-01")));
    let res = call(&app, Some(&key), Method::GET, &format!("{base}/usage?month=January"), None).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "month");
}

//! Request limits: past the limit a request gets 429 with Retry-After and a
//! page that says when to try again; after the wait it works again.

use std::time::Duration;

use diesel::prelude::*;
use orgportal::config::Rate;
use orgportal::db::schema::invitations;
use reqwest::{Response, StatusCode};

use crate::helpers::{admin_with_org, hidden_field, spawn_app_with};

/// Two per two seconds: a third at once is refused for about a second.
const TIGHT: Rate = Rate::new(2, Duration::from_secs(2));

async fn assert_limited(res: Response) -> Duration {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers().get("retry-after").expect("Retry-After").to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Too many attempts") && page.contains("Please wait 1 second")
            || page.contains("Please wait 2 seconds"),
        "{page}"
    );
    Duration::from_secs(wait)
}

#[tokio::test]
async fn sign_in_starts_are_limited_per_address() {
    let app = spawn_app_with(|s| s.rate_limits.sign_in = TIGHT).await;
    for _ in 0..2 {
        assert_eq!(app.browser.get("/auth/dev/start").await.status(), StatusCode::SEE_OTHER);
    }
    let wait = assert_limited(app.browser.get("/auth/dev/start").await).await;
    // The callback and the development sign-in count against the same limit.
    assert_eq!(app.browser.get("/auth/dev/callback?code=x&state=y").await.status(), StatusCode::TOO_MANY_REQUESTS);
    tokio::time::sleep(wait).await;
    assert_eq!(app.browser.get("/auth/dev/start").await.status(), StatusCode::SEE_OTHER, "works after the wait");
}

#[tokio::test]
async fn invitation_link_answers_are_limited_per_address() {
    let app = spawn_app_with(|s| s.rate_limits.invitation_links = TIGHT).await;
    let html = app.browser.sign_in("eve@example.com", "Eve").await;
    let csrf = hidden_field(&html, "csrf_token");
    for _ in 0..2 {
        let res = app.browser.post("/invitations/guess/decline", &[("csrf_token", &csrf)]).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "an unknown link");
    }
    let wait = assert_limited(app.browser.post("/invitations/guess/decline", &[("csrf_token", &csrf)]).await).await;
    tokio::time::sleep(wait).await;
    let res = app.browser.post("/invitations/guess/decline", &[("csrf_token", &csrf)]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "answered again after the wait");
}

fn invitation_count(app: &crate::helpers::TestApp) -> i64 {
    invitations::table.count().get_result(&mut *app.conn()).unwrap()
}

#[tokio::test]
async fn invitations_sent_are_limited_per_organization() {
    let app = spawn_app_with(|s| s.rate_limits.invitations_sent = Rate::new(3, Duration::from_secs(3))).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let zed = app.new_browser();
    zed.sign_in("zed@example.com", "Zed").await;
    let zed_slug = zed.create_org("Zed").await;
    let form = format!("/orgs/{slug}/members/invite");
    let action = format!("/orgs/{slug}/invitations");
    let two = [("email", "a@example.com"), ("role", "Billing"), ("email", "b@example.com"), ("role", "Billing")];
    assert_eq!(app.browser.submit(&form, &action, &two).await.status(), StatusCode::SEE_OTHER);
    let more = [("email", "c@example.com"), ("role", "Billing"), ("email", "d@example.com"), ("role", "Billing")];
    let wait = assert_limited(app.browser.submit(&form, &action, &more).await).await;
    assert_eq!(invitation_count(&app), 2, "none of the refused batch was created");
    let zed_invite = [("email", "z@example.com"), ("role", "Billing")];
    let res = zed
        .submit(&format!("/orgs/{zed_slug}/members/invite"), &format!("/orgs/{zed_slug}/invitations"), &zed_invite)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "another organization has its own limit");
    tokio::time::sleep(wait + Duration::from_millis(500)).await;
    assert_eq!(app.browser.submit(&form, &action, &more).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(invitation_count(&app), 5);
}

async fn call_api(address: &str, token: &str) -> Response {
    reqwest::Client::new().get(format!("{address}/api/v1/connection")).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn failed_token_checks_are_limited_per_address() {
    let app = spawn_app_with(|s| s.rate_limits.token_failures = TIGHT).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let page = format!("/orgs/{slug}/services");
    let html = app.browser.submit(&page, &page, &[("name", "PMM")]).await.text().await.unwrap();
    let token = hidden_field(&html.replace("readonly value=", "name=\"token\" value="), "token");
    for _ in 0..5 {
        assert_eq!(call_api(&app.address, &token).await.status(), StatusCode::OK, "successes do not count");
    }
    for _ in 0..2 {
        assert_eq!(call_api(&app.address, "opsvc_guess").await.status(), StatusCode::UNAUTHORIZED);
    }
    let res = call_api(&app.address, "opsvc_guess").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!(res.text().await.unwrap().contains("Too many failed token checks"));
    let res = call_api(&app.address, &token).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "refused before the token is even checked");
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(call_api(&app.address, &token).await.status(), StatusCode::OK, "works after the wait");
}

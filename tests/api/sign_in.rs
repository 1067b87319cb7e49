use diesel::prelude::*;
use orgportal::db::schema::{activity, identities, users};
use reqwest::StatusCode;

use crate::helpers::{location, spawn_app, Browser};

#[tokio::test]
async fn landing_offers_sign_in_and_member_pages_redirect_to_login() {
    let app = spawn_app().await;
    let landing = app.browser.get_html("/").await;
    assert!(landing.contains("href=\"/login\""));
    assert!(landing.contains("Development sign-in is on"), "the dev banner is on every page");

    let res = app.browser.get("/getting-started").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login?next=%2Fgetting-started");

    let login = app.browser.get_html("/login").await;
    assert!(login.contains("href=\"/auth/dev/start\""), "{login}");
    assert!(login.contains("Sign in with Development sign-in"));
}

#[tokio::test]
async fn sign_in_through_the_development_provider_creates_the_user() {
    let app = spawn_app().await;
    let page = app.browser.sign_in("Ann@Example.com", "Ann Admin").await;
    assert!(page.contains("Getting Started"));
    assert!(page.contains("Ann Admin"));
    assert!(page.contains("ann@example.com"));
    assert!(page.contains("Add Organization"));

    let mut conn = app.conn();
    let (email, verified, name): (String, bool, String) =
        users::table.select((users::email, users::email_verified, users::name)).first(&mut *conn).unwrap();
    assert_eq!((email.as_str(), verified, name.as_str()), ("ann@example.com", true, "Ann Admin"));
    let (provider, subject): (String, String) =
        identities::table.select((identities::provider, identities::subject)).first(&mut *conn).unwrap();
    assert_eq!((provider.as_str(), subject.as_str()), ("dev", "dev:ann@example.com"));
    let actions: Vec<String> = activity::table.select(activity::action).load(&mut *conn).unwrap();
    assert_eq!(actions, vec!["user.sign_in".to_string()]);

    // Signing in again finds the same account by (provider, subject).
    app.browser.sign_out().await;
    app.browser.sign_in("ann@example.com", "Ann A.").await;
    let count: i64 = users::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = spawn_app().await;
    app.browser.sign_in("bob@example.com", "Bob").await;
    app.browser.sign_out().await;
    let res = app.browser.get("/getting-started").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login"));
    // The landing page no longer redirects a signed-out visitor.
    assert_eq!(app.browser.get("/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_in_returns_to_the_page_that_asked_for_it() {
    let app = spawn_app().await;
    let res = app.browser.get("/orgs/new").await;
    assert_eq!(location(&res), "/login?next=%2Forgs%2Fnew");
    let login = app.browser.get_html("/login?next=%2Forgs%2Fnew").await;
    assert!(login.contains("/auth/dev/start?next=%2Forgs%2Fnew"), "{login}");
    let res = app.browser.sign_in_from("/auth/dev/start?next=%2Forgs%2Fnew", "c@example.com", "C").await;
    assert_eq!(location(&res), "/orgs/new");
}

#[tokio::test]
async fn sign_in_never_redirects_to_another_site() {
    let app = spawn_app().await;
    for next in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
        let browser = app.new_browser();
        let start = format!("/auth/dev/start?next={}", urlencode(next));
        let res = browser.sign_in_from(&start, "d@example.com", "D").await;
        assert_eq!(location(&res), "/getting-started", "next={next}");
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn session_survives_a_restart() {
    let mut app = spawn_app().await;
    app.browser.sign_in("eve@example.com", "Eve").await;
    let slug = app.browser.create_org("Eve's Team").await;
    app.restart().await;
    let page = app.browser.get_html("/getting-started").await;
    assert!(page.contains("eve@example.com"), "still signed in after restart");
    let org = app.browser.get_html(&format!("/orgs/{slug}")).await;
    assert!(org.contains("Eve&#39;s Team") || org.contains("Eve&#x27;s Team"), "{org}");
}

#[tokio::test]
async fn a_forged_or_replayed_callback_does_not_sign_in() {
    let app = spawn_app().await;
    // A callback with no sign-in in progress.
    let res = app.browser.get("/auth/dev/callback?code=abc&state=xyz").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("expired or was already used"));

    // A real flow whose state is tampered with.
    app.browser.open_provider_form("/auth/dev/start").await;
    let res = app.browser.get("/auth/dev/callback?code=abc&state=not-the-state").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.browser.get("/getting-started").await.status(), StatusCode::SEE_OTHER);

    // A completed callback cannot be replayed.
    let other = Browser::new(&app.address);
    let hidden = other.open_provider_form("/auth/dev/start").await;
    let callback = location(&other.submit_provider_form(&hidden, "f@example.com", "F").await);
    assert_eq!(other.get(&callback).await.status(), StatusCode::SEE_OTHER);
    other.sign_out().await;
    assert_eq!(other.get(&callback).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn development_provider_validates_its_form_and_keeps_the_input() {
    let app = spawn_app().await;
    let hidden = app.browser.open_provider_form("/auth/dev/start").await;
    let res = app.browser.submit_provider_form(&hidden, "not-an-email", "Gina").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("is not a valid email address"));
    assert!(page.contains("value=\"not-an-email\""), "the email is kept");
    assert!(page.contains("value=\"Gina\""), "the name is kept");
}

#[tokio::test]
async fn development_provider_refuses_foreign_redirects() {
    let app = spawn_app().await;
    let res = app
        .browser
        .get("/dev-oauth/authorize?response_type=code&client_id=orgportal-dev&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&state=s&code_challenge=c&code_challenge_method=S256")
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // The token endpoint wants the client's secret and a valid code.
    let res = app
        .browser
        .post(
            "/dev-oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", "x"),
                ("redirect_uri", "y"),
                ("code_verifier", "z"),
                ("client_id", "orgportal-dev"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.browser.get("/dev-oauth/userinfo").await.status(), StatusCode::UNAUTHORIZED);
}

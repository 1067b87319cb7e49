use diesel::prelude::*;
use orgportal::db::schema::organizations;
use reqwest::StatusCode;

use crate::helpers::{location, spawn_app};

#[tokio::test]
async fn posts_without_a_valid_csrf_token_are_refused() {
    let app = spawn_app().await;
    app.browser.sign_in("c@example.com", "C").await;
    let res = app.browser.post("/orgs", &[("name", "No Token"), ("slug", "")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let page = res.text().await.unwrap();
    assert!(page.contains("Request id:"));
    let res = app.browser.post("/orgs", &[("csrf_token", "forged"), ("name", "Bad Token"), ("slug", "")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A token from another session does not work either.
    let other = app.new_browser();
    other.sign_in("d@example.com", "D").await;
    let html = other.get_html("/orgs/new").await;
    let foreign = crate::helpers::hidden_field(&html, "csrf_token");
    let res = app.browser.post("/orgs", &[("csrf_token", foreign.as_str()), ("name", "Foreign"), ("slug", "")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Sign-out is a POST too.
    assert_eq!(app.browser.post("/logout", &[]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.browser.get("/getting-started").await.status(), StatusCode::OK, "still signed in");

    let mut conn = app.conn();
    let count: i64 = organizations::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/login", "/no-such-page", "/static/app.css"] {
        let res = app.browser.get(path).await;
        let h = res.headers();
        let csp = h.get("content-security-policy").unwrap_or_else(|| panic!("CSP on {path}")).to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("referrer-policy").unwrap(), "same-origin");
    }
    let page = app.browser.get_html("/").await;
    assert!(!page.contains("<script>") && !page.contains("style="), "no inline script or style");
}

#[tokio::test]
async fn cookies_are_http_only_and_not_secure_on_http() {
    let app = spawn_app().await;
    let res = app.browser.get("/auth/dev/start").await;
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"));
    assert!(location(&res).contains("/dev-oauth/authorize"));
}

#[tokio::test]
async fn secure_cookies_when_the_base_url_is_https() {
    let app =
        crate::helpers::spawn_app_with(|s| s.base_url = Some(url::Url::parse("https://portal.example").unwrap())).await;
    let res = app.browser.get("/auth/dev/start").await;
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(location(&res).starts_with("https://portal.example/dev-oauth/authorize"));
}

#[tokio::test]
async fn error_pages_show_a_request_id_and_no_internals() {
    let app = spawn_app().await;
    let res = app.browser.get("/no-such-page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let id = res.headers().get("x-request-id").unwrap().to_str().unwrap().to_string();
    let page = res.text().await.unwrap();
    assert!(page.contains("Page not found"));
    assert!(page.contains(&format!("<code>{id}</code>")), "the page shows the request id of the response");

    // An internal failure: the database goes away under the server.
    app.browser.sign_in("i@example.com", "I").await;
    {
        use diesel::connection::SimpleConnection;
        let mut conn = app.conn();
        conn.batch_execute("DROP TABLE activity").unwrap();
    }
    let res = app.browser.submit("/orgs/new", "/orgs", &[("name", "Boom"), ("slug", "")]).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let page = res.text().await.unwrap();
    assert!(page.contains("Something went wrong") && page.contains("Request id:"));
    let lower = page.to_lowercase();
    assert!(!lower.contains("activity") && !lower.contains("sql") && !lower.contains("table"), "{page}");
}

#[tokio::test]
async fn csv_exports_write_formulas_as_text() {
    let app = spawn_app().await;
    let slug = crate::helpers::admin_with_org(&app, "owner@example.com", "=HYPERLINK(\"http://evil\")").await;
    let mallory = app.new_browser();
    mallory.sign_in("mallory@example.com", "=cmd|' /C calc'!A0").await;
    app.join(&slug, "mallory@example.com", "Admin");
    let owner_id = app.user_id("owner@example.com");
    let res = mallory
        .submit(
            &format!("/orgs/{slug}/members"),
            &format!("/orgs/{slug}/members/{owner_id}/role"),
            &[("role", "Admin")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // A no-op change records nothing; sign in again to leave a row with Mallory as actor.
    mallory.sign_in("mallory@example.com", "=cmd|' /C calc'!A0").await;

    let body = app.browser.get(&format!("/orgs/{slug}/activity.csv")).await.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let cells: Vec<String> =
        reader.records().flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>()).collect();
    assert!(cells.iter().any(|c| c == "'=cmd|' /C calc'!A0"), "the name is kept, as text: {cells:?}");
    for c in &cells {
        assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "no cell is a formula: {c}");
    }
}

#[tokio::test]
async fn strict_transport_security_only_over_https() {
    let app = spawn_app().await;
    assert!(app.browser.get("/").await.headers().get("strict-transport-security").is_none());
    let app =
        crate::helpers::spawn_app_with(|s| s.base_url = Some("https://portal.example.com".parse().unwrap())).await;
    let res = app.browser.get("/").await;
    let hsts = res.headers().get("strict-transport-security").expect("HSTS over https").to_str().unwrap();
    assert!(hsts.starts_with("max-age="), "{hsts}");
}

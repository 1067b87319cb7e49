//! A project's connection tokens and the project API: the platform learns
//! the project, its owner and who holds which project permissions.

use diesel::prelude::*;
use orgportal::db::schema::project_tokens;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{admin_with_org, hidden_field, spawn_app, Browser};

pub async fn new_token(browser: &Browser, project: &str, name: &str) -> String {
    let page = format!("{project}/tokens");
    let res = browser.submit(&page, &page, &[("name", name)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("It will not be shown again"));
    hidden_field(&html.replace("readonly value=", "name=\"token\" value="), "token")
}

async fn call(address: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new().get(format!("{address}/api/v1/project")).bearer_auth(token).send().await.unwrap()
}

fn emails(body: &Value) -> Vec<String> {
    let mut e: Vec<String> =
        body["access"].as_array().unwrap().iter().map(|a| a["email"].as_str().unwrap().to_string()).collect();
    e.sort();
    e
}

#[tokio::test]
async fn a_project_token_tells_the_platform_who_may_do_what() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{slug}/projects");
    app.browser.submit(&format!("{base}/new"), &base, &[("name", "Fleet"), ("slug", ""), ("description", "")]).await;
    let project = format!("{base}/fleet");
    let tess = app.member(&slug, "tess@example.com", "Technical user").await;
    let viewer = app.member(&slug, "vic@example.com", "View-only").await;
    app.member(&slug, "bill@example.com", "Billing").await;

    let page = format!("{project}/tokens");
    let res = app.browser.submit(&page, &page, &[("name", "  ")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("id=\"name-error\""));
    let token = new_token(&tess, &project, "Deploy").await;
    assert!(token.starts_with("opprj_") && token.len() > 40);
    let res = tess.submit(&page, &page, &[("name", "Deploy")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "a name used already");
    let stored: String = project_tokens::table.select(project_tokens::token_hash).first(&mut *app.conn()).unwrap();
    assert_ne!(stored, token, "only a hash is kept");

    let res = call(&app.address, &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["project"]["slug"], "fleet");
    assert_eq!(body["owner"], serde_json::json!({"type": "organization", "name": "Acme", "slug": "acme"}));
    assert_eq!(
        emails(&body),
        ["owner@example.com", "tess@example.com", "vic@example.com"],
        "Billing cannot view projects"
    );
    let tess_entry = body["access"].as_array().unwrap().iter().find(|a| a["email"] == "tess@example.com").unwrap();
    assert_eq!(tess_entry["permissions"], serde_json::json!(["projects.view", "projects.develop"]));
    let last_used: Option<time::PrimitiveDateTime> =
        project_tokens::table.select(project_tokens::last_used_at).first(&mut *app.conn()).unwrap();
    assert!(last_used.is_some());

    // The answer follows the access rule: Vic set to none on the project drops out.
    let vic_id = app.user_id("vic@example.com");
    app.browser.submit(&format!("{project}/team"), &format!("{project}/team/{vic_id}"), &[("role", "")]).await;
    let body: Value = call(&app.address, &token).await.json().await.unwrap();
    assert_eq!(emails(&body), ["owner@example.com", "tess@example.com"]);

    // View-only may not see or use the tokens page; outsiders get 404.
    assert_eq!(viewer.get(&page).await.status(), StatusCode::NOT_FOUND, "no access to the project any more");
    let zed = app.new_browser();
    zed.sign_in("zed@example.com", "Zed").await;
    assert_eq!(zed.get(&page).await.status(), StatusCode::NOT_FOUND);

    let id: String = project_tokens::table.select(project_tokens::id).first(&mut *app.conn()).unwrap();
    let res = tess.submit(&page, &format!("{project}/tokens/{id}/revoke"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(call(&app.address, &token).await.status(), StatusCode::UNAUTHORIZED, "revoked");
    assert_eq!(app.activity_count("project.token_create") + app.activity_count("project.token_revoke"), 2);
}

#[tokio::test]
async fn view_only_cannot_create_tokens_and_personal_projects_answer_their_owner() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{slug}/projects");
    app.browser.submit(&format!("{base}/new"), &base, &[("name", "Fleet"), ("slug", ""), ("description", "")]).await;
    let viewer = app.member(&slug, "vic@example.com", "View-only").await;
    let page = format!("{base}/fleet/tokens");
    assert_eq!(viewer.get(&page).await.status(), StatusCode::FORBIDDEN);
    let csrf = hidden_field(&viewer.get_html(&base).await, "csrf_token");
    assert_eq!(viewer.post(&page, &[("csrf_token", &csrf), ("name", "Mine")]).await.status(), StatusCode::FORBIDDEN);
    let n: i64 = project_tokens::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(n, 0);

    app.browser
        .submit("/personal/projects/new", "/personal/projects", &[("name", "Notes"), ("slug", ""), ("description", "")])
        .await;
    let token = new_token(&app.browser, "/personal/projects/notes", "Sync").await;
    let body: Value = call(&app.address, &token).await.json().await.unwrap();
    assert_eq!(body["owner"]["type"], "personal");
    assert_eq!(emails(&body), ["owner@example.com"]);
    assert_eq!(body["access"][0]["role"], "owner");
    assert_eq!(call(&app.address, "opprj_guess").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(call(&app.address, &token.replace("opprj_", "opsvc_")).await.status(), StatusCode::UNAUTHORIZED);
}

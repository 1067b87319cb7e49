//! The API keys page and a key's life: made with some of its creator's
//! permissions and shown once, narrowed when the creator is demoted, dead
//! when they leave, expired, revoked; its actions logged as the key.

use std::time::Duration;

use diesel::prelude::*;
use orgportal::db::schema::api_keys;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{call, make_key};
use crate::helpers::{admin_with_org, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_key_is_shown_once_stored_hashed_listed_used_and_revoked() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    let page = format!("/orgs/{slug}/api-keys");
    let html = app.browser.get_html(&format!("/orgs/{slug}")).await;
    assert!(html.contains(&format!("href=\"{page}\"")), "the Admin sees API keys in the navigation");

    // Bad input: messages next to the fields, what was typed kept, nothing made.
    let res = app.browser.submit(&page, &page, &[("name", " "), ("expiry", "7"), ("permission", "org.view")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"name-error\">Name the key"), "{html}");
    assert!(html.contains("id=\"expiry-error\">Choose 30, 90 or 365 days"));
    assert!(html.contains("value=\"org.view\" checked"), "the ticked box stays ticked");
    let res = app.browser.submit(&page, &page, &[("name", "Job"), ("expiry", "30")]).await;
    assert!(res.text().await.unwrap().contains("id=\"permissions-error\">Choose at least one permission"));
    let res = app.browser.submit(&page, &page, &[("name", "Job"), ("expiry", "30"), ("permission", "root")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let n: i64 = api_keys::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(n, 0);

    let key = make_key(&app.browser, &slug, "Provisioning job", &["org.view", "members.invite"], "90").await;
    let (hash, perms): (String, String) =
        api_keys::table.select((api_keys::token_hash, api_keys::permissions)).first(&mut *app.conn()).unwrap();
    assert_eq!(hash, orgportal::domain::secret_token::hash_token(&key), "only a hash is kept");
    assert_eq!(perms, "org.view members.invite");
    let list = app.browser.get_html(&page).await;
    assert!(!list.contains(&key), "shown once");
    assert!(list.contains("Provisioning job") && list.contains("org.view, members.invite"));
    assert!(list.contains("Olivia Owner") && list.contains("<td class=\"nowrap\">Never</td>"), "creator, never used");

    // The same name again is refused while the first key works.
    let res = app
        .browser
        .submit(&page, &page, &[("name", "Provisioning job"), ("expiry", "30"), ("permission", "org.view")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("An active key of this name exists already"));

    let me = call(&app, Some(&key), Method::GET, &format!("/api/v1/orgs/{slug}"), None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["slug"], slug.as_str());
    let list = app.browser.get_html(&page).await;
    assert!(!list.contains("<td class=\"nowrap\">Never</td>"), "last used is shown; it expires in 90 days");

    // Revoked: 401 saying so, the list shows it, and revoking again finds nothing.
    let id: String = api_keys::table.select(api_keys::id).first(&mut *app.conn()).unwrap();
    let res = app.browser.submit(&page, &format!("{page}/{id}/revoke"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list = app.browser.get_html(&page).await;
    assert!(list.contains("The API key Provisioning job was revoked.") && list.contains(">revoked<"));
    let res = call(&app, Some(&key), Method::GET, &format!("/api/v1/orgs/{slug}"), None).await;
    assert_eq!(res.problem(StatusCode::UNAUTHORIZED)["detail"], "This API key was revoked.");
    assert_eq!(res.headers["www-authenticate"], "Bearer");
    let res = app.browser.submit(&page, &format!("{page}/{id}/revoke"), &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.activity_count("api_key.create"), 1);
    assert_eq!(app.activity_count("api_key.revoke"), 1);
}

#[tokio::test]
async fn only_api_keys_manage_opens_the_page_and_a_key_holds_only_its_creators_permissions() {
    // A catalog with a role that manages keys but holds few permissions.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roles.toml");
    std::fs::write(
        &path,
        r#"owner_role = "Admin"
default_role = "Member"
[[roles]]
name = "Admin"
description = "All."
permissions = ["*"]
[[roles]]
name = "Automation"
description = "Makes keys that invite."
permissions = ["org.view", "members.invite", "api_keys.manage"]
[[roles]]
name = "Member"
description = "Views."
permissions = ["org.view"]
"#,
    )
    .unwrap();
    let app = spawn_app_with(move |s| s.roles_file = Some(path)).await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    let page = format!("/orgs/{slug}/api-keys");
    let member = app.member(&slug, "mo@example.com", "Member").await;
    assert_eq!(member.get(&page).await.status(), StatusCode::FORBIDDEN);
    let res =
        member.submit("/getting-started", &page, &[("name", "x"), ("expiry", "30"), ("permission", "org.view")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!member.get_html(&format!("/orgs/{slug}")).await.contains(&page), "no link for who cannot open it");

    let automation = app.member(&slug, "auto@example.com", "Automation").await;
    let html = automation.get_html(&page).await;
    assert!(html.contains("value=\"members.invite\"") && !html.contains("value=\"members.manage\""));
    let res = automation
        .submit(&page, &page, &[("name", "Too much"), ("expiry", "30"), ("permission", "members.manage")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("Your role does not hold members.manage"));
    let key = make_key(&automation, &slug, "Inviter", &["org.view", "members.invite"], "none").await;
    let res = call(&app, Some(&key), Method::GET, &format!("/api/v1/orgs/{slug}/members"), None).await;
    assert_eq!(res.status, StatusCode::OK);
    let res = call(
        &app,
        Some(&key),
        Method::DELETE,
        &format!("/api/v1/orgs/{slug}/members/{}", app.user_id("mo@example.com")),
        None,
    )
    .await;
    assert_eq!(res.problem(StatusCode::FORBIDDEN)["permission"], "members.manage");
}

#[tokio::test]
async fn a_demoted_creator_narrows_the_key_and_one_who_leaves_ends_it() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let creator = app.member(&slug, "carol@example.com", "Admin").await;
    let key = make_key(&creator, &slug, "Carols job", &["org.view", "members.invite", "members.manage"], "30").await;
    let invite = json!({"invitations": [{"email": "new@example.com", "role": "View-only"}]});
    let path = format!("/api/v1/orgs/{slug}/invitations");
    let res = call(&app, Some(&key), Method::POST, &path, Some(invite.clone())).await;
    assert_eq!(res.status, StatusCode::CREATED, "{:?}", res.body);

    // Demoted to View-only: the key keeps org.view, loses members.invite.
    let carol = app.user_id("carol@example.com");
    let edit = format!("/orgs/{slug}/members/{carol}/role");
    let res = app.browser.submit("/getting-started", &edit, &[("role", "View-only")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res =
        call(&app, Some(&key), Method::POST, &path, Some(json!({"invitations": [{"email": "b@example.com"}]}))).await;
    assert_eq!(res.problem(StatusCode::FORBIDDEN)["permission"], "members.invite");
    let res = call(&app, Some(&key), Method::GET, &format!("/api/v1/orgs/{slug}/members"), None).await;
    assert_eq!(res.status, StatusCode::OK);

    // Removed: the key stops, the list says why; rejoining does not revive it.
    let res = app.browser.submit("/getting-started", &format!("/orgs/{slug}/members/{carol}/remove"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = call(&app, Some(&key), Method::GET, &format!("/api/v1/orgs/{slug}"), None).await;
    assert_eq!(
        res.problem(StatusCode::UNAUTHORIZED)["detail"],
        "This API key is inactive: its creator left the organization."
    );
    assert!(app.browser.get_html(&format!("/orgs/{slug}/api-keys")).await.contains("inactive: its creator left"));
    app.settings.clock.advance(Duration::from_secs(60));
    app.join(&slug, "carol@example.com", "Admin");
    let res = call(&app, Some(&key), Method::GET, &format!("/api/v1/orgs/{slug}"), None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    // The key's action is in the activity log as the key.
    let log = app.browser.get_html(&format!("/orgs/{slug}/activity")).await;
    assert!(log.contains("API key Carols job (created by carol)"), "{log}");
}

#[tokio::test]
async fn an_expired_key_is_refused_and_listed_as_expired() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let key = make_key(&app.browser, &slug, "Monthly", &["org.view"], "30").await;
    let path = format!("/api/v1/orgs/{slug}");
    app.settings.clock.advance(Duration::from_secs(29 * 86_400));
    assert_eq!(call(&app, Some(&key), Method::GET, &path, None).await.status, StatusCode::OK);
    app.settings.clock.advance(Duration::from_secs(86_400));
    let res = call(&app, Some(&key), Method::GET, &path, None).await;
    assert_eq!(res.problem(StatusCode::UNAUTHORIZED)["detail"], "This API key has expired.");
    // A month on, the browser signs in again (its session has ended).
    app.browser.sign_in("owner@example.com", "Olivia Owner").await;
    assert!(app.browser.get_html(&format!("/orgs/{slug}/api-keys")).await.contains(">expired<"));
}

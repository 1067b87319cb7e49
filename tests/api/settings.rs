//! Personal settings: profile, organizations with Leave, deleting the account.

use diesel::prelude::*;
use orgportal::db::schema::{activity, organizations, sessions, users};
use reqwest::StatusCode;

use crate::helpers::{admin_with_org, location, spawn_app};

#[tokio::test]
async fn profile_shows_the_account_as_the_provider_gave_it() {
    let app = spawn_app().await;
    app.browser.sign_in("ada@example.com", "Ada Lovelace").await;
    let page = app.browser.get_html("/settings").await;
    for expected in ["Ada Lovelace", "ada@example.com", "Development sign-in", "Account created", "Verified"] {
        assert!(page.contains(expected), "profile shows {expected}");
    }
    assert!(page.contains("aria-current=\"page\">Profile"), "the Profile tab is current");
    let res = app.new_browser().get("/settings").await;
    assert!(location(&res).starts_with("/login?next=%2Fsettings"), "signed-in only");
}

#[tokio::test]
async fn organizations_tab_lists_roles_and_leaves_under_the_rules() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let other = app.new_browser();
    other.sign_in("zed@example.com", "Zed").await;
    let zeds = other.create_org("Zed Co").await;
    let billing = app.member(&slug, "bill@example.com", "Billing").await;

    let page = billing.get_html("/settings/organizations").await;
    assert!(page.contains("Acme") && page.contains("Billing"), "organization and role");
    assert!(!page.contains("Zed Co"), "only their own organizations");
    let res = billing.submit("/settings/organizations", &format!("/settings/organizations/{slug}/leave"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.role_of(&slug, "bill@example.com"), None, "left");
    let member_count: i32 = {
        let mut conn = app.conn();
        organizations::table
            .filter(organizations::slug.eq(&slug))
            .select(organizations::member_count)
            .first(&mut *conn)
            .unwrap()
    };
    assert_eq!(member_count, 1, "the member counter follows");

    // The primary owner is refused, with the Organization page's message in the row.
    let page = app.browser.get_html("/settings/organizations").await;
    assert!(page.contains("Primary owner") && !page.contains(&format!("/settings/organizations/{slug}/leave")));
    let res =
        app.browser.submit("/settings/organizations", &format!("/settings/organizations/{slug}/leave"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("The primary owner cannot leave"));
    assert_eq!(app.role_of(&slug, "owner@example.com").as_deref(), Some("Admin"));
    // Someone else's organization is not found, and nothing changes.
    let res =
        app.browser.submit("/settings/organizations", &format!("/settings/organizations/{zeds}/leave"), &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.role_of(&zeds, "zed@example.com").as_deref(), Some("Admin"));
}

fn user_exists(app: &crate::helpers::TestApp, email: &str) -> bool {
    let mut conn = app.conn();
    let n: i64 = users::table.filter(users::email.eq(email)).count().get_result(&mut *conn).unwrap();
    n == 1
}

#[tokio::test]
async fn deleting_an_account_needs_the_typed_email_and_no_owned_organization() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;

    let page = app.browser.get_html("/settings/delete").await;
    assert!(page.contains("First, hand over your organizations") && page.contains(&format!("/orgs/{slug}")));
    let res =
        app.browser.submit("/settings/delete", "/settings/delete", &[("confirm_email", "wrong@example.com")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Type your email address, owner@example.com, exactly")
            && html.contains("value=\"wrong@example.com\"")
    );
    let res =
        app.browser.submit("/settings/delete", "/settings/delete", &[("confirm_email", "owner@example.com")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("You are the primary owner of the organizations listed above"));
    assert!(user_exists(&app, "owner@example.com"), "nothing deleted");
    assert!(app.browser.is_signed_in("/getting-started").await);
}

#[tokio::test]
async fn a_deleted_account_is_gone_with_its_sessions_and_keeps_its_name_in_activity() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let tech = app.member(&slug, "tess@example.com", "Technical user").await;
    let other_device = tech.copy();
    // Something Tess did, in the organization's log.
    let res =
        tech.submit(&format!("/orgs/{slug}/services"), &format!("/orgs/{slug}/services"), &[("name", "PMM")]).await;
    assert_eq!(res.status(), StatusCode::OK, "the token is shown once");
    let tess_id = app.user_id("tess@example.com");

    let page = tech.get_html("/settings/delete").await;
    assert!(page.contains("You leave <strong>Acme</strong>"));
    let res = tech.submit("/settings/delete", "/settings/delete", &[("confirm_email", "Tess@Example.com ")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");

    assert!(!user_exists(&app, "tess@example.com"));
    assert!(!other_device.is_signed_in("/getting-started").await, "every session of the account is dead");
    assert_eq!(app.role_of(&slug, "tess@example.com"), None);
    let mut conn = app.conn();
    let left: i64 = sessions::table.filter(sessions::user_id.eq(&tess_id)).count().get_result(&mut *conn).unwrap();
    assert_eq!(left, 0);
    let kept: Vec<Option<String>> = activity::table
        .filter(activity::action.eq_any(["service.connect", "user.delete"]))
        .select(activity::actor_name)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(kept, vec![Some("tess".to_string()); 2], "the rows keep the name");
    let log = app.browser.get_html(&format!("/orgs/{slug}/activity")).await;
    assert!(log.contains("tess (account deleted)"), "the Activity page names who it was");
    let count: i32 = organizations::table
        .filter(organizations::slug.eq(&slug))
        .select(organizations::member_count)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(count, 1);
}

//! Renaming an organization and changing its URL name (org.manage).

use diesel::prelude::*;
use orgportal::db::schema::{activity, organizations};
use reqwest::StatusCode;

use crate::helpers::{admin_with_org, location, spawn_app, TestApp};

fn saved(app: &TestApp) -> Vec<(String, String)> {
    let mut conn = app.conn();
    organizations::table
        .select((organizations::name, organizations::slug))
        .order(organizations::created_at)
        .load(&mut *conn)
        .unwrap()
}

fn rename_details(app: &TestApp) -> Vec<String> {
    let mut conn = app.conn();
    activity::table
        .filter(activity::action.eq("org.rename"))
        .order(activity::created_at)
        .select(activity::details)
        .load(&mut *conn)
        .unwrap()
}

#[tokio::test]
async fn an_admin_renames_the_organization_and_moves_its_address() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let page = app.browser.get_html(&format!("/orgs/{slug}")).await;
    assert!(page.contains("action=\"/orgs/acme/settings\""), "the admin sees the settings form");
    assert!(page.contains("value=\"Acme\"") && page.contains("value=\"acme\""), "filled with what is saved");

    let fields = [("name", "  Acme Labs "), ("slug", "acme-labs")];
    let res = app.browser.submit("/orgs/acme", "/orgs/acme/settings", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/orgs/acme-labs");
    let page = app.browser.get_html("/orgs/acme-labs").await;
    assert!(page.contains("Organization settings saved."));
    assert!(page.contains("<h1>Acme Labs</h1>"));
    assert!(page.contains("<code>acme-labs</code>"));
    assert!(!page.contains("href=\"/orgs/acme\""), "no link to the old address is left");
    assert_eq!(saved(&app), [("Acme Labs".to_string(), "acme-labs".to_string())]);
    assert_eq!(app.browser.get("/orgs/acme").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.browser.get("/orgs/acme-labs/members").await.status(), StatusCode::OK);
    assert_eq!(rename_details(&app), ["name “Acme” → “Acme Labs”; URL name acme → acme-labs"]);
    let log = app.browser.get_html("/orgs/acme-labs/activity").await;
    assert!(log.contains("org.rename"), "{log}");

    // The same values again change nothing and record nothing.
    let fields = [("name", "Acme Labs"), ("slug", "acme-labs")];
    let res = app.browser.submit("/orgs/acme-labs", "/orgs/acme-labs/settings", &fields).await;
    assert_eq!(location(&res), "/orgs/acme-labs");
    assert!(app.browser.get_html("/orgs/acme-labs").await.contains("Nothing changed"));
    assert_eq!(rename_details(&app).len(), 1);

    // The name alone.
    let fields = [("name", "Acme Research"), ("slug", "acme-labs")];
    let res = app.browser.submit("/orgs/acme-labs", "/orgs/acme-labs/settings", &fields).await;
    assert_eq!(location(&res), "/orgs/acme-labs");
    assert_eq!(rename_details(&app)[1], "name “Acme Labs” → “Acme Research”");
}

#[tokio::test]
async fn refused_settings_say_why_next_to_the_field_and_keep_the_input() {
    let app = spawn_app().await;
    admin_with_org(&app, "owner@example.com", "Acme").await;
    app.browser.create_org("Beta").await;
    let before = saved(&app);

    let cases: [(&str, &str, &str, &str); 4] = [
        ("", "acme-two", "name-error", "acme-two"),
        ("Acme Two", "Bad Slug!", "slug-error", "Bad Slug!"),
        ("Acme Two", "new", "slug-error", "is reserved"),
        ("Acme Two", "beta", "slug-error", "That URL name is taken. Choose another."),
    ];
    for (name, slug, error_id, shown) in cases {
        let res = app.browser.submit("/orgs/acme", "/orgs/acme/settings", &[("name", name), ("slug", slug)]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name} / {slug}");
        let page = res.text().await.unwrap();
        assert!(page.contains(&format!("id=\"{error_id}\"")), "{name} / {slug}: {page}");
        assert!(page.contains(shown), "{name} / {slug}: {page}");
        assert!(page.contains(&format!("value=\"{slug}\"")), "the URL name typed is kept");
        if !name.is_empty() {
            assert!(page.contains(&format!("value=\"{name}\"")), "the name typed is kept");
        }
        assert!(page.contains("<h1>Acme</h1>"), "the page heading shows what is saved");
    }
    assert_eq!(saved(&app), before, "nothing changed");
    assert!(rename_details(&app).is_empty());
}

#[tokio::test]
async fn only_roles_with_org_manage_see_the_settings() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    for role in ["Technical user", "Billing", "View-only"] {
        let email = format!("{}@example.com", role.replace(' ', "-").to_lowercase());
        let browser = app.member(&slug, &email, role).await;
        let page = browser.get_html(&format!("/orgs/{slug}")).await;
        assert!(page.contains("<h1>Acme</h1>"), "{role} sees the page");
        assert!(!page.contains(&format!("action=\"/orgs/{slug}/settings\"")), "{role} sees no settings form");
    }
}

//! Every state-changing route of the members area, tried as each role of the
//! default catalog and as a non-member: allowed or refused, and the database
//! checked to be unchanged when refused.

use diesel::prelude::*;
use orgportal::db::schema::{invitations, memberships, organizations};
use reqwest::StatusCode;

use crate::helpers::{admin_with_org, spawn_app, Browser, TestApp};

pub struct World {
    pub app: TestApp,
    pub slug: String,
    pub target_id: String,
    pub invitation_id: String,
}

pub async fn world() -> World {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    app.member(&slug, "target@example.com", "View-only").await;
    let res = app
        .browser
        .submit(
            &format!("/orgs/{slug}/members/invite"),
            &format!("/orgs/{slug}/invitations"),
            &[("email", "pending@example.com"), ("role", "Billing")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let target_id = app.user_id("target@example.com");
    let mut conn = app.conn();
    let invitation_id = invitations::table.select(invitations::id).first(&mut *conn).unwrap();
    drop(conn);
    World { app, slug, target_id, invitation_id }
}

/// A state-changing route: its name, the action path and the form fields.
pub type Route = (&'static str, String, Vec<(&'static str, String)>);

/// Every organization's name and slug, the organization's members and roles,
/// its invitations and owner.
pub type Snapshot = (Vec<(String, String)>, Vec<(String, String)>, Vec<(String, String)>, String);

pub fn routes(w: &World) -> Vec<Route> {
    let (s, t, i) = (&w.slug, &w.target_id, &w.invitation_id);
    vec![
        (
            "invite",
            format!("/orgs/{s}/invitations"),
            vec![("email", "new@example.com".into()), ("role", "Billing".into())],
        ),
        ("change role", format!("/orgs/{s}/members/{t}/role"), vec![("role", "Billing".into())]),
        ("remove member", format!("/orgs/{s}/members/{t}/remove"), vec![]),
        ("resend", format!("/orgs/{s}/invitations/{i}/resend"), vec![]),
        ("copy link", format!("/orgs/{s}/invitations/{i}/link"), vec![]),
        ("revoke", format!("/orgs/{s}/invitations/{i}/revoke"), vec![]),
        ("transfer", format!("/orgs/{s}/transfer"), vec![("user_id", t.clone())]),
        ("delete org", format!("/orgs/{s}/delete"), vec![("confirm_name", "Acme".into())]),
        ("settings", format!("/orgs/{s}/settings"), vec![("name", "Renamed".into()), ("slug", "renamed".into())]),
        ("project role", format!("/orgs/{s}/members/{t}/project-role"), vec![("default_project_role", "".into())]),
    ]
}

/// Everything a refused request must leave as it was.
pub fn snapshot(app: &TestApp, slug: &str) -> Snapshot {
    let org_id = app.org_id(slug);
    let mut conn = app.conn();
    let mut orgs: Vec<(String, String)> =
        organizations::table.select((organizations::name, organizations::slug)).load(&mut *conn).unwrap();
    orgs.sort();
    let rows: Vec<(String, String, Option<String>)> = memberships::table
        .filter(memberships::org_id.eq(&org_id))
        .select((memberships::user_id, memberships::role, memberships::default_project_role))
        .load(&mut *conn)
        .unwrap();
    // The role, and the default project role after a bar.
    let mut members: Vec<(String, String)> =
        rows.into_iter().map(|(user, role, default)| (user, format!("{role}|{default:?}"))).collect();
    members.sort();
    let mut invs: Vec<(String, String)> =
        invitations::table.select((invitations::id, invitations::state)).load(&mut *conn).unwrap();
    invs.sort();
    let owner = organizations::table.find(&org_id).select(organizations::owner_id).first(&mut *conn).unwrap();
    (orgs, members, invs, owner)
}

/// Posts with a CSRF token from a page every actor can open (Getting Started).
pub async fn post_as(browser: &Browser, action: &str, fields: &[(&'static str, String)]) -> StatusCode {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.submit("/getting-started", action, &fields).await.status()
}

#[tokio::test]
async fn roles_without_the_permission_are_refused_everywhere() {
    let w = world().await;
    let technical = w.app.member(&w.slug, "tech@example.com", "Technical user").await;
    let billing = w.app.member(&w.slug, "billing@example.com", "Billing").await;
    let viewer = w.app.member(&w.slug, "viewer@example.com", "View-only").await;
    let stranger = w.app.new_browser();
    stranger.sign_in("stranger@example.com", "Stranger").await;
    let actors: [(&str, &Browser, StatusCode); 4] = [
        ("Technical user", &technical, StatusCode::FORBIDDEN),
        ("Billing", &billing, StatusCode::FORBIDDEN),
        ("View-only", &viewer, StatusCode::FORBIDDEN),
        ("non-member", &stranger, StatusCode::NOT_FOUND),
    ];
    let before = snapshot(&w.app, &w.slug);
    for (who, browser, expected) in actors {
        for (route, action, fields) in routes(&w) {
            let status = post_as(browser, &action, &fields).await;
            assert_eq!(status, expected, "{who} → {route}");
        }
        // Pages behind the same permissions.
        let invite_form = browser.get(&format!("/orgs/{}/members/invite", w.slug)).await.status();
        assert_eq!(invite_form, expected, "{who} → invite form");
        let edit = browser.get(&format!("/orgs/{}/members/{}/edit", w.slug, w.target_id)).await.status();
        assert_eq!(edit, expected, "{who} → edit member");
        let members = browser.get(&format!("/orgs/{}/members", w.slug)).await.status();
        let roles = browser.get(&format!("/orgs/{}/roles", w.slug)).await.status();
        let visible = if who == "non-member" { StatusCode::NOT_FOUND } else { StatusCode::OK };
        assert_eq!((members, roles), (visible, visible), "{who} → members and roles pages");
    }
    assert_eq!(snapshot(&w.app, &w.slug), before, "nothing changed");
}

#[tokio::test]
async fn an_admin_may_do_each_of_them() {
    // Each route in a world of its own, so one action cannot hide another.
    let names: Vec<&str> = routes(&world().await).into_iter().map(|r| r.0).collect();
    for name in names {
        let w = world().await;
        let admin = w.app.member(&w.slug, "second-admin@example.com", "Admin").await;
        let (_, action, fields) = routes(&w).into_iter().find(|r| r.0 == name).unwrap();
        let before = snapshot(&w.app, &w.slug);
        // Transfer is the primary owner's alone; another Admin is refused.
        let (browser, expected) = match name {
            "transfer" => (&admin, StatusCode::FORBIDDEN),
            _ => (&admin, StatusCode::SEE_OTHER),
        };
        let status = post_as(browser, &action, &fields).await;
        assert_eq!(status, expected, "Admin → {name}");
        if expected == StatusCode::SEE_OTHER {
            assert!(snapshot_changed(&w.app, &w.slug, &before, name), "Admin → {name} changed something");
        }
        if name == "transfer" {
            // ...and the owner may.
            let target_admin = w.app.user_id("second-admin@example.com");
            let fields = vec![("user_id", target_admin)];
            assert_eq!(post_as(&w.app.browser, &action, &fields).await, StatusCode::SEE_OTHER);
        }
    }
}

fn snapshot_changed(app: &TestApp, slug: &str, before: &Snapshot, name: &str) -> bool {
    let mut conn = app.conn();
    let orgs: Vec<String> = organizations::table.select(organizations::slug).load(&mut *conn).unwrap();
    match name {
        "delete org" => return orgs.len() == before.0.len() - 1,
        "settings" => return orgs.contains(&"renamed".to_string()),
        _ => {}
    }
    &snapshot(app, slug) != before
}

#[tokio::test]
async fn every_role_may_leave() {
    for role in ["Admin", "Technical user", "Billing", "View-only"] {
        let w = world().await;
        let browser = w.app.member(&w.slug, "leaver@example.com", role).await;
        let status = post_as(&browser, &format!("/orgs/{}/leave", w.slug), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{role} leaves");
        assert_eq!(w.app.role_of(&w.slug, "leaver@example.com"), None);
    }
    let w = world().await;
    let stranger = w.app.new_browser();
    stranger.sign_in("stranger@example.com", "S").await;
    let status = post_as(&stranger, &format!("/orgs/{}/leave", w.slug), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// An Admin of organization B reaches no page of organization A, changes
/// nothing there, and cannot reach A's rows through B's own URLs either.
#[tokio::test]
async fn a_member_of_another_organization_reaches_nothing() {
    let w = world().await;
    let (s, t) = (&w.slug, &w.target_id);
    let page = format!("/orgs/{s}/services");
    let res = w.app.browser.submit(&page, &page, &[("name", "PMM")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let token_id: String = {
        use orgportal::db::schema::service_tokens;
        service_tokens::table.select(service_tokens::id).first(&mut *w.app.conn()).unwrap()
    };
    let intruder = w.app.new_browser();
    intruder.sign_in("intruder@example.com", "Intruder").await;
    let own = intruder.create_org("Other").await;

    let pages = [
        String::new(),
        "/members".into(),
        "/members/invite".into(),
        format!("/members/{t}/edit"),
        format!("/members/{t}/remove"),
        "/roles".into(),
        "/activity".into(),
        "/activity.csv".into(),
        "/entitlements".into(),
        "/tickets".into(),
        "/tickets/new".into(),
        "/contacts".into(),
        "/services".into(),
    ];
    for p in pages {
        assert_eq!(intruder.get(&format!("/orgs/{s}{p}")).await.status(), StatusCode::NOT_FOUND, "GET {p}");
    }
    let before = snapshot(&w.app, s);
    let mut all = routes(&w);
    all.push(("leave", format!("/orgs/{s}/leave"), vec![]));
    all.push(("connect service", format!("/orgs/{s}/services"), vec![("name", "Other PMM".into())]));
    all.push(("revoke service", format!("/orgs/{s}/services/{token_id}/revoke"), vec![]));
    // A's ids under B's slug.
    let i = &w.invitation_id;
    all.push(("A's token via B", format!("/orgs/{own}/services/{token_id}/revoke"), vec![]));
    all.push(("A's invitation via B", format!("/orgs/{own}/invitations/{i}/revoke"), vec![]));
    all.push(("A's member via B", format!("/orgs/{own}/members/{t}/role"), vec![("role", "Billing".into())]));
    all.push(("A's member removed via B", format!("/orgs/{own}/members/{t}/remove"), vec![]));
    for (name, action, fields) in all {
        assert_eq!(post_as(&intruder, &action, &fields).await, StatusCode::NOT_FOUND, "{name}");
    }
    assert_eq!(snapshot(&w.app, s), before, "nothing of A changed");
    let tokens: i64 = {
        use orgportal::db::schema::service_tokens;
        service_tokens::table.count().get_result(&mut *w.app.conn()).unwrap()
    };
    assert_eq!(tokens, 1);
}

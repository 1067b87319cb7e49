//! Direct add (Segments' "Add member", behind ORGPORTAL_DIRECT_ADD): an
//! existing, verified account becomes a member at once; an address with no
//! account gets an invitation; everything else is refused per row.

use diesel::prelude::*;
use orgportal::db::schema::{activity, invitations, mail_outbox, memberships, project_grants, projects};
use reqwest::StatusCode;

use crate::helpers::{admin_with_org, spawn_app, spawn_app_with, TestApp};

/// (memberships, invitations, mails): what a refusal must leave as it was.
fn counts(app: &TestApp) -> [i64; 3] {
    let mut conn = app.conn();
    [
        memberships::table.count().get_result(&mut *conn).unwrap(),
        invitations::table.count().get_result(&mut *conn).unwrap(),
        mail_outbox::table.count().get_result(&mut *conn).unwrap(),
    ]
}

fn unverified_account(app: &TestApp, email: &str) {
    let profile = orgportal::store::accounts::users::ProviderProfile {
        provider: "seed".into(),
        subject: email.into(),
        email: email.into(),
        email_verified: false,
        name: "Una Verified".into(),
    };
    orgportal::store::accounts::users::sign_in(&mut app.conn(), &profile, "127.0.0.1", app.settings.clock.now())
        .unwrap();
}

#[tokio::test]
async fn with_the_policy_off_the_form_offers_no_direct_add_and_refuses_it() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    app.new_browser().sign_in("ann@example.com", "Ann").await;
    let form = format!("/orgs/{slug}/members/invite");
    assert!(!app.browser.get_html(&form).await.contains("name=\"direct\""));
    let before = counts(&app);
    let fields = [("email", "ann@example.com"), ("role", "Technical user"), ("direct", "1")];
    let res = app.browser.submit(&form, &format!("/orgs/{slug}/invitations"), &fields).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(counts(&app), before, "nothing added, nothing sent");
}

#[tokio::test]
async fn existing_accounts_join_at_once_and_others_are_invited_or_refused_per_row() {
    let app = spawn_app_with(|s| s.direct_add = true).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let ann = app.new_browser();
    ann.sign_in("ann@example.com", "Ann Able").await;
    unverified_account(&app, "una@example.com");
    // Ann reaches one of Acme's projects directly: membership will replace that.
    crate::projects::create(&app.browser, &format!("/orgs/{slug}/projects"), "Fleet", "").await;
    let fleet: String = projects::table.select(projects::id).first(&mut *app.conn()).unwrap();
    diesel::insert_into(project_grants::table)
        .values((
            project_grants::project_id.eq(&fleet),
            project_grants::user_id.eq(app.user_id("ann@example.com")),
            project_grants::role.eq("View-only"),
            project_grants::direct.eq(true),
            project_grants::created_at.eq(app.settings.clock.now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();

    let form = format!("/orgs/{slug}/members/invite");
    assert!(app.browser.get_html(&form).await.contains("name=\"direct\""));
    // Roles without members.invite, and outsiders, cannot use it.
    let before = counts(&app);
    let fields = [("email", "ann@example.com"), ("role", "Admin"), ("direct", "1")];
    for role in ["Technical user", "Billing", "View-only"] {
        let email = format!("{}@example.com", role.to_lowercase().replace(' ', "."));
        let browser = app.member(&slug, &email, role).await;
        let before = counts(&app);
        let res = browser.submit("/settings", &format!("/orgs/{slug}/invitations"), &fields).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role}");
        assert_eq!(counts(&app), before, "{role}: nothing changed");
    }
    // Another organization's admin, and support staff (read-only, not members): 404.
    let outsider = app.new_browser();
    outsider.sign_in("out@example.com", "Out").await;
    outsider.create_org("Other").await;
    let staff = app.new_browser();
    staff.sign_in("sam@support.example", "Sam").await;
    orgportal::store::staff::add(&mut app.conn(), "sam@support.example", false, app.settings.clock.now()).unwrap();
    for browser in [&outsider, &staff] {
        let res = browser.submit("/settings", &format!("/orgs/{slug}/invitations"), &fields).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(counts(&app)[1..], before[1..], "no invitation, no mail from refused requests");

    let rows = [
        ("email", "Ann@Example.com"),
        ("role", "Technical user"),
        ("email", "new@example.com"),
        ("role", "View-only"),
        ("email", "una@example.com"),
        ("role", "View-only"),
        ("email", "owner@example.com"),
        ("role", "View-only"),
        ("email", "not-an-address"),
        ("role", "View-only"),
        ("direct", "1"),
    ];
    let res = app.browser.submit(&form, &format!("/orgs/{slug}/invitations"), &rows).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "some rows stay in the form");
    let html = res.text().await.unwrap();
    // Ann's direct project access would be replaced: held back until confirmed, as for invitations.
    assert!(
        html.contains("ann@example.com has direct access to 1 project") && html.contains("Invite anyway"),
        "{html}"
    );
    assert_eq!(app.role_of(&slug, "ann@example.com"), None);
    assert!(html.contains("Invitations sent to new@example.com (no account yet)."), "{html}");
    assert!(html.contains("This account has not verified its address"));
    assert!(html.contains("Already a member of this organization."));
    assert!(html.contains("is not a valid email address"));
    assert!(html.contains("name=\"direct\" value=\"1\" checked"), "the choice is kept");
    let confirmed =
        [("email", "ann@example.com"), ("role", "Technical user"), ("replace", "ann@example.com"), ("direct", "1")];
    let res = app.browser.submit(&form, &format!("/orgs/{slug}/invitations"), &confirmed).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(app.browser.get_html(&format!("/orgs/{slug}/members")).await.contains("1 added directly."));

    assert_eq!(app.role_of(&slug, "ann@example.com").as_deref(), Some("Technical user"));
    assert_eq!(app.role_of(&slug, "una@example.com"), None);
    let invited: Vec<String> = invitations::table.select(invitations::email).load(&mut *app.conn()).unwrap();
    assert_eq!(invited, ["new@example.com"], "only the address with no account is invited");
    let subject: String = mail_outbox::table
        .filter(mail_outbox::to_addr.eq("ann@example.com"))
        .select(mail_outbox::subject)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(subject, "Olivia Owner added you to Acme on orgportal");
    let details: String = activity::table
        .filter(activity::action.eq("member.add_direct"))
        .select(activity::details)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(details, "role Technical user, added directly by owner@example.com");
    assert_eq!(app.activity_count("project.direct_replaced"), 1, "membership replaced Ann's direct grant");
    let members = app.browser.get_html(&format!("/orgs/{slug}/members")).await;
    assert!(members.contains("added directly by owner@example.com"), "{members}");

    // Ann sees it at once and may leave at any time.
    assert_eq!(ann.get(&format!("/orgs/{slug}")).await.status(), StatusCode::OK);
    let leave = "/settings/organizations";
    assert_eq!(ann.submit(leave, &format!("{leave}/{slug}/leave"), &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.role_of(&slug, "ann@example.com"), None);

    // All rows done: back to Members with what happened.
    let rows = [
        ("email", "ann@example.com"),
        ("role", "View-only"),
        ("email", "zed@example.com"),
        ("role", "View-only"),
        ("direct", "1"),
    ];
    let res = app.browser.submit(&form, &format!("/orgs/{slug}/invitations"), &rows).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = app.browser.get_html(&format!("/orgs/{slug}/members")).await;
    assert!(page.contains("1 added directly. 1 invitation sent (no account yet: zed@example.com)."), "{page}");
}

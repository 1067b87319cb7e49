use diesel::prelude::*;
use orgportal::db::schema::{activity, invitations, mail_outbox, memberships, organizations, users};
use reqwest::StatusCode;

use crate::helpers::{admin_with_org, location, spawn_app, Browser, TestApp};

async fn edit_role(browser: &Browser, slug: &str, user_id: &str, role: &str) -> reqwest::Response {
    browser
        .submit(&format!("/orgs/{slug}/members"), &format!("/orgs/{slug}/members/{user_id}/role"), &[("role", role)])
        .await
}

#[tokio::test]
async fn members_page_lists_members_with_their_roles() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    app.member(&slug, "bob@example.com", "Technical user").await;
    let page = app.browser.get_html(&format!("/orgs/{slug}/members")).await;
    assert!(page.contains("2 members"), "{}", &page[page.find("<h1>Members").unwrap()..][..200]);
    assert!(page.contains("Olivia Owner") && page.contains("<span class=\"badge badge-strong\">Owner</span>"));
    assert!(page.contains("bob@example.com") && page.contains("Technical user"));
    let bob_id = app.user_id("bob@example.com");
    assert!(page.contains(&format!("/orgs/{slug}/members/{bob_id}/edit")));
    assert!(page.contains("Invite Member"));
}

#[tokio::test]
async fn an_admin_changes_a_role_but_never_their_own() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let bob = app.member(&slug, "bob@example.com", "Technical user").await;
    let bob_id = app.user_id("bob@example.com");
    let edit = app.browser.get_html(&format!("/orgs/{slug}/members/{bob_id}/edit")).await;
    assert!(edit.contains("<option value=\"Technical user\" selected>"));
    let res = edit_role(&app.browser, &slug, &bob_id, "Billing").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.role_of(&slug, "bob@example.com").as_deref(), Some("Billing"));
    assert_eq!(app.activity_count("member.role_change"), 1);
    assert!(bob.get_html(&format!("/orgs/{slug}")).await.contains("<dd>Billing</dd>"));

    let owner_id = app.user_id("owner@example.com");
    assert_eq!(app.browser.get(&format!("/orgs/{slug}/members/{owner_id}/edit")).await.status(), StatusCode::FORBIDDEN);
    let res = edit_role(&app.browser, &slug, &owner_id, "View-only").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("You cannot change your own role"));
    let res = edit_role(&app.browser, &slug, &bob_id, "Superuser").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(app.role_of(&slug, "owner@example.com").as_deref(), Some("Admin"));
}

#[tokio::test]
async fn the_primary_owner_cannot_be_demoted_or_removed() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let admin = app.member(&slug, "ada@example.com", "Admin").await;
    let owner_id = app.user_id("owner@example.com");
    let res = edit_role(&admin, &slug, &owner_id, "View-only").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("primary owner"));
    let res =
        admin.submit(&format!("/orgs/{slug}/members"), &format!("/orgs/{slug}/members/{owner_id}/remove"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(app.role_of(&slug, "owner@example.com").as_deref(), Some("Admin"));
    // The owner cannot leave either.
    let res = app.browser.submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/leave"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("primary owner cannot leave"));
}

#[tokio::test]
async fn remove_after_confirmation() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let bob = app.member(&slug, "bob@example.com", "Billing").await;
    let bob_id = app.user_id("bob@example.com");
    let confirm = app.browser.get_html(&format!("/orgs/{slug}/members/{bob_id}/remove")).await;
    assert!(confirm.contains("Remove bob?") || confirm.contains("Remove bob"), "{confirm}");
    assert_eq!(app.role_of(&slug, "bob@example.com").as_deref(), Some("Billing"), "the GET removes nothing");
    let res = app
        .browser
        .submit(&format!("/orgs/{slug}/members/{bob_id}/remove"), &format!("/orgs/{slug}/members/{bob_id}/remove"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.role_of(&slug, "bob@example.com"), None);
    assert_eq!(bob.get(&format!("/orgs/{slug}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.activity_count("member.remove"), 1);
    // Nobody removes themselves this way.
    let owner_id = app.user_id("owner@example.com");
    let res =
        app.browser.submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/members/{owner_id}/remove"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn ownership_can_be_transferred_to_another_admin() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let ada = app.member(&slug, "ada@example.com", "Admin").await;
    app.member(&slug, "bill@example.com", "Billing").await;
    let (ada_id, bill_id) = (app.user_id("ada@example.com"), app.user_id("bill@example.com"));
    let owner_id = app.user_id("owner@example.com");

    // Only the owner, and only to someone with the owner's role.
    let res = ada.submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/transfer"), &[("user_id", &owner_id)]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res =
        app.browser.submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/transfer"), &[("user_id", &bill_id)]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let edit = app.browser.get_html(&format!("/orgs/{slug}/members/{ada_id}/edit")).await;
    assert!(edit.contains("Transfer ownership to ada"));
    let res =
        app.browser.submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/transfer"), &[("user_id", &ada_id)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = ada.get_html(&format!("/orgs/{slug}")).await;
    assert!(
        page.contains("<dt>Primary owner</dt><dd>ada <span class=\"muted\">&lt;ada@example.com&gt;</span>"),
        "{page}"
    );
    // The former owner can now be demoted by the new one.
    let res = edit_role(&ada, &slug, &owner_id, "View-only").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.activity_count("org.transfer"), 1);
}

#[tokio::test]
async fn any_member_can_leave() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let viewer = app.member(&slug, "vic@example.com", "View-only").await;
    let res = viewer.submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/leave"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/getting-started");
    let gs = viewer.get_html("/getting-started").await;
    assert!(gs.contains("You left Acme.") && !gs.contains(&format!("href=\"/orgs/{slug}\"")));
    assert_eq!(app.role_of(&slug, "vic@example.com"), None);
    assert_eq!(app.activity_count("member.leave"), 1);
}

/// Takes the Admin role away from the owner, as a changed role catalog would,
/// so that two non-owner Admins are the organization's only managers.
fn two_managers_left(app: &TestApp, slug: &str) {
    let (org_id, owner_id) = (app.org_id(slug), app.user_id("owner@example.com"));
    let mut conn = app.conn();
    diesel::update(memberships::table.find((org_id, owner_id)))
        .set(memberships::role.eq("View-only"))
        .execute(&mut *conn)
        .unwrap();
}

fn managers(app: &TestApp, slug: &str) -> i64 {
    let org_id = app.org_id(slug);
    let mut conn = app.conn();
    memberships::table
        .filter(memberships::org_id.eq(org_id))
        .filter(memberships::role.eq("Admin"))
        .count()
        .get_result(&mut *conn)
        .unwrap()
}

#[tokio::test]
async fn the_last_manager_cannot_be_demoted_removed_or_leave() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let ada = app.member(&slug, "ada@example.com", "Admin").await;
    let ben = app.member(&slug, "ben@example.com", "Admin").await;
    two_managers_left(&app, &slug);
    let (ada_id, ben_id) = (app.user_id("ada@example.com"), app.user_id("ben@example.com"));
    assert_eq!(edit_role(&ada, &slug, &ben_id, "Billing").await.status(), StatusCode::SEE_OTHER);
    // Ada is now the last one who can manage members.
    let res = ada.submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/leave"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("At least one member must be able to manage members"));
    assert_eq!(
        edit_role(&ben, &slug, &ada_id, "Billing").await.status(),
        StatusCode::FORBIDDEN,
        "Ben cannot manage now"
    );
    assert_eq!(managers(&app, &slug), 1);
}

/// Two admins demote each other at the same moment. To make the moment
/// real, the test holds a lock that both changes need before they can write:
/// the memberships' row locks on PostgreSQL, the write lock on SQLite. Both
/// requests then read "two managers" unless the organization's row lock
/// makes the second wait for the first; without it, both demotions win.
#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_manager() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let ada = app.member(&slug, "ada@example.com", "Admin").await;
    let ben = app.member(&slug, "ben@example.com", "Admin").await;
    two_managers_left(&app, &slug);
    let (ada_id, ben_id) = (app.user_id("ada@example.com"), app.user_id("ben@example.com"));
    let org_id = app.org_id(&slug);
    // Each opens the page first, as a person would.
    let ada_token = crate::helpers::hidden_field(&ada.get_html(&format!("/orgs/{slug}/members")).await, "csrf_token");
    let ben_token = crate::helpers::hidden_field(&ben.get_html(&format!("/orgs/{slug}/members")).await, "csrf_token");

    let mut blocker = app.conn();
    if app.db.is_postgres() {
        blocker
            .batch_execute(&format!("BEGIN; SELECT 1 FROM memberships WHERE org_id = '{org_id}' FOR UPDATE;"))
            .unwrap();
    } else {
        blocker.batch_execute("BEGIN IMMEDIATE;").unwrap();
    }
    let (ada_url, ben_url) =
        (format!("/orgs/{slug}/members/{ben_id}/role"), format!("/orgs/{slug}/members/{ada_id}/role"));
    let ada_form = [("csrf_token", ada_token.as_str()), ("role", "Billing")];
    let ben_form = [("csrf_token", ben_token.as_str()), ("role", "Billing")];
    let release = async {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        blocker.batch_execute("ROLLBACK;").unwrap();
    };
    let (a, b, ()) = tokio::join!(ada.post(&ada_url, &ada_form), ben.post(&ben_url, &ben_form), release);
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 409], "exactly one demotion wins");
    assert_eq!(managers(&app, &slug), 1);
}

#[tokio::test]
async fn deleting_an_organization_removes_everything_of_it() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Doomed").await;
    let keep = app.browser.create_org("Kept").await;
    let bob = app.member(&slug, "bob@example.com", "Billing").await;
    let res = app
        .browser
        .submit(
            &format!("/orgs/{slug}/members/invite"),
            &format!("/orgs/{slug}/invitations"),
            &[("email", "x@example.com"), ("role", "Billing")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let org_id = app.org_id(&slug);

    let res = app
        .browser
        .submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/delete"), &[("confirm_name", "doomed")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("Type the organization&#39;s name") || page.contains("Type the organization"), "{page}");
    assert!(page.contains("value=\"doomed\""), "what was typed is kept");
    assert_eq!(bob.post(&format!("/orgs/{slug}/delete"), &[]).await.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let res =
        bob.submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/delete"), &[("confirm_name", "Doomed")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "Billing cannot delete");

    let res = app
        .browser
        .submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/delete"), &[("confirm_name", "Doomed")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut conn = app.conn();
    let count = |n: i64| n;
    assert_eq!(
        count(organizations::table.filter(organizations::id.eq(&org_id)).count().get_result(&mut *conn).unwrap()),
        0
    );
    assert_eq!(
        count(memberships::table.filter(memberships::org_id.eq(&org_id)).count().get_result(&mut *conn).unwrap()),
        0
    );
    assert_eq!(
        count(invitations::table.filter(invitations::org_id.eq(&org_id)).count().get_result(&mut *conn).unwrap()),
        0
    );
    assert_eq!(count(mail_outbox::table.count().get_result(&mut *conn).unwrap()), 0);
    assert_eq!(count(activity::table.filter(activity::org_id.eq(&org_id)).count().get_result(&mut *conn).unwrap()), 0);
    assert_eq!(count(users::table.count().get_result(&mut *conn).unwrap()), 2, "members keep their accounts");
    assert_eq!(app.activity_count("org.delete"), 1, "the deletion itself is recorded site-wide");
    assert_eq!(app.browser.get(&format!("/orgs/{slug}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.browser.get(&format!("/orgs/{keep}")).await.status(), StatusCode::OK, "other organizations stay");
}

#[tokio::test]
async fn members_page_searches_and_pages_by_keyset() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Big").await;
    let org_id = app.org_id(&slug);
    {
        let mut conn = app.conn();
        let base = app.settings.clock.now();
        for i in 0..119 {
            let profile = orgportal::store::accounts::users::ProviderProfile {
                provider: "seed".into(),
                subject: format!("s{i}"),
                email: format!("user{i:03}@example.com"),
                email_verified: true,
                name: format!("User_{i:03}"),
            };
            let user = orgportal::store::accounts::users::sign_in(&mut conn, &profile, "127.0.0.1", base).unwrap();
            let joined = base + time::Duration::seconds(i + 1);
            orgportal::store::members::add(&mut conn, &org_id, &user.id, "View-only", joined).unwrap();
        }
    }
    let first = app.browser.get_html(&format!("/orgs/{slug}/members")).await;
    assert!(first.contains("120 members"));
    assert_eq!(first.matches("<tr>").count() - 1, 50, "50 rows a page (plus the header)");
    let next = crate::helpers::next_link;
    let second = app.browser.get_html(&next(&first).unwrap()).await;
    assert!(second.contains("user049@example.com") && !second.contains("user048@example.com"));
    let third = app.browser.get_html(&next(&second).unwrap()).await;
    assert_eq!(third.matches("<tr>").count() - 1, 20);
    assert!(third.contains("user118@example.com") && next(&third).is_none());

    let found = app.browser.get_html(&format!("/orgs/{slug}/members?q=USER_07")).await;
    assert_eq!(found.matches("<tr>").count() - 1, 10, "user_070..079, ignoring case");
    let none = app.browser.get_html(&format!("/orgs/{slug}/members?q=%25")).await;
    assert!(none.contains("No member matches"), "% is a literal, not a wildcard");
}

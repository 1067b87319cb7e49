//! The first page of members kept in memory (issue 11) never shows what has
//! changed: whoever changes the members, through this instance, another one
//! or straight in the database, the next page shows it.

use diesel::prelude::*;
use orgportal::db::schema::{memberships, organizations, users};

use crate::helpers::{admin_with_org, Browser, TestApp};

fn version(app: &TestApp, slug: &str) -> i64 {
    let mut conn = app.conn();
    organizations::table
        .filter(organizations::slug.eq(slug))
        .select(organizations::members_version)
        .first(&mut *conn)
        .unwrap()
}

/// The row of `email` on the Members page as `browser` sees it.
async fn row_of(browser: &Browser, slug: &str, email: &str) -> Option<String> {
    row_at(browser, &format!("/orgs/{slug}/members"), email).await
}

/// The row of `email` on the page at `path` as `browser` sees it.
async fn row_at(browser: &Browser, path: &str, email: &str) -> Option<String> {
    let page = browser.get_html(path).await;
    let at = page.find(&format!("<td>{email}</td>"))?;
    let start = page[..at].rfind("<tr>").unwrap();
    let end = at + page[at..].find("</tr>").unwrap();
    Some(page[start..end].to_string())
}

#[tokio::test]
async fn the_kept_first_page_shows_every_change_on_the_next_request() {
    let app = crate::helpers::spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    app.member(&slug, "bob@example.com", "Technical user").await;
    app.member(&slug, "carol@example.com", "View-only").await;
    let bob_id = app.user_id("bob@example.com");
    let other = app.second_instance().await;
    let there = app.browser.at(&other.address);
    assert!(row_of(&app.browser, &slug, "bob@example.com").await.unwrap().contains("Technical user"));
    assert!(row_of(&there, &slug, "bob@example.com").await.unwrap().contains("Technical user"));

    // A role changed on this instance, then one changed on the other.
    let before = version(&app, &slug);
    let path = format!("/orgs/{slug}/members/{bob_id}/role");
    let res = app.browser.submit(&format!("/orgs/{slug}/members"), &path, &[("role", "Billing")]).await;
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    assert!(version(&app, &slug) > before);
    assert!(row_of(&there, &slug, "bob@example.com").await.unwrap().contains("Billing"), "the other instance");
    let res = there.submit(&format!("/orgs/{slug}/members"), &path, &[("role", "Admin")]).await;
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    assert!(row_of(&app.browser, &slug, "bob@example.com").await.unwrap().contains("Admin"), "this instance");

    // Changed behind the portal's back: a name, an address, a membership.
    let carol_id = app.user_id("carol@example.com");
    let before = version(&app, &slug);
    diesel::update(users::table.find(&carol_id))
        .set(users::name.eq("Carol Renamed"))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(version(&app, &slug) > before, "a member's new name moves the version");
    assert!(row_of(&app.browser, &slug, "carol@example.com").await.unwrap().contains("Carol Renamed"));
    diesel::update(users::table.find(&carol_id))
        .set(users::email.eq("carol@example.org"))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(row_of(&app.browser, &slug, "carol@example.org").await.is_some());
    assert!(row_of(&app.browser, &slug, "carol@example.com").await.is_none());

    let org_id = app.org_id(&slug);
    diesel::update(memberships::table.find((&org_id, &carol_id)))
        .set(memberships::role.eq("Technical user"))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(row_of(&app.browser, &slug, "carol@example.org").await.unwrap().contains("Technical user"));

    // An account deleted in the database goes with its membership (a cascade).
    diesel::delete(users::table.find(&carol_id)).execute(&mut *app.conn()).unwrap();
    assert!(row_of(&app.browser, &slug, "carol@example.org").await.is_none());
    assert!(row_of(&there, &slug, "carol@example.org").await.is_none());
    diesel::delete(memberships::table.find((&org_id, &bob_id))).execute(&mut *app.conn()).unwrap();
    assert!(row_of(&app.browser, &slug, "bob@example.com").await.is_none());
    assert!(row_of(&there, &slug, "bob@example.com").await.is_none());
    assert!(row_of(&app.browser, &slug, "owner@example.com").await.is_some());
}

/// Later pages are kept too (issue 33), each by its cursor, under the same
/// version: each page shows its own members, and the same changes show on
/// the next request of each.
#[tokio::test]
async fn the_kept_later_pages_show_every_change_on_the_next_request() {
    let app = crate::helpers::spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    for i in 0..104 {
        app.member(&slug, &format!("m{i:03}@example.com"), "View-only").await;
    }
    // The owner and m000-m048 on the first page, m049-m098 on the second, m099-m103 on the third.
    let second = crate::html::next_link(&app.browser.get_html(&format!("/orgs/{slug}/members")).await).unwrap();
    let third = crate::html::next_link(&app.browser.get_html(&second).await).unwrap();
    for _ in 0..2 {
        assert!(row_at(&app.browser, &second, "m050@example.com").await.unwrap().contains("View-only"));
        assert!(row_at(&app.browser, &second, "m100@example.com").await.is_none(), "on the third page");
        assert!(row_at(&app.browser, &third, "m100@example.com").await.is_some());
        assert!(row_at(&app.browser, &third, "m050@example.com").await.is_none(), "on the second page");
    }
    let other = app.second_instance().await;
    let there = app.browser.at(&other.address);
    assert!(row_at(&there, &second, "m050@example.com").await.unwrap().contains("View-only"));

    let m050 = app.user_id("m050@example.com");
    let path = format!("/orgs/{slug}/members/{m050}/role");
    let res = app.browser.submit(&second, &path, &[("role", "Billing")]).await;
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    assert!(row_at(&app.browser, &second, "m050@example.com").await.unwrap().contains("Billing"), "this instance");
    assert!(row_at(&there, &second, "m050@example.com").await.unwrap().contains("Billing"), "the other instance");

    diesel::update(users::table.find(&m050)).set(users::name.eq("Renamed Fifty")).execute(&mut *app.conn()).unwrap();
    assert!(row_at(&app.browser, &second, "m050@example.com").await.unwrap().contains("Renamed Fifty"));
    let org_id = app.org_id(&slug);
    diesel::delete(memberships::table.find((&org_id, &m050))).execute(&mut *app.conn()).unwrap();
    assert!(row_at(&app.browser, &second, "m050@example.com").await.is_none());
    assert!(row_at(&there, &second, "m050@example.com").await.is_none());
    // Someone who joins now is on the last page, after the others.
    app.member(&slug, "late@example.com", "Member").await;
    assert!(row_at(&app.browser, &third, "late@example.com").await.is_some());
    assert!(row_at(&app.browser, &third, "m103@example.com").await.is_some());
}

#[tokio::test]
async fn the_version_moves_only_with_what_the_page_shows() {
    let app = crate::helpers::spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let globex_admin = app.new_browser();
    globex_admin.sign_in("other@example.com", "Otto Other").await;
    let other = globex_admin.create_org("Globex").await;
    app.member(&slug, "bob@example.com", "Technical user").await;
    app.join(&other, "bob@example.com", "View-only");
    app.join(&other, "owner@example.com", "View-only");
    let acme = version(&app, &slug);

    // Bob signs in again with the same name and address: nothing shown changes.
    let bob = app.new_browser();
    bob.sign_in("bob@example.com", "bob").await;
    assert_eq!(version(&app, &slug), acme, "a sign-in alone keeps the page");
    // Bob's new name shows in both organizations.
    let globex = version(&app, &other);
    bob.sign_in("bob@example.com", "Robert").await;
    assert!(version(&app, &slug) > acme);
    assert!(version(&app, &other) > globex, "Bob is in Globex too");
    let (acme, globex) = (version(&app, &slug), version(&app, &other));
    app.browser.sign_in("owner@example.com", "Olivia Owner").await;
    assert_eq!((version(&app, &slug), version(&app, &other)), (acme, globex), "the same name again");
    let carol = app.member(&slug, "carol@example.com", "View-only").await;
    assert_eq!(version(&app, &other), globex, "a member of Acme alone: Globex's page is kept");
    let acme = version(&app, &slug);
    carol.sign_in("carol@example.com", "Caroline").await;
    assert!(version(&app, &slug) > acme);
    assert_eq!(version(&app, &other), globex, "Carol is not in Globex: its page is kept");
    assert!(row_of(&app.browser, &slug, "bob@example.com").await.unwrap().contains("Robert"));
}

/// The Members page's side lists (join requests, invitations waiting for an
/// answer, people the directory suspended) are kept per organization too
/// (issue 33): every change shows on the next request, whoever makes it, and
/// an invitation that runs out shows as expired while its list is kept.
#[tokio::test]
async fn the_kept_side_lists_show_every_change_on_the_next_request() {
    use orgportal::db::schema::{invitations, join_requests};
    // Signed in across the invitation's week.
    let month = std::time::Duration::from_secs(30 * 24 * 3600);
    let app = crate::helpers::spawn_app_with(|s| (s.session_idle, s.session_max) = (month, month)).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let members = format!("/orgs/{slug}/members");
    app.new_browser().sign_in("dana@example.com", "Dana").await;
    let (org_id, dana_id) = (app.org_id(&slug), app.user_id("dana@example.com"));
    assert!(!app.browser.get_html(&members).await.contains("dana@example.com"), "kept: no requests");

    // A join request written straight into the database, her new name, its removal.
    diesel::insert_into(join_requests::table)
        .values((
            join_requests::org_id.eq(&org_id),
            join_requests::user_id.eq(&dana_id),
            join_requests::email.eq("dana@example.com"),
            join_requests::domain.eq("example.com"),
            join_requests::created_at.eq(app.settings.clock.now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(app.browser.get_html(&members).await.contains("dana@example.com"));
    diesel::update(users::table.find(&dana_id)).set(users::name.eq("Dana Renamed")).execute(&mut *app.conn()).unwrap();
    assert!(app.browser.get_html(&members).await.contains("Dana Renamed"), "a requester is not a member");
    diesel::delete(join_requests::table).execute(&mut *app.conn()).unwrap();
    assert!(!app.browser.get_html(&members).await.contains("dana@example.com"));

    // An invitation sent through the form, then revoked behind the portal's back.
    async fn invite(app: &TestApp, slug: &str, email: &str) -> reqwest::StatusCode {
        let (form, path) = (format!("/orgs/{slug}/members/invite"), format!("/orgs/{slug}/invitations"));
        app.browser.submit(&form, &path, &[("email", email), ("role", "View-only")]).await.status()
    }
    assert_eq!(invite(&app, &slug, "erin@example.com").await, reqwest::StatusCode::SEE_OTHER);
    assert!(app.browser.get_html(&members).await.contains("erin@example.com"));
    diesel::update(invitations::table.filter(invitations::email.eq("erin@example.com")))
        .set(invitations::state.eq("revoked"))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(!app.browser.get_html(&members).await.contains("erin@example.com"));

    // Nothing written, only the clock: the kept invitation shows as expired.
    assert_eq!(invite(&app, &slug, "frank@example.com").await, reqwest::StatusCode::SEE_OTHER);
    let page = app.browser.get_html(&members).await;
    assert!(page.contains("frank@example.com") && !page.contains("badge-bad\">expired"));
    app.settings.clock.advance(std::time::Duration::from_secs(7 * 24 * 3600 + 60));
    let page = app.browser.get_html(&members).await;
    assert!(page.contains("frank@example.com") && page.contains("badge-bad\">expired"), "{page}");
}

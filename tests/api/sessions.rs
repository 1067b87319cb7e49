//! Server-side sessions: sign-out, expiry and revocation end a session for
//! every copy of its cookie; a new session at every sign-in.

use std::time::Duration;

use diesel::prelude::*;
use orgportal::db::schema::{security_events, sessions};
use reqwest::StatusCode;

use crate::helpers::{location, spawn_app, spawn_app_with, TestApp};

fn session_count(app: &TestApp, email: &str) -> i64 {
    let user_id = app.user_id(email);
    let mut conn = app.conn();
    sessions::table.filter(sessions::user_id.eq(user_id)).count().get_result(&mut *conn).unwrap()
}

fn security_actions(app: &TestApp, email: &str) -> Vec<String> {
    let user_id = app.user_id(email);
    let mut conn = app.conn();
    security_events::table
        .filter(security_events::user_id.eq(user_id))
        .order(security_events::created_at.asc())
        .select(security_events::action)
        .load(&mut *conn)
        .unwrap()
}

#[tokio::test]
async fn a_copied_cookie_dies_at_sign_out() {
    let app = spawn_app().await;
    app.browser.sign_in("ada@example.com", "Ada").await;
    let slug = app.browser.create_org("Acme").await;
    let thief = app.browser.copy();
    assert!(thief.is_signed_in(&format!("/orgs/{slug}")).await, "a copy works while the session lives");
    assert!(thief.is_signed_in(&format!("/orgs/{slug}/members")).await);
    let csrf = crate::helpers::hidden_field(&thief.get_html(&format!("/orgs/{slug}")).await, "csrf_token");
    let second_copy = app.browser.copy();

    app.browser.sign_out().await;
    assert_eq!(session_count(&app, "ada@example.com"), 0, "sign-out deletes the session");
    for page in [format!("/orgs/{slug}"), format!("/orgs/{slug}/members"), "/settings".to_string()] {
        let res = thief.get(&page).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{page}");
        assert!(location(&res).starts_with("/login"), "{page} sends the copy to sign-in");
    }
    // A form posted with the copy (and the form token it saw) changes nothing either.
    let res =
        second_copy.post(&format!("/orgs/{slug}/delete"), &[("csrf_token", &csrf), ("confirm_name", "Acme")]).await;
    assert!(location(&res).starts_with("/login"), "sent to sign-in");
    assert_eq!(app.org_id(&slug).len(), 36, "the organization is still there");
    assert_eq!(app.role_of(&slug, "ada@example.com").as_deref(), Some("Admin"));
    assert_eq!(security_actions(&app, "ada@example.com"), ["session.sign_in", "session.sign_out"]);
}

#[tokio::test]
async fn every_sign_in_gets_a_new_session() {
    let app = spawn_app().await;
    // An attacker plants a cookie from their own visit (session fixation).
    app.browser.get("/login").await;
    let planted = app.browser.copy();
    app.browser.sign_in("ada@example.com", "Ada").await;
    assert!(!planted.is_signed_in("/getting-started").await, "the planted cookie stays anonymous");
    let first = app.browser.copy();

    app.browser.sign_in("ada@example.com", "Ada").await;
    assert_ne!(first.cookie_header(), app.browser.cookie_header(), "a new cookie");
    assert_eq!(session_count(&app, "ada@example.com"), 2, "two sessions: the first was not reused");
    app.browser.sign_out().await;
    assert!(!app.browser.is_signed_in("/getting-started").await);
    assert!(first.is_signed_in("/getting-started").await, "signing out ends only that session");
}

#[tokio::test]
async fn idle_and_absolute_lifetimes_end_sessions() {
    let app = spawn_app_with(|s| {
        s.session_idle = Duration::from_secs(3600);
        s.session_max = Duration::from_secs(3 * 3600);
    })
    .await;
    let clock = app.settings.clock.clone();
    app.browser.sign_in("ada@example.com", "Ada").await;
    clock.advance(Duration::from_secs(61 * 60));
    assert!(!app.browser.is_signed_in("/getting-started").await, "idle for over an hour");

    app.browser.sign_in("ada@example.com", "Ada").await;
    // Used every 50 minutes, it stays alive: each use moves "last seen"...
    for _ in 0..3 {
        clock.advance(Duration::from_secs(50 * 60));
        assert!(app.browser.is_signed_in("/getting-started").await);
    }
    // ...until three hours after sign-in, however busy.
    clock.advance(Duration::from_secs(50 * 60));
    assert!(!app.browser.is_signed_in("/getting-started").await, "past the absolute lifetime");
}

#[tokio::test]
async fn last_seen_is_written_at_most_once_a_minute() {
    let app = spawn_app().await;
    app.browser.sign_in("ada@example.com", "Ada").await;
    let last_seen = || {
        let mut conn = app.conn();
        sessions::table.select(sessions::last_seen_at).first::<time::PrimitiveDateTime>(&mut *conn).unwrap()
    };
    let signed_in_at = last_seen();
    app.settings.clock.advance(Duration::from_secs(30));
    for _ in 0..5 {
        app.browser.get_html("/getting-started").await;
    }
    assert_eq!(last_seen(), signed_in_at, "not written within the minute");
    app.settings.clock.advance(Duration::from_secs(31));
    app.browser.get_html("/getting-started").await;
    assert!(last_seen() > signed_in_at, "written once the minute is over");
}

/// The Members page reads on the HTTP worker without writing (SQLite), and
/// records "last seen" on the blocking pool when it is due: the session
/// stays alive on that page alone.
#[tokio::test]
async fn the_members_page_keeps_the_session_alive() {
    let app = spawn_app_with(|s| s.session_idle = Duration::from_secs(3600)).await;
    let slug = crate::helpers::admin_with_org(&app, "ada@example.com", "Acme").await;
    let clock = app.settings.clock.clone();
    let last_seen = || {
        let mut conn = app.conn();
        sessions::table.select(sessions::last_seen_at).first::<time::PrimitiveDateTime>(&mut *conn).unwrap()
    };
    for _ in 0..3 {
        clock.advance(Duration::from_secs(50 * 60));
        let before = last_seen();
        assert!(app.browser.get_html(&format!("/orgs/{slug}/members")).await.contains("ada@example.com"));
        let mut waited = 0;
        while last_seen() == before && waited < 50 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            waited += 1;
        }
        assert!(last_seen() > before, "last seen written after the page");
    }
    assert!(app.browser.is_signed_in("/getting-started").await, "150 minutes of Members pages, idle limit 60");
}

#[tokio::test]
async fn signing_out_another_session_ends_it_on_its_next_request() {
    let app = spawn_app().await;
    app.browser.sign_in("ada@example.com", "Ada").await;
    let laptop = app.new_browser();
    laptop.sign_in("ada@example.com", "Ada").await;
    let phone = app.new_browser();
    phone.sign_in("ada@example.com", "Ada").await;
    let bob = app.new_browser();
    bob.sign_in("bob@example.com", "Bob").await;

    let page = app.browser.get_html("/settings/sessions").await;
    assert_eq!(page.matches("This session").count(), 1);
    assert_eq!(page.matches("/revoke\"").count(), 2, "Sign out for each other session, not this one");

    let laptop_id: String = {
        let mut conn = app.conn();
        sessions::table.order(sessions::created_at.asc()).select(sessions::id).offset(1).first(&mut *conn).unwrap()
    };
    // Bob cannot end Ada's session.
    let res = bob.submit("/settings/sessions", &format!("/settings/sessions/{laptop_id}/revoke"), &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(laptop.is_signed_in("/getting-started").await);

    let res = app.browser.submit("/settings/sessions", &format!("/settings/sessions/{laptop_id}/revoke"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!laptop.is_signed_in("/getting-started").await, "the laptop is signed out");
    assert!(phone.is_signed_in("/getting-started").await);
    assert!(app.browser.is_signed_in("/getting-started").await);

    let res = app.browser.submit("/settings/sessions", "/settings/sessions/revoke-others", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!phone.is_signed_in("/getting-started").await, "every other session ended");
    assert!(app.browser.is_signed_in("/settings/sessions").await, "this one stays");
    assert!(bob.is_signed_in("/getting-started").await, "other people's sessions are untouched");
    let log = app.browser.get_html("/settings/security-log").await;
    for label in ["Signed in", "Signed out another session", "Signed out of all other sessions"] {
        assert!(log.contains(label), "the security log shows {label}");
    }
    assert!(!bob.get_html("/settings/security-log").await.contains("Signed out another session"), "Ada's log only");
}

#[tokio::test]
async fn sessions_are_shared_by_instances_on_one_database() {
    let app = spawn_app().await;
    app.browser.sign_in("ada@example.com", "Ada").await;
    let other = app.second_instance().await;
    let there = app.browser.at(&other.address);
    assert!(there.is_signed_in("/getting-started").await, "the other instance knows the session");
    let copy_there = there.copy();
    app.browser.sign_out().await;
    assert!(!copy_there.is_signed_in("/getting-started").await, "sign-out on one ends it on the other");
}

#[tokio::test]
async fn a_page_that_changes_nothing_in_the_session_sends_no_new_cookie() {
    let app = spawn_app().await;
    app.browser.sign_in("ada@example.com", "Ada").await;
    let slug = app.browser.create_org("Acme").await;
    let sets_cookie = |res: &reqwest::Response| res.headers().contains_key("set-cookie");
    // The first page after creating shows (and removes) the flash message:
    // the session changed, so the cookie is sent again.
    let first = app.browser.get(&format!("/orgs/{slug}")).await;
    assert!(sets_cookie(&first), "the flash was taken out of the session");
    assert!(first.text().await.unwrap().contains("Acme"));
    for page in [format!("/orgs/{slug}/members"), format!("/orgs/{slug}"), "/settings".to_string()] {
        let res = app.browser.get(&page).await;
        assert_eq!(res.status(), StatusCode::OK, "{page}");
        assert!(!sets_cookie(&res), "{page}: nothing changed, no cookie re-encrypted and re-sent");
    }
}

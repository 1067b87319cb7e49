use std::time::Duration;

use diesel::prelude::*;
use orgportal::db::schema::{invitations, mail_outbox};
use reqwest::StatusCode;

use crate::helpers::{admin_with_org, location, spawn_app_with_smtp, TestApp};
use crate::mail_sink::MailSink;

async fn invite(app: &TestApp, slug: &str, rows: &[(&str, &str)]) -> reqwest::Response {
    let mut fields: Vec<(&str, &str)> = Vec::new();
    for (email, role) in rows {
        fields.push(("email", email));
        fields.push(("role", role));
    }
    app.browser.submit(&format!("/orgs/{slug}/members/invite"), &format!("/orgs/{slug}/invitations"), &fields).await
}

#[tokio::test]
async fn invite_and_accept_over_real_smtp() {
    let sink = MailSink::start();
    let app = spawn_app_with_smtp(sink.port).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;

    let res = invite(&app, &slug, &[("bob@example.com", "Technical user")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let members = app.browser.get_html(&location(&res)).await;
    assert!(members.contains("1 invitation sent."));
    assert!(members.contains("bob@example.com") && members.contains("Resend Email") && members.contains("Revoke"));

    let mail = sink.wait_for("bob@example.com", 1).await;
    assert!(mail.contains("Content-Type: text/plain") && mail.contains("Content-Type: text/html"));
    assert!(mail.contains("Olivia Owner invited you to join"));
    let token = mail.invitation_token();
    assert_eq!(token.len(), 43);
    let mut conn = app.conn();
    let stored: String = invitations::table.select(invitations::token_hash).first(&mut *conn).unwrap();
    assert_ne!(stored, token, "only a hash of the token is stored");

    // Opening the link changes nothing, however often.
    let bob = app.new_browser();
    for _ in 0..2 {
        let page = bob.get_html(&format!("/invitations/{token}")).await;
        assert!(page.contains("Join Acme") && page.contains("Olivia Owner") && page.contains("Technical user"));
        assert!(page.contains("Sign in to accept"));
    }
    let state: String = invitations::table.select(invitations::state).first(&mut *conn).unwrap();
    assert_eq!(state, "pending");

    // Sign in from the invitation and come back to it.
    let next = format!("/auth/dev/start?next=%2Finvitations%2F{token}");
    let res = bob.sign_in_from(&next, "bob@example.com", "Bob Builder").await;
    assert_eq!(location(&res), format!("/invitations/{token}"));
    let page = bob.get_html(&format!("/invitations/{token}")).await;
    assert!(page.contains(">Accept</button>"));
    let res = bob.submit(&format!("/invitations/{token}"), &format!("/invitations/{token}/accept"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/orgs/{slug}"));
    let org = bob.get_html(&format!("/orgs/{slug}")).await;
    assert!(org.contains("<dt>Your role</dt><dd>Technical user</dd>"));
    assert_eq!(app.role_of(&slug, "bob@example.com").as_deref(), Some("Technical user"));
    assert_eq!(app.activity_count("invitation.create"), 1);
    assert_eq!(app.activity_count("invitation.accept"), 1);

    // The used link says so, and cannot be used again.
    let res = bob.get(&format!("/invitations/{token}")).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(res.text().await.unwrap().contains("already been accepted"));
    let res = bob.submit("/getting-started", &format!("/invitations/{token}/accept"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // The delivered mail no longer keeps the link.
    let body: String = mail_outbox::table.select(mail_outbox::body_text).first(&mut *conn).unwrap();
    assert!(body.is_empty());
}

async fn invited(sink: &MailSink, app: &TestApp, slug: &str, email: &str, n: usize) -> String {
    let res = invite(app, slug, &[(email, "Billing")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    sink.wait_for(email, n).await.invitation_token()
}

#[tokio::test]
async fn decline_ends_the_invitation() {
    let sink = MailSink::start();
    let app = spawn_app_with_smtp(sink.port).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let token = invited(&sink, &app, &slug, "dee@example.com", 1).await;
    let dee = app.new_browser();
    let res = dee.submit(&format!("/invitations/{token}"), &format!("/invitations/{token}/decline"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = dee.get(&format!("/invitations/{token}")).await;
    assert_eq!(res.status(), StatusCode::GONE);
    let page = res.text().await.unwrap();
    assert!(page.contains("You declined the invitation to Acme") && page.contains("This invitation was declined."));
    dee.sign_in("dee@example.com", "Dee").await;
    let res = dee.submit("/getting-started", &format!("/invitations/{token}/accept"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(app.role_of(&slug, "dee@example.com"), None);
    assert_eq!(app.activity_count("invitation.decline"), 1);
}

#[tokio::test]
async fn invitations_expire_after_the_configured_time() {
    let sink = MailSink::start();
    // Sessions outlive the week the test skips (they idle out after 7 days by default).
    let app = crate::helpers::spawn_app_with(|s| {
        s.smtp_url = Some(orgportal::config::Secret::new(MailSink::url(sink.port)));
        s.mail_retry_base = Duration::from_millis(200);
        s.session_idle = Duration::from_secs(30 * 24 * 3600);
    })
    .await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let token = invited(&sink, &app, &slug, "eve@example.com", 1).await;
    let eve = app.new_browser();
    eve.sign_in("eve@example.com", "Eve").await;
    assert_eq!(eve.get(&format!("/invitations/{token}")).await.status(), StatusCode::OK);

    app.settings.clock.advance(Duration::from_secs(7 * 24 * 3600 + 60));
    let res = eve.get(&format!("/invitations/{token}")).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(res.text().await.unwrap().contains("This invitation has expired"));
    let res = eve.submit("/getting-started", &format!("/invitations/{token}/accept"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(app.role_of(&slug, "eve@example.com"), None);
    let members = app.browser.get_html(&format!("/orgs/{slug}/members")).await;
    assert!(members.contains(">expired</span>"), "the Members page shows it expired");
    // Inviting the address again works once the old invitation has expired.
    let res = invite(&app, &slug, &[("eve@example.com", "Billing")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn resend_kills_the_old_link_and_revoke_ends_it() {
    let sink = MailSink::start();
    let app = spawn_app_with_smtp(sink.port).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let old = invited(&sink, &app, &slug, "fay@example.com", 1).await;
    let mut conn = app.conn();
    let id: String = invitations::table.select(invitations::id).first(&mut *conn).unwrap();

    let res = app
        .browser
        .submit(&format!("/orgs/{slug}/members"), &format!("/orgs/{slug}/invitations/{id}/resend"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let new = sink.wait_for("fay@example.com", 2).await.invitation_token();
    assert_ne!(old, new);
    let res = app.new_browser().get(&format!("/invitations/{old}")).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(res.text().await.unwrap().contains("A newer invitation was sent"));
    assert_eq!(app.new_browser().get(&format!("/invitations/{new}")).await.status(), StatusCode::OK);

    let new_id: String =
        invitations::table.filter(invitations::state.eq("pending")).select(invitations::id).first(&mut *conn).unwrap();
    let res = app
        .browser
        .submit(&format!("/orgs/{slug}/members"), &format!("/orgs/{slug}/invitations/{new_id}/revoke"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app.new_browser().get(&format!("/invitations/{new}")).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(res.text().await.unwrap().contains("revoked"));
    // A revoked invitation cannot be resent.
    let res = app
        .browser
        .submit(&format!("/orgs/{slug}/members"), &format!("/orgs/{slug}/invitations/{new_id}/resend"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.activity_count("invitation.resend"), 1);
    assert_eq!(app.activity_count("invitation.revoke"), 1);
}

#[tokio::test]
async fn copy_link_shows_a_new_link_once() {
    let sink = MailSink::start();
    let app = spawn_app_with_smtp(sink.port).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let emailed = invited(&sink, &app, &slug, "gil@example.com", 1).await;
    let mut conn = app.conn();
    let id: String = invitations::table.select(invitations::id).first(&mut *conn).unwrap();
    let res =
        app.browser.submit(&format!("/orgs/{slug}/members"), &format!("/orgs/{slug}/invitations/{id}/link"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = app.browser.get_html(&format!("/orgs/{slug}/members")).await;
    let link = crate::helpers::hidden_field(&page.replace("readonly value=", "name=\"link\" value="), "link");
    assert!(link.contains("/invitations/"));
    assert_eq!(app.new_browser().get(&link).await.status(), StatusCode::OK);
    assert_eq!(app.new_browser().get(&format!("/invitations/{emailed}")).await.status(), StatusCode::GONE);
    assert!(!app.browser.get_html(&format!("/orgs/{slug}/members")).await.contains(&link), "shown once");
}

#[tokio::test]
async fn a_different_account_is_told_to_switch() {
    let sink = MailSink::start();
    let app = spawn_app_with_smtp(sink.port).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let token = invited(&sink, &app, &slug, "hal@example.com", 1).await;
    let other = app.new_browser();
    other.sign_in("ivy@example.com", "Ivy").await;
    let page = other.get_html(&format!("/invitations/{token}")).await;
    assert!(page.contains("You are signed in as ivy@example.com") && page.contains("Switch account"));
    assert!(!page.contains(">Accept</button>"));
    let res = other.submit(&format!("/invitations/{token}"), &format!("/invitations/{token}/accept"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("This invitation is for another email address"));
    assert_eq!(app.role_of(&slug, "ivy@example.com"), None);
    // Switch account signs out and goes to sign-in, then back to the invitation.
    let res =
        other.submit(&format!("/invitations/{token}"), "/logout", &[("next", &format!("/invitations/{token}"))]).await;
    assert_eq!(location(&res), format!("/login?next=%2Finvitations%2F{token}"));
}

#[tokio::test]
async fn the_form_takes_at_most_ten_and_keeps_every_row() {
    let sink = MailSink::start();
    let app = spawn_app_with_smtp(sink.port).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let emails: Vec<String> = (1..=11).map(|i| format!("p{i}@example.com")).collect();
    let rows: Vec<(&str, &str)> = emails.iter().map(|e| (e.as_str(), "Billing")).collect();
    let res = invite(&app, &slug, &rows).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("You can invite at most 10 people at a time"));
    for e in &emails {
        assert!(page.contains(&format!("value=\"{e}\"")), "{e} is kept");
    }
    let mut conn = app.conn();
    let n: i64 = invitations::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(n, 0, "nothing is sent");
}

#[tokio::test]
async fn bad_rows_are_refused_one_by_one_and_the_rest_go_out() {
    let sink = MailSink::start();
    let app = spawn_app_with_smtp(sink.port).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let _pending = invited(&sink, &app, &slug, "pending@example.com", 1).await;
    let rows = [
        ("ok1@example.com", "Billing"),
        ("owner@example.com", "Billing"),
        ("pending@example.com", "Billing"),
        ("not-an-address", "Billing"),
        ("ok1@example.com", "View-only"),
        ("ok2@example.com", "View-only"),
    ];
    let res = invite(&app, &slug, &rows).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("Invitations sent to ok1@example.com, ok2@example.com"));
    assert!(page.contains("Already a member of this organization."));
    assert!(page.contains("Already invited; use Resend Email"));
    assert!(page.contains("is not a valid email address"));
    assert!(page.contains("This address is already in the list above."));
    assert!(page.contains("value=\"not-an-address\""), "the bad row is kept");
    assert!(!page.contains("value=\"ok2@example.com\""), "sent rows leave the form");
    let mut conn = app.conn();
    let n: i64 = invitations::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(n, 3);
}

fn outbox_state(app: &TestApp) -> (String, i32, Option<String>) {
    let mut conn = app.conn();
    mail_outbox::table
        .select((mail_outbox::state, mail_outbox::attempts, mail_outbox::last_error))
        .first(&mut *conn)
        .unwrap()
}

#[tokio::test]
async fn mail_survives_smtp_down_and_a_restart() {
    let down = crate::mail_sink::DownServer::start();
    let mut app = spawn_app_with_smtp(down.port()).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let res = invite(&app, &slug, &[("jo@example.com", "Billing")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the invitation is saved while SMTP is down");

    // The worker tries, fails and schedules a retry.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while outbox_state(&app).0 != "retrying" {
        assert!(std::time::Instant::now() < deadline, "no failed attempt recorded: {:?}", outbox_state(&app));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, attempts, error) = outbox_state(&app);
    assert!(attempts >= 1 && error.is_some());
    let members = app.browser.get_html(&format!("/orgs/{slug}/members")).await;
    assert!(members.contains("delivery failed, retrying"));

    // Restart, then bring SMTP up: the mail arrives.
    app.restart().await;
    let sink = down.bring_up();
    let mail = sink.wait_for("jo@example.com", 1).await;
    assert!(mail.contains("/invitations/"));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while outbox_state(&app).0 != "sent" {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sink.received().len(), 1, "delivered once");
}

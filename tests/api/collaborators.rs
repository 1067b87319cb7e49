//! Direct collaborators (Particle's product team): invited by email to one
//! project, reaching it at /shared/{id}, changed, removed, leaving, and
//! replaced by organization access when they join the organization.

use diesel::prelude::*;
use orgportal::db::schema::{mail_outbox, project_grants, project_invitations, projects};
use reqwest::StatusCode;

use crate::helpers::{admin_with_org, hidden_field, location, spawn_app_with_smtp, Browser, TestApp};
use crate::mail_sink::MailSink;
use crate::projects::create;

/// Submits the Team page's invite form.
async fn invite(browser: &Browser, project: &str, email: &str, role: &str) -> reqwest::Response {
    let team = format!("{project}/team");
    browser.submit(&team, &format!("{team}/invite"), &[("email", email), ("role", role)]).await
}

/// Invites `email` and returns the token of the link in the mail.
async fn invited(sink: &MailSink, app: &TestApp, project: &str, email: &str, role: &str, n: usize) -> String {
    let res = invite(&app.browser, project, email, role).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "invited {email}");
    sink.wait_for(email, n).await.invitation_token()
}

/// Signs `email` in a new browser and accepts the invitation; returns the browser and where it landed.
async fn accepts(app: &TestApp, token: &str, email: &str) -> (Browser, String) {
    let browser = app.new_browser();
    browser.sign_in(email, email.split('@').next().unwrap()).await;
    let link = format!("/project-invitations/{token}");
    let res = browser.submit(&link, &format!("{link}/accept"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{email} accepts");
    (browser, location(&res))
}

fn project_id(app: &TestApp, slug: &str) -> String {
    projects::table.filter(projects::slug.eq(slug)).select(projects::id).first(&mut *app.conn()).unwrap()
}

/// (user email, role, direct) of every grant on the project.
fn grants(app: &TestApp, project_id: &str) -> Vec<(String, String, bool)> {
    use orgportal::db::schema::users;
    let mut rows: Vec<(String, String, bool)> = project_grants::table
        .inner_join(users::table.on(users::id.eq(project_grants::user_id)))
        .filter(project_grants::project_id.eq(project_id))
        .select((users::email, project_grants::role, project_grants::direct))
        .load(&mut *app.conn())
        .unwrap();
    rows.sort();
    rows
}

fn invitation_states(app: &TestApp) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = project_invitations::table
        .select((project_invitations::email, project_invitations::state))
        .load(&mut *app.conn())
        .unwrap();
    rows.sort();
    rows
}

#[tokio::test]
async fn an_outsider_is_invited_to_one_project_and_reaches_only_it() {
    let sink = MailSink::start();
    let app = spawn_app_with_smtp(sink.port).await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{acme}/projects");
    create(&app.browser, &base, "Fleet", "").await;
    create(&app.browser, &base, "Other", "").await;
    let fleet = format!("{base}/fleet");

    let res = invite(&app.browser, &fleet, "Carol@Example.com", "Technical user").await;
    assert_eq!(location(&res), format!("{fleet}/team"));
    let team = app.browser.get_html(&format!("{fleet}/team")).await;
    assert!(team.contains("Invitation sent to carol@example.com."));
    assert!(team.contains("Pending invitations") && team.contains("carol@example.com") && team.contains("Revoke"));
    let mail = sink.wait_for("carol@example.com", 1).await;
    assert!(mail.contains("Olivia Owner invited you to the project Fleet"), "subject and body name the project");
    assert!(mail.contains("You get access to this project only."));
    let token = mail.invitation_token();
    let stored: String =
        project_invitations::table.select(project_invitations::token_hash).first(&mut *app.conn()).unwrap();
    assert_ne!(stored, token, "only a hash is kept");
    assert_eq!(token.len(), 43);
    let linked: Option<String> =
        mail_outbox::table.select(mail_outbox::project_invitation_id).first(&mut *app.conn()).unwrap();
    assert!(linked.is_some(), "the mail belongs to the invitation");

    // The link's page changes nothing however often it is opened.
    let anonymous = app.new_browser();
    for _ in 0..2 {
        let page = anonymous.get_html(&format!("/project-invitations/{token}")).await;
        assert!(page.contains("Join Fleet") && page.contains("the project Fleet (Acme)"));
        assert!(page.contains("Sign in to accept") && page.contains("Technical user"));
    }
    assert_eq!(invitation_states(&app), vec![("carol@example.com".into(), "pending".into())]);

    let (carol, landed) = accepts(&app, &token, "carol@example.com").await;
    let id = project_id(&app, "fleet");
    assert_eq!(landed, format!("/shared/{id}"));
    let page = carol.get_html(&landed).await;
    assert!(page.contains("You are now a collaborator on Fleet."));
    assert!(page.contains("direct collaborator (Technical user)") && page.contains("Acme"));
    assert!(carol.get_html("/shared").await.contains(&format!("href=\"/shared/{id}\"")));
    assert_eq!(grants(&app, &id), vec![("carol@example.com".into(), "Technical user".into(), true)]);
    assert_eq!(app.activity_count("project.invite"), 1);
    assert_eq!(app.activity_count("project.invite_accept"), 1);

    // Only this project, and nothing of the organization.
    let other = project_id(&app, "other");
    for path in [format!("/shared/{other}"), format!("/orgs/{acme}"), format!("{base}/other"), fleet.clone()] {
        assert_eq!(carol.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Technical user develops: tokens yes, settings no.
    assert_eq!(carol.get(&format!("/shared/{id}/tokens")).await.status(), StatusCode::OK);
    assert_eq!(carol.get(&format!("/shared/{id}/settings")).await.status(), StatusCode::FORBIDDEN);

    // The team shows them and why; the manager's page offers Remove.
    let team = app.browser.get_html(&format!("{fleet}/team")).await;
    assert!(team.contains("direct collaborator (Technical user)") && team.contains("/remove"));
    assert!(!team.contains("Pending invitations"), "the invitation is answered");

    // A used link says so and cannot be used again.
    let res = carol.get(&format!("/project-invitations/{token}")).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(res.text().await.unwrap().contains("already been accepted"));
    let link = format!("/project-invitations/{token}");
    let res = carol.submit("/shared", &format!("{link}/accept"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // An organization member is not served at /shared: their project is in the organization.
    assert_eq!(app.browser.get(&format!("/shared/{id}")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_invite_form_refuses_bad_input_and_people_who_have_access() {
    let sink = MailSink::start();
    let app = spawn_app_with_smtp(sink.port).await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{acme}/projects");
    create(&app.browser, &base, "Fleet", "").await;
    let fleet = format!("{base}/fleet");
    drop(app.member(&acme, "tess@example.com", "Technical user").await);
    let token = invited(&sink, &app, &fleet, "carol@example.com", "View-only", 1).await;
    accepts(&app, &token, "carol@example.com").await;
    invited(&sink, &app, &fleet, "dan@example.com", "View-only", 1).await;
    let id = project_id(&app, "fleet");
    let before = (grants(&app, &id), invitation_states(&app));

    let cases = [
        ("not-an-address", "View-only", "valid email address"),
        ("new@example.com", "Overlord", "Choose a role."),
        ("tess@example.com", "View-only", "Already a member of Acme"),
        ("owner@example.com", "View-only", "Already a member of Acme"),
        ("carol@example.com", "Admin", "Already a direct collaborator"),
        ("dan@example.com", "Admin", "Already invited"),
    ];
    for (email, role, message) in cases {
        let res = invite(&app.browser, &fleet, email, role).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{email}");
        let html = res.text().await.unwrap();
        assert!(html.contains(message), "{email}: {message}");
        assert!(html.contains(&format!("value=\"{email}\"")), "{email}: the form keeps what was typed");
        assert_eq!((grants(&app, &id), invitation_states(&app)), before, "{email}: nothing changed");
    }
    assert_eq!(sink.received().len(), 2, "no mail for a refused row");

    // Revoked: the link dies and the address can be invited again.
    let team = app.browser.get_html(&format!("{fleet}/team")).await;
    let inv_id: String = project_invitations::table
        .filter(project_invitations::email.eq("dan@example.com"))
        .select(project_invitations::id)
        .first(&mut *app.conn())
        .unwrap();
    let res = app
        .browser
        .post(
            &format!("{fleet}/team/invitations/{inv_id}/revoke"),
            &[("csrf_token", &hidden_field(&team, "csrf_token"))],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.activity_count("project.invite_revoke"), 1);
    let dan_token = sink.wait_for("dan@example.com", 1).await.invitation_token();
    let res = app.new_browser().get(&format!("/project-invitations/{dan_token}")).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert_eq!(invite(&app.browser, &fleet, "dan@example.com", "Admin").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn only_the_invited_verified_address_accepts_and_expired_links_are_dead() {
    let sink = MailSink::start();
    let app = crate::helpers::spawn_app_with(|s| {
        s.smtp_url = Some(orgportal::config::Secret::new(MailSink::url(sink.port)));
        s.mail_retry_base = std::time::Duration::from_millis(200);
        s.session_idle = std::time::Duration::from_secs(30 * 24 * 3600);
    })
    .await;
    app.browser.sign_in("ada@example.com", "Ada").await;
    create(&app.browser, "/personal/projects", "Notes", "").await;
    let notes = "/personal/projects/notes";
    let token = invited(&sink, &app, notes, "carol@example.com", "Admin", 1).await;
    let link = format!("/project-invitations/{token}");

    let mallory = app.new_browser();
    mallory.sign_in("mallory@example.com", "Mallory").await;
    let page = mallory.get_html(&link).await;
    assert!(page.contains("You are signed in as mallory@example.com") && page.contains("Switch account"));
    assert!(page.contains("the project Notes (Ada’s personal space)"));
    let res = mallory.submit(&link, &format!("{link}/accept"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("This invitation is for another email address"));
    let id = project_id(&app, "notes");
    assert!(grants(&app, &id).is_empty(), "nothing granted");

    app.settings.clock.advance(std::time::Duration::from_secs(7 * 24 * 3600 + 60));
    let carol = app.new_browser();
    carol.sign_in("carol@example.com", "Carol").await;
    let res = carol.get(&link).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(res.text().await.unwrap().contains("This invitation has expired"));
    let res = carol.submit("/shared", &format!("{link}/accept"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(grants(&app, &id).is_empty());
    let team = app.browser.get_html(&format!("{notes}/team")).await;
    assert!(team.contains(">expired</span>"), "the Team page shows it expired");

    // Declining needs no account and ends the invitation.
    let token = invited(&sink, &app, notes, "carol@example.com", "Admin", 2).await;
    let link = format!("/project-invitations/{token}");
    let anonymous = app.new_browser();
    let res = anonymous.submit(&link, &format!("{link}/decline"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = anonymous.get(&link).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(res.text().await.unwrap().contains("This invitation was declined."));
    let res = carol.submit("/shared", &format!("{link}/accept"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(grants(&app, &id).is_empty());
}

#[tokio::test]
async fn managers_change_and_remove_collaborators_who_may_also_leave() {
    let sink = MailSink::start();
    let app = spawn_app_with_smtp(sink.port).await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{acme}/projects");
    create(&app.browser, &base, "Fleet", "").await;
    let fleet = format!("{base}/fleet");
    let id = project_id(&app, "fleet");
    let token = invited(&sink, &app, &fleet, "carol@example.com", "View-only", 1).await;
    let (carol, _) = accepts(&app, &token, "carol@example.com").await;
    let token = invited(&sink, &app, &fleet, "dan@example.com", "Technical user", 1).await;
    let (dan, _) = accepts(&app, &token, "dan@example.com").await;
    let (carol_id, dan_id) = (app.user_id("carol@example.com"), app.user_id("dan@example.com"));
    let shared = format!("/shared/{id}");

    // A collaborator without projects.manage changes nothing.
    let before = grants(&app, &id);
    let csrf = hidden_field(&dan.get_html(&format!("{shared}/team")).await, "csrf_token");
    for (action, fields) in [
        (format!("{shared}/team/{carol_id}"), vec![("role", "Admin"), ("direct", "true")]),
        (format!("{shared}/team/{carol_id}/remove"), vec![]),
        (format!("{shared}/team/invite"), vec![("email", "eve@example.com"), ("role", "Admin")]),
    ] {
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend(fields);
        assert_eq!(dan.post(&action, &all).await.status(), StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(grants(&app, &id), before);

    // The manager changes a role; "default" and "none" are not a collaborator's choices.
    let team = format!("{fleet}/team");
    let res = app.browser.submit(&team, &format!("{team}/{carol_id}"), &[("role", "Admin"), ("direct", "true")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(grants(&app, &id).contains(&("carol@example.com".into(), "Admin".into(), true)));
    assert!(carol.get_html(&shared).await.contains("direct collaborator (Admin)"));
    let res =
        app.browser.submit(&team, &format!("{team}/{carol_id}"), &[("role", "=default"), ("direct", "true")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("Choose a role; to take their access away, use Remove."));
    assert_eq!(app.activity_count("project.collaborator_role"), 1);

    // As Admin, Carol manages the project through /shared, but may not transfer it away.
    assert_eq!(carol.get(&format!("{shared}/settings")).await.status(), StatusCode::OK);
    let res = carol.get(&format!("{shared}/transfer")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("Only Acme can transfer this project"));

    // Dan leaves; the manager removes Carol.
    let res = dan.submit(&format!("{shared}/team"), &format!("{shared}/leave"), &[]).await;
    assert_eq!(location(&res), "/shared");
    assert!(dan.get_html("/shared").await.contains("You left the project Fleet."));
    assert_eq!(dan.get(&shared).await.status(), StatusCode::NOT_FOUND);
    let res = app.browser.submit(&team, &format!("{team}/{carol_id}/remove"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(carol.get(&shared).await.status(), StatusCode::NOT_FOUND);
    assert!(grants(&app, &id).is_empty());
    assert_eq!(app.activity_count("project.leave"), 1);
    assert_eq!(app.activity_count("project.collaborator_remove"), 1);
    let log = app.browser.get_html(&format!("/orgs/{acme}/activity")).await;
    assert!(log.contains("project.leave") && log.contains("dan@example.com"));

    // A member has nothing to leave, and removing a member is not how their access goes.
    let tess = app.member(&acme, "tess@example.com", "Technical user").await;
    let res = tess.submit(&fleet, &format!("{fleet}/leave"), &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let tess_id = app.user_id("tess@example.com");
    let res = app.browser.submit(&team, &format!("{team}/{tess_id}/remove"), &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.role_of(&acme, "tess@example.com").as_deref(), Some("Technical user"));
    let _ = dan_id;
}

#[tokio::test]
async fn joining_the_organization_replaces_direct_access_and_the_invite_form_says_so() {
    let sink = MailSink::start();
    let app = spawn_app_with_smtp(sink.port).await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{acme}/projects");
    for name in ["Fleet", "Radar", "Quiet"] {
        create(&app.browser, &base, name, "").await;
    }
    let token = invited(&sink, &app, &format!("{base}/fleet"), "carol@example.com", "Admin", 1).await;
    let (carol, _) = accepts(&app, &token, "carol@example.com").await;
    let token = invited(&sink, &app, &format!("{base}/radar"), "carol@example.com", "View-only", 2).await;
    let link = format!("/project-invitations/{token}");
    carol.submit(&link, &format!("{link}/accept"), &[]).await;

    // The organization's invite form holds the row back with the warning.
    let invite_page = format!("/orgs/{acme}/members/invite");
    let form = [("email", "carol@example.com"), ("role", "Technical user")];
    let res = app.browser.submit(&invite_page, &format!("/orgs/{acme}/invitations"), &form).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("carol@example.com has direct access to 2 projects; it will be replaced"));
    assert!(html.contains("Invite anyway") && html.contains("value=\"carol@example.com\""));
    let pending: i64 = orgportal::db::schema::invitations::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(pending, 0, "not sent before confirming");

    let confirmed = [("email", "carol@example.com"), ("role", "Technical user"), ("replace", "carol@example.com")];
    let res = app.browser.submit(&invite_page, &format!("/orgs/{acme}/invitations"), &confirmed).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let org_token = sink.wait_for("carol@example.com", 3).await.invitation_token();
    let link = format!("/invitations/{org_token}");
    let res = carol.submit(&link, &format!("{link}/accept"), &[]).await;
    assert_eq!(location(&res), format!("/orgs/{acme}"));

    for slug in ["fleet", "radar"] {
        assert!(grants(&app, &project_id(&app, slug)).is_empty(), "{slug}: the direct grant is gone");
    }
    assert_eq!(app.activity_count("project.direct_replaced"), 2);
    let page = carol.get_html(&format!("{base}/fleet")).await;
    assert!(page.contains("organization role Technical user"), "organization access now");
    assert!(carol.get_html("/shared").await.contains("Nothing is shared with you yet."));
}

#[tokio::test]
async fn a_personal_project_is_shared_and_keeps_collaborators_through_a_transfer() {
    let sink = MailSink::start();
    let app = spawn_app_with_smtp(sink.port).await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    create(&app.browser, "/personal/projects", "Notes", "").await;
    let notes = "/personal/projects/notes";
    let token = invited(&sink, &app, notes, "carol@example.com", "Technical user", 1).await;
    let (carol, landed) = accepts(&app, &token, "carol@example.com").await;
    let id = project_id(&app, "notes");
    assert_eq!(landed, format!("/shared/{id}"));
    let page = carol.get_html(&landed).await;
    assert!(page.contains("Olivia Owner’s personal space"));
    let theirs = carol.get_html(&format!("{landed}/team")).await;
    assert!(theirs.contains("The owner of Olivia Owner’s personal space may do everything in it."));
    assert!(theirs.contains("Leave this project") && !theirs.contains("Invite a collaborator"));
    let team = app.browser.get_html(&format!("{notes}/team")).await;
    assert!(team.contains("Others reach this project only as direct collaborators."));
    assert!(team.contains("carol@example.com") && team.contains("direct collaborator (Technical user)"));
    let token = invited(&sink, &app, notes, "tess@example.com", "View-only", 1).await;
    accepts(&app, &token, "tess@example.com").await;
    app.join(&acme, "tess@example.com", "View-only");

    // Moving it into Acme: Carol keeps her direct access, Tess (a member) gets Acme's.
    let transfer = format!("{notes}/transfer");
    let form = app.browser.get_html(&transfer).await;
    assert!(form.contains("Its 2 direct collaborators keep access, except one who is a member"));
    let res = app.browser.submit(&transfer, &transfer, &[("to", &acme)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(grants(&app, &id), vec![("carol@example.com".into(), "Technical user".into(), true)]);
    assert!(carol.get_html(&format!("/shared/{id}")).await.contains("Acme"));
    assert_eq!(app.activity_count("project.direct_replaced"), 1);

    // Deleting Carol's account takes her grant with it.
    let settings = "/settings/delete";
    let res = carol.submit(settings, settings, &[("confirm_email", "carol@example.com")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(grants(&app, &id).is_empty());
}

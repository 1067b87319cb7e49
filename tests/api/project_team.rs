//! Who reaches a project of an organization: the member's default project
//! role, a role set on one project, and the Team page that says why.

use reqwest::StatusCode;

use crate::helpers::{admin_with_org, spawn_app};
use crate::projects::create;

#[tokio::test]
async fn the_default_project_role_cascades_and_admins_keep_theirs() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{slug}/projects");
    create(&app.browser, &base, "Fleet", "").await;
    let project = format!("{base}/fleet");
    let tess = app.member(&slug, "tess@example.com", "Technical user").await;
    let bill = app.member(&slug, "bill@example.com", "Billing").await;
    let admin2 = app.member(&slug, "ann@example.com", "Admin").await;
    let set = |email: &str, value: &str| {
        let user_id = app.user_id(email);
        let (slug, value) = (slug.clone(), value.to_string());
        let browser = app.browser.clone();
        async move {
            let edit = format!("/orgs/{slug}/members/{user_id}/edit");
            let res = browser
                .submit(
                    &edit,
                    &format!("/orgs/{slug}/members/{user_id}/project-role"),
                    &[("default_project_role", &value)],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
        }
    };

    assert!(tess.get_html(&project).await.contains("organization role Technical user"));
    set("tess@example.com", "").await;
    assert_eq!(tess.get(&project).await.status(), StatusCode::NOT_FOUND, "default: none");
    assert!(!tess.get_html(&base).await.contains(&format!("href=\"{project}\"")), "not listed either");
    set("tess@example.com", "View-only").await;
    assert!(tess.get_html(&project).await.contains("default project role View-only"));
    set("tess@example.com", "=same").await;
    assert!(tess.get_html(&project).await.contains("organization role Technical user"));

    assert_eq!(bill.get(&project).await.status(), StatusCode::NOT_FOUND, "Billing cannot view projects");
    set("bill@example.com", "Technical user").await;
    assert!(bill.get_html(&project).await.contains("default project role Technical user"));

    set("ann@example.com", "").await;
    assert!(admin2.get_html(&project).await.contains("organization role Admin"), "an admin keeps access");
    let edit = app.browser.get_html(&format!("/orgs/{slug}/members/{}/edit", app.user_id("ann@example.com"))).await;
    assert!(edit.contains("<option value=\"\" selected>None (do not add)</option>"), "the page shows the choice");

    // Only projects.manage sets it; the change is in the log.
    let tess_id = app.user_id("tess@example.com");
    let token = crate::helpers::hidden_field(&tess.get_html(&base).await, "csrf_token");
    let res = tess
        .post(
            &format!("/orgs/{slug}/members/{tess_id}/project-role"),
            &[("csrf_token", &token), ("default_project_role", "Admin")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(tess.get_html(&project).await.contains("organization role Technical user"), "unchanged");
    assert_eq!(app.activity_count("member.project_role"), 5);
}

#[tokio::test]
async fn a_role_set_on_one_project_wins_and_the_team_page_says_why() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{slug}/projects");
    create(&app.browser, &base, "Fleet", "").await;
    create(&app.browser, &base, "Other", "").await;
    let (fleet, other) = (format!("{base}/fleet"), format!("{base}/other"));
    let tess = app.member(&slug, "tess@example.com", "Technical user").await;
    app.member(&slug, "bill@example.com", "Billing").await;
    let tess_id = app.user_id("tess@example.com");
    let set = |role: &'static str| {
        let (browser, fleet, tess_id) = (app.browser.clone(), fleet.clone(), tess_id.clone());
        async move { browser.submit(&format!("{fleet}/team"), &format!("{fleet}/team/{tess_id}"), &[("role", role)]).await }
    };
    let edit = format!("/orgs/{slug}/members/{tess_id}/edit");
    let res = app
        .browser
        .submit(&edit, &format!("/orgs/{slug}/members/{tess_id}/project-role"), &[("default_project_role", "")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(tess.get(&fleet).await.status(), StatusCode::NOT_FOUND);

    assert_eq!(set("View-only").await.status(), StatusCode::SEE_OTHER);
    assert!(tess.get_html(&fleet).await.contains("View-only, set on this project"), "set on the project wins");
    assert_eq!(tess.get(&other).await.status(), StatusCode::NOT_FOUND, "only on that project");
    let listed = tess.get_html(&base).await;
    assert!(listed.contains(&format!("href=\"{fleet}\"")) && !listed.contains(&format!("href=\"{other}\"")));

    let team = app.browser.get_html(&format!("{fleet}/team")).await;
    assert!(team.contains("View-only, set on this project") && team.contains("No access"));
    assert!(team.contains("Keeps the organization role"), "the admin's row");
    let found = app.browser.get_html(&format!("{fleet}/team?q=TESS")).await;
    assert!(found.contains("tess@example.com") && !found.contains("bill@example.com"), "search");

    // A member who may not manage projects cannot set roles; nothing changes.
    let token = crate::helpers::hidden_field(&tess.get_html(&fleet).await, "csrf_token");
    let res = tess.post(&format!("{fleet}/team/{tess_id}"), &[("csrf_token", &token), ("role", "Admin")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(tess.get_html(&fleet).await.contains("View-only, set on this project"));
    // Nor can another organization's admin, through its own URLs or Acme's.
    let zed = app.new_browser();
    zed.sign_in("zed@example.com", "Zed").await;
    let zeds = zed.create_org("Zed Co").await;
    let res =
        zed.submit(&format!("/orgs/{zeds}/projects"), &format!("{fleet}/team/{tess_id}"), &[("role", "Admin")]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    assert_eq!(set("").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(tess.get(&fleet).await.status(), StatusCode::NOT_FOUND, "none on this project");
    assert_eq!(set("=default").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(tess.get(&fleet).await.status(), StatusCode::NOT_FOUND, "back to the default: none");
    assert_eq!(app.activity_count("project.member_role"), 3);
}

/// The first Team page and the project's invitations are kept per project
/// (issue 33): every change shows on the next request, whichever instance or
/// tool made it, and a kept invitation that runs out shows as expired.
#[tokio::test]
async fn the_kept_team_page_shows_every_change_on_the_next_request() {
    use diesel::prelude::*;
    use orgportal::db::schema::{memberships, project_grants, project_invitations, projects, users};
    let week = std::time::Duration::from_secs(7 * 24 * 3600);
    let app = crate::helpers::spawn_app_with(|s| (s.session_idle, s.session_max) = (week * 4, week * 4)).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{slug}/projects");
    create(&app.browser, &base, "Fleet", "").await;
    let team = format!("{base}/fleet/team");
    app.member(&slug, "tess@example.com", "Technical user").await;
    let (org_id, tess_id) = (app.org_id(&slug), app.user_id("tess@example.com"));
    let project_id: String =
        projects::table.filter(projects::slug.eq("fleet")).select(projects::id).first(&mut *app.conn()).unwrap();
    let browser = app.browser.clone();
    let row = move |email: &'static str| {
        let (browser, team) = (browser.clone(), team.clone());
        async move {
            let page = browser.get_html(&team).await;
            let Some(at) = page.find(&format!("{email}</td>")) else { return String::new() };
            let start = page[..at].rfind("<tr>").unwrap();
            page[start..at + page[at..].find("</tr>").unwrap()].to_string()
        }
    };
    assert!(row("tess@example.com").await.contains("organization role Technical user"));

    // A role set on the project on another instance.
    let other = app.second_instance().await;
    let there = app.browser.at(&other.address);
    let team = format!("{base}/fleet/team");
    let res = there.submit(&team, &format!("{team}/{tess_id}"), &[("role", "View-only")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(row("tess@example.com").await.contains("View-only, set on this project"));

    // Behind the portal's back: the role on the project removed, the organization role changed.
    let grant = project_grants::table.find((&project_id, &tess_id));
    diesel::delete(grant).execute(&mut *app.conn()).unwrap();
    assert!(row("tess@example.com").await.contains("organization role Technical user"));
    diesel::update(memberships::table.find((&org_id, &tess_id)))
        .set(memberships::role.eq("View-only"))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(row("tess@example.com").await.contains("organization role View-only"));

    // A direct collaborator written into the database, then renamed.
    app.new_browser().sign_in("cara@partner.example", "Cara").await;
    let cara_id = app.user_id("cara@partner.example");
    diesel::insert_into(project_grants::table)
        .values((
            project_grants::project_id.eq(&project_id),
            project_grants::user_id.eq(&cara_id),
            project_grants::role.eq("View-only"),
            project_grants::direct.eq(true),
            project_grants::created_at.eq(app.settings.clock.now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(row("cara@partner.example").await.contains("Cara"));
    diesel::update(users::table.find(&cara_id)).set(users::name.eq("Cara Renamed")).execute(&mut *app.conn()).unwrap();
    assert!(row("cara@partner.example").await.contains("Cara Renamed"), "a collaborator is not a member");

    // An invitation through the form, revoked behind the portal's back;
    // another one kept while the clock runs past its end.
    let invite = |email: &'static str| {
        let (browser, team) = (app.browser.clone(), team.clone());
        async move { browser.submit(&team, &format!("{team}/invite"), &[("email", email), ("role", "View-only")]).await }
    };
    assert_eq!(invite("dan@partner.example").await.status(), StatusCode::SEE_OTHER);
    assert!(!row("dan@partner.example").await.is_empty());
    diesel::update(project_invitations::table.filter(project_invitations::email.eq("dan@partner.example")))
        .set(project_invitations::state.eq("revoked"))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(row("dan@partner.example").await.is_empty());
    assert_eq!(invite("eve@partner.example").await.status(), StatusCode::SEE_OTHER);
    assert!(!row("eve@partner.example").await.contains("expired"));
    app.settings.clock.advance(week + std::time::Duration::from_secs(60));
    assert!(row("eve@partner.example").await.contains("expired"));
}

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

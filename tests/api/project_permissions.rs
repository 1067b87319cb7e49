//! Every project route, tried by everyone who must not use it: each role of
//! the default catalog without the permission, a member whose default project
//! role is none, a non-member, another organization's admin (through Acme's
//! URLs and its own), and for personal projects someone else. Refusals leave
//! the database as it was.

use diesel::prelude::*;
use orgportal::db::schema::{activity, project_grants, project_invitations, project_tokens, projects};
use reqwest::StatusCode;

use crate::helpers::{admin_with_org, hidden_field, Browser, TestApp};

/// Projects (name, URL name, organization), grants (project, user, role,
/// direct), project invitations (email, state), then how many tokens and
/// project activity rows.
type Snapshot =
    (Vec<(String, String, Option<String>)>, Vec<(String, String, String, bool)>, Vec<(String, String)>, i64, i64);

/// What a refused request must not change.
fn snapshot(app: &TestApp) -> Snapshot {
    let mut conn = app.conn();
    let mut rows: Vec<(String, String, Option<String>)> =
        projects::table.select((projects::name, projects::slug, projects::org_id)).load(&mut *conn).unwrap();
    rows.sort();
    let mut grants: Vec<(String, String, String, bool)> = project_grants::table
        .select((project_grants::project_id, project_grants::user_id, project_grants::role, project_grants::direct))
        .load(&mut *conn)
        .unwrap();
    grants.sort();
    let mut invitations: Vec<(String, String)> = project_invitations::table
        .select((project_invitations::email, project_invitations::state))
        .load(&mut *conn)
        .unwrap();
    invitations.sort();
    let tokens = project_tokens::table.count().get_result(&mut *conn).unwrap();
    let log = activity::table.filter(activity::action.like("project.%")).count().get_result(&mut *conn).unwrap();
    (rows, grants, invitations, tokens, log)
}

async fn csrf(browser: &Browser) -> String {
    hidden_field(&browser.get_html("/getting-started").await, "csrf_token")
}

#[tokio::test]
async fn nobody_without_the_permission_reaches_a_project_route() {
    let app = crate::helpers::spawn_app().await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{acme}/projects");
    app.browser.submit(&format!("{base}/new"), &base, &[("name", "Fleet"), ("slug", ""), ("description", "")]).await;
    let p = format!("{base}/fleet");
    let page = format!("{p}/tokens");
    app.browser.submit(&page, &page, &[("name", "Deploy")]).await;
    let token_id: String = project_tokens::table.select(project_tokens::id).first(&mut *app.conn()).unwrap();
    let target = app.member(&acme, "target@example.com", "Technical user").await;
    drop(target);
    let target_id = app.user_id("target@example.com");
    let zeta = app.browser.create_org("Zeta").await;
    // A direct collaborator (View-only) and a pending project invitation.
    let team = format!("{p}/team");
    let res = app
        .browser
        .submit(&team, &format!("{team}/invite"), &[("email", "carol@example.com"), ("role", "View-only")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let invitation_id: String =
        project_invitations::table.select(project_invitations::id).first(&mut *app.conn()).unwrap();
    let collaborator = app.new_browser();
    collaborator.sign_in("dan@example.com", "Dan").await;
    let collab_id = app.user_id("dan@example.com");
    let project_id: String = projects::table.select(projects::id).first(&mut *app.conn()).unwrap();
    diesel::insert_into(project_grants::table)
        .values((
            project_grants::project_id.eq(&project_id),
            project_grants::user_id.eq(&collab_id),
            project_grants::role.eq("View-only"),
            project_grants::direct.eq(true),
            project_grants::created_at.eq(app.settings.clock.now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();

    let tech = app.member(&acme, "tech@example.com", "Technical user").await;
    let billing = app.member(&acme, "billing@example.com", "Billing").await;
    let viewer = app.member(&acme, "viewer@example.com", "View-only").await;
    let none = app.member(&acme, "none@example.com", "Technical user").await;
    let none_id = app.user_id("none@example.com");
    let edit = format!("/orgs/{acme}/members/{none_id}/edit");
    let res = app
        .browser
        .submit(&edit, &format!("/orgs/{acme}/members/{none_id}/project-role"), &[("default_project_role", "")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let stranger = app.new_browser();
    stranger.sign_in("stranger@example.com", "Stranger").await;
    let other_admin = app.new_browser();
    other_admin.sign_in("olga@example.com", "Olga").await;
    let olgas = other_admin.create_org("Olga Co").await;

    // (route, action, fields); GET pages are tried too.
    let posts: Vec<crate::permissions::Route> = vec![
        ("create", base.clone(), vec![("name", "Mine".into()), ("slug", "".into()), ("description", "".into())]),
        (
            "rename",
            format!("{p}/settings"),
            vec![("name", "Taken".into()), ("slug", "taken".into()), ("description", "".into())],
        ),
        ("delete", format!("{p}/delete"), vec![("confirm_name", "Fleet".into())]),
        ("set role", format!("{p}/team/{target_id}"), vec![("role", "Admin".into())]),
        ("transfer", format!("{p}/transfer"), vec![("to", zeta.clone())]),
        ("new token", format!("{p}/tokens"), vec![("name", "Mine".into())]),
        ("revoke token", format!("{p}/tokens/{token_id}/revoke"), vec![]),
        (
            "invite collaborator",
            format!("{team}/invite"),
            vec![("email", "eve@example.com".into()), ("role", "Admin".into())],
        ),
        ("revoke invitation", format!("{team}/invitations/{invitation_id}/revoke"), vec![]),
        ("collaborator role", format!("{team}/{collab_id}"), vec![("role", "Admin".into()), ("direct", "true".into())]),
        ("remove collaborator", format!("{team}/{collab_id}/remove"), vec![]),
    ];
    let gets = [
        ("new form", format!("{base}/new")),
        ("settings", format!("{p}/settings")),
        ("transfer form", format!("{p}/transfer")),
        ("tokens", format!("{p}/tokens")),
    ];
    // Who, their browser, and what each route answers them: 403 where they may
    // see the project but lack the permission, 404 where they may not see it.
    let f = StatusCode::FORBIDDEN;
    let n = StatusCode::NOT_FOUND;
    let (ok, moved) = (StatusCode::OK, StatusCode::SEE_OTHER);
    let actors: [(&str, &Browser, [StatusCode; 11], [StatusCode; 4]); 7] = [
        // Technical user: views and develops (may create tokens; refused the rest).
        ("Technical user", &tech, [f, f, f, f, f, ok, moved, f, f, f, f], [f, f, f, ok]),
        ("Billing", &billing, [f, n, n, n, n, n, n, n, n, n, n], [f, n, n, n]),
        ("View-only", &viewer, [f; 11], [f, f, f, f]),
        ("member with none", &none, [f, n, n, n, n, n, n, n, n, n, n], [f, n, n, n]),
        ("non-member", &stranger, [n; 11], [n; 4]),
        ("another organization's admin", &other_admin, [n; 11], [n; 4]),
        // Through the organization's URLs a direct collaborator is a non-member.
        ("direct collaborator", &collaborator, [n; 11], [n; 4]),
    ];
    for (who, browser, post_expected, get_expected) in actors {
        for ((route, action, fields), expected) in posts.iter().zip(post_expected) {
            if *who == *"Technical user" && (*route == "new token" || *route == "revoke token") {
                continue; // allowed: checked below
            }
            let token = csrf(browser).await;
            let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
            all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            let (route, action) = (*route, action.as_str());
            let before = snapshot(&app);
            let status = browser.post(action, &all).await.status();
            assert_eq!(status, expected, "{who} → {route}");
            assert_eq!(snapshot(&app), before, "{who} → {route}: nothing changed");
        }
        for ((page, path), expected) in gets.iter().zip(get_expected) {
            assert_eq!(browser.get(path).await.status(), expected, "{who} → {page}");
        }
    }
    // Another organization's admin through their own organization's URLs: still 404.
    for path in [format!("/orgs/{olgas}/projects/fleet"), format!("/orgs/{olgas}/projects/fleet/settings")] {
        assert_eq!(other_admin.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // At /shared, the View-only collaborator sees the project and changes nothing of it.
    let shared = format!("/shared/{project_id}");
    assert_eq!(collaborator.get(&shared).await.status(), StatusCode::OK);
    for path in ["settings", "transfer", "tokens"] {
        assert_eq!(collaborator.get(&format!("{shared}/{path}")).await.status(), f, "collaborator → {path}");
    }
    let token = csrf(&collaborator).await;
    let before = snapshot(&app);
    for (route, action, fields) in &posts[1..] {
        let action = action.replace(&p, &shared);
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(collaborator.post(&action, &all).await.status(), f, "collaborator at /shared → {route}");
    }
    assert_eq!(snapshot(&app), before, "the collaborator changed nothing");
    // Nobody else is served at /shared: members have the project in their organization.
    for browser in [&tech, &stranger, &other_admin] {
        assert_eq!(browser.get(&shared).await.status(), n);
    }

    // The Technical user may manage tokens (projects.develop), nothing more.
    let res = tech.submit(&page, &page, &[("name", "Tech's")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(snapshot(&app).0.len(), 1, "still one project");
    drop(collaborator);
}

#[tokio::test]
async fn someone_elses_personal_projects_are_out_of_reach() {
    let app = crate::helpers::spawn_app().await;
    app.browser.sign_in("ada@example.com", "Ada").await;
    app.browser
        .submit("/personal/projects/new", "/personal/projects", &[("name", "Notes"), ("slug", ""), ("description", "")])
        .await;
    let bob = app.new_browser();
    bob.sign_in("bob@example.com", "Bob").await;
    let before = snapshot(&app);
    for path in [
        "/personal/projects/notes",
        "/personal/projects/notes/settings",
        "/personal/projects/notes/team",
        "/personal/projects/notes/tokens",
    ] {
        assert_eq!(bob.get(path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let token = csrf(&bob).await;
    for (action, field) in [
        ("/personal/projects/notes/delete", ("confirm_name", "Notes")),
        ("/personal/projects/notes/tokens", ("name", "x")),
    ] {
        let res = bob.post(action, &[("csrf_token", &token), field]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{action}");
    }
    assert_eq!(snapshot(&app), before, "Ada's project untouched");
}

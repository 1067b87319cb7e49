use diesel::prelude::*;
use orgportal::db::schema::{activity, memberships, organizations};
use orgportal::domain::OrgLimit;
use reqwest::StatusCode;

use crate::helpers::{location, spawn_app, spawn_app_with};

#[tokio::test]
async fn create_an_organization_and_see_its_page() {
    let app = spawn_app().await;
    app.browser.sign_in("owner@example.com", "Olivia Owner").await;
    let res = app.browser.submit("/orgs/new", "/orgs", &[("name", "  Acme Corp  "), ("slug", "")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/orgs/acme-corp");

    let page = app.browser.get_html("/orgs/acme-corp").await;
    assert!(page.contains("Organization created."));
    assert!(page.contains("<h1>Acme Corp</h1>"));
    assert!(page.contains("<code>acme-corp</code>"));
    assert!(page.contains("Olivia Owner"));
    assert!(page.contains("<dt>Members</dt><dd><a href=\"/orgs/acme-corp/members\">1</a></dd>"), "{page}");
    assert!(page.contains("<dt>Your role</dt><dd>Admin</dd>"));
    let year = app.settings.clock.now().year().to_string();
    assert!(page.contains(&year), "shows the creation date");
    // The flash shows once.
    assert!(!app.browser.get_html("/orgs/acme-corp").await.contains("Organization created."));

    let mut conn = app.conn();
    let (name, slug): (String, String) =
        organizations::table.select((organizations::name, organizations::slug)).first(&mut *conn).unwrap();
    assert_eq!((name.as_str(), slug.as_str()), ("Acme Corp", "acme-corp"));
    let role: String = memberships::table.select(memberships::role).first(&mut *conn).unwrap();
    assert_eq!(role, "Admin");
    let created: i64 = activity::table
        .filter(activity::action.eq("org.create"))
        .filter(activity::target.eq("Acme Corp"))
        .filter(activity::org_id.is_not_null())
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(created, 1);

    // Listed on Getting Started and in the header switcher.
    let gs = app.browser.get_html("/getting-started").await;
    assert!(gs.contains("href=\"/orgs/acme-corp\""));
    assert!(gs.contains("View Organization"));
}

#[tokio::test]
async fn names_are_escaped() {
    let app = spawn_app().await;
    app.browser.sign_in("x@example.com", "X").await;
    let slug = app.browser.create_org("<script>alert(1)</script>").await;
    let page = app.browser.get_html(&format!("/orgs/{slug}")).await;
    assert!(!page.contains("<script>alert(1)</script>"));
    assert!(page.contains("<h1>&#60;script&#62;alert(1)&#60;/script&#62;</h1>"), "shown, escaped");
}

#[tokio::test]
async fn invalid_names_are_refused_next_to_the_field_and_kept() {
    let app = spawn_app().await;
    app.browser.sign_in("y@example.com", "Y").await;
    let res = app.browser.submit("/orgs/new", "/orgs", &[("name", "   "), ("slug", "my-team")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"name-error\">Enter a name for the organization."), "{page}");
    assert!(page.contains("value=\"my-team\""), "the slug the user typed is kept");

    let long = "n".repeat(101);
    let res = app.browser.submit("/orgs/new", "/orgs", &[("name", &long), ("slug", "")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("at most 100 characters"));
    assert!(page.contains(&format!("value=\"{long}\"")), "the name is kept");

    let ok = "n".repeat(100);
    let res = app.browser.submit("/orgs/new", "/orgs", &[("name", &ok), ("slug", "")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let mut conn = app.conn();
    let count: i64 = organizations::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(count, 1, "only the valid organization was saved");
}

#[tokio::test]
async fn slugs_are_validated_unique_and_derived() {
    let app = spawn_app().await;
    app.browser.sign_in("z@example.com", "Z").await;
    let res = app.browser.submit("/orgs/new", "/orgs", &[("name", "Team"), ("slug", "Bad Slug!")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("id=\"slug-error\">Use only lower-case letters"));

    let res = app.browser.submit("/orgs/new", "/orgs", &[("name", "Team"), ("slug", "new")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "`new` would shadow /orgs/new");

    assert_eq!(app.browser.create_org("Team").await, "team");
    assert_eq!(app.browser.create_org("Team").await, "team-2", "a derived slug gets a suffix");
    let res = app.browser.submit("/orgs/new", "/orgs", &[("name", "Other"), ("slug", "team")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("That URL name is taken"));
    assert!(page.contains("value=\"Other\""));
    assert_eq!(
        app.browser.create_org("!!!").await.len(),
        "org-xxxxxx".len(),
        "a name with no letters gets a generated slug"
    );
}

#[tokio::test]
async fn single_organization_policy() {
    let app = spawn_app_with(|s| s.organizations_per_user = OrgLimit::AtMost(1)).await;
    let gs = app.browser.sign_in("p@example.com", "Pat").await;
    assert!(gs.contains("Add Organization"));
    let slug = app.browser.create_org("Percona Fans").await;

    let gs = app.browser.get_html("/getting-started").await;
    assert!(gs.contains("View Organization"));
    assert!(gs.contains("View your organization"));
    assert!(!gs.contains("href=\"/orgs/new\" class") && !gs.contains("<a class=\"button\" href=\"/orgs/new\">"));

    let page = app.browser.get_html("/orgs/new").await;
    assert!(page.contains("each account can belong to only one"));
    assert!(page.contains(&format!("href=\"/orgs/{slug}\"")));
    assert!(!page.contains("name=\"name\""), "no form is offered");

    // The CSRF token of any page of this session is valid for the form.
    let res = app.browser.submit("/getting-started", "/orgs", &[("name", "Second"), ("slug", "")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("each account can belong to only one"));
    let mut conn = app.conn();
    let count: i64 = organizations::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn several_organizations_are_listed_and_switchable() {
    let app = spawn_app().await;
    app.browser.sign_in("m@example.com", "Max").await;
    let a = app.browser.create_org("Alpha").await;
    let b = app.browser.create_org("Beta").await;
    let page = app.browser.get_html(&format!("/orgs/{a}")).await;
    assert!(page.contains(&format!("href=\"/orgs/{b}\"")), "the switcher lists the other organization");
    assert!(page.contains(&format!("href=\"/orgs/{a}\" aria-current=\"page\"")));
    let gs = app.browser.get_html("/getting-started").await;
    assert!(gs.contains("Alpha") && gs.contains("Beta"));
}

#[tokio::test]
async fn another_user_cannot_see_the_organization() {
    let app = spawn_app().await;
    app.browser.sign_in("first@example.com", "First").await;
    let slug = app.browser.create_org("Private Org").await;

    let second = app.new_browser();
    let gs = second.sign_in("second@example.com", "Second").await;
    assert!(!gs.contains("Private Org"));
    let res = second.get(&format!("/orgs/{slug}")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let page = res.text().await.unwrap();
    assert!(!page.contains("Private Org"));
    // Same answer as for an organization that does not exist.
    assert_eq!(second.get("/orgs/no-such-org").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn organizations_are_kept_across_sign_out_and_in() {
    let app = spawn_app().await;
    app.browser.sign_in("k@example.com", "Kim").await;
    let slug = app.browser.create_org("Keepers").await;
    app.browser.sign_out().await;
    let gs = app.browser.sign_in("k@example.com", "Kim").await;
    assert!(gs.contains(&format!("href=\"/orgs/{slug}\"")));
    let page = app.browser.get_html(&format!("/orgs/{slug}")).await;
    assert!(page.contains("<dt>Your role</dt><dd>Admin</dd>"));
    let mut conn = app.conn();
    let sign_ins: i64 = activity::table
        .filter(activity::action.eq("user.sign_in"))
        .filter(activity::org_id.is_not_null())
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(sign_ins, 1, "the second sign-in is recorded in the organization");
}

/// The route table's scopes (`src/web/routes.rs`): the pages beside a scope
/// still answer, and a path inside one that no route takes, or a method its
/// route does not have, gets the portal's 404 page.
#[tokio::test]
async fn paths_inside_the_scopes_that_no_route_takes_are_not_found() {
    let app = spawn_app().await;
    let slug = crate::helpers::admin_with_org(&app, "owner@example.com", "Acme").await;
    let projects = format!("/orgs/{slug}/projects");
    assert_eq!(crate::projects::create(&app.browser, &projects, "Fleet", "").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        crate::projects::create(&app.browser, "/personal/projects", "Notes", "").await.status(),
        StatusCode::SEE_OTHER
    );

    // Beside the scopes: /orgs/new and .../projects/new are forms, not an
    // organization or project called "new".
    assert!(app.browser.get_html("/orgs/new").await.contains("<h1>Add Organization</h1>"));
    assert!(app.browser.get_html(&format!("{projects}/new")).await.contains("<h1>New Project</h1>"));
    assert!(app.browser.get_html("/personal/projects/new").await.contains("<h1>New Project</h1>"));
    // Inside them: the pages themselves.
    assert!(app.browser.get_html(&format!("/orgs/{slug}")).await.contains("<h1>Acme</h1>"));
    assert!(app.browser.get_html(&format!("{projects}/fleet")).await.contains("Fleet"));
    assert!(app.browser.get_html(&format!("{projects}/fleet/team")).await.contains("Owner"));
    assert!(app.browser.get_html("/personal/projects/notes/team").await.contains("Olivia Owner"));

    for path in [
        format!("/orgs/{slug}/"),
        format!("/orgs/{slug}/no-such-page"),
        format!("/orgs/{slug}/members/extra/edit/more"),
        format!("{projects}/fleet/"),
        format!("{projects}/fleet/no-such-page"),
        "/personal/projects/notes/no-such-page".to_string(),
        "/shared/notes/no-such-page".to_string(),
        format!("/staff/orgs/{slug}/no-such-page"),
    ] {
        let res = app.browser.get(&path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "GET {path}");
        assert!(res.text().await.unwrap().contains("Page not found"), "GET {path}: the portal's page");
    }
    // A GET-only page under a scope, posted to (with a valid token).
    let csrf = crate::browser::hidden_field(&app.browser.get_html("/settings").await, "csrf_token");
    for path in [format!("/orgs/{slug}/members"), format!("{projects}/fleet/team")] {
        let res = app.browser.post(&path, &[("csrf_token", csrf.as_str())]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "POST {path}");
    }
}

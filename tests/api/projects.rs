//! Projects in organizations and personal spaces: create, view, rename,
//! delete; who may do what (the cascading access rule); the catalog's noun.

use diesel::prelude::*;
use orgportal::db::schema::projects;
use reqwest::StatusCode;

use crate::helpers::{admin_with_org, location, spawn_app, spawn_app_with, Browser, TestApp};

fn project_names(app: &TestApp) -> Vec<String> {
    projects::table.order(projects::name.asc()).select(projects::name).load(&mut *app.conn()).unwrap()
}

pub async fn create(browser: &Browser, base: &str, name: &str, slug: &str) -> reqwest::Response {
    browser.submit(&format!("{base}/new"), base, &[("name", name), ("slug", slug), ("description", "")]).await
}

#[tokio::test]
async fn an_admin_creates_views_renames_and_deletes_a_project() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{slug}/projects");
    let list = app.browser.get_html(&base).await;
    assert!(list.contains("+ New Project") && list.contains("No projects yet"));

    let res = app
        .browser
        .submit(&format!("{base}/new"), &base, &[("name", " "), ("slug", "Bad Slug"), ("description", "kept")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"name-error\">Enter a name for the project."), "{html}");
    assert!(
        html.contains("id=\"slug-error\"") && html.contains("value=\"Bad Slug\"") && html.contains(">kept</textarea>")
    );
    assert!(project_names(&app).is_empty());

    let res = create(&app.browser, &base, "Fleet Tracker", "").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("{base}/fleet-tracker"));
    let page = app.browser.get_html(&format!("{base}/fleet-tracker")).await;
    assert!(page.contains("<h1>Fleet Tracker</h1>") && page.contains("organization role Admin"));
    assert!(app.browser.get_html(&base).await.contains(&format!("href=\"{base}/fleet-tracker\"")));
    // A typed URL name that is taken is refused next to the field; a derived one gets a suffix.
    let res = create(&app.browser, &base, "Other", "fleet-tracker").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("Acme already has a project with this URL name."));
    let res = create(&app.browser, &base, "Fleet Tracker", "").await;
    assert_eq!(location(&res), format!("{base}/fleet-tracker-2"));

    let settings = format!("{base}/fleet-tracker/settings");
    let fields = [("name", "Fleet"), ("slug", "fleet"), ("description", "Trucks")];
    let res = app.browser.submit(&settings, &settings, &fields).await;
    assert_eq!(location(&res), format!("{base}/fleet"));
    assert_eq!(app.browser.get(&format!("{base}/fleet-tracker")).await.status(), StatusCode::NOT_FOUND);
    let taken = [("name", "Fleet"), ("slug", "fleet-tracker-2"), ("description", "")];
    let res = app.browser.submit(&format!("{base}/fleet/settings"), &format!("{base}/fleet/settings"), &taken).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let delete = format!("{base}/fleet/delete");
    let res = app.browser.submit(&format!("{base}/fleet/settings"), &delete, &[("confirm_name", "fleet")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("value=\"fleet\""), "the typed text stays");
    assert_eq!(project_names(&app), ["Fleet", "Fleet Tracker"]);
    let res = app.browser.submit(&format!("{base}/fleet/settings"), &delete, &[("confirm_name", "Fleet")]).await;
    assert_eq!(location(&res), base);
    assert_eq!(project_names(&app), ["Fleet Tracker"]);
    for action in ["project.create", "project.update", "project.delete"] {
        assert!(app.activity_count(action) >= 1, "{action} in the log");
    }
    let log = app.browser.get_html(&format!("/orgs/{slug}/activity")).await;
    assert!(log.contains("project.delete"));
}

/// What each role of the default catalog may do with a project of Acme.
#[tokio::test]
async fn every_role_gets_exactly_its_project_access() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let base = format!("/orgs/{slug}/projects");
    create(&app.browser, &base, "Fleet", "").await;
    let project = format!("{base}/fleet");

    // (role, sees the page, may create, may manage)
    let cases =
        [("Technical user", true, false, false), ("Billing", false, false, false), ("View-only", true, false, false)];
    for (role, sees, creates, manages) in cases {
        let email = format!("{}@example.com", role.replace(' ', "-").to_lowercase());
        let b = app.member(&slug, &email, role).await;
        assert_eq!(b.get(&base).await.status(), StatusCode::OK, "{role}: the list");
        let listed = b.get_html(&base).await.contains(&format!("href=\"{project}\""));
        assert_eq!(listed, sees, "{role}: listed");
        assert_eq!(b.get(&project).await.status() == StatusCode::OK, sees, "{role}: the page");
        assert_eq!(b.get(&format!("{base}/new")).await.status() == StatusCode::OK, creates, "{role}: the form");
        let token = crate::helpers::hidden_field(&b.get_html(&base).await, "csrf_token");
        let res = b.post(&base, &[("csrf_token", &token), ("name", "Mine"), ("slug", ""), ("description", "")]).await;
        assert_eq!(res.status() == StatusCode::SEE_OTHER, creates, "{role}: create ({})", res.status());
        let settings = b.get(&format!("{project}/settings")).await.status();
        assert_eq!(settings == StatusCode::OK, manages, "{role}: settings ({settings})");
        let res = b
            .post(
                &format!("{project}/settings"),
                &[("csrf_token", &token), ("name", "Taken"), ("slug", "taken"), ("description", "")],
            )
            .await;
        assert!(matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{role}: rename refused");
        let res = b.post(&format!("{project}/delete"), &[("csrf_token", &token), ("confirm_name", "Fleet")]).await;
        assert!(matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{role}: delete refused");
    }
    assert_eq!(project_names(&app), ["Fleet"], "nothing changed");

    // Outsiders: not a member, and a member of another organization using its own URLs.
    let outsider = app.new_browser();
    outsider.sign_in("zed@example.com", "Zed").await;
    for path in [base.clone(), project.clone(), format!("{project}/settings")] {
        assert_eq!(outsider.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let other = outsider.create_org("Zed Co").await;
    assert_eq!(outsider.get(&format!("/orgs/{other}/projects/fleet")).await.status(), StatusCode::NOT_FOUND);
    let res = outsider
        .submit(
            &format!("/orgs/{other}/projects"),
            &format!("/orgs/{other}/projects/fleet/delete"),
            &[("confirm_name", "Fleet")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "another organization's project through Zed Co's URL");
    assert_eq!(project_names(&app), ["Fleet"]);
}

#[tokio::test]
async fn personal_spaces_own_projects_and_can_be_turned_off() {
    let app = spawn_app().await;
    app.browser.sign_in("ada@example.com", "Ada").await;
    let page = app.browser.get_html("/personal/projects").await;
    assert!(page.contains("href=\"/personal/projects\" aria-current=\"page\">Personal"), "the switcher's Personal");
    let res = create(&app.browser, "/personal/projects", "Notes", "").await;
    assert_eq!(location(&res), "/personal/projects/notes");
    let page = app.browser.get_html("/personal/projects/notes").await;
    assert!(page.contains("owner of this personal space") && page.contains("Settings"));
    // Nobody else reaches it: their /personal/ is their own.
    let bob = app.new_browser();
    bob.sign_in("bob@example.com", "Bob").await;
    assert_eq!(bob.get("/personal/projects/notes").await.status(), StatusCode::NOT_FOUND);
    assert!(!bob.get_html("/personal/projects").await.contains("Notes"));
    // Deleting the account deletes its personal projects.
    let res = app.browser.submit("/settings/delete", "/settings/delete", &[("confirm_email", "ada@example.com")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(project_names(&app).is_empty());

    let off = spawn_app_with(|s| s.personal_spaces = false).await;
    let html = off.browser.sign_in("ada@example.com", "Ada").await;
    assert!(!html.contains("/personal/projects"), "no Personal in the switcher");
    assert_eq!(off.browser.get("/personal/projects").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deleting_an_organization_deletes_its_projects() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    create(&app.browser, &format!("/orgs/{slug}/projects"), "Fleet", "").await;
    let res = app
        .browser
        .submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/delete"), &[("confirm_name", "Acme")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(project_names(&app).is_empty());
}

#[tokio::test]
async fn the_catalog_names_projects() {
    for (file, noun) in [("particle", "Product"), ("segments", "Dataset"), ("packet", "Project")] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("catalogs/{file}.toml"));
        let app = spawn_app_with(|s| s.roles_file = Some(path)).await;
        let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
        let base = format!("/orgs/{slug}/projects");
        let list = app.browser.get_html(&base).await;
        assert!(list.contains(&format!("<h1>{noun}s</h1>")) && list.contains(&format!("+ New {noun}")), "{file}");
        assert!(list.contains(&format!(">{noun}s</a>")), "{file}: the sidebar");
        let res =
            app.browser.submit(&format!("{base}/new"), &base, &[("name", ""), ("slug", ""), ("description", "")]).await;
        assert!(res.text().await.unwrap().contains(&format!("Enter a name for the {}.", noun.to_lowercase())));
    }
}

#[tokio::test]
async fn the_list_pages_by_name_with_ties_and_search() {
    use orgportal::domain::{ProjectName, Slug};
    use orgportal::store::projects::{create as store_create, NewProject, Owner};
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let (org_id, owner_id) = (app.org_id(&slug), app.user_id("owner@example.com"));
    let actor = orgportal::store::members::Actor::person(owner_id, "", app.settings.clock.now());
    let mut conn = app.conn();
    // 49 distinct names, then three projects named alike across the page boundary.
    let names: Vec<String> =
        (1..=49).map(|i| format!("P{i:02}")).chain(["Same", "Same", "Same"].map(String::from)).collect();
    for (i, name) in names.iter().enumerate() {
        let (name, url) = (ProjectName::parse(name, "Project").unwrap(), Slug::parse(&format!("p-{i:02}")).unwrap());
        let new = NewProject {
            owner: Owner::Org(org_id.clone()),
            name: &name,
            slug: &url,
            explicit_slug: true,
            description: "",
        };
        store_create(&mut conn, &new, &actor).unwrap();
    }
    drop(conn);
    let base = format!("/orgs/{slug}/projects");
    let first = app.browser.get_html(&base).await;
    let next = crate::helpers::next_link(&first).expect("a next page");
    let second = app.browser.get_html(&next).await;
    let hrefs = |html: &str| -> Vec<String> {
        html.match_indices(&format!("href=\"{base}/p-"))
            .map(|(i, _)| html[i + 6..].split('"').next().unwrap().to_string())
            .collect()
    };
    let (a, b) = (hrefs(&first), hrefs(&second));
    assert_eq!((a.len(), b.len()), (50, 2), "fifty, then the rest");
    let mut all: Vec<String> = a.into_iter().chain(b).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 52, "no project twice, none left out, ties included");
    assert!(second.contains("← First page"));
    let found = app.browser.get_html(&format!("{base}?q=same")).await;
    assert_eq!(hrefs(&found).len(), 3, "search by name, any case");
}

#[tokio::test]
async fn a_project_moves_into_an_organization_where_one_may_create_projects() {
    use orgportal::db::schema::project_grants;
    let app = spawn_app().await;
    let acme = admin_with_org(&app, "ada@example.com", "Acme").await;
    let zeta = app.browser.create_org("Zeta").await;
    let bob = app.new_browser();
    bob.sign_in("bob@example.com", "Bob").await;
    let beta = bob.create_org("Beta").await;
    app.join(&beta, "ada@example.com", "View-only");

    create(&app.browser, "/personal/projects", "Notes", "").await;
    let form = app.browser.get_html("/personal/projects/notes/transfer").await;
    assert!(form.contains(&format!("value=\"{acme}\"")) && form.contains(&format!("value=\"{zeta}\"")));
    assert!(!form.contains(&format!("value=\"{beta}\"")), "only where her role may create projects");
    let res = app
        .browser
        .submit("/personal/projects/notes/transfer", "/personal/projects/notes/transfer", &[("to", &beta)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("only into an organization where your role may create projects"));
    let res = app
        .browser
        .submit("/personal/projects/notes/transfer", "/personal/projects/notes/transfer", &[("to", &acme)])
        .await;
    assert_eq!(location(&res), format!("/orgs/{acme}/projects/notes"));
    assert_eq!(app.browser.get("/personal/projects/notes").await.status(), StatusCode::NOT_FOUND);
    assert!(app.browser.get_html(&format!("/orgs/{acme}/projects/notes")).await.contains("organization role Admin"));

    // A URL name the destination already uses is refused, and nothing moves.
    create(&app.browser, "/personal/projects", "Notes", "").await;
    let res = app
        .browser
        .submit("/personal/projects/notes/transfer", "/personal/projects/notes/transfer", &[("to", &acme)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("Acme already has a project with the URL name notes"));
    assert_eq!(app.browser.get("/personal/projects/notes").await.status(), StatusCode::OK);

    // Between organizations: a member's role set on the project goes with the old organization.
    let tess = app.member(&acme, "tess@example.com", "Technical user").await;
    let notes = format!("/orgs/{acme}/projects/notes");
    let tess_id = app.user_id("tess@example.com");
    app.browser.submit(&format!("{notes}/team"), &format!("{notes}/team/{tess_id}"), &[("role", "View-only")]).await;
    assert_eq!(tess.get(&format!("{notes}/transfer")).await.status(), StatusCode::FORBIDDEN, "no projects.manage");
    let res = app.browser.submit(&format!("{notes}/transfer"), &format!("{notes}/transfer"), &[("to", &zeta)]).await;
    assert_eq!(location(&res), format!("/orgs/{zeta}/projects/notes"));
    let grants: i64 = project_grants::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(grants, 0, "the role set for Acme's member is gone");
    assert_eq!(tess.get(&format!("/orgs/{zeta}/projects/notes")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.activity_count("project.transfer"), 3, "into Acme; out of Acme and into Zeta");
}

#[tokio::test]
async fn the_header_menu_creates_a_project_with_an_owner_select() {
    let app = spawn_app().await;
    let acme = admin_with_org(&app, "ada@example.com", "Acme").await;
    let bob = app.new_browser();
    bob.sign_in("bob@example.com", "Bob").await;
    let beta = bob.create_org("Beta").await;
    app.join(&beta, "ada@example.com", "View-only");

    let home = app.browser.get_html("/getting-started").await;
    assert!(home.contains("href=\"/projects/new\">New project</a>"), "the + menu");
    let form = app.browser.get_html("/projects/new").await;
    assert!(form.contains("<option value=\"personal\"") && form.contains(&format!("<option value=\"{acme}\"")));
    assert!(!form.contains(&format!("<option value=\"{beta}\"")), "not where her role may not create");

    let fields = |owner: &'static str| [("owner", owner), ("name", "Fleet"), ("slug", ""), ("description", "")];
    for owner in ["", "beta", "nowhere"] {
        let res = app.browser.submit("/projects/new", "/projects", &fields(owner)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "owner {owner:?}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Choose where the project belongs.") && html.contains("value=\"Fleet\""),
            "the typed name stays"
        );
    }
    assert!(project_names(&app).is_empty());
    let res = app.browser.submit("/projects/new", "/projects", &fields("acme")).await;
    assert_eq!(location(&res), format!("/orgs/{acme}/projects/fleet"));
    let res = app.browser.submit("/projects/new", "/projects", &fields("personal")).await;
    assert_eq!(location(&res), "/personal/projects/fleet");

    let off = spawn_app_with(|s| s.personal_spaces = false).await;
    off.browser.sign_in("ada@example.com", "Ada").await;
    assert!(!off.browser.get_html("/projects/new").await.contains("value=\"personal\""));
    let res = off.browser.submit("/projects/new", "/projects", &fields("personal")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

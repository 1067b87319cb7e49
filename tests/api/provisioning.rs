//! Setting up an organization for a customer (issue 15): staff with
//! staff.provision preview and create it in the staff area; the command line
//! does the same; all or nothing, with every problem named.

use diesel::prelude::*;
use orgportal::db::schema::{
    activity, billed_members, customers, mail_outbox, memberships, organizations, project_grants, projects,
    security_events,
};
use reqwest::StatusCode;

use crate::helpers::{spawn_app_with, Browser, TestApp};
use crate::projects::create;
use crate::staff::cli;

const PAT: &str = "pat@support.example";
const SAM: &str = "sam@support.example";

/// (organizations, memberships, projects in an organization, grants, billed periods, mails): what a refusal must not change.
fn counts(app: &TestApp) -> [i64; 6] {
    let mut conn = app.conn();
    [
        organizations::table.count().get_result(&mut *conn).unwrap(),
        memberships::table.count().get_result(&mut *conn).unwrap(),
        projects::table.filter(projects::org_id.is_not_null()).count().get_result(&mut *conn).unwrap(),
        project_grants::table.count().get_result(&mut *conn).unwrap(),
        billed_members::table.count().get_result(&mut *conn).unwrap(),
        mail_outbox::table.count().get_result(&mut *conn).unwrap(),
    ]
}

fn project_id(app: &TestApp, slug: &str) -> String {
    projects::table.filter(projects::slug.eq(slug)).select(projects::id).first(&mut *app.conn()).unwrap()
}

fn grant(app: &TestApp, project: &str, email: &str) {
    diesel::insert_into(project_grants::table)
        .values((
            project_grants::project_id.eq(project_id(app, project)),
            project_grants::user_id.eq(app.user_id(email)),
            project_grants::role.eq("Technical user"),
            project_grants::direct.eq(true),
            project_grants::created_at.eq(app.settings.clock.now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

/// Olivia (the future owner) with a personal project Notes; Carol with Fleet,
/// shared with Olivia and Dave; Bob; Globex (Gina's, billing Bob); an
/// imported customer account CUST-9.
async fn world() -> (TestApp, Browser) {
    let app = spawn_app_with(|s| {
        s.staff_provisioners = vec![PAT.into()];
        s.staff_emails = vec![SAM.into()];
    })
    .await;
    app.browser.sign_in("olivia@example.com", "Olivia Owner").await;
    create(&app.browser, "/personal/projects", "Notes", "").await;
    let carol = app.new_browser();
    carol.sign_in("carol@example.com", "Carol").await;
    create(&carol, "/personal/projects", "Fleet", "").await;
    for email in ["dave@example.com", "bob@example.com"] {
        app.new_browser().sign_in(email, email.split('@').next().unwrap()).await;
    }
    grant(&app, "fleet", "olivia@example.com");
    grant(&app, "fleet", "dave@example.com");
    let gina = app.new_browser();
    gina.sign_in("gina@example.com", "Gina").await;
    let globex = gina.create_org("Globex").await;
    app.join(&globex, "bob@example.com", "View-only");
    let page = format!("/orgs/{globex}/billing");
    gina.submit(&page, &format!("{page}/members"), &[("email", "bob@example.com")]).await;
    let now = app.settings.clock.now();
    diesel::insert_into(customers::table)
        .values((
            customers::id.eq("c9"),
            customers::external_id.eq("CUST-9"),
            customers::name.eq("Acme Robotics Inc."),
            customers::created_at.eq(now),
            customers::updated_at.eq(now),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    (app, carol)
}

fn form<'a>(transfers: &'a str, billed: &'a str, step: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Acme Robotics"),
        ("slug", "acme"),
        ("owner", "olivia@example.com"),
        ("transfers", transfers),
        ("billed", billed),
        ("customer", "CUST-9"),
        ("step", step),
    ]
}

#[tokio::test]
async fn staff_with_staff_provision_preview_and_create_an_organization() {
    let (app, carol) = world().await;
    let pat = app.new_browser();
    pat.sign_in(PAT, "Pat Provisioner").await;
    let sam = app.new_browser();
    sam.sign_in(SAM, "Sam Support").await;
    let good = "carol@example.com/fleet\nolivia@example.com/notes";

    // Read-only staff, people outside the staff, Globex's admin: no button, 403, nothing changed.
    assert!(pat.get_html("/staff").await.contains("href=\"/staff/orgs/new\""));
    assert!(!sam.get_html("/staff").await.contains("/staff/orgs/new"));
    let gina = app.new_browser();
    gina.sign_in("gina@example.com", "Gina").await;
    let mut who: Vec<(String, &Browser)> =
        vec![("read-only staff".into(), &sam), ("Globex's primary owner".into(), &gina), ("a user".into(), &carol)];
    let mut by_role = Vec::new();
    for role in ["Admin", "Technical user", "Billing", "View-only"] {
        let email = format!("{}@example.com", role.to_lowercase().replace(' ', "."));
        by_role.push((role, app.member("globex", &email, role).await));
    }
    who.extend(by_role.iter().map(|(role, b)| (format!("Globex's {role}"), b)));
    let before = counts(&app);
    for (who, browser) in who {
        assert_eq!(browser.get("/staff/orgs/new").await.status(), StatusCode::FORBIDDEN, "{who}");
        let res = browser.submit("/settings", "/staff/orgs/new", &form(good, "", "create")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(counts(&app), before);

    // Every problem named next to its field; nothing created.
    let bad = "carol@example.com/fleet\ncarol@example.com/fleet\ncarol@example.com/nothing\nfleet";
    let mut fields = form(bad, "bob@example.com\nnobody@example.com", "create");
    fields[1] = ("slug", "globex");
    fields[2] = ("owner", "who@example.com");
    let res = pat.submit("/staff/orgs/new", "/staff/orgs/new", &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    for message in [
        "carol@example.com/fleet: the same project is named twice",
        "fleet: write the project as OWNER-EMAIL/PROJECT (its URL name or its name)",
    ] {
        assert!(html.contains(message), "{message}: {html}");
    }
    assert_eq!(counts(&app), before);
    fields[3] = ("transfers", "carol@example.com/fleet\ncarol@example.com/nothing");
    let html = pat.submit("/staff/orgs/new", "/staff/orgs/new", &fields).await.text().await.unwrap();
    for message in [
        "who@example.com: no account has this address",
        "the URL name globex is taken",
        "carol@example.com/nothing: carol@example.com has no personal project with this URL name or name",
        "bob@example.com: already billed to Globex",
        "nobody@example.com: no account has this address",
    ] {
        assert!(html.contains(message), "{message}: {html}");
    }
    assert!(html.contains("value=\"who@example.com\""), "what was typed is kept");
    assert_eq!(counts(&app), before);

    // The preview says what will happen and changes nothing.
    let res = pat.submit("/staff/orgs/new", "/staff/orgs/new", &form(good, "carol@example.com", "preview")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let preview = res.text().await.unwrap();
    for line in [
        "Organization: Acme Robotics (URL name acme)",
        "Owner: Olivia Owner &#60;olivia@example.com&#62;, primary owner with the role Admin",
        "Moves in: Fleet (fleet) from carol@example.com&#39;s personal space; carol@example.com keeps access as a \
         direct collaborator (Admin); dave@example.com keeps direct access; olivia@example.com direct access \
         replaced by membership",
        "Moves in: Notes (notes) from olivia@example.com&#39;s personal space",
        "Billed: Carol &#60;carol@example.com&#62;",
        "Customer account: CUST-9 (Acme Robotics Inc.) linked",
        "name=\"step\" value=\"create\"",
    ] {
        assert!(preview.contains(line), "{line}: {preview}");
    }
    assert_eq!(counts(&app), before);

    // Create: all of it, in one go.
    let res = pat.submit("/staff/orgs/new", "/staff/orgs/new", &form(good, "carol@example.com", "create")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(crate::helpers::location(&res), "/staff/orgs/acme/members");
    let org_id = app.org_id("acme");
    assert_eq!(app.role_of("acme", "olivia@example.com").as_deref(), Some("Admin"));
    let members: i64 =
        memberships::table.filter(memberships::org_id.eq(&org_id)).count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(members, 1, "only the owner is a member");
    let moved: Vec<String> = projects::table
        .filter(projects::org_id.eq(&org_id))
        .order(projects::slug)
        .select(projects::slug)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(moved, ["fleet", "notes"]);
    let fleet = project_id(&app, "fleet");
    let mut grants: Vec<(String, String)> = project_grants::table
        .filter(project_grants::project_id.eq(&fleet))
        .select((project_grants::user_id, project_grants::role))
        .load(&mut *app.conn())
        .unwrap();
    grants.sort();
    let mut expected = vec![
        (app.user_id("carol@example.com"), "Admin".to_string()),
        (app.user_id("dave@example.com"), "Technical user".to_string()),
    ];
    expected.sort();
    assert_eq!(grants, expected, "Olivia's grant gave way to membership; Carol keeps access");
    assert_eq!(carol.get(&format!("/shared/{fleet}")).await.status(), StatusCode::OK);
    let linked: Option<String> = customers::table.find("c9").select(customers::org_id).first(&mut *app.conn()).unwrap();
    assert_eq!(linked.as_deref(), Some(org_id.as_str()));
    assert!(carol.get_html("/settings/organizations").await.contains("billed to Acme Robotics since"));
    let (to, subject): (String, String) = mail_outbox::table
        .filter(mail_outbox::subject.like("%ready%"))
        .select((mail_outbox::to_addr, mail_outbox::subject))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((to.as_str(), subject.as_str()), ("olivia@example.com", "Acme Robotics is ready for you on orgportal"));
    let details: String = activity::table
        .filter(activity::org_id.eq(&org_id))
        .filter(activity::action.eq("org.provision"))
        .select(activity::details)
        .first(&mut *app.conn())
        .unwrap();
    assert!(
        details.contains("set up by pat@support.example (support staff)") && details.contains("Fleet (from carol@")
    );
    let moved_events: i64 = security_events::table
        .filter(security_events::action.eq("project.moved"))
        .filter(security_events::user_id.eq(app.user_id("carol@example.com")))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(moved_events, 1, "Carol's security log says her project moved");
    assert!(carol.get_html("/settings/security-log").await.contains("A personal project moved to an organization"));

    // The same Create again: refused (the URL name is taken now), nothing more.
    let after = counts(&app);
    let res = pat.submit("/staff/orgs/new", "/staff/orgs/new", &form("", "", "create")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(counts(&app), after);
}

#[tokio::test]
async fn the_command_line_previews_and_creates_the_same_way() {
    let (app, _) = world().await;
    let before = counts(&app);
    let base = ["orgs", "create", "--name", "Initech", "--owner", "olivia@example.com"];
    let with =
        |extra: &[&'static str]| -> Vec<&'static str> { base.iter().copied().chain(extra.iter().copied()).collect() };

    let (ok, out) = cli(&app, &with(&["--transfer", "carol@example.com/fleet", "--billed", "bob@example.com"]));
    assert!(!ok, "{out}");
    assert!(
        out.contains("nothing was changed") && out.contains("--billed bob@example.com: already billed to Globex"),
        "{out}"
    );
    let (ok, out) = cli(&app, &with(&["--transfer", "carol@example.com/nope"]));
    assert!(
        !ok && out.contains("--transfer carol@example.com/nope: carol@example.com has no personal project"),
        "{out}"
    );
    let (ok, out) = cli(&app, &with(&["--customer", "CUST-404"]));
    assert!(!ok && out.contains("--customer CUST-404: no imported customer account"), "{out}");
    assert_eq!(counts(&app), before);

    let (ok, out) = cli(&app, &with(&["--transfer", "carol@example.com/fleet", "--dry-run"]));
    assert!(ok && out.contains("dry run, nothing changed") && out.contains("Moves in: Fleet (fleet)"), "{out}");
    assert_eq!(counts(&app), before);

    // By its name rather than its URL name.
    let (ok, out) = cli(&app, &with(&["--transfer", "carol@example.com/Fleet", "--billed", "dave@example.com"]));
    assert!(ok && out.contains("Initech is set up (/orgs/initech)"), "{out}");
    let org_id = app.org_id("initech");
    let actor: Option<String> = activity::table
        .filter(activity::org_id.eq(&org_id))
        .filter(activity::action.eq("org.provision"))
        .select(activity::actor_id)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(actor, None, "the command line is no account");
    let fleet_org: Option<String> =
        projects::table.filter(projects::slug.eq("fleet")).select(projects::org_id).first(&mut *app.conn()).unwrap();
    assert_eq!(fleet_org.as_deref(), Some(org_id.as_str()));
    let (ok, out) = cli(&app, &with(&["--slug", "initech"]));
    assert!(!ok && out.contains("--slug initech: the URL name initech is taken"), "{out}");
}

#[tokio::test]
async fn staff_provision_is_given_by_the_command_line_or_the_setting() {
    let (app, _) = world().await;
    let lee = app.new_browser();
    lee.sign_in("lee@support.example", "Lee").await;
    let (ok, out) = cli(&app, &["staff", "add", "lee@support.example"]);
    assert!(ok && out.contains("is support staff now"), "{out}");
    assert_eq!(lee.get("/staff").await.status(), StatusCode::OK);
    assert_eq!(lee.get("/staff/orgs/new").await.status(), StatusCode::FORBIDDEN, "read-only staff");
    let (ok, out) = cli(&app, &["staff", "add", "lee@support.example", "--provision"]);
    assert!(ok && out.contains("is support staff with staff.provision now"), "{out}");
    assert_eq!(lee.get("/staff/orgs/new").await.status(), StatusCode::OK);
    let (ok, out) = cli(&app, &["staff", "list"]);
    assert!(ok && out.contains("lee@support.example\t(orgportal staff add --provision)"), "{out}");
    // ORGPORTAL_STAFF_PROVISIONERS: Pat is staff with the right, without the table.
    let pat = app.new_browser();
    pat.sign_in(PAT, "Pat").await;
    assert!(pat.get_html("/staff/orgs/new").await.contains("New organization"));
}

//! The support staff area: every organization, read-only views of one, each
//! view in that organization's activity log; staff cannot change anything.

use std::process::Command;

use diesel::prelude::*;
use orgportal::db::schema::{service_tokens, tickets};
use reqwest::StatusCode;

use crate::customer_pages::{linked_app, SLUG};
use crate::helpers::{location, spawn_app_with, Browser, TestApp};
use crate::permissions::{post_as, routes, snapshot, world};

const SAM: &str = "sam@support.example";

/// Sam, support staff (added as `orgportal staff add` does), signed in.
async fn staff_browser(app: &TestApp) -> Browser {
    orgportal::store::staff::add(&mut app.conn(), SAM, false, app.settings.clock.now()).unwrap();
    let sam = app.new_browser();
    sam.sign_in(SAM, "Sam Support").await;
    sam
}

#[tokio::test]
async fn staff_see_every_organization_read_only_and_each_view_is_logged() {
    let app = linked_app().await;
    let other = app.new_browser();
    other.sign_in("solo@example.com", "Solo").await;
    other.create_org("Solo Inc").await;
    let sam = staff_browser(&app).await;

    assert!(sam.get_html("/getting-started").await.contains("href=\"/staff\""), "the user menu links the area");
    let list = sam.get_html("/staff").await;
    assert!(list.contains("Northwind Databases") && list.contains("CUST-1001") && list.contains("Solo Inc"));
    let found = sam.get_html("/staff?q=solo").await;
    assert!(found.contains("Solo Inc") && !found.contains("Northwind Databases"));
    let found = sam.get_html("/staff?q=cust-1001").await;
    assert!(found.contains("Northwind Databases") && !found.contains("Solo Inc"));
    assert!(sam.get_html("/staff?q=nothing-like-it").await.contains("No organization matches"));
    assert_eq!(app.activity_count("staff.view"), 0, "the list itself shows no organization's data");

    let res = sam.get(&format!("/staff/orgs/{SLUG}")).await;
    assert_eq!(location(&res), format!("/staff/orgs/{SLUG}/entitlements"));
    let pages = [
        ("entitlements", "PostgreSQL Support"),
        ("tickets", "CS0041"),
        ("contacts", "tom@northwind.example"),
        ("members", "ada@northwind.example"),
    ];
    for (n, (page, shows)) in pages.iter().enumerate() {
        let html = sam.get_html(&format!("/staff/orgs/{SLUG}/{page}")).await;
        assert!(html.contains(shows), "{page}: {html}");
        assert!(html.contains("Read-only support view"));
        assert!(!html.contains("method=\"post\" action=\"/orgs/"), "{page}: no forms that change the organization");
        assert_eq!(app.activity_count("staff.view"), n as i64 + 1, "{page} is recorded");
    }
    let closed = sam.get_html(&format!("/staff/orgs/{SLUG}/tickets?status=closed")).await;
    assert!(closed.contains("CS0017") && !closed.contains("CS0041"));
    let id = crate::customer_pages::ticket_id(&app, "CS0017");
    let one = sam.get_html(&format!("/staff/orgs/{SLUG}/tickets/{id}")).await;
    assert!(one.contains("Backup schedule question") && one.contains("Read-only support view"));
    assert_eq!(app.activity_count("staff.view"), 6, "the two ticket lists and the ticket are recorded too");

    // The organization's admin reads them in the activity log.
    let log = app.browser.get_html(&format!("/orgs/{SLUG}/activity?action=staff.view")).await;
    assert!(log.contains("sam@support.example") && log.contains("support staff, read-only"), "{log}");
    for page in ["entitlements", "tickets", "contacts", "members", "ticket CS0017"] {
        assert!(log.contains(&format!("<td>{page}</td>")), "{page} in the log");
    }
    // Sam's views of Northwind are not in Solo's log.
    let solo_views: i64 = {
        use orgportal::db::schema::{activity, organizations};
        activity::table
            .inner_join(organizations::table.on(activity::org_id.eq(organizations::id.nullable())))
            .filter(organizations::slug.eq("solo-inc"))
            .filter(activity::action.eq("staff.view"))
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(solo_views, 0);

    assert_eq!(sam.get("/staff/orgs/no-such-org/entitlements").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn people_who_are_not_staff_are_refused() {
    let app = linked_app().await;
    assert!(!app.browser.get_html("/getting-started").await.contains("href=\"/staff\""));
    for path in ["/staff".to_string(), format!("/staff/orgs/{SLUG}"), format!("/staff/orgs/{SLUG}/members")] {
        assert_eq!(app.browser.get(&path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let signed_out = app.new_browser();
    let res = signed_out.get(&format!("/staff/orgs/{SLUG}/entitlements")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login"));
    assert_eq!(app.activity_count("staff.view"), 0);
}

#[tokio::test]
async fn staff_cannot_change_an_organization() {
    let w = world().await;
    let sam = staff_browser(&w.app).await;
    assert_eq!(sam.get(&format!("/orgs/{}", w.slug)).await.status(), StatusCode::NOT_FOUND);
    let before = snapshot(&w.app, &w.slug);
    let s = &w.slug;
    let mut all = routes(&w);
    all.push(("leave", format!("/orgs/{s}/leave"), vec![]));
    all.push((
        "raise ticket",
        format!("/orgs/{s}/tickets"),
        vec![("subject", "x".into()), ("priority", "Low".into()), ("description", "d".into())],
    ));
    all.push(("connect service", format!("/orgs/{s}/services"), vec![("name", "PMM".into())]));
    all.push(("revoke service", format!("/orgs/{s}/services/any-id/revoke"), vec![]));
    for (name, action, fields) in all {
        assert_eq!(post_as(&sam, &action, &fields).await, StatusCode::NOT_FOUND, "staff → {name}");
    }
    assert_eq!(snapshot(&w.app, &w.slug), before, "nothing changed");
    let (tickets, services): (i64, i64) = {
        let mut conn = w.app.conn();
        (
            tickets::table.count().get_result(&mut *conn).unwrap(),
            service_tokens::table.count().get_result(&mut *conn).unwrap(),
        )
    };
    assert_eq!((tickets, services), (0, 0));
    // A staff route takes no POST at all.
    let res = sam.submit("/staff", &format!("/staff/orgs/{s}/members"), &[]).await;
    assert!(res.status() == StatusCode::NOT_FOUND || res.status() == StatusCode::METHOD_NOT_ALLOWED);
}

pub fn cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_orgportal"))
        .args(args)
        .env("ORGPORTAL_DATABASE_URL", &app.db.url)
        .env("ORGPORTAL_DATA_DIR", app.data_dir.path())
        .env("ORGPORTAL_STAFF_EMAILS", app.settings.staff_emails.join(","))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[tokio::test]
async fn staff_come_from_the_setting_and_the_command_line() {
    let app = spawn_app_with(|s| s.staff_emails = vec![SAM.into()]).await;
    let sam = app.new_browser();
    sam.sign_in(SAM, "Sam").await;
    assert_eq!(sam.get("/staff").await.status(), StatusCode::OK);

    let lee = app.new_browser();
    lee.sign_in("lee@support.example", "Lee").await;
    assert_eq!(lee.get("/staff").await.status(), StatusCode::FORBIDDEN);
    let (ok, out) = cli(&app, &["staff", "add", "Lee@Support.example"]);
    assert!(ok && out.contains("is support staff now"), "{out}");
    assert_eq!(lee.get("/staff").await.status(), StatusCode::OK);
    // A listed address counts only while the account's address is verified.
    let verified = |v: bool| {
        use orgportal::db::schema::users;
        diesel::update(users::table.filter(users::email.eq("lee@support.example")))
            .set(users::email_verified.eq(v))
            .execute(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(verified(false), 1);
    assert_eq!(lee.get("/staff").await.status(), StatusCode::FORBIDDEN, "unverified");
    verified(true);
    assert_eq!(lee.get("/staff").await.status(), StatusCode::OK);
    let (ok, out) = cli(&app, &["staff", "add", "lee@support.example"]);
    assert!(ok && out.contains("was support staff already"), "{out}");
    assert_eq!(app.activity_count("staff.add"), 1, "the site-wide log has the change once");
    let (ok, out) = cli(&app, &["staff", "list"]);
    assert!(ok && out.contains("lee@support.example") && out.contains("sam@support.example"), "{out}");

    let (ok, out) = cli(&app, &["staff", "remove", "lee@support.example"]);
    assert!(ok && out.contains("no longer support staff"), "{out}");
    assert_eq!(app.activity_count("staff.remove"), 1);
    assert_eq!(lee.get("/staff").await.status(), StatusCode::FORBIDDEN);
    let (ok, out) = cli(&app, &["staff", "remove", SAM]);
    assert!(!ok && out.contains("ORGPORTAL_STAFF_EMAILS"), "{out}");
    let (ok, out) = cli(&app, &["staff", "add", "not-an-email"]);
    assert!(!ok && out.contains("not a valid email address"), "{out}");
}

#[tokio::test]
async fn the_organization_list_pages_in_fifties() {
    let app = crate::helpers::spawn_app().await;
    app.browser.sign_in("many@example.com", "Many").await;
    for i in 0..55 {
        app.browser.create_org(&format!("Org {i:02}")).await;
    }
    let sam = staff_browser(&app).await;
    let first = sam.get_html("/staff").await;
    assert!(first.contains("org-00") && first.contains("org-49") && !first.contains("org-50"));
    let next = crate::helpers::next_link(&first).expect("a next page");
    let second = sam.get_html(&next).await;
    assert!(second.contains("org-50") && second.contains("org-54") && !second.contains("org-49"));
    assert!(crate::helpers::next_link(&second).is_none());
    assert!(!first.contains("First page") && second.contains("<a href=\"/staff?q=\">← First page</a>"));
    // A search narrows the list (by name here).
    let found = sam.get_html("/staff?q=org+5").await;
    assert!(found.contains("org-50") && found.contains("org-54") && !found.contains("org-49"));
}

#[tokio::test]
async fn staff_read_the_site_wide_log() {
    let app = linked_app().await;
    let doomed = app.new_browser();
    doomed.sign_in("doomed@example.com", "Doomed").await;
    let slug = doomed.create_org("Short Lived").await;
    let res = doomed
        .submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/delete"), &[("confirm_name", "Short Lived")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let sam = staff_browser(&app).await;

    let log = sam.get_html("/staff/activity").await;
    for action in ["org.delete", "staff.add", "customers.import"] {
        assert!(log.contains(&format!("<code>{action}</code>")), "{action}: {log}");
    }
    assert!(log.contains("Short Lived") && log.contains("2 created, 0 updated, 0 unchanged"));
    assert!(!log.contains("<code>org.create</code>"), "organizations' own rows stay in their logs");
    let only = sam.get_html("/staff/activity?action=staff.add").await;
    assert!(only.contains("<code>staff.add</code>") && !only.contains("<code>org.delete</code>"));
    let csv = sam.get("/staff/activity.csv?action=org.delete").await.text().await.unwrap();
    assert!(csv.starts_with("time,actor_name,actor_email,action") && csv.contains(",org.delete,Short Lived,"), "{csv}");
    assert_eq!(csv.lines().count(), 2);

    for path in ["/staff/activity", "/staff/activity.csv"] {
        assert_eq!(app.browser.get(path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
}

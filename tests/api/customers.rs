use std::process::Command;

use diesel::prelude::*;
use orgportal::db::schema::{customer_contacts, customers, entitlements, tickets};

use crate::helpers::{spawn_app, TestApp};

fn import(app: &TestApp, file: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_orgportal"))
        .args(["customers", "import"])
        .arg(file)
        .env("ORGPORTAL_DATABASE_URL", &app.db.url)
        .env("ORGPORTAL_DATA_DIR", app.data_dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn example() -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/customers.json")).unwrap()
}

fn counts(app: &TestApp) -> [i64; 4] {
    let mut conn = app.conn();
    [
        customers::table.count().get_result(&mut *conn).unwrap(),
        customer_contacts::table.count().get_result(&mut *conn).unwrap(),
        entitlements::table.count().get_result(&mut *conn).unwrap(),
        tickets::table.count().get_result(&mut *conn).unwrap(),
    ]
}

#[tokio::test]
async fn import_is_idempotent_and_updates_in_place() {
    let app = spawn_app().await;
    let file = app.data_dir.path().join("customers.json");
    std::fs::write(&file, example()).unwrap();
    let (ok, out, err) = import(&app, &file);
    assert!(ok, "{err}");
    assert!(out.contains("2 created, 0 updated, 0 unchanged"), "{out}");
    assert_eq!(app.activity_count("customers.import"), 1);
    assert_eq!(counts(&app), [2, 3, 3, 2]);
    let ids = |app: &TestApp| -> Vec<String> {
        let mut conn = app.conn();
        let mut v: Vec<String> = customer_contacts::table.select(customer_contacts::id).load(&mut *conn).unwrap();
        v.extend(customers::table.select(customers::id).load::<String>(&mut *conn).unwrap());
        v.sort();
        v
    };
    let before = ids(&app);

    let (ok, out, _) = import(&app, &file);
    assert!(ok && out.contains("0 created, 0 updated, 2 unchanged"), "{out}");
    assert_eq!(ids(&app), before, "re-importing the same file changes nothing");
    assert_eq!(app.activity_count("customers.import"), 1, "not even the log");

    let updated = example()
        .replace("Northwind Databases", "Northwind Data")
        .replace("\"status\": \"Open\"", "\"status\": \"Pending\"");
    std::fs::write(&file, updated).unwrap();
    let (ok, out, _) = import(&app, &file);
    assert!(ok && out.contains("0 created, 1 updated, 1 unchanged"), "{out}");
    let mut conn = app.conn();
    let name: String = customers::table
        .filter(customers::external_id.eq("CUST-1001"))
        .select(customers::name)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(name, "Northwind Data");
    let status: String =
        tickets::table.filter(tickets::number.eq("CS0041")).select(tickets::status).first(&mut *conn).unwrap();
    assert_eq!(status, "Pending");
    let mut after: Vec<String> = customers::table.select(customers::id).load(&mut *conn).unwrap();
    after.sort();
    let mut customer_ids_before: Vec<String> = before.iter().filter(|id| after.contains(id)).cloned().collect();
    customer_ids_before.sort();
    assert_eq!(customer_ids_before, after, "customers keep their ids");
}

#[tokio::test]
async fn a_malformed_file_is_refused_whole() {
    let app = spawn_app().await;
    let file = app.data_dir.path().join("bad.json");
    // The first customer is fine; the second has an impossible date.
    let bad = example().replace("\"start\": \"2026-03-01\"", "\"start\": \"2026-02-30\"");
    std::fs::write(&file, bad).unwrap();
    let (ok, _, err) = import(&app, &file);
    assert!(!ok);
    assert!(
        err.contains("customers[1] (CUST-1002).entitlements[0].start") && err.contains("nothing was imported"),
        "{err}"
    );
    assert_eq!(counts(&app), [0, 0, 0, 0]);

    std::fs::write(&file, "{\"customers\": [\n  {\"external_id\": \"A\", \"name\": \"A\",}\n]}").unwrap();
    let (ok, _, err) = import(&app, &file);
    assert!(!ok && err.contains("line 2"), "{err}");
    assert_eq!(counts(&app), [0, 0, 0, 0]);
}

#[tokio::test]
async fn customer_contacts_are_linked_at_sign_in() {
    let app = spawn_app().await;
    let file = app.data_dir.path().join("customers.json");
    std::fs::write(&file, example()).unwrap();
    assert!(import(&app, &file).0);

    // The first contact who signs in gets the organization, as its owner.
    let ada = app.new_browser();
    let gs = ada.sign_in("ada@northwind.example", "Ada Admin").await;
    assert!(gs.contains("Northwind Databases"), "{gs}");
    assert_eq!(app.role_of("northwind-databases", "ada@northwind.example").as_deref(), Some("Admin"));
    let mut conn = app.conn();
    let linked: Option<String> = customers::table
        .filter(customers::external_id.eq("CUST-1001"))
        .select(customers::org_id)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(linked, Some(app.org_id("northwind-databases")));

    // A later contact joins with the role their portal role maps to, once.
    let tom = app.new_browser();
    tom.sign_in("tom@northwind.example", "Tom Tech").await;
    tom.sign_out().await;
    tom.sign_in("tom@northwind.example", "Tom Tech").await;
    assert_eq!(app.role_of("northwind-databases", "tom@northwind.example").as_deref(), Some("Technical user"));
    let page = ada.get_html("/orgs/northwind-databases/members").await;
    assert!(page.contains("2 members"));
    assert_eq!(app.activity_count("member.join"), 1);

    // Someone who is not a contact gets nothing.
    let other = app.new_browser();
    let gs = other.sign_in("eve@northwind.example", "Eve").await;
    assert!(!gs.contains("Northwind"));
}

#[tokio::test]
async fn a_contact_who_joins_at_sign_in_loses_direct_project_access() {
    use orgportal::db::schema::{project_grants, projects};
    let app = spawn_app().await;
    // Tom has an account (a direct collaborator, say) before he is a contact.
    let tom = app.new_browser();
    tom.sign_in("tom@northwind.example", "Tom Tech").await;
    let file = app.data_dir.path().join("customers.json");
    std::fs::write(&file, example()).unwrap();
    assert!(import(&app, &file).0);
    let ada = app.new_browser();
    ada.sign_in("ada@northwind.example", "Ada Admin").await;
    let base = "/orgs/northwind-databases/projects";
    crate::projects::create(&ada, base, "Fleet", "").await;
    let mut conn = app.conn();
    let project_id: String = projects::table.select(projects::id).first(&mut *conn).unwrap();
    diesel::insert_into(project_grants::table)
        .values((
            project_grants::project_id.eq(&project_id),
            project_grants::user_id.eq(app.user_id("tom@northwind.example")),
            project_grants::role.eq("View-only"),
            project_grants::direct.eq(true),
            project_grants::created_at.eq(app.settings.clock.now()),
        ))
        .execute(&mut *conn)
        .unwrap();

    tom.sign_out().await;
    tom.sign_in("tom@northwind.example", "Tom Tech").await;
    assert_eq!(app.role_of("northwind-databases", "tom@northwind.example").as_deref(), Some("Technical user"));
    let grants: i64 = project_grants::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(grants, 0, "organization access replaced the direct grant");
    assert_eq!(app.activity_count("project.direct_replaced"), 1);
    assert!(tom.get_html(&format!("{base}/fleet")).await.contains("organization role Technical user"));
}

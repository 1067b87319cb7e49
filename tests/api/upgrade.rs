//! Operators upgrade in place: a database written by the previous release
//! (tests/fixtures/previous-release, made by tools/upgrade-fixture/make.py
//! with that release's binary, commit febd0a5) opens with this one and keeps
//! every row. Its secrets are sealed under the fixture's published test key.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use orgportal::db::{self, AnyConnection};
use reqwest::StatusCode;

use crate::helpers::{spawn_app_on, TestDatabase};

const SQLITE: &str = include_str!("../fixtures/previous-release/sqlite.sql");
const POSTGRES: &str = include_str!("../fixtures/previous-release/postgres.sql");

/// Every table the previous release had, with the rows its fixture holds.
const TABLES: [(&str, i64); 30] = [
    ("users", 4),
    ("identities", 4),
    ("organizations", 2),
    ("memberships", 3),
    ("activity", 21),
    ("invitations", 3),
    ("mail_outbox", 3),
    ("customers", 2),
    ("customer_contacts", 3),
    ("entitlements", 3),
    ("invoices", 3),
    ("tickets", 3),
    ("service_tokens", 1),
    ("staff", 1),
    ("sessions", 4),
    ("security_events", 4),
    ("projects", 2),
    ("project_tokens", 2),
    ("project_owners", 2),
    ("usage_records", 6),
    ("usage_monthly", 4),
    ("usage_org_monthly", 2),
    ("api_keys", 1),
    ("webhook_endpoints", 1),
    ("webhook_events", 2),
    ("webhook_deliveries", 2),
    ("payment_methods", 0),
    ("org_domains", 1),
    ("join_requests", 0),
    ("sso_connections", 0),
];

/// tools/upgrade-fixture/make.py's FIXTURE_SECRETS_KEY: 32 bytes of 0x5a.
const FIXTURE_SECRETS_KEY: [u8; 32] = [0x5a; 32];

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Secret {
    #[diesel(sql_type = diesel::sql_types::Text)]
    n: String,
}

fn count(conn: &mut AnyConnection, table: &str) -> i64 {
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result::<Count>(conn).unwrap().n
}

fn load_previous_release(db: &TestDatabase) {
    let mut conn = db::connect_one(&db.url).unwrap();
    conn.batch_execute(if db.is_postgres() { POSTGRES } else { SQLITE }).expect("the fixture loads");
}

#[tokio::test]
async fn a_database_of_the_previous_release_keeps_every_row() {
    let app = spawn_app_on(load_previous_release, |s| s.secrets_key = Some(FIXTURE_SECRETS_KEY.to_vec())).await;
    let mut conn = app.conn();
    for (table, rows) in TABLES {
        assert_eq!(count(&mut conn, table), rows, "{table} kept every row");
    }
    for new in ["scim_tokens", "scim_users", "scim_groups", "scim_group_members"] {
        assert_eq!(count(&mut conn, new), 0, "migration 000026 made {new}");
    }
    assert_eq!(db::run_migrations(&mut conn).unwrap(), 0, "every migration applied at start-up");
    drop(conn);

    // The people of the old release sign in (once more) and find their data.
    app.browser.sign_in("owner@acme.example", "Olivia Owner").await;
    let members = app.browser.get_html("/orgs/acme/members").await;
    assert!(members.contains("bob@acme.example") && members.contains("carol@acme.example"), "members and pending");
    // The search index holds the people who were there.
    let found = app.browser.get_html("/orgs/acme/members?q=OB@ACME").await;
    let table = &found[found.find("<table").unwrap()..found.find("</table>").unwrap()];
    assert!(table.contains("bob@acme.example") && !table.contains("Olivia Owner"), "search by the old address");
    let activity = app.browser.get_html("/orgs/acme/activity").await;
    assert!(activity.contains("invitation.accept") || activity.contains("member.join"), "old activity rows show");
    // The filter choices hold the old rows' actions.
    assert!(activity.contains("<option value=\"invitation.create\">"), "{activity}");
    assert!(activity.contains("<option value=\"project.token_create\">"), "{activity}");
    let secret: String = diesel::sql_query("SELECT secret AS n FROM webhook_endpoints")
        .get_result::<Secret>(&mut *app.conn())
        .unwrap()
        .n;
    assert!(secret.starts_with("sealed:v1:"), "the old release's signing secret stays sealed");
    let webhooks = app.browser.get_html("/orgs/acme/webhooks").await;
    assert!(webhooks.contains("http://127.0.0.1:9/hooks") && webhooks.contains("Back office"), "the old endpoint");
    let keys = app.browser.get_html("/orgs/acme/api-keys").await;
    assert!(keys.contains("Provisioning"), "the old API key");
    let domains = app.browser.get_html("/orgs/acme/domains").await;
    assert!(domains.contains("acme.example") && domains.contains("_orgportal-challenge.acme.example"), "the old claim");
    let provisioning = app.browser.get_html("/orgs/acme/sso/provisioning").await;
    assert!(provisioning.contains("No SCIM tokens yet."), "the new page opens for the old owner");
    let services = app.browser.get_html("/orgs/acme/services").await;
    assert!(services.contains("PMM production"));
    // The fixture was made on 4 December 2026 with usage of that day (11) and the day before (10).
    let usage = app.browser.get_html("/orgs/acme/billing/usage?month=2026-12").await;
    assert!(usage.contains(">Fleet</a>") && usage.contains("<td class=\"num\">21</td>"), "{usage}");
    let notes = app.browser.get_html("/personal/projects/notes").await;
    assert!(notes.contains("<td class=\"num\">12</td>"), "the personal project's usage is kept");
    let ada = app.new_browser();
    ada.sign_in("ada@northwind.example", "Ada Admin").await;
    let tickets = ada.get_html("/orgs/northwind-databases/tickets?tab=all").await;
    assert!(tickets.contains("Replica lag"), "the ticket raised in the old release");
    assert_eq!(ada.get("/orgs/acme").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(count(&mut app.conn(), "users"), 4, "signing in found the old accounts");
}

//! The Entitlements, Support tickets and Contacts pages and the raise-a-ticket
//! form, for an organization linked to an imported customer account.

use diesel::prelude::*;
use orgportal::db::schema::tickets;
use reqwest::StatusCode;

use crate::helpers::{spawn_app, Browser, TestApp};

pub const SLUG: &str = "northwind-databases";

/// A customer file whose dates are relative to today: one entitlement that
/// ended yesterday, one running for a year; one open and one closed ticket.
pub fn customer_file(today: time::Date) -> String {
    let day = |d: time::Date| d.to_string();
    let (yesterday, year_ago, next_year) =
        (today.previous_day().unwrap(), today - time::Duration::days(365), today + time::Duration::days(365));
    format!(
        r#"{{"customers": [{{
  "external_id": "CUST-1001", "name": "Northwind Databases",
  "contacts": [
    {{"email": "ada@northwind.example", "name": "Ada Admin", "portal_role": "Admin"}},
    {{"email": "tom@northwind.example", "name": "Tom Tech", "portal_role": "Technical user"}}
  ],
  "entitlements": [
    {{"product": "MySQL Support", "support_level": "Premium", "start": "{today}", "end": "{next}", "quantity": 20}},
    {{"product": "PostgreSQL Support", "support_level": "Advanced", "start": "{ago}", "end": "{yesterday}", "quantity": 5}}
  ],
  "tickets": [
    {{"number": "CS0041", "subject": "Replica lag after upgrade", "status": "Open", "priority": "High", "opened": "2026-11-02T09:15:00Z", "updated": "2026-11-20T16:40:00Z"}},
    {{"number": "CS0017", "subject": "Backup schedule question", "status": "Resolved", "priority": "Low", "opened": "2026-06-11", "updated": "2026-06-12"}}
  ]
}}, {{
  "external_id": "CUST-2002", "name": "Contoso Analytics",
  "contacts": [{{"email": "lee@contoso.example", "name": "Lee Lead", "portal_role": "Admin"}}],
  "entitlements": [],
  "tickets": [
    {{"number": "CT-1", "subject": "Contoso's own ticket", "status": "Open", "priority": "Low", "opened": "2026-06-11", "updated": "2026-06-12"}}
  ]
}}]}}"#,
        today = day(today),
        next = day(next_year),
        ago = day(year_ago),
        yesterday = day(yesterday),
    )
}

/// Imports the customer file straight into the database.
pub fn import(app: &TestApp) {
    let now = app.settings.clock.now();
    let records = orgportal::domain::customer_import::parse(&customer_file(now.date())).unwrap();
    orgportal::store::customer::import::import(&mut app.conn(), &records, &|_| None, now).unwrap();
}

/// An app with the customer imported and Ada, its first contact, signed in
/// (in `app.browser`): the organization `SLUG` is hers and linked.
pub async fn linked_app() -> TestApp {
    let app = spawn_app().await;
    import(&app);
    let gs = app.browser.sign_in("ada@northwind.example", "Ada Admin").await;
    assert!(gs.contains("Northwind Databases"), "auto-linked: {gs}");
    app
}

pub fn ticket_id(app: &TestApp, number: &str) -> String {
    tickets::table.filter(tickets::number.eq(number)).select(tickets::id).first(&mut *app.conn()).unwrap()
}

fn ticket_count(app: &TestApp) -> i64 {
    tickets::table.count().get_result(&mut *app.conn()).unwrap()
}

#[tokio::test]
async fn the_pages_show_the_linked_customer_account() {
    let app = linked_app().await;
    let page = app.browser.get_html(&format!("/orgs/{SLUG}/entitlements")).await;
    assert!(page.contains("Northwind Databases (CUST-1001)"), "{page}");
    let mysql = page.find("MySQL Support").unwrap();
    let postgres = page.find("PostgreSQL Support").unwrap();
    assert!(mysql < postgres, "the one ending last comes first");
    let (active_row, expired_row) = (&page[mysql..postgres], &page[postgres..]);
    assert!(active_row.contains(">Active<") && active_row.contains("Premium") && active_row.contains(">20<"));
    assert!(expired_row.contains(">Expired<") && expired_row.contains("Advanced"));
    assert!(page[..postgres].rfind("<tr").map(|i| page[i..postgres].contains("row-expired")).unwrap());

    // Open tickets by default; closed and all on their tabs.
    let open = app.browser.get_html(&format!("/orgs/{SLUG}/tickets")).await;
    assert!(open.contains("CS0041") && open.contains("Replica lag after upgrade") && !open.contains("CS0017"));
    assert!(open.contains("20 Nov 2026, 16:40 UTC") && open.contains("2 Nov 2026") && open.contains("High"));
    let closed = app.browser.get_html(&format!("/orgs/{SLUG}/tickets?status=closed")).await;
    assert!(closed.contains("CS0017") && closed.contains("Resolved") && !closed.contains("CS0041"));
    let all = app.browser.get_html(&format!("/orgs/{SLUG}/tickets?status=all")).await;
    assert!(all.contains("CS0017") && all.contains("CS0041"));
    assert!(all.contains("Open <span class=\"count\">1</span>") && all.contains("All <span class=\"count\">2</span>"));

    let contacts = app.browser.get_html(&format!("/orgs/{SLUG}/contacts")).await;
    let ada = contacts.find("ada@northwind.example").unwrap();
    let tom = contacts.find("tom@northwind.example").unwrap();
    assert!(contacts[ada..tom].contains("Member (Admin)"), "Ada has joined");
    assert!(contacts[tom..].contains("Not signed in yet"), "Tom has not");
}

#[tokio::test]
async fn an_updated_import_shows_on_the_pages_and_in_the_log() {
    let app = linked_app().await;
    let now = app.settings.clock.now();
    let changed = customer_file(now.date()).replace("\"quantity\": 20", "\"quantity\": 25");
    let records = orgportal::domain::customer_import::parse(&changed).unwrap();
    orgportal::store::customer::import::import(&mut app.conn(), &records, &|_| None, now).unwrap();
    let page = app.browser.get_html(&format!("/orgs/{SLUG}/entitlements")).await;
    assert!(page.contains(">25<") && !page.contains(">20<"), "{page}");
    let log = app.browser.get_html(&format!("/orgs/{SLUG}/activity?action=customer.update")).await;
    assert!(log.contains("CUST-1001") && log.contains("updated by the operator&#39;s import"), "{log}");
}

#[tokio::test]
async fn tickets_page_in_keyset_pages_of_fifty() {
    let app = linked_app().await;
    let customer_id: String = {
        use orgportal::db::schema::customers;
        customers::table
            .filter(customers::external_id.eq("CUST-1001"))
            .select(customers::id)
            .first(&mut *app.conn())
            .unwrap()
    };
    let base = time::macros::datetime!(2026-01-01 00:00);
    for i in 0..60 {
        let at = base + time::Duration::hours(i);
        diesel::insert_into(tickets::table)
            .values((
                tickets::id.eq(uuid::Uuid::new_v4().to_string()),
                tickets::customer_id.eq(&customer_id),
                tickets::number.eq(format!("BULK{i:03}")),
                tickets::subject.eq(format!("Bulk ticket {i}")),
                tickets::status.eq("Open"),
                tickets::priority.eq("Low"),
                tickets::opened_at.eq(at),
                tickets::updated_at.eq(at),
            ))
            .execute(&mut *app.conn())
            .unwrap();
    }
    // 61 open tickets: CS0041 (newest), then BULK059 down to BULK000.
    let first = app.browser.get_html(&format!("/orgs/{SLUG}/tickets")).await;
    assert!(first.contains("CS0041") && first.contains("BULK059") && first.contains("BULK011"));
    assert!(!first.contains("BULK010"));
    let next = crate::helpers::next_link(&first).expect("a next page");
    let second = app.browser.get_html(&next).await;
    assert!(second.contains("BULK010") && second.contains("BULK000") && !second.contains("BULK011"));
    assert!(!second.contains("rel=\"next\""));
    assert!(!first.contains("First page"));
    let back = format!("<a href=\"/orgs/{SLUG}/tickets?status=open\">← First page</a>");
    assert!(second.contains(&back), "{second}");
}

#[tokio::test]
async fn raising_a_ticket_keeps_the_form_on_error_and_lands_in_list_and_log() {
    let app = linked_app().await;
    let form = format!("/orgs/{SLUG}/tickets/new");
    let action = format!("/orgs/{SLUG}/tickets");
    let res = app
        .browser
        .submit(&form, &action, &[("subject", "  "), ("priority", "High"), ("description", "Writes stall <b>now</b>")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"subject-error\">Enter a subject."), "{page}");
    assert!(page.contains("Writes stall &#60;b&#62;now&#60;/b&#62;</textarea>"), "the description is kept: {page}");
    assert!(page.contains("<option value=\"High\" selected>"), "the priority is kept");
    assert_eq!(ticket_count(&app), 3);

    let res = app
        .browser
        .submit(&form, &action, &[("subject", "Writes stall"), ("priority", "Urgent"), ("description", "Since 9:00.")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list = app.browser.get_html(&action).await;
    assert!(list.contains("Ticket OP-0001 raised."), "{list}");
    assert!(list.contains("OP-0001") && list.contains("Writes stall") && list.contains("Urgent"));
    let (source, raised_by, description): (String, Option<String>, String) = tickets::table
        .filter(tickets::number.eq("OP-0001"))
        .select((tickets::source, tickets::raised_by, tickets::description))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((source.as_str(), description.as_str()), ("portal", "Since 9:00."));
    assert_eq!(raised_by, Some(app.user_id("ada@northwind.example")));
    let id = ticket_id(&app, "OP-0001");
    assert!(list.contains(&format!("href=\"/orgs/{SLUG}/tickets/{id}\"")), "the subject links the ticket");
    let one = app.browser.get_html(&format!("/orgs/{SLUG}/tickets/{id}")).await;
    assert!(one.contains("Since 9:00.") && one.contains("Ada Admin &#60;ada@northwind.example&#62;"), "{one}");
    let imported = app.browser.get_html(&format!("/orgs/{SLUG}/tickets/{}", ticket_id(&app, "CS0041"))).await;
    assert!(imported.contains("comes from the support system") && imported.contains("Replica lag after upgrade"));
    // Another customer's ticket is not reachable through this organization.
    let foreign = format!("/orgs/{SLUG}/tickets/{}", ticket_id(&app, "CT-1"));
    assert_eq!(app.browser.get(&foreign).await.status(), StatusCode::NOT_FOUND);
    let log = app.browser.get_html(&format!("/orgs/{SLUG}/activity?action=ticket.create")).await;
    assert!(log.contains("OP-0001") && log.contains("Writes stall (Urgent)"), "{log}");

    // The next one is numbered on; re-importing the file keeps portal tickets.
    app.browser.submit(&form, &action, &[("subject", "Second"), ("priority", "Low"), ("description", "d")]).await;
    import(&app);
    let all = app.browser.get_html(&format!("{action}?status=all")).await;
    assert!(all.contains("OP-0001") && all.contains("OP-0002") && all.contains("CS0041"));
    assert_eq!(ticket_count(&app), 5);
}

#[tokio::test]
async fn an_organization_without_customer_account_says_so() {
    let app = spawn_app().await;
    app.browser.sign_in("solo@example.com", "Solo").await;
    let slug = app.browser.create_org("Solo Inc").await;
    for page in ["entitlements", "tickets", "contacts"] {
        let html = app.browser.get_html(&format!("/orgs/{slug}/{page}")).await;
        assert!(html.contains("No customer account linked"), "{page}");
    }
    let form = app.browser.get_html(&format!("/orgs/{slug}/tickets/new")).await;
    assert!(form.contains("only be raised for an organization linked to a customer account"));
    let res = app
        .browser
        .submit(
            &format!("/orgs/{slug}/tickets/new"),
            &format!("/orgs/{slug}/tickets"),
            &[("subject", "Help"), ("priority", "Low"), ("description", "d")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(ticket_count(&app), 0);
}

/// What each role of the default catalog may open and do here, and a non-member.
#[tokio::test]
async fn each_role_sees_what_its_permissions_allow() {
    let app = linked_app().await;
    let technical = app.member(SLUG, "tech@example.com", "Technical user").await;
    let billing = app.member(SLUG, "billing@example.com", "Billing").await;
    let viewer = app.member(SLUG, "viewer@example.com", "View-only").await;
    let stranger = app.new_browser();
    stranger.sign_in("stranger@example.com", "Stranger").await;
    const OK: StatusCode = StatusCode::OK;
    const NO: StatusCode = StatusCode::FORBIDDEN;
    const GONE: StatusCode = StatusCode::NOT_FOUND;
    // (who, browser, customer.view, tickets.create, services.connect)
    let actors: [(&str, &Browser, StatusCode, StatusCode, StatusCode); 5] = [
        ("Admin", &app.browser, OK, OK, OK),
        ("Technical user", &technical, OK, OK, OK),
        ("Billing", &billing, NO, NO, NO),
        ("View-only", &viewer, OK, NO, NO),
        ("non-member", &stranger, GONE, GONE, GONE),
    ];
    for (who, browser, view, raise, connect) in actors {
        for page in ["entitlements", "tickets", "contacts"] {
            assert_eq!(browser.get(&format!("/orgs/{SLUG}/{page}")).await.status(), view, "{who} → {page}");
        }
        assert_eq!(browser.get(&format!("/orgs/{SLUG}/tickets/new")).await.status(), raise, "{who} → ticket form");
        assert_eq!(browser.get(&format!("/orgs/{SLUG}/services")).await.status(), connect, "{who} → services");
        let before = ticket_count(&app);
        let res = browser
            .submit(
                "/getting-started",
                &format!("/orgs/{SLUG}/tickets"),
                &[("subject", who), ("priority", "Low"), ("description", "d")],
            )
            .await;
        let expected = if raise == OK { StatusCode::SEE_OTHER } else { raise };
        assert_eq!(res.status(), expected, "{who} → raise a ticket");
        assert_eq!(ticket_count(&app), before + i64::from(raise == OK), "{who}: tickets");
        let res = browser.submit("/getting-started", &format!("/orgs/{SLUG}/services"), &[("name", who)]).await;
        assert_eq!(res.status(), connect, "{who} → connect a service");

        // The navigation links only what opens.
        if who != "non-member" {
            let overview = browser.get_html(&format!("/orgs/{SLUG}")).await;
            let links = |p: &str| overview.contains(&format!("href=\"/orgs/{SLUG}/{p}\""));
            assert_eq!(links("entitlements") && links("contacts"), view == OK, "{who}: customer links");
            assert_eq!(links("services"), connect == OK, "{who}: services link");
        }
    }
}

/// A catalog may let a role raise tickets without seeing the list: the
/// ticket is raised and the member lands on the organization page.
#[tokio::test]
async fn raising_without_customer_view_lands_on_the_organization() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("roles.toml");
    std::fs::write(
        &catalog,
        r#"owner_role = "Admin"
default_role = "Requester"
[[roles]]
name = "Admin"
description = "Everything."
permissions = ["*"]
[[roles]]
name = "Requester"
description = "Raises tickets."
permissions = ["org.view", "tickets.create"]
"#,
    )
    .unwrap();
    let app = crate::helpers::spawn_app_with(|s| s.roles_file = Some(catalog)).await;
    import(&app);
    app.browser.sign_in("ada@northwind.example", "Ada Admin").await;
    let requester = app.member(SLUG, "req@example.com", "Requester").await;
    assert_eq!(requester.get(&format!("/orgs/{SLUG}/tickets")).await.status(), StatusCode::FORBIDDEN);
    let res = requester
        .submit(
            &format!("/orgs/{SLUG}/tickets/new"),
            &format!("/orgs/{SLUG}/tickets"),
            &[("subject", "Please call"), ("priority", "Normal"), ("description", "d")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(crate::helpers::location(&res), format!("/orgs/{SLUG}"));
    assert!(requester.get_html(&format!("/orgs/{SLUG}")).await.contains("Ticket OP-0001 raised."));
    assert_eq!(ticket_count(&app), 4);
}

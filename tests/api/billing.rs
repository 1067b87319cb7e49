//! The Billing page: details edited by billing.manage, invoices and priced
//! entitlements from the import (amounts in minor units, formatted per
//! currency), the billing contact's mail about new and overdue invoices,
//! and who may open or change what.

use diesel::prelude::*;
use orgportal::db::schema::{billing_details, invoices, mail_outbox};
use orgportal::mail::templates::InvoiceMail;
use reqwest::StatusCode;

use crate::helpers::{hidden_field, spawn_app, TestApp};

const SLUG: &str = "northwind-databases";

fn file(status: &str, extra: &str) -> String {
    format!(
        r#"{{"customers": [{{"external_id": "CUST-1", "name": "Northwind Databases",
  "contacts": [{{"email": "ada@northwind.example", "name": "Ada Admin", "portal_role": "Admin"}}],
  "entitlements": [
    {{"product": "MySQL Support", "support_level": "Premium", "start": "2026-01-01", "end": "2026-12-31", "quantity": 20, "price": "12000.5", "currency": "EUR"}},
    {{"product": "Free tier", "support_level": "Basic", "start": "2026-01-01", "end": "2026-12-31", "quantity": 1}}
  ],
  "invoices": [
    {{"number": "INV-EUR", "issued": "2026-11-01", "period_start": "2026-11-01", "period_end": "2026-11-30", "amount": "1234.5", "currency": "EUR", "status": "{status}", "due": "2026-12-01", "pdf_url": "https://billing.example/INV-EUR.pdf"}},
    {{"number": "INV-USD", "issued": "2026-10-01", "period_start": "2026-10-01", "period_end": "2026-10-31", "amount": "0.99", "currency": "USD", "status": "paid", "due": "2026-11-01"}},
    {{"number": "=HYPERLINK(1)", "issued": "2026-09-01", "period_start": "2026-09-01", "period_end": "2026-09-30", "amount": "149000", "currency": "JPY", "status": "void", "due": "2026-10-01"}}
    {extra}
  ]}}]}}"#
    )
}

/// Imports `json` with the real mail renderer; returns the report's mail count.
fn import(app: &TestApp, json: &str) -> usize {
    let records = orgportal::domain::customer_import::parse(json).unwrap();
    let render = |n: &orgportal::store::billing::invoices::InvoiceNotice<'_>| {
        InvoiceMail::of(n, "http://portal.test").render().ok()
    };
    orgportal::store::customer::import::import(&mut app.conn(), &records, &render, app.settings.clock.now())
        .unwrap()
        .mails
}

fn mails(app: &TestApp) -> Vec<(String, String)> {
    mail_outbox::table
        .filter(mail_outbox::invitation_id.is_null())
        .filter(mail_outbox::project_invitation_id.is_null())
        .order(mail_outbox::created_at.asc())
        .select((mail_outbox::to_addr, mail_outbox::subject))
        .load(&mut *app.conn())
        .unwrap()
}

fn details_form(email: &str, country: &str) -> Vec<(&'static str, String)> {
    vec![
        ("contact_name", "Bea Billing".into()),
        ("contact_email", email.into()),
        ("legal_name", "Northwind Databases GmbH".into()),
        ("address_line1", "Hauptstraße 1".into()),
        ("address_line2", "".into()),
        ("city", "Berlin".into()),
        ("postal_code", "10115".into()),
        ("country", country.into()),
        ("tax_id", "DE123456789".into()),
    ]
}

async fn save_details(browser: &crate::helpers::Browser, fields: &[(&'static str, String)]) -> reqwest::Response {
    let page = format!("/orgs/{SLUG}/billing");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.submit(&page, &format!("{page}/details"), &fields).await
}

#[tokio::test]
async fn invoices_and_prices_show_in_their_currency_and_export_safely() {
    let app = spawn_app().await;
    import(&app, &file("open", ""));
    app.browser.sign_in("ada@northwind.example", "Ada Admin").await;
    let page = app.browser.get_html(&format!("/orgs/{SLUG}/billing")).await;
    assert!(page.contains(">Billing</a>"), "in the navigation");
    for text in ["€1,234.50", "$0.99", "¥149,000", "€12,000.50", "INV-EUR", "https://billing.example/INV-EUR.pdf"]
    {
        assert!(page.contains(text), "{text}");
    }
    assert!(!page.contains("Free tier"), "only priced entitlements in the subscription");
    let stored: i64 = invoices::table
        .filter(invoices::number.eq("INV-EUR"))
        .select(invoices::amount_minor)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(stored, 123_450, "minor units");
    let jpy: i64 = invoices::table
        .filter(invoices::currency.eq("JPY"))
        .select(invoices::amount_minor)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(jpy, 149_000, "yen have no minor unit");

    let res = app.browser.get(&format!("/orgs/{SLUG}/billing/invoices.csv")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "number,issued,period_start,period_end,amount,currency,status,due,pdf_url");
    assert!(lines[1].starts_with("INV-EUR,2026-11-01,") && lines[1].contains(",1234.50,EUR,open,"));
    assert!(csv.contains("'=HYPERLINK(1)"), "a formula is neutralized: {csv}");

    // Import again: idempotent by number, nothing duplicated.
    import(&app, &file("open", ""));
    let n: i64 = invoices::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(n, 3);
}

#[tokio::test]
async fn invoices_page_newest_first_in_keyset_pages() {
    let app = spawn_app().await;
    let extra: String = (1..=30)
        .map(|i| {
            format!(
                r#", {{"number": "OLD-{i:02}", "issued": "2025-01-{i:02}", "period_start": "2025-01-01", "period_end": "2025-01-31", "amount": "{i}", "currency": "USD", "status": "paid", "due": "2025-02-01"}}"#
            )
        })
        .collect();
    import(&app, &file("open", &extra));
    app.browser.sign_in("ada@northwind.example", "Ada Admin").await;
    let first = app.browser.get_html(&format!("/orgs/{SLUG}/billing")).await;
    assert!(first.contains("INV-EUR") && first.contains("OLD-30") && !first.contains("OLD-01<"));
    let next = crate::helpers::next_link(&first).expect("an Older link");
    let second = app.browser.get_html(&next).await;
    assert!(second.contains("OLD-01<") && !second.contains("INV-EUR"), "the rest, older");
}

/// What the Billing page shows is kept per organization (issue 33): every
/// change shows on the next request, whichever instance or tool made it.
#[tokio::test]
async fn the_kept_billing_page_shows_every_change_on_the_next_request() {
    use orgportal::db::schema::{billed_members, customers, entitlements, users};
    let app = spawn_app().await;
    import(&app, &file("open", ""));
    app.browser.sign_in("ada@northwind.example", "Ada Admin").await;
    let url = format!("/orgs/{SLUG}/billing");
    let page = app.browser.get_html(&url).await;
    assert!(page.contains("INV-EUR") && page.contains("€12,000.50") && !page.contains("GmbH"));

    // Billing details saved on another instance.
    let other = app.second_instance().await;
    let there = app.browser.at(&other.address);
    let res = save_details(&there, &details_form("bea@northwind.example", "DE")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(app.browser.get_html(&url).await.contains("Northwind Databases GmbH"));

    // Behind the portal's back: details, the customer account, an entitlement, an invoice.
    diesel::update(billing_details::table)
        .set(billing_details::legal_name.eq("Northwind Holding AG"))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(app.browser.get_html(&url).await.contains("Northwind Holding AG"));
    diesel::update(customers::table).set(customers::name.eq("Northwind Renamed")).execute(&mut *app.conn()).unwrap();
    assert!(app.browser.get_html(&url).await.contains("Northwind Renamed"));
    diesel::update(entitlements::table.filter(entitlements::product.eq("MySQL Support")))
        .set(entitlements::price_minor.eq(999_900))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(app.browser.get_html(&url).await.contains("€9,999.00"));
    diesel::delete(invoices::table.filter(invoices::number.eq("INV-EUR"))).execute(&mut *app.conn()).unwrap();
    assert!(!app.browser.get_html(&url).await.contains("INV-EUR"));

    // A billed member written into the database, then renamed.
    assert!(app.browser.get_html(&url).await.contains("Nobody's personal usage is billed"));
    let ada_id = app.user_id("ada@northwind.example");
    diesel::insert_into(billed_members::table)
        .values((
            billed_members::id.eq("bm-1"),
            billed_members::org_id.eq(app.org_id(SLUG)),
            billed_members::user_id.eq(&ada_id),
            billed_members::since.eq(app.settings.clock.now()),
            billed_members::added_by.eq("Ada Admin"),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    assert!(!app.browser.get_html(&url).await.contains("Nobody's personal usage is billed"));
    diesel::update(users::table.find(&ada_id)).set(users::name.eq("Ada Renamed")).execute(&mut *app.conn()).unwrap();
    assert!(app.browser.get_html(&url).await.contains("Ada Renamed<br>"));
}

#[tokio::test]
async fn details_are_checked_kept_and_logged_and_the_contact_gets_invoice_mail_once() {
    let app = spawn_app().await;
    import(&app, &file("open", ""));
    app.browser.sign_in("ada@northwind.example", "Ada Admin").await;
    assert!(mails(&app).is_empty(), "no billing contact yet: no mail");

    let res = save_details(&app.browser, &details_form("not-an-email", "XX")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("is not a valid email address") && html.contains("Choose a country."));
    assert!(html.contains("value=\"Northwind Databases GmbH\""), "the form keeps what was typed");
    let saved: i64 = billing_details::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(saved, 0);

    let res = save_details(&app.browser, &details_form("Bea@Northwind.example", "DE")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = app.browser.get_html(&format!("/orgs/{SLUG}/billing")).await;
    assert!(page.contains("Billing details saved.") && page.contains("<option value=\"DE\" selected>Germany</option>"));
    let mut changed = details_form("bea@northwind.example", "AT");
    changed[5].1 = "Wien".into();
    save_details(&app.browser, &changed).await;
    let log = app.browser.get_html(&format!("/orgs/{SLUG}/activity")).await;
    assert!(log.contains("city: Berlin → Wien; country: DE → AT"), "what changed is in the log");
    assert_eq!(app.activity_count("billing.update"), 2);

    // A new invoice and one turning overdue: one mail each, never twice.
    let extra = r#", {"number": "INV-NEW", "issued": "2026-11-15", "period_start": "2026-11-01", "period_end": "2026-11-30", "amount": "10", "currency": "EUR", "status": "open", "due": "2026-12-15"}"#;
    assert_eq!(import(&app, &file("overdue", extra)), 2);
    let sent = mails(&app);
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|(to, _)| to == "bea@northwind.example"));
    assert!(sent.iter().any(|(_, s)| s == "Invoice INV-EUR of Northwind Databases is overdue"));
    assert!(sent.iter().any(|(_, s)| s == "New invoice INV-NEW for Northwind Databases"));
    let body: String = mail_outbox::table
        .filter(mail_outbox::subject.like("New invoice%"))
        .select(mail_outbox::body_text)
        .first(&mut *app.conn())
        .unwrap();
    assert!(body.contains("€10.00") && body.contains("http://portal.test/orgs/northwind-databases/billing"));
    assert_eq!(import(&app, &file("overdue", extra)), 0, "the same file again sends nothing");
    assert_eq!(import(&app, &file("paid", extra)), 0);
    assert_eq!(import(&app, &file("overdue", extra)), 0, "overdue again: told once already");
    assert_eq!(mails(&app).len(), 2);
}

#[tokio::test]
async fn only_billing_view_opens_and_only_billing_manage_changes() {
    let app = spawn_app().await;
    import(&app, &file("open", ""));
    app.browser.sign_in("ada@northwind.example", "Ada Admin").await;
    save_details(&app.browser, &details_form("bea@northwind.example", "DE")).await;
    let page = format!("/orgs/{SLUG}/billing");
    let before =
        || -> Vec<String> { billing_details::table.select(billing_details::city).load(&mut *app.conn()).unwrap() };
    let start = before();

    let billing = app.member(SLUG, "bill@example.com", "Billing").await;
    assert!(billing.get_html(&page).await.contains("Save billing details"), "Billing manages");
    let viewer = app.member(SLUG, "viewer@example.com", "View-only").await;
    let tech = app.member(SLUG, "tech@example.com", "Technical user").await;
    let stranger = app.new_browser();
    stranger.sign_in("stranger@example.com", "Stranger").await;

    // View-only sees the details read-only and cannot change them.
    let html = viewer.get_html(&page).await;
    assert!(html.contains("Northwind Databases GmbH") && !html.contains("Save billing details"));
    for (who, browser, get, post) in [
        ("View-only", &viewer, StatusCode::OK, StatusCode::FORBIDDEN),
        ("Technical user", &tech, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        ("non-member", &stranger, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(browser.get(&page).await.status(), get, "{who} → page");
        assert_eq!(browser.get(&format!("{page}/invoices.csv")).await.status(), get, "{who} → CSV");
        let token = hidden_field(&browser.get_html("/getting-started").await, "csrf_token");
        let mut fields: Vec<(&str, String)> = details_form("evil@example.com", "FR");
        fields[5].1 = "Paris".into();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(browser.post(&format!("{page}/details"), &all).await.status(), post, "{who} → save");
        assert_eq!(before(), start, "{who}: nothing changed");
    }
    assert!(!tech.get_html(&format!("/orgs/{SLUG}")).await.contains(">Billing</a>"), "no link without billing.view");
}

#[tokio::test]
async fn staff_read_the_billing_page_and_each_view_is_logged() {
    let app = crate::helpers::spawn_app_with(|s| s.staff_emails = vec!["sam@support.example".into()]).await;
    import(&app, &file("open", ""));
    app.browser.sign_in("ada@northwind.example", "Ada Admin").await;
    save_details(&app.browser, &details_form("bea@northwind.example", "DE")).await;
    let sam = app.new_browser();
    sam.sign_in("sam@support.example", "Sam Support").await;

    let page = sam.get_html(&format!("/staff/orgs/{SLUG}/billing")).await;
    assert!(page.contains("Read-only support view") && page.contains("€1,234.50") && page.contains("Germany"));
    assert!(!page.contains("Save billing details") && !page.contains("invoices.csv"), "nothing to change or export");
    let views: i64 = {
        use orgportal::db::schema::activity;
        activity::table
            .filter(activity::action.eq("staff.view"))
            .filter(activity::target.eq("billing"))
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(views, 1, "the view is in the organization's activity");
    // Staff are not members: the organization's own billing routes are 404 to them.
    assert_eq!(sam.get(&format!("/orgs/{SLUG}/billing")).await.status(), StatusCode::NOT_FOUND);
    let token = hidden_field(&sam.get_html("/getting-started").await, "csrf_token");
    let res = sam.post(&format!("/orgs/{SLUG}/billing/details"), &[("csrf_token", &token), ("city", "Paris")]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let city: String = billing_details::table.select(billing_details::city).first(&mut *app.conn()).unwrap();
    assert_eq!(city, "Berlin");
}

#[tokio::test]
async fn every_role_of_every_catalog_gets_what_its_billing_permissions_say() {
    use orgportal::domain::{Permission, RoleCatalog};
    for file in ["default.toml", "particle.toml", "packet.toml", "segments.toml"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogs").join(file);
        let catalog = RoleCatalog::from_toml(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let app = crate::helpers::spawn_app_with(move |s| s.roles_file = Some(path)).await;
        let slug = crate::helpers::admin_with_org(&app, "owner@example.com", "Acme").await;
        let page = format!("/orgs/{slug}/billing");
        for (i, role) in catalog.roles().iter().enumerate() {
            let browser = app.member(&slug, &format!("person{i}@example.com"), &role.name).await;
            let (view, manage) = (
                catalog.grants(&role.name, Permission::BillingView),
                catalog.grants(&role.name, Permission::BillingManage),
            );
            let expected = if view { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(browser.get(&page).await.status(), expected, "{file} {}: page", role.name);
            let token = hidden_field(&browser.get_html("/getting-started").await, "csrf_token");
            let city = format!("City {i}");
            let mut fields = details_form("bea@example.com", "DE");
            fields[5].1 = city.clone();
            let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
            all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            let status = browser.post(&format!("{page}/details"), &all).await.status();
            let saved: Option<String> =
                billing_details::table.select(billing_details::city).first(&mut *app.conn()).optional().unwrap();
            if manage {
                assert_eq!(status, StatusCode::SEE_OTHER, "{file} {}: save", role.name);
                assert_eq!(saved.as_deref(), Some(city.as_str()));
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{file} {}: save", role.name);
                assert_ne!(saved.as_deref(), Some(city.as_str()), "{file} {}: nothing changed", role.name);
            }
        }
    }
}

#[tokio::test]
async fn the_roles_page_says_what_the_billing_role_opens() {
    let app = spawn_app().await;
    let slug = crate::helpers::admin_with_org(&app, "owner@example.com", "Acme").await;
    let bill = app.member(&slug, "bill@example.com", "Billing").await;
    let roles = bill.get_html(&format!("/orgs/{slug}/roles")).await;
    assert!(roles.contains("Open the Billing pages: billing details, subscription, invoices, usage"));
    assert!(roles.contains("opens the Billing pages (billing details, subscription, invoices, usage and their CSV)"));
    let nav = bill.get_html(&format!("/orgs/{slug}")).await;
    assert!(nav.contains(&format!("href=\"/orgs/{slug}/billing\"")), "the Billing role sees the link");
}

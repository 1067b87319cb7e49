//! The Usage page of a month: its projects a page at a time, a project that
//! moved out (its days before the move stay on this bill), a deleted one
//! (its usage stays in the totals), the CSV export, and no other
//! organization's project by day.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{admin_with_org, spawn_app};
use crate::html::next_link;
use crate::project_tokens::new_token;
use crate::projects::create;
use crate::usage::{rec, report};

fn project_id(app: &crate::helpers::TestApp, name: &str) -> String {
    use diesel::prelude::*;
    use orgportal::db::schema::projects;
    projects::table.filter(projects::name.eq(name)).select(projects::id).first(&mut *app.conn()).unwrap()
}

#[tokio::test]
async fn the_usage_page_pages_projects_and_keeps_moved_and_deleted_ones() {
    let app = spawn_app().await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    let globex = app.browser.create_org("Globex").await;
    let base = format!("/orgs/{acme}/projects");
    for i in 0..52 {
        create(&app.browser, &base, &format!("P{i:02}"), "").await;
    }
    create(&app.browser, &base, "=SUM(1)", "formula").await;
    let moved = new_token(&app.browser, &format!("{base}/p00"), "Platform").await;
    let deleted = new_token(&app.browser, &format!("{base}/p01"), "Platform").await;
    let formula = new_token(&app.browser, &format!("{base}/formula"), "Platform").await;
    let yesterday_date = app.settings.clock.now().date() - time::Duration::days(1);
    let (yesterday, today) = (yesterday_date.to_string(), app.settings.clock.now().date().to_string());
    let month = orgportal::domain::usage::month_key(yesterday_date);
    report(&app, &moved, &json!([rec("m1", "device.hours", 3, &yesterday)])).await;
    report(&app, &deleted, &json!([rec("d1", "device.hours", 7, &yesterday)])).await;
    report(&app, &formula, &json!([rec("f1", "sim.data_mb", 11, &yesterday)])).await;

    // P00 moves to Globex today, P01 is deleted.
    let transfer = format!("{base}/p00/transfer");
    assert_eq!(app.browser.submit(&transfer, &transfer, &[("to", &globex)]).await.status(), StatusCode::SEE_OTHER);
    report(&app, &moved, &json!([rec("m2", "device.hours", 100, &today)])).await;
    let settings = format!("{base}/p01/settings");
    let res = app.browser.submit(&settings, &format!("{base}/p01/delete"), &[("confirm_name", "P01")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let usage = format!("/orgs/{acme}/billing/usage");
    let first = app.browser.get_html(&format!("{usage}?month={month}")).await;
    // 3 (moved, before the move) + 7 (deleted) device hours; 11 MB.
    assert!(first.contains("<td class=\"num\"><strong>10</strong></td>"), "{first}");
    assert!(first.contains("<td class=\"num\"><strong>11</strong></td>"));
    assert!(first.contains("Deleted projects") && first.contains("Projects moved out"));
    let moved_section = &first[first.find("Projects moved out").unwrap()..];
    assert!(moved_section.contains(">P00</a>"), "P00 under moved out");
    assert!(!first.contains(">P01</a>"), "a deleted project is not listed by name");
    let rows = first.matches("/billing/usage/projects/").count();
    assert_eq!(rows, 50 + 1, "50 projects on the first page, and P00 moved out: {first}");
    let next = next_link(&first).expect("a next page");
    let second = app.browser.get_html(&next.replace("&amp;", "&")).await;
    // 51 projects stay in Acme: the one left for the second page.
    assert_eq!(second.matches("/billing/usage/projects/").count(), 1, "{second}");
    assert!(!second.contains("Projects moved out"), "shown once, on the first page");

    // Globex pays for today's usage of P00; Acme's view of it by day shows yesterday only.
    let p00 = project_id(&app, "P00");
    let globex_days = app.browser.get_html(&format!("/orgs/{globex}/billing/usage/projects/{p00}")).await;
    assert!(globex_days.contains("<td class=\"num\">100</td>"), "{globex_days}");
    let acme_days = app.browser.get_html(&format!("{usage}/projects/{p00}?month={month}")).await;
    assert!(acme_days.contains("<td class=\"num\">3</td>") && !acme_days.contains(">100<"), "{acme_days}");
    assert!(acme_days.contains("belongs to someone else now"));

    // Another organization's project is not Acme's to open.
    let other = app.new_browser();
    other.sign_in("ivy@example.com", "Ivy").await;
    let initech = other.create_org("Initech").await;
    create(&other, &format!("/orgs/{initech}/projects"), "Secret", "").await;
    let secret = project_id(&app, "Secret");
    assert_eq!(app.browser.get(&format!("{usage}/projects/{secret}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        other.get(&format!("/orgs/{initech}/billing/usage/projects/{p00}")).await.status(),
        StatusCode::NOT_FOUND
    );

    // The CSV of the month: one line per project and metric, cells neutralized.
    let res = app.browser.get(&format!("{usage}.csv?month={month}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let csv = res.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("month,space,project,metric,quantity"));
    let body: Vec<&str> = lines.collect();
    assert!(body.contains(&format!("{month},Acme,'=SUM(1),sim.data_mb,11").as_str()), "{csv}");
    assert!(body.contains(&format!("{month},Acme,P00,device.hours,3").as_str()), "{csv}");
    assert!(body.contains(&format!("{month},deleted projects,,device.hours,7").as_str()), "{csv}");
    assert_eq!(body.len(), 3, "{csv}");
}

#[tokio::test]
async fn a_billed_member_who_deletes_their_account_stays_on_the_bill() {
    let app = spawn_app().await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    let carol = app.member(&acme, "carol@example.com", "View-only").await;
    let page = format!("/orgs/{acme}/billing");
    let res = app.browser.submit(&page, &format!("{page}/members"), &[("email", "carol@example.com")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    create(&carol, "/personal/projects", "Lab", "").await;
    let token = new_token(&carol, "/personal/projects/lab", "Platform").await;
    let today = app.settings.clock.now().date().to_string();
    report(&app, &token, &json!([rec("l1", "device.hours", 9, &today)])).await;
    let usage = format!("/orgs/{acme}/billing/usage");
    let before = app.browser.get_html(&usage).await;
    assert!(before.contains("carol&#39;s personal space") || before.contains("carol's personal space"), "{before}");
    assert!(before.contains(">Lab</a>"));

    let res = carol.submit("/settings/delete", "/settings/delete", &[("confirm_email", "carol@example.com")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.activity_count("billing.member_end"), 1, "leaving ends the billing");
    let after = app.browser.get_html(&usage).await;
    // The project and its records went with the account; what it used stays on the bill.
    assert!(after.contains("Deleted projects") && !after.contains(">Lab</a>"), "{after}");
    assert!(after.contains("<td class=\"num\"><strong>9</strong></td>"), "{after}");
    assert!(!after.contains("Deleted account"), "no empty line for the deleted account: {after}");
}

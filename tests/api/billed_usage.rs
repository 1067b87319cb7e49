//! Billed members (Particle's list of people whose personal usage the
//! organization pays) and the Usage page: the list's rules, each role
//! against the pages and the list, attribution across a month boundary,
//! moved-out and deleted projects, the by-day view, CSV and staff's view.

use diesel::prelude::*;
use orgportal::db::schema::{billed_members, usage_monthly, usage_org_monthly};
use reqwest::StatusCode;
use serde_json::json;
use time::Date;

use crate::helpers::{admin_with_org, spawn_app, spawn_app_with, TestApp};
use crate::project_tokens::new_token;
use crate::projects::create;
use crate::usage::{rec, report};

/// Every billed period: (user email, org slug, open).
fn periods(app: &TestApp) -> Vec<(String, String, bool, String)> {
    use orgportal::db::schema::{organizations, users};
    let mut rows: Vec<(String, String, Option<time::PrimitiveDateTime>, String)> = billed_members::table
        .inner_join(users::table)
        .inner_join(organizations::table)
        .select((users::email, organizations::slug, billed_members::until, billed_members::ended_by))
        .load(&mut *app.conn())
        .unwrap();
    rows.sort();
    rows.into_iter().map(|(email, slug, until, by)| (email, slug, until.is_none(), by)).collect()
}

async fn bill(browser: &crate::helpers::Browser, slug: &str, email: &str) -> reqwest::Response {
    let page = format!("/orgs/{slug}/billing");
    browser.submit(&page, &format!("{page}/members"), &[("email", email)]).await
}

#[tokio::test]
async fn billed_members_are_added_and_removed_one_organization_at_a_time() {
    let app = spawn_app().await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    let carol = app.member(&acme, "carol@example.com", "View-only").await;
    let globex_admin = app.new_browser();
    globex_admin.sign_in("gina@example.com", "Gina").await;
    let globex = globex_admin.create_org("Globex").await;
    app.join(&globex, "carol@example.com", "View-only");

    // Bad input: a message next to the field, what was typed kept, nothing stored.
    let cases = [
        ("not-an-address", "is not a valid email address"),
        ("nobody@example.com", "No member of Acme has the address nobody@example.com"),
        ("gina@example.com", "No member of Acme has the address gina@example.com"),
    ];
    for (typed, message) in cases {
        let res = bill(&app.browser, &acme, typed).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        let html = res.text().await.unwrap();
        assert!(html.contains(message), "{typed}: {html}");
        assert!(html.contains(&format!("value=\"{typed}\"")) && html.contains("id=\"billed-email-error\""));
    }
    assert!(periods(&app).is_empty());

    let res = bill(&app.browser, &acme, " Carol@Example.com ").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = app.browser.get_html(&format!("/orgs/{acme}/billing")).await;
    assert!(page.contains("carol&#39;s personal usage is billed to Acme from now.") || page.contains("from now."));
    assert!(page.contains("carol@example.com") && page.contains("Billed since"), "{page}");
    assert_eq!(app.activity_count("billing.member_add"), 1);
    let res = bill(&app.browser, &acme, "carol@example.com").await;
    assert!(res.text().await.unwrap().contains("carol@example.com is already billed to Acme."));

    // A second organization is refused with the first one named.
    let res = bill(&globex_admin, &globex, "carol@example.com").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("already billed to Acme (since") && html.contains("Acme must remove them first"), "{html}");
    assert_eq!(periods(&app), vec![("carol@example.com".into(), acme.clone(), true, String::new())]);

    // The person sees it in their personal space and their settings.
    let since = "Your personal usage is billed to Acme since";
    assert!(carol.get_html("/personal/projects").await.contains(since));
    assert!(carol.get_html("/settings/organizations").await.contains(since));

    // Removed: the period ends (kept as history) and Globex may add them.
    let carol_id = app.user_id("carol@example.com");
    let page = format!("/orgs/{acme}/billing");
    let res = app.browser.submit(&page, &format!("{page}/members/{carol_id}/remove"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page_html = app.browser.get_html(&page).await;
    assert!(page_html.contains("Earlier periods") && page_html.contains("owner@example.com"));
    assert!(!carol.get_html("/personal/projects").await.contains(since));
    assert_eq!(app.activity_count("billing.member_remove"), 1);
    let again = app.browser.submit(&page, &format!("{page}/members/{carol_id}/remove"), &[]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "not billed any more");
    assert_eq!(bill(&globex_admin, &globex, "carol@example.com").await.status(), StatusCode::SEE_OTHER);
    assert!(carol.get_html("/settings/organizations").await.contains("billed to Globex since"));

    // Leaving the organization ends it, with its activity row.
    let leave = "/settings/organizations";
    let res = carol.submit(leave, &format!("{leave}/{globex}/leave"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let all = periods(&app);
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|(_, _, open, _)| !open), "{all:?}");
    assert!(all.contains(&("carol@example.com".into(), globex.clone(), false, "left the organization".into())));
    assert_eq!(app.activity_count("billing.member_end"), 1);
    assert!(!carol.get_html("/personal/projects").await.contains("billed to"));
}

#[tokio::test]
async fn each_role_against_the_usage_pages_and_the_billed_list() {
    let app = spawn_app_with(|s| s.staff_emails = vec!["staff@example.com".into()]).await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    create(&app.browser, &format!("/orgs/{acme}/projects"), "Fleet", "").await;
    let fleet = new_token(&app.browser, &format!("/orgs/{acme}/projects/fleet"), "Platform").await;
    let today = app.settings.clock.now().date().to_string();
    report(&app, &fleet, &json!([rec("r1", "device.hours", 5, &today)])).await;
    let project_id = {
        use orgportal::db::schema::projects;
        projects::table.select(projects::id).first::<String>(&mut *app.conn()).unwrap()
    };
    let billing = app.member(&acme, "bill@example.com", "Billing").await;
    let viewer = app.member(&acme, "vic@example.com", "View-only").await;
    let tech = app.member(&acme, "tec@example.com", "Technical user").await;
    let outsider = app.new_browser();
    outsider.sign_in("out@example.com", "Out").await;
    outsider.create_org("Other").await;
    assert_eq!(bill(&app.browser, &acme, "tec@example.com").await.status(), StatusCode::SEE_OTHER);
    let tec_id = app.user_id("tec@example.com");

    let usage = format!("/orgs/{acme}/billing/usage");
    let reads = [usage.clone(), format!("{usage}.csv"), format!("{usage}/projects/{project_id}")];
    let billing_page = format!("/orgs/{acme}/billing");
    // (who, may read, may change the list, status of a refused read, of a refused change)
    let who = [
        ("Admin", &app.browser, true, true, StatusCode::OK),
        ("Billing", &billing, true, true, StatusCode::OK),
        ("View-only", &viewer, true, false, StatusCode::FORBIDDEN),
        ("Technical user", &tech, false, false, StatusCode::FORBIDDEN),
        ("another organization's admin", &outsider, false, false, StatusCode::NOT_FOUND),
    ];
    for (role, browser, may_read, may_change, refused) in who {
        for path in &reads {
            let status = browser.get(path).await.status();
            let expected = if may_read { StatusCode::OK } else { refused };
            assert_eq!(status, expected, "{role} GET {path}");
        }
        if may_change {
            continue;
        }
        let before = periods(&app);
        let token_page = if may_read { billing_page.clone() } else { "/settings/organizations".to_string() };
        let add =
            browser.submit(&token_page, &format!("{billing_page}/members"), &[("email", "vic@example.com")]).await;
        let remove = browser.submit(&token_page, &format!("{billing_page}/members/{tec_id}/remove"), &[]).await;
        let expected = if role.starts_with("another") { StatusCode::NOT_FOUND } else { StatusCode::FORBIDDEN };
        assert_eq!((add.status(), remove.status()), (expected, expected), "{role} changes the list");
        assert_eq!(periods(&app), before, "{role}: nothing changed");
        if may_read {
            let page = browser.get_html(&billing_page).await;
            assert!(!page.contains("Bill their personal usage") && !page.contains("/remove\""), "{role} sees no form");
        }
    }
    let billing_form = billing.get_html(&billing_page).await;
    assert!(billing_form.contains("Bill their personal usage"));
    assert_eq!(bill(&billing, &acme, "vic@example.com").await.status(), StatusCode::SEE_OTHER);
    assert!(periods(&app).iter().any(|(email, _, open, _)| email == "vic@example.com" && *open));

    // Staff read the Usage page without changing anything; each view is logged.
    let staff = app.new_browser();
    staff.sign_in("staff@example.com", "Sam Staff").await;
    let views = app.activity_count("staff.view");
    let html = staff.get_html(&format!("/staff/orgs/{acme}/billing/usage")).await;
    assert!(html.contains("Read-only support view") && html.contains("Fleet") && !html.contains("Export CSV"));
    let day = staff.get_html(&format!("/staff/orgs/{acme}/billing/usage/projects/{project_id}")).await;
    assert!(day.contains("Fleet") && day.contains(">5<"), "{day}");
    assert_eq!(app.activity_count("staff.view"), views + 2);
    let staff_billing = staff.get_html(&format!("/staff/orgs/{acme}/billing")).await;
    assert!(staff_billing.contains("tec@example.com") && !staff_billing.contains("Bill their personal usage"));
}

fn days(n: i64) -> std::time::Duration {
    std::time::Duration::from_secs(u64::try_from(n).unwrap() * 24 * 3600)
}

/// (month, payer slug or "", via email or "", quantity) of every monthly total.
fn monthly(app: &TestApp) -> Vec<(String, String, String, i64)> {
    use orgportal::db::schema::{organizations, users};
    let mut conn = app.conn();
    let rows: Vec<(Date, String, String, i64)> = usage_monthly::table
        .select((
            usage_monthly::month,
            usage_monthly::payer_org_id,
            usage_monthly::via_user_id,
            usage_monthly::quantity,
        ))
        .load(&mut *conn)
        .unwrap();
    let mut out: Vec<(String, String, String, i64)> = rows
        .into_iter()
        .map(|(month, payer, via, q)| {
            let slug = organizations::table
                .find(&payer)
                .select(organizations::slug)
                .first::<String>(&mut *conn)
                .unwrap_or_default();
            let email = users::table.find(&via).select(users::email).first::<String>(&mut *conn).unwrap_or_default();
            (orgportal::domain::usage::month_key(month), slug, email, q)
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn personal_usage_follows_billing_and_transfers_across_a_month_boundary() {
    for start in crate::helpers::START_DAYS {
        usage_across_a_month_boundary(start).await;
    }
}

async fn usage_across_a_month_boundary(start: time::PrimitiveDateTime) {
    // The clock moves up to a month and two days on: sessions must outlive that.
    let app = crate::helpers::spawn_app_at(start, |s| (s.session_idle, s.session_max) = (days(60), days(60))).await;
    let acme = admin_with_org(&app, "owner@example.com", "Acme").await;
    create(&app.browser, "/personal/projects", "Notes", "").await;
    let token = new_token(&app.browser, "/personal/projects/notes", "Platform").await;
    let clock = &app.settings.clock;
    let first = clock.now().date();
    let yesterday = (first - time::Duration::days(1)).to_string();
    report(&app, &token, &json!([rec("a", "m", 1, &yesterday)])).await;
    clock.advance(std::time::Duration::from_secs(60));
    assert_eq!(bill(&app.browser, &acme, "owner@example.com").await.status(), StatusCode::SEE_OTHER);
    report(&app, &token, &json!([rec("b", "m", 2, &first.to_string())])).await;

    // On to the second day of the next month.
    let next = orgportal::domain::usage::next_month(first);
    let last_day = next - time::Duration::days(1);
    clock.advance(days((next - first).whole_days() + 1));
    let today = clock.now().date();
    assert_eq!(today, next + time::Duration::days(1));
    // Reported late, the last day of the first month still counts for Acme.
    let late = json!([rec("c", "m", 4, &last_day.to_string()), rec("d", "m", 8, &next.to_string())]);
    assert_eq!(report(&app, &token, &late).await.0, StatusCode::OK);
    // Removed today: today is no longer billed (the payer is who pays at the end of the day).
    let owner_id = app.user_id("owner@example.com");
    let page = format!("/orgs/{acme}/billing");
    app.browser.submit(&page, &format!("{page}/members/{owner_id}/remove"), &[]).await;
    report(&app, &token, &json!([rec("e", "m", 16, &today.to_string())])).await;
    // Then moved into Acme: from today on, Acme's own project.
    clock.advance(days(1));
    let transfer = "/personal/projects/notes/transfer";
    assert_eq!(app.browser.submit(transfer, transfer, &[("to", &acme)]).await.status(), StatusCode::SEE_OTHER);
    let after = clock.now().date().to_string();
    // Late reports after the move: the earlier month keeps its payer of the day.
    let late =
        json!([rec("f", "m", 32, &after), rec("g", "m", 64, &yesterday), rec("h", "m", 128, &last_day.to_string())]);
    report(&app, &token, &late).await;

    let (m1, m2) = (orgportal::domain::usage::month_key(first), orgportal::domain::usage::month_key(next));
    let prev = orgportal::domain::usage::month_key(orgportal::domain::usage::month_of(first - time::Duration::days(1)));
    let mut expected = vec![
        (m1.clone(), acme.clone(), "owner@example.com".to_string(), 2 + 4 + 128),
        (m2.clone(), String::new(), String::new(), 16),
        (m2.clone(), acme.clone(), String::new(), 32),
        (m2.clone(), acme.clone(), "owner@example.com".to_string(), 8),
    ];
    // Yesterday's records ("a" and the late "g"): nobody paid, in yesterday's month.
    expected.push((prev, String::new(), String::new(), 1 + 64));
    expected.sort();
    let mut merged: Vec<(String, String, String, i64)> = Vec::new();
    for row in expected {
        match merged.iter_mut().find(|r| (&r.0, &r.1, &r.2) == (&row.0, &row.1, &row.2)) {
            Some(r) => r.3 += row.3,
            None => merged.push(row),
        }
    }
    merged.sort();
    assert_eq!(monthly(&app), merged);

    // The organization's totals, and the Usage page of each month.
    let org_id = app.org_id(&acme);
    let org_totals: Vec<(Date, String, i64)> = usage_org_monthly::table
        .filter(usage_org_monthly::org_id.eq(&org_id))
        .order((usage_org_monthly::month, usage_org_monthly::space))
        .select((usage_org_monthly::month, usage_org_monthly::space, usage_org_monthly::quantity))
        .load(&mut *app.conn())
        .unwrap();
    let spaces: Vec<(String, i64)> = org_totals
        .into_iter()
        .map(|(m, s, q)| (orgportal::domain::usage::month_key(m), q + if s.is_empty() { 0 } else { 1000 }))
        .collect();
    assert_eq!(spaces, vec![(m1.clone(), 1134), (m2.clone(), 32), (m2.clone(), 1008)]);
    let usage = format!("/orgs/{acme}/billing/usage");
    let first_month = app.browser.get_html(&format!("{usage}?month={m1}")).await;
    assert!(
        first_month.contains("Olivia Owner&#39;s personal space")
            || first_month.contains("Olivia Owner's personal space"),
        "{first_month}"
    );
    assert!(first_month.contains("<td class=\"num\"><strong>134</strong></td>"), "grand total: {first_month}");
    assert!(
        first_month.contains("Billed members&#39; personal projects")
            || first_month.contains("Billed members' personal projects")
    );
    let second_month = app.browser.get_html(&usage).await;
    assert!(second_month.contains("<td class=\"num\"><strong>40</strong></td>"), "32 + 8: {second_month}");
    assert!(second_month.contains(&format!("value=\"{m1}\"")), "the earlier month is offered");

    // By day: only the days Acme paid for.
    let project_id = {
        use orgportal::db::schema::projects;
        projects::table.select(projects::id).first::<String>(&mut *app.conn()).unwrap()
    };
    let by_day = app.browser.get_html(&format!("{usage}/projects/{project_id}?month={m2}")).await;
    assert!(by_day.contains(&orgportal_day(next)) && by_day.contains(&orgportal_day(clock.now().date())));
    assert!(!by_day.contains(&orgportal_day(today)), "the day nobody paid for: {by_day}");
    assert_eq!(app.browser.get(&format!("{usage}?month=2026-13")).await.status(), StatusCode::NOT_FOUND);
}

fn orgportal_day(d: Date) -> String {
    format!("{} {} {}", d.day(), &d.month().to_string()[..3], d.year())
}

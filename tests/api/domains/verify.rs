//! Claiming and verifying a domain: the field's messages, the TXT record
//! looked up at Verify, one organization per domain, the daily re-check and
//! the lapse after 7 days, and who may do any of it.

use diesel::prelude::*;
use orgportal::db::schema::{activity, mail_outbox, org_domains};
use reqwest::StatusCode;
use time::Duration;

use super::{add_domain, app_with_dns, claims, recheck, verified_domain, DnsServer};
use crate::helpers::admin_with_org;

#[tokio::test]
async fn bad_input_is_answered_next_to_the_field_and_nothing_is_saved() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    let page = format!("/orgs/{slug}/domains");
    assert!(app.browser.get_html(&format!("/orgs/{slug}")).await.contains(&format!("href=\"{page}\"")));
    let cases = [
        ("acme", "Enter a full domain with a dot"),
        ("https://acme.example/", "Enter the domain alone"),
        ("ada@acme.example", "Enter the domain alone"),
        ("-acme.example", "A part of a domain cannot start or end with a hyphen."),
        ("acme..example", "Each part of a domain is 1 to 63"),
        ("10.1.2.3", "Enter a domain name, not an IP address."),
        ("äcme.example", "Enter the domain in its ASCII form"),
        ("ac\u{1}me.example", "Remove the control character"),
    ];
    for (typed, message) in cases {
        let res = app.browser.submit(&page, &page, &[("domain", typed)]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        let html = res.text().await.unwrap();
        let error = html.split("id=\"domain-error\">").nth(1).unwrap_or_else(|| panic!("no message for {typed}"));
        assert!(error.starts_with(message), "{typed}: {}", &error[..100.min(error.len())]);
        if !typed.contains('\u{1}') {
            let shown = typed.replace('&', "&amp;");
            assert!(html.contains(&format!("value=\"{shown}\"")), "{typed} kept");
        }
    }
    assert!(claims(&app).is_empty(), "nothing saved");
    add_domain(&app.browser, &app, &slug, "Acme.Example.").await;
    let res = app.browser.submit(&page, &page, &[("domain", "acme.example")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("acme.example is already on this organization&#39;s list."));
    assert_eq!(claims(&app).len(), 1);
}

#[tokio::test]
async fn a_domain_is_verified_by_its_txt_record_and_by_one_organization_only() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    let (id, name, value) = add_domain(&app.browser, &app, &slug, "acme.example").await;
    let page = format!("/orgs/{slug}/domains");
    let html = app.browser.get_html(&page).await;
    assert!(html.contains("acme.example was added. Publish its TXT record, then press Verify."));
    assert!(html.contains(&name) && html.contains(&value) && html.contains("Not verified"));

    // Nothing published, then the wrong value: not verified, said in its card.
    let verify = format!("{page}/{id}/verify");
    let res = app.browser.submit(&page, &verify, &[]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains(&format!("No TXT record was found at {name}.")));
    dns.publish(&name, &["v=spf1 -all", "orgportal-verification=someone-elses"]);
    let res = app.browser.submit(&page, &verify, &[]).await;
    assert!(res.text().await.unwrap().contains("do not hold the value shown below"));
    assert!(!claims(&app)[0].2);
    assert_eq!(app.activity_count("domain.verify_failed"), 2);

    dns.publish(&name, &["v=spf1 -all", &value]);
    let res = app.browser.submit(&page, &verify, &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = app.browser.get_html(&page).await;
    assert!(html.contains("acme.example is verified.") && html.contains(">Verified<"), "{html}");
    assert_eq!(app.activity_count("domain.verified"), 1);

    // Another organization: refused at once, without naming Acme.
    let other = app.new_browser();
    other.sign_in("bob@rival.example", "Bob").await;
    let rival = other.create_org("Rival").await;
    let rival_page = format!("/orgs/{rival}/domains");
    let res = other.submit(&rival_page, &rival_page, &[("domain", "acme.example")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    let error = html.split("id=\"domain-error\">").nth(1).unwrap();
    assert!(error.starts_with("acme.example is verified by another organization."), "{error}");
    assert!(!html.contains("Acme<") && !error[..200].contains("Acme"), "the holder is not named");
    assert_eq!(claims(&app).len(), 1, "nothing saved");

    // Claimed by both before either proved it: the first to verify holds it.
    diesel::delete(org_domains::table).execute(&mut *app.conn()).unwrap();
    let (acme_id, _, acme_value) = add_domain(&app.browser, &app, &slug, "acme.example").await;
    let (taken, _, rival_value) = add_domain(&other, &app, &rival, "acme.example").await;
    dns.publish(&name, &[&acme_value, &rival_value]);
    let res = app.browser.submit(&page, &format!("{page}/{acme_id}/verify"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let before = claims(&app);
    let res = other.submit(&rival_page, &format!("{rival_page}/{taken}/verify"), &[]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("acme.example is verified by another organization."));
    assert_eq!(claims(&app), before, "nothing changed");
    assert_eq!(before.iter().filter(|c| c.2).count(), 1, "verified once");
}

#[tokio::test]
async fn the_daily_check_keeps_a_domain_for_7_days_then_unverifies_it_and_mails_the_admins() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    verified_domain(&app.browser, &app, &dns, &slug, "acme.example").await;
    let name = "_orgportal-challenge.acme.example";
    assert_eq!(recheck(&app, &dns).await, 0, "checked at Verify: not due for a day");

    let day = || app.settings.clock.advance(Duration::days(1).unsigned_abs());
    day();
    assert_eq!(recheck(&app, &dns).await, 1);
    assert!(!claims(&app)[0].3, "found: no failing streak");

    // Taken down for three days, back on the fourth: the streak ends.
    let value: String = org_domains::table.select(org_domains::challenge).first(&mut *app.conn()).unwrap();
    dns.take_down(name);
    for _ in 0..3 {
        day();
        recheck(&app, &dns).await;
        let c = &claims(&app)[0];
        assert!(c.2 && c.3, "still verified, failing");
    }
    assert_eq!(app.activity_count("domain.check_failed"), 1, "logged when the streak starts");
    let html = app.browser.get_html(&format!("/orgs/{slug}/domains")).await;
    assert!(html.contains("The record has been missing since"), "the page warns");
    dns.publish(name, &[&value]);
    day();
    recheck(&app, &dns).await;
    assert!(!claims(&app)[0].3);
    assert_eq!(app.activity_count("domain.check_passed"), 1);

    // Missing for 7 days: unverified on the seventh, one mail per admin.
    dns.take_down(name);
    for n in 1..=7 {
        day();
        recheck(&app, &dns).await;
        assert_eq!(claims(&app)[0].2, n < 7, "day {n}");
    }
    assert_eq!(app.activity_count("domain.unverified"), 1);
    let mails: Vec<(String, String, String)> = mail_outbox::table
        .filter(mail_outbox::subject.like("acme.example is no longer verified%"))
        .select((mail_outbox::to_addr, mail_outbox::subject, mail_outbox::body_text))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].0, "ada@acme.example");
    assert!(mails[0].2.contains(name) && mails[0].2.contains(&format!("/orgs/{slug}/domains")));
    let by: Option<String> = activity::table
        .filter(activity::action.eq("domain.unverified"))
        .select(activity::via)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(by.as_deref(), Some("Daily DNS check"));
    day();
    assert_eq!(recheck(&app, &dns).await, 0, "an unverified domain is not re-checked");
}

#[tokio::test]
async fn only_those_who_manage_the_organization_open_its_domains() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    let id = verified_domain(&app.browser, &app, &dns, &slug, "acme.example").await;
    let page = format!("/orgs/{slug}/domains");
    let actions = [
        (page.clone(), vec![("domain", "other.example")]),
        (format!("{page}/{id}/verify"), vec![]),
        (format!("{page}/{id}/policy"), vec![("policy", "automatic"), ("role", "View-only")]),
        (format!("{page}/{id}/remove"), vec![]),
    ];
    let before = (claims(&app), app.activity_count("domain.removed"));
    let catalog = orgportal::domain::RoleCatalog::builtin();
    for role in catalog.roles().iter().filter(|r| !r.has(orgportal::domain::Permission::OrgManage)) {
        let email = format!("{}@acme.example", role.name.to_lowercase().replace(' ', "."));
        let member = app.member(&slug, &email, &role.name).await;
        assert!(!member.get_html(&format!("/orgs/{slug}")).await.contains(&format!("href=\"{page}\"")));
        assert_eq!(member.get(&page).await.status(), StatusCode::FORBIDDEN, "{}", role.name);
        for (action, fields) in &actions {
            let res = member.submit(&format!("/orgs/{slug}"), action, fields).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{} {action}", role.name);
        }
    }
    let outsider = app.new_browser();
    outsider.sign_in("eve@rival.example", "Eve").await;
    outsider.create_org("Rival").await;
    assert_eq!(outsider.get(&page).await.status(), StatusCode::NOT_FOUND);
    for (action, fields) in &actions {
        let res = outsider.submit("/getting-started", action, fields).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{action}");
    }
    assert_eq!((claims(&app), app.activity_count("domain.removed")), before, "nothing changed");

    // Support staff read them, and the view is logged.
    let staff = app.new_browser();
    staff.sign_in("sam@staff.example", "Sam").await;
    let html = staff.get_html(&format!("/staff/orgs/{slug}/domains")).await;
    assert!(html.contains("acme.example") && html.contains(">Verified<") && html.contains("Invitations only"));
    assert!(!html.contains("/verify"), "read only");

    // The admin removes it.
    let res = app.browser.submit(&page, &format!("{page}/{id}/remove"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(claims(&app).is_empty());
    assert_eq!(app.activity_count("domain.removed"), 1);
}

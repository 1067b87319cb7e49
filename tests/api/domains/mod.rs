//! Verified domains and joining by them (issue 31): the Domains page against
//! a DNS server of the tests' own, the daily re-check, the join policies.

mod api;
mod dns_server;
mod joins;
pub mod sso;
mod verify;

use std::sync::Arc;

use diesel::prelude::*;
use orgportal::db::schema::org_domains;
use reqwest::StatusCode;

pub use dns_server::DnsServer;

use crate::browser::Browser;
use crate::helpers::{spawn_app_with, TestApp};

/// An app whose domains are looked up at `dns`.
pub async fn app_with_dns(dns: &DnsServer) -> TestApp {
    let addr = dns.addr;
    spawn_app_with(move |s| {
        s.dns_resolver = Some(addr);
        s.staff_emails = vec!["sam@staff.example".into()];
    })
    .await
}

/// Adds `domain` through the page; returns its id, TXT name and value.
pub async fn add_domain(browser: &Browser, app: &TestApp, slug: &str, domain: &str) -> (String, String, String) {
    let page = format!("/orgs/{slug}/domains");
    let res = browser.submit(&page, &page, &[("domain", domain)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let (id, challenge): (String, String) = org_domains::table
        .filter(org_domains::org_id.eq(app.org_id(slug)))
        .filter(org_domains::domain.eq(&domain))
        .select((org_domains::id, org_domains::challenge))
        .first(&mut *app.conn())
        .unwrap();
    (id, format!("_orgportal-challenge.{domain}"), challenge)
}

/// Adds `domain`, publishes its record and verifies it.
pub async fn verified_domain(browser: &Browser, app: &TestApp, dns: &DnsServer, slug: &str, domain: &str) -> String {
    let (id, name, value) = add_domain(browser, app, slug, domain).await;
    dns.publish(&name, &[&value]);
    let page = format!("/orgs/{slug}/domains");
    let res = browser.submit(&page, &format!("{page}/{id}/verify"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
    id
}

/// Sets a verified domain's join policy and role through the page.
pub async fn set_policy(browser: &Browser, slug: &str, id: &str, policy: &str, role: &str) -> reqwest::Response {
    let page = format!("/orgs/{slug}/domains");
    browser.submit(&page, &format!("{page}/{id}/policy"), &[("policy", policy), ("role", role)]).await
}

/// The daily re-check, run now instead of at upkeep's next round.
pub async fn recheck(app: &TestApp, dns: &DnsServer) -> usize {
    let upkeep = orgportal::upkeep::Upkeep {
        pool: orgportal::db::connect(&app.db.url).unwrap(),
        clock: app.settings.clock.clone(),
        dns: orgportal::dns::Dns::new(Some(dns.addr)),
        catalog: Arc::new(orgportal::domain::RoleCatalog::builtin()),
        base_url: url::Url::parse(&app.address).unwrap(),
        mail_wakeup: Arc::default(),
    };
    orgportal::upkeep::recheck_domains(&upkeep).await.unwrap()
}

/// (domain, verified, failing) of every claim, in domain order.
pub fn claims(app: &TestApp) -> Vec<(String, String, bool, bool)> {
    let rows: Vec<(String, String, Option<time::PrimitiveDateTime>, Option<time::PrimitiveDateTime>)> =
        org_domains::table
            .order((org_domains::domain, org_domains::org_id))
            .select((org_domains::org_id, org_domains::domain, org_domains::verified_at, org_domains::failing_since))
            .load(&mut *app.conn())
            .unwrap();
    rows.into_iter().map(|(o, d, v, f)| (o, d, v.is_some(), f.is_some())).collect()
}

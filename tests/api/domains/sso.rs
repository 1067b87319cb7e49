//! An organization's own OpenID Connect provider (the tests' issuer as
//! Acme's): saved with its secret sealed, tested by an admin before it can be
//! turned on, then "Sign in with SSO" by address: a new person is made a
//! member just in time, an address that already has an account links only
//! after that account signs in the old way, and who may manage it.

use diesel::prelude::*;
use orgportal::db::schema::{identities, sso_connections};
use reqwest::StatusCode;
use serde_json::json;

use super::{verified_domain, DnsServer};
use crate::browser::{location, Browser};
use crate::helpers::{admin_with_org, spawn_app_with, TestApp};
use crate::oidc_issuer::{start_issuer, Issuer};

pub async fn app(dns: &DnsServer) -> TestApp {
    let addr = dns.addr;
    spawn_app_with(move |s| {
        s.dns_resolver = Some(addr);
        s.sso_allow_private = true;
        s.staff_emails = vec!["sam@staff.example".into()];
    })
    .await
}

/// Saves Acme's provider on the page.
pub async fn save(browser: &Browser, slug: &str, issuer: &Issuer, secret: &str) -> reqwest::Response {
    let page = format!("/orgs/{slug}/sso");
    let fields = [
        ("issuer", issuer.base.as_str()),
        ("client_id", "portal-client"),
        ("client_secret", secret),
        ("domain", "acme.example"),
        ("role", "Technical user"),
    ];
    browser.submit(&page, &page, &fields).await
}

/// Follows a redirect to the issuer as `who`; returns the callback's answer.
pub async fn through_issuer(
    browser: &Browser,
    issuer: &Issuer,
    to_issuer: reqwest::Response,
    who: serde_json::Value,
) -> reqwest::Response {
    assert_eq!(to_issuer.status(), StatusCode::SEE_OTHER, "{}", to_issuer.text().await.unwrap());
    *issuer.userinfo.lock().unwrap() = who;
    let authorize = location(&to_issuer);
    assert!(authorize.starts_with(&issuer.base), "{authorize}");
    let callback = location(&browser.get(&authorize).await);
    assert!(callback.contains("/login/sso/callback?"), "{callback}");
    browser.get(&callback).await
}

pub async fn sso_sign_in(browser: &Browser, issuer: &Issuer, email: &str, sub: &str) -> reqwest::Response {
    let res = browser.submit("/login/sso", "/login/sso", &[("email", email)]).await;
    let who = json!({"sub": sub, "email": email, "email_verified": true, "name": email.split('@').next().unwrap()});
    through_issuer(browser, issuer, res, who).await
}

#[tokio::test]
async fn an_admin_tests_the_provider_then_people_sign_in_through_it_and_join() {
    let dns = DnsServer::start().await;
    let app = app(&dns).await;
    let issuer = start_issuer().await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    verified_domain(&app.browser, &app, &dns, &slug, "acme.example").await;
    let page = format!("/orgs/{slug}/sso");

    // Bad input: next to its field, nothing saved.
    let res = app
        .browser
        .submit(
            &page,
            &page,
            &[("issuer", "ftp://x"), ("client_id", ""), ("client_secret", ""), ("role", "Technical user")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"issuer-error\">") && html.contains("id=\"client_id-error\">Enter the client id"));
    assert!(html.contains("id=\"domains-error\">Choose the verified domains"));
    assert_eq!(sso_connections::table.count().get_result::<i64>(&mut *app.conn()).unwrap(), 0);
    let res = save(&app.browser, &slug, &issuer, "").await;
    assert!(res.text().await.unwrap().contains("id=\"client_secret-error\">Enter the client secret"));

    // A secret the provider refuses: the test fails, and it cannot be turned on.
    assert_eq!(save(&app.browser, &slug, &issuer, "not-the-secret").await.status(), StatusCode::SEE_OTHER);
    let res = app.browser.submit(&page, &format!("{page}/test"), &[]).await;
    let who = json!({"sub": "ada-1", "email": "ada@acme.example", "email_verified": true, "name": "Ada"});
    let back = through_issuer(&app.browser, &issuer, res, who).await;
    assert_eq!(location(&back), page);
    assert!(app.browser.get_html(&page).await.contains("Test sign-in failed"));
    let tested: Option<time::PrimitiveDateTime> =
        sso_connections::table.select(sso_connections::tested_at).first(&mut *app.conn()).unwrap();
    assert_eq!(tested, None);

    assert_eq!(save(&app.browser, &slug, &issuer, "s3cret").await.status(), StatusCode::SEE_OTHER);
    let stored: String = sso_connections::table.select(sso_connections::client_secret).first(&mut *app.conn()).unwrap();
    assert!(stored.starts_with("sealed:v1:") && !stored.contains("s3cret"), "kept sealed");
    assert!(!app.browser.get_html(&page).await.contains("s3cret"), "never shown again");

    // Not offered before a test sign-in went through.
    app.browser.submit(&page, &format!("{page}/enabled"), &[("on", "true")]).await;
    assert!(app.browser.get_html(&page).await.contains("Test the sign-in first"));
    let ben = app.new_browser();
    let res = ben.submit("/login/sso", "/login/sso", &[("email", "ben@acme.example")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("No organization offers single sign-on for acme.example."));

    // The admin's test: through the provider as herself; her account is linked.
    let res = app.browser.submit(&page, &format!("{page}/test"), &[]).await;
    let who = json!({"sub": "ada-1", "email": "ada@acme.example", "email_verified": true, "name": "Ada"});
    let back = through_issuer(&app.browser, &issuer, res, who).await;
    assert_eq!(location(&back), page);
    let html = app.browser.get_html(&page).await;
    assert!(html.contains("Test sign-in succeeded: the provider identified you as ada@acme.example."), "{html}");
    app.browser.submit(&page, &format!("{page}/enabled"), &[("on", "true")]).await;
    assert!(app.browser.get_html(&page).await.contains("Sign in with SSO is on"));
    assert_eq!(app.activity_count("sso.test"), 1);

    // A new person: signed in through Acme's provider and made a member.
    let res = sso_sign_in(&ben, &issuer, "ben@acme.example", "ben-1").await;
    assert_eq!(location(&res), format!("/orgs/{slug}"));
    assert!(ben.get_html(&format!("/orgs/{slug}")).await.contains("you joined it through its identity provider"));
    assert_eq!(app.role_of(&slug, "ben@acme.example").as_deref(), Some("Technical user"));
    assert_eq!(app.activity_count("member.join_by_sso"), 1);
    let provider: String = identities::table
        .filter(identities::subject.eq("ben-1"))
        .select(identities::provider)
        .first(&mut *app.conn())
        .unwrap();
    assert!(provider.starts_with("sso:"), "keyed by (connection, subject): {provider}");
    // Again: the same account, no second membership.
    let again = app.new_browser();
    let res = sso_sign_in(&again, &issuer, "ben@acme.example", "ben-1").await;
    assert_eq!(location(&res), "/getting-started");
    assert_eq!(app.activity_count("member.join_by_sso"), 1);

    // Acme's provider vouches for Acme's domains only: an address elsewhere
    // that it calls verified counts as unverified here.
    let mallory = app.new_browser();
    let res = mallory.submit("/login/sso", "/login/sso", &[("email", "m@acme.example")]).await;
    let who = json!({"sub": "m-1", "email": "boss@rival.example", "email_verified": true, "name": "M"});
    through_issuer(&mallory, &issuer, res, who).await;
    let verified: bool = orgportal::db::schema::users::table
        .filter(orgportal::db::schema::users::email.eq("boss@rival.example"))
        .select(orgportal::db::schema::users::email_verified)
        .first(&mut *app.conn())
        .unwrap();
    assert!(!verified);

    // An address that has an account: linked only after it signs in the old way.
    let carol = app.new_browser();
    carol.sign_in("carol@acme.example", "Carol").await;
    carol.sign_out().await;
    let res = sso_sign_in(&carol, &issuer, "carol@acme.example", "carol-1").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Accounts are never joined by address alone"));
    assert_eq!(carol.get("/getting-started").await.status(), StatusCode::SEE_OTHER, "not signed in");
    assert_eq!(app.role_of(&slug, "carol@acme.example"), None);
    let res = carol.sign_in_from("/auth/dev/start?next=/login/sso/link", "carol@acme.example", "Carol").await;
    assert_eq!(location(&res), "/login/sso/link");
    let res = carol.get("/login/sso/link").await;
    assert_eq!(location(&res), format!("/orgs/{slug}"));
    assert_eq!(app.role_of(&slug, "carol@acme.example").as_deref(), Some("Technical user"));
    assert_eq!(app.activity_count("sso.link"), 2, "Ada's test and Carol");
    let users: i64 = orgportal::db::schema::users::table
        .filter(orgportal::db::schema::users::email.eq("carol@acme.example"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(users, 1, "one account");
}

#[tokio::test]
async fn only_those_who_manage_the_organization_set_up_its_provider() {
    let dns = DnsServer::start().await;
    let app = app(&dns).await;
    let issuer = start_issuer().await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    verified_domain(&app.browser, &app, &dns, &slug, "acme.example").await;
    save(&app.browser, &slug, &issuer, "s3cret").await;
    let page = format!("/orgs/{slug}/sso");
    let before: Vec<(String, bool)> = sso_connections::table
        .select((sso_connections::issuer, sso_connections::enabled))
        .load(&mut *app.conn())
        .unwrap();
    let viewer = app.member(&slug, "val@acme.example", "View-only").await;
    assert_eq!(viewer.get(&page).await.status(), StatusCode::FORBIDDEN);
    for action in [page.clone(), format!("{page}/test"), format!("{page}/enabled")] {
        let res = viewer
            .submit(&format!("/orgs/{slug}"), &action, &[("on", "true"), ("issuer", "https://evil.example")])
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{action}");
    }
    let outsider = app.new_browser();
    outsider.sign_in("eve@rival.example", "Eve").await;
    assert_eq!(outsider.get(&page).await.status(), StatusCode::NOT_FOUND);
    let after: Vec<(String, bool)> = sso_connections::table
        .select((sso_connections::issuer, sso_connections::enabled))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(before, after, "nothing changed");

    // Support staff read it, never its secret.
    let staff = app.new_browser();
    staff.sign_in("sam@staff.example", "Sam").await;
    let html = staff.get_html(&format!("/staff/orgs/{slug}/domains")).await;
    assert!(html.contains(&issuer.base) && html.contains("portal-client") && html.contains("not tested yet"), "{html}");
    assert!(!html.contains("s3cret") && !html.contains("sealed:"));
}

#[tokio::test]
async fn required_sso_refuses_sessions_from_elsewhere_and_never_locks_everyone_out() {
    let dns = DnsServer::start().await;
    let app = app(&dns).await;
    let issuer = start_issuer().await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    verified_domain(&app.browser, &app, &dns, &slug, "acme.example").await;
    save(&app.browser, &slug, &issuer, "s3cret").await;
    let page = format!("/orgs/{slug}/sso");
    let res = app.browser.submit(&page, &format!("{page}/test"), &[]).await;
    let ada = json!({"sub": "ada-1", "email": "ada@acme.example", "email_verified": true, "name": "Ada"});
    through_issuer(&app.browser, &issuer, res, ada).await;
    app.browser.submit(&page, &format!("{page}/enabled"), &[("on", "true")]).await;

    // Another admin, who has not tested it, cannot require it.
    let bob = app.member(&slug, "bob@acme.example", "Admin").await;
    bob.submit(&page, &format!("{page}/required"), &[("on", "true")]).await;
    assert!(bob.get_html(&page).await.contains("Run Test sign-in yourself first"));
    let required = || -> Option<String> {
        orgportal::db::schema::organizations::table
            .select(orgportal::db::schema::organizations::sso_required)
            .first(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(required(), None);

    // Ada, who tested it, requires it: her own session from the site's
    // provider no longer opens the organization, nor Bob's.
    app.browser.submit(&page, &format!("{page}/required"), &[("on", "true")]).await;
    assert!(required().is_some());
    assert_eq!(app.activity_count("sso.require"), 1);
    for who in [&app.browser, &bob] {
        let res = who.get(&format!("/orgs/{slug}/members")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let html = res.text().await.unwrap();
        assert!(html.contains("Acme requires sign-in through its identity provider."), "{html}");
        assert!(html.contains("/login/sso?email="), "the way on");
    }
    // A member at another domain, the staff area and the rest are not behind it.
    let carl = app.member(&slug, "carl@elsewhere.example", "View-only").await;
    assert_eq!(carl.get(&format!("/orgs/{slug}")).await.status(), StatusCode::OK);
    assert_eq!(app.browser.get("/getting-started").await.status(), StatusCode::OK);
    let staff = app.new_browser();
    staff.sign_in("sam@staff.example", "Sam").await;
    assert_eq!(staff.get(&format!("/staff/orgs/{slug}/domains")).await.status(), StatusCode::OK);

    // Through Acme's provider, Ada's session opens it again.
    let via_sso = app.new_browser();
    let res = via_sso.get("/login/sso?email=ada%40acme.example").await;
    let html = res.text().await.unwrap();
    assert!(html.contains("value=\"ada@acme.example\""), "the address filled in: {html}");
    let res = sso_sign_in(&via_sso, &issuer, "ada@acme.example", "ada-1").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(via_sso.get(&format!("/orgs/{slug}/members")).await.status(), StatusCode::OK);
    assert!(via_sso.get_html(&page).await.contains("Required"));

    // A new secret turns it off until tested again, and with it the requirement.
    save(&via_sso, &slug, &issuer, "s3cret-2").await;
    assert_eq!(required(), None);
    assert_eq!(bob.get(&format!("/orgs/{slug}/members")).await.status(), StatusCode::OK);
}

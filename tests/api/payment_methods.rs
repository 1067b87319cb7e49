//! Billing → Payment methods against a stand-in of the payment provider
//! (`payment_provider.rs`): adding cards through a setup intent, the
//! default, removing, who may do what, a provider that is down, and signed
//! webhooks for changes made elsewhere.

use diesel::prelude::*;
use orgportal::db::schema::{activity, billing_details, mail_outbox, payment_methods};
use reqwest::StatusCode;

use crate::helpers::{admin_with_org, hidden_field, spawn_app, spawn_app_with, TestApp};
use crate::payment_provider::{Provider, WEBHOOK_SECRET};

async fn configured() -> (TestApp, Provider, String) {
    let provider = Provider::start().await;
    let settings = provider.settings();
    let app = spawn_app_with(move |s| s.payments = Some(settings)).await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    (app, provider, slug)
}

async fn save_details(app: &TestApp, slug: &str) {
    let page = format!("/orgs/{slug}/billing");
    let fields = [
        ("contact_name", "Bea Billing"),
        ("contact_email", "bea@acme.example"),
        ("legal_name", "Acme GmbH"),
        ("address_line1", "Hauptstraße 1"),
        ("address_line2", ""),
        ("city", "Berlin"),
        ("postal_code", "10115"),
        ("country", "DE"),
        ("tax_id", ""),
    ];
    assert_eq!(app.browser.submit(&page, &format!("{page}/details"), &fields).await.status(), StatusCode::SEE_OTHER);
}

/// Opens the add page (a setup intent at the provider); its id.
async fn start_adding(browser: &crate::helpers::Browser, slug: &str) -> (StatusCode, String, String) {
    let base = format!("/orgs/{slug}/billing/payment-methods");
    let page = browser.get_html(&base).await;
    let token = hidden_field(&page, "csrf_token");
    let res = browser.post(&format!("{base}/new"), &[("csrf_token", &token)]).await;
    let (status, csp) =
        (res.status(), res.headers().get("content-security-policy").map(|v| v.to_str().unwrap().to_string()));
    let html = res.text().await.unwrap();
    let intent = if status == StatusCode::OK { hidden_field(&html, "setup_intent") } else { String::new() };
    (status, intent, format!("{}\n{html}", csp.unwrap_or_default()))
}

async fn finish_adding(browser: &crate::helpers::Browser, slug: &str, intent: &str) -> reqwest::Response {
    let base = format!("/orgs/{slug}/billing/payment-methods");
    let token = hidden_field(&browser.get_html(&base).await, "csrf_token");
    browser.post(&format!("{base}/confirm"), &[("csrf_token", &token), ("setup_intent", intent)]).await
}

/// The kept methods of the first organization, Acme.
fn kept(app: &TestApp) -> Vec<(String, String, bool)> {
    payment_methods::table
        .filter(payment_methods::org_id.eq(app.org_id("acme")))
        .order(payment_methods::added_at.asc())
        .select((payment_methods::provider_id, payment_methods::last4, payment_methods::is_default))
        .load(&mut *app.conn())
        .unwrap()
}

fn actions(app: &TestApp) -> Vec<(String, String, String)> {
    activity::table
        .filter(activity::action.like("billing.payment_method%"))
        .order(activity::created_at.asc())
        .select((activity::action, activity::target, activity::details))
        .load(&mut *app.conn())
        .unwrap()
}

#[tokio::test]
async fn without_provider_keys_the_platform_manages_payment_methods() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "owner@example.com", "Acme").await;
    let page = app.browser.get_html(&format!("/orgs/{slug}/billing/payment-methods")).await;
    assert!(page.contains("Managed by the platform") && !page.contains("Add a payment method"), "{page}");
    assert!(page.contains("href=\"/orgs/acme/billing/payment-methods\" aria-current=\"page\">Payment methods</a>"));
    let token = hidden_field(&page, "csrf_token");
    let res = app.browser.post(&format!("/orgs/{slug}/billing/payment-methods/new"), &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cards_are_added_through_the_provider_made_default_and_removed() {
    let (app, provider, slug) = configured().await;
    let base = format!("/orgs/{slug}/billing/payment-methods");
    let page = app.browser.get_html(&base).await;
    assert!(page.contains("Billing details first"), "the provider needs the billing contact: {page}");
    save_details(&app, &slug).await;
    let page = app.browser.get_html(&base).await;
    assert!(page.contains("<form method=\"post\" action=\"/orgs/acme/billing/payment-methods/new\">"), "{page}");
    assert!(page.contains("<a href=\"/orgs/acme/billing/payment-methods\" aria-current=\"page\">Payment methods</a>"));

    // The first card: a customer at the provider, a setup intent, the
    // provider's fields (here: the stand-in), then the portal checks it.
    let (status, intent, add_page) = start_adding(&app.browser, &slug).await;
    assert_eq!(status, StatusCode::OK, "{add_page}");
    let origin = provider.url.clone();
    assert!(add_page.contains(&format!("script-src 'self' {origin}")), "CSP allows the provider's script: {add_page}");
    assert!(add_page.contains(&format!("frame-src {origin}")) && add_page.contains("frame-ancestors 'none'"));
    assert!(add_page.contains(&format!("<script src=\"{origin}/js.stripe.com/v3/\" defer></script>")));
    assert!(add_page.contains("data-publishable-key=\"pk_test_standin\"") && !add_page.contains("sk_test"));
    assert!(add_page.contains("action=\"/orgs/acme/billing/payment-methods/confirm\""), "{add_page}");
    let customer: Option<String> =
        billing_details::table.select(billing_details::provider_customer_id).first(&mut *app.conn()).unwrap();
    let customer = customer.expect("the customer is kept with the billing details");
    // Only a provider id goes into the provider's URL: no other resource is reached.
    let forged = format!("{intent}/../../customers/{customer}");
    assert_eq!(finish_adding(&app.browser, &slug, &forged).await.status(), StatusCode::NOT_FOUND);
    let asked = provider.state.lock().unwrap().requests.clone();
    assert!(!asked.iter().any(|r| r.contains("/setup_intents/")), "nothing read with the forged id: {asked:?}");
    // Not confirmed at the provider yet: nothing is listed.
    let res = finish_adding(&app.browser, &slug, &intent).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(kept(&app).is_empty());
    let first = provider.confirm(&intent, "4242424242424242", (12, 2030)).unwrap();
    assert_eq!(finish_adding(&app.browser, &slug, &intent).await.status(), StatusCode::SEE_OTHER);
    // A reload of the confirmation adds nothing twice.
    assert_eq!(finish_adding(&app.browser, &slug, &intent).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(kept(&app), vec![(first.clone(), "4242".to_string(), true)], "the first card is the default");
    let page = app.browser.get_html(&base).await;
    assert!(page.contains("Payment method added.") && page.contains("Visa ending in 4242") && page.contains("12/2030"));
    assert!(page.contains("<span class=\"badge\">Default</span>"));
    assert!(page.contains(&format!("href=\"/orgs/acme/billing/payment-methods/{first}/remove\"")), "{page}");

    // A declined card changes nothing; an expired one is marked.
    let (_, declined, _) = start_adding(&app.browser, &slug).await;
    assert!(provider.confirm(&declined, "4000000000000002", (1, 2030)).is_err());
    assert_eq!(finish_adding(&app.browser, &slug, &declined).await.status(), StatusCode::BAD_REQUEST);
    let (_, intent, _) = start_adding(&app.browser, &slug).await;
    let second = provider.confirm(&intent, "5555555555554444", (1, 2020)).unwrap();
    // The provider's webhook may tell of it before the browser does: still one row.
    let now = app.settings.clock.now().assume_utc().unix_timestamp();
    let event = serde_json::json!({ "id": "evt_race", "type": "setup_intent.succeeded",
                                    "data": { "object": { "id": intent, "customer": customer } } })
    .to_string();
    let signature = orgportal::payments::webhook::sign(WEBHOOK_SECRET, now, event.as_bytes());
    assert_eq!(webhook(&app, &event, Some(signature)).await.status(), StatusCode::OK);
    assert_eq!(finish_adding(&app.browser, &slug, &intent).await.status(), StatusCode::SEE_OTHER);
    let page = app.browser.get_html(&base).await;
    assert!(page.contains("Mastercard ending in 4444") && page.contains("Expired"), "{page}");
    assert!(page.contains(&format!("action=\"/orgs/acme/billing/payment-methods/{second}/default\"")), "{page}");

    // The default cannot be removed while another exists.
    let remove = format!("{base}/{first}/remove");
    assert!(app.browser.get_html(&remove).await.contains("Make another one the default first"));
    let res = app.browser.submit(&base, &remove, &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(kept(&app).len(), 2);
    // Make the second the default, then remove the first.
    assert_eq!(
        app.browser.submit(&base, &format!("{base}/{second}/default"), &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(provider.state.lock().unwrap().customers[&customer].as_deref(), Some(second.as_str()));
    assert!(app.browser.get_html(&remove).await.contains("Remove payment method"));
    assert_eq!(app.browser.submit(&base, &remove, &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(kept(&app), vec![(second.clone(), "4444".to_string(), true)]);
    assert_eq!(provider.state.lock().unwrap().methods[&first].0, None, "detached at the provider");

    assert_eq!(
        actions(&app).iter().map(|(a, t, d)| format!("{a} {t} {d}").trim().to_string()).collect::<Vec<_>>(),
        vec![
            "billing.payment_method_add Visa ending in 4242",
            "billing.payment_method_add Mastercard ending in 4444 reported by the payment provider",
            "billing.payment_method_default Mastercard ending in 4444",
            "billing.payment_method_remove Visa ending in 4242",
        ]
    );
    let mails: Vec<String> = mail_outbox::table
        .filter(mail_outbox::to_addr.eq("bea@acme.example"))
        .order(mail_outbox::created_at.asc())
        .select(mail_outbox::subject)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(
        mails,
        vec!["Payment method added to Acme", "Payment method added to Acme", "Payment method removed from Acme"]
    );
    // No card number anywhere in the database.
    let text: Vec<String> = activity::table.select(activity::details).load(&mut *app.conn()).unwrap();
    assert!(!text.concat().contains("4242424242424242"));
}

#[tokio::test]
async fn who_may_see_and_change_payment_methods() {
    let (app, provider, slug) = configured().await;
    save_details(&app, &slug).await;
    let (_, intent, _) = start_adding(&app.browser, &slug).await;
    let card = provider.confirm(&intent, "4242424242424242", (12, 2030)).unwrap();
    assert_eq!(finish_adding(&app.browser, &slug, &intent).await.status(), StatusCode::SEE_OTHER);
    let base = format!("/orgs/{slug}/billing/payment-methods");

    // Billing manages them; View-only sees them; Technical user does not.
    let billing = app.member(&slug, "bill@example.com", "Billing").await;
    let (status, second, _) = start_adding(&billing, &slug).await;
    assert_eq!(status, StatusCode::OK);
    provider.confirm(&second, "5555555555554444", (3, 2031)).unwrap();
    assert_eq!(finish_adding(&billing, &slug, &second).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(kept(&app).len(), 2);

    let viewer = app.member(&slug, "vic@example.com", "View-only").await;
    let page = viewer.get_html(&base).await;
    assert!(
        page.contains("Visa ending in 4242")
            && !page.contains("Add a payment method")
            && !page.contains("Make default")
    );
    let tech = app.member(&slug, "tec@example.com", "Technical user").await;
    assert_eq!(tech.get(&base).await.status(), StatusCode::FORBIDDEN);
    orgportal::store::staff::add(&mut app.conn(), "sam@support.example", false, app.settings.clock.now()).unwrap();
    let staff = app.new_browser();
    staff.sign_in("sam@support.example", "Sam Support").await;
    let staff_page = staff.get_html(&format!("/staff/orgs/{slug}/billing/payment-methods")).await;
    assert!(staff_page.contains("Read-only support view") && staff_page.contains("Visa ending in 4242"));
    assert!(!staff_page.contains("<form method=\"post\" action=\"/orgs/"), "no forms for staff: {staff_page}");
    let outsider = app.new_browser();
    outsider.sign_in("out@example.com", "Out Sider").await;
    assert_eq!(outsider.get(&base).await.status(), StatusCode::NOT_FOUND);

    let before = (kept(&app), actions(&app), provider.state.lock().unwrap().requests.len());
    for browser in [&viewer, &tech] {
        let token = hidden_field(&browser.get_html("/settings").await, "csrf_token");
        for action in ["new".to_string(), "confirm".into(), format!("{card}/default"), format!("{card}/remove")] {
            let res =
                browser.post(&format!("{base}/{action}"), &[("csrf_token", &token), ("setup_intent", &second)]).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{action}");
        }
    }
    let token = hidden_field(&outsider.get_html("/settings").await, "csrf_token");
    for action in ["new".to_string(), "confirm".into(), format!("{card}/default"), format!("{card}/remove")] {
        let res =
            outsider.post(&format!("{base}/{action}"), &[("csrf_token", &token), ("setup_intent", &second)]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "a non-member: {action}");
    }
    assert_eq!((kept(&app), actions(&app), provider.state.lock().unwrap().requests.len()), before, "nothing changed");

    // Another organization's setup intent or card is not this one's.
    let other = app.browser.create_org("Globex").await;
    save_details(&app, &other).await;
    let (_, theirs, _) = start_adding(&app.browser, &other).await;
    provider.confirm(&theirs, "4242424242424242", (12, 2030)).unwrap();
    assert_eq!(finish_adding(&app.browser, &slug, &theirs).await.status(), StatusCode::NOT_FOUND);
    let other_base = format!("/orgs/{other}/billing/payment-methods");
    assert_eq!(app.browser.get(&format!("{other_base}/{card}/remove")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.browser.submit(&other_base, &format!("{other_base}/{card}/remove"), &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(kept(&app).len(), 2);
}

#[tokio::test]
async fn a_provider_that_is_down_changes_nothing_and_the_page_says_so() {
    let (app, provider, slug) = configured().await;
    save_details(&app, &slug).await;
    let (_, intent, _) = start_adding(&app.browser, &slug).await;
    provider.confirm(&intent, "4242424242424242", (12, 2030)).unwrap();
    assert_eq!(finish_adding(&app.browser, &slug, &intent).await.status(), StatusCode::SEE_OTHER);
    provider.state.lock().unwrap().down = true;
    let base = format!("/orgs/{slug}/billing/payment-methods");
    let page = app.browser.get_html(&base).await;
    assert!(page.contains("cannot be reached at the moment") && page.contains("Visa ending in 4242"), "{page}");
    let (status, _, html) = start_adding(&app.browser, &slug).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(html.contains("Nothing was changed; please try again in a few minutes."));
    assert_eq!(kept(&app).len(), 1);
}

async fn webhook(app: &TestApp, body: &str, signature: Option<String>) -> reqwest::Response {
    let mut req = reqwest::Client::new().post(format!("{}/webhooks/stripe", app.address)).body(body.to_string());
    if let Some(s) = signature {
        req = req.header("Stripe-Signature", s);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn signed_webhooks_bring_in_changes_made_elsewhere_once() {
    let (app, provider, slug) = configured().await;
    save_details(&app, &slug).await;
    let (_, intent, _) = start_adding(&app.browser, &slug).await;
    provider.confirm(&intent, "4242424242424242", (12, 2030)).unwrap();
    assert_eq!(finish_adding(&app.browser, &slug, &intent).await.status(), StatusCode::SEE_OTHER);
    let customer: String = billing_details::table
        .select(billing_details::provider_customer_id.assume_not_null())
        .first(&mut *app.conn())
        .unwrap();
    let pm = provider.attach_elsewhere(&customer, "0005");
    let body = serde_json::json!({ "id": "evt_1", "type": "payment_method.attached",
                                   "data": { "object": { "id": pm, "customer": customer } } })
    .to_string();
    let now = app.settings.clock.now().assume_utc().unix_timestamp();
    let sign = |t: i64, secret: &str| Some(orgportal::payments::webhook::sign(secret, t, body.as_bytes()));

    for (signature, why) in
        [(None, "unsigned"), (sign(now, "whsec_wrong"), "another secret"), (sign(now - 600, WEBHOOK_SECRET), "stale")]
    {
        assert_eq!(webhook(&app, &body, signature).await.status(), StatusCode::BAD_REQUEST, "{why}");
    }
    assert_eq!(kept(&app).len(), 1, "refused events change nothing");
    let res = webhook(&app, &body, sign(now, WEBHOOK_SECRET)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(kept(&app).len(), 2);
    let page = app.browser.get_html(&format!("/orgs/{slug}/billing/payment-methods")).await;
    assert!(page.contains("American Express ending in 0005"), "{page}");
    // The same event again is handled once.
    let again = webhook(&app, &body, sign(now + 5, WEBHOOK_SECRET)).await;
    assert_eq!(again.json::<serde_json::Value>().await.unwrap()["repeat"], true);
    let reported: Vec<(String, String, String)> =
        actions(&app).into_iter().filter(|(_, _, d)| d == "reported by the payment provider").collect();
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert_eq!(reported[0].1, "American Express ending in 0005");
}

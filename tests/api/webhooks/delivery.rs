//! Delivery: signed as Standard Webhooks says, listed on the endpoint's
//! page, sent again on Redeliver under the same id; a failing receiver gets
//! retries with backoff and its later events wait behind the first; three
//! days of failures turn the endpoint off with one mail to its managers; an
//! address refused at delivery is never connected to.

use std::time::Duration;

use diesel::prelude::*;
use orgportal::db::schema::{mail_outbox, webhook_deliveries, webhook_endpoints};
use reqwest::StatusCode;

use super::{add_endpoint, app_for_receivers, Receiver};
use crate::helpers::{admin_with_org, spawn_app};

#[tokio::test]
async fn a_ping_arrives_signed_is_listed_and_is_sent_again_on_redeliver() {
    let app = app_for_receivers().await;
    let receiver = Receiver::start().await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    let (id, secret) = add_endpoint(&app.browser, &slug, &receiver.url, &["project.created"]).await;
    let page = format!("/orgs/{slug}/webhooks/{id}");
    let res = app.browser.submit(&page, &format!("{page}/ping"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "a ping goes to an endpoint whatever it chose");
    let got = receiver.wait_for(1).await;
    let ping = &got[0];
    assert!(ping.id.starts_with("msg_"), "{ping:?}");
    assert!(ping.signed_by(&secret), "signed with the endpoint's secret: {ping:?}");
    assert!(!ping.signed_by("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "and with nothing else");
    let body = ping.json();
    assert_eq!(body["type"], "ping");
    assert_eq!(body["data"]["endpoint_id"], id.as_str());
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    let sent_at: i64 = ping.timestamp.parse().unwrap();
    let now = app.settings.clock.now().assume_utc().unix_timestamp();
    assert!((now - sent_at).abs() < 60, "webhook-timestamp is the time of sending, in seconds");

    // Listed with its answer.
    let html = wait_for_page(&app.browser, &page, "Delivered").await;
    assert!(html.contains("receiver answered 200") && html.contains("200 · "), "{html}");
    assert!(html.contains(&ping.id));

    let delivery: String = webhook_deliveries::table.select(webhook_deliveries::id).first(&mut *app.conn()).unwrap();
    let res = app.browser.submit(&page, &format!("{page}/deliveries/{delivery}/redeliver"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let got = receiver.wait_for(2).await;
    assert_eq!(got[1].id, ping.id, "the same webhook-id: the receiver can drop the repeat");
    assert_eq!(got[1].body, ping.body, "the same bytes");
    assert_eq!(app.activity_count("webhook.redeliver"), 1);
    // A delivery of another endpoint is not found here.
    let res = app.browser.submit(&page, &format!("{page}/deliveries/{}/redeliver", uuid_like()), &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

fn uuid_like() -> &'static str {
    "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
}

async fn wait_for_page(browser: &crate::browser::Browser, page: &str, text: &str) -> String {
    for _ in 0..100 {
        let html = browser.get_html(page).await;
        if html.contains(text) {
            return html;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{page} never showed {text}");
}

#[tokio::test]
async fn a_failing_receiver_is_retried_in_order_and_after_three_days_turned_off_with_one_mail() {
    let app = app_for_receivers().await;
    let receiver = Receiver::start().await;
    receiver.answer(503);
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    let (id, secret) = add_endpoint(&app.browser, &slug, &receiver.url, &[]).await;
    let page = format!("/orgs/{slug}/webhooks/{id}");
    app.browser.submit(&page, &format!("{page}/ping"), &[]).await;
    receiver.wait_for(1).await;
    let html = wait_for_page(&app.browser, &page, "Waiting to retry").await;
    assert!(html.contains("answered 503 Service Unavailable") && html.contains("Failing since"), "{html}");

    // A second event waits behind the first, even once it is due itself.
    app.browser.submit(&page, &format!("{page}/ping"), &[]).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(receiver.got().len(), 1, "nothing more before the first's retry");

    // The retry (30 s, jittered to 15-30 s): still failing; then it works,
    // and both go out, the older first.
    app.settings.clock.advance(Duration::from_secs(31));
    receiver.wait_for(2).await;
    receiver.answer(200);
    app.settings.clock.advance(Duration::from_secs(61));
    let got = receiver.wait_for(4).await;
    assert_eq!(got[1].id, got[0].id, "the first again");
    assert_eq!(got[2].id, got[0].id, "the first, delivered");
    assert_ne!(got[3].id, got[0].id, "then the second");
    assert!(got.iter().all(|r| r.signed_by(&secret)));
    let failing: Option<time::PrimitiveDateTime> =
        webhook_endpoints::table.select(webhook_endpoints::failing_since).first(&mut *app.conn()).unwrap();
    assert_eq!(failing, None, "a success ends the failing streak");

    // Three days of failures: the endpoint is turned off, its managers mailed once.
    receiver.answer(500);
    app.browser.submit(&page, &format!("{page}/ping"), &[]).await;
    receiver.wait_for(5).await;
    for _ in 0..4 {
        app.settings.clock.advance(Duration::from_secs(20 * 3600));
        let before = receiver.got().len();
        receiver.wait_for(before + 1).await;
    }
    let html = wait_for_page(&app.browser, &page, "Off: It failed every delivery for 3 days.").await;
    assert!(html.contains(">Failed<"), "the delivery is given up");
    let (enabled, reason): (bool, Option<String>) = webhook_endpoints::table
        .select((webhook_endpoints::enabled, webhook_endpoints::disabled_reason))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((enabled, reason.as_deref()), (false, Some("It failed every delivery for 3 days.")));
    // (What the mail says is mail::webhook_mail's test; a sent mail's body is not kept.)
    let mails: Vec<(String, String)> = mail_outbox::table
        .filter(mail_outbox::subject.like("A webhook endpoint%"))
        .select((mail_outbox::to_addr, mail_outbox::subject))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(mails, [("ada@example.com".to_string(), "A webhook endpoint of Acme was turned off".to_string())]);

    // Off: nothing is sent; turned on again, what waits goes out.
    let sent = receiver.got().len();
    app.browser.submit(&page, &format!("{page}/ping"), &[]).await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(receiver.got().len(), sent, "nothing goes to an endpoint that is off");
    receiver.answer(200);
    let res = app.browser.submit(&page, &page, &[("url", &receiver.url), ("events", "all"), ("enabled", "on")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    receiver.wait_for(sent + 1).await;
}

#[tokio::test]
async fn an_address_refused_at_delivery_is_never_connected_to() {
    // Private addresses are not allowed here: a name that resolved publicly
    // when saved and now resolves to loopback is refused when sending.
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    let org_id = app.org_id(&slug);
    let port = receiver.url.split(':').nth(2).unwrap().split('/').next().unwrap().to_string();
    let id = "0190a1b2-c3d4-7e5f-8a9b-000000000001";
    diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::id.eq(id),
            webhook_endpoints::org_id.eq(&org_id),
            webhook_endpoints::url.eq(format!("https://localhost:{port}/hooks")),
            webhook_endpoints::description.eq(""),
            webhook_endpoints::event_types.eq("*"),
            webhook_endpoints::enabled.eq(true),
            webhook_endpoints::secret.eq("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            webhook_endpoints::created_at.eq(app.settings.clock.now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    let page = format!("/orgs/{slug}/webhooks/{id}");
    app.browser.submit(&page, &format!("{page}/ping"), &[]).await;
    let html = wait_for_page(&app.browser, &page, "Waiting to retry").await;
    assert!(
        html.contains("localhost resolves to ") && html.contains(", a loopback address; webhooks are sent only"),
        "{html}"
    );
    assert!(receiver.got().is_empty(), "never connected to");
}

//! The Webhooks pages: bad input answered next to its field and nothing
//! saved, the secret shown once and kept only where signing needs it, the
//! endpoint's settings, rotation, deletion; who may open them.

use diesel::prelude::*;
use orgportal::db::schema::{webhook_deliveries, webhook_endpoints};
use reqwest::StatusCode;

use super::{add_endpoint, app_for_receivers, Receiver};
use crate::helpers::{admin_with_org, spawn_app};

fn endpoints(app: &crate::helpers::TestApp) -> i64 {
    webhook_endpoints::table.count().get_result(&mut *app.conn()).unwrap()
}

#[tokio::test]
async fn bad_input_is_answered_next_to_its_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    let page = format!("/orgs/{slug}/webhooks");
    let html = app.browser.get_html(&format!("/orgs/{slug}")).await;
    assert!(html.contains(&format!("href=\"{page}\"")), "the Admin sees Webhooks in the navigation");

    let cases: [(&str, &str); 5] = [
        ("ftp://example.com/hook", "The URL must start with https://."),
        ("http://example.com/hook", "The URL must start with https://."),
        ("https://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
        ("https://localhost:9/hook", "localhost resolves to "),
        ("https://nothing.invalid/hook", "nothing.invalid does not resolve to any address."),
    ];
    for (url, message) in cases {
        let res = app.browser.submit(&page, &page, &[("url", url), ("description", "Mine"), ("events", "all")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let html = res.text().await.unwrap();
        let error = html.split("id=\"url-error\">").nth(1).unwrap_or_else(|| panic!("no URL error for {url}"));
        assert!(error.starts_with(message), "{url}: {}", &error[..120.min(error.len())]);
        assert!(html.contains(&format!("value=\"{url}\"")) && html.contains("value=\"Mine\""), "typed text kept");
    }
    let res = app
        .browser
        .submit(&page, &page, &[("url", "https://example.com/h"), ("description", "a\u{1}b"), ("events", "chosen")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"description-error\">Remove the control character U+0001"), "{html}");
    assert!(html.contains("id=\"events-error\">Choose at least one event type, or all of them."));
    assert!(html.contains("value=\"chosen\" checked"), "the choice is kept");
    let res = app
        .browser
        .submit(&page, &page, &[("url", "https://example.com/h"), ("events", "chosen"), ("event", "member.joined")])
        .await;
    assert!(res.text().await.unwrap().contains("member.joined is not an event type."));
    assert_eq!(endpoints(&app), 0, "nothing saved");
}

#[tokio::test]
async fn the_secret_is_shown_once_and_an_endpoint_is_changed_rotated_and_deleted() {
    let app = app_for_receivers().await;
    let receiver = Receiver::start().await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    let (id, secret) = add_endpoint(&app.browser, &slug, &receiver.url, &["member.added", "member.removed"]).await;
    let stored: String = webhook_endpoints::table.select(webhook_endpoints::secret).first(&mut *app.conn()).unwrap();
    assert!(stored.starts_with("sealed:v1:") && !stored.contains(&secret[6..]), "kept sealed, not as shown");
    let list = app.browser.get_html(&format!("/orgs/{slug}/webhooks")).await;
    assert!(!list.contains(&secret), "shown once");
    assert!(list.contains(&receiver.url) && list.contains("member.added, member.removed") && list.contains(">On<"));
    assert_eq!(app.activity_count("webhook.create"), 1);

    let page = format!("/orgs/{slug}/webhooks/{id}");
    let html = app.browser.get_html(&page).await;
    assert!(!html.contains(&secret) && html.contains("value=\"member.added\" checked"));
    assert!(html.contains("No deliveries yet."));

    // Turned off, all events: saved; a bad URL on the same form keeps the rest.
    let res = app.browser.submit(&page, &page, &[("url", "gopher://x"), ("events", "all")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .browser
        .submit(&page, &page, &[("url", &receiver.url), ("description", "Off for now"), ("events", "all")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (enabled, types, description): (bool, String, String) = webhook_endpoints::table
        .select((webhook_endpoints::enabled, webhook_endpoints::event_types, webhook_endpoints::description))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((enabled, types.as_str(), description.as_str()), (false, "*", "Off for now"));
    assert!(app.browser.get_html(&page).await.contains(">Off<"));

    // Rotation: a new secret shown once; the old one kept to sign for a day.
    let res = app.browser.submit(&page, &format!("{page}/rotate"), &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let new = crate::browser::hidden_field(&html.replace("readonly value=", "name=\"secret\" value="), "secret");
    assert!(new.starts_with("whsec_") && new != secret);
    let (now, before): (String, Option<String>) = webhook_endpoints::table
        .select((webhook_endpoints::secret, webhook_endpoints::previous_secret))
        .first(&mut *app.conn())
        .unwrap();
    // Kept sealed under the portal's key (generated into its data directory).
    let key = orgportal::auth::secrets_key::load_or_create(&app.settings).unwrap();
    let open =
        |s: String| key.open(orgportal::domain::sealed::WEBHOOK_SECRET, &orgportal::domain::sealed::Sealed(s)).unwrap();
    assert_eq!((open(now), before.map(open)), (new, Some(secret)));
    assert!(html.contains("The previous secret also signs until"));

    let res = app.browser.submit(&page, &format!("{page}/delete"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(endpoints(&app), 0);
    assert_eq!(app.browser.get(&page).await.status(), StatusCode::NOT_FOUND);
    let deliveries: i64 = webhook_deliveries::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(deliveries, 0);
}

#[tokio::test]
async fn only_roles_with_webhooks_manage_open_them_and_never_another_organizations() {
    let app = app_for_receivers().await;
    let receiver = Receiver::start().await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    let (id, _) = add_endpoint(&app.browser, &slug, &receiver.url, &[]).await;
    let page = format!("/orgs/{slug}/webhooks/{id}");
    let actions = [
        format!("/orgs/{slug}/webhooks"),
        page.clone(),
        format!("{page}/rotate"),
        format!("{page}/ping"),
        format!("{page}/delete"),
        format!("{page}/deliveries/00000000-0000-0000-0000-000000000000/redeliver"),
    ];
    for role in ["Technical user", "Billing", "View-only"] {
        let email = format!("{}@example.com", role.replace(' ', ".").to_lowercase());
        let browser = app.member(&slug, &email, role).await;
        let html = browser.get_html(&format!("/orgs/{slug}")).await;
        assert!(!html.contains("/webhooks\""), "{role} is not shown the page");
        assert_eq!(browser.get(&actions[0]).await.status(), StatusCode::FORBIDDEN, "{role}");
        assert_eq!(browser.get(&page).await.status(), StatusCode::FORBIDDEN, "{role}");
        for action in &actions {
            let res =
                browser.submit(&format!("/orgs/{slug}"), action, &[("url", &receiver.url), ("events", "all")]).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role} POST {action}");
        }
    }
    // An admin of another organization: the endpoint does not exist for them.
    let other = app.new_browser();
    other.sign_in("eve@example.com", "Eve").await;
    let theirs = other.create_org("Evil").await;
    let foreign = format!("/orgs/{theirs}/webhooks/{id}");
    assert_eq!(other.get(&foreign).await.status(), StatusCode::NOT_FOUND);
    for action in ["", "/rotate", "/ping", "/delete"] {
        let res = other
            .submit(
                &format!("/orgs/{theirs}/webhooks"),
                &format!("{foreign}{action}"),
                &[("url", "http://127.0.0.1:9/"), ("events", "all")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "POST {action}");
    }
    assert_eq!(endpoints(&app), 1, "nothing changed or deleted");
    let (url, enabled): (String, bool) = webhook_endpoints::table
        .select((webhook_endpoints::url, webhook_endpoints::enabled))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((url, enabled), (receiver.url.clone(), true));
    assert!(receiver.got().is_empty(), "no ping was sent");
}

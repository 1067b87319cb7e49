//! Every change to an organization reaches its endpoint as the event of its
//! type, once, in the order the changes were made, with `data` in the
//! management API's shapes; an endpoint gets only the types it chose; a
//! refused change sends nothing.

use diesel::prelude::*;
use orgportal::db::schema::{api_keys, webhook_events};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{add_endpoint, app_for_receivers, Receiver};
use crate::helpers::admin_with_org;
use crate::management_api::{call, make_key, ALL};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn each_change_sends_its_event_in_order_with_the_apis_shapes() {
    let app = app_for_receivers().await;
    let (all, chosen) = (Receiver::start().await, Receiver::start().await);
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    let org_id = app.org_id(&slug);
    let (_, secret) = add_endpoint(&app.browser, &slug, &all.url, &[]).await;
    add_endpoint(&app.browser, &slug, &chosen.url, &["member.removed", "org.updated"]).await;
    let key = make_key(&app.browser, &slug, "Automation", ALL, "30").await;
    let base = format!("/api/v1/orgs/{slug}");

    app.member(&slug, "bob@example.com", "Technical user").await;
    let bob = app.user_id("bob@example.com");
    let res =
        call(&app, Some(&key), Method::PATCH, &format!("{base}/members/{bob}"), Some(json!({"role": "Billing"}))).await;
    assert_eq!(res.status, StatusCode::OK);
    let member = call(&app, Some(&key), Method::GET, &format!("{base}/members/{bob}"), None).await.body;
    // Refused (the last manager cannot be demoted): no event.
    let ada = app.user_id("ada@example.com");
    let res =
        call(&app, Some(&key), Method::PATCH, &format!("{base}/members/{ada}"), Some(json!({"role": "Billing"}))).await;
    assert!(res.status.is_client_error());
    let res = call(
        &app,
        Some(&key),
        Method::POST,
        &format!("{base}/invitations"),
        Some(json!({"invitations": [{"email": "carol@example.com", "role": "Billing"}]})),
    )
    .await;
    let invitation = res.body["invited"][0].clone();
    let first = invitation["id"].as_str().unwrap().to_string();
    // A resend is a new invitation in place of the first.
    let res = call(&app, Some(&key), Method::POST, &format!("{base}/invitations/{first}/resend"), None).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    let renewed = res.body["id"].as_str().unwrap().to_string();
    let res = call(&app, Some(&key), Method::DELETE, &format!("{base}/invitations/{renewed}"), None).await;
    assert!(res.status.is_success());
    let project =
        call(&app, Some(&key), Method::POST, &format!("{base}/projects"), Some(json!({"name": "Rocket"}))).await.body;
    let path = format!("{base}/projects/{}", project["slug"].as_str().unwrap());
    call(&app, Some(&key), Method::PATCH, &path, Some(json!({"description": "To the moon"}))).await;
    call(&app, Some(&key), Method::DELETE, &path, None).await;
    call(&app, Some(&key), Method::PATCH, &base, Some(json!({"name": "Acme Two"}))).await;
    let res = call(&app, Some(&key), Method::DELETE, &format!("{base}/members/{bob}"), None).await;
    assert!(res.status.is_success());
    let key_id: String = api_keys::table.select(api_keys::id).first(&mut *app.conn()).unwrap();
    let keys_page = format!("/orgs/{slug}/api-keys");
    app.browser.submit(&keys_page, &format!("{keys_page}/{key_id}/revoke"), &[]).await;

    let expected = [
        "api_key.created",
        "member.added",
        "member.role_changed",
        "invitation.created",
        "invitation.created",
        "invitation.revoked",
        "project.created",
        "project.updated",
        "project.deleted",
        "org.updated",
        "member.removed",
        "api_key.revoked",
    ];
    let got = all.wait_for(expected.len()).await;
    let types: Vec<String> = got.iter().map(|r| r.event_type()).collect();
    assert_eq!(types, expected, "in the order of the changes");
    assert!(got.iter().all(|r| r.signed_by(&secret)));
    let ids: std::collections::HashSet<_> = got.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), got.len(), "each event once, each with its own id");

    let data = |t: &str| got.iter().find(|r| r.event_type() == t).unwrap().json()["data"].clone();
    for r in &got {
        let org = &r.json()["data"]["organization"];
        assert_eq!(org["id"], org_id.as_str(), "{}", r.body);
    }
    assert_eq!(data("member.added")["how"], "seeded");
    assert_eq!(data("member.role_changed")["member"], member, "the member as GET .../members/{{id}} shows them");
    assert_eq!(data("member.role_changed")["previous_role"], "Technical user");
    assert_eq!(keys(&data("member.removed")["member"]), keys(&member));
    assert_eq!(data("member.removed")["why"], "removed from the organization");
    let sent = data("invitation.created")["invitation"].clone();
    for field in ["id", "email", "role", "state", "invited_by", "created_at", "expires_at"] {
        assert_eq!(sent[field], invitation[field], "invitation.{field}");
    }
    let again = got.iter().filter(|r| r.event_type() == "invitation.created").nth(1).unwrap().json()["data"].clone();
    assert_eq!(
        (again["invitation"]["id"].as_str(), again["replaces"].as_str()),
        (Some(renewed.as_str()), Some(first.as_str()))
    );
    assert_eq!(data("invitation.revoked")["invitation"]["state"], "revoked");
    assert_eq!(data("invitation.revoked")["invitation"]["id"], renewed.as_str());
    assert_eq!(data("project.created")["project"], project, "the project as the API answered it");
    assert_eq!(data("project.updated")["project"]["description"], "To the moon");
    assert_eq!(data("org.updated")["organization"]["name"], "Acme Two");
    assert_eq!(data("org.updated")["previous"]["name"], "Acme");
    assert_eq!(data("api_key.created")["api_key"]["name"], "Automation");
    assert!(!data("api_key.created").to_string().contains("opk_"), "never the key itself");

    // The second endpoint chose two types: it got those, and nothing else.
    let got = chosen.wait_for(2).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let types: Vec<String> = chosen.got().iter().map(|r| r.event_type()).collect();
    assert_eq!(types, ["org.updated", "member.removed"], "{got:?}");
}

#[tokio::test]
async fn an_organization_without_endpoints_writes_no_event() {
    let app = app_for_receivers().await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    app.member(&slug, "bob@example.com", "Technical user").await;
    let key = make_key(&app.browser, &slug, "Automation", ALL, "30").await;
    let base = format!("/api/v1/orgs/{slug}");
    call(&app, Some(&key), Method::POST, &format!("{base}/projects"), Some(json!({"name": "Rocket"}))).await;
    let n: i64 = webhook_events::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn an_invitation_that_runs_out_and_a_deleted_organization_are_told_too() {
    let app = app_for_receivers().await;
    let receiver = Receiver::start().await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    let org_id = app.org_id(&slug);
    let key = make_key(&app.browser, &slug, "Automation", ALL, "30").await;
    add_endpoint(&app.browser, &slug, &receiver.url, &["invitation.expired", "org.deleted"]).await;
    let base = format!("/api/v1/orgs/{slug}");
    let res = call(
        &app,
        Some(&key),
        Method::POST,
        &format!("{base}/invitations"),
        Some(json!({"invitations": [{"email": "late@example.com"}]})),
    )
    .await;
    let id = res.body["invited"][0]["id"].as_str().unwrap().to_string();

    // Upkeep marks what ran out; each is an event, once.
    app.settings.clock.advance(std::time::Duration::from_secs(8 * 24 * 3600));
    let now = app.settings.clock.now();
    let expired = orgportal::store::members::invite_batch::expire_everywhere(&mut app.conn(), now).unwrap();
    assert_eq!(expired, 1);
    assert_eq!(orgportal::store::members::invite_batch::expire_everywhere(&mut app.conn(), now).unwrap(), 0);
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].event_type(), "invitation.expired");
    assert_eq!(got[0].json()["data"]["invitation"]["id"], id.as_str());
    assert_eq!(got[0].json()["data"]["invitation"]["state"], "expired");

    // Deleting the organization: org.deleted still reaches the endpoint,
    // which then waits only to be pruned. (Eight days on, Ada signs in again.)
    app.browser.sign_in("ada@example.com", "Olivia Owner").await;
    let res = app
        .browser
        .submit(&format!("/orgs/{slug}"), &format!("/orgs/{slug}/delete"), &[("confirm_name", "Acme")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let got = receiver.wait_for(2).await;
    assert_eq!(got[1].event_type(), "org.deleted");
    assert_eq!(got[1].json()["data"]["organization"]["id"], org_id.as_str());
    assert_eq!(got[1].json()["data"]["organization"]["name"], "Acme");
    use orgportal::db::schema::webhook_endpoints;
    let left: Vec<(Option<String>, bool)> = webhook_endpoints::table
        .select((webhook_endpoints::org_id, webhook_endpoints::deleted_at.is_not_null()))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(left, [(None, true)]);
    for _ in 0..50 {
        let pruned = orgportal::store::webhooks::deliveries::prune(&mut app.conn(), app.settings.clock.now()).unwrap();
        if pruned > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let n: i64 = webhook_endpoints::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(n, 0, "pruned once nothing was left to deliver");
    // Events older than 30 days go with their deliveries.
    app.settings.clock.advance(std::time::Duration::from_secs(31 * 24 * 3600));
    orgportal::store::webhooks::deliveries::prune(&mut app.conn(), app.settings.clock.now()).unwrap();
    let n: i64 = webhook_events::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn a_project_team_a_transfer_and_the_bill_are_told_to_each_organization_concerned() {
    let app = app_for_receivers().await;
    let (acme_hooks, beta_hooks) = (Receiver::start().await, Receiver::start().await);
    let acme = admin_with_org(&app, "ada@example.com", "Acme").await;
    let beta = app.browser.create_org("Beta").await;
    app.member(&acme, "bob@example.com", "Technical user").await;
    let bob = app.user_id("bob@example.com");
    add_endpoint(&app.browser, &acme, &acme_hooks.url, &[]).await;
    add_endpoint(&app.browser, &beta, &beta_hooks.url, &[]).await;
    let key = make_key(&app.browser, &acme, "Automation", ALL, "30").await;
    let base = format!("/api/v1/orgs/{acme}");

    call(&app, Some(&key), Method::POST, &format!("{base}/projects"), Some(json!({"name": "Fleet"}))).await;
    let res = call(
        &app,
        Some(&key),
        Method::PUT,
        &format!("{base}/projects/fleet/team/{bob}"),
        Some(json!({"role": "Billing"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{:?}", res.body);
    let billing = format!("/orgs/{acme}/billing");
    let res = app.browser.submit(&billing, &format!("{billing}/members"), &[("email", "bob@example.com")]).await;
    assert!(res.status().is_success() || res.status() == StatusCode::SEE_OTHER, "{}", res.status());
    let res = app.browser.submit(&billing, &format!("{billing}/members/{bob}/remove"), &[]).await;
    assert!(res.status().is_success() || res.status() == StatusCode::SEE_OTHER, "{}", res.status());
    let transfer = format!("/orgs/{acme}/projects/fleet/transfer");
    let res = app.browser.submit(&transfer, &transfer, &[("to", &beta)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let expected = [
        "api_key.created",
        "project.created",
        "project.team_changed",
        "billing.member_added",
        "billing.member_removed",
        "project.transferred",
    ];
    let got = acme_hooks.wait_for(expected.len()).await;
    assert_eq!(got.iter().map(|r| r.event_type()).collect::<Vec<_>>(), expected);
    let data = |t: &str| got.iter().find(|r| r.event_type() == t).unwrap().json()["data"].clone();
    let team = data("project.team_changed");
    assert_eq!((team["project"]["slug"].as_str(), team["email"].as_str()), (Some("fleet"), Some("bob@example.com")));
    assert_eq!(data("billing.member_added")["member"]["user_id"], bob.as_str());
    assert_eq!(data("billing.member_removed")["member"]["email"], "bob@example.com");
    let moved = data("project.transferred");
    assert_eq!(
        (moved["from"]["slug"].as_str(), moved["to"]["slug"].as_str()),
        (Some(acme.as_str()), Some(beta.as_str()))
    );
    // The organization it joined hears it too.
    let theirs = beta_hooks.wait_for(1).await;
    assert_eq!(theirs[0].event_type(), "project.transferred");
    assert_eq!(theirs[0].json()["data"]["organization"]["slug"], beta.as_str());
    assert_eq!(theirs[0].json()["data"]["project"], moved["project"]);
}

#[tokio::test]
async fn two_instances_deliver_each_event_once_and_in_order() {
    let app = app_for_receivers().await;
    let receiver = Receiver::start().await;
    let slug = admin_with_org(&app, "ada@example.com", "Acme").await;
    add_endpoint(&app.browser, &slug, &receiver.url, &["project.created"]).await;
    let key = make_key(&app.browser, &slug, "Automation", ALL, "30").await;
    let _second = app.second_instance().await;
    let names: Vec<String> = (0..30).map(|n| format!("Project {n:02}")).collect();
    for name in &names {
        let res =
            call(&app, Some(&key), Method::POST, &format!("/api/v1/orgs/{slug}/projects"), Some(json!({"name": name})))
                .await;
        assert_eq!(res.status, StatusCode::CREATED);
    }
    let got = receiver.wait_for(names.len()).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let got_now = receiver.got();
    assert_eq!(got_now.len(), got.len(), "nothing twice");
    let sent: Vec<String> =
        got_now.iter().map(|r| r.json()["data"]["project"]["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(sent, names, "in the order of the changes");
}

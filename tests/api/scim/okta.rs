//! Okta's provisioning sequence, as its SCIM 2.0 reference shows it: look
//! the person up by userName, create them, read and update them, deactivate
//! with `{"op": "replace", "value": {"active": false}}` (capitalised ops
//! too), push a group and change its members, then delete.

use diesel::prelude::*;
use orgportal::db::schema::{mail_outbox, scim_users};
use reqwest::StatusCode;
use serde_json::json;

use super::{events, make_token, members, patch_op, scim_activity, Directory};
use crate::domains::{verified_domain, DnsServer};
use crate::helpers::{admin_with_org, spawn_app_with};
use crate::webhooks::{add_endpoint, Receiver};

#[tokio::test]
async fn okta_creates_updates_deactivates_groups_and_deletes_a_person() {
    let dns = DnsServer::start().await;
    let addr = dns.addr;
    let app = spawn_app_with(move |s| {
        s.webhooks_allow_private = true;
        s.dns_resolver = Some(addr);
    })
    .await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    // Acme verified its domain: an account at it that already exists is the one provisioned.
    verified_domain(&app.browser, &app, &dns, &slug, "acme.example").await;
    let receiver = Receiver::start().await;
    add_endpoint(&app.browser, &slug, &receiver.url, &["member.added", "member.removed", "member.role_changed"]).await;
    let okta = Directory::new(&app, &slug, &make_token(&app.browser, &slug, "Okta").await);

    // Okta first asks whether the person exists.
    let res = okta.find_users(r#"userName eq "ben@acme.example""#).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.content_type, "application/scim+json");
    assert_eq!(res.body["totalResults"], 0);
    assert_eq!(res.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:ListResponse");

    // Ben has signed in before: the directory's User is his account.
    let ben_browser = app.new_browser();
    ben_browser.sign_in("ben@acme.example", "Ben").await;
    let ben = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "ben@acme.example",
        "name": {"givenName": "Ben", "familyName": "Okafor"},
        "emails": [{"primary": true, "value": "ben@acme.example", "type": "work"}],
        "displayName": "Ben Okafor", "locale": "en-US", "externalId": "00ub0oNGTSWTBKOLGLNR",
        "groups": [], "password": "1mz050nq", "active": true
    });
    let res = okta.post("/Users", ben.clone()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = res.body["id"].as_str().unwrap().to_string();
    assert_eq!(res.body["userName"], "ben@acme.example");
    assert_eq!(res.body["active"], true);
    assert_eq!(res.etag.as_deref(), Some("W/\"1\""));
    assert!(res.body["meta"]["location"].as_str().unwrap().ends_with(&format!("/Users/{id}")));
    assert!(res.body.get("password").is_none(), "a password is never kept");
    assert_eq!(
        members(&app, &slug),
        vec![("ada@acme.example".into(), "Admin".into()), ("ben@acme.example".into(), "Technical user".into())]
    );
    let told: i64 = mail_outbox::table
        .filter(mail_outbox::to_addr.eq("ben@acme.example"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(told, 1, "the person is told by email");
    // The same userName again is a conflict.
    let res = okta.post("/Users", ben.clone()).await;
    assert_eq!((res.status, res.body["scimType"].as_str()), (StatusCode::CONFLICT, Some("uniqueness")));

    let res = okta.find_users(r#"userName eq "BEN@acme.example""#).await;
    assert_eq!(res.body["totalResults"], 1, "userName is not case-exact");
    assert_eq!(res.body["Resources"][0]["id"], id.as_str());
    let res = okta.get(&format!("/Users/{id}")).await;
    assert_eq!(res.body["name"]["familyName"], "Okafor");

    // A profile update (PUT).
    let mut changed = ben.clone();
    changed["name"]["familyName"] = json!("Okafor-Smith");
    changed["displayName"] = json!("Ben Okafor-Smith");
    let res = okta.put(&format!("/Users/{id}"), changed).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["displayName"], "Ben Okafor-Smith");
    assert_eq!(res.etag.as_deref(), Some("W/\"2\""));

    // Deactivation: the membership ends at once, the person stays listed as suspended.
    assert_eq!(ben_browser.get(&format!("/orgs/{slug}")).await.status(), StatusCode::OK);
    let res =
        okta.patch(&format!("/Users/{id}"), patch_op(json!([{"op": "Replace", "value": {"active": false}}]))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["active"], false);
    assert_eq!(app.role_of(&slug, "ben@acme.example"), None);
    assert_eq!(ben_browser.get(&format!("/orgs/{slug}")).await.status(), StatusCode::NOT_FOUND, "no access");
    let html = app.browser.get_html(&format!("/orgs/{slug}/members")).await;
    assert!(html.contains("Suspended by your directory") && html.contains("ben@acme.example"), "{html}");
    let res = okta.find_users(r#"userName eq "ben@acme.example" and active eq false"#).await;
    assert_eq!(res.body["totalResults"], 1, "still a User of the directory");

    // Reactivation gives back the role.
    let res =
        okta.patch(&format!("/Users/{id}"), patch_op(json!([{"op": "replace", "value": {"active": true}}]))).await;
    assert_eq!(res.body["active"], true);
    assert_eq!(app.role_of(&slug, "ben@acme.example").as_deref(), Some("Technical user"));
    assert_eq!(ben_browser.get(&format!("/orgs/{slug}")).await.status(), StatusCode::OK);

    // Group push: create, rename, add and remove members.
    let res = okta.post("/Groups", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering", "members": []})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let gid = res.body["id"].as_str().unwrap().to_string();
    let res = okta.get(&format!("/Groups?filter={}", super::urlencode(r#"displayName eq "engineering""#))).await;
    assert_eq!(res.body["totalResults"], 1);
    let res = okta
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "replace", "value": {"id": gid, "displayName": "Engineering EU"}}])),
        )
        .await;
    assert_eq!(res.body["displayName"], "Engineering EU");
    let add = json!([{"op": "add", "path": "members", "value": [{"value": id, "display": "ben@acme.example"}]}]);
    let res = okta.patch(&format!("/Groups/{gid}"), patch_op(add)).await;
    assert_eq!(res.body["members"][0]["value"], id.as_str(), "{}", res.body);
    let remove = json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]);
    let res = okta.patch(&format!("/Groups/{gid}"), patch_op(remove)).await;
    assert_eq!(res.body["members"], json!([]), "{}", res.body);
    assert_eq!(okta.delete(&format!("/Groups/{gid}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(okta.get(&format!("/Groups/{gid}")).await.status, StatusCode::NOT_FOUND);

    // Delete: the member is removed, the account stays.
    let res = okta.delete(&format!("/Users/{id}")).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(app.role_of(&slug, "ben@acme.example"), None);
    assert_eq!(okta.get(&format!("/Users/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(scim_users::table.count().get_result::<i64>(&mut *app.conn()).unwrap(), 0);

    // The log names the token; webhooks are those of a person's change.
    let log = scim_activity(&app);
    let actions: Vec<&str> = log.iter().map(|(a, _, _)| a.as_str()).collect();
    for a in [
        "member.scim_create",
        "member.scim_update",
        "member.suspend",
        "member.restore",
        "scim.group_create",
        "member.remove",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert!(log.iter().all(|(_, _, via)| via.as_deref() == Some("SCIM (token Okta)")));
    let html = app.browser.get_html(&format!("/orgs/{slug}/activity")).await;
    assert!(html.contains("SCIM (token Okta)"));
    let kinds = events(&app);
    assert_eq!(kinds.iter().filter(|k| *k == "member.added").count(), 2, "created, restored: {kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "member.removed").count(), 2, "suspended, deleted: {kinds:?}");
}

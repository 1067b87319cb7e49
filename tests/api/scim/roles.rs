//! Groups mapped to roles on the Provisioning page: the role that grants
//! the most wins, leaving a group recomputes it, an unmapped group gives
//! nothing, and the primary owner keeps the owner role.

use reqwest::StatusCode;
use serde_json::json;

use super::{make_token, patch_op, Directory};
use crate::helpers::admin_with_org;
use crate::helpers::spawn_app;

async fn user(dir: &Directory, email: &str) -> String {
    let res = dir
        .post("/Users", json!({"userName": email, "emails": [{"value": email, "primary": true}], "active": true}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.body["id"].as_str().unwrap().to_string()
}

async fn group(dir: &Directory, name: &str, ids: &[&str]) -> String {
    let members: Vec<_> = ids.iter().map(|i| json!({"value": i})).collect();
    let res = dir.post("/Groups", json!({"displayName": name, "members": members})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.body["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn mapped_groups_give_roles_and_the_owner_keeps_hers() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    let dir = Directory::new(&app, &slug, &make_token(&app.browser, &slug, "Okta").await);
    let page = format!("/orgs/{slug}/sso/provisioning");
    let (bob, cy) = (user(&dir, "bob@acme.example").await, user(&dir, "cy@acme.example").await);
    // Ada's own account, already a member and the owner, is adopted.
    let ada = user(&dir, "ada@acme.example").await;
    let admins = group(&dir, "Admins", &[&bob]).await;
    let finance = group(&dir, "Finance", &[&bob, &cy, &ada]).await;
    let everyone = group(&dir, "Everyone", &[&bob, &cy, &ada]).await;
    assert_eq!(app.role_of(&slug, "bob@acme.example").as_deref(), Some("Technical user"), "unmapped: nothing yet");

    let html = app.browser.get_html(&page).await;
    assert!(html.contains("Admins") && html.contains("Finance") && html.contains(">No role</option>"), "{html}");
    let map = |g: &str, role: &str| {
        let (page, action) = (page.clone(), format!("{page}/groups/{g}/role"));
        let role = role.to_string();
        let browser = &app.browser;
        async move { browser.submit(&page, &action, &[("role", &role)]).await }
    };
    assert_eq!(map(&finance, "Billing").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.role_of(&slug, "bob@acme.example").as_deref(), Some("Billing"));
    assert_eq!(app.role_of(&slug, "cy@acme.example").as_deref(), Some("Billing"));
    assert_eq!(app.role_of(&slug, "ada@acme.example").as_deref(), Some("Admin"), "the owner keeps the owner role");
    map(&admins, "Admin").await;
    assert_eq!(app.role_of(&slug, "bob@acme.example").as_deref(), Some("Admin"), "the role that grants most");
    assert!(app.browser.get_html(&page).await.contains("<option value=\"Admin\" selected>Admin</option>"));

    // Leaving a mapped group recomputes; leaving all falls back to the default role.
    let remove = |id: &str| patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]));
    dir.patch(&format!("/Groups/{admins}"), remove(&bob)).await;
    assert_eq!(app.role_of(&slug, "bob@acme.example").as_deref(), Some("Billing"));
    dir.patch(&format!("/Groups/{finance}"), remove(&bob)).await;
    assert_eq!(app.role_of(&slug, "bob@acme.example").as_deref(), Some("Technical user"));
    // An unmapped group's changes give nothing.
    dir.patch(&format!("/Groups/{everyone}"), remove(&cy)).await;
    assert_eq!(app.role_of(&slug, "cy@acme.example").as_deref(), Some("Billing"));
    // A suspended person gets the role their groups give when they come back.
    dir.patch(&format!("/Users/{cy}"), patch_op(json!([{"op": "replace", "path": "active", "value": false}]))).await;
    dir.patch(
        &format!("/Groups/{admins}"),
        patch_op(json!([{"op": "add", "path": "members", "value": [{"value": cy}]}])),
    )
    .await;
    assert_eq!(app.role_of(&slug, "cy@acme.example"), None);
    dir.patch(&format!("/Users/{cy}"), patch_op(json!([{"op": "replace", "path": "active", "value": true}]))).await;
    assert_eq!(app.role_of(&slug, "cy@acme.example").as_deref(), Some("Admin"));
    // Unmapping and deleting a mapped group recompute too.
    map(&admins, "").await;
    assert_eq!(app.role_of(&slug, "cy@acme.example").as_deref(), Some("Billing"));
    assert_eq!(dir.delete(&format!("/Groups/{finance}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.role_of(&slug, "cy@acme.example").as_deref(), Some("Technical user"));
    assert_eq!(app.role_of(&slug, "ada@acme.example").as_deref(), Some("Admin"));
    assert!(app.activity_count("scim.group_role") >= 3);
    assert!(app.activity_count("member.role_change") >= 5);
}

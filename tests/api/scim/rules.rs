//! Who may do what: only `org.manage` manages tokens and mappings; a token
//! works only for its own organization, stops when revoked or rotated, and
//! the directory cannot suspend, remove or demote the primary owner (the
//! last member who can manage members is always refused with a reason).

use reqwest::StatusCode;
use serde_json::json;

use super::{make_token, patch_op, token_in, Directory};
use crate::helpers::{admin_with_org, spawn_app};

#[tokio::test]
async fn the_owner_and_the_last_manager_cannot_be_suspended_or_removed() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    let dir = Directory::new(&app, &slug, &make_token(&app.browser, &slug, "Okta").await);
    let res = dir.post("/Users", json!({"userName": "ada@acme.example", "active": true})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let ada = res.body["id"].as_str().unwrap().to_string();
    let res =
        dir.patch(&format!("/Users/{ada}"), patch_op(json!([{"op": "replace", "value": {"active": false}}]))).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.body["scimType"], "mutability");
    let detail = res.body["detail"].as_str().unwrap();
    assert!(detail.contains("primary owner"), "{detail}");
    assert_eq!(res.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    assert_eq!(res.body["status"], "400");
    let res = dir.delete(&format!("/Users/{ada}")).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.role_of(&slug, "ada@acme.example").as_deref(), Some("Admin"));
    assert_eq!(dir.get(&format!("/Users/{ada}")).await.body["active"], true, "nothing changed");
    assert_eq!(app.activity_count("member.suspend"), 0);

    // An account at a domain Acme did not verify is not pulled in: the
    // directory's User gets an account of its own.
    let eve = app.new_browser();
    eve.sign_in("eve@elsewhere.example", "Eve").await;
    let res = dir.post("/Users", json!({"userName": "eve@elsewhere.example"})).await;
    assert_eq!(res.status, StatusCode::CREATED);
    assert_eq!(eve.get(&format!("/orgs/{slug}")).await.status(), StatusCode::NOT_FOUND, "her account is not a member");
    {
        use diesel::prelude::*;
        use orgportal::db::schema::users;
        let n: i64 =
            users::table.filter(users::email.eq("eve@elsewhere.example")).count().get_result(&mut *app.conn()).unwrap();
        assert_eq!(n, 2);
    }

    // Another admin can go: the owner still manages members.
    let res = dir.post("/Users", json!({"userName": "ben@acme.example", "active": true})).await;
    let ben = res.body["id"].as_str().unwrap().to_string();
    let g = dir.post("/Groups", json!({"displayName": "Admins", "members": [{"value": ben}]})).await;
    let gid = g.body["id"].as_str().unwrap().to_string();
    let page = format!("/orgs/{slug}/sso/provisioning");
    app.browser.submit(&page, &format!("{page}/groups/{gid}/role"), &[("role", "Admin")]).await;
    assert_eq!(app.role_of(&slug, "ben@acme.example").as_deref(), Some("Admin"));
    assert_eq!(dir.delete(&format!("/Users/{ben}")).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn only_org_managers_handle_tokens_and_tokens_stay_in_their_organization() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    let page = format!("/orgs/{slug}/sso/provisioning");
    let token = make_token(&app.browser, &slug, "Okta").await;
    let dir = Directory::new(&app, &slug, &token);
    let g = dir.post("/Groups", json!({"displayName": "Staff"})).await;
    let gid = g.body["id"].as_str().unwrap().to_string();
    let html = app.browser.get_html(&page).await;
    assert!(!html.contains("opscim_"), "shown once only");
    assert!(html.contains(&format!("/scim/v2/orgs/{slug}")), "the base URL is shown");
    let token_id = {
        use diesel::prelude::*;
        use orgportal::db::schema::scim_tokens;
        scim_tokens::table.select(scim_tokens::id).first::<String>(&mut *app.conn()).unwrap()
    };

    // Every role without org.manage, against every action.
    for role in ["Technical user", "Billing", "View-only"] {
        let email = format!("{}@acme.example", role.replace(' ', "-").to_lowercase());
        let them = app.member(&slug, &email, role).await;
        assert_eq!(them.get(&page).await.status(), StatusCode::FORBIDDEN, "{role}");
        let org = format!("/orgs/{slug}");
        for (action, fields) in [
            (format!("{page}/tokens"), vec![("name", "Mine")]),
            (format!("{page}/tokens/{token_id}/rotate"), vec![]),
            (format!("{page}/tokens/{token_id}/revoke"), vec![]),
            (format!("{page}/groups/{gid}/role"), vec![("role", "Admin")]),
        ] {
            let res = them.submit(&org, &action, &fields).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role} {action}");
        }
    }
    assert_eq!(dir.get("/Users").await.status, StatusCode::OK, "the token still works");
    assert_eq!(app.role_of(&slug, "view-only@acme.example").as_deref(), Some("View-only"));

    // Bad input next to its field.
    let res = app.browser.submit(&page, &format!("{page}/tokens"), &[("name", "  ")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("id=\"name-error\""));

    // Another organization's URL, and its resources.
    let beta = app.browser.create_org("Beta").await;
    let beta_dir = Directory::new(&app, &beta, &make_token(&app.browser, &beta, "Beta IdP").await);
    let beta_user = beta_dir.post("/Users", json!({"userName": "bo@beta.example"})).await;
    let beta_id = beta_user.body["id"].as_str().unwrap().to_string();
    let across = Directory::new(&app, &beta, &token);
    assert_eq!(across.get("/Users").await.status, StatusCode::NOT_FOUND);
    assert_eq!(dir.get(&format!("/Users/{beta_id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(dir.delete(&format!("/Users/{beta_id}")).await.status, StatusCode::NOT_FOUND);
    let res = dir
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "add", "path": "members", "value": [{"value": beta_id}]}])),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(beta_dir.get(&format!("/Users/{beta_id}")).await.status, StatusCode::OK);

    // No token, a wrong one, a rotated one, a revoked one.
    let none = Directory::new(&app, &slug, "");
    let res = none.get("/Users").await;
    assert_eq!((res.status, res.content_type.as_str()), (StatusCode::UNAUTHORIZED, "application/scim+json"));
    assert_eq!(Directory::new(&app, &slug, "opscim_nope").get("/Users").await.status, StatusCode::UNAUTHORIZED);
    let res = app.browser.submit(&page, &format!("{page}/tokens/{token_id}/rotate"), &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let rotated = token_in(&res.text().await.unwrap());
    assert_eq!(dir.get("/Users").await.status, StatusCode::UNAUTHORIZED, "the old secret stopped");
    let dir = Directory::new(&app, &slug, &rotated);
    assert_eq!(dir.get("/Users").await.status, StatusCode::OK);
    assert!(app.browser.get_html(&page).await.contains("revoked"));
    use diesel::prelude::*;
    use orgportal::db::schema::scim_tokens;
    let new_id: String = scim_tokens::table
        .filter(scim_tokens::revoked_at.is_null())
        .filter(scim_tokens::org_id.eq(app.org_id(&slug)))
        .select(scim_tokens::id)
        .first(&mut *app.conn())
        .unwrap();
    let used: Option<time::PrimitiveDateTime> =
        scim_tokens::table.find(&new_id).select(scim_tokens::last_used_at).first(&mut *app.conn()).unwrap();
    assert!(used.is_some(), "last used is kept");
    let res = app.browser.submit(&page, &format!("{page}/tokens/{new_id}/revoke"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(dir.get("/Users").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.activity_count("scim.token_revoke"), 1);
    assert_eq!(app.activity_count("scim.token_rotate"), 1);
}

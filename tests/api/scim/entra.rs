//! Microsoft Entra ID's provisioning sequence, as its SCIM endpoint
//! tutorial shows it, with its quirks: `"active": "False"` as a string,
//! capitalised ops, `replace` without a path carrying a map with dotted and
//! URN-qualified keys, `emails[type eq "work"].value`, member removals by a
//! value list, and `excludedAttributes=members`.

use reqwest::StatusCode;
use serde_json::json;

use super::{make_token, members, patch_op, urlencode, Directory};
use crate::helpers::{admin_with_org, spawn_app};

#[tokio::test]
async fn entra_id_provisions_with_its_quirks() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "ada@contoso.example", "Contoso").await;
    let entra = Directory::new(&app, &slug, &make_token(&app.browser, &slug, "Entra ID").await);

    // Entra's connection test: a user that does not exist.
    let res = entra.find_users(r#"userName eq "non-existent user""#).await;
    assert_eq!((res.status, res.body["totalResults"].as_i64()), (StatusCode::OK, Some(0)));

    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "test.user@contoso.example"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984", "department": "Tour Operations"}
    });
    let res = entra.post("/Users", user).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = res.body["id"].as_str().unwrap().to_string();
    assert_eq!(res.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"], "Tour Operations");
    assert_eq!(app.role_of(&slug, "test.user@contoso.example").as_deref(), Some("Technical user"));

    let res = entra.find_users(r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#).await;
    assert_eq!(res.body["Resources"][0]["id"], id.as_str());
    let res = entra.find_users(r#"emails.value eq "TEST.USER@contoso.example""#).await;
    assert_eq!(res.body["totalResults"], 1);

    // Attribute updates the way Entra sends them.
    let ops = json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updated@contoso.example"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "boss"},
        {"op": "replace", "value": {"displayName": "Test User", "name.givenName": "Test",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales"}}
    ]);
    let res = entra.patch(&format!("/Users/{id}"), patch_op(ops)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["emails"][0]["value"], "updated@contoso.example");
    assert_eq!(res.body["name"], json!({"givenName": "Test", "familyName": "updatedFamilyName"}));
    assert_eq!(res.body["displayName"], "Test User");
    assert_eq!(res.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"], "Sales");
    // The account never signed in: its address and name follow the directory.
    assert_eq!(app.role_of(&slug, "updated@contoso.example").as_deref(), Some("Technical user"));

    // Disable with the string "False".
    let res = entra
        .patch(&format!("/Users/{id}"), patch_op(json!([{"op": "Replace", "path": "active", "value": "False"}])))
        .await;
    assert_eq!(res.body["active"], false, "{}", res.body);
    assert_eq!(app.role_of(&slug, "updated@contoso.example"), None);
    let res = entra
        .patch(&format!("/Users/{id}"), patch_op(json!([{"op": "Replace", "path": "active", "value": "True"}])))
        .await;
    assert_eq!(res.body["active"], true);
    let res = entra
        .patch(&format!("/Users/{id}"), patch_op(json!([{"op": "Replace", "path": "active", "value": "maybe"}])))
        .await;
    assert_eq!((res.status, res.body["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidValue")));

    // Groups.
    let res = entra
        .post("/Groups", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "displayName": "Sales", "meta": {"resourceType": "Group"}}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let gid = res.body["id"].as_str().unwrap().to_string();
    let res = entra.get(&format!("/Groups/{gid}?excludedAttributes=members")).await;
    assert!(res.body.get("members").is_none() && res.body["displayName"] == "Sales");
    let res = entra
        .get(&format!("/Groups?excludedAttributes=members&filter={}", urlencode(r#"displayName eq "Sales""#)))
        .await;
    assert_eq!(res.body["totalResults"], 1);
    let res = entra
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": id}]}])),
        )
        .await;
    assert_eq!(res.body["members"][0]["value"], id.as_str(), "{}", res.body);
    let res = entra.get(&format!("/Groups?filter={}", urlencode(&format!(r#"members[value eq "{id}"]"#)))).await;
    assert_eq!(res.body["totalResults"], 1, "{}", res.body);
    let res = entra
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": id}]}])),
        )
        .await;
    assert_eq!(res.body["members"], json!([]));
    let res = entra
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "Replace", "path": "displayName", "value": "Sales EMEA"}])),
        )
        .await;
    assert_eq!(res.body["displayName"], "Sales EMEA");
    // A member that is no User of this organization.
    let res = entra
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "Add", "path": "members", "value": [{"value": "nobody"}]}])),
        )
        .await;
    assert_eq!((res.status, res.body["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidValue")));
    assert_eq!(entra.delete(&format!("/Groups/{gid}")).await.status, StatusCode::NO_CONTENT);

    assert_eq!(entra.delete(&format!("/Users/{id}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(members(&app, &slug), vec![("ada@contoso.example".into(), "Admin".into())]);
}

//! Lists as directories ask for them: every filter operator on the
//! attributes named in the issue, `startIndex`/`count`, `sortBy`,
//! `attributes`/`excludedAttributes`, `.search`, ETags with `If-Match`,
//! and input that is refused (a bad filter, control characters).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{make_token, patch_op, Directory};
use crate::helpers::{admin_with_org, spawn_app};

fn names(body: &Value) -> Vec<String> {
    body["Resources"].as_array().unwrap().iter().map(|r| r["userName"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn filters_pages_sorting_projection_and_etags() {
    let app = spawn_app().await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    let dir = Directory::new(&app, &slug, &make_token(&app.browser, &slug, "Okta").await);
    let mut ids = Vec::new();
    for (i, n) in ["carol", "alice", "erin", "bob", "dave"].iter().enumerate() {
        let body = json!({"userName": format!("{n}@acme.example"), "externalId": format!("ext-{i}"),
            "displayName": format!("{} Example", n.to_uppercase()), "active": i != 2});
        let res = dir.post("/Users", body).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        ids.push(res.body["id"].as_str().unwrap().to_string());
    }
    let q = |f: &str| {
        let f = f.to_string();
        let dir = &dir;
        async move { names(&dir.find_users(&f).await.body) }
    };
    assert_eq!(q(r#"userName sw "b""#).await, vec!["bob@acme.example"]);
    assert_eq!(q(r#"userName ew "e@acme.example""#).await, vec!["alice@acme.example", "dave@acme.example"]);
    assert_eq!(q(r#"displayName co "RO""#).await, vec!["carol@acme.example"]);
    assert_eq!(q(r#"active eq false"#).await, vec!["erin@acme.example"]);
    assert_eq!(q(r#"externalId eq "ext-3""#).await, vec!["bob@acme.example"]);
    assert_eq!(q(r#"externalId eq "EXT-3""#).await, Vec::<String>::new(), "externalId is case-exact");
    assert_eq!(q(r#"userName gt "c" and userName lt "e""#).await, vec!["carol@acme.example", "dave@acme.example"]);
    assert_eq!(
        q(r#"userName ge "dave@acme.example" and not (userName eq "erin@acme.example")"#).await,
        vec!["dave@acme.example"]
    );
    assert_eq!(
        q(r#"(userName eq "bob@acme.example" or userName eq "alice@acme.example") and active eq true"#).await.len(),
        2
    );
    assert_eq!(q(r#"userName le "b""#).await, vec!["alice@acme.example"]);
    assert_eq!(q(r#"userName ne "bob@acme.example" and externalId pr"#).await.len(), 4);
    assert_eq!(q(r#"emails.value eq "dave@acme.example""#).await, Vec::<String>::new(), "no emails were sent");
    assert_eq!(q(r#"meta.lastModified gt "2000-01-01T00:00:00Z""#).await.len(), 5);
    assert_eq!(q(r#"meta.lastModified lt "2000-01-01T00:00:00Z""#).await.len(), 0);

    // Pages and order.
    let res = dir.get("/Users?startIndex=2&count=2").await;
    assert_eq!(res.body["totalResults"], 5);
    assert_eq!((res.body["startIndex"].as_i64(), res.body["itemsPerPage"].as_i64()), (Some(2), Some(2)));
    assert_eq!(names(&res.body), vec!["bob@acme.example", "carol@acme.example"]);
    let res = dir.get("/Users?sortBy=userName&sortOrder=descending&count=1").await;
    assert_eq!(names(&res.body), vec!["erin@acme.example"]);
    let res = dir.get("/Users?sortBy=displayName&count=2&startIndex=4").await;
    assert_eq!(names(&res.body), vec!["dave@acme.example", "erin@acme.example"]);
    let res = dir.get("/Users?count=0").await;
    assert_eq!((res.body["totalResults"].as_i64(), res.body["Resources"].as_array().map(Vec::len)), (Some(5), Some(0)));

    // Projection.
    let res = dir.get("/Users?attributes=userName&count=1").await;
    let first = &res.body["Resources"][0];
    assert!(first.get("displayName").is_none() && first["userName"].is_string() && first["id"].is_string());
    let res = dir.get(&format!("/Users/{}?excludedAttributes=displayName,meta", ids[0])).await;
    assert!(
        res.body.get("displayName").is_none() && res.body.get("meta").is_none() && res.body["userName"].is_string()
    );

    // .search.
    let res = dir
        .post(
            "/Users/.search",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "userName sw \"a\"", "attributes": ["userName"], "startIndex": 1, "count": 10}),
        )
        .await;
    assert_eq!(names(&res.body), vec!["alice@acme.example"]);

    // ETags.
    let path = format!("/Users/{}", ids[1]);
    let res = dir.get(&path).await;
    let etag = res.etag.clone().unwrap();
    let stale = dir
        .call(
            Method::PATCH,
            &path,
            Some(patch_op(json!([{"op": "replace", "path": "displayName", "value": "A"}]))),
            &[("If-Match", "W/\"99\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let fresh = dir
        .call(
            Method::PATCH,
            &path,
            Some(patch_op(json!([{"op": "replace", "path": "displayName", "value": "A"}]))),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert_ne!(fresh.etag, Some(etag.clone()));
    assert_eq!(
        dir.call(Method::DELETE, &path, None, &[("If-Match", &etag)]).await.status,
        StatusCode::PRECONDITION_FAILED
    );

    // Refused input, with a SCIM error that says why.
    let res = dir.find_users(r#"userName eq"#).await;
    assert_eq!((res.status, res.body["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidFilter")));
    let res = dir.post("/Users", json!({"userName": "x\u{0}y@acme.example"})).await;
    assert_eq!((res.status, res.body["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidValue")));
    let res = dir.post("/Users", json!({"displayName": "no userName"})).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = dir.call(Method::POST, "/Users", None, &[("content-type", "application/scim+json")]).await;
    assert_eq!((res.status, res.body["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidSyntax")));
    let res = dir.patch(&path, json!({"Operations": [{"op": "jump", "path": "x"}]})).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = dir.get("/Users?filter=userName%20eq%20%22a%01%22").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.content_type, "application/scim+json");
    assert_eq!(dir.get("/Nope").await.status, StatusCode::NOT_FOUND);
    assert_eq!(dir.get("/Users?count=many").await.status, StatusCode::BAD_REQUEST);

    // Discovery.
    let spc = dir.get("/ServiceProviderConfig").await.body;
    assert_eq!((spc["patch"]["supported"].as_bool(), spc["bulk"]["supported"].as_bool()), (Some(true), Some(false)));
    let types = dir.get("/ResourceTypes").await.body;
    assert_eq!(types["totalResults"], 2);
    assert_eq!(dir.get("/ResourceTypes/User").await.body["endpoint"], "/Users");
    let schemas = dir.get("/Schemas").await.body;
    assert_eq!(schemas["totalResults"], 3);
    let user_schema = dir.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").await;
    assert_eq!(user_schema.body["attributes"][0]["name"], "userName");
}

//! The domains through the management API: claimed, looked up, verified,
//! given a policy and removed with a key, in the page's words; one
//! organization per domain holds on the API too.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{app_with_dns, claims, DnsServer};
use crate::helpers::admin_with_org;
use crate::management_api::{call, make_key};

#[tokio::test]
async fn a_key_claims_verifies_and_sets_the_policy_of_a_domain() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    let key = make_key(&app.browser, &slug, "Identity", &["org.view", "org.manage"], "30").await;
    let base = format!("/api/v1/orgs/{slug}/domains");

    let res = call(&app, Some(&key), Method::POST, &base, Some(json!({"domain": "acme"}))).await;
    let problem = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["field"], "domain");
    assert!(problem["detail"].as_str().unwrap().starts_with("Enter a full domain with a dot"));
    assert!(claims(&app).is_empty());

    let res = call(&app, Some(&key), Method::POST, &base, Some(json!({"domain": "Acme.Example"}))).await;
    assert_eq!(res.status, StatusCode::CREATED, "{:?}", res.body);
    assert_eq!(res.body["domain"], "acme.example");
    assert_eq!(res.body["verified"], false);
    assert_eq!(res.body["record"]["type"], "TXT");
    assert_eq!(res.body["record"]["name"], "_orgportal-challenge.acme.example");
    let value = res.body["record"]["value"].as_str().unwrap().to_string();
    let res = call(&app, Some(&key), Method::POST, &base, Some(json!({"domain": "acme.example"}))).await;
    assert!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["detail"].as_str().unwrap().contains("already on"));

    let one = format!("{base}/acme.example");
    let res = call(&app, Some(&key), Method::POST, &format!("{one}/verify"), None).await;
    assert!(res.problem(StatusCode::CONFLICT)["detail"].as_str().unwrap().starts_with("No TXT record was found"));
    dns.publish("_orgportal-challenge.acme.example", &[&value]);
    let res = call(&app, Some(&key), Method::POST, &format!("{one}/verify"), None).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    assert_eq!(res.body["verified"], true);
    assert!(res.body["verified_at"].as_str().unwrap().ends_with('Z'));

    let res =
        call(&app, Some(&key), Method::PATCH, &one, Some(json!({"join_policy": "automatic", "join_role": "Admin"})))
            .await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "join_role");
    let res = call(&app, Some(&key), Method::PATCH, &one, Some(json!({"join_policy": "always"}))).await;
    assert_eq!(res.problem(StatusCode::UNPROCESSABLE_ENTITY)["field"], "join_policy");
    let res =
        call(&app, Some(&key), Method::PATCH, &one, Some(json!({"join_policy": "automatic", "join_role": "Billing"})))
            .await;
    assert_eq!(
        (res.body["join_policy"].as_str(), res.body["join_role"].as_str()),
        (Some("automatic"), Some("Billing"))
    );
    let listed = call(&app, Some(&key), Method::GET, &base, None).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.activity_count("domain.verified"), 1);

    // Another organization's key: its claim is refused while Acme holds it.
    let rival = app.new_browser();
    rival.sign_in("bob@rival.example", "Bob").await;
    let rival_slug = rival.create_org("Rival").await;
    let rival_key = make_key(&rival, &rival_slug, "Rival", &["org.view", "org.manage"], "30").await;
    let res = call(
        &app,
        Some(&rival_key),
        Method::POST,
        &format!("/api/v1/orgs/{rival_slug}/domains"),
        Some(json!({"domain": "acme.example"})),
    )
    .await;
    let detail = res.problem(StatusCode::CONFLICT)["detail"].as_str().unwrap().to_string();
    assert!(
        detail.starts_with("acme.example is verified by another organization.") && !detail.contains("Acme"),
        "{detail}"
    );
    let res = call(&app, Some(&rival_key), Method::GET, &one, None).await;
    res.problem(StatusCode::NOT_FOUND);

    let res = call(&app, Some(&key), Method::DELETE, &one, None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert!(claims(&app).is_empty());
    call(&app, Some(&key), Method::GET, &one, None).await.problem(StatusCode::NOT_FOUND);
}

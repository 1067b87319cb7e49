//! A person the directory provisioned signs in through the organization's
//! own provider: the account SCIM made is the one they get (found by
//! externalId = subject, or by address at a covered domain), not a second.

use diesel::prelude::*;
use orgportal::db::schema::{identities, users};
use reqwest::StatusCode;
use serde_json::json;

use super::{make_token, Directory};
use crate::browser::location;
use crate::domains::sso::{app, save, sso_sign_in, through_issuer};
use crate::domains::{verified_domain, DnsServer};
use crate::helpers::admin_with_org;
use crate::oidc_issuer::start_issuer;

#[tokio::test]
async fn a_provisioned_person_signs_in_with_sso_into_the_account_scim_made() {
    let dns = DnsServer::start().await;
    let app = app(&dns).await;
    let issuer = start_issuer().await;
    let slug = admin_with_org(&app, "ada@acme.example", "Acme").await;
    verified_domain(&app.browser, &app, &dns, &slug, "acme.example").await;
    let page = format!("/orgs/{slug}/sso");
    assert_eq!(save(&app.browser, &slug, &issuer, "s3cret").await.status(), StatusCode::SEE_OTHER);
    let res = app.browser.submit(&page, &format!("{page}/test"), &[]).await;
    let who = json!({"sub": "ada-1", "email": "ada@acme.example", "email_verified": true, "name": "Ada"});
    through_issuer(&app.browser, &issuer, res, who).await;
    app.browser.submit(&page, &format!("{page}/enabled"), &[("on", "true")]).await;

    let dir = Directory::new(&app, &slug, &make_token(&app.browser, &slug, "Okta").await);
    let res = dir
        .post("/Users", json!({"userName": "ben@acme.example", "externalId": "ben-sub", "displayName": "Ben"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    // Found by userName: the subject is not the externalId here.
    let res =
        dir.post("/Users", json!({"userName": "cy@acme.example", "externalId": "00u-cy", "displayName": "Cy"})).await;
    assert_eq!(res.status, StatusCode::CREATED);
    let made = |email: &str| -> Vec<String> {
        users::table.filter(users::email.eq(email)).select(users::id).load(&mut *app.conn()).unwrap()
    };
    let (ben_id, cy_id) = (made("ben@acme.example"), made("cy@acme.example"));
    assert_eq!((ben_id.len(), cy_id.len()), (1, 1));

    for (email, sub, id) in [("ben@acme.example", "ben-sub", &ben_id[0]), ("cy@acme.example", "cy-oidc", &cy_id[0])] {
        let browser = app.new_browser();
        let res = sso_sign_in(&browser, &issuer, email, sub).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{email}: {}", res.text().await.unwrap());
        assert!(!location(&res).contains("link"), "no link step for a provisioned account");
        assert_eq!(browser.get(&format!("/orgs/{slug}")).await.status(), StatusCode::OK, "{email}");
        assert_eq!(made(email), vec![id.clone()], "the same account, not a second");
        let linked: i64 = identities::table
            .filter(identities::user_id.eq(id))
            .filter(identities::subject.eq(sub))
            .count()
            .get_result(&mut *app.conn())
            .unwrap();
        assert_eq!(linked, 1);
        let verified: bool = users::table.find(id).select(users::email_verified).first(&mut *app.conn()).unwrap();
        assert!(verified, "the provider proved the address");
    }
}

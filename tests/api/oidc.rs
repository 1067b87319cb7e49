//! Sign-in through a generic OpenID Connect provider configured from its
//! discovery document (the issuer is `oidc_issuer`'s).

use diesel::prelude::*;
use orgportal::config::{ClientCredentials, OidcSettings, Secret};
use orgportal::db::schema::{identities, users};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{location, spawn_app_with};
use crate::oidc_issuer::{oidc_settings, oidc_sign_in, start_issuer, start_issuer_on, Fault};

#[tokio::test]
async fn sign_in_through_an_openid_connect_provider() {
    let issuer = start_issuer().await;
    *issuer.userinfo.lock().unwrap() =
        json!({"sub": "u-42", "email": "Nia@Corp.example", "email_verified": "false", "preferred_username": "nia"});
    let settings = oidc_settings(&issuer);
    let app = spawn_app_with(move |s| s.oidc = Some(settings)).await;

    let landing = app.browser.get_html("/").await;
    assert!(!landing.contains("Development sign-in is on"), "no dev banner with a real provider");
    let login = app.browser.get_html("/login").await;
    assert!(login.contains("href=\"/auth/oidc/start\"") && login.contains("Sign in with 127.0.0.1"));
    assert_eq!(app.browser.get("/dev-oauth/userinfo").await.status(), StatusCode::NOT_FOUND, "no dev provider");

    let res = app.browser.get("/auth/oidc/start").await;
    let authorize = location(&res);
    assert!(authorize.starts_with(&format!("{}/authorize?", issuer.base)), "{authorize}");
    let back = app.browser.get(&authorize).await;
    let callback = location(&back);
    let res = app.browser.get(&callback).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
    let page = app.browser.get_html("/getting-started").await;
    assert!(page.contains("nia@corp.example"));

    let mut conn = app.conn();
    let (email, verified, name): (String, bool, String) =
        users::table.select((users::email, users::email_verified, users::name)).first(&mut *conn).unwrap();
    assert_eq!((email.as_str(), verified, name.as_str()), ("nia@corp.example", false, "nia"));
    let (provider, subject): (String, String) =
        identities::table.select((identities::provider, identities::subject)).first(&mut *conn).unwrap();
    assert_eq!((provider.as_str(), subject.as_str()), ("oidc", "u-42"));
}

#[tokio::test]
async fn the_same_email_from_another_subject_is_another_user() {
    let issuer = start_issuer().await;
    let settings = oidc_settings(&issuer);
    let app = spawn_app_with(move |s| s.oidc = Some(settings)).await;
    for sub in ["a-1", "a-2"] {
        *issuer.userinfo.lock().unwrap() =
            json!({"sub": sub, "email": "same@corp.example", "email_verified": true, "name": "Same"});
        let browser = app.new_browser();
        let authorize = location(&browser.get("/auth/oidc/start").await);
        let callback = location(&browser.get(&authorize).await);
        assert_eq!(browser.get(&callback).await.status(), StatusCode::SEE_OTHER);
    }
    let mut conn = app.conn();
    let count: i64 = users::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(count, 2, "users are keyed by (provider, subject), never by email alone");
}

#[tokio::test]
async fn an_unreachable_issuer_gives_a_clear_page_and_sign_in_works_once_it_is_back() {
    // A port with nothing behind it yet: the portal starts anyway.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let settings = OidcSettings {
        issuer: url::Url::parse(&format!("http://127.0.0.1:{port}/realm")).unwrap(),
        credentials: ClientCredentials { client_id: "portal-client".into(), client_secret: Secret::new("s3cret") },
    };
    let app = spawn_app_with(move |s| s.oidc = Some(settings)).await;
    let res = app.browser.get("/auth/oidc/start").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = res.text().await.unwrap();
    assert!(
        page.contains(
            "The sign-in provider 127.0.0.1 cannot be reached at the moment. Please try again in a few minutes."
        ),
        "{page}"
    );
    assert!(!page.contains(&port.to_string()) && !page.contains("error sending request"), "no internals: {page}");
    assert!(page.contains("href=\"/auth/oidc/start\""), "the sign-in button is still there");

    let issuer = start_issuer_on(std::net::TcpListener::bind(("127.0.0.1", port)).unwrap()).await;
    oidc_sign_in(&issuer, &app.browser, json!({"sub": "u-1", "email": "a@corp.example", "email_verified": true})).await;
    assert!(app.browser.get_html("/getting-started").await.contains("a@corp.example"));
}

#[tokio::test]
async fn a_wrong_client_secret_is_named_on_the_page() {
    let issuer = start_issuer().await;
    let mut settings = oidc_settings(&issuer);
    settings.credentials.client_secret = Secret::new("not-the-secret");
    let app = spawn_app_with(move |s| s.oidc = Some(settings)).await;
    *issuer.userinfo.lock().unwrap() = json!({"sub": "u-1", "email": "a@corp.example", "email_verified": true});
    let authorize = location(&app.browser.get("/auth/oidc/start").await);
    let callback = location(&app.browser.get(&authorize).await);
    let res = app.browser.get(&callback).await;
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    let page = res.text().await.unwrap();
    assert!(page.contains("did not accept this portal&#39;s client credentials"), "{page}");
    assert!(!page.contains("not-the-secret") && !page.contains("invalid_client"), "{page}");
}

/// Each ID-token check, with the issuer getting exactly that one wrong: no
/// one is signed in, the page says so without internals, the log names it.
#[tokio::test]
async fn an_id_token_that_fails_a_check_signs_nobody_in() {
    let issuer = start_issuer().await;
    let settings = oidc_settings(&issuer);
    let app = spawn_app_with(move |s| s.oidc = Some(settings)).await;
    *issuer.userinfo.lock().unwrap() = json!({"sub": "u-1", "email": "a@corp.example", "email_verified": true});
    for fault in [Fault::Issuer, Fault::Audience, Fault::Nonce, Fault::Signature, Fault::NoIdToken] {
        *issuer.fault.lock().unwrap() = fault;
        let browser = app.new_browser();
        let authorize = location(&browser.get("/auth/oidc/start").await);
        let callback = location(&browser.get(&authorize).await);
        let res = browser.get(&callback).await;
        assert_eq!(res.status(), StatusCode::BAD_GATEWAY, "{fault:?}");
        let page = res.text().await.unwrap();
        assert!(page.contains("could not be verified, so you were not signed in"), "{fault:?}: {page}");
        assert!(!page.contains("ID token"), "no internals on the page: {page}");
        assert_eq!(location(&browser.get("/getting-started").await), "/login?next=%2Fgetting-started", "{fault:?}");
    }
    let mut conn = app.conn();
    assert_eq!(users::table.count().get_result::<i64>(&mut *conn).unwrap(), 0);

    *issuer.fault.lock().unwrap() = Fault::None;
    oidc_sign_in(&issuer, &app.browser, json!({"sub": "u-1", "email": "a@corp.example", "email_verified": true})).await;
    assert!(app.browser.get_html("/getting-started").await.contains("a@corp.example"));
}

#[tokio::test]
async fn an_unverified_email_never_accepts_an_invitation() {
    let issuer = start_issuer().await;
    let settings = oidc_settings(&issuer);
    let app = spawn_app_with(move |s| s.oidc = Some(settings)).await;
    let admin = json!({"sub": "admin", "email": "admin@corp.example", "email_verified": true, "name": "Admin"});
    oidc_sign_in(&issuer, &app.browser, admin).await;
    let slug = app.browser.create_org("Corp").await;
    let res = app
        .browser
        .submit(
            &format!("/orgs/{slug}/members/invite"),
            &format!("/orgs/{slug}/invitations"),
            &[("email", "new@corp.example"), ("role", "Billing")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The link is made anew with Copy link (mail goes to disk here).
    let mut conn = app.conn();
    let id: String = {
        use orgportal::db::schema::invitations;
        invitations::table.select(invitations::id).first(&mut *conn).unwrap()
    };
    let res =
        app.browser.submit(&format!("/orgs/{slug}/members"), &format!("/orgs/{slug}/invitations/{id}/link"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = app.browser.get_html(&format!("/orgs/{slug}/members")).await;
    let start = page.find("/invitations/").unwrap() + "/invitations/".len();
    let token: String =
        page[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();

    let someone = app.new_browser();
    let unverified = json!({"sub": "new", "email": "new@corp.example", "email_verified": false, "name": "New"});
    oidc_sign_in(&issuer, &someone, unverified).await;
    let page = someone.get_html(&format!("/invitations/{token}")).await;
    assert!(page.contains("(not verified)") && !page.contains(">Accept</button>"));
    let res = someone.submit(&format!("/invitations/{token}"), &format!("/invitations/{token}/accept"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let members: i64 = {
        use orgportal::db::schema::memberships;
        memberships::table.count().get_result(&mut *conn).unwrap()
    };
    assert_eq!(members, 1, "only the admin");
}

#[tokio::test]
async fn an_unverified_email_is_never_linked_to_a_customer() {
    let issuer = start_issuer().await;
    let settings = oidc_settings(&issuer);
    let app = spawn_app_with(move |s| s.oidc = Some(settings)).await;
    let file = app.data_dir.path().join("customers.json");
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/customers.json");
    std::fs::copy(example, &file).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_orgportal"))
        .args(["customers", "import"])
        .arg(&file)
        .env("ORGPORTAL_DATABASE_URL", &app.db.url)
        .env("ORGPORTAL_DATA_DIR", app.data_dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let unverified = json!({"sub": "x", "email": "ada@northwind.example", "email_verified": false, "name": "Not Ada"});
    oidc_sign_in(&issuer, &app.browser, unverified).await;
    let gs = app.browser.get_html("/getting-started").await;
    assert!(!gs.contains("Northwind"), "an unverified address matches no customer");
    let mut conn = app.conn();
    let orgs: i64 = {
        use orgportal::db::schema::organizations;
        organizations::table.count().get_result(&mut *conn).unwrap()
    };
    assert_eq!(orgs, 0);
}

#[tokio::test]
async fn an_unverified_email_is_never_support_staff() {
    let issuer = start_issuer().await;
    let settings = oidc_settings(&issuer);
    let app = spawn_app_with(move |s| {
        s.oidc = Some(settings);
        s.staff_emails = vec!["sam@corp.example".into()];
    })
    .await;
    let unverified = json!({"sub": "x", "email": "sam@corp.example", "email_verified": false, "name": "Not Sam"});
    oidc_sign_in(&issuer, &app.browser, unverified).await;
    assert_eq!(app.browser.get("/staff").await.status(), StatusCode::FORBIDDEN);
    assert!(!app.browser.get_html("/getting-started").await.contains("Staff area"));

    let sam = app.new_browser();
    let verified = json!({"sub": "sam", "email": "sam@corp.example", "email_verified": true, "name": "Sam"});
    oidc_sign_in(&issuer, &sam, verified).await;
    assert_eq!(sam.get("/staff").await.status(), StatusCode::OK);
}

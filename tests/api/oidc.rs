//! Sign-in through a generic OpenID Connect provider configured from its
//! discovery document. The issuer is a small authorization server started
//! by the test on its own port; it checks the client secret and PKCE, signs
//! ID tokens with a key of its own and can get one check wrong on purpose.
//! (`e2e/` runs the same flows against a real provider, `oidc-provider`.)

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use diesel::prelude::*;
use orgportal::config::{ClientCredentials, OidcSettings, Secret};
use orgportal::db::schema::{identities, users};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::{location, spawn_app_with};

/// What the issuer gets wrong in its next ID tokens.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Fault {
    None,
    Issuer,
    Audience,
    Nonce,
    Signature,
    NoIdToken,
}

struct Issuer {
    base: String,
    challenge: Mutex<Option<String>>,
    nonce: Mutex<Option<String>>,
    userinfo: Mutex<serde_json::Value>,
    fault: Mutex<Fault>,
    key: SigningKey,
    impostor: SigningKey,
}

struct SigningKey {
    pkcs8: Vec<u8>,
    jwk: serde_json::Value,
}

fn signing_key() -> SigningKey {
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let point = pair.public_key().as_ref();
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let jwk = json!({"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "x": b64(&point[1..33]), "y": b64(&point[33..65])});
    SigningKey { pkcs8: pkcs8.as_ref().to_vec(), jwk }
}

impl Issuer {
    fn id_token(&self) -> Option<String> {
        let fault = *self.fault.lock().unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let sub = self.userinfo.lock().unwrap()["sub"].clone();
        let mut claims = json!({
            "iss": self.base, "aud": "portal-client", "sub": sub, "iat": now, "exp": now + 300,
            "nonce": self.nonce.lock().unwrap().clone(),
        });
        match fault {
            Fault::NoIdToken => return None,
            Fault::Issuer => claims["iss"] = json!("http://127.0.0.1:1/elsewhere"),
            Fault::Audience => claims["aud"] = json!("another-client"),
            Fault::Nonce => claims["nonce"] = json!("not-the-nonce"),
            Fault::Signature | Fault::None => {}
        }
        let key = if fault == Fault::Signature { &self.impostor } else { &self.key };
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some("k1".into());
        Some(jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_ec_der(&key.pkcs8)).unwrap())
    }
}

async fn discovery(issuer: web::Data<Arc<Issuer>>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "issuer": issuer.base,
        "authorization_endpoint": format!("{}/authorize", issuer.base),
        "token_endpoint": format!("{}/token", issuer.base),
        "userinfo_endpoint": format!("{}/userinfo", issuer.base),
        "jwks_uri": format!("{}/jwks", issuer.base),
    }))
}

async fn jwks(issuer: web::Data<Arc<Issuer>>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "keys": [issuer.key.jwk] }))
}

/// Consents at once: redirects back with a code.
async fn authorize(req: HttpRequest, issuer: web::Data<Arc<Issuer>>) -> HttpResponse {
    let q: std::collections::HashMap<String, String> =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string()).unwrap().into_inner();
    assert_eq!(q["client_id"], "portal-client");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["scope"].contains("openid"));
    *issuer.challenge.lock().unwrap() = Some(q["code_challenge"].clone());
    *issuer.nonce.lock().unwrap() = q.get("nonce").cloned();
    let target = format!("{}?code=the-code&state={}", q["redirect_uri"], q["state"]);
    HttpResponse::SeeOther().insert_header(("Location", target)).finish()
}

async fn token(
    req: HttpRequest,
    body: web::Form<Vec<(String, String)>>,
    issuer: web::Data<Arc<Issuer>>,
) -> HttpResponse {
    let basic = req.headers().get("authorization").unwrap().to_str().unwrap().trim_start_matches("Basic ");
    let decoded = base64::engine::general_purpose::STANDARD.decode(basic).unwrap();
    if String::from_utf8(decoded).unwrap() != "portal-client:s3cret" {
        return HttpResponse::Unauthorized().json(json!({"error": "invalid_client"}));
    }
    let field = |name: &str| body.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let verifier = field("code_verifier");
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if field("code") != "the-code" || issuer.challenge.lock().unwrap().as_deref() != Some(challenge.as_str()) {
        return HttpResponse::BadRequest().json(json!({"error": "invalid_grant"}));
    }
    let mut answer = json!({"access_token": "tok", "token_type": "Bearer", "expires_in": 60});
    if let Some(id_token) = issuer.id_token() {
        answer["id_token"] = json!(id_token);
    }
    HttpResponse::Ok().json(answer)
}

async fn userinfo(req: HttpRequest, issuer: web::Data<Arc<Issuer>>) -> HttpResponse {
    assert_eq!(req.headers().get("authorization").unwrap(), "Bearer tok");
    HttpResponse::Ok().json(issuer.userinfo.lock().unwrap().clone())
}

async fn start_issuer() -> Arc<Issuer> {
    start_issuer_on(std::net::TcpListener::bind("127.0.0.1:0").unwrap()).await
}

async fn start_issuer_on(listener: std::net::TcpListener) -> Arc<Issuer> {
    let base = format!("http://127.0.0.1:{}/realm", listener.local_addr().unwrap().port());
    let issuer = Arc::new(Issuer {
        base,
        challenge: Mutex::default(),
        nonce: Mutex::default(),
        userinfo: Mutex::default(),
        fault: Mutex::new(Fault::None),
        key: signing_key(),
        impostor: signing_key(),
    });
    let data = web::Data::new(issuer.clone());
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).service(
            web::scope("/realm")
                .route("/.well-known/openid-configuration", web::get().to(discovery))
                .route("/authorize", web::get().to(authorize))
                .route("/token", web::post().to(token))
                .route("/userinfo", web::get().to(userinfo))
                .route("/jwks", web::get().to(jwks)),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    issuer
}

fn oidc_settings(issuer: &Issuer) -> OidcSettings {
    OidcSettings {
        issuer: url::Url::parse(&issuer.base).unwrap(),
        credentials: ClientCredentials { client_id: "portal-client".into(), client_secret: Secret::new("s3cret") },
    }
}

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

async fn oidc_sign_in(issuer: &Issuer, browser: &crate::helpers::Browser, who: serde_json::Value) {
    *issuer.userinfo.lock().unwrap() = who;
    let authorize = location(&browser.get("/auth/oidc/start").await);
    let callback = location(&browser.get(&authorize).await);
    let res = browser.get(&callback).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
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

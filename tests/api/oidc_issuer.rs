//! An OpenID Connect issuer for the sign-in tests: a small authorization
//! server on its own port that checks the client secret and PKCE, signs ID
//! tokens (ES256) with a key of its own, and can get one check wrong on
//! purpose. (`e2e/` runs the same flows against a real provider.)

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use orgportal::config::{ClientCredentials, OidcSettings, Secret};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::location;

/// What the issuer gets wrong in its next ID tokens.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Fault {
    None,
    Issuer,
    Audience,
    Nonce,
    Signature,
    NoIdToken,
}

pub struct Issuer {
    pub base: String,
    challenge: Mutex<Option<String>>,
    nonce: Mutex<Option<String>>,
    pub userinfo: Mutex<serde_json::Value>,
    pub fault: Mutex<Fault>,
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

pub async fn start_issuer() -> Arc<Issuer> {
    start_issuer_on(std::net::TcpListener::bind("127.0.0.1:0").unwrap()).await
}

pub async fn start_issuer_on(listener: std::net::TcpListener) -> Arc<Issuer> {
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

pub fn oidc_settings(issuer: &Issuer) -> OidcSettings {
    OidcSettings {
        issuer: url::Url::parse(&issuer.base).unwrap(),
        credentials: ClientCredentials { client_id: "portal-client".into(), client_secret: Secret::new("s3cret") },
    }
}

/// Signs `browser` in as `who` (the userinfo answer) through the issuer.
pub async fn oidc_sign_in(issuer: &Issuer, browser: &crate::helpers::Browser, who: serde_json::Value) {
    *issuer.userinfo.lock().unwrap() = who;
    let authorize = location(&browser.get("/auth/oidc/start").await);
    let callback = location(&browser.get(&authorize).await);
    let res = browser.get(&callback).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
}

//! Checks an OpenID Connect ID token: signed with one of the provider's
//! published keys (never a shared secret, never "none"), issued by the
//! provider for this client, not expired, and carrying this sign-in's nonce.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// Public-key algorithms only: an HMAC token would be "signed" with our own
/// client secret, which proves nothing about who issued it.
const ACCEPTED: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Clock skew allowed between us and the provider, in seconds.
const LEEWAY_SECS: u64 = 60;

#[derive(Debug, Deserialize)]
pub struct IdClaims {
    pub sub: String,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub azp: Option<String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    #[error("the token response has no ID token")]
    Missing,
    #[error("the ID token is not a well-formed JWT ({0})")]
    Malformed(String),
    #[error("the ID token is signed with {0:?}, which is not accepted")]
    Algorithm(Algorithm),
    #[error("no published key of the provider matches the ID token (kid {0:?})")]
    UnknownKey(Option<String>),
    #[error("the ID token's signature does not verify")]
    Signature,
    #[error("the ID token was issued by another issuer")]
    Issuer,
    #[error("the ID token was issued for another client")]
    Audience,
    #[error("the ID token has expired")]
    Expired,
    #[error("the ID token's nonce is not this sign-in's")]
    Nonce,
}

/// What this sign-in expects of the token.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
}

pub fn verify(token: &str, keys: &JwkSet, expected: &Expected) -> Result<IdClaims, IdTokenError> {
    let header = decode_header(token).map_err(|e| IdTokenError::Malformed(e.to_string()))?;
    if !ACCEPTED.contains(&header.alg) {
        return Err(IdTokenError::Algorithm(header.alg));
    }
    let jwk = match &header.kid {
        Some(kid) => keys.find(kid),
        // Without a key id, only a provider with a single key is unambiguous.
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    }
    .ok_or_else(|| IdTokenError::UnknownKey(header.kid.clone()))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| IdTokenError::Malformed(format!("the provider's key: {e}")))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[expected.issuer]);
    validation.set_audience(&[expected.client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = LEEWAY_SECS;
    let claims = decode::<IdClaims>(token, &key, &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => IdTokenError::Signature,
            ErrorKind::InvalidIssuer => IdTokenError::Issuer,
            ErrorKind::InvalidAudience => IdTokenError::Audience,
            ErrorKind::ExpiredSignature => IdTokenError::Expired,
            _ => IdTokenError::Malformed(e.to_string()),
        })?
        .claims;
    if claims.azp.as_deref().is_some_and(|azp| azp != expected.client_id) {
        return Err(IdTokenError::Audience);
    }
    if claims.nonce.as_deref() != Some(expected.nonce) {
        return Err(IdTokenError::Nonce);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    use serde_json::{json, Value};

    struct Signer {
        pkcs8: Vec<u8>,
        jwk: Value,
    }

    fn signer(kid: &str) -> Signer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let point = pair.public_key().as_ref();
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
            "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65]),
        });
        Signer { pkcs8: pkcs8.as_ref().to_vec(), jwk }
    }

    impl Signer {
        fn sign(&self, claims: &Value) -> String {
            let mut header = Header::new(Algorithm::ES256);
            header.kid = self.jwk["kid"].as_str().map(String::from);
            encode(&header, claims, &EncodingKey::from_ec_der(&self.pkcs8)).unwrap()
        }
    }

    fn set(signers: &[&Signer]) -> JwkSet {
        serde_json::from_value(json!({ "keys": signers.iter().map(|s| s.jwk.clone()).collect::<Vec<_>>() })).unwrap()
    }

    fn claims() -> Value {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        json!({ "iss": "https://id.example", "aud": "portal", "sub": "u-1", "nonce": "n-1", "iat": now, "exp": now + 300 })
    }

    const EXPECTED: Expected<'static> = Expected { issuer: "https://id.example", client_id: "portal", nonce: "n-1" };

    fn with(key: &str, value: Value) -> Value {
        let mut c = claims();
        c[key] = value;
        c
    }

    #[test]
    fn a_good_token_passes_and_each_wrong_claim_is_named() {
        let s = signer("k1");
        let keys = set(&[&s]);
        assert_eq!(verify(&s.sign(&claims()), &keys, &EXPECTED).unwrap().sub, "u-1");
        let aud_list = with("aud", json!(["other", "portal"]));
        assert_eq!(verify(&s.sign(&aud_list), &keys, &EXPECTED).unwrap().sub, "u-1");
        let cases = [
            (with("iss", json!("https://evil.example")), IdTokenError::Issuer),
            (with("aud", json!("another-client")), IdTokenError::Audience),
            (with("azp", json!("another-client")), IdTokenError::Audience),
            (with("nonce", json!("n-2")), IdTokenError::Nonce),
            (with("exp", json!(claims()["iat"].as_i64().unwrap() - 3600)), IdTokenError::Expired),
        ];
        for (claims, error) in cases {
            assert_eq!(verify(&s.sign(&claims), &keys, &EXPECTED).unwrap_err(), error, "{claims}");
        }
        let mut no_nonce = claims();
        no_nonce.as_object_mut().unwrap().remove("nonce");
        assert_eq!(verify(&s.sign(&no_nonce), &keys, &EXPECTED).unwrap_err(), IdTokenError::Nonce);
    }

    #[test]
    fn a_token_signed_by_another_key_or_tampered_with_is_refused() {
        let (real, impostor) = (signer("k1"), signer("k1"));
        let keys = set(&[&real]);
        assert_eq!(verify(&impostor.sign(&claims()), &keys, &EXPECTED).unwrap_err(), IdTokenError::Signature);
        let token = real.sign(&claims());
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        parts[1] = B64.encode(serde_json::to_vec(&with("sub", json!("u-2"))).unwrap());
        assert_eq!(verify(&parts.join("."), &keys, &EXPECTED).unwrap_err(), IdTokenError::Signature);
        let other_kid = signer("k2");
        assert_eq!(
            verify(&other_kid.sign(&claims()), &keys, &EXPECTED).unwrap_err(),
            IdTokenError::UnknownKey(Some("k2".into()))
        );
    }

    #[test]
    fn shared_secret_and_unsigned_tokens_are_refused() {
        let keys = set(&[&signer("k1")]);
        let hs =
            encode(&Header::new(Algorithm::HS256), &claims(), &EncodingKey::from_secret(b"client-secret")).unwrap();
        assert_eq!(verify(&hs, &keys, &EXPECTED).unwrap_err(), IdTokenError::Algorithm(Algorithm::HS256));
        let none = format!("{}.{}.", B64.encode(br#"{"alg":"none"}"#), B64.encode(claims().to_string()));
        assert!(matches!(verify(&none, &keys, &EXPECTED).unwrap_err(), IdTokenError::Malformed(_)));
    }
}

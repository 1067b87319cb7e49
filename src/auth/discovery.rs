//! An OpenID Connect provider's metadata, read from its discovery document
//! when first needed (a provider that is down at start-up does not stop the
//! portal) and kept; its signing keys, read again when a token names a key
//! we do not have (the provider rotated its keys).

use std::sync::{Arc, RwLock};

use jsonwebtoken::jwk::JwkSet;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use super::failure::Failure;
use super::id_token::{self, Expected, IdClaims, IdTokenError};

#[derive(Debug)]
pub struct Discovery {
    issuer: Url,
    cached: RwLock<Option<Arc<Metadata>>>,
}

#[derive(Debug, Deserialize)]
struct Document {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
    jwks_uri: String,
}

#[derive(Debug)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    jwks_uri: String,
    keys: RwLock<Arc<JwkSet>>,
}

/// A GET of a provider's JSON document (see `Failure::http`).
async fn fetch<T: DeserializeOwned>(http: &reqwest::Client, url: &str, what: &str) -> Result<T, Failure> {
    let what = format!("{what} at {url}");
    let response = http.get(url).send().await.and_then(reqwest::Response::error_for_status);
    let response = response.map_err(|e| Failure::http(&what, &e))?;
    response.json::<T>().await.map_err(|e| Failure::Rejected(format!("{what}: {e}")))
}

impl Discovery {
    pub fn new(issuer: Url) -> Self {
        Self { issuer, cached: RwLock::new(None) }
    }

    fn document_url(&self) -> String {
        let mut url = self.issuer.clone();
        let path = format!("{}/.well-known/openid-configuration", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.to_string()
    }

    /// The provider's metadata: kept after the first successful read.
    pub async fn metadata(&self, http: &reqwest::Client) -> Result<Arc<Metadata>, Failure> {
        if let Some(found) = self.cached.read().ok().and_then(|c| c.clone()) {
            return Ok(found);
        }
        let doc: Document = fetch(http, &self.document_url(), "the discovery document").await?;
        // OpenID Connect Discovery 1.0, section 4.3: the issuer in the document is the one configured.
        if doc.issuer.trim_end_matches('/') != self.issuer.as_str().trim_end_matches('/') {
            return Err(Failure::Rejected(format!(
                "the discovery document names the issuer {}, not the configured {}",
                doc.issuer, self.issuer
            )));
        }
        let keys: JwkSet = fetch(http, &doc.jwks_uri, "the provider's keys").await?;
        let metadata = Arc::new(Metadata {
            issuer: doc.issuer,
            authorization_endpoint: doc.authorization_endpoint,
            token_endpoint: doc.token_endpoint,
            userinfo_endpoint: doc.userinfo_endpoint,
            jwks_uri: doc.jwks_uri,
            keys: RwLock::new(Arc::new(keys)),
        });
        if let Ok(mut cached) = self.cached.write() {
            *cached = Some(metadata.clone());
        }
        Ok(metadata)
    }
}

impl Metadata {
    fn keys(&self) -> Arc<JwkSet> {
        match self.keys.read() {
            Ok(keys) => keys.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Checks the ID token; a key we have never seen makes us read the
    /// provider's keys once more before refusing.
    pub async fn verify(
        &self,
        http: &reqwest::Client,
        token: Option<&str>,
        client_id: &str,
        nonce: &str,
    ) -> Result<IdClaims, Failure> {
        let token = token.ok_or(Failure::IdToken(IdTokenError::Missing))?;
        let expected = Expected { issuer: &self.issuer, client_id, nonce };
        match id_token::verify(token, &self.keys(), &expected) {
            Err(IdTokenError::UnknownKey(_)) => {
                let fresh: JwkSet = fetch(http, &self.jwks_uri, "the provider's keys").await?;
                let fresh = Arc::new(fresh);
                if let Ok(mut keys) = self.keys.write() {
                    *keys = fresh.clone();
                }
                id_token::verify(token, &fresh, &expected).map_err(Failure::IdToken)
            }
            other => other.map_err(Failure::IdToken),
        }
    }
}

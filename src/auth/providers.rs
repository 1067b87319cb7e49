//! The configured sign-in providers: a generic OpenID Connect provider read
//! from its discovery document, GitHub and Google presets, or the
//! development provider when none is configured.

use anyhow::Context;
use serde::Deserialize;
use url::Url;

use crate::config::{ClientCredentials, Secret, Settings};

/// How the provider reports who signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// An OIDC userinfo endpoint: sub, email, email_verified, name.
    Oidc,
    /// GitHub's REST API: /user, then /user/emails for the verified address.
    Github,
}

#[derive(Debug, Clone)]
pub struct Provider {
    pub key: &'static str,
    pub label: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub auth_url: String,
    pub token_url: String,
    pub userinfo_url: String,
    pub scopes: Vec<&'static str>,
    pub flavor: Flavor,
}

#[derive(Debug, Clone, Default)]
pub struct Providers {
    list: Vec<Provider>,
}

#[derive(Deserialize)]
struct Discovery {
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
}

const OIDC_SCOPES: &[&str] = &["openid", "email", "profile"];

impl Providers {
    pub fn get(&self, key: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.key == key)
    }

    pub fn all(&self) -> &[Provider] {
        &self.list
    }

    /// The real providers of the settings; the OIDC one is discovered now.
    pub async fn from_settings(settings: &Settings, http: &reqwest::Client) -> anyhow::Result<Self> {
        let mut list = Vec::new();
        if let Some(oidc) = &settings.oidc {
            let mut doc_url = oidc.issuer.clone();
            let path = format!("{}/.well-known/openid-configuration", doc_url.path().trim_end_matches('/'));
            doc_url.set_path(&path);
            let doc: Discovery = async {
                http.get(doc_url.clone()).send().await?.error_for_status()?.json::<Discovery>().await
            }
            .await
            .with_context(|| format!("ORGPORTAL_OIDC_ISSUER: cannot read the discovery document at {doc_url}"))?;
            let label = oidc.issuer.host_str().unwrap_or("OpenID Connect").to_string();
            list.push(provider(
                "oidc",
                &label,
                &oidc.credentials,
                doc.authorization_endpoint,
                doc.token_endpoint,
                doc.userinfo_endpoint,
                OIDC_SCOPES.to_vec(),
                Flavor::Oidc,
            ));
        }
        if let Some(creds) = &settings.github {
            list.push(provider(
                "github",
                "GitHub",
                creds,
                "https://github.com/login/oauth/authorize".into(),
                "https://github.com/login/oauth/access_token".into(),
                "https://api.github.com/user".into(),
                vec!["read:user", "user:email"],
                Flavor::Github,
            ));
        }
        if let Some(creds) = &settings.google {
            list.push(provider(
                "google",
                "Google",
                creds,
                "https://accounts.google.com/o/oauth2/v2/auth".into(),
                "https://oauth2.googleapis.com/token".into(),
                "https://openidconnect.googleapis.com/v1/userinfo".into(),
                OIDC_SCOPES.to_vec(),
                Flavor::Oidc,
            ));
        }
        Ok(Self { list })
    }

    /// The development provider mounted in this process. The browser goes to
    /// the public URL; the server's own calls go to the bound address.
    pub fn development(public: &Url, internal: &Url, client: &ClientCredentials) -> Self {
        let at = |base: &Url, path: &str| base.join(path).map(String::from).unwrap_or_default();
        Self {
            list: vec![provider(
                "dev",
                "Development sign-in",
                client,
                at(public, "/dev-oauth/authorize"),
                at(internal, "/dev-oauth/token"),
                at(internal, "/dev-oauth/userinfo"),
                OIDC_SCOPES.to_vec(),
                Flavor::Oidc,
            )],
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn provider(
    key: &'static str,
    label: &str,
    creds: &ClientCredentials,
    auth_url: String,
    token_url: String,
    userinfo_url: String,
    scopes: Vec<&'static str>,
    flavor: Flavor,
) -> Provider {
    Provider {
        key,
        label: label.to_string(),
        client_id: creds.client_id.clone(),
        client_secret: creds.client_secret.clone(),
        auth_url,
        token_url,
        userinfo_url,
        scopes,
        flavor,
    }
}

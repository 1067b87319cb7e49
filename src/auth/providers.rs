//! The configured sign-in providers: a generic OpenID Connect provider read
//! from its discovery document, GitHub and Google presets, or the
//! development provider when none is configured.

use std::sync::Arc;

use url::Url;

use super::discovery::{Discovery, Metadata};
use super::failure::Failure;
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
    pub endpoints: Endpoints,
    pub scopes: Vec<&'static str>,
    pub flavor: Flavor,
}

/// Where the provider's endpoints come from.
#[derive(Debug, Clone)]
pub enum Endpoints {
    /// Known in advance (GitHub, the development provider): no ID token.
    Fixed { auth_url: String, token_url: String, userinfo_url: String },
    /// An OpenID Connect issuer's discovery document: every sign-in's ID
    /// token is checked against its published keys.
    Discovered(Arc<Discovery>),
}

/// The endpoints of one sign-in, and the issuer's metadata when its ID token
/// must be checked.
pub struct Resolved {
    pub auth_url: String,
    pub token_url: String,
    pub userinfo_url: String,
    pub oidc: Option<Arc<Metadata>>,
}

impl Provider {
    pub async fn resolve(&self, http: &reqwest::Client) -> Result<Resolved, Failure> {
        match &self.endpoints {
            Endpoints::Fixed { auth_url, token_url, userinfo_url } => Ok(Resolved {
                auth_url: auth_url.clone(),
                token_url: token_url.clone(),
                userinfo_url: userinfo_url.clone(),
                oidc: None,
            }),
            Endpoints::Discovered(discovery) => {
                let m = discovery.metadata(http).await?;
                Ok(Resolved {
                    auth_url: m.authorization_endpoint.clone(),
                    token_url: m.token_endpoint.clone(),
                    userinfo_url: m.userinfo_endpoint.clone(),
                    oidc: Some(m),
                })
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Providers {
    list: Vec<Provider>,
}

const OIDC_SCOPES: &[&str] = &["openid", "email", "profile"];

impl Providers {
    pub fn get(&self, key: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.key == key)
    }

    pub fn all(&self) -> &[Provider] {
        &self.list
    }

    /// The real providers of the settings. Nothing is fetched here: see `warm_up`.
    pub fn from_settings(settings: &Settings) -> Self {
        let mut list = Vec::new();
        if let Some(oidc) = &settings.oidc {
            let label = oidc.issuer.host_str().unwrap_or("OpenID Connect").to_string();
            let endpoints = Endpoints::Discovered(Arc::new(Discovery::new(oidc.issuer.clone())));
            list.push(provider("oidc", &label, &oidc.credentials, endpoints, OIDC_SCOPES.to_vec(), Flavor::Oidc));
        }
        if let Some(creds) = &settings.github {
            let endpoints = Endpoints::Fixed {
                auth_url: "https://github.com/login/oauth/authorize".into(),
                token_url: "https://github.com/login/oauth/access_token".into(),
                userinfo_url: "https://api.github.com/user".into(),
            };
            list.push(provider("github", "GitHub", creds, endpoints, vec!["read:user", "user:email"], Flavor::Github));
        }
        if let Some(creds) = &settings.google {
            let issuer = Url::parse("https://accounts.google.com").expect("a valid URL");
            let endpoints = Endpoints::Discovered(Arc::new(Discovery::new(issuer)));
            list.push(provider("google", "Google", creds, endpoints, OIDC_SCOPES.to_vec(), Flavor::Oidc));
        }
        Self { list }
    }

    /// Reads the discovery documents now, so the first sign-in need not; a
    /// provider that is down is only logged (sign-in tries again).
    pub async fn warm_up(&self, http: &reqwest::Client) {
        for p in &self.list {
            if let Err(e) = p.resolve(http).await {
                tracing::warn!(provider = p.key, error = %e, "sign-in provider not ready; will try again at sign-in");
            }
        }
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
                Endpoints::Fixed {
                    auth_url: at(public, "/dev-oauth/authorize"),
                    token_url: at(internal, "/dev-oauth/token"),
                    userinfo_url: at(internal, "/dev-oauth/userinfo"),
                },
                OIDC_SCOPES.to_vec(),
                Flavor::Oidc,
            )],
        }
    }
}

fn provider(
    key: &'static str,
    label: &str,
    creds: &ClientCredentials,
    endpoints: Endpoints,
    scopes: Vec<&'static str>,
    flavor: Flavor,
) -> Provider {
    Provider {
        key,
        label: label.to_string(),
        client_id: creds.client_id.clone(),
        client_secret: creds.client_secret.clone(),
        endpoints,
        scopes,
        flavor,
    }
}

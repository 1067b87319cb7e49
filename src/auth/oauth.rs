//! The authorization-code flow with PKCE and state, through the `oauth2`
//! crate, and the userinfo call that follows it.

use anyhow::{anyhow, Context};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    Scope, TokenResponse, TokenUrl,
};
use serde::Deserialize;

use super::providers::{Flavor, Provider};

/// Where to send the browser, and what to keep in the session until it returns.
pub struct AuthorizationStart {
    pub url: String,
    pub state: String,
    pub pkce_verifier: String,
}

/// Who signed in, as the provider reports it.
#[derive(Debug, Clone)]
pub struct UserInfo {
    pub subject: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
}

macro_rules! client {
    ($p:expr, $redirect:expr) => {
        BasicClient::new(ClientId::new($p.client_id.clone()))
            .set_client_secret(ClientSecret::new($p.client_secret.expose().to_string()))
            .set_auth_uri(AuthUrl::new($p.auth_url.clone()).context("authorization URL")?)
            .set_token_uri(TokenUrl::new($p.token_url.clone()).context("token URL")?)
            .set_redirect_uri(RedirectUrl::new($redirect.to_string()).context("redirect URL")?)
    };
}

pub fn start(provider: &Provider, redirect_uri: &str) -> anyhow::Result<AuthorizationStart> {
    let client = client!(provider, redirect_uri);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client.authorize_url(CsrfToken::new_random).set_pkce_challenge(challenge);
    for scope in &provider.scopes {
        request = request.add_scope(Scope::new((*scope).to_string()));
    }
    let (url, state) = request.url();
    Ok(AuthorizationStart {
        url: url.to_string(),
        state: state.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// Exchanges the code for an access token. `http` must not follow redirects.
pub async fn exchange(
    http: &reqwest::Client,
    provider: &Provider,
    redirect_uri: &str,
    code: &str,
    pkce_verifier: &str,
) -> anyhow::Result<String> {
    let client = client!(provider, redirect_uri);
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
        .request_async(http)
        .await
        .map_err(|e| anyhow!("token exchange with {} failed: {e}", provider.key))?;
    Ok(token.access_token().secret().clone())
}

#[derive(Deserialize)]
struct OidcUserInfo {
    sub: String,
    email: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    email_verified: bool,
    name: Option<String>,
    preferred_username: Option<String>,
}

/// Some providers send `"email_verified": "true"` as a string.
fn lenient_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Text(String),
    }
    Ok(match Option::<B>::deserialize(d)? {
        Some(B::Bool(b)) => b,
        Some(B::Text(s)) => s.eq_ignore_ascii_case("true"),
        None => false,
    })
}

#[derive(Deserialize)]
struct GithubUser {
    id: u64,
    login: String,
    name: Option<String>,
}

#[derive(Deserialize)]
struct GithubEmail {
    email: String,
    primary: bool,
    verified: bool,
}

pub async fn userinfo(http: &reqwest::Client, provider: &Provider, access_token: &str) -> anyhow::Result<UserInfo> {
    let get = |url: String| {
        http.get(url)
            .bearer_auth(access_token)
            .header(reqwest::header::USER_AGENT, "orgportal")
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
    };
    match provider.flavor {
        Flavor::Oidc => {
            let info: OidcUserInfo = get(provider.userinfo_url.clone())
                .await?
                .error_for_status()?
                .json()
                .await
                .context("userinfo response")?;
            let email = info.email.ok_or_else(|| anyhow!("the provider did not return an email address"))?;
            let name = info.name.or(info.preferred_username).unwrap_or_else(|| email.clone());
            Ok(UserInfo { subject: info.sub, email, email_verified: info.email_verified, name })
        }
        Flavor::Github => {
            let user: GithubUser = get(provider.userinfo_url.clone()).await?.error_for_status()?.json().await?;
            let emails: Vec<GithubEmail> =
                get(format!("{}/emails", provider.userinfo_url)).await?.error_for_status()?.json().await?;
            let best = emails
                .iter()
                .find(|e| e.primary && e.verified)
                .or_else(|| emails.iter().find(|e| e.verified))
                .or_else(|| emails.first())
                .ok_or_else(|| anyhow!("the GitHub account has no email address"))?;
            Ok(UserInfo {
                subject: user.id.to_string(),
                email: best.email.clone(),
                email_verified: best.verified,
                name: user.name.unwrap_or(user.login),
            })
        }
    }
}

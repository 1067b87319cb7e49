//! The development sign-in provider: a small OAuth 2.0 authorization server
//! (authorization code + PKCE S256) that signs in whoever types an email and
//! a name. It only runs when no real provider is configured; its pages are in
//! `web::dev::oauth`. Codes and tokens live in memory: they are short-lived and
//! the embedded setup is a single process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::{ClientCredentials, Secret};

const CODE_TTL: Duration = Duration::from_secs(120);
const TOKEN_TTL: Duration = Duration::from_secs(600);
pub const CLIENT_ID: &str = "orgportal-dev";

/// The person the provider vouches for.
#[derive(Debug, Clone)]
pub struct DevUser {
    pub email: String,
    pub name: String,
}

impl DevUser {
    /// Stable per email, so signing in again finds the same account.
    pub fn subject(&self) -> String {
        format!("dev:{}", self.email)
    }
}

struct Grant {
    user: DevUser,
    redirect_uri: String,
    code_challenge: String,
    expires: Instant,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DevOAuthError {
    #[error("unknown client")]
    InvalidClient,
    #[error("the redirect URI is not this portal's callback")]
    BadRedirect,
    #[error("only response_type=code with code_challenge_method=S256 is supported")]
    Unsupported,
    #[error("the code is unknown, used or expired, or the PKCE verifier does not match")]
    InvalidGrant,
}

pub struct DevProvider {
    client: ClientCredentials,
    redirect_uri: String,
    codes: Mutex<HashMap<String, Grant>>,
    tokens: Mutex<HashMap<String, (DevUser, Instant)>>,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl DevProvider {
    pub fn new(redirect_uri: String) -> Self {
        let client = ClientCredentials { client_id: CLIENT_ID.into(), client_secret: Secret::new(random_token()) };
        Self { client, redirect_uri, codes: Mutex::default(), tokens: Mutex::default() }
    }

    pub fn client(&self) -> &ClientCredentials {
        &self.client
    }

    /// Checks an authorization request before showing the sign-in form.
    pub fn check_request(
        &self,
        response_type: &str,
        client_id: &str,
        redirect_uri: &str,
        challenge_method: &str,
    ) -> Result<(), DevOAuthError> {
        if client_id != self.client.client_id {
            return Err(DevOAuthError::InvalidClient);
        }
        if redirect_uri != self.redirect_uri {
            return Err(DevOAuthError::BadRedirect);
        }
        if response_type != "code" || challenge_method != "S256" {
            return Err(DevOAuthError::Unsupported);
        }
        Ok(())
    }

    pub fn issue_code(&self, user: DevUser, redirect_uri: &str, code_challenge: &str) -> String {
        let code = random_token();
        let mut codes = self.codes.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        codes.retain(|_, g| g.expires > now);
        let grant = Grant {
            user,
            redirect_uri: redirect_uri.to_string(),
            code_challenge: code_challenge.to_string(),
            expires: now + CODE_TTL,
        };
        codes.insert(code.clone(), grant);
        code
    }

    /// Exchanges a code (once) for an access token.
    pub fn exchange(
        &self,
        client_id: &str,
        client_secret: &str,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<String, DevOAuthError> {
        if client_id != self.client.client_id || client_secret != self.client.client_secret.expose() {
            return Err(DevOAuthError::InvalidClient);
        }
        let grant = self.codes.lock().unwrap_or_else(|p| p.into_inner()).remove(code);
        let grant = grant.ok_or(DevOAuthError::InvalidGrant)?;
        if grant.expires < Instant::now()
            || grant.redirect_uri != redirect_uri
            || pkce_challenge(verifier) != grant.code_challenge
        {
            return Err(DevOAuthError::InvalidGrant);
        }
        let token = random_token();
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        tokens.retain(|_, (_, exp)| *exp > now);
        tokens.insert(token.clone(), (grant.user, now + TOKEN_TTL));
        Ok(token)
    }

    pub fn userinfo(&self, access_token: &str) -> Option<DevUser> {
        let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.get(access_token).filter(|(_, exp)| *exp > Instant::now()).map(|(u, _)| u.clone())
    }
}

pub const TOKEN_LIFETIME_SECS: u64 = TOKEN_TTL.as_secs();

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> DevProvider {
        DevProvider::new("http://127.0.0.1:1/auth/dev/callback".into())
    }

    #[test]
    fn code_is_single_use_and_pkce_bound() {
        let p = provider();
        let secret = p.client().client_secret.expose().to_string();
        let redirect = "http://127.0.0.1:1/auth/dev/callback";
        let user = DevUser { email: "a@example.com".into(), name: "A".into() };
        let code = p.issue_code(user.clone(), redirect, &pkce_challenge("verifier-1"));
        assert_eq!(p.exchange(CLIENT_ID, &secret, &code, redirect, "wrong"), Err(DevOAuthError::InvalidGrant));
        // A failed attempt burns the code, as a real server would.
        let code = p.issue_code(user, redirect, &pkce_challenge("verifier-1"));
        let token = p.exchange(CLIENT_ID, &secret, &code, redirect, "verifier-1").unwrap();
        assert_eq!(p.userinfo(&token).unwrap().email, "a@example.com");
        assert!(p.exchange(CLIENT_ID, &secret, &code, redirect, "verifier-1").is_err());
        assert_eq!(p.exchange(CLIENT_ID, "bad", &code, redirect, "verifier-1"), Err(DevOAuthError::InvalidClient));
    }

    #[test]
    fn refuses_foreign_redirects() {
        let p = provider();
        assert_eq!(
            p.check_request("code", CLIENT_ID, "https://evil.example/cb", "S256"),
            Err(DevOAuthError::BadRedirect)
        );
        assert_eq!(
            p.check_request("code", "other", "http://127.0.0.1:1/auth/dev/callback", "S256"),
            Err(DevOAuthError::InvalidClient)
        );
        assert_eq!(
            p.check_request("token", CLIENT_ID, "http://127.0.0.1:1/auth/dev/callback", "S256"),
            Err(DevOAuthError::Unsupported)
        );
    }
}

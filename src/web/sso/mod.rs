//! Single sign-on through an organization's own OpenID Connect provider:
//! Organization -> Single sign-on (`settings`: the provider, the covered
//! domains, the default role, Test sign-in, on and off) and "Sign in with
//! SSO" (`sign_in`: the address's domain finds the provider, the callback
//! signs in, links or makes the account, and the person a member). Here:
//! the provider of a connection, built per sign-in from its row.

pub mod settings;
pub mod sign_in;

use std::sync::Arc;

use actix_session::Session;
use oauth2::CsrfToken;
use url::Url;

use super::AppState;
use crate::auth::discovery::Discovery;
use crate::auth::oauth;
use crate::auth::providers::{Endpoints, Flavor};
use crate::auth::session::{self, PendingSignIn};
use crate::auth::Provider;
use crate::config::Secret;
use crate::domain::sealed::SSO_CLIENT_SECRET;
use crate::domain::webhook::endpoint_url::EndpointUrl;
use crate::error::AppError;
use crate::store::domains::sso::ConnectionRow;

/// Where every organization's provider sends people back.
pub const CALLBACK: &str = "/login/sso/callback";

/// The connection as a sign-in provider; None when its secret cannot be
/// opened (a secrets key went missing), which the caller reports.
pub fn provider(state: &AppState, row: &ConnectionRow, label: &str) -> Option<Provider> {
    let secret = state.secrets.open(SSO_CLIENT_SECRET, &row.sealed_secret()).ok()?;
    let issuer = Url::parse(&row.issuer).ok()?;
    let discovery = state
        .sso_discovery
        .lock()
        .entry(row.issuer.clone())
        .or_insert_with(|| Arc::new(Discovery::new(issuer)))
        .clone();
    Some(Provider {
        key: "sso",
        label: label.to_string(),
        client_id: row.client_id.clone(),
        client_secret: Secret::new(secret),
        endpoints: Endpoints::Discovered(discovery),
        scopes: vec!["openid", "email", "profile"],
        flavor: Flavor::Oidc,
    })
}

/// An issuer URL as the page accepts it: https, resolving to public
/// addresses (the rules of webhook URLs), unless ORGPORTAL_SSO_ALLOW_PRIVATE.
pub async fn check_issuer(text: &str, allow_private: bool) -> Result<String, String> {
    let url = EndpointUrl::parse(text.trim().trim_end_matches('/'), allow_private).map_err(|e| e.to_string())?;
    crate::webhooks::resolve::allowed_addresses(&url, allow_private).await.map_err(|e| e.to_string())?;
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Starts a sign-in (or an admin's test) through the connection: the
/// provider's authorization URL to send the browser to, or why it cannot
/// be used now, said for a person.
pub async fn begin(
    state: &AppState,
    session: &Session,
    row: &ConnectionRow,
    org_name: &str,
    next: String,
    test: bool,
) -> Result<Result<String, String>, AppError> {
    let Some(provider) = provider(state, row, org_name) else {
        return Ok(Err(format!("{org_name}'s single sign-on cannot be used: its client secret cannot be opened with this portal's secrets key.")));
    };
    let at = match provider.resolve(&state.http).await {
        Ok(at) => at,
        Err(e) => {
            tracing::warn!(error = %e, issuer = %row.issuer, "organization provider not reachable");
            return Ok(Err(format!(
                "{org_name}'s identity provider cannot be reached at the moment. Please try again in a few minutes."
            )));
        }
    };
    let nonce = CsrfToken::new_random().secret().clone();
    let begun = oauth::start(&provider, &at, &state.url(CALLBACK), Some(&nonce))?;
    let pending = PendingSignIn {
        provider: "sso".into(),
        state: begun.state,
        pkce_verifier: begun.pkce_verifier,
        next,
        nonce: Some(nonce),
        connection: Some(row.id.clone()),
        test,
    };
    session::store_pending(session, &pending)?;
    Ok(Ok(begun.url))
}

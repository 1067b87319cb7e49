//! What the (encrypted) session cookie holds: the token of a server-side
//! session (the `sessions` table says whose it is), the sign-in in progress,
//! and where to go after it.

use actix_identity::Identity;
use actix_session::Session;
use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

const PENDING_KEY: &str = "oauth_pending";

/// A sign-in between the redirect to the provider and the callback.
#[derive(Debug, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub provider: String,
    pub state: String,
    pub pkce_verifier: String,
    pub next: String,
    /// OpenID Connect providers only: the ID token must carry it back.
    #[serde(default)]
    pub nonce: Option<String>,
    /// Through an organization's own provider: the connection's id.
    #[serde(default)]
    pub connection: Option<String>,
    /// An admin's test of that connection, not a sign-in.
    #[serde(default)]
    pub test: bool,
}

pub fn store_pending(session: &Session, pending: &PendingSignIn) -> Result<(), AppError> {
    session.insert(PENDING_KEY, pending).map_err(AppError::internal)
}

/// Takes the pending sign-in out of the session: a callback can be used once.
pub fn take_pending(session: &Session) -> Option<PendingSignIn> {
    take(session, PENDING_KEY)
}

/// Takes a value out of the session, if it is there. `Session::remove` marks
/// the session changed even when the key is absent, and a changed session is
/// encrypted and sent again as a new cookie: on every page, for a flash
/// message that was never set.
pub fn take<T: serde::de::DeserializeOwned>(session: &Session, key: &str) -> Option<T> {
    if !session.contains_key(key) {
        return None;
    }
    session.remove_as::<T>(key).and_then(Result::ok)
}

/// Only local paths are followed after sign-in, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !n.contains("://") => {
            n.to_string()
        }
        _ => "/getting-started".to_string(),
    }
}

/// Puts a new server-side session's token into a renewed cookie (nothing of
/// the session before sign-in carries over: no fixation).
pub fn begin(req: &HttpRequest, session: &Session, token: &str) -> Result<(), AppError> {
    session.renew();
    Identity::login(&req.extensions(), token.to_string()).map_err(AppError::internal)?;
    Ok(())
}

/// The session token the cookie carries, or a redirect to /login that comes
/// back here. Whether the session is still alive is for the database to say.
pub struct SessionToken(pub String);

impl SessionToken {
    /// What the `sessions` table keeps instead of the token.
    pub fn hash(&self) -> String {
        crate::domain::secret_token::hash_token(&self.0)
    }
}

impl FromRequest for SessionToken {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let id = Identity::from_request(req, payload).into_inner().ok().and_then(|i| i.id().ok());
        std::future::ready(match id {
            Some(token) => Ok(SessionToken(token)),
            None => Err(login_required(req)),
        })
    }
}

/// A redirect to /login that comes back to this page (a GET) or to Getting
/// Started (after a form).
pub fn login_required(req: &HttpRequest) -> AppError {
    let next = match req.uri().path_and_query() {
        Some(pq) if req.method() == actix_web::http::Method::GET => pq.as_str().to_string(),
        _ => "/getting-started".to_string(),
    };
    AppError::LoginRequired { next }
}

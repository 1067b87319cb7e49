//! What the session cookie holds besides the identity: the sign-in in
//! progress, and where to go after it.

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
}

pub fn store_pending(session: &Session, pending: &PendingSignIn) -> Result<(), AppError> {
    session.insert(PENDING_KEY, pending).map_err(AppError::internal)
}

/// Takes the pending sign-in out of the session: a callback can be used once.
pub fn take_pending(session: &Session) -> Option<PendingSignIn> {
    session.remove_as::<PendingSignIn>(PENDING_KEY).and_then(Result::ok)
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

/// Signs the user in: a new session id (no fixation), then the identity.
pub fn begin(req: &HttpRequest, session: &Session, user_id: &str) -> Result<(), AppError> {
    session.renew();
    Identity::login(&req.extensions(), user_id.to_string()).map_err(AppError::internal)?;
    Ok(())
}

/// The signed-in user's id, or a redirect to /login that comes back here.
pub struct SignedInId(pub String);

impl FromRequest for SignedInId {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let id = Identity::from_request(req, payload).into_inner().ok().and_then(|i| i.id().ok());
        std::future::ready(match id {
            Some(id) => Ok(SignedInId(id)),
            None => {
                let next = match req.uri().path_and_query() {
                    Some(pq) if req.method() == actix_web::http::Method::GET => pq.as_str().to_string(),
                    _ => "/getting-started".to_string(),
                };
                Err(AppError::LoginRequired { next })
            }
        })
    }
}

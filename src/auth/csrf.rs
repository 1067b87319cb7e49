//! CSRF protection: a random token kept in the (encrypted) session cookie and
//! repeated in a hidden `csrf_token` field of every form. A middleware checks
//! every POST, so no handler can forget to.

use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{http::Method, Error};
use base64::Engine;
use rand::RngCore;

use crate::error::AppError;

const SESSION_KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";

/// POST routes called by other servers rather than by a browser form.
const EXEMPT: &[&str] = &["/dev-oauth/token", "/api/v1/usage", "/webhooks/stripe"];

/// The management API authenticates every request by its bearer key, never
/// by a cookie: nothing under it is a browser form.
const MANAGEMENT_API: &str = "/api/v1/orgs/";
/// SCIM requests carry a SCIM token the same way.
const SCIM: &str = "/scim/v2/";

/// The session's token, created on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(SESSION_KEY) {
        return t;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let t = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    // A failed insert only means the next POST is refused; the page still renders.
    let _ = session.insert(SESSION_KEY, &t);
    t
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let api = req.path().starts_with(MANAGEMENT_API) || req.path().starts_with(SCIM);
    if req.method() == Method::POST && !api && !EXEMPT.contains(&req.path()) {
        let body = req.extract::<Bytes>().await?;
        let sent = url::form_urlencoded::parse(&body).find(|(k, _)| k == FIELD).map(|(_, v)| v.into_owned());
        let expected = req.get_session().get::<String>(SESSION_KEY).ok().flatten();
        let ok = matches!((&sent, &expected), (Some(s), Some(e)) if constant_time_eq(s.as_bytes(), e.as_bytes()));
        if !ok {
            tracing::warn!(path = req.path(), "POST refused: missing or wrong CSRF token");
            return Err(AppError::Forbidden(
                "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
            )
            .into());
        }
        req.set_payload(Payload::from(body));
    }
    next.call(req).await
}

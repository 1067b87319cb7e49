//! The management API's errors (and the input guard's, under its path): RFC 9457 problem details
//! (`application/problem+json`) with the field of a 422 and the permission
//! of a 403 named, and `Retry-After` on a 429. Also the answer of a SCIM
//! error (RFC 7644 section 3.12), which the input guard gives under
//! `/scim/` as the SCIM endpoint does.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// A problem detail (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"type": "about:blank", "title": "Unprocessable Content", "status": 422,
    "detail": "Enter an email address such as name@example.com.", "field": "invitations[0].email"}))]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    /// What went wrong, in the portal's words.
    pub detail: String,
    /// The request field a 422 is about (`name`, `invitations[2].role`, `limit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The permission a 403 needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<&'static str>,
    #[serde(skip)]
    retry_after: Option<u32>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            permission: None,
            retry_after: None,
        }
    }

    pub fn not_found() -> Self {
        Problem::new(StatusCode::NOT_FOUND, "There is nothing here, or this key has no access to it.")
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::UNAUTHORIZED, detail)
    }

    pub fn forbidden(permission: &'static str) -> Self {
        let mut p = Problem::new(
            StatusCode::FORBIDDEN,
            format!(
                "This API key cannot do this: it needs the {permission} permission (the key's own and its creator's)."
            ),
        );
        p.permission = Some(permission);
        p
    }

    /// 422 about one field.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail);
        p.field = Some(field.into());
        p
    }

    /// 409: a rule of the organization refuses the change.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::CONFLICT, detail)
    }

    pub fn too_many(retry_after: std::time::Duration) -> Self {
        let secs = u32::try_from(retry_after.as_secs().max(1)).unwrap_or(u32::MAX);
        let mut p = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many requests with this key; try again in {}.", crate::error::wait_words(retry_after)),
        );
        p.retry_after = Some(secs);
        p
    }

    pub fn response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.content_type(CONTENT_TYPE);
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if self.status == 401 {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        res.body(serde_json::to_string(self).unwrap_or_default())
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.detail)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        self.response()
    }
}

/// The portal's errors as problems: the cause of a 500 or 503 goes to the
/// log (through the page's error path), never to the client.
impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => Problem::not_found(),
            AppError::Forbidden(m) => Problem::new(StatusCode::FORBIDDEN, m),
            AppError::BadRequest(m) => Problem::new(StatusCode::BAD_REQUEST, m),
            AppError::LoginRequired { .. } => Problem::unauthorized("Send an API key."),
            AppError::TooManyRequests { retry_after } => Problem::too_many(retry_after),
            other => {
                let status = other.status_code();
                // Logs the cause with the request id, as the page would.
                let _ = other.error_response();
                let mut p = Problem::new(
                    status,
                    "The request could not be completed; try again. If it keeps happening, give the request id to the portal's administrator.",
                );
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    p.retry_after = Some(5);
                }
                p
            }
        }
    }
}

impl From<diesel::result::Error> for Problem {
    fn from(e: diesel::result::Error) -> Self {
        AppError::from(e).into()
    }
}

impl From<r2d2::Error> for Problem {
    fn from(e: r2d2::Error) -> Self {
        AppError::from(e).into()
    }
}

impl From<tokio::task::JoinError> for Problem {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::from(e).into()
    }
}

/// A SCIM error as an answer: `application/scim+json`, and a bearer
/// challenge on a 401.
pub fn scim_response(e: &crate::domain::scim::ScimError) -> HttpResponse {
    let mut res = HttpResponse::build(StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST));
    if e.status == 401 {
        res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"scim\""));
    }
    res.content_type("application/scim+json").body(e.body().to_string())
}

//! One error type for handlers. The user sees a short message and a request
//! id; the cause goes to the log only.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::web::layout::Layout;

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// What the request-id middleware knows about the request being served.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub id: String,
    pub dev_sign_in: bool,
}

impl RequestContext {
    pub async fn scope<F: std::future::Future>(self, f: F) -> F::Output {
        REQUEST.scope(self, f).await
    }

    pub fn current() -> Option<RequestContext> {
        REQUEST.try_with(Clone::clone).ok()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("sign-in required")]
    LoginRequired { next: String },
    #[error("too many requests")]
    TooManyRequests { retry_after: std::time::Duration },
    /// The database cannot be reached (no connection within the pool's
    /// timeout, or the connection broke): 503, worth retrying.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound,
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => AppError::Unavailable(info.message().to_string()),
            other => AppError::internal(other),
        }
    }
}

/// r2d2 fails only when no connection could be had within its timeout.
impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::internal(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::internal(e)
    }
}

/// Store errors that reach a handler unhandled: a rule or a missing row is
/// "not found" to the user, a database failure is ours.
impl From<crate::store::members::MemberError> for AppError {
    fn from(e: crate::store::members::MemberError) -> Self {
        match e {
            crate::store::members::MemberError::Db(e) => e.into(),
            _ => AppError::NotFound,
        }
    }
}

impl From<crate::store::invitations::InviteError> for AppError {
    fn from(e: crate::store::invitations::InviteError) -> Self {
        match e {
            crate::store::invitations::InviteError::Db(e) => e.into(),
            _ => AppError::NotFound,
        }
    }
}

impl From<crate::store::project_invitations::ProjectInviteError> for AppError {
    fn from(e: crate::store::project_invitations::ProjectInviteError) -> Self {
        match e {
            crate::store::project_invitations::ProjectInviteError::Db(e) => e.into(),
            _ => AppError::NotFound,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    heading: &'a str,
    message: &'a str,
    request_id: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::LoginRequired { next } = self {
            let target = format!("/login?{}", serde_urlencoded::to_string([("next", next)]).unwrap_or_default());
            return HttpResponse::SeeOther().insert_header((header::LOCATION, target)).finish();
        }
        let ctx = RequestContext::current();
        let request_id = ctx.as_ref().map(|c| c.id.as_str()).unwrap_or("-");
        if let AppError::Internal(cause) = self {
            tracing::error!(request_id, error = format!("{cause:#}"), "request failed");
        }
        if let AppError::Unavailable(cause) = self {
            tracing::error!(request_id, error = cause.as_str(), "database unavailable");
        }
        let wait_message;
        let (heading, message) = match self {
            AppError::NotFound => ("Page not found", "There is nothing here, or you do not have access to it."),
            AppError::Forbidden(msg) => ("Not allowed", msg.as_str()),
            AppError::BadRequest(msg) => ("Something is wrong with that request", msg.as_str()),
            AppError::TooManyRequests { retry_after } => {
                wait_message = format!(
                    "There were too many attempts in a short time. Please wait {} and try again.",
                    wait_words(*retry_after)
                );
                ("Too many attempts", wait_message.as_str())
            }
            AppError::Unavailable(_) => (
                "Temporarily unavailable",
                "The portal cannot reach its database at the moment. Please try again in a few seconds; if it keeps happening, give the request id below to your administrator.",
            ),
            _ => ("Something went wrong", "We could not complete your request. Please try again; if it keeps happening, give the request id below to your administrator."),
        };
        let mut layout = Layout::bare(heading);
        layout.dev_sign_in = ctx.as_ref().is_some_and(|c| c.dev_sign_in);
        let page = ErrorPage { layout, heading, message, request_id };
        let body = page.render().unwrap_or_else(|_| format!("{heading}. Request id: {request_id}"));
        let mut res = HttpResponse::build(self.status_code());
        match self {
            AppError::TooManyRequests { retry_after } => {
                res.insert_header((header::RETRY_AFTER, retry_after.as_secs().max(1).to_string()));
            }
            AppError::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        res.content_type("text/html; charset=utf-8").body(body)
    }
}

/// "45 seconds", "1 minute", "12 minutes".
pub fn wait_words(d: std::time::Duration) -> String {
    let secs = d.as_secs().max(1);
    match secs {
        1 => "1 second".into(),
        2..=90 => format!("{secs} seconds"),
        _ => {
            let minutes = secs.div_ceil(60);
            format!("{minutes} minutes")
        }
    }
}

//! The error page: what every `AppError` looks like to the person who met it
//! (a short message and the request id), with the status it stands for.
//! Here rather than in error.rs, so the error type needs no page layout.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::error::{wait_words, AppError, RequestContext};
use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    heading: &'a str,
    message: &'a str,
    request_id: &'a str,
    /// The way on: (label, link); the start page when None.
    action: Option<(&'a str, String)>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) | AppError::SsoRequired { .. } => StatusCode::FORBIDDEN,
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
        let (wait_message, sso_message);
        let mut action = None;
        let (heading, message) = match self {
            AppError::SsoRequired { org, email, next } => {
                sso_message = format!("{org} requires sign-in through its identity provider.");
                let query = serde_urlencoded::to_string([("email", email.as_str()), ("next", next.as_str())]).unwrap_or_default();
                action = Some(("Sign in with SSO", format!("/login/sso?{query}")));
                ("Sign in through your organization", sso_message.as_str())
            }
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
        let page = ErrorPage { layout, heading, message, request_id, action };
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

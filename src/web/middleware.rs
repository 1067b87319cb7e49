//! Request id and access log, and the security headers of every response.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{web, Error};

use super::AppState;
use crate::error::RequestContext;

/// Gives the request an id (error pages and the log show it) and logs one
/// line when the response is ready.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    let state = req.app_data::<web::Data<AppState>>();
    let dev_sign_in = state.is_some_and(|s| s.dev.is_some());
    let metrics = state.and_then(|s| s.metrics.clone());
    let method = req.method().to_string();
    let path = loggable_path(req.path());
    let started = Instant::now();
    let ctx = RequestContext { id: id.clone(), dev_sign_in };
    let result = ctx.scope(next.call(req)).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            if let Some(m) = &metrics {
                m.observe(
                    res.request().match_pattern().as_deref().unwrap_or("(no route)"),
                    status,
                    elapsed_ms / 1000.0,
                );
            }
            tracing::info!(request_id = %id, %method, %path, status, elapsed_ms, "request");
            if let Ok(v) = HeaderValue::from_str(&id) {
                res.headers_mut().insert(HeaderName::from_static("x-request-id"), v);
            }
            Ok(res)
        }
        Err(e) => {
            tracing::warn!(request_id = %id, %method, %path, error = %e, elapsed_ms, "request failed");
            Err(e)
        }
    }
}

/// Invitation tokens are secrets: they never reach the log.
fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/invitations/") {
        Some(rest) => match rest.split_once('/') {
            Some((_, action)) => format!("/invitations/[token]/{action}"),
            None => "/invitations/[token]".to_string(),
        },
        None => path.to_string(),
    }
}

/// No inline script or style anywhere, so the policy can forbid both.
pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"));
    if https {
        headers.add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        headers
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_not_logged() {
        assert_eq!(super::loggable_path("/invitations/abc/accept"), "/invitations/[token]/accept");
        assert_eq!(super::loggable_path("/invitations/abc"), "/invitations/[token]");
        assert_eq!(super::loggable_path("/orgs/x"), "/orgs/x");
    }
}

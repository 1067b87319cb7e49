//! The API a connected service calls with its connection token
//! (`Authorization: Bearer opsvc_...`): which organization it belongs to and
//! that organization's entitlements. Each call notes the token's last use.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::db;
use crate::domain::customer_data::EntitlementState;
use crate::domain::service_token::{hash_token, TOKEN_PREFIX};
use crate::error::AppError;
use crate::store::customer;
use crate::store::customer::services;
use crate::web::rate_limit::Limited;
use crate::web::AppState;

#[derive(Serialize)]
struct ConnectionInfo {
    organization: OrgInfo,
    service: String,
    entitlements: Vec<EntitlementInfo>,
}

#[derive(Serialize)]
struct OrgInfo {
    name: String,
    slug: String,
}

#[derive(Serialize)]
struct EntitlementInfo {
    product: String,
    support_level: String,
    start: String,
    end: String,
    quantity: i32,
    expired: bool,
}

pub(crate) fn unauthorized(message: &str) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
        .json(serde_json::json!({ "error": message }))
}

/// The API's answer to a client over its limit of failed token checks (both APIs).
pub(crate) fn too_many(Limited(retry_after): Limited) -> HttpResponse {
    let secs = retry_after.as_secs().max(1);
    HttpResponse::TooManyRequests()
        .insert_header((header::RETRY_AFTER, secs.to_string()))
        .json(serde_json::json!({ "error": format!("Too many failed token checks; try again in {secs} s.") }))
}

/// The bearer token of an API call that starts with `prefix`, unless the
/// client is over its limit of failed checks or sent none (then the answer).
pub(crate) fn bearer<'r>(
    req: &'r HttpRequest,
    state: &AppState,
    ip: &str,
    prefix: &str,
) -> Result<&'r str, Box<HttpResponse>> {
    state.limits.token_failures.check_refused(ip).map_err(|l| Box::new(too_many(l)))?;
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::domain::service_token::bearer_credentials)
        .filter(|t| t.starts_with(prefix))
        .ok_or_else(|| Box::new(unauthorized(&format!("Send the token as `Authorization: Bearer {prefix}...`."))))
}

#[get("/api/v1/connection")]
pub async fn connection(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let ip = crate::web::client::client_ip(&req);
    let token = match bearer(&req, &state, &ip, TOKEN_PREFIX) {
        Ok(token) => token,
        Err(answer) => return Ok(*answer),
    };
    let (hash, now) = (hash_token(token), state.clock.now());
    let found = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let Some(c) = services::authenticate(conn, &hash, now)? else { return Ok(None) };
        let rows = match customer::customer_of(conn, &c.org_id)? {
            Some(customer) => customer::entitlements(conn, &customer.id)?,
            None => Vec::new(),
        };
        Ok(Some((c, rows)))
    })
    .await?;
    let Some((c, rows)) = found else {
        if let Err(limited) = state.limits.token_failures.failure(&ip) {
            return Ok(too_many(limited));
        }
        return Ok(unauthorized("This connection token is not valid; it may have been revoked."));
    };
    let today = now.date();
    Ok(HttpResponse::Ok().json(ConnectionInfo {
        organization: OrgInfo { name: c.org_name, slug: c.org_slug },
        service: c.service_name,
        entitlements: rows
            .into_iter()
            .map(|e| EntitlementInfo {
                expired: EntitlementState::on(today, e.starts_on, e.ends_on) == EntitlementState::Expired,
                product: e.product,
                support_level: e.support_level,
                start: e.starts_on.to_string(),
                end: e.ends_on.to_string(),
                quantity: e.quantity,
            })
            .collect(),
    }))
}

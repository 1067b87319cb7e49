//! `POST /api/v1/usage`: the platform reports a project's usage with the
//! project's connection token. The body is checked whole; nothing of a
//! refused request is stored.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::db;
use crate::domain::service_token::{hash_token, PROJECT_TOKEN_PREFIX};
use crate::domain::usage::{parse_batch, BatchError, Days};
use crate::error::AppError;
use crate::store::billing::usage::{self, IngestError};
use crate::store::projects::tokens;
use crate::web::customer::service_api::{bearer, too_many, unauthorized};
use crate::web::AppState;

/// The largest body accepted (10,000 records fit several times); larger: 413.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

fn refused(e: &BatchError) -> HttpResponse {
    match e {
        BatchError::TooMany(_) => HttpResponse::PayloadTooLarge().json(json!({ "error": e.message() })),
        BatchError::Bad { index, field, .. } => {
            HttpResponse::BadRequest().json(json!({ "error": e.message(), "index": index, "field": field }))
        }
        BatchError::Malformed(_) => HttpResponse::BadRequest().json(json!({ "error": e.message() })),
    }
}

pub async fn report(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let ip = crate::web::client::client_ip(&req);
    let token = match bearer(&req, &state, &ip, PROJECT_TOKEN_PREFIX) {
        Ok(token) => token,
        Err(answer) => return Ok(*answer),
    };
    let (hash, now) = (hash_token(token), state.clock.now());
    let project =
        db::run(&state.pool, move |conn| tokens::authenticate(conn, &hash, now).map_err(AppError::from)).await?;
    let Some((project, _)) = project else {
        if let Err(limited) = state.limits.token_failures.failure(&ip) {
            return Ok(too_many(limited));
        }
        return Ok(unauthorized("This connection token is not valid; it may have been revoked."));
    };
    let records = match parse_batch(&body, Days::for_project(project.created_at.date(), now.date())) {
        Ok(records) => records,
        Err(e) => return Ok(refused(&e)),
    };
    let result =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(usage::ingest(conn, (&project).into(), &records, &ip, now)))
            .await?;
    match result {
        Ok(r) => Ok(HttpResponse::Ok().json(json!({ "new": r.new, "repeats": r.repeats }))),
        Err(IngestError::Conflict(id)) => Ok(HttpResponse::Conflict().json(json!({
            "error": format!("record {id} was already reported with another metric, quantity or day; the first stays"),
            "id": id,
        }))),
        Err(IngestError::TotalTooLarge { month, metric }) => Ok(HttpResponse::BadRequest().json(json!({
            "error": format!("the total of {metric} for {month} would pass the largest number a total can hold; nothing of this request was stored"),
            "field": "quantity",
        }))),
        Err(IngestError::Db(e)) => Err(e.into()),
    }
}

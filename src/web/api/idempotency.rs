//! `Idempotency-Key` on the POSTs that create something: within 24 hours,
//! the same key with the same request (method, path and body) gets the
//! first answer again and creates nothing more; with another request it is
//! a 422. A request still running under the key is a 409. Answers of 5xx
//! and 429 are not kept, so a retry runs again.

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use super::key_auth::KeyAuth;
use crate::db;
use crate::domain::secret_token::hash_token;
use crate::store::api_keys::idempotency::{self, Begin};
use crate::web::problem::{Problem, CONTENT_TYPE};

pub const HEADER: &str = "Idempotency-Key";

/// What an operation answers: a status and a JSON body.
pub struct Answer {
    pub status: StatusCode,
    pub body: serde_json::Value,
}

impl Answer {
    pub fn new(status: StatusCode, body: impl serde::Serialize) -> Self {
        Answer { status, body: serde_json::to_value(body).unwrap_or_default() }
    }

    fn response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(&self.body)
    }
}

fn key_of(req: &HttpRequest) -> Result<Option<String>, Problem> {
    let Some(v) = req.headers().get(HEADER) else { return Ok(None) };
    let bad = || Problem::invalid(HEADER, "An Idempotency-Key is 1 to 255 visible ASCII characters.");
    let v = v.to_str().map_err(|_| bad())?.trim();
    if v.is_empty() || v.len() > 255 || !v.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(v.to_string()))
}

/// Runs `op` at most once per Idempotency-Key (when the request has one).
pub async fn once<F, Fut>(auth: &KeyAuth, req: &HttpRequest, body: &[u8], op: F) -> Result<HttpResponse, Problem>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Answer, Problem>>,
{
    let Some(key) = key_of(req)? else { return op().await.map(|a| a.response()) };
    let mut request = format!("{} {}\n", req.method(), req.path()).into_bytes();
    request.extend_from_slice(body);
    let hash = hash_token(&String::from_utf8_lossy(&request));
    let (pool, key_id, now) = (auth.state.pool.clone(), auth.key.id.clone(), auth.state.clock.now());
    let (k, id) = (key.clone(), key_id.clone());
    let begun =
        db::run(&pool, move |conn| idempotency::begin(conn, &id, &k, &hash, now).map_err(Problem::from)).await?;
    match begun {
        Begin::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let kind = if status.is_success() { "application/json" } else { CONTENT_TYPE };
            return Ok(HttpResponse::build(status)
                .content_type(kind)
                .insert_header(("Idempotent-Replayed", "true"))
                .body(body));
        }
        Begin::Mismatch => {
            return Err(Problem::invalid(
                HEADER,
                "This Idempotency-Key was used for another request in the last 24 hours; use a new key.",
            ))
        }
        Begin::InProgress => {
            return Err(Problem::conflict("A request with this Idempotency-Key is still running; try again shortly."))
        }
        Begin::New => {}
    }
    let result = op().await;
    let kept = match &result {
        Ok(a) => Some((a.status.as_u16(), a.body.to_string())),
        Err(p) if p.status < 500 && p.status != 429 => Some((p.status, serde_json::to_string(p).unwrap_or_default())),
        Err(_) => None,
    };
    db::run(&pool, move |conn| {
        match kept {
            Some((status, body)) => idempotency::finish(conn, &key_id, &key, status, &body),
            None => idempotency::abandon(conn, &key_id, &key),
        }
        .map_err(Problem::from)
    })
    .await?;
    result.map(|a| a.response())
}

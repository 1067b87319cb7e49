//! Request bodies of the management API: at most 1 MiB (else 413), JSON
//! (else 400), of the operation's type (else 422 naming the field).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{header, StatusCode};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{dev::Payload, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::web::problem::Problem;

pub const MAX_BODY: usize = 1024 * 1024;

fn too_large() -> Problem {
    Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "The request body is larger than 1 MiB.")
}

/// The raw body, read up to the limit.
pub struct RawBody(pub Bytes);

impl FromRequest for RawBody {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Problem>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|n| n > MAX_BODY) {
                return Err(too_large());
            }
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk =
                    chunk.map_err(|_| Problem::new(StatusCode::BAD_REQUEST, "The request body could not be read."))?;
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(RawBody(body.freeze()))
        })
    }
}

/// The body as `T`.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    let text = if body.iter().all(|b| b.is_ascii_whitespace()) { &b"{}"[..] } else { body };
    let mut de = serde_json::Deserializer::from_slice(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            Problem::new(StatusCode::BAD_REQUEST, format!("The request body is not valid JSON: {inner}."))
        } else {
            let field = if path == "." { "(body)".to_string() } else { path };
            Problem::invalid(field, format!("{}.", strip_position(&inner.to_string())))
        }
    })?;
    de.end().map_err(|_| Problem::new(StatusCode::BAD_REQUEST, "The request body holds more than one JSON value."))?;
    Ok(value)
}

/// serde_json's messages end with " at line 1 column 9": the field says where.
fn strip_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(m, _)| m)
}

/// `Some(None)` when the field is present and null; `None` when absent.
pub fn present<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}

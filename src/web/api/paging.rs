//! List pages of the management API: `limit` (1-100, default 50) and an
//! opaque `cursor` in, `next` in the body and a `Link: <...>; rel="next"`
//! header out. Cursors are keyset positions, never offsets.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use serde::Serialize;
use time::PrimitiveDateTime;

use crate::web::format;
use crate::web::problem::Problem;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 100;

/// The query parameters of a request, decoded (the input guard checked them).
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn of(req: &HttpRequest) -> Self {
        Params(serde_urlencoded::from_str(req.query_string()).unwrap_or_default())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn limit(&self) -> Result<i64, Problem> {
        match self.get("limit") {
            None => Ok(DEFAULT_LIMIT),
            Some(v) => v.trim().parse::<i64>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                Problem::invalid("limit", format!("The limit is a whole number from 1 to {MAX_LIMIT}."))
            }),
        }
    }

    /// The position after which the page starts: a time and an id.
    pub fn cursor(&self) -> Result<Option<(PrimitiveDateTime, String)>, Problem> {
        self.position(format::parse_keyset_token)
    }

    /// The position after which the page starts, as `parse` reads it.
    pub fn position<T>(&self, parse: impl FnOnce(&str) -> Option<T>) -> Result<Option<T>, Problem> {
        let Some(raw) = self.get("cursor").filter(|c| !c.is_empty()) else { return Ok(None) };
        let bad = || Problem::invalid("cursor", "This cursor is not one this API gave out; start from the first page.");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
        let token = String::from_utf8(bytes).map_err(|_| bad())?;
        parse(&token).map(Some).ok_or_else(bad)
    }
}

pub fn cursor(at: PrimitiveDateTime, id: &str) -> String {
    opaque(&format::keyset_token(at, id))
}

/// Any keyset position as an opaque cursor.
pub fn opaque(position: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(position)
}

/// Cuts `rows`, read with one more than `limit`, to the page; the cursor
/// after its last row when another page follows.
pub fn cut<T>(rows: &mut Vec<T>, limit: i64, cursor: impl Fn(&T) -> String) -> Option<String> {
    if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(cursor)
    } else {
        None
    }
}

/// A 200 with the `Link` header of the next page, when there is one.
pub fn linked(req: &HttpRequest, next: Option<&str>) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    if let Some(next) = next {
        let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        pairs.retain(|(k, _)| k != "cursor");
        pairs.push(("cursor".into(), next.to_string()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        res.insert_header((header::LINK, format!("<{}?{query}>; rel=\"next\"", req.path())));
    }
    res
}

/// One page of `items`, with `next` when another follows.
#[derive(Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// The page as JSON, with the `Link` header of the next page: the same
/// request with `cursor` (and the same `limit` and filters).
pub fn respond<T: Serialize>(req: &HttpRequest, page: Page<T>) -> HttpResponse {
    let mut res = linked(req, page.next.as_deref());
    // Sized for a full page up front: growing the buffer by doubling was
    // a visible share of a hundred members' request.
    let mut body = Vec::with_capacity(16 * 1024);
    match serde_json::to_writer(&mut body, &page) {
        Ok(()) => res.insert_header(header::ContentType::json()).body(body),
        Err(e) => Problem::from(crate::error::AppError::internal(e)).response(),
    }
}

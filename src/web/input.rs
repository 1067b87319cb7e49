//! Where request data enters the portal: domain::text's rule, applied once
//! for every route, so no control character (nor a byte that is not UTF-8)
//! reaches SQL, FTS5 or a page.
//!
//! - [`guard`], a middleware, reads the path and the query string of every
//!   request before any handler: a refused path is a 404 (it can name
//!   nothing); a refused parameter a 400 that names it (an error page, or
//!   JSON under `/api/`). A search term is a parameter like any other.
//! - [`Form`] replaces `web::Form`: every field is decoded and checked
//!   before the form is built. The fields a person types into a visible box
//!   ([`FormFields::TYPED`]) are left to the handler, whose domain parser
//!   refuses the same characters with a message next to the field (422,
//!   the input kept); any other field (hidden, select, button) is a 400.
//!
//! Headers are left to the `http` crate: `HeaderValue::to_str` gives only
//! visible ASCII and tabs, and that is all the portal reads of them.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, FromRequest, HttpRequest, HttpResponse, ResponseError};
use percent_encoding::percent_decode;
use serde::de::DeserializeOwned;

use crate::domain::text::{self, Lines};
use crate::error::AppError;

/// The largest form body read (the invite form of ten rows is ~2 KB).
pub const FORM_LIMIT: usize = 64 * 1024;

/// What a form declares about its fields.
pub trait FormFields {
    /// Fields typed into a visible box whose handler checks them with a
    /// domain parser and answers with a message next to the field.
    const TYPED: &'static [&'static str] = &[];
}

/// Why one `name=value` pair was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    pub field: String,
    pub reason: String,
}

fn decode(part: &str) -> Result<String, String> {
    let spaced: Cow<str> = if part.contains('+') { part.replace('+', " ").into() } else { part.into() };
    percent_decode(spaced.as_bytes())
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| "is not valid UTF-8 text".to_string())
}

/// Checks every pair of an `application/x-www-form-urlencoded` text (a
/// query string or a form body); the fields of `exempt` may hold controls
/// (their handler refuses them itself) but must still be UTF-8.
pub fn check_pairs(encoded: &[u8], exempt: &[&str]) -> Result<(), Refused> {
    let encoded = std::str::from_utf8(encoded)
        .map_err(|_| Refused { field: "(the form)".into(), reason: "is not valid UTF-8 text".into() })?;
    for pair in encoded.split('&').filter(|p| !p.is_empty()) {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(raw_name).map_err(|reason| Refused { field: "(a field name)".into(), reason })?;
        let shown = name.chars().filter(|c| !c.is_control()).take(40).collect::<String>();
        if text::refused_char(&name, Lines::One).is_some() {
            return Err(Refused { field: shown, reason: "has a control character in its name".into() });
        }
        let value = decode(raw_value).map_err(|reason| Refused { field: shown.clone(), reason })?;
        if exempt.contains(&name.as_str()) {
            continue;
        }
        // A line break is text only where a handler reads several lines;
        // those fields are all TYPED.
        if let Some(c) = text::refused_char(&value, Lines::One) {
            let reason = if matches!(c, '\n' | '\r') {
                format!("holds a line break (U+{:04X}) where one line is expected", c as u32)
            } else {
                format!("holds the control character U+{:04X}, which is not accepted", c as u32)
            };
            return Err(Refused { field: shown, reason });
        }
    }
    Ok(())
}

fn path_is_text(path: &str) -> bool {
    percent_decode(path.as_bytes()).decode_utf8().is_ok_and(|p| text::refused_char(&p, Lines::One).is_none())
}

/// The answer to a refused parameter: JSON for the API, a page otherwise.
fn refusal(path: &str, refused: &Refused) -> HttpResponse {
    let message = format!("The parameter “{}” {}.", refused.field, refused.reason);
    if path.starts_with("/api/v1/orgs/") {
        crate::web::problem::Problem::invalid(refused.field.clone(), message).response()
    } else if path.starts_with("/scim/") {
        crate::web::problem::scim_response(&crate::domain::scim::ScimError::invalid_value(message))
    } else if path.starts_with("/api/") {
        HttpResponse::BadRequest().json(serde_json::json!({ "error": message, "field": refused.field }))
    } else {
        AppError::BadRequest(message).error_response()
    }
}

/// The middleware: every request's path and query string, before routing.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let refused = if !path_is_text(req.path()) {
        Some(if req.path().starts_with("/api/v1/orgs/") {
            crate::web::problem::Problem::not_found().response()
        } else if req.path().starts_with("/scim/") {
            crate::web::problem::scim_response(&crate::domain::scim::ScimError::not_found("resource"))
        } else {
            AppError::NotFound.error_response()
        })
    } else {
        check_pairs(req.query_string().as_bytes(), &[]).err().map(|r| refusal(req.path(), &r))
    };
    match refused {
        Some(answer) => Ok(req.into_response(answer).map_into_right_body()),
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

/// A form, checked by the rule before it is built (see the module).
pub struct Form<T>(pub T);

impl<T> Form<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Form<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + FormFields + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let urlencoded = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !urlencoded {
                return Err(AppError::BadRequest(
                    "This address takes a form (application/x-www-form-urlencoded).".into(),
                ));
            }
            let body = body.await.map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
            if body.len() > FORM_LIMIT {
                return Err(AppError::BadRequest(format!("The form is larger than {} KB.", FORM_LIMIT / 1024)));
            }
            check_pairs(&body, T::TYPED)
                .map_err(|r| AppError::BadRequest(format!("The field “{}” {}.", r.field, r.reason)))?;
            serde_urlencoded::from_bytes::<T>(&body)
                .map(Form)
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}.")))
        })
    }
}

/// The invite form's rows come as repeated `email` and `role` fields.
impl FormFields for Vec<(String, String)> {
    const TYPED: &'static [&'static str] = &["email"];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_is_decoded_and_checked() {
        assert_eq!(check_pairs(b"q=a+b%20c&x=%E2%80%AE%E2%80%8B&t=a%09b&empty&=", &[]), Ok(()));
        let field = |q: &[u8], exempt: &[&str]| check_pairs(q, exempt).unwrap_err().field;
        assert_eq!(field(b"a=1&q=%00abc", &[]), "q");
        assert_eq!(field(b"actor=%1F", &[]), "actor");
        assert_eq!(field(b"q=%C2%85", &[]), "q", "a C1 control");
        assert_eq!(field(b"q=%FF", &[]), "q");
        assert_eq!(field(b"q=%C0%80", &[]), "q", "an overlong NUL");
        assert_eq!(field(b"q=%ED%A0%80", &[]), "q", "a UTF-16 surrogate");
        assert_eq!(field(b"note=a%0Ab", &[]), "note", "a line break outside a typed field");
        assert_eq!(field(b"name=a%00&role=x%00", &["name"]), "role", "typed fields are the handler's");
        assert_eq!(field(b"name=%FF", &["name"]), "name", "but must be text");
        assert!(check_pairs(b"description=a%0D%0Ab%00", &["description"]).is_ok());
    }

    #[test]
    fn a_path_is_text_without_controls() {
        assert!(path_is_text("/orgs/acme/members"));
        assert!(path_is_text("/orgs/%C3%A9/members"));
        for bad in ["/orgs/%00/members", "/orgs/%FF", "/orgs/a%0Ab", "/orgs/%ED%A0%80"] {
            assert!(!path_is_text(bad), "{bad}");
        }
    }
}

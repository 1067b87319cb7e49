//! The stylesheet, script and icon, compiled into the binary.

use actix_web::{get, HttpResponse};

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");
const PAYMENTS_JS: &str = include_str!("../../static/payments.js");
const ICON: &str = include_str!("../../static/favicon.svg");

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok().content_type(content_type).insert_header(("Cache-Control", "public, max-age=3600")).body(body)
}

#[get("/static/app.css")]
pub async fn stylesheet() -> HttpResponse {
    asset("text/css; charset=utf-8", CSS)
}

#[get("/static/app.js")]
pub async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", JS)
}

/// Only the add-a-payment-method page loads it.
#[get("/static/payments.js")]
pub async fn payments_script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", PAYMENTS_JS)
}

#[get("/static/favicon.svg")]
pub async fn icon() -> HttpResponse {
    asset("image/svg+xml", ICON)
}

/// Where browsers look for an icon when a page names none (a feed reader,
/// a bookmark, an error page of a proxy): the same icon, not a 404.
#[get("/favicon.ico")]
pub async fn favicon() -> HttpResponse {
    asset("image/svg+xml", ICON)
}

//! The management API (`/api/v1/orgs/{slug}/...`): what the organization's
//! pages do (organization, members, invitations, roles, projects and their
//! teams, activity, customer data, usage), as JSON, for a program holding an organization API key. Each
//! operation needs the permission its page needs and calls the page's store
//! function. Errors are problem details ([`problem`]); lists are keyset
//! pages ([`paging`]); creating POSTs honour `Idempotency-Key`
//! ([`idempotency`]); the OpenAPI document is generated ([`openapi`]).

pub mod activity;
pub mod body;
pub mod customer;
pub mod domains;
pub mod idempotency;
pub mod invitations;
pub mod key_auth;
pub mod member_json;
pub mod member_order;
pub mod members;
pub mod openapi;
pub mod org;
pub mod paging;
pub mod project_team;
pub mod projects;
pub mod reference;
pub mod responses;
pub mod roles;
pub mod sso;
pub mod usage;
pub mod webhook_deliveries;
pub mod webhooks;

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use time::PrimitiveDateTime;

use crate::web::problem::Problem;

/// A stored time as RFC 3339 in UTC (`2027-01-31T12:00:00Z`).
pub fn rfc3339(t: PrimitiveDateTime) -> String {
    Rfc3339(t).to_string()
}

/// A stored time that serializes as RFC 3339 in UTC without a `String` of
/// its own: a page of members writes one per member, and `time`'s general
/// formatter was 3% of such a request. The same text as `time`'s `Rfc3339`
/// (the fraction's trailing zeros dropped); a year RFC 3339 cannot hold
/// writes nothing, as that formatter's error did.
#[derive(Debug, Clone, Copy)]
pub struct Rfc3339(pub PrimitiveDateTime);

impl Rfc3339 {
    /// The text, as bytes in a buffer and its length (0 for a year RFC 3339
    /// cannot hold): the kept member orders write it straight into a page.
    pub fn bytes(&self) -> ([u8; 30], usize) {
        let t = self.0;
        let mut buf = [0u8; 30];
        if !(0..=9999).contains(&t.year()) {
            return (buf, 0);
        }
        let two = |n: u8| [b'0' + n / 10, b'0' + n % 10];
        let year = t.year() as u16;
        buf[..4].copy_from_slice(&[
            b'0' + (year / 1000) as u8,
            b'0' + (year / 100 % 10) as u8,
            b'0' + (year / 10 % 10) as u8,
            b'0' + (year % 10) as u8,
        ]);
        buf[4] = b'-';
        buf[5..7].copy_from_slice(&two(t.month() as u8));
        buf[7] = b'-';
        buf[8..10].copy_from_slice(&two(t.day()));
        buf[10] = b'T';
        buf[11..13].copy_from_slice(&two(t.hour()));
        buf[13] = b':';
        buf[14..16].copy_from_slice(&two(t.minute()));
        buf[16] = b':';
        buf[17..19].copy_from_slice(&two(t.second()));
        let mut len = 19;
        let mut nanos = t.nanosecond();
        if nanos != 0 {
            buf[len] = b'.';
            let mut digits = 9;
            while nanos.is_multiple_of(10) {
                nanos /= 10;
                digits -= 1;
            }
            for i in (0..digits).rev() {
                buf[len + 1 + i] = b'0' + (nanos % 10) as u8;
                nanos /= 10;
            }
            len += 1 + digits;
        }
        buf[len] = b'Z';
        (buf, len + 1)
    }
}

impl std::fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (buf, len) = self.bytes();
        // Only ASCII digits and separators were written.
        f.write_str(std::str::from_utf8(&buf[..len]).map_err(|_| std::fmt::Error)?)
    }
}

impl serde::Serialize for Rfc3339 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A method the resource does not have: 405 naming those it has.
fn not_allowed(allowed: &'static str) -> impl Fn(HttpRequest) -> std::future::Ready<HttpResponse> + Clone {
    move |req: HttpRequest| {
        let mut res = if req.method() == Method::OPTIONS {
            HttpResponse::NoContent().finish()
        } else {
            Problem::new(actix_web::http::StatusCode::METHOD_NOT_ALLOWED, format!("This resource allows {allowed}."))
                .response()
        };
        res.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static(allowed));
        std::future::ready(res)
    }
}

/// The API's routes, each resource answering 405 to other methods, and a
/// problem-detail 404 for any other path under it.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/openapi.json", web::get().to(openapi::serve)).service(reference::page).service(
        web::scope("/api/v1/orgs/{slug}")
            .service(
                web::resource("")
                    .route(web::get().to(org::get))
                    .route(web::patch().to(org::update))
                    .default_service(web::to(not_allowed("GET, PATCH"))),
            )
            .service(
                web::resource("/members")
                    .route(web::get().to(members::list))
                    .default_service(web::to(not_allowed("GET"))),
            )
            .service(
                web::resource("/members/{user_id}")
                    .route(web::get().to(members::get))
                    .route(web::patch().to(members::update))
                    .route(web::delete().to(members::remove))
                    .default_service(web::to(not_allowed("GET, PATCH, DELETE"))),
            )
            .service(
                web::resource("/invitations")
                    .route(web::get().to(invitations::list))
                    .route(web::post().to(invitations::create))
                    .default_service(web::to(not_allowed("GET, POST"))),
            )
            .service(
                web::resource("/invitations/{id}/resend")
                    .route(web::post().to(invitations::resend))
                    .default_service(web::to(not_allowed("POST"))),
            )
            .service(
                web::resource("/invitations/{id}")
                    .route(web::delete().to(invitations::revoke))
                    .default_service(web::to(not_allowed("DELETE"))),
            )
            .service(
                web::resource("/roles").route(web::get().to(roles::list)).default_service(web::to(not_allowed("GET"))),
            )
            .service(
                web::resource("/projects")
                    .route(web::get().to(projects::list))
                    .route(web::post().to(projects::create))
                    .default_service(web::to(not_allowed("GET, POST"))),
            )
            .service(
                web::resource("/projects/{project}")
                    .route(web::get().to(projects::get))
                    .route(web::patch().to(projects::update))
                    .route(web::delete().to(projects::delete))
                    .default_service(web::to(not_allowed("GET, PATCH, DELETE"))),
            )
            .service(
                web::resource("/projects/{project}/team")
                    .route(web::get().to(project_team::list))
                    .default_service(web::to(not_allowed("GET"))),
            )
            .service(
                web::resource("/projects/{project}/team/{user_id}")
                    .route(web::put().to(project_team::set_role))
                    .default_service(web::to(not_allowed("PUT"))),
            )
            .service(
                web::resource("/activity")
                    .route(web::get().to(activity::list))
                    .default_service(web::to(not_allowed("GET"))),
            )
            .service(
                web::resource("/entitlements")
                    .route(web::get().to(customer::entitlements))
                    .default_service(web::to(not_allowed("GET"))),
            )
            .service(
                web::resource("/tickets")
                    .route(web::get().to(customer::tickets))
                    .route(web::post().to(customer::raise))
                    .default_service(web::to(not_allowed("GET, POST"))),
            )
            .service(
                web::resource("/usage").route(web::get().to(usage::month)).default_service(web::to(not_allowed("GET"))),
            )
            .service(web::resource("/sso").route(web::get().to(sso::get)).default_service(web::to(not_allowed("GET"))))
            .service(
                web::resource("/domains")
                    .route(web::get().to(domains::list))
                    .route(web::post().to(domains::create))
                    .default_service(web::to(not_allowed("GET, POST"))),
            )
            .service(
                web::resource("/domains/{domain}")
                    .route(web::get().to(domains::get))
                    .route(web::patch().to(domains::update))
                    .route(web::delete().to(domains::delete))
                    .default_service(web::to(not_allowed("GET, PATCH, DELETE"))),
            )
            .service(
                web::resource("/domains/{domain}/verify")
                    .route(web::post().to(domains::verify))
                    .default_service(web::to(not_allowed("POST"))),
            )
            .service(
                web::resource("/webhooks")
                    .route(web::get().to(webhooks::list))
                    .route(web::post().to(webhooks::create))
                    .default_service(web::to(not_allowed("GET, POST"))),
            )
            .service(
                web::resource("/webhooks/{id}")
                    .route(web::get().to(webhooks::get))
                    .route(web::patch().to(webhooks::update))
                    .route(web::delete().to(webhooks::delete))
                    .default_service(web::to(not_allowed("GET, PATCH, DELETE"))),
            )
            .service(
                web::resource("/webhooks/{id}/rotate")
                    .route(web::post().to(webhooks::rotate))
                    .default_service(web::to(not_allowed("POST"))),
            )
            .service(
                web::resource("/webhooks/{id}/ping")
                    .route(web::post().to(webhooks::ping))
                    .default_service(web::to(not_allowed("POST"))),
            )
            .service(
                web::resource("/webhooks/{id}/deliveries")
                    .route(web::get().to(webhook_deliveries::list))
                    .default_service(web::to(not_allowed("GET"))),
            )
            .service(
                web::resource("/webhooks/{id}/deliveries/{delivery}/redeliver")
                    .route(web::post().to(webhook_deliveries::redeliver))
                    .default_service(web::to(not_allowed("POST"))),
            )
            .default_service(web::to(|| async { Problem::not_found().response() })),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn rfc3339_writes_what_the_time_crate_writes() {
        let well_known = |t: PrimitiveDateTime| {
            t.assume_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
        };
        for t in [
            datetime!(2027-01-31 12:00:00),
            datetime!(2026-12-02 15:19:29.636460302),
            datetime!(2026-12-02 15:19:29.5),
            datetime!(2026-12-02 15:19:29.000000001),
            datetime!(0001-01-01 00:00:00.120),
            datetime!(9999-12-31 23:59:59.999999999),
        ] {
            assert_eq!(rfc3339(t), well_known(t), "{t}");
        }
        assert_eq!(rfc3339(datetime!(2027-01-31 12:00:00)), "2027-01-31T12:00:00Z");
        assert_eq!(
            serde_json::to_string(&Rfc3339(datetime!(2027-01-31 12:00:00.25))).unwrap(),
            "\"2027-01-31T12:00:00.25Z\""
        );
    }
}

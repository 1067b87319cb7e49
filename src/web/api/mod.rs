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
pub mod idempotency;
pub mod invitations;
pub mod key_auth;
pub mod members;
pub mod openapi;
pub mod org;
pub mod paging;
pub mod project_team;
pub mod projects;
pub mod reference;
pub mod responses;
pub mod roles;
pub mod usage;

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use time::PrimitiveDateTime;

use crate::web::problem::Problem;

/// A stored time as RFC 3339 in UTC (`2027-01-31T12:00:00Z`).
pub fn rfc3339(t: PrimitiveDateTime) -> String {
    t.assume_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
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
            .default_service(web::to(|| async { Problem::not_found().response() })),
    );
}

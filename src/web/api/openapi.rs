//! The OpenAPI 3.1 document of the management API, generated from the
//! handlers' `#[utoipa::path]` and the types they read and write; served at
//! `/api/v1/openapi.json` and rendered at `/docs/api`.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::responses::{BadRequest, Conflict, Forbidden, Invalid, NotFound, TooLarge, TooMany, Unauthorized};
use super::{
    activity, customer, domains, invitations, members, org, project_team, projects, roles, sso, usage,
    webhook_deliveries, webhooks,
};
use crate::web::problem::Problem;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("opk_...")
                    .description(Some("An organization API key, made on the organization's API keys page."))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "orgportal management API", version = "1",
        description = "Drive an organization from your own back end with an organization API key: its members, invitations, roles and settings, its projects and their teams, its activity log, customer data and usage, its webhook endpoints, its verified domains and its single sign-on connection. Every call acts with the key's permissions intersected with its creator's current ones, and is in the organization's activity log as the key."),
    paths(org::get, org::update, members::list, members::get, members::update, members::remove,
        invitations::list, invitations::create, invitations::resend, invitations::revoke, roles::list,
        projects::list, projects::create, projects::get, projects::update, projects::delete,
        project_team::list, project_team::set_role, activity::list,
        customer::entitlements, customer::tickets, customer::raise, usage::month,
        webhooks::list, webhooks::create, webhooks::get, webhooks::update, webhooks::delete, webhooks::rotate,
        webhooks::ping, webhook_deliveries::list, webhook_deliveries::redeliver,
        domains::list, domains::create, domains::get, domains::verify, domains::update, domains::delete, sso::get),
    components(responses(Unauthorized, Forbidden, NotFound, Conflict, Invalid, BadRequest, TooLarge, TooMany),
        schemas(Problem)),
    modifiers(&BearerKey),
    tags((name = "Organization"), (name = "Members"), (name = "Invitations"), (name = "Roles"), (name = "Projects"),
        (name = "Activity"), (name = "Customer data"), (name = "Usage"), (name = "Webhooks"), (name = "Domains"))
)]
pub struct ApiDoc;

/// The document as served (made once).
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_default())
}

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(document())
}

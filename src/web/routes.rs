//! The route table: every route of the portal, the management API first.
//! `startup::Application::build` installs it; the handlers live in their
//! page areas' folders.
//!
//! The router tries a table's routes in turn, each dynamic pattern with a
//! regular expression, so the pages of one organization, one project and
//! staff's view of one organization sit in scopes: a request for a deep page
//! matches two or three prefixes instead of trying every pattern before its
//! own (on the Team page that was 13% of the request's time). A handler in a
//! scope carries its path relative to the scope: `#[get("/members")]` in
//! `web/members/page.rs` serves `/orgs/{slug}/members`. A path inside a
//! scope that no route takes gets the portal's 404, as before.

use actix_web::web;

/// Every route of the portal.
pub fn all(cfg: &mut web::ServiceConfig) {
    // The API first: a program calling it should not pay for matching the
    // page patterns.
    super::api::routes(cfg);
    super::scim::routes(cfg);
    cfg.service(super::health::healthz)
        .service(super::health::readyz)
        .service(super::assets::stylesheet)
        .service(super::assets::script)
        .service(super::assets::payments_script)
        .service(super::assets::icon)
        .service(super::assets::favicon)
        .service(super::home::landing)
        .service(super::home::getting_started)
        // /orgs/new before the /orgs/{slug} scope.
        .service(super::orgs::page::new_form)
        .service(super::orgs::page::create)
        .service(web::scope("/orgs/{slug}").configure(organization))
        .service(super::sign_in::login)
        .service(super::sign_in::start)
        .service(super::sign_in::callback)
        .service(super::sign_in::logout)
        .service(super::dev::oauth::authorize_form)
        .service(super::dev::oauth::authorize_submit)
        .service(super::dev::oauth::token)
        .service(super::dev::oauth::userinfo)
        .service(super::dev::mailbox::mailbox)
        .service(super::members::invitation_link::show)
        .service(super::members::invitation_link::accept)
        .service(super::members::invitation_link::decline)
        .service(super::sso::sign_in::ask)
        .service(super::sso::sign_in::start)
        .service(super::sso::sign_in::callback)
        .service(super::sso::sign_in::finish_link)
        .service(super::customer::service_api::connection)
        .service(super::billing::provider_webhook::receive)
        .service(super::projects::api::project)
        .service(super::projects::new_any::new_form)
        .service(super::projects::new_any::create)
        // /personal/projects/new before the /personal/projects/{project} scope.
        .service(super::projects::list::personal_new)
        .service(super::projects::list::personal_list)
        .service(super::projects::list::personal_create)
        .service(super::projects::page::personal_show)
        .service(web::scope("/personal/projects/{project}").configure(project))
        .service(super::projects::shared::list)
        .service(super::projects::page::shared_show)
        .service(web::scope("/shared/{project}").configure(project))
        .service(super::projects::invitation_link::show)
        .service(super::projects::invitation_link::accept)
        .service(super::projects::invitation_link::decline)
        .service(super::settings::profile::profile)
        .service(super::settings::organizations::list)
        .service(super::settings::organizations::leave)
        .service(super::settings::sessions::list)
        .service(super::settings::sessions::revoke_others)
        .service(super::settings::sessions::revoke)
        .service(super::settings::security_log::page)
        .service(super::settings::delete_account::confirm)
        .service(super::settings::delete_account::delete)
        .service(super::staff::organizations::organizations)
        // /staff/orgs/new before the /staff/orgs/{slug} scope.
        .service(super::staff::provision::new_form)
        .service(super::staff::provision::submit)
        .service(super::staff::organizations::site_activity)
        .service(super::staff::organizations::site_activity_export)
        .service(web::scope("/staff/orgs/{slug}").configure(staff_organization));
    cfg.service(
        web::resource("/api/v1/usage")
            .app_data(web::PayloadConfig::new(super::projects::usage_api::MAX_BODY))
            .route(web::post().to(super::projects::usage_api::report)),
    );
}

/// `/orgs/{slug}...`: one organization's pages.
fn organization(cfg: &mut web::ServiceConfig) {
    // /projects/new before /projects/{project}; the project's own page
    // before the scope of its other pages.
    cfg.service(super::projects::list::org_new)
        .service(super::projects::list::org_list)
        .service(super::projects::list::org_create)
        .service(super::projects::page::org_show)
        .service(web::scope("/projects/{project}").configure(project))
        .service(super::orgs::page::show)
        .service(super::orgs::lifecycle::leave)
        .service(super::orgs::lifecycle::delete)
        .service(super::orgs::settings::save)
        .service(super::members::page::list)
        .service(super::members::invite::invite_form)
        .service(super::members::invite::submit)
        .service(super::members::edit::edit)
        .service(super::members::edit::change_role)
        .service(super::members::edit::change_project_role)
        .service(super::members::edit::confirm_remove)
        .service(super::members::edit::remove)
        .service(super::members::edit::transfer)
        .service(super::members::pending::resend)
        .service(super::members::pending::copy_link)
        .service(super::members::pending::revoke)
        .service(super::members::roles::matrix)
        .service(super::orgs::activity::page)
        .service(super::orgs::activity::export)
        .service(super::orgs::api_keys::list)
        .service(super::orgs::api_keys::create)
        .service(super::orgs::api_keys::revoke)
        .service(super::sso::settings::show)
        .service(super::sso::settings::save)
        .service(super::sso::settings::test)
        .service(super::sso::settings::switch)
        .service(super::sso::settings::require)
        .service(super::scim::provisioning::show)
        .service(super::scim::provisioning::create_token)
        .service(super::scim::provisioning::rotate_token)
        .service(super::scim::provisioning::revoke_token)
        .service(super::scim::provisioning::map_group)
        .service(super::domains::page::show)
        .service(super::domains::page::add)
        .service(super::domains::domain::verify)
        .service(super::domains::domain::policy)
        .service(super::domains::domain::remove)
        .service(super::domains::join::join)
        .service(super::domains::join::ask)
        .service(super::domains::join::approve)
        .service(super::domains::join::decline)
        .service(super::webhooks::list::list)
        .service(super::webhooks::list::create)
        .service(super::webhooks::endpoint::show)
        .service(super::webhooks::endpoint::update)
        .service(super::webhooks::endpoint::rotate)
        .service(super::webhooks::endpoint::ping)
        .service(super::webhooks::endpoint::delete)
        .service(super::webhooks::deliveries::redeliver)
        .service(super::customer::pages::entitlements)
        .service(super::customer::pages::contacts)
        // /tickets/new before /tickets/{id}.
        .service(super::customer::ticket_form::new_form)
        .service(super::customer::ticket_form::create)
        .service(super::customer::pages::tickets)
        .service(super::customer::pages::ticket)
        .service(super::customer::services::list)
        .service(super::customer::services::connect)
        .service(super::customer::services::revoke)
        .service(super::billing::page::show)
        .service(super::billing::page::save)
        .service(super::billing::export::invoices_csv)
        .service(super::billing::export::usage_csv)
        .service(super::billing::usage::show)
        .service(super::billing::usage_day::show)
        .service(super::billing::payment_methods::list)
        .service(super::billing::payment_methods::add::add)
        .service(super::billing::payment_methods::add::confirm)
        .service(super::billing::payment_methods::change::make_default)
        .service(super::billing::payment_methods::change::confirm_remove)
        .service(super::billing::payment_methods::change::remove)
        .service(super::billing::billed::add)
        .service(super::billing::billed::remove);
}

/// A project's pages other than its own, the same under an organization
/// (`/orgs/{slug}/projects/{project}`), a personal space
/// (`/personal/projects/{project}`) and shared with the signed-in person
/// (`/shared/{project}`).
fn project(cfg: &mut web::ServiceConfig) {
    use super::projects::{collaborators, settings, team, tokens, transfer};
    cfg.route("/team", web::get().to(team::team))
        // /team/invite and /team/invitations/... before /team/{user_id}.
        .route("/team/invite", web::post().to(collaborators::invite))
        .route("/team/invitations/{id}/revoke", web::post().to(collaborators::revoke_invitation))
        .route("/team/{user_id}", web::post().to(team::set_role))
        .route("/team/{user_id}/remove", web::post().to(collaborators::remove))
        .route("/leave", web::post().to(collaborators::leave))
        .route("/tokens", web::get().to(tokens::list))
        .route("/tokens", web::post().to(tokens::create))
        .route("/tokens/{id}/revoke", web::post().to(tokens::revoke))
        .route("/transfer", web::get().to(transfer::form))
        .route("/transfer", web::post().to(transfer::transfer))
        .route("/settings", web::get().to(settings::settings))
        .route("/settings", web::post().to(settings::save))
        .route("/delete", web::post().to(settings::delete));
}

/// `/staff/orgs/{slug}...`: support staff's read-only views of one
/// organization.
fn staff_organization(cfg: &mut web::ServiceConfig) {
    cfg.service(super::staff::org_views::organization)
        .service(super::staff::org_views::entitlements)
        .service(super::staff::org_views::tickets)
        .service(super::staff::org_views::ticket)
        .service(super::staff::org_views::contacts)
        .service(super::staff::org_views::billing)
        .service(super::staff::org_views::payment_methods)
        .service(super::staff::usage_views::usage)
        .service(super::staff::usage_views::project_usage)
        .service(super::staff::org_views::members)
        .service(super::staff::identity_views::domains);
}

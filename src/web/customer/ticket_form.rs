//! Raising a support ticket (`tickets.create`): the form, and its submission
//! which adds the ticket to the customer account and to the activity log.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::domain::customer_data::{NewTicket, TicketErrors, PRIORITIES};
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::customer as data;
use crate::web::extract::{flash, OrgMember};
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render, render_with, Layout};
use crate::web::{see_other, AppState};

#[derive(Deserialize, Default)]
pub struct TicketForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    description: String,
}

impl FormFields for TicketForm {
    const TYPED: &'static [&'static str] = &["subject", "description"];
}

#[derive(Template)]
#[template(path = "ticket_new.html")]
struct NewTicketPage {
    layout: Layout,
    slug: String,
    linked: bool,
    form: TicketForm,
    errors: TicketErrors,
    priorities: &'static [&'static str],
}

fn page(member: &OrgMember, linked: bool, form: TicketForm, errors: TicketErrors) -> NewTicketPage {
    NewTicketPage {
        layout: member.layout("Raise a ticket", "tickets"),
        slug: member.view.org.slug.clone(),
        linked,
        form,
        errors,
        priorities: &PRIORITIES,
    }
}

#[get("/tickets/new")]
pub async fn new_form(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::TicketsCreate)?;
    let org_id = member.org_id().to_string();
    let customer =
        db::run(&state.pool, move |conn| -> Result<_, AppError> { Ok(data::customer_of(conn, &org_id)?) }).await?;
    let form = TicketForm { priority: "Normal".into(), ..TicketForm::default() };
    render(&page(&member, customer.is_some(), form, TicketErrors::default()))
}

#[post("/tickets")]
pub async fn create(
    member: OrgMember,
    req: HttpRequest,
    form: Form<TicketForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::TicketsCreate)?;
    let form = form.into_inner();
    let org_id = member.org_id().to_string();
    let customer = {
        let org_id = org_id.clone();
        db::run(&state.pool, move |conn| -> Result<_, AppError> { Ok(data::customer_of(conn, &org_id)?) }).await?
    };
    let Some(customer) = customer else {
        return render_with(StatusCode::CONFLICT, &page(&member, false, form, TicketErrors::default()));
    };
    let ticket = match NewTicket::parse(&form.subject, &form.priority, &form.description) {
        Ok(t) => t,
        Err(errors) => return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(&member, true, form, errors)),
    };
    let actor = member.actor(&req, &state);
    let number = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        Ok(data::raise(conn, &org_id, &customer.id, &ticket, &actor)?)
    })
    .await?;
    flash(&actix_session::SessionExt::get_session(&req), &format!("Ticket {number} raised."));
    // A catalog may grant tickets.create without customer.view (and so without the list).
    let slug = &member.view.org.slug;
    let back =
        if member.can(Permission::CustomerView) { format!("/orgs/{slug}/tickets") } else { format!("/orgs/{slug}") };
    Ok(see_other(&back))
}

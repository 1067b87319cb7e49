//! Staff → New organization (staff.provision): the form, its preview of
//! what will happen, and Create, through the same function as
//! `orgportal orgs create`. Read-only staff see no button and get 403.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::domain::provisioning::{check, lines, Problem, Request};
use crate::error::AppError;
use crate::store::staff::provisioning::{self, Operator, ProvisionError};
use crate::web::extract::{flash, StaffUser};
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::{see_other, AppState};

#[derive(Deserialize, Default)]
pub struct ProvisionForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    transfers: String,
    #[serde(default)]
    billed: String,
    #[serde(default)]
    customer: String,
    /// "create" once the preview was seen; anything else previews.
    #[serde(default)]
    step: String,
}

impl FormFields for ProvisionForm {
    const TYPED: &'static [&'static str] = &["name", "slug", "owner", "transfers", "billed", "customer"];
}

impl ProvisionForm {
    fn request(&self) -> Request {
        Request {
            name: self.name.clone(),
            slug: self.slug.clone(),
            owner: self.owner.clone(),
            transfers: lines(&self.transfers),
            billed: lines(&self.billed),
            customer: self.customer.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "staff_org_new.html")]
struct NewOrgPage {
    layout: Layout,
    form: ProvisionForm,
    problems: Vec<Problem>,
    /// What Create will do, once previewed without problems.
    preview: Vec<String>,
}

impl NewOrgPage {
    /// The text inputs: (name, label, value, hint).
    fn inputs(&self) -> [(&'static str, &'static str, &str, &'static str); 4] {
        let f = &self.form;
        [
            ("name", "Organization name", &f.name, ""),
            ("slug", "URL name (optional)", &f.slug, "Derived from the name when empty."),
            ("owner", "Owner's email", &f.owner, "An existing account with this verified address."),
            (
                "customer",
                "Customer account id (optional)",
                &f.customer,
                "The external id of an imported customer account.",
            ),
        ]
    }

    /// The text areas: (name, problem field, label, value, hint).
    fn areas(&self) -> [(&'static str, &'static str, &'static str, &str, &'static str); 2] {
        let f = &self.form;
        [
            (
                "transfers",
                "transfer",
                "Projects to move in (optional)",
                &f.transfers,
                "One per line: the owner's email / the project's URL name or name, e.g. carol@example.com/fleet.",
            ),
            (
                "billed",
                "billed",
                "Billed members (optional)",
                &f.billed,
                "One email per line: people whose personal usage the organization pays.",
            ),
        ]
    }

    /// The problems of one field, each "value: message" (the value left out when empty).
    fn problems_of(&self, field: &str) -> Vec<String> {
        let of = self.problems.iter().filter(|p| p.field == field);
        of.map(|p| if p.value.is_empty() { p.message.clone() } else { format!("{}: {}", p.value, p.message) }).collect()
    }
}

fn require_provision(staff: &StaffUser) -> Result<(), AppError> {
    if staff.current.can_provision {
        Ok(())
    } else {
        Err(AppError::Forbidden("Setting up organizations needs the staff.provision right.".into()))
    }
}

#[get("/staff/orgs/new")]
pub async fn new_form(staff: StaffUser) -> Result<HttpResponse, AppError> {
    require_provision(&staff)?;
    let page = NewOrgPage {
        layout: staff.current.layout("Staff: new organization"),
        form: ProvisionForm::default(),
        problems: Vec::new(),
        preview: Vec::new(),
    };
    render_with(StatusCode::OK, &page)
}

#[post("/staff/orgs/new")]
pub async fn submit(
    req: HttpRequest,
    staff: StaffUser,
    form: Form<ProvisionForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_provision(&staff)?;
    let form = form.into_inner();
    let layout = staff.current.layout("Staff: new organization");
    let page = |form, problems, preview| NewOrgPage { layout, form, problems, preview };
    let checked = match check(&form.request()) {
        Ok(checked) => checked,
        Err(problems) => return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(form, problems, Vec::new())),
    };
    let owner_role = state.catalog.owner_role().to_string();
    if form.step != "create" {
        let planned = db::run(&state.pool, move |conn| Ok::<_, AppError>(provisioning::plan(conn, &checked)?)).await?;
        return match planned {
            Ok(plan) => render_with(StatusCode::OK, &page(form, Vec::new(), plan.lines(&owner_role))),
            Err(problems) => render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(form, problems, Vec::new())),
        };
    }
    let actor = staff.current.actor(&req, &state);
    let op = Operator {
        user_id: Some(actor.user_id.clone()),
        label: format!("{} (support staff)", staff.current.user.email),
        ip: actor.ip.clone(),
    };
    let (base_url, mail_state) = (state.base_url.to_string(), state.clone());
    let now = actor.now;
    let done = db::run(&state.pool, move |conn| {
        let mail = |plan: &provisioning::Plan, org: &crate::store::orgs::Org| {
            crate::mail::templates::provisioned_mail(plan, org, &base_url, &mail_state.catalog)
        };
        match provisioning::provision(conn, &checked, &op, &owner_role, &mail, now) {
            Ok(done) => Ok(Ok(done)),
            Err(ProvisionError::Problems(p)) => Ok(Err(p)),
            Err(ProvisionError::Db(e)) => Err(AppError::from(e)),
        }
    })
    .await?;
    match done {
        Ok((org, plan)) => {
            flash(&session, &format!("{} is set up; {} is told by email.", org.name, plan.owner.email));
            Ok(see_other(&format!("/staff/orgs/{}/members", org.slug)))
        }
        // Something changed since the preview: say what, change nothing.
        Err(problems) => render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(form, problems, Vec::new())),
    }
}

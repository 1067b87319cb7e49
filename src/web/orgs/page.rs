//! Creating an organization and its Organization page.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::domain::{OrgName, Permission, Slug};
use crate::error::AppError;
use crate::store::orgs::{self, CreateOrgError, NewOrg, Org, OrgSummary, SlugChoice};
use crate::web::client::client_ip;
use crate::web::extract::{flash, CurrentUser, OrgMember};
use crate::web::format;
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render, render_with, Layout};
use crate::web::{see_other, AppState};

#[derive(Template, Default)]
#[template(path = "org_new.html")]
struct NewOrgPage {
    layout: Layout,
    name: String,
    slug: String,
    name_error: Option<String>,
    slug_error: Option<String>,
    limit_message: Option<String>,
    existing: Option<OrgSummary>,
    /// False: the fields of `partials/org_fields.html` create an organization.
    editing: bool,
}

fn limit_message(state: &AppState) -> String {
    if state.org_limit.is_single() {
        "Your account already belongs to an organization, and each account can belong to only one.".into()
    } else {
        "Your account already belongs to as many organizations as this portal allows.".into()
    }
}

#[get("/orgs/new")]
pub async fn new_form(current: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let mut page = NewOrgPage { layout: current.layout("Add Organization"), ..NewOrgPage::default() };
    if !state.org_limit.allows_another(current.orgs.len() as i64) {
        page.limit_message = Some(limit_message(&state));
        page.existing = current.orgs.first().cloned();
    }
    render(&page)
}

#[derive(Deserialize)]
pub struct NewOrgForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: String,
}

impl FormFields for NewOrgForm {
    const TYPED: &'static [&'static str] = &["name", "slug"];
}

#[post("/orgs")]
pub async fn create(
    req: HttpRequest,
    current: CurrentUser,
    form: Form<NewOrgForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut page = NewOrgPage {
        layout: current.layout("Add Organization"),
        name: form.name.clone(),
        slug: form.slug.clone(),
        ..NewOrgPage::default()
    };
    let name = OrgName::parse(&form.name).map_err(|e| page.name_error = Some(e)).ok();
    let slug = if form.slug.trim().is_empty() {
        name.as_ref().map(|n| {
            let fallback = || Slug::derive(&format!("org {}", &uuid::Uuid::new_v4().simple().to_string()[..6]));
            SlugChoice::Derived(Slug::derive(n.as_str()).or_else(fallback).expect("generated slug is valid"))
        })
    } else {
        Slug::parse(&form.slug).map(SlugChoice::Explicit).map_err(|e| page.slug_error = Some(e)).ok()
    };
    let (Some(name), Some(slug)) = (name, slug) else {
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let (owner, limit, ip, now) = (current.user.id.clone(), state.org_limit, client_ip(&req), state.clock.now());
    let owner_role = state.catalog.owner_role().to_string();
    let created = db::run(&state.pool, move |conn| {
        let new = NewOrg { name: &name, slug: &slug, owner_id: &owner, owner_role: &owner_role, limit, now };
        Ok::<_, AppError>(orgs::create(conn, &new, &ip))
    })
    .await?;
    match created {
        Ok(org) => {
            tracing::info!(org_id = %org.id, slug = %org.slug, "organization created");
            flash(&session, "Organization created.");
            Ok(see_other(&format!("/orgs/{}", org.slug)))
        }
        Err(CreateOrgError::SlugTaken) => {
            page.slug_error = Some("That URL name is taken. Choose another.".into());
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(CreateOrgError::LimitReached) => {
            page.limit_message = Some(limit_message(&state));
            page.existing = current.orgs.first().cloned();
            render_with(StatusCode::CONFLICT, &page)
        }
        Err(CreateOrgError::Db(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "org_show.html")]
pub struct OrgPage {
    layout: Layout,
    org: Org,
    role: String,
    created_on: String,
    owner_name: String,
    owner_email: String,
    member_count: i64,
    is_owner: bool,
    can_manage: bool,
    can_delete: bool,
    /// The settings form (`partials/org_fields.html`): what is typed, and why it was refused.
    editing: bool,
    pub name: String,
    pub slug: String,
    pub name_error: Option<String>,
    pub slug_error: Option<String>,
    pub leave_error: Option<String>,
    pub delete_typed: String,
    pub delete_error: Option<String>,
}

/// The Organization page as saved; a handler whose form was refused sets
/// what was typed and the error before rendering it.
pub async fn org_page(member: &OrgMember, state: &AppState) -> Result<OrgPage, AppError> {
    let org = member.view.org.clone();
    let details = if member.is_owner() {
        // The signed-in user, already read with the session.
        let me = &member.current.user;
        orgs::OrgDetails {
            owner_name: me.name.clone(),
            owner_email: me.email.clone(),
            member_count: i64::from(org.member_count),
        }
    } else {
        let for_query = org.clone();
        db::run_read(&state.pool, move |conn| orgs::details(conn, &for_query).map_err(AppError::from)).await?
    };
    Ok(OrgPage {
        layout: member.layout(&org.name, "overview"),
        role: member.view.role.clone(),
        created_on: format::long_date(org.created_at),
        owner_name: details.owner_name,
        owner_email: details.owner_email,
        member_count: details.member_count,
        is_owner: member.is_owner(),
        can_manage: member.can(Permission::OrgManage),
        can_delete: member.can(Permission::OrgDelete),
        editing: true,
        name: org.name.clone(),
        slug: org.slug.clone(),
        name_error: None,
        slug_error: None,
        leave_error: None,
        delete_typed: String::new(),
        delete_error: None,
        org,
    })
}

#[get("")]
pub async fn show(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgView)?;
    render(&org_page(&member, &state).await?)
}

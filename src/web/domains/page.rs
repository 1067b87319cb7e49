//! The Domains page: the claimed domains with their TXT records, the Verify
//! button and the join policy, and the form that claims another.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{first_join_role, item, joinable_roles, policy_choices, DomainItem, PolicyChoice};
use crate::db;
use crate::domain::verified_domain::DomainName;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::domains::{claims, DomainError};
use crate::web::extract::{flash, OrgMember};
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::see_other;
use crate::web::AppState;

#[derive(Template)]
#[template(path = "domains.html")]
pub struct DomainsPage {
    pub layout: Layout,
    pub slug: String,
    pub domains: Vec<DomainItem>,
    pub policies: Vec<PolicyChoice>,
    pub roles: Vec<String>,
    /// The add form: what was typed, and why it was refused.
    pub typed: String,
    pub error: Option<String>,
}

pub async fn page(member: &OrgMember, state: &AppState) -> Result<DomainsPage, AppError> {
    let org_id = member.org_id().to_string();
    let rows = db::run(&state.pool, move |conn| Ok::<_, AppError>(claims::list(conn, &org_id)?)).await?;
    Ok(DomainsPage {
        layout: member.layout("Domains", "domains"),
        slug: member.view.org.slug.clone(),
        domains: rows.into_iter().map(item).collect(),
        policies: policy_choices(),
        roles: joinable_roles(&state.catalog),
        typed: String::new(),
        error: None,
    })
}

#[get("/domains")]
pub async fn show(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    render_with(StatusCode::OK, &page(&member, &state).await?)
}

#[derive(Deserialize)]
pub struct AddForm {
    domain: String,
}

impl FormFields for AddForm {
    const TYPED: &'static [&'static str] = &["domain"];
}

#[post("/domains")]
pub async fn add(
    req: HttpRequest,
    member: OrgMember,
    form: Form<AddForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    let refuse = |typed: String, error: String| async {
        let mut view = page(&member, &state).await?;
        view.typed = typed;
        view.error = Some(error);
        render_with(StatusCode::UNPROCESSABLE_ENTITY, &view)
    };
    let domain = match DomainName::parse(&form.domain) {
        Ok(d) => d,
        Err(e) => return refuse(form.domain.clone(), e).await,
    };
    let role = first_join_role(&state.catalog);
    let (org_id, actor, claimed) = (member.org_id().to_string(), member.actor(&req, &state), domain.clone());
    let added =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(claims::add(conn, &org_id, &claimed, &role, &actor)))
            .await?;
    match added {
        Ok(_) => {
            let message = format!("{} was added. Publish its TXT record, then press Verify.", domain.as_str());
            flash(&session, &message);
            Ok(see_other(&format!("/orgs/{}/domains", member.view.org.slug)))
        }
        Err(e @ (DomainError::TooMany | DomainError::AlreadyListed(_) | DomainError::TakenElsewhere(_))) => {
            refuse(form.domain.clone(), e.to_string()).await
        }
        Err(DomainError::NotFound) => Err(AppError::NotFound),
        Err(DomainError::Db(e)) => Err(e.into()),
    }
}

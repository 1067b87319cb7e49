//! The billed-members list on the Billing page (`billing.manage`): members
//! whose personal-space usage the organization pays, added by address and
//! removed by a button; one organization pays for a person at a time.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::page::{member_page, BillingQuery};
use crate::db;
use crate::domain::Email;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::billing::billed_members::{self, BilledError};
use crate::web::extract::{flash, OrgMember};
use crate::web::input::{Form, FormFields};
use crate::web::layout::render_with;
use crate::web::{format, see_other, AppState};

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    email: String,
}

impl FormFields for AddForm {
    const TYPED: &'static [&'static str] = &["email"];
}

fn refusal(e: BilledError, org_name: &str, email: &str) -> Result<String, AppError> {
    Ok(match e {
        BilledError::NotMember => {
            format!("No member of {org_name} has the address {email}. Only members can be billed: invite them first.")
        }
        BilledError::AlreadyHere => format!("{email} is already billed to {org_name}."),
        BilledError::Elsewhere { name, org_name: other, since } => format!(
            "{name}'s personal usage is already billed to {other} (since {}). One organization pays at a time: \
             {other} must remove them first.",
            format::date(since)
        ),
        BilledError::NotBilled => return Err(AppError::NotFound),
        BilledError::Db(e) => return Err(e.into()),
    })
}

#[post("/billing/members")]
pub async fn add(
    req: HttpRequest,
    member: OrgMember,
    form: Form<AddForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::BillingManage)?;
    let typed = form.into_inner().email;
    let org_name = member.view.org.name.clone();
    let message = match Email::parse(&typed) {
        Err(message) => message,
        Ok(email) => {
            let (org_id, actor) = (member.org_id().to_string(), member.actor(&req, &state));
            let address = email.as_str().to_string();
            let added = db::run(&state.pool, move |conn| {
                Ok::<_, AppError>(billed_members::add(conn, &org_id, &address, &actor))
            })
            .await?;
            match added {
                Ok(billed) => {
                    flash(&session, &format!("{}'s personal usage is billed to {org_name} from now.", billed.name));
                    return Ok(see_other(&format!("/orgs/{}/billing#billed-members", member.view.org.slug)));
                }
                Err(e) => refusal(e, &org_name, email.as_str())?,
            }
        }
    };
    let mut page = member_page(&member, &state, BillingQuery::default()).await?;
    page.billed_email = typed;
    page.billed_error = Some(message);
    render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[post("/billing/members/{user_id}/remove")]
pub async fn remove(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::BillingManage)?;
    let (org_id, actor) = (member.org_id().to_string(), member.actor(&req, &state));
    let user_id = path.into_inner().1;
    let removed =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(billed_members::remove(conn, &org_id, &user_id, &actor)))
            .await?;
    let org_name = &member.view.org.name;
    match removed {
        Ok(email) => flash(&session, &format!("{email}'s personal usage is no longer billed to {org_name}.")),
        Err(BilledError::Db(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::NotFound),
    }
    Ok(see_other(&format!("/orgs/{}/billing#billed-members", member.view.org.slug)))
}

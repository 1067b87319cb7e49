//! Renaming an organization and changing its URL name (org.manage).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};

use crate::db;
use crate::domain::{OrgName, Permission, Slug};
use crate::error::AppError;
use crate::store::orgs::{self, RenameError};
use crate::web::extract::{flash, OrgMember};
use crate::web::input::Form;
use crate::web::layout::render_with;
use crate::web::orgs::page::{org_page, NewOrgForm};
use crate::web::{see_other, AppState};

#[post("/settings")]
pub async fn save(
    req: HttpRequest,
    member: OrgMember,
    form: Form<NewOrgForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    let form = form.into_inner();
    let name = OrgName::parse(&form.name);
    let slug = Slug::parse(&form.slug);
    let (name, slug) = match (name, slug) {
        (Ok(name), Ok(slug)) => (name, slug),
        (name, slug) => return refused(&member, &state, form, name.err(), slug.err()).await,
    };
    let (org_id, actor) = (member.org_id().to_string(), member.actor(&req, &state));
    let (new_name, new_slug) = (name.clone(), slug.clone());
    let renamed =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(orgs::rename(conn, &org_id, &new_name, &new_slug, &actor)))
            .await?;
    match renamed {
        Ok(true) => {
            tracing::info!(org_id = %member.org_id(), slug = %slug.as_str(), "organization renamed");
            flash(&session, "Organization settings saved.");
            Ok(see_other(&format!("/orgs/{}", slug.as_str())))
        }
        Ok(false) => {
            flash(&session, "Nothing changed: the name and URL name are as they were.");
            Ok(see_other(&format!("/orgs/{}", slug.as_str())))
        }
        Err(RenameError::SlugTaken) => {
            let taken = Some("That URL name is taken. Choose another.".to_string());
            refused(&member, &state, form, None, taken).await
        }
        Err(RenameError::Db(e)) => Err(e.into()),
    }
}

/// The Organization page as saved, with the settings form as typed and its errors.
async fn refused(
    member: &OrgMember,
    state: &AppState,
    form: NewOrgForm,
    name_error: Option<String>,
    slug_error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let mut page = org_page(member, state).await?;
    (page.name, page.slug, page.name_error, page.slug_error) = (form.name, form.slug, name_error, slug_error);
    render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

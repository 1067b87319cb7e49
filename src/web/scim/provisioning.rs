//! Organization -> Single sign-on -> Provisioning (`org.manage`): the SCIM
//! base URL, the organization's SCIM tokens (made with a name and shown
//! once, last used, rotate, revoke) and the groups its directory pushed,
//! each mapped to a role or to none.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::TOKEN_PREFIX;
use crate::db;
use crate::domain::scim::token_name;
use crate::domain::secret_token::SecretToken;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::changes::MemberError;
use crate::store::scim::tokens::{self, TokenRow};
use crate::store::scim::{groups, Ctx};
use crate::web::extract::{flash, OrgMember};
use crate::web::format;
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::{see_other, AppState};

pub struct TokenItem {
    pub id: String,
    pub name: String,
    pub creator: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

pub struct GroupItem {
    pub id: String,
    pub name: String,
    pub members: i64,
    pub role: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "scim_provisioning.html")]
pub struct ProvisioningPage {
    layout: Layout,
    slug: String,
    base_url: String,
    has_sso: bool,
    default_role: String,
    tokens: Vec<TokenItem>,
    groups: Vec<GroupItem>,
    roles: Vec<String>,
    name: String,
    name_error: Option<String>,
    /// The token just made or rotated: (name, token), shown this once.
    new_token: Option<(String, String)>,
}

fn token_item(t: TokenRow) -> TokenItem {
    TokenItem {
        id: t.id,
        name: t.name,
        creator: t.creator_name,
        created: format::date_time(t.created_at),
        last_used: t.last_used_at.map(format::date_time).unwrap_or_else(|| "Never".into()),
        revoked: t.revoked_at.is_some(),
    }
}

async fn page(member: &OrgMember, state: &AppState) -> Result<ProvisioningPage, AppError> {
    let org_id = member.org_id().to_string();
    let (tokens, groups, sso) = db::run(&state.pool, move |conn| {
        let t = tokens::list(conn, &org_id)?;
        let g = groups::with_sizes(conn, &org_id)?;
        let s = crate::store::domains::sso::get(conn, &org_id)?;
        Ok::<_, AppError>((t, g, s))
    })
    .await?;
    let slug = member.view.org.slug.clone();
    Ok(ProvisioningPage {
        layout: member.layout("Provisioning", "sso"),
        base_url: state.url(&format!("/scim/v2/orgs/{slug}")),
        has_sso: sso.is_some(),
        default_role: crate::store::scim::role_for_new(&state.catalog, sso.map(|s| s.default_role)),
        tokens: tokens.into_iter().map(token_item).collect(),
        groups: groups
            .into_iter()
            .map(|(g, n)| GroupItem {
                id: g.id,
                name: g.display_name,
                members: n,
                role: g.role.unwrap_or_default(),
                error: None,
            })
            .collect(),
        roles: state.catalog.roles().iter().map(|r| r.name.clone()).collect(),
        name: String::new(),
        name_error: None,
        new_token: None,
        slug,
    })
}

#[get("/sso/provisioning")]
pub async fn show(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    render_with(StatusCode::OK, &page(&member, &state).await?)
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

impl FormFields for NameForm {
    const TYPED: &'static [&'static str] = &["name"];
}

#[post("/sso/provisioning/tokens")]
pub async fn create_token(
    req: HttpRequest,
    member: OrgMember,
    form: Form<NameForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    let typed = form.into_inner().name;
    let name = match token_name(&typed) {
        Ok(n) => n,
        Err(e) => {
            let mut view = page(&member, &state).await?;
            (view.name, view.name_error) = (typed, Some(e));
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let token = SecretToken::with_prefix(TOKEN_PREFIX);
    let (org_id, actor, hash, stored) =
        (member.org_id().to_string(), member.actor(&req, &state), token.hash, name.clone());
    db::run(&state.pool, move |conn| tokens::create(conn, &org_id, &stored, &hash, &actor).map_err(failed)).await?;
    let mut view = page(&member, &state).await?;
    view.new_token = Some((name, token.token));
    render_with(StatusCode::OK, &view)
}

#[post("/sso/provisioning/tokens/{id}/rotate")]
pub async fn rotate_token(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    let token = SecretToken::with_prefix(TOKEN_PREFIX);
    let (org_id, actor, hash, id) =
        (member.org_id().to_string(), member.actor(&req, &state), token.hash, path.1.clone());
    let rotated =
        db::run(&state.pool, move |conn| tokens::rotate(conn, &org_id, &id, &hash, &actor).map_err(failed)).await?;
    let Some(name) = rotated else { return Err(AppError::NotFound) };
    let mut view = page(&member, &state).await?;
    view.new_token = Some((name, token.token));
    render_with(StatusCode::OK, &view)
}

#[post("/sso/provisioning/tokens/{id}/revoke")]
pub async fn revoke_token(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    let (slug, id) = path.into_inner();
    let (org_id, actor) = (member.org_id().to_string(), member.actor(&req, &state));
    let revoked = db::run(&state.pool, move |conn| tokens::revoke(conn, &org_id, &id, &actor).map_err(failed)).await?;
    let Some(name) = revoked else { return Err(AppError::NotFound) };
    flash(&session, &format!("The SCIM token {name} was revoked: your directory can no longer use it."));
    Ok(see_other(&format!("/orgs/{slug}/sso/provisioning")))
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

impl FormFields for RoleForm {
    const TYPED: &'static [&'static str] = &[];
}

#[post("/sso/provisioning/groups/{id}/role")]
pub async fn map_group(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    form: Form<RoleForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    let (slug, id) = path.into_inner();
    let role = Some(form.into_inner().role).filter(|r| !r.is_empty());
    if role.as_ref().is_some_and(|r| state.catalog.get(r).is_none()) {
        return Err(AppError::BadRequest("Choose one of the roles listed.".into()));
    }
    let (org_id, actor, catalog) = (member.org_id().to_string(), member.actor(&req, &state), state.catalog.clone());
    let (group_id, wanted) = (id.clone(), role.clone());
    let done = db::run(&state.pool, move |conn| {
        let default_role = crate::store::scim::default_role(conn, &catalog, &org_id)?;
        let ctx = Ctx { org_id: &org_id, catalog: &catalog, actor: &actor, default_role: &default_role };
        Ok::<_, AppError>(groups::set_role(conn, &ctx, &group_id, wanted.as_deref()))
    })
    .await?;
    match done {
        Ok(changed) => {
            if changed {
                let said = role.map_or("no role: it gives nothing".to_string(), |r| format!("the role {r}"));
                flash(&session, &format!("The group now maps to {said}; its members' roles were updated."));
            }
            Ok(see_other(&format!("/orgs/{slug}/sso/provisioning")))
        }
        Err(e) if e.status == 404 => Err(AppError::NotFound),
        Err(e) if e.status >= 500 => Err(AppError::internal(anyhow::anyhow!(e.detail))),
        Err(e) => {
            let mut view = page(&member, &state).await?;
            if let Some(g) = view.groups.iter_mut().find(|g| g.id == id) {
                g.role = role.unwrap_or_default();
                g.error = Some(e.detail);
            }
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
    }
}

fn failed(e: MemberError) -> AppError {
    match e {
        MemberError::NotFound => AppError::NotFound,
        MemberError::Rule(r) => AppError::BadRequest(r.to_string()),
        MemberError::Db(d) => d.into(),
    }
}

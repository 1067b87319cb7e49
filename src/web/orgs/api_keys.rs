//! Organization -> API keys (`api_keys.manage`): create a key for the
//! management API with a name, some of the creator's own permissions and an
//! expiry; the key is shown once. The list shows each key's state (a key
//! whose creator left is inactive) and offers Revoke.

use std::collections::BTreeSet;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::domain::api_key;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::api_keys::{self, KeyError, KeyRow, NewKey};
use crate::web::extract::{flash, OrgMember};
use crate::web::format;
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::{see_other, AppState};

pub struct KeyItem {
    pub id: String,
    pub name: String,
    pub permissions: String,
    pub creator: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    /// None: the key works; otherwise why not.
    pub inactive: Option<&'static str>,
}

pub struct Choice {
    pub key: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "api_keys.html")]
struct KeysPage {
    layout: Layout,
    slug: String,
    keys: Vec<KeyItem>,
    choices: Vec<Choice>,
    expiry: String,
    name: String,
    name_error: Option<String>,
    permissions_error: Option<String>,
    expiry_error: Option<String>,
    /// The key just made: (name, key), shown this once.
    new_key: Option<(String, String)>,
    api_base: String,
}

fn item(row: KeyRow, now: time::PrimitiveDateTime) -> KeyItem {
    let perms = api_key::split_permissions(&row.permissions);
    KeyItem {
        inactive: row.state(now).err().map(|i| i.label()),
        id: row.id,
        name: row.name,
        permissions: perms.iter().map(|p| p.key()).collect::<Vec<_>>().join(", "),
        creator: row.creator_name,
        created: format::date_time(row.created_at),
        expires: row.expires_at.map(format::date).unwrap_or_else(|| "Never".into()),
        last_used: row.last_used_at.map(format::date_time).unwrap_or_else(|| "Never".into()),
    }
}

/// What the form showed and what was typed into it.
#[derive(Default)]
struct Typed {
    name: String,
    chosen: BTreeSet<String>,
    expiry: String,
}

async fn page(member: &OrgMember, state: &AppState, typed: Typed) -> Result<KeysPage, AppError> {
    let org_id = member.org_id().to_string();
    let rows = db::run(&state.pool, move |conn| Ok::<_, AppError>(api_keys::list(conn, &org_id)?)).await?;
    let now = state.clock.now();
    let slug = member.view.org.slug.clone();
    Ok(KeysPage {
        layout: member.layout("API keys", "api-keys"),
        keys: rows.into_iter().map(|r| item(r, now)).collect(),
        choices: member
            .permissions
            .iter()
            .map(|p| Choice { key: p.key(), label: p.label(), checked: typed.chosen.contains(p.key()) })
            .collect(),
        expiry: if typed.expiry.is_empty() { "90".into() } else { typed.expiry },
        name: typed.name,
        name_error: None,
        permissions_error: None,
        expiry_error: None,
        new_key: None,
        api_base: state.url(&format!("/api/v1/orgs/{slug}")),
        slug,
    })
}

#[get("/api-keys")]
pub async fn list(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::ApiKeysManage)?;
    render_with(StatusCode::OK, &page(&member, &state, Typed::default()).await?)
}

/// The form's fields in order: `name`, `permission` (one per box ticked), `expiry`.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct KeyForm(Vec<(String, String)>);

impl FormFields for KeyForm {
    const TYPED: &'static [&'static str] = &["name"];
}

#[post("/api-keys")]
pub async fn create(
    req: HttpRequest,
    member: OrgMember,
    form: Form<KeyForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::ApiKeysManage)?;
    let fields = form.into_inner().0;
    let value = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let chosen: Vec<&str> = fields.iter().filter(|(n, _)| n == "permission").map(|(_, v)| v.as_str()).collect();
    let typed =
        Typed { name: value("name"), chosen: chosen.iter().map(|s| s.to_string()).collect(), expiry: value("expiry") };
    let name = api_key::parse_name(&typed.name);
    let perms = api_key::parse_permissions(chosen.iter().copied(), &member.permissions);
    let days = api_key::parse_expiry(&typed.expiry);
    let (name, perms, days) = match (name, perms, days) {
        (Ok(n), Ok(p), Ok(d)) => (n, p, d),
        (n, p, d) => {
            let mut view = page(&member, &state, typed).await?;
            (view.name_error, view.permissions_error, view.expiry_error) = (n.err(), p.err(), d.err());
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let key = api_key::generate();
    let actor = member.actor(&req, &state);
    let (org_id, creator_name, hash) = (member.org_id().to_string(), member.current.user.name.clone(), key.hash);
    let (stored_name, stored_perms) = (name.clone(), api_key::join_permissions(&perms));
    let expires_at = api_key::expires_at(actor.now, days);
    let created = db::run(&state.pool, move |conn| {
        let new = NewKey {
            name: &stored_name,
            token_hash: &hash,
            permissions: &stored_perms,
            creator_name: &creator_name,
            expires_at,
        };
        Ok::<_, AppError>(api_keys::create(conn, &org_id, &new, &actor))
    })
    .await?;
    match created {
        Ok(_) => {
            let mut view = page(&member, &state, Typed::default()).await?;
            view.new_key = Some((name, key.token));
            render_with(StatusCode::OK, &view)
        }
        Err(KeyError::NameTaken) => {
            let mut view = page(&member, &state, typed).await?;
            view.name_error = Some(KeyError::NameTaken.to_string());
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
        Err(KeyError::NotFound) => Err(AppError::NotFound),
        Err(KeyError::Db(e)) => Err(e.into()),
    }
}

#[post("/api-keys/{id}/revoke")]
pub async fn revoke(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::ApiKeysManage)?;
    let (slug, id) = path.into_inner();
    let (org_id, actor) = (member.org_id().to_string(), member.actor(&req, &state));
    let revoked =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(api_keys::revoke(conn, &org_id, &id, &actor))).await?;
    match revoked {
        Ok(name) => {
            flash(&session, &format!("The API key {name} was revoked."));
            Ok(see_other(&format!("/orgs/{slug}/api-keys")))
        }
        Err(KeyError::Db(e)) => Err(e.into()),
        Err(_) => Err(AppError::NotFound),
    }
}

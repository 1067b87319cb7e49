//! The API the platform behind the portal calls with a project's connection
//! token (`GET /api/v1/project`): the project, its owner, and who holds which
//! project permissions, so the platform enforces the same access.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::db;
use crate::domain::project_access::{self, AccessFacts};
use crate::domain::service_token::{hash_token, PROJECT_TOKEN_PREFIX};
use crate::domain::RoleCatalog;
use crate::error::AppError;
use crate::store::accounts::users;
use crate::store::members::page::Cursor;
use crate::store::projects;
use crate::store::projects::team;
use crate::store::projects::tokens;
use crate::web::customer::service_api::{bearer, too_many, unauthorized};
use crate::web::AppState;

/// The Team page's query reads members in batches of this many.
const BATCH: i64 = 1000;

#[derive(Serialize)]
struct ProjectInfo {
    project: Named,
    owner: Owner,
    token: String,
    access: Vec<Access>,
}

#[derive(Serialize)]
struct Named {
    name: String,
    slug: String,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Owner {
    Organization { name: String, slug: String },
    Personal { name: String, email: String },
}

#[derive(Serialize)]
struct Access {
    email: String,
    name: String,
    /// The catalog role, or "owner" for a personal space's owner.
    role: String,
    why: String,
    permissions: Vec<&'static str>,
}

/// The API's line for someone whose access the facts give, if they may view the project.
fn access(catalog: &RoleCatalog, email: String, name: String, facts: &AccessFacts<'_>) -> Option<Access> {
    let (why, permissions) = project_access::viewable(catalog, facts)?;
    Some(Access {
        email,
        name,
        role: why.role().unwrap_or("owner").to_string(),
        why: why.describe(),
        permissions: permissions.iter().map(|p| p.key()).collect(),
    })
}

#[get("/api/v1/project")]
pub async fn project(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let ip = crate::web::client::client_ip(&req);
    let token = match bearer(&req, &state, &ip, PROJECT_TOKEN_PREFIX) {
        Ok(token) => token,
        Err(answer) => return Ok(*answer),
    };
    let (hash, now, catalog) = (hash_token(token), state.clock.now(), state.catalog.clone());
    let found = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let Some((project, token_name)) = tokens::authenticate(conn, &hash, now)? else { return Ok(None) };
        let mut people = Vec::new();
        let owner = match (&project.org_id, &project.owner_user_id) {
            (Some(org_id), _) => {
                let (name, slug) = projects::org_of(conn, org_id)?;
                let mut after: Option<Cursor> = None;
                loop {
                    let rows = team::page(conn, &project, None, after.as_ref(), BATCH)?;
                    for r in &rows {
                        people.extend(access(&catalog, r.email.clone(), r.name.clone(), &r.facts()));
                    }
                    match rows.last() {
                        Some(last) if rows.len() as i64 == BATCH => {
                            after = Some(Cursor { joined_at: last.joined_at, user_id: last.user_id.clone() })
                        }
                        _ => break,
                    }
                }
                Owner::Organization { name, slug }
            }
            (None, Some(user_id)) => {
                let user = users::find(conn, user_id)?.ok_or(AppError::NotFound)?;
                let owner = AccessFacts { personal_owner: true, ..AccessFacts::default() };
                people.extend(access(&catalog, user.email.clone(), user.name.clone(), &owner));
                Owner::Personal { name: user.name, email: user.email }
            }
            (None, None) => return Err(AppError::NotFound),
        };
        for (email, name, role) in team::direct_collaborators(conn, &project.id)? {
            let direct = AccessFacts { grant: Some((&role, true)), ..AccessFacts::default() };
            people.extend(access(&catalog, email, name, &direct));
        }
        Ok(Some(ProjectInfo {
            project: Named { name: project.name, slug: project.slug },
            owner,
            token: token_name,
            access: people,
        }))
    })
    .await?;
    match found {
        Some(info) => Ok(HttpResponse::Ok().json(info)),
        None => {
            if let Err(limited) = state.limits.token_failures.failure(&ip) {
                return Ok(too_many(limited));
            }
            Ok(unauthorized("This connection token is not valid; it may have been revoked."))
        }
    }
}

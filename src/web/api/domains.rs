//! `/api/v1/orgs/{slug}/domains` (org.manage): the organization's claimed
//! domains as the Domains page manages them, each named by the domain
//! itself: list, claim (the TXT record to publish is in the answer), read,
//! verify (the record looked up now), set the join policy, remove. The same
//! store functions and rules as the page (`web::domains`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::{self, RawBody};
use super::idempotency::{self, Answer};
use super::key_auth::KeyAuth;
use super::paging::{self, Page};
use super::rfc3339;
use crate::db;
use crate::domain::verified_domain::{DomainName, JoinPolicy};
use crate::domain::Permission;
use crate::store::domains::{claims, joinable_role, DomainError, DomainRow};
use crate::web::domains::{first_join_role, verify_now};
use crate::web::problem::Problem;

/// The TXT record that proves the claim.
#[derive(Serialize, ToSchema)]
pub struct Record {
    /// Always `TXT`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub value: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"domain": "acme.example", "verified": true, "verified_at": "2027-01-31T12:00:00Z",
    "failing_since": null, "record": {"type": "TXT", "name": "_orgportal-challenge.acme.example",
    "value": "orgportal-verification=3Xk9..."}, "join_policy": "suggest", "join_role": "Technical user",
    "created_at": "2027-01-31T11:58:00Z"}))]
pub struct Domain {
    pub domain: String,
    pub verified: bool,
    #[schema(format = DateTime)]
    pub verified_at: Option<String>,
    /// Since when the daily check has not found the record; null while it does.
    #[schema(format = DateTime)]
    pub failing_since: Option<String>,
    pub record: Record,
    /// `none`, `suggest` or `automatic`: what people with a verified address there may do.
    pub join_policy: String,
    /// The role they get by joining.
    pub join_role: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

fn domain(row: DomainRow) -> Domain {
    Domain {
        record: Record { kind: "TXT", name: row.name().challenge_name(), value: row.challenge.clone() },
        domain: row.domain,
        verified: row.verified_at.is_some(),
        verified_at: row.verified_at.map(rfc3339),
        failing_since: row.failing_since.map(rfc3339),
        join_policy: row.join_policy,
        join_role: row.join_role,
        created_at: rfc3339(row.created_at),
    }
}

#[derive(Serialize, ToSchema)]
pub struct DomainList {
    pub items: Vec<Domain>,
    pub next: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"domain": "acme.example"}))]
pub struct NewDomain {
    pub domain: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"join_policy": "automatic", "join_role": "Technical user"}))]
pub struct DomainUpdate {
    /// `none`, `suggest` or `automatic`.
    pub join_policy: Option<String>,
    /// A role that does not manage members.
    pub join_role: Option<String>,
}

fn refused(e: DomainError) -> Problem {
    match e {
        DomainError::Db(e) => e.into(),
        DomainError::NotFound => Problem::not_found(),
        e @ (DomainError::TooMany | DomainError::AlreadyListed(_)) => Problem::invalid("domain", e.to_string()),
        e @ DomainError::TakenElsewhere(_) => Problem::conflict(e.to_string()),
    }
}

/// The claim named in the path: 404 for a name this organization has not claimed.
async fn found(auth: &KeyAuth, name: String) -> Result<DomainRow, Problem> {
    auth.require(Permission::OrgManage)?;
    let name = DomainName::parse(&name).map_err(|_| Problem::not_found())?;
    let org_id = auth.org_id().to_string();
    db::run(&auth.state.pool, move |conn| Ok::<_, Problem>(claims::find_by_name(conn, &org_id, name.as_str())?))
        .await?
        .ok_or_else(Problem::not_found)
}

async fn reread(auth: &KeyAuth, id: String) -> Result<Domain, Problem> {
    let org_id = auth.org_id().to_string();
    db::run(&auth.state.pool, move |conn| Ok::<_, Problem>(claims::get(conn, &org_id, &id)?))
        .await?
        .map(domain)
        .ok_or_else(Problem::not_found)
}

/// The organization's claimed domains, in name order.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/domains", tag = "Domains", operation_id = "listDomains",
    params(("slug" = String, Path, description = "The organization's URL name")),
    responses((status = 200, description = "The domains; `next` is always null", body = DomainList),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn list(auth: KeyAuth, req: HttpRequest) -> Result<HttpResponse, Problem> {
    auth.require(Permission::OrgManage)?;
    let org_id = auth.org_id().to_string();
    let rows = db::run(&auth.state.pool, move |conn| Ok::<_, Problem>(claims::list(conn, &org_id)?)).await?;
    Ok(paging::respond(&req, Page { items: rows.into_iter().map(domain).collect::<Vec<_>>(), next: None }))
}

/// Claims a domain; the answer holds the TXT record to publish before verifying.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/domains", tag = "Domains", operation_id = "createDomain",
    params(("slug" = String, Path, description = "The organization's URL name"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same body within 24 hours: the first answer, nothing created twice")),
    request_body = NewDomain,
    responses((status = 201, description = "The claim, not yet verified", body = Domain),
        (status = 400, response = super::responses::BadRequest),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound),
        (status = 409, response = super::responses::Conflict), (status = 413, response = super::responses::TooLarge),
        (status = 422, response = super::responses::Invalid), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn create(auth: KeyAuth, req: HttpRequest, raw: RawBody) -> Result<HttpResponse, Problem> {
    auth.require(Permission::OrgManage)?;
    let new: NewDomain = body::parse(&raw.0)?;
    let name = DomainName::parse(&new.domain).map_err(|e| Problem::invalid("domain", e))?;
    let role = first_join_role(&auth.state.catalog);
    idempotency::once(&auth, &req, &raw.0, || async {
        let (org_id, actor) = (auth.org_id().to_string(), auth.actor());
        let added =
            db::run(&auth.state.pool, move |conn| Ok::<_, Problem>(claims::add(conn, &org_id, &name, &role, &actor)))
                .await?;
        let id = added.map_err(refused)?;
        Ok(Answer::new(StatusCode::CREATED, reread(&auth, id).await?))
    })
    .await
}

/// One claimed domain.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/domains/{domain}", tag = "Domains", operation_id = "getDomain",
    params(("slug" = String, Path, description = "The organization's URL name"), ("domain" = String, Path, description = "The domain, such as acme.example")),
    responses((status = 200, description = "The domain", body = Domain),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn get(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(domain(found(&auth, path.into_inner().1).await?)))
}

/// Looks the TXT record up now; the domain is verified when it holds the
/// value (409 when it does not, or another organization holds the domain).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/domains/{domain}/verify", tag = "Domains", operation_id = "verifyDomain",
    params(("slug" = String, Path, description = "The organization's URL name"), ("domain" = String, Path, description = "The domain, such as acme.example")),
    responses((status = 200, description = "Verified", body = Domain),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 409, response = super::responses::Conflict),
        (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn verify(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    let row = found(&auth, path.into_inner().1).await?;
    match verify_now(&auth.state, auth.org_id(), &row, auth.actor()).await?.map_err(refused)? {
        None => Ok(HttpResponse::Ok().json(reread(&auth, row.id).await?)),
        Some(why) => Err(Problem::conflict(why)),
    }
}

/// Sets what people with a verified address at the domain may do.
#[utoipa::path(patch, path = "/api/v1/orgs/{slug}/domains/{domain}", tag = "Domains", operation_id = "updateDomain",
    params(("slug" = String, Path, description = "The organization's URL name"), ("domain" = String, Path, description = "The domain, such as acme.example")),
    request_body = DomainUpdate,
    responses((status = 200, description = "The domain as saved", body = Domain),
        (status = 400, response = super::responses::BadRequest),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 413, response = super::responses::TooLarge),
        (status = 422, response = super::responses::Invalid), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn update(auth: KeyAuth, path: web::Path<(String, String)>, raw: RawBody) -> Result<HttpResponse, Problem> {
    let row = found(&auth, path.into_inner().1).await?;
    let change: DomainUpdate = body::parse(&raw.0)?;
    let policy = match change.join_policy.as_deref() {
        None => row.policy(),
        Some(p) => JoinPolicy::parse(p)
            .ok_or_else(|| Problem::invalid("join_policy", "The join policy is one of none, suggest and automatic."))?,
    };
    let role = change.join_role.unwrap_or_else(|| row.join_role.clone());
    if !joinable_role(&auth.state.catalog, &role) {
        return Err(Problem::invalid(
            "join_role",
            format!("“{role}” cannot be given by a domain: choose a role of the catalog that does not manage members."),
        ));
    }
    let (org_id, actor, id) = (auth.org_id().to_string(), auth.actor(), row.id.clone());
    let set = db::run(&auth.state.pool, move |conn| {
        Ok::<_, Problem>(claims::set_policy(conn, &org_id, &id, policy, &role, &actor))
    })
    .await?;
    set.map_err(refused)?;
    Ok(HttpResponse::Ok().json(reread(&auth, row.id).await?))
}

/// Removes the claim; open requests to join through it are withdrawn.
#[utoipa::path(delete, path = "/api/v1/orgs/{slug}/domains/{domain}", tag = "Domains", operation_id = "deleteDomain",
    params(("slug" = String, Path, description = "The organization's URL name"), ("domain" = String, Path, description = "The domain, such as acme.example")),
    responses((status = 204, description = "Removed"),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn delete(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    let row = found(&auth, path.into_inner().1).await?;
    let (org_id, actor) = (auth.org_id().to_string(), auth.actor());
    let removed =
        db::run(&auth.state.pool, move |conn| Ok::<_, Problem>(claims::remove(conn, &org_id, &row.id, &actor))).await?;
    removed.map_err(refused)?;
    Ok(HttpResponse::build(StatusCode::NO_CONTENT).finish())
}

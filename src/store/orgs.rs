use diesel::prelude::*;
use serde_json::json;
use time::PrimitiveDateTime;

use crate::db::schema::{memberships, organizations, projects, users};
use crate::db::timestamp::FastTimestamp;
use crate::db::AnyConnection;
use crate::domain::{OrgLimit, OrgName, Slug};
use crate::store::activity::{self, NewActivity};
use crate::store::changes::Actor;
use crate::store::is_unique_violation;
use crate::store::new_id;
use crate::store::webhooks::{self, payload};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub owner_id: String,
    #[diesel(deserialize_as = FastTimestamp)]
    pub created_at: PrimitiveDateTime,
    pub member_count: i32,
    /// Moves with every change to the members (migration 000017's triggers).
    pub members_version: i64,
    /// "<connection id> <domain> ...": members at those domains must sign in
    /// through the organization's own provider (store::domains::sso).
    pub sso_required: Option<String>,
    /// Moves with every change to the Members page's side lists: pending
    /// invitations, join requests, people the directory suspended
    /// (migration 000027's triggers).
    pub waiting_version: i64,
    /// Moves with every change to the Activity page's filter choices
    /// (migration 000028's triggers).
    pub facets_version: i64,
    /// Moves with every change to what the Billing page shows (migration
    /// 000030's triggers).
    pub billing_version: i64,
}

impl<'a> From<&'a Org> for crate::store::members::kept_pages::Listed<'a> {
    fn from(org: &'a Org) -> Self {
        Self { org_id: &org.id, members_version: org.members_version }
    }
}

/// An organization as listed for one of its members.
#[derive(Debug, Clone, Queryable)]
pub struct OrgSummary {
    pub name: String,
    pub slug: String,
    pub role: String,
}

/// The organization of a URL together with the signed-in user's membership.
#[derive(Debug, Clone)]
pub struct MemberView {
    pub org: Org,
    pub role: String,
    pub joined_at: PrimitiveDateTime,
    /// The member's role on the organization's projects, when set apart
    /// from their organization role.
    pub default_project_role: Option<String>,
}

#[derive(Debug, Clone)]
pub struct OrgDetails {
    pub owner_name: String,
    pub owner_email: String,
    pub member_count: i64,
}

/// The slug asked for: typed by the user (must be free) or derived from the
/// name (a numeric suffix is added until it is free).
#[derive(Debug, Clone)]
pub enum SlugChoice {
    Explicit(Slug),
    Derived(Slug),
}

#[derive(Debug, thiserror::Error)]
pub enum CreateOrgError {
    #[error("organization limit reached")]
    LimitReached,
    #[error("slug taken")]
    SlugTaken,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum RenameError {
    #[error("slug taken")]
    SlugTaken,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

fn slug_taken(conn: &mut AnyConnection, slug: &str) -> QueryResult<bool> {
    let n: i64 = organizations::table.filter(organizations::slug.eq(slug)).count().get_result(conn)?;
    Ok(n > 0)
}

pub(crate) fn free_slug(conn: &mut AnyConnection, choice: &SlugChoice) -> Result<Slug, CreateOrgError> {
    match choice {
        SlugChoice::Explicit(slug) => {
            if slug_taken(conn, slug.as_str())? {
                return Err(CreateOrgError::SlugTaken);
            }
            Ok(slug.clone())
        }
        SlugChoice::Derived(base) => {
            if !slug_taken(conn, base.as_str())? {
                return Ok(base.clone());
            }
            for n in 2..=50 {
                let candidate = base.with_suffix(n);
                if !slug_taken(conn, candidate.as_str())? {
                    return Ok(candidate);
                }
            }
            let random = u32::from_str_radix(&new_id()[..6], 16).unwrap_or(1000);
            Ok(base.with_suffix(random))
        }
    }
}

/// What the Add Organization form asks for.
pub struct NewOrg<'a> {
    pub name: &'a OrgName,
    pub slug: &'a SlugChoice,
    pub owner_id: &'a str,
    /// The catalog's owner role (Admin in the default catalog).
    pub owner_role: &'a str,
    pub limit: OrgLimit,
    pub now: PrimitiveDateTime,
}

/// How the creation goes into the new organization's activity log.
pub struct Recorded<'a> {
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    /// None: "slug {slug}".
    pub details: Option<&'a str>,
}

/// Creates the organization with its creator as primary owner, and records
/// it in the activity log, all in one transaction.
pub fn create(conn: &mut AnyConnection, new: &NewOrg<'_>, ip: &str) -> Result<Org, CreateOrgError> {
    create_recorded(conn, new, ip, &Recorded { actor_id: Some(new.owner_id), action: "org.create", details: None })
}

/// `create`, with the activity row's actor, action and details given (an
/// organization set up by an operator for its owner).
pub fn create_recorded(
    conn: &mut AnyConnection,
    new: &NewOrg<'_>,
    ip: &str,
    recorded: &Recorded<'_>,
) -> Result<Org, CreateOrgError> {
    let NewOrg { name, slug, owner_id, owner_role, limit, now } = *new;
    let result = crate::db::write_transaction(conn, |conn| {
        let current: i64 = memberships::table.filter(memberships::user_id.eq(owner_id)).count().get_result(conn)?;
        if !limit.allows_another(current) {
            return Err(CreateOrgError::LimitReached);
        }
        let slug = free_slug(conn, slug)?;
        let org = Org {
            id: new_id(),
            name: name.as_str().to_string(),
            slug: slug.as_str().to_string(),
            owner_id: owner_id.to_string(),
            created_at: now,
            member_count: 1,
            // The owner's membership below moves it once.
            members_version: 1,
            sso_required: None,
            waiting_version: 0,
            facets_version: 0,
            billing_version: 0,
        };
        diesel::insert_into(organizations::table)
            .values((
                organizations::id.eq(&org.id),
                organizations::name.eq(&org.name),
                organizations::slug.eq(&org.slug),
                organizations::owner_id.eq(&org.owner_id),
                organizations::created_at.eq(now),
            ))
            .execute(conn)?;
        crate::store::members::insert_membership(conn, &org.id, owner_id, owner_role, "created", now)?;
        let details = recorded.details.map_or_else(|| format!("slug {}", org.slug), str::to_string);
        activity::record(
            conn,
            &NewActivity {
                id: new_id(),
                org_id: Some(&org.id),
                actor_id: recorded.actor_id,
                action: recorded.action,
                target: &org.name,
                details: &details,
                ip,
                created_at: now,
                via: None,
            },
        )?;
        Ok(org)
    });
    match result {
        // Two requests racing for one slug: the unique index decides.
        Err(CreateOrgError::Db(e)) if is_unique_violation(&e) => Err(CreateOrgError::SlugTaken),
        other => other,
    }
}

/// Gives the organization a new name and/or URL name, and records what
/// changed as `org.rename`. Returns false (and records nothing) when both are
/// what they were.
pub fn rename(
    conn: &mut AnyConnection,
    org_id: &str,
    name: &OrgName,
    slug: &Slug,
    actor: &Actor,
) -> Result<bool, RenameError> {
    let result = crate::db::write_transaction(conn, |conn| {
        let (old_name, old_slug): (String, String) =
            organizations::table.find(org_id).select((organizations::name, organizations::slug)).first(conn)?;
        let mut changes = Vec::new();
        if name.as_str() != old_name {
            changes.push(format!("name “{old_name}” → “{}”", name.as_str()));
        }
        if slug.as_str() != old_slug {
            let taken =
                organizations::table.filter(organizations::slug.eq(slug.as_str())).count().get_result::<i64>(conn)?;
            if taken > 0 {
                return Err(RenameError::SlugTaken);
            }
            changes.push(format!("URL name {old_slug} → {}", slug.as_str()));
        }
        if changes.is_empty() {
            return Ok(false);
        }
        diesel::update(organizations::table.find(org_id))
            .set((organizations::name.eq(name.as_str()), organizations::slug.eq(slug.as_str())))
            .execute(conn)?;
        actor.record(conn, org_id, "org.rename", name.as_str(), &changes.join("; "))?;
        webhooks::record(conn, org_id, "org.updated", actor.now, |conn| {
            let previous = json!({ "name": old_name, "slug": old_slug });
            payload::about_org(conn, org_id, json!({ "previous": previous }))
        })?;
        Ok(true)
    });
    match result {
        // Two renames racing for one slug: the unique index decides.
        Err(RenameError::Db(e)) if is_unique_violation(&e) => Err(RenameError::SlugTaken),
        other => other,
    }
}

/// The organization of `slug` if `user_id` is a member of it. A non-member
/// gets None, exactly as for an organization that does not exist.
pub fn find_for_member(conn: &mut AnyConnection, slug: &str, user_id: &str) -> QueryResult<Option<MemberView>> {
    let row: Option<(Org, String, PrimitiveDateTime, Option<String>)> = organizations::table
        .inner_join(memberships::table)
        .filter(organizations::slug.eq(slug))
        .filter(memberships::user_id.eq(user_id))
        .select((Org::as_select(), memberships::role, memberships::created_at, memberships::default_project_role))
        .first(conn)
        .optional()?;
    Ok(row.map(|(org, role, joined_at, default_project_role)| MemberView {
        org,
        role,
        joined_at,
        default_project_role,
    }))
}

/// Any organization by its id.
pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Org>> {
    organizations::table.find(id).select(Org::as_select()).first(conn).optional()
}

/// Any organization by its slug (the staff area; members go through `find_for_member`).
pub fn find_by_slug(conn: &mut AnyConnection, slug: &str) -> QueryResult<Option<Org>> {
    organizations::table.filter(organizations::slug.eq(slug)).select(Org::as_select()).first(conn).optional()
}

/// The owner's name and address; the member count is the one `org` was
/// read with (kept with every membership change).
pub fn details(conn: &mut AnyConnection, org: &Org) -> QueryResult<OrgDetails> {
    let (owner_name, owner_email): (String, String) =
        users::table.find(&org.owner_id).select((users::name, users::email)).first(conn)?;
    Ok(OrgDetails { owner_name, owner_email, member_count: i64::from(org.member_count) })
}

/// Deletes the organization and, through the foreign keys, everything of it
/// (memberships, invitations, their mail, its activity). The deletion itself
/// is recorded in the site-wide log (no organization).
pub fn delete(
    conn: &mut AnyConnection,
    org: &Org,
    actor_id: &str,
    ip: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let details = format!("slug {}, id {}", org.slug, org.id);
        activity::record(
            conn,
            &NewActivity {
                id: new_id(),
                org_id: None,
                actor_id: Some(actor_id),
                action: "org.delete",
                target: &org.name,
                details: &details,
                ip,
                created_at: now,
                via: None,
            },
        )?;
        let projects: Vec<String> =
            projects::table.filter(projects::org_id.eq(&org.id)).select(projects::id).load(conn)?;
        crate::store::billing::usage::keep_on_bills(conn, &projects)?;
        activity::forget_facets(conn, &org.id)?;
        // Told before its endpoints lose their organization; they stay until
        // this is delivered (store::webhooks::endpoints::mark_org_deleted).
        webhooks::record(conn, &org.id, "org.deleted", now, |conn| payload::about_org(conn, &org.id, json!({})))?;
        webhooks::endpoints::mark_org_deleted(conn, &org.id, now)?;
        diesel::delete(organizations::table.find(&org.id)).execute(conn)?;
        Ok(())
    })
}

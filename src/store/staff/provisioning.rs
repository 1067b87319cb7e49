//! Setting up an organization for a customer, by support staff with
//! staff.provision or by the operator's command line: one shared function,
//! all or nothing in one transaction. `plan` says what would happen (the
//! preview and `--dry-run`) or every problem; `provision` checks again
//! inside the transaction and does it.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{customers, organizations, project_grants, projects, users};
use crate::db::AnyConnection;
use crate::domain::provisioning::{Checked, Problem};
use crate::domain::{OrgLimit, Slug};
use crate::store::accounts::security_log::{self, SecurityEvent};
use crate::store::accounts::sessions::Client;
use crate::store::activity::{self, NewActivity};
use crate::store::billing::billed_members;
use crate::store::billing::usage;
use crate::store::new_id;
use crate::store::orgs::{self, NewOrg, Org, Recorded, SlugChoice};
use crate::store::outbox;
use crate::store::outbox::OutgoingMail;
use crate::store::projects::Project;

/// Who sets it up: support staff (their account) or the command line.
#[derive(Debug, Clone)]
pub struct Operator {
    pub user_id: Option<String>,
    /// "sam@support.example (support staff)" or "command line".
    pub label: String,
    pub ip: String,
}

impl Operator {
    fn record(
        &self,
        conn: &mut AnyConnection,
        org_id: &str,
        (action, target, details): (&str, &str, &str),
        now: PrimitiveDateTime,
    ) -> QueryResult<()> {
        let row = NewActivity {
            id: new_id(),
            org_id: Some(org_id),
            actor_id: self.user_id.as_deref(),
            action,
            target,
            details,
            ip: &self.ip,
            created_at: now,
            via: None,
        };
        activity::record(conn, &row)
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// A personal project that moves in, and what becomes of who reaches it.
#[derive(Debug, Clone)]
pub struct Move {
    pub project: Project,
    pub from: Person,
    /// Direct collaborators: (email, keeps their grant). The owner's goes
    /// (membership replaces it); the others keep theirs.
    pub collaborators: Vec<(String, bool)>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    /// Free when planned; `provision` creates the organization with it.
    pub slug: Slug,
    pub owner: Person,
    pub moves: Vec<Move>,
    pub billed: Vec<Person>,
    /// (id, external id, name)
    pub customer: Option<(String, String, String)>,
}

impl Plan {
    /// The previous owners who are not the new owner: they keep access to
    /// their project as direct collaborators with the owner role.
    pub fn kept_by_previous_owner(&self, m: &Move) -> bool {
        m.from.id != self.owner.id
    }

    /// What will happen, one line each: the preview's and `--dry-run`'s text.
    pub fn lines(&self, owner_role: &str) -> Vec<String> {
        let mut lines = vec![
            format!("Organization: {} (URL name {})", self.name, self.slug.as_str()),
            format!("Owner: {} <{}>, primary owner with the role {owner_role}", self.owner.name, self.owner.email),
        ];
        for m in &self.moves {
            let mut line =
                format!("Moves in: {} ({}) from {}'s personal space", m.project.name, m.project.slug, m.from.email);
            if self.kept_by_previous_owner(m) {
                line.push_str(&format!("; {} keeps access as a direct collaborator ({owner_role})", m.from.email));
            }
            for (email, keeps) in &m.collaborators {
                let fate = if *keeps { "keeps direct access" } else { "direct access replaced by membership" };
                line.push_str(&format!("; {email} {fate}"));
            }
            lines.push(line);
        }
        for p in &self.billed {
            lines.push(format!("Billed: {} <{}>: their personal usage is paid by {}", p.name, p.email, self.name));
        }
        if let Some((_, external_id, name)) = &self.customer {
            lines.push(format!("Customer account: {external_id} ({name}) linked"));
        }
        lines.push(format!("Only {} is a member at first, and is told by email.", self.owner.email));
        lines
    }
}

fn person(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<(Person, bool)>> {
    users::table
        .filter(users::email.eq(email))
        .order(users::email_verified.desc())
        .select(((users::id, users::name, users::email), users::email_verified))
        .first(conn)
        .optional()
}

/// What `provision` would do with `c`, or every problem in it.
pub fn plan(conn: &mut AnyConnection, c: &Checked) -> QueryResult<Result<Plan, Vec<Problem>>> {
    let mut problems = Vec::new();
    let owner = match person(conn, c.owner.as_str())? {
        Some((p, true)) => Some(p),
        Some(_) => {
            problems.push(Problem::new("owner", c.owner.as_str(), "this account has not verified its address"));
            None
        }
        None => {
            let message = "no account has this address: the owner must have signed in once";
            problems.push(Problem::new("owner", c.owner.as_str(), message));
            None
        }
    };
    let choice = match &c.slug {
        Some(slug) => Some(SlugChoice::Explicit(slug.clone())),
        None => Slug::derive(c.name.as_str()).map(SlugChoice::Derived),
    };
    let slug = match choice.map(|choice| orgs::free_slug(conn, &choice)) {
        Some(Ok(slug)) => Some(slug),
        Some(Err(orgs::CreateOrgError::Db(e))) => return Err(e),
        Some(Err(_)) => {
            let typed = c.slug.as_ref().map_or("", |s| s.as_str());
            problems.push(Problem::new("slug", typed, format!("the URL name {typed} is taken")));
            None
        }
        None => {
            problems.push(Problem::new("slug", "", "the name gives no URL name: type one"));
            None
        }
    };
    let mut moves: Vec<Move> = Vec::new();
    for t in &c.transfers {
        let Some((from, _)) = person(conn, t.owner.as_str())? else {
            problems.push(Problem::new(
                "transfer",
                &t.typed,
                format!("no account has the address {}", t.owner.as_str()),
            ));
            continue;
        };
        // By URL name, else by name (which must then name one project).
        let mut found: Vec<Project> = projects::table
            .filter(projects::owner_user_id.eq(&from.id))
            .filter(projects::slug.eq(&t.project).or(projects::name.eq(&t.project)))
            .select(Project::as_select())
            .load(conn)?;
        if let Some(i) = found.iter().position(|p| p.slug == t.project) {
            found = vec![found.swap_remove(i)];
        }
        let project = match found.len() {
            1 => found.remove(0),
            0 => {
                let message = format!(
                    "{} has no personal project with this URL name or name (a project already in an organization \
                     is moved with its Transfer page)",
                    from.email
                );
                problems.push(Problem::new("transfer", &t.typed, message));
                continue;
            }
            n => {
                let message = format!("{} has {n} personal projects with this name: use the URL name", from.email);
                problems.push(Problem::new("transfer", &t.typed, message));
                continue;
            }
        };
        if moves.iter().any(|m| m.project.id == project.id) {
            problems.push(Problem::new("transfer", &t.typed, "the same project is named twice"));
            continue;
        }
        if moves.iter().any(|m| m.project.slug == project.slug) {
            let message = format!("another project moving in has the URL name {}", project.slug);
            problems.push(Problem::new("transfer", &t.typed, message));
            continue;
        }
        let owner_id = owner.as_ref().map(|o| o.id.clone()).unwrap_or_default();
        let collaborators: Vec<(String, bool)> = project_grants::table
            .inner_join(users::table.on(users::id.eq(project_grants::user_id)))
            .filter(project_grants::project_id.eq(&project.id))
            .filter(project_grants::direct.eq(true))
            .order(users::email.asc())
            .select((users::email, users::id))
            .load::<(String, String)>(conn)?
            .into_iter()
            .map(|(email, id)| (email, id != owner_id))
            .collect();
        moves.push(Move { project, from, collaborators });
    }
    let mut billed = Vec::new();
    for email in &c.billed {
        let Some((p, _)) = person(conn, email.as_str())? else {
            problems.push(Problem::new("billed", email.as_str(), "no account has this address"));
            continue;
        };
        if let Some((org_name, since)) = billed_members::payer_of(conn, &p.id)? {
            let message =
                format!("already billed to {org_name} (since {}); {org_name} must remove them first", since.date());
            problems.push(Problem::new("billed", email.as_str(), message));
            continue;
        }
        billed.push(p);
    }
    let customer = match &c.customer {
        None => None,
        Some(external_id) => {
            let found: Option<(String, String, String, Option<String>)> = customers::table
                .filter(customers::external_id.eq(external_id))
                .select((customers::id, customers::external_id, customers::name, customers::org_id))
                .first(conn)
                .optional()?;
            match found {
                None => {
                    problems.push(Problem::new("customer", external_id, "no imported customer account has this id"));
                    None
                }
                Some((_, _, _, Some(org_id))) => {
                    let org_name: String =
                        organizations::table.find(&org_id).select(organizations::name).first(conn)?;
                    let message = format!("this customer account is linked to {org_name} already");
                    problems.push(Problem::new("customer", external_id, message));
                    None
                }
                Some((id, external_id, name, None)) => Some((id, external_id, name)),
            }
        }
    };
    Ok(match (owner, slug) {
        (Some(owner), Some(slug)) if problems.is_empty() => {
            Ok(Plan { name: c.name.as_str().to_string(), slug, owner, moves, billed, customer })
        }
        _ => Err(problems),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("the request has problems")]
    Problems(Vec<Problem>),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// What the new organization's owner is told: a mail from the plan and the
/// organization's URL name (None: no mail).
pub type OwnerMail<'a> = &'a dyn Fn(&Plan, &Org) -> Option<OutgoingMail>;

/// Sets the organization up as `plan` says, all or nothing: the
/// organization with its owner, the moved projects (previous owners keep
/// access as direct collaborators), billed members, the customer link, the
/// activity rows, each previous owner's security log and the owner's mail.
pub fn provision(
    conn: &mut AnyConnection,
    c: &Checked,
    op: &Operator,
    owner_role: &str,
    mail: OwnerMail<'_>,
    now: PrimitiveDateTime,
) -> Result<(Org, Plan), ProvisionError> {
    crate::db::write_transaction(conn, |conn| {
        let plan = plan(conn, c)?.map_err(ProvisionError::Problems)?;
        let moved: Vec<String> =
            plan.moves.iter().map(|m| format!("{} (from {})", m.project.name, m.from.email)).collect();
        let mut details = vec![format!("set up by {}", op.label), format!("owner {}", plan.owner.email)];
        if !moved.is_empty() {
            details.push(format!("moved: {}", moved.join(", ")));
        }
        if !plan.billed.is_empty() {
            let emails: Vec<&str> = plan.billed.iter().map(|p| p.email.as_str()).collect();
            details.push(format!("billed: {}", emails.join(", ")));
        }
        if let Some((_, external_id, _)) = &plan.customer {
            details.push(format!("customer {external_id}"));
        }
        let details = details.join("; ");
        let slug = SlugChoice::Explicit(plan.slug.clone());
        let new = NewOrg {
            name: &c.name,
            slug: &slug,
            owner_id: &plan.owner.id,
            owner_role,
            limit: OrgLimit::Unlimited,
            now,
        };
        let recorded = Recorded { actor_id: op.user_id.as_deref(), action: "org.provision", details: Some(&details) };
        let org = orgs::create_recorded(conn, &new, &op.ip, &recorded).map_err(|e| match e {
            orgs::CreateOrgError::Db(e) => ProvisionError::Db(e),
            _ => ProvisionError::Problems(vec![Problem::new("slug", plan.slug.as_str(), "the URL name is taken")]),
        })?;
        for m in &plan.moves {
            move_in(conn, &org, &plan, m, op, owner_role, now)?;
        }
        for p in &plan.billed {
            billed_members::start_period(conn, &org.id, &p.id, &op.label, now)?;
            op.record(
                conn,
                &org.id,
                ("billing.member_add", &p.email, "personal usage billed to the organization"),
                now,
            )?;
        }
        if let Some((customer_id, _, _)) = &plan.customer {
            diesel::update(customers::table.find(customer_id)).set(customers::org_id.eq(&org.id)).execute(conn)?;
        }
        if let Some(m) = mail(&plan, &org) {
            outbox::enqueue_for(conn, None, &m, now)?;
        }
        Ok((org, plan))
    })
}

fn move_in(
    conn: &mut AnyConnection,
    org: &Org,
    plan: &Plan,
    m: &Move,
    op: &Operator,
    owner_role: &str,
    now: PrimitiveDateTime,
) -> Result<(), ProvisionError> {
    let project_id = &m.project.id;
    diesel::update(projects::table.find(project_id))
        .set((projects::org_id.eq(Some(&org.id)), projects::owner_user_id.eq(None::<String>)))
        .execute(conn)?;
    // The owner's direct grant gives way to membership; the others keep theirs.
    let n = diesel::delete(project_grants::table.find((project_id, &plan.owner.id))).execute(conn)?;
    if n > 0 {
        let details = format!("on {}: organization access", m.project.name);
        op.record(conn, &org.id, ("project.direct_replaced", &plan.owner.email, &details), now)?;
    }
    if plan.kept_by_previous_owner(m) {
        diesel::insert_into(project_grants::table)
            .values((
                project_grants::project_id.eq(project_id),
                project_grants::user_id.eq(&m.from.id),
                project_grants::role.eq(owner_role),
                project_grants::direct.eq(true),
                project_grants::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    usage::record_owner(conn, project_id, now, Some(&org.id), None)?;
    let details = format!("from {}'s personal space, set up by {}", m.from.email, op.label);
    op.record(conn, &org.id, ("project.transfer", &m.project.name, &details), now)?;
    crate::store::projects::transfer::transferred(conn, project_id, None, &org.id, now)?;
    let client = Client { ip: op.ip.clone(), user_agent: op.label.clone() };
    let details = format!("{} moved from your personal space to {} (set up by {})", m.project.name, org.name, op.label);
    security_log::record(conn, &m.from.id, SecurityEvent::ProjectMoved, &client, &details, now)?;
    Ok(())
}

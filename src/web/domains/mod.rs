//! Organization -> Domains (`org.manage`): claim a domain, publish the TXT
//! record it shows, Verify, choose what people with an address there may do
//! (`page`, `domain`); and joining by a verified domain (`join`): Join or
//! Ask to join from Getting Started, approve or decline on the Members page.
//! Here: how a stored domain is shown.

pub mod domain;
pub mod join;
pub mod page;

use crate::dns::Dns;
use crate::domain::verified_domain::{proves, JoinPolicy, GRACE};
use crate::domain::RoleCatalog;
use crate::store::domains::{joinable_role, DomainRow};
use crate::web::format;

/// One domain as the page (and the staff's read-only copy) shows it.
pub struct DomainItem {
    pub id: String,
    pub domain: String,
    pub record_name: String,
    pub record_value: String,
    pub verified: bool,
    /// "Verified on ..., last checked ..." or "Not verified yet".
    pub status: String,
    /// Set while a verified domain's record is missing.
    pub warning: Option<String>,
    pub policy: &'static str,
    pub policy_label: &'static str,
    pub role: String,
    /// What Verify just found, shown in the domain's card.
    pub message: Option<(bool, String)>,
}

pub fn item(row: DomainRow) -> DomainItem {
    let name = row.name();
    let status = match (row.verified_at, row.checked_at) {
        (Some(at), Some(checked)) => {
            format!("Verified on {}; checked daily, last on {}.", format::date(at), format::date_time(checked))
        }
        (Some(at), None) => format!("Verified on {}.", format::date(at)),
        (None, Some(checked)) => format!("Not verified yet; last looked up {}.", format::date_time(checked)),
        (None, None) => "Not verified yet.".to_string(),
    };
    let warning = match (row.verified_at, row.failing_since) {
        (Some(_), Some(since)) => Some(format!(
            "The record has been missing since {}. Unless it is found again, the domain returns to unverified on {}.",
            format::date_time(since),
            format::date(since + GRACE)
        )),
        _ => None,
    };
    let policy = row.policy();
    DomainItem {
        id: row.id,
        record_name: name.challenge_name(),
        domain: row.domain,
        record_value: row.challenge,
        verified: row.verified_at.is_some(),
        status,
        warning,
        policy: policy.stored(),
        policy_label: policy.label(),
        role: row.join_role,
        message: None,
    }
}

/// A policy choice of the form.
pub struct PolicyChoice {
    pub value: &'static str,
    pub label: &'static str,
}

pub fn policy_choices() -> Vec<PolicyChoice> {
    JoinPolicy::ALL.iter().map(|p| PolicyChoice { value: p.stored(), label: p.label() }).collect()
}

/// The role a new claim's join policy gives until an admin picks another:
/// the catalog's default, or the first role a domain may give.
pub fn first_join_role(catalog: &RoleCatalog) -> String {
    let default = catalog.default_role().to_string();
    if joinable_role(catalog, &default) {
        return default;
    }
    joinable_roles(catalog).into_iter().next().unwrap_or(default)
}

/// Verify: looks the record up now and records what it found. Ok(None)
/// when the domain is verified, Ok(Some(why)) when the record did not
/// prove it; `TakenElsewhere` when another organization holds it.
pub async fn verify_now(
    state: &crate::web::AppState,
    org_id: &str,
    row: &DomainRow,
    actor: crate::store::changes::Actor,
) -> Result<Result<Option<String>, crate::store::domains::DomainError>, crate::error::AppError> {
    use crate::store::domains::claims;
    let why = look_up(&state.dns, row).await;
    let (org_id, id) = (org_id.to_string(), row.id.clone());
    crate::db::run(&state.pool, move |conn| {
        Ok::<_, crate::error::AppError>(match why {
            None => claims::mark_verified(conn, &org_id, &id, &actor).map(|()| None),
            Some(why) => claims::mark_not_found(conn, &org_id, &id, &why, &actor).map(|()| Some(why)),
        })
    })
    .await
}

/// The roles a join policy may give.
pub fn joinable_roles(catalog: &RoleCatalog) -> Vec<String> {
    catalog.roles().iter().filter(|r| joinable_role(catalog, &r.name)).map(|r| r.name.clone()).collect()
}

/// Looks the domain's TXT record up now: None when it proves the claim,
/// else what was found instead, said for the person (or API client) who
/// pressed Verify.
pub async fn look_up(dns: &Dns, row: &DomainRow) -> Option<String> {
    let record = row.name().challenge_name();
    match dns.txt(&record).await {
        Ok(found) if proves(&found, &row.challenge) => None,
        Ok(found) if found.is_empty() => Some(format!(
            "No TXT record was found at {record}. DNS changes can take a few minutes to spread; try again then."
        )),
        Ok(_) => {
            Some(format!("The TXT records at {record} do not hold the value shown below. Check it was copied whole."))
        }
        Err(e) => Some(format!("The lookup of {record} did not get an answer ({e}). Try again in a few minutes.")),
    }
}

//! Background upkeep of the database, shortly after start and then every
//! ten minutes: the member search index's segments merged (see
//! [`search_index::tidy`]) in short steps that leave room for other
//! writers; invitations that ran out marked expired (each an
//! `invitation.expired` webhook event); webhook events older than 30 days
//! pruned with their deliveries ([`deliveries::prune`]); verified domains
//! looked up again once a day ([`recheck_domains`]), one missing its record
//! at 7 daily checks in a row returned to unverified and its organization's admins mailed.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};
use url::Url;

use crate::clock::Clock;
use crate::db::{self, Pool};
use crate::dns::Dns;
use crate::domain::verified_domain::{self, proves};
use crate::domain::{Permission, RoleCatalog};
use crate::mail::domain_mail::DomainLapsedMail;
use crate::store::domains::recheck;
use crate::store::members::{invite_batch, search_index};
use crate::store::outbox;
use crate::store::webhooks::deliveries;

/// After start: soon, but not while the server is still getting ready.
const FIRST: Duration = Duration::from_secs(5);
const EVERY: Duration = Duration::from_secs(600);
/// Steps per round (about 20 ms each); a round that does not finish goes on
/// at the next.
const MAX_STEPS: usize = 100;

/// Domains looked up per round; the rest wait for the next.
const DOMAINS_PER_ROUND: i64 = 200;

/// What upkeep works with.
#[derive(Clone)]
pub struct Upkeep {
    pub pool: Pool,
    pub clock: Clock,
    pub dns: Dns,
    pub catalog: Arc<RoleCatalog>,
    pub base_url: Url,
    pub mail_wakeup: Arc<Notify>,
}

pub fn spawn(upkeep: Upkeep, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    let Upkeep { pool, clock, .. } = upkeep.clone();
    tokio::spawn(async move {
        let mut wait = FIRST;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                // Told to stop, or the server that could tell it is gone.
                _ = stop.wait_for(|stopping| *stopping) => break,
            }
            let merged = db::run(&pool, |conn| search_index::tidy(conn, MAX_STEPS).map_err(anyhow::Error::from)).await;
            match merged {
                Ok(0) => {}
                Ok(steps) => tracing::info!(steps, "member search index merged"),
                Err(e) => tracing::warn!(error = %e, "member search index: cannot merge"),
            }
            let now = clock.now();
            match db::run(&pool, move |conn| invite_batch::expire_everywhere(conn, now).map_err(anyhow::Error::from))
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(invitations = n, "invitations expired"),
                Err(e) => tracing::warn!(error = %e, "cannot expire invitations"),
            }
            match db::run(&pool, move |conn| deliveries::prune(conn, now).map_err(anyhow::Error::from)).await {
                Ok(0) => {}
                Ok(rows) => tracing::info!(rows, "old webhook events pruned"),
                Err(e) => tracing::warn!(error = %e, "webhooks: cannot prune old events"),
            }
            match recheck_domains(&upkeep).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(domains = n, "verified domains checked"),
                Err(e) => tracing::warn!(error = %e, "verified domains: cannot check"),
            }
            wait = EVERY;
        }
    })
}

/// Looks up every verified domain not checked for a day and records what
/// it found; returns how many were checked. Public for the tests, which
/// move the clock instead of waiting for the next round.
pub async fn recheck_domains(upkeep: &Upkeep) -> anyhow::Result<usize> {
    let now = upkeep.clock.now();
    let due =
        db::run(&upkeep.pool, move |conn| recheck::due(conn, now, DOMAINS_PER_ROUND).map_err(anyhow::Error::from))
            .await?;
    let managers = upkeep.catalog.roles_with(Permission::OrgManage);
    let mut mailed = false;
    for check in &due {
        let name = verified_domain::DomainName::from_stored(check.domain.clone()).challenge_name();
        let (found, why) = match upkeep.dns.txt(&name).await {
            Ok(txt) if proves(&txt, &check.challenge) => (true, String::new()),
            Ok(_) => (false, format!("no TXT record {name} with the challenge")),
            Err(e) => (false, e.to_string()),
        };
        let outcome = verified_domain::recheck(found, check.failing_since, now);
        let (check, managers, base) = (check.clone(), managers.clone(), upkeep.base_url.clone());
        mailed |= db::run(&upkeep.pool, move |conn| {
            db::write_transaction(conn, |conn| {
                let Some(notice) = recheck::record(conn, &check, outcome, &why, &managers, now)? else {
                    return Ok::<_, anyhow::Error>(false);
                };
                let link = base.join(&format!("/orgs/{}/domains", notice.org_slug))?.to_string();
                for (name, email) in &notice.managers {
                    let mail = DomainLapsedMail {
                        to: email.clone(),
                        name: name.clone(),
                        org_name: notice.org_name.clone(),
                        domain: notice.domain.clone(),
                        record: verified_domain::DomainName::from_stored(notice.domain.clone()).challenge_name(),
                        link: link.clone(),
                    };
                    outbox::enqueue_for(conn, None, &mail.render()?, now)?;
                }
                Ok(!notice.managers.is_empty())
            })
        })
        .await?;
    }
    if mailed {
        upkeep.mail_wakeup.notify_one();
    }
    Ok(due.len())
}

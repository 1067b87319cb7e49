//! Delivers the webhook queue (`store::webhooks::deliveries`): claims the
//! endpoints that have a delivery due, and sends each one's queue oldest
//! first, a few endpoints at a time. A failure schedules the delivery again
//! (`domain::webhook::retry`) and holds the endpoint's later events back, so
//! they arrive in order; after three days of failures the endpoint is
//! turned off and its managers are mailed once. Nothing is sent inside a
//! request, and a restart loses nothing: the queue is in the database.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};
use url::Url;

use crate::clock::Clock;
use crate::db::{self, Pool};
use crate::domain::roles::{Permission, RoleCatalog};
use crate::domain::sealed::{Sealed, SecretsKey, WEBHOOK_SECRET};
use crate::domain::webhook::endpoint_url::EndpointUrl;
use crate::domain::webhook::retry;
use crate::domain::webhook::signature::{self, SigningSecret};
use crate::mail::webhook_mail::EndpointDisabledMail;
use crate::store::outbox;
use crate::store::webhooks::deliveries::{self, Attempt, Claimed, Due};
use crate::store::webhooks::payload;

/// A receiver has this long to answer, headers and body.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Of a response's body, this much is kept for the deliveries page.
pub const RESPONSE_KEPT: usize = 4096;
const POLL: Duration = Duration::from_secs(1);
/// Longer than a queue of `PER_TURN` deliveries at [`TIMEOUT`] would take
/// is not needed: a worker sends at most that many before it lets go.
const LEASE: Duration = Duration::from_secs(120);
const ENDPOINTS_AT_ONCE: i64 = 8;
const PER_TURN: usize = 10;

pub struct Worker {
    pub pool: Pool,
    pub clock: Clock,
    /// ORGPORTAL_WEBHOOKS_ALLOW_PRIVATE: loopback and private addresses too.
    pub allow_private: bool,
    /// Opens the sealed signing secrets.
    pub secrets: Arc<SecretsKey>,
    pub catalog: Arc<RoleCatalog>,
    pub base_url: Url,
    pub mail_wakeup: Arc<Notify>,
    /// Poked by requests that queued an event, so it goes out at once.
    pub wakeup: Arc<Notify>,
    pub stop: watch::Receiver<bool>,
}

impl Worker {
    pub fn spawn(mut self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            while !*self.stop.borrow() {
                match self.tick().await {
                    Ok(n) if n as i64 >= ENDPOINTS_AT_ONCE => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "webhooks: cannot read the queue"),
                }
                tokio::select! {
                    _ = self.wakeup.notified() => {}
                    _ = tokio::time::sleep(POLL) => {}
                    changed = self.stop.changed() => if changed.is_err() { break },
                }
            }
            tracing::info!("webhook worker stopped");
        })
    }

    /// One pass: the claimed endpoints' queues, side by side; returns how
    /// many endpoints were claimed.
    pub async fn tick(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let claimed = db::run(&self.pool, move |conn| {
            deliveries::claim(conn, now, LEASE, ENDPOINTS_AT_ONCE).map_err(anyhow::Error::from)
        })
        .await?;
        let n = claimed.len();
        let runs = claimed.into_iter().map(|endpoint| self.deliver_queue(endpoint));
        for result in futures_util::future::join_all(runs).await {
            if let Err(e) = result {
                tracing::warn!(error = %e, "webhooks: an endpoint's queue stopped");
            }
        }
        Ok(n)
    }

    async fn deliver_queue(&self, endpoint: Claimed) -> anyhow::Result<()> {
        let result = self.deliver_some(&endpoint).await;
        let id = endpoint.id.clone();
        db::run(&self.pool, move |conn| deliveries::release(conn, &id).map_err(anyhow::Error::from)).await?;
        result
    }

    async fn deliver_some(&self, endpoint: &Claimed) -> anyhow::Result<()> {
        for _ in 0..PER_TURN {
            let id = endpoint.id.clone();
            let head =
                db::run(&self.pool, move |conn| deliveries::head(conn, &id).map_err(anyhow::Error::from)).await?;
            let Some(due) = head else { return Ok(()) };
            if *self.stop.borrow() {
                return Ok(());
            }
            if due.next_attempt_at > self.clock.now() {
                // A newer event arrived while the oldest waits for its retry.
                let (id, at) = (endpoint.id.clone(), due.next_attempt_at);
                db::run(&self.pool, move |conn| {
                    db::write_transaction(conn, |conn| deliveries::hold_behind(conn, &id, at))
                        .map_err(anyhow::Error::from)
                })
                .await?;
                return Ok(());
            }
            let attempt = send(self, endpoint, &due, self.clock.now()).await;
            let delivered = attempt.status.is_some_and(|s| (200..300).contains(&s));
            if delivered {
                tracing::info!(event = %due.event_id, endpoint = %endpoint.id, "webhook delivered");
                let (endpoint_id, attempt) = (endpoint.id.clone(), attempt);
                db::run(&self.pool, move |conn| {
                    deliveries::record(conn, &due, &endpoint_id, &attempt, true, None).map_err(anyhow::Error::from)
                })
                .await?;
                continue;
            }
            self.failed(endpoint, due, attempt).await?;
            return Ok(());
        }
        Ok(())
    }

    /// Schedules the delivery again, or, three days into the endpoint's
    /// failures, gives it up and turns the endpoint off.
    async fn failed(&self, endpoint: &Claimed, due: Due, attempt: Attempt) -> anyhow::Result<()> {
        let at = attempt.at;
        let first = due.first_attempt_at.unwrap_or(at);
        let retry_at = retry::next_try(first.assume_utc(), (due.attempts + 1) as u32, at.assume_utc(), rand::random())
            .map(|t| time::PrimitiveDateTime::new(t.date(), t.time()));
        let failing_since = endpoint.failing_since.unwrap_or(at);
        let give_up = retry_at.is_none() || failing_since + retry::GIVE_UP_AFTER <= at;
        tracing::warn!(event = %due.event_id, endpoint = %endpoint.id, error = ?attempt.error, status = ?attempt.status,
            give_up, "webhook delivery failed");
        let retry_at = if give_up { None } else { retry_at };
        let (endpoint_id, roles) = (endpoint.id.clone(), self.catalog.roles_with(Permission::WebhooksManage));
        let base = self.base_url.clone();
        let mailed = db::run(&self.pool, move |conn| {
            db::write_transaction(conn, |conn| {
                deliveries::record(conn, &due, &endpoint_id, &attempt, false, retry_at)?;
                if !give_up || !deliveries::disable(conn, &endpoint_id, "It failed every delivery for 3 days.")? {
                    return Ok::<_, anyhow::Error>(false);
                }
                let Some(notice) = deliveries::disabled_notice(conn, &endpoint_id, &roles)? else { return Ok(false) };
                let link = base.join(&format!("/orgs/{}/webhooks/{}", notice.org_slug, endpoint_id))?.to_string();
                for (name, email) in &notice.managers {
                    let mail = EndpointDisabledMail {
                        to: email.clone(),
                        name: name.clone(),
                        org_name: notice.org_name.clone(),
                        url: notice.url.clone(),
                        failing_since: payload::time(failing_since),
                        last_error: attempt.error.clone().unwrap_or_else(|| "no answer".into()),
                        link: link.clone(),
                    };
                    outbox::enqueue_for(conn, None, &mail.render()?, attempt.at)?;
                }
                Ok(!notice.managers.is_empty())
            })
        })
        .await?;
        if mailed {
            self.mail_wakeup.notify_one();
        }
        Ok(())
    }
}

/// One attempt: the URL judged again, its name resolved and the addresses
/// judged, the request sent only to those (pinned: the name is not looked
/// up a second time), no redirect followed.
async fn send(worker: &Worker, endpoint: &Claimed, due: &Due, at: time::PrimitiveDateTime) -> Attempt {
    let (allow_private, sealed_with) = (worker.allow_private, &worker.secrets);
    let started = Instant::now();
    let failed = |error: String| Attempt {
        at,
        status: None,
        duration_ms: started.elapsed().as_millis().min(i32::MAX as u128) as i32,
        error: Some(error),
        response: None,
    };
    let url = match EndpointUrl::parse(&endpoint.url, allow_private) {
        Ok(url) => url,
        Err(e) => return failed(e.to_string()),
    };
    let addresses = match super::resolve::allowed_addresses(&url, allow_private).await {
        Ok(found) => found,
        Err(e) => return failed(e.to_string()),
    };
    let (host, _) = url.host_and_port();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .resolve_to_addrs(&host, &addresses)
        .user_agent("orgportal-webhooks")
        .build();
    let client = match client {
        Ok(c) => c,
        Err(e) => return failed(format!("cannot send: {e}")),
    };
    let body = payload::body(&due.event_type, &due.data, due.event_at);
    let timestamp = at.assume_utc().unix_timestamp();
    let mut secrets = Vec::new();
    for stored in std::iter::once(&endpoint.secret).chain(endpoint.previous_secret.as_ref()) {
        let text = match sealed_with.open(WEBHOOK_SECRET, &Sealed(stored.clone())) {
            Ok(text) => text,
            Err(e) => return failed(format!("the signing secret cannot be opened: {e}")),
        };
        match SigningSecret::parse(&text) {
            Ok(s) => secrets.push(s),
            Err(e) => return failed(format!("the signing secret is damaged: {e}")),
        }
    }
    let secrets: Vec<&SigningSecret> = secrets.iter().collect();
    let signature = signature::header(&secrets, &due.event_id, timestamp, body.as_bytes());
    let sent = client
        .post(url.as_str())
        .header("content-type", "application/json")
        .header("webhook-id", &due.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    let mut response = match sent {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return failed(format!("no answer within {} seconds", TIMEOUT.as_secs())),
        Err(e) => return failed(format!("cannot connect: {}", root_cause(&e))),
    };
    let status = response.status();
    let mut kept = Vec::new();
    while kept.len() < RESPONSE_KEPT {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk[..chunk.len().min(RESPONSE_KEPT - kept.len())]),
            _ => break,
        }
    }
    let error = if status.is_success() {
        None
    } else if status.is_redirection() {
        Some(format!("answered {status}; redirects are not followed"))
    } else {
        Some(format!("answered {status}"))
    };
    Attempt {
        at,
        status: Some(status.as_u16() as i32),
        duration_ms: started.elapsed().as_millis().min(i32::MAX as u128) as i32,
        error,
        response: Some(String::from_utf8_lossy(&kept).into_owned()),
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

//! Background upkeep of the database, shortly after start and then every
//! ten minutes: the member search index's segments merged (see
//! [`search_index::tidy`]) in short steps that leave room for other
//! writers; invitations that ran out marked expired (each an
//! `invitation.expired` webhook event); webhook events older than 30 days
//! pruned with their deliveries ([`deliveries::prune`]).

use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Clock;
use crate::db::{self, Pool};
use crate::store::members::{invite_batch, search_index};
use crate::store::webhooks::deliveries;

/// After start: soon, but not while the server is still getting ready.
const FIRST: Duration = Duration::from_secs(5);
const EVERY: Duration = Duration::from_secs(600);
/// Steps per round (about 20 ms each); a round that does not finish goes on
/// at the next.
const MAX_STEPS: usize = 100;

pub fn spawn(pool: Pool, clock: Clock, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
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
            wait = EVERY;
        }
    })
}

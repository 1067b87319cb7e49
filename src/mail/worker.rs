//! Delivers the outbox: claims due messages, sends them, and on failure
//! schedules a retry with exponential backoff. A restart loses nothing: what
//! was not sent is still in the table.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use tokio::sync::{watch, Notify};

use super::Transport;
use crate::clock::Clock;
use crate::db::{self, Pool};
use crate::store::outbox;

/// After this many failed attempts a message is marked failed for good.
pub const MAX_ATTEMPTS: i32 = 12;
const POLL: Duration = Duration::from_secs(2);
const LEASE: Duration = Duration::from_secs(120);
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

pub struct Worker {
    pub pool: Pool,
    pub transport: Arc<Transport>,
    pub from: Mailbox,
    pub clock: Clock,
    pub retry_base: Duration,
    /// Poked by requests that queued mail, so it goes out at once.
    pub wakeup: Arc<Notify>,
    /// True when the server is shutting down: the worker finishes the
    /// message it is sending, records it, and stops before the next.
    pub stop: watch::Receiver<bool>,
}

/// Wait before attempt `attempts + 1`: base, 2×base, 4×base... capped.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let factor = 2u32.saturating_pow(attempts.clamp(0, 20) as u32);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

impl Worker {
    pub fn spawn(mut self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            while !self.stopping() {
                if let Err(e) = self.tick().await {
                    tracing::warn!(error = %e, "mail outbox: cannot read the queue");
                }
                tokio::select! {
                    _ = self.wakeup.notified() => {}
                    _ = tokio::time::sleep(POLL) => {}
                    // Without a sender (the server is gone) this would fire at once, forever.
                    changed = self.stop.changed() => if changed.is_err() { break },
                }
            }
            tracing::info!("mail worker stopped");
        })
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// One pass over the due messages; returns how many were sent.
    pub async fn tick(&self) -> anyhow::Result<usize> {
        if self.stopping() {
            return Ok(0);
        }
        let now = self.clock.now();
        let due = db::run(&self.pool, move |conn| outbox::claim_due(conn, now, LEASE, 20).map_err(anyhow::Error::from))
            .await?;
        let mut sent = 0;
        for mail in due {
            // Claimed but not sent: another worker takes it when the lease ends.
            if self.stopping() {
                break;
            }
            let result = self.transport.deliver(&self.from, &mail).await;
            let now = self.clock.now();
            let (id, attempts, retry_base) = (mail.id.clone(), mail.attempts, self.retry_base);
            match &result {
                Ok(()) => {
                    sent += 1;
                    tracing::info!(mail_id = %id, "mail delivered");
                }
                Err(e) => tracing::warn!(mail_id = %id, attempt = attempts + 1, error = %e, "mail delivery failed"),
            }
            db::run(&self.pool, move |conn| {
                match result {
                    Ok(()) => outbox::mark_sent(conn, &id, now),
                    Err(e) => {
                        let retry = (attempts + 1 < MAX_ATTEMPTS).then(|| {
                            now + time::Duration::try_from(backoff(retry_base, attempts))
                                .unwrap_or(time::Duration::HOUR)
                        });
                        outbox::mark_failed(conn, &id, &e, retry)
                    }
                }
                .map_err(anyhow::Error::from)
            })
            .await?;
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 0), Duration::from_secs(30));
        assert_eq!(backoff(base, 1), Duration::from_secs(60));
        assert_eq!(backoff(base, 3), Duration::from_secs(240));
        assert_eq!(backoff(base, 15), MAX_BACKOFF);
    }
}

//! Delivers the outbox: claims due messages, sends them, and on failure
//! schedules a retry with exponential backoff. A restart loses nothing: what
//! was not sent is still in the table.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lettre::message::Mailbox;
use tokio::sync::{watch, Notify};

use super::Transport;
use crate::clock::Clock;
use crate::db::{self, Pool};
use crate::store::outbox;

/// After this many failed attempts a message is marked failed for good.
pub const MAX_ATTEMPTS: i32 = 12;
const POLL: Duration = Duration::from_secs(2);
/// After a wake-up, the worker waits this long for more mail before it
/// claims: at a few hundred invitations a second, one claim (a turn of
/// SQLite's one writer) every 50 ms instead of one per request. Issue 29's
/// invite bench: the claims and their records held the writer 1 ms of each
/// invite request's 2.5.
const GATHER: Duration = Duration::from_millis(50);
/// Messages claimed at once; a full claim is followed by the next at once.
const BATCH: i64 = 100;
const LEASE: Duration = Duration::from_secs(120);
/// Messages on their way at once (the relay keeps as many connections idle).
const IN_FLIGHT: usize = 8;
/// Delivered mail is recorded at least this often within a batch.
const RECORD_EVERY: Duration = Duration::from_secs(1);
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
                match self.tick().await {
                    Ok(claimed) if claimed as i64 >= BATCH => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "mail outbox: cannot read the queue"),
                }
                tokio::select! {
                    _ = self.wakeup.notified() => {}
                    _ = tokio::time::sleep(POLL) => continue,
                    // Without a sender (the server is gone) this would fire at once, forever.
                    changed = self.stop.changed() => if changed.is_err() { break } else { continue },
                }
                tokio::select! {
                    _ = tokio::time::sleep(GATHER) => {}
                    changed = self.stop.changed() => if changed.is_err() { break },
                }
            }
            tracing::info!("mail worker stopped");
        })
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// One pass over the due messages; returns how many were claimed.
    pub async fn tick(&self) -> anyhow::Result<usize> {
        if self.stopping() {
            return Ok(0);
        }
        let now = self.clock.now();
        let due =
            db::run(&self.pool, move |conn| outbox::claim_due(conn, now, LEASE, BATCH).map_err(anyhow::Error::from))
                .await?;
        let claimed = due.len();
        let (mut outcomes, mut since) = (Vec::new(), std::time::Instant::now());
        // Several at once: each message is four round trips to the relay
        // (MAIL, RCPT, DATA, the message), which a relay across a network or
        // one slow to answer makes the worker's pace. Once stopping,
        // no new message is started; those on their way finish and are
        // recorded (claimed but not sent: another worker takes them when
        // the lease ends).
        let pending = due.into_iter().take_while(|_| !self.stopping());
        let mut sending = futures_util::stream::iter(pending.map(|mail| async move {
            let result = self.transport.deliver(&self.from, &mail).await;
            (mail, result)
        }))
        .buffer_unordered(IN_FLIGHT);
        while let Some((mail, result)) = sending.next().await {
            let now = self.clock.now();
            let id = mail.id;
            outcomes.push(match result {
                Ok(()) => {
                    tracing::info!(mail_id = %id, "mail delivered");
                    outbox::Outcome::Sent { id, at: now }
                }
                Err(error) => {
                    tracing::warn!(mail_id = %id, attempt = mail.attempts + 1, error = %error, "mail delivery failed");
                    let retry = (mail.attempts + 1 < MAX_ATTEMPTS).then(|| {
                        now + time::Duration::try_from(backoff(self.retry_base, mail.attempts))
                            .unwrap_or(time::Duration::HOUR)
                    });
                    outbox::Outcome::Failed { id, error, retry_at: retry }
                }
            });
            if since.elapsed() >= RECORD_EVERY {
                self.record(std::mem::take(&mut outcomes)).await?;
                since = std::time::Instant::now();
            }
        }
        self.record(outcomes).await?;
        Ok(claimed)
    }

    /// The outcomes so far, in one write: one commit for a batch of mail
    /// rather than one each (issue 29's invite bench, ten mails a request).
    /// A crash before it sends them again; at most [`RECORD_EVERY`]'s worth.
    async fn record(&self, outcomes: Vec<outbox::Outcome>) -> anyhow::Result<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        db::run(&self.pool, move |conn| outbox::record(conn, &outcomes).map_err(anyhow::Error::from)).await
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

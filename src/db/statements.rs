//! Counts the statements the portal sends to its database, for `/metrics`
//! (`orgportal_db_statements_total`) and the benches' "statements per
//! request" (issue 33: a signed-in page should run at most two).
//!
//! Each database has its own [`Counts`] ([`of`] its URL): the pool's
//! connections and, on SQLite, the writers' connection count into it; the
//! checkpointer's upkeep is not counted. A transaction's BEGIN, COMMIT and ROLLBACK (and SAVEPOINT,
//! RELEASE) are counted apart from the statements that read or write data:
//! diesel announces each with a transaction event just before it runs it.
//!
//! The same watch on each connection notes when it last reached its server,
//! so the PostgreSQL pool can lend a connection that answered a moment ago
//! without first proving it alive with a `SELECT 1` ([`vouches_for`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};
use diesel::result::{DatabaseErrorKind, Error};

use super::AnyConnection;

/// How long after a connection's last answered statement the pool lends it
/// untested (HikariCP's `aliveBypassWindowMs` keeps the same 500 ms). Under
/// load every connection answers far more often, so the test's round trip,
/// one more statement per checkout, is skipped; a connection idle longer is
/// tested as before, which is how service resumes after an outage.
const ALIVE_WINDOW: Duration = Duration::from_millis(500);

/// Statements run on one database's connections so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Statements {
    /// Statements that read or write data (and PRAGMAs, `SELECT 1` checks).
    pub data: u64,
    /// BEGIN, COMMIT, ROLLBACK and their savepoint forms.
    pub transaction: u64,
}

/// The counts of one pool's connections (and, on SQLite, its writers').
#[derive(Debug, Default)]
pub struct Counts {
    data: AtomicU64,
    transaction: AtomicU64,
    /// When a connection to this database last found its server gone
    /// (nanoseconds after [`epoch`]; 0: never): no connection that answered
    /// before then is lent untested.
    lost_at: AtomicU64,
}

impl Counts {
    pub fn so_far(&self) -> Statements {
        Statements { data: self.data.load(Ordering::Relaxed), transaction: self.transaction.load(Ordering::Relaxed) }
    }

    /// Counts what `conn` runs from now on.
    pub(super) fn watch<C: Connection>(self: &Arc<Self>, conn: &mut C) {
        conn.set_instrumentation(Counter { counts: self.clone(), control_next: false, answered_at: 0, lost: false });
    }
}

/// Whether `conn` answered a statement within the last [`ALIVE_WINDOW`],
/// after the last time any connection to its database found the server gone.
pub(super) fn vouches_for(conn: &mut AnyConnection) -> bool {
    let Some(counter) = conn.instrumentation().downcast_ref::<Counter>() else { return false };
    let answered = counter.answered_at;
    answered != 0
        && answered > counter.counts.lost_at.load(Ordering::Relaxed)
        && since_epoch().saturating_sub(answered) < ALIVE_WINDOW.as_nanos() as u64
}

/// Whether `conn`'s last statement found its server gone: the pool drops it
/// instead of taking it back.
pub(super) fn lost(conn: &mut AnyConnection) -> bool {
    conn.instrumentation().downcast_ref::<Counter>().is_some_and(|c| c.lost)
}

/// The process's start of time for [`Counts::lost_at`] and answers: an
/// `Instant` cannot live in an atomic.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Nanoseconds since [`epoch`], at least 1 (0 means "never").
fn since_epoch() -> u64 {
    (epoch().elapsed().as_nanos() as u64).max(1)
}

/// The counts of the database at `target` (its URL), shared by every pool
/// opened on it: tests run many servers, each on a database of its own, in
/// one process.
pub fn of(target: &str) -> Arc<Counts> {
    static ALL: OnceLock<Mutex<HashMap<String, Arc<Counts>>>> = OnceLock::new();
    let mut all = ALL.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    all.entry(target.to_string()).or_default().clone()
}

struct Counter {
    counts: Arc<Counts>,
    /// The next statement is the transaction statement just announced.
    control_next: bool,
    /// When this connection's last statement was answered ([`since_epoch`]).
    answered_at: u64,
    /// Its last statement found the server gone.
    lost: bool,
}

impl Instrumentation for Counter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::BeginTransaction { .. }
            | InstrumentationEvent::CommitTransaction { .. }
            | InstrumentationEvent::RollbackTransaction { .. } => self.control_next = true,
            InstrumentationEvent::StartQuery { .. } => {
                let counter =
                    if std::mem::take(&mut self.control_next) { &self.counts.transaction } else { &self.counts.data };
                counter.fetch_add(1, Ordering::Relaxed);
            }
            InstrumentationEvent::FinishQuery { error: None, .. } => {
                self.answered_at = since_epoch();
                self.lost = false;
            }
            InstrumentationEvent::FinishQuery { error: Some(error), .. } => {
                self.answered_at = 0;
                if let Error::DatabaseError(
                    DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                    _,
                ) = error
                {
                    self.lost = true;
                    self.counts.lost_at.store(since_epoch(), Ordering::Relaxed);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use super::*;

    #[test]
    fn data_statements_are_counted_apart_from_the_transaction_around_them() {
        let counts = Arc::new(Counts::default());
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        counts.watch(&mut conn);
        conn.batch_execute("CREATE TABLE t (x INTEGER)").unwrap();
        let before = counts.so_far();
        conn.transaction(|c| {
            diesel::sql_query("INSERT INTO t VALUES (1)").execute(c)?;
            diesel::sql_query("SELECT x FROM t").execute(c)
        })
        .unwrap();
        let after = counts.so_far();
        assert_eq!(after, Statements { data: before.data + 2, transaction: before.transaction + 2 });
        assert_eq!(before, Statements { data: 1, transaction: 0 });
    }

    #[test]
    fn a_connection_is_vouched_for_only_after_an_answer_since_the_last_loss() {
        let counts = Arc::new(Counts::default());
        let mut conn = AnyConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        counts.watch(&mut conn);
        assert!(!vouches_for(&mut conn), "nothing answered yet");
        conn.batch_execute("SELECT 1").unwrap();
        assert!(vouches_for(&mut conn));
        assert!(!lost(&mut conn));
        // Another connection to the same database found the server gone.
        counts.lost_at.store(since_epoch(), Ordering::Relaxed);
        assert!(!vouches_for(&mut conn), "answered before the loss");
        conn.batch_execute("SELECT 1").unwrap();
        assert!(vouches_for(&mut conn), "answered since");
        assert!(conn.batch_execute("SELECT * FROM no_such_table").is_err());
        assert!(!vouches_for(&mut conn), "its last statement failed");
        assert!(!lost(&mut conn), "a failed statement is not a lost server");
    }
}

//! Counts the statements the portal sends to its database, for `/metrics`
//! (`orgportal_db_statements_total`) and the benches' "statements per
//! request" (issue 33: a signed-in page should run at most two).
//!
//! Each database has its own [`Counts`] ([`of`] its URL): the pool's
//! connections and, on SQLite, the writers' connection count into it; the
//! checkpointer's upkeep is not counted. A transaction's BEGIN, COMMIT and ROLLBACK (and SAVEPOINT,
//! RELEASE) are counted apart from the statements that read or write data:
//! diesel announces each with a transaction event just before it runs it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};

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
}

impl Counts {
    pub fn so_far(&self) -> Statements {
        Statements { data: self.data.load(Ordering::Relaxed), transaction: self.transaction.load(Ordering::Relaxed) }
    }

    /// Counts what `conn` runs from now on.
    pub(super) fn watch<C: Connection>(self: &Arc<Self>, conn: &mut C) {
        conn.set_instrumentation(Counter { counts: self.clone(), control_next: false });
    }
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
}

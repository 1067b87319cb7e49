//! [`kept_update`]: an UPDATE whose prepared statement the connection keeps.
//!
//! diesel prepares every UPDATE anew: a changeset may leave out a column
//! (an `Option` that is `None`), so one Rust type can be several statements,
//! and its `UpdateStatement` marks itself never to be kept. This one is
//! written here instead and has no type to be found by: diesel finds it by
//! its SQL text, which is the statement whatever the changeset left out.
//! Preparing the UPDATEs of an invitation request (locking the
//! organization, expiring old invitations, the mail outbox's claims and
//! outcomes) was 8% of its time on SQLite.

use diesel::backend::Backend;
use diesel::query_builder::{AsChangeset, AstPass, QueryFragment, QueryId};
use diesel::query_source::Table;
use diesel::{QueryResult, RunQueryDsl};

/// `UPDATE table SET changes WHERE filter`.
pub fn kept_update<T, W, C>(table: T, filter: W, changes: C) -> KeptUpdate<T::FromClause, W, C::Changeset>
where
    T: Table,
    C: AsChangeset<Target = T>,
{
    KeptUpdate { table: table.from_clause(), filter, values: changes.as_changeset() }
}

pub struct KeptUpdate<F, W, V> {
    table: F,
    filter: W,
    values: V,
}

impl<F, W, V, DB> QueryFragment<DB> for KeptUpdate<F, W, V>
where
    DB: Backend,
    F: QueryFragment<DB>,
    W: QueryFragment<DB>,
    V: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE ");
        self.table.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.values.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())?;
        Ok(())
    }
}

impl<F, W, V> QueryId for KeptUpdate<F, W, V> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<F, W, V, Conn> RunQueryDsl<Conn> for KeptUpdate<F, W, V> {}

#[cfg(test)]
mod tests {
    use diesel::connection::{Connection, Instrumentation, InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;
    use diesel::SqliteConnection;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::kept_update;

    diesel::table! { counters (id) { id -> Integer, n -> Integer, note -> Nullable<Text>, } }

    struct Prepares(Arc<AtomicUsize>);

    impl Instrumentation for Prepares {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                if sql.starts_with("UPDATE") {
                    self.0.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }

    /// How many UPDATE statements were prepared into the cache while `run`
    /// ran twice on a fresh connection, and the rows it left.
    fn twice(run: impl Fn(&mut SqliteConnection)) -> (usize, Vec<(i32, i32, Option<String>)>) {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, note TEXT);
             INSERT INTO counters (id, n) VALUES (1, 0), (2, 0);",
        )
        .unwrap();
        let cached = Arc::new(AtomicUsize::new(0));
        conn.set_instrumentation(Prepares(cached.clone()));
        run(&mut conn);
        run(&mut conn);
        let rows = counters::table.order(counters::id).load(&mut conn).unwrap();
        (cached.load(Ordering::SeqCst), rows)
    }

    #[test]
    fn a_kept_update_is_prepared_once_and_does_what_it_says() {
        let (cached, rows) = twice(|c| {
            let n = kept_update(counters::table, counters::id.eq(1), counters::n.eq(counters::n + 1)).execute(c);
            assert_eq!(n.unwrap(), 1);
        });
        assert_eq!((cached, rows), (1, vec![(1, 2, None), (2, 0, None)]), "kept once by its SQL, run twice");
        let (cached, _) = twice(|c| {
            diesel::update(counters::table.find(1)).set(counters::n.eq(counters::n + 1)).execute(c).unwrap();
        });
        assert_eq!(cached, 0, "diesel alone keeps no UPDATE");
        // One changeset type, two statements (a None leaves its column out):
        // each is kept as its own.
        let (cached, rows) = twice(|c| {
            let set =
                |note: Option<&'static str>| (counters::n.eq(counters::n + 1), note.map(|v| counters::note.eq(v)));
            kept_update(counters::table, counters::id.eq(2), set(None)).execute(c).unwrap();
            kept_update(counters::table, counters::id.eq(1), set(Some("seen"))).execute(c).unwrap();
        });
        assert_eq!((cached, rows), (2, vec![(1, 2, Some("seen".into())), (2, 2, None)]));
    }
}

//! One SQLite writer at a time in this process, on one connection, and
//! checkpoints outside that turn.
//!
//! SQLite lets one connection write at a time. A connection that finds the
//! lock taken sleeps in SQLite's busy handler for 1, 2, 5, 10 ... up to
//! 100 ms between tries, so under a queue of writers the lock sat idle while
//! they slept and the unlucky ones waited over a second (issue 29's invite
//! bench: p99 1.2 s at 16 connections). Here the writers of one database
//! file wait on a mutex instead and the next one goes on as soon as the
//! last is done. Other processes writing the same file still meet SQLite's
//! own lock, which is taken inside the turn as before
//! ([`super::write_transaction`]).
//!
//! The mutex holds the one connection every write of the process runs on.
//! A connection drops its whole page cache when another connection has
//! written since its last transaction, so with the pool's eight taking turns
//! each write read every page it touched again from the files. The writers'
//! own connection keeps its cache (and its prepared statements) from one
//! write to the next. Measured in issue 29's invite bench, the gain was
//! small: 10 rows into the invitations table and its six indexes took 0.5
//! ms before and 0.35-0.45 ms after; most of a write is writing its pages.
//!
//! The log is copied into the database file outside the turn, by
//! [`super::checkpoint`].
//!
//! A queue lives as long as the pool whose connection manager registered
//! it ([`register`]); a connection without one (a command-line run's) writes
//! on its own connection and meets SQLite's lock alone.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex, OnceLock, Weak};
use std::time::Duration;

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::SqliteConnection;
use parking_lot::lock_api::ArcMutexGuard;
use parking_lot::{Mutex, RawMutex};

use super::checkpoint::Log;
use super::statements::Counts;
use super::AnyConnection;

/// As long as SQLite's busy timeout: after that the writer goes on to
/// SQLite's lock on its own connection, and the busy handler decides.
const WAIT: Duration = Duration::from_secs(5);

/// The writers' connection's page cache, in KiB: the pages every write
/// walks (the indexes' upper levels, the tables' last pages) stay in it.
/// 16 MiB held 12 MiB more at the API bench's peak than 4 MiB does, for no
/// more invites a second (issue 33, docs/benchmarks.md).
const WRITER_CACHE_KIB: u32 = 4_096;

/// The writers of one database file.
pub(super) struct Queue {
    /// The writers' connection, opened by the first writer.
    turn: Arc<Mutex<Option<AnyConnection>>>,
    /// The database file's log.
    log: Arc<Log>,
    /// The pool's statement counts, which the writers' connection adds to.
    counts: Arc<Counts>,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").field("file", &self.log.file).finish_non_exhaustive()
    }
}

impl Queue {
    fn new(file: &str, counts: Arc<Counts>) -> Queue {
        Queue { turn: Arc::new(Mutex::new(None)), log: Arc::new(Log::new(file)), counts }
    }
}

/// The live queues by database file.
static QUEUES: OnceLock<StdMutex<HashMap<String, Weak<Queue>>>> = OnceLock::new();

thread_local! {
    /// This thread has the turn: a transaction nested in its own takes it again.
    static HOLDING: Cell<bool> = const { Cell::new(false) };
}

diesel::table! {
    /// SQLite's `pragma_database_list`, as a table: a query of it is
    /// prepared once per connection (each write asks it).
    #[sql_name = "pragma_database_list"]
    database_list (seq) {
        seq -> Integer,
        name -> Text,
        file -> Text,
    }
}

fn file_of(conn: &mut SqliteConnection) -> QueryResult<String> {
    database_list::table.filter(database_list::name.eq("main")).select(database_list::file).get_result(conn)
}

fn queues() -> std::sync::MutexGuard<'static, HashMap<String, Weak<Queue>>> {
    QUEUES.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner())
}

/// The queue of the file `conn` has open, made if no pool has one: the
/// caller keeps it for as long as the file's writers should queue. None for
/// an in-memory database.
pub(super) fn register(conn: &mut SqliteConnection, counts: &Arc<Counts>) -> QueryResult<Option<Arc<Queue>>> {
    let file = file_of(conn)?;
    if file.is_empty() {
        return Ok(None);
    }
    let mut queues = queues();
    queues.retain(|_, q| q.strong_count() > 0);
    if let Some(queue) = queues.get(&file).and_then(Weak::upgrade) {
        return Ok(Some(queue));
    }
    let queue = Arc::new(Queue::new(&file, counts.clone()));
    queues.insert(file, Arc::downgrade(&queue));
    Ok(Some(queue))
}

/// The live queue of the file `conn` has open.
fn queue_of(conn: &mut SqliteConnection) -> QueryResult<Option<Arc<Queue>>> {
    let file = file_of(conn)?;
    Ok(queues().get(&file).and_then(Weak::upgrade))
}

/// True inside a transaction of `conn` (a write nested in it is a savepoint
/// of it, on it).
pub(super) fn in_transaction(conn: &mut SqliteConnection) -> bool {
    let status = diesel::connection::AnsiTransactionManager::transaction_manager_status_mut(conn);
    status.transaction_depth().map_or(true, |depth| depth.is_some())
}

/// This process's turn to write a database file, until dropped or left.
pub(super) struct Turn {
    queue: Option<Arc<Queue>>,
    /// None when the wait ran out (SQLite's own lock decides then), or the
    /// turn was inherited from an enclosing transaction.
    guard: Option<ArcMutexGuard<RawMutex, Option<AnyConnection>>>,
}

impl Turn {
    /// Waits for the turn to write the file `conn` has open; a writer that
    /// has it already (a nested transaction), of an in-memory database or of
    /// a file no pool queues for goes on at once.
    pub(super) fn take(conn: &mut SqliteConnection) -> QueryResult<Turn> {
        let none = Turn { queue: None, guard: None };
        if HOLDING.get() {
            return Ok(none);
        }
        let Some(queue) = queue_of(conn)? else { return Ok(none) };
        let guard = queue.turn.try_lock_arc_for(WAIT);
        HOLDING.set(true);
        Ok(Turn { queue: Some(queue), guard })
    }

    /// The writers' connection, opened on first use; None without the turn
    /// or when it cannot be opened (the caller writes on its own then). A
    /// connection left inside a transaction (a writer panicked in it) is
    /// closed, which rolls that transaction back, and a new one opened: the
    /// next writer's work would otherwise be a savepoint of it, never
    /// committed.
    pub(super) fn connection(&mut self) -> Option<&mut AnyConnection> {
        let (queue, guard) = (self.queue.as_ref()?, self.guard.as_mut()?);
        if let Some(AnyConnection::Sqlite(left)) = guard.as_mut() {
            if in_transaction(left) {
                tracing::warn!("SQLite: the writers' connection was left in a transaction; opening another");
                **guard = None;
            }
        }
        if guard.is_none() {
            match open(&queue.log.file) {
                Ok(mut conn) => {
                    queue.counts.watch(&mut conn);
                    **guard = Some(AnyConnection::Sqlite(conn))
                }
                Err(e) => tracing::warn!(error = %e, "SQLite: cannot open the writers' connection"),
            }
        }
        guard.as_mut()
    }

    /// Gives the turn to the next writer; then the log is checkpointed if
    /// it has grown ([`Log::after_write`]).
    pub(super) fn leave(self) {
        let queue = self.queue.clone();
        drop(self);
        if let Some(queue) = queue {
            queue.log.after_write();
        }
    }
}

/// The writers' connection: the pool's settings, and a larger page cache.
fn open(file: &std::path::Path) -> Result<SqliteConnection, String> {
    let mut conn = super::sqlite_settings::open(&file.to_string_lossy()).map_err(|e| e.to_string())?;
    conn.batch_execute(&format!("PRAGMA cache_size = -{WRITER_CACHE_KIB}")).map_err(|e| e.to_string())?;
    Ok(conn)
}

impl Drop for Turn {
    fn drop(&mut self) {
        if self.queue.is_some() {
            HOLDING.set(false);
        }
        drop(self.guard.take());
    }
}

#[cfg(test)]
mod tests {
    use super::super::checkpoint::CHECKPOINT_AT;
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn writers_of_one_file_take_turns_and_a_nested_one_does_not_wait_for_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("turns.db");
        let url = path.to_str().unwrap().to_string();
        let queue = register(&mut SqliteConnection::establish(&url).unwrap(), &Default::default()).unwrap().unwrap();
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (url, inside) = (url.clone(), inside.clone());
                std::thread::spawn(move || {
                    let mut conn = SqliteConnection::establish(&url).unwrap();
                    for _ in 0..20 {
                        let turn = Turn::take(&mut conn).unwrap();
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two writers at once");
                        std::thread::sleep(Duration::from_micros(200));
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(turn);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let mut conn = SqliteConnection::establish(&url).unwrap();
        let outer = Turn::take(&mut conn).unwrap();
        let inner = Turn::take(&mut conn).unwrap();
        assert!(inner.guard.is_none() && inner.queue.is_none(), "a nested writer has the turn already");
        drop(inner);
        assert!(HOLDING.get(), "the outer turn is still held");
        drop(outer);
        assert!(!HOLDING.get());
        let mut memory = SqliteConnection::establish(":memory:").unwrap();
        assert!(Turn::take(&mut memory).unwrap().guard.is_none(), "an in-memory database has no queue");
        // Another thread gets the turn once this one is done.
        let mut conn = SqliteConnection::establish(&url).unwrap();
        let held = Turn::take(&mut conn).unwrap();
        let other = std::thread::spawn(move || {
            let mut conn = SqliteConnection::establish(&url).unwrap();
            Turn::take(&mut conn).unwrap().guard.is_some()
        });
        std::thread::sleep(Duration::from_millis(20));
        assert!(!other.is_finished(), "the other writer waits");
        drop(held);
        assert!(other.join().unwrap());
        // Once the pool that registered the queue is gone, writers go on alone.
        drop(queue);
        assert!(Turn::take(&mut conn).unwrap().queue.is_none(), "no queue outlives its pool");
    }

    #[test]
    fn every_turn_writes_on_the_one_writers_connection() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("one.db").to_str().unwrap().to_string();
        let mut conn = SqliteConnection::establish(&url).unwrap();
        let _queue = register(&mut conn, &Default::default()).unwrap().unwrap();
        let mut turn = Turn::take(&mut conn).unwrap();
        // A temporary table lives on the connection that made it.
        turn.connection().unwrap().batch_execute("CREATE TEMP TABLE mine (n INTEGER)").unwrap();
        turn.leave();
        let url2 = url.clone();
        std::thread::spawn(move || {
            let mut other = SqliteConnection::establish(&url2).unwrap();
            let mut turn = Turn::take(&mut other).unwrap();
            let own = turn.connection().expect("the writers' connection");
            own.batch_execute("INSERT INTO mine VALUES (1)").expect("the same connection, from another thread");
            turn.leave();
        })
        .join()
        .unwrap();
        assert!(conn.batch_execute("INSERT INTO mine VALUES (2)").is_err(), "not the caller's own connection");
    }

    #[test]
    fn a_writer_that_panics_inside_its_transaction_does_not_leave_it_open() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("panic.db").to_str().unwrap().to_string();
        let mut conn = SqliteConnection::establish(&url).unwrap();
        conn.batch_execute("CREATE TABLE t (n INTEGER)").unwrap();
        let _queue = register(&mut conn, &Default::default()).unwrap().unwrap();
        let url2 = url.clone();
        let panicked = std::thread::spawn(move || {
            let mut mine = SqliteConnection::establish(&url2).unwrap();
            let mut turn = Turn::take(&mut mine).unwrap();
            let Some(AnyConnection::Sqlite(own)) = turn.connection() else { panic!("no writers' connection") };
            let _ = own.transaction::<(), diesel::result::Error, _>(|own| {
                own.batch_execute("INSERT INTO t VALUES (1)")?;
                panic!("a bug inside the transaction");
            });
        })
        .join();
        assert!(panicked.is_err());
        let mut turn = Turn::take(&mut conn).unwrap();
        let Some(AnyConnection::Sqlite(own)) = turn.connection() else { panic!("no writers' connection") };
        assert!(!in_transaction(own), "a fresh connection");
        own.transaction::<_, diesel::result::Error, _>(|own| own.batch_execute("INSERT INTO t VALUES (2)")).unwrap();
        turn.leave();
        let n: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>("SELECT count(*) FROM t WHERE n = 2")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(n, 1, "the next write is committed");
        let n: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>("SELECT count(*) FROM t WHERE n = 1")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(n, 0, "the panicked write is rolled back");
    }

    #[test]
    fn a_writer_that_leaves_a_long_log_copies_it_into_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (b BLOB)")
            .unwrap();
        let _registered = register(&mut conn, &Default::default()).unwrap().unwrap();
        let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let turn = Turn::take(&mut conn).unwrap();
        (0..5).for_each(|_| conn.batch_execute("INSERT INTO t VALUES (randomblob(1000000))").unwrap());
        assert!(size(&dir.path().join("log.db-wal")) >= CHECKPOINT_AT, "the log holds the writes");
        assert!(size(&path) < 100_000, "the database file does not, yet");
        let queue = turn.queue.clone().unwrap();
        assert!(queue.log.uncopied().unwrap() >= 5_000_000, "the header counts the frames to copy");
        turn.leave();
        let waited = std::time::Instant::now();
        while queue.log.checkpointing.load(Ordering::Acquire) && waited.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(size(&path) >= 5_000_000, "checkpointed after the turn");
        assert_eq!(queue.log.uncopied(), Some(0));
        assert!(!HOLDING.get());
        // The log file keeps its length, but little is left to copy after a
        // small write: no checkpoint for it.
        let turn = Turn::take(&mut conn).unwrap();
        conn.batch_execute("INSERT INTO t VALUES (randomblob(10))").unwrap();
        turn.leave();
        assert!(size(&dir.path().join("log.db-wal")) >= CHECKPOINT_AT);
        let left = queue.log.uncopied().unwrap();
        assert!(left > 0 && left < 100_000, "{left} bytes still to copy: no checkpoint ran");
    }
}

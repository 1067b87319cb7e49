//! Database access shared by every store function: one connection type over
//! SQLite and PostgreSQL, the pool, and the embedded migrations.
//!
//! Where a statement runs is a rule, not a detail: on these 2-core machines
//! moving a request to the blocking pool and back costs more than a page's
//! SQL. So a SQLite read runs on the HTTP worker that received the request
//! ([`run_read`]; in WAL mode a reader never waits for the writer), inside one
//! read transaction (one WAL lock and one snapshot for all of a page's
//! statements). Writes, which can wait for SQLite's lock, and every
//! PostgreSQL statement, which crosses the network, go to the blocking pool
//! ([`run`]). Hot statements run on the backend's own connection
//! (`native!`), whose statement cache keys on the query type: diesel's
//! multi-connection otherwise writes their SQL text again on every run.

mod checkpoint;
mod kept;
mod manager;
pub mod schema;
mod sqlite_settings;
pub mod statements;
pub mod timestamp;
mod writer;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use kept::kept_update;
pub use manager::{Backend, ConnectionManager, DatabaseUrlError};

/// The diesel connection every store function takes. The variant is picked
/// from the URL scheme by [`ConnectionManager`], never by trial and error.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// `$body` with `$c` bound to the backend's own connection (a
/// `SqliteConnection` or a `PgConnection`) inside an [`AnyConnection`].
///
/// diesel's MultiConnection writes a query's whole SQL text again each time
/// it collects the query's bound values, on every execution (12% of a Members
/// request in issue 11's profile). On the backend's own connection a
/// prepared statement is found by the query's type and only its values are
/// collected. For the statements every signed-in page runs.
macro_rules! native {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            $crate::db::AnyConnection::Postgresql($c) => $body,
        }
    };
}
pub(crate) use native;

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Builds a pool and checks that one connection can be opened, so a wrong URL
/// fails at start-up rather than on the first request.
pub fn connect(url: &str) -> Result<Pool, String> {
    let manager = ConnectionManager::new(url).map_err(|e| e.to_string())?;
    // One direct attempt first: r2d2 would retry until its timeout and hide why.
    r2d2::ManageConnection::connect(&manager).map_err(|e| format!("cannot connect to the database: {e}"))?;
    let max_size = match manager.backend() {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    };
    r2d2::Pool::builder()
        .max_size(max_size)
        // A SQLite file connection does not go stale; a PostgreSQL one can.
        .test_on_check_out(manager.backend() == Backend::Postgres)
        .min_idle(Some(1))
        // Short: a request waits for a connection only when the database
        // cannot be reached (the blocking threads are no more than the pool's
        // connections), and then it should get a 503 soon, not hang.
        .connection_timeout(Duration::from_secs(1))
        .build(manager)
        .map_err(|e| format!("cannot connect to the database: {e}"))
}

/// One connection without a pool, for short command-line runs: no pool
/// threads are left connecting while the process exits.
pub fn connect_one(url: &str) -> Result<AnyConnection, String> {
    let manager = ConnectionManager::new(url).map_err(|e| e.to_string())?;
    r2d2::ManageConnection::connect(&manager).map_err(|e| format!("cannot connect to the database: {e}"))
}

/// On SQLite, copies what the log holds into the database file before the
/// portal serves ([`checkpoint::copy_all`]); nothing on PostgreSQL.
pub fn copy_log(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(c) => checkpoint::copy_all(c),
        AnyConnection::Postgresql(_) => Ok(()),
    }
}

/// Applies every pending migration; returns how many were applied.
pub fn run_migrations(conn: &mut AnyConnection) -> Result<usize, MigrationError> {
    let applied = match conn {
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS)?.len(),
        AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS)?.len(),
    };
    Ok(applied)
}

/// Reverts every applied migration (used by the migration round-trip test).
pub fn revert_all_migrations(conn: &mut AnyConnection) -> Result<usize, MigrationError> {
    let reverted = match conn {
        AnyConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS)?.len(),
        AnyConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS)?.len(),
    };
    Ok(reverted)
}

/// A transaction that will write. On SQLite it runs on the writers'
/// connection in the process's queue of writers ([`writer`]) and takes
/// SQLite's write lock before anything else (readers still read), so a
/// transaction that reads and then writes waits for a concurrent writer
/// instead of failing with SQLITE_BUSY. Nested in a transaction of `conn`,
/// it is a savepoint of that one. On PostgreSQL it is a plain transaction.
pub fn write_transaction<T, E, F>(conn: &mut AnyConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let AnyConnection::Sqlite(c) = conn else { return conn.transaction(f) };
    if writer::in_transaction(c) {
        return locked(conn, f);
    }
    // BEGIN and COMMIT inside the turn; a checkpoint after it.
    let mut turn = writer::Turn::take(c)?;
    let result = match turn.connection() {
        Some(own) => locked(own, f),
        None => locked(conn, f),
    };
    turn.leave();
    result
}

/// `f` in a transaction (a savepoint when nested) that first takes SQLite's
/// write lock by writing a row.
fn locked<T, E, F>(conn: &mut AnyConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        if let AnyConnection::Sqlite(c) = conn {
            use diesel::prelude::*;
            kept_update(write_lock::table, write_lock::id.eq(1), write_lock::n.eq(write_lock::n + 1)).execute(c)?;
        }
        f(conn)
    })
}

diesel::table! {
    /// SQLite's one-row table whose update takes the write lock first
    /// (migration 000002).
    write_lock (id) {
        id -> Integer,
        n -> BigInt,
    }
}

/// Copies the SQLite database at `url` to a new file `to` with `VACUUM INTO`:
/// a consistent snapshot taken while the portal keeps serving (readers and
/// writers go on). PostgreSQL has pg_dump for this.
pub fn backup(url: &str, to: &std::path::Path) -> anyhow::Result<()> {
    let manager = ConnectionManager::new(url).map_err(|e| anyhow::anyhow!("ORGPORTAL_DATABASE_URL: {e}"))?;
    let Some(from) = manager.sqlite_path() else {
        anyhow::bail!("the database is PostgreSQL: back it up with pg_dump (see README, \"Backups\")");
    };
    if to.exists() {
        anyhow::bail!("{} exists already: choose a new file name", to.display());
    }
    if !from.exists() {
        anyhow::bail!("there is no database at {} yet", from.display());
    }
    let mut conn =
        r2d2::ManageConnection::connect(&manager).map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    let target = to.to_str().ok_or_else(|| anyhow::anyhow!("{}: not a UTF-8 path", to.display()))?;
    conn.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))?;
    Ok(())
}

/// True when the database answers a trivial query (readiness probe).
pub fn ping(conn: &mut AnyConnection) -> bool {
    conn.batch_execute("SELECT 1").is_ok()
}

/// Runs `f` on this thread when the pool is SQLite's and a connection is
/// idle, without the hop to the blocking pool (moving a request between
/// threads was a large share of a page's time); otherwise as [`run`]. Only
/// for reads: SQLite readers never wait for the write lock (WAL), a write
/// could wait up to the busy timeout and hold up the whole HTTP worker.
pub async fn run_read<T, E, F>(pool: &Pool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<r2d2::Error> + From<tokio::task::JoinError> + From<diesel::result::Error> + Send + 'static,
{
    match pool.try_get() {
        Some(mut conn) if matches!(*conn, AnyConnection::Sqlite(_)) => read_snapshot(&mut conn, f),
        // Not SQLite: this connection (checked out once) goes to the blocking pool.
        Some(mut conn) => tokio::task::spawn_blocking(move || f(&mut conn)).await?,
        None => run(pool, move |conn| read_snapshot(conn, f)).await,
    }
}

/// On SQLite, `f`'s reads in one transaction: a statement outside one
/// begins and ends a read transaction of its own, and in WAL mode each of
/// those takes and drops a lock in the shared-memory index with a system
/// call (7% of a Members request, for its five statements). The page also
/// reads one snapshot. On PostgreSQL the statements run as they are: there a
/// transaction is two more round trips.
fn read_snapshot<T, E, F>(conn: &mut AnyConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        AnyConnection::Sqlite(_) => conn.transaction(f),
        AnyConnection::Postgresql(_) => f(conn),
    }
}

/// Runs `f` with a pooled connection on the blocking thread pool.
pub async fn run<T, E, F>(pool: &Pool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<r2d2::Error> + From<tokio::task::JoinError> + Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

//! The settings every SQLite connection of the portal opens with: the
//! pool's connections (db/manager.rs) and the writers' own (db/writer.rs).

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

/// A SQLite connection with the settings every connection of the portal
/// has. WAL lets readers run beside the single writer; the busy timeout
/// makes a second writer wait instead of failing at once. The busy timeout
/// comes first so that switching to WAL waits for another connection's lock
/// instead of failing. Checkpoints are run by the writers after their turn
/// (db/writer.rs), not inside a COMMIT.
pub(super) fn open(path: &str) -> Result<SqliteConnection, diesel::r2d2::Error> {
    let mut conn = SqliteConnection::establish(path).map_err(diesel::r2d2::Error::ConnectionError)?;
    conn.batch_execute(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
         PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0;",
    )
    .map_err(diesel::r2d2::Error::QueryError)?;
    Ok(conn)
}

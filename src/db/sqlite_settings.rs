//! The settings every SQLite connection of the portal opens with: the
//! pool's connections (db/manager.rs) and the writers' own (db/writer.rs).

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

/// A SQLite connection with the settings every connection of the portal
/// has. WAL lets readers run beside the single writer; the busy timeout
/// makes a second writer wait instead of failing at once. The busy timeout
/// comes first so that switching to WAL waits for another connection's lock
/// instead of failing. Checkpoints are run by the writers after their turn
/// (db/checkpoint.rs), not inside a COMMIT. Temporary data stays in memory:
/// SQLite spills a multi-row statement's journal to a file in /var/tmp past
/// 64 KiB otherwise (a file created and removed for every third request of
/// issue 29's invite bench). A log that grew long under load (2.3 GB after the
/// bench's closed-loop invite run) is cut back to 64 MiB once copied.
pub(super) fn open(path: &str) -> Result<SqliteConnection, diesel::r2d2::Error> {
    let mut conn = SqliteConnection::establish(path).map_err(diesel::r2d2::Error::ConnectionError)?;
    conn.batch_execute(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
         PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0; \
         PRAGMA temp_store = MEMORY; PRAGMA journal_size_limit = 67108864;",
    )
    .map_err(diesel::r2d2::Error::QueryError)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;

    #[test]
    fn connections_keep_temporary_data_in_memory_and_cut_a_long_log_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = super::open(dir.path().join("settings.db").to_str().unwrap()).unwrap();
        let mut pragma =
            |name: &str| diesel::dsl::sql::<BigInt>(&format!("PRAGMA {name}")).get_result::<i64>(&mut conn);
        assert_eq!(pragma("temp_store").unwrap(), 2, "MEMORY");
        assert_eq!(pragma("journal_size_limit").unwrap(), 64 * 1024 * 1024);
        assert_eq!(pragma("wal_autocheckpoint").unwrap(), 0);
    }
}

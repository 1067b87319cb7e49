use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use std::sync::{Arc, OnceLock};

use super::statements::{self, Counts};
use super::{writer, AnyConnection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DatabaseUrlError {
    #[error("unsupported database URL scheme `{0}`: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedScheme(String),
    #[error("the database URL is empty")]
    Empty,
}

/// r2d2 manager that chooses the backend from the URL scheme. diesel's derived
/// `establish` would try each backend in turn and silently open a SQLite file
/// named after a PostgreSQL connection string.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    backend: Backend,
    target: String,
    /// SQLite: the file's writers' queue (db/writer.rs), registered by the
    /// first connection and kept as long as this manager (the pool) lives.
    writers: Arc<OnceLock<Option<Arc<writer::Queue>>>>,
    /// What this pool's connections have run.
    counts: Arc<Counts>,
}

impl ConnectionManager {
    pub fn new(url: &str) -> Result<Self, DatabaseUrlError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(DatabaseUrlError::Empty);
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // OpenSSL is set up before libpq first uses it, without the exit
            // handler libpq's own set-up would register: that handler frees
            // OpenSSL's state while pool threads may still hold TLS
            // connections, and crashed processes at exit (rust-openssl #1293).
            openssl_sys::init();
            return Ok(Self {
                backend: Backend::Postgres,
                target: url.to_string(),
                writers: Default::default(),
                counts: statements::of(url),
            });
        }
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(DatabaseUrlError::Empty);
            }
            configure_sqlite();
            return Ok(Self {
                backend: Backend::Sqlite,
                target: path.to_string(),
                writers: Default::default(),
                counts: statements::of(url),
            });
        }
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or(url);
        Err(DatabaseUrlError::UnsupportedScheme(scheme.to_string()))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database file, for SQLite.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        (self.backend == Backend::Sqlite).then(|| std::path::Path::new(&self.target))
    }
}

/// SQLite's process-wide settings, made once before its first connection
/// (SQLite refuses them later; then its safe defaults stay).
///
/// Multi-thread mode: a connection is used by one thread at a time (the
/// pool hands it out), so SQLite need not lock each connection on every
/// call. No memory statistics: with them every allocation takes one
/// global lock, which the two HTTP workers' reads then queue on (issue 11's
/// profile: a tenth of a Members request was spent in these locks).
fn configure_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use libsqlite3_sys::{sqlite3_config, SQLITE_CONFIG_MEMSTATUS, SQLITE_CONFIG_MULTITHREAD, SQLITE_OK};
        // SAFETY: sqlite3_config may only be called before SQLite is
        // initialized or while no connection is open; otherwise it returns
        // SQLITE_MISUSE and changes nothing, which is checked and harmless.
        let (threads, memstatus) =
            unsafe { (sqlite3_config(SQLITE_CONFIG_MULTITHREAD), sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0)) };
        if threads != SQLITE_OK || memstatus != SQLITE_OK {
            tracing::debug!(threads, memstatus, "SQLite was initialized before its settings were made");
        }
    });
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.target).map_err(diesel::r2d2::Error::ConnectionError)?;
                self.counts.watch(&mut conn);
                Ok(AnyConnection::Postgresql(conn))
            }
            Backend::Sqlite => {
                let mut conn = super::sqlite_settings::open(&self.target)?;
                self.counts.watch(&mut conn);
                if self.writers.get().is_none() {
                    let queue = writer::register(&mut conn, &self.counts).map_err(diesel::r2d2::Error::QueryError)?;
                    let _ = self.writers.set(queue);
                }
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    /// The checkout test (PostgreSQL only, db::connect): a round trip,
    /// unless the connection answered a moment ago (`statements::vouches_for`).
    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        if statements::vouches_for(conn) {
            return Ok(());
        }
        conn.batch_execute("SELECT 1").map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        statements::lost(conn)
    }
}

//! Copying SQLite's log into the database file (a checkpoint) outside the
//! writers' turn (db/writer.rs).
//!
//! SQLite's automatic checkpoint runs inside the COMMIT that crosses its
//! threshold, and so inside the turn: every writer queued behind a copy of
//! the log into the database file (it halved the invite bench's
//! throughput). The connections have it off (`wal_autocheckpoint = 0`, set
//! by the connection manager) and the writer that finds over
//! [`CHECKPOINT_AT`] of the log not yet copied starts a passive checkpoint
//! on the checkpointer thread (a connection of its own, kept) as it leaves
//! the turn: writers go on beside it, as SQLite allows, and the request that
//! happened to cross the threshold does not wait for the copy and its fsync.
//! A database being opened is checkpointed whole first ([`copy_all`]).
//!
//! How much is not yet copied is read from the wal-index header in the
//! `-shm` file (its format is documented: https://sqlite.org/walformat.html),
//! not from the log file's size: the log is reused from its start after a
//! checkpoint and never shrinks, so once it had grown past the threshold
//! its size called for a checkpoint after every write (15% of the invite
//! bench's time, and an fsync each).

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use diesel::connection::SimpleConnection;
use diesel::SqliteConnection;

/// The log not yet copied into the database that calls for a checkpoint:
/// SQLite's default threshold (1000 pages of 4 KiB).
pub(super) const CHECKPOINT_AT: u64 = 4_096_000;

/// The log of one database file.
pub(super) struct Log {
    /// The database file.
    pub(super) file: PathBuf,
    /// The file's wal-index (`-shm`), and once opened, the open file.
    shm: PathBuf,
    shm_file: OnceLock<&'static File>,
    /// A checkpoint is running: a second would only wait for it.
    pub(super) checkpointing: Arc<AtomicBool>,
    /// Wakes the checkpointer thread; None until the first checkpoint.
    checkpointer: Mutex<Option<Sender<()>>>,
}

impl Log {
    pub(super) fn new(file: &str) -> Log {
        Log {
            file: PathBuf::from(file),
            shm: PathBuf::from(format!("{file}-shm")),
            shm_file: OnceLock::new(),
            checkpointing: Arc::new(AtomicBool::new(false)),
            checkpointer: Mutex::new(None),
        }
    }

    /// The bytes of log not yet copied into the database: the frames past
    /// the last one copied (`mxFrame - nBackfill` of the wal-index header,
    /// in this machine's byte order), each a page and its 24-byte header.
    pub(super) fn uncopied(&self) -> Option<u64> {
        let shm = match self.shm_file.get() {
            Some(file) => *file,
            None => {
                let file = kept_open(&self.shm)?;
                *self.shm_file.get_or_init(|| file)
            }
        };
        let mut head = [0u8; 100];
        shm.read_exact_at(&mut head, 0).ok()?;
        let word = |at: usize| u32::from_ne_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
        let page = match u16::from_ne_bytes([head[14], head[15]]) {
            1 => 65_536,
            n => u64::from(n),
        };
        let (frames, copied) = (word(16), word(96));
        Some(u64::from(frames.saturating_sub(copied)) * (page + 24))
    }

    /// After a write: if the log has grown past [`CHECKPOINT_AT`] and no
    /// other checkpoint runs, wakes the checkpointer thread for a passive
    /// one (a failure is only logged: the next writer tries again).
    pub(super) fn after_write(&self) {
        let grown = self.uncopied().is_some_and(|bytes| bytes >= CHECKPOINT_AT);
        if !grown || self.checkpointing.swap(true, Ordering::AcqRel) {
            return;
        }
        let mut wake = self.checkpointer.lock().unwrap_or_else(|e| e.into_inner());
        if wake.as_ref().is_some_and(|w| w.send(()).is_ok()) {
            return;
        }
        *wake = self.start_checkpointer();
        if wake.as_ref().is_none_or(|w| w.send(()).is_err()) {
            self.checkpointing.store(false, Ordering::Release);
        }
    }

    /// The thread that checkpoints, on a connection of its own that it keeps:
    /// under a steady write load a checkpoint is due several times a second,
    /// and opening a connection for each (reading the schema) cost more than
    /// the copy. It ends when the log is dropped with its pool.
    fn start_checkpointer(&self) -> Option<Sender<()>> {
        let (wake, woken) = channel::<()>();
        let (file, busy) = (self.file.clone(), self.checkpointing.clone());
        let run = move || {
            let mut own: Option<SqliteConnection> = None;
            while woken.recv().is_ok() {
                if own.is_none() {
                    match super::sqlite_settings::open(&file.to_string_lossy()) {
                        Ok(conn) => own = Some(conn),
                        Err(e) => tracing::warn!(error = %e, "SQLite checkpoint: cannot open the database"),
                    }
                }
                if let Some(conn) = own.as_mut() {
                    if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
                        tracing::warn!(error = %e, "SQLite checkpoint failed; the next writer tries again");
                        own = None;
                    }
                }
                busy.store(false, Ordering::Release);
            }
        };
        match std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(run) {
            Ok(_) => Some(wake),
            Err(e) => {
                tracing::warn!(error = %e, "SQLite checkpoint: no thread for it; the next writer tries again");
                None
            }
        }
    }
}

/// The wal-index file at `path`, opened once and never closed: closing any
/// descriptor of a file drops every POSIX lock this process holds on it,
/// SQLite's own included, and another process that then finds the index
/// unlocked resets it under this one's connections (seen: SIGBUS in a
/// checkpoint, once the pool that had read the index was dropped). One
/// descriptor per database file the process opens.
fn kept_open(path: &Path) -> Option<&'static File> {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, &'static File>>> = OnceLock::new();
    let mut open = OPEN.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(file) = open.get(path) {
        return Some(file);
    }
    let file: &'static File = Box::leak(Box::new(File::open(path).ok()?));
    open.insert(path.to_path_buf(), file);
    Some(file)
}

/// Copies the whole log into the database and empties it, waiting for
/// readers and writers: for a database being opened, before it serves. A
/// log left long (a bulk import, a crash under load) would otherwise be
/// copied under the first requests' writes.
pub fn copy_all(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, SqliteConnection};

    use super::*;

    #[test]
    fn a_database_opened_with_a_long_log_has_it_copied_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.db");
        let url = path.to_str().unwrap();
        // Kept open, so that closing it does not checkpoint.
        let mut writer = SqliteConnection::establish(url).unwrap();
        writer
            .batch_execute(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (b BLOB); \
                 INSERT INTO t VALUES (randomblob(3000000)); INSERT INTO t VALUES (randomblob(3000000));",
            )
            .unwrap();
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let wal = dir.path().join("long.db-wal");
        assert!(size(&wal) >= 6_000_000 && size(&path) < 100_000, "the writes are in the log only");
        let mut opened = crate::db::AnyConnection::Sqlite(crate::db::sqlite_settings::open(url).unwrap());
        crate::db::copy_log(&mut opened).unwrap();
        assert!(size(&path) >= 6_000_000, "copied into the database file");
        assert_eq!(size(&wal), 0, "and the log emptied");
        drop(writer);
    }

    #[test]
    fn a_wal_index_is_opened_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kept.db-shm");
        std::fs::write(&path, [0u8; 128]).unwrap();
        let first = kept_open(&path).unwrap();
        let again = kept_open(&path).unwrap();
        assert!(std::ptr::eq(first, again), "one descriptor, never closed");
        assert!(kept_open(&dir.path().join("missing-shm")).is_none());
    }
}

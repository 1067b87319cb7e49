//! Copying SQLite's log into the database file (a checkpoint) outside the
//! writers' turn (db/writer.rs).
//!
//! SQLite's automatic checkpoint runs inside the COMMIT that crosses its
//! threshold, and so inside the turn: every writer queued behind a copy of
//! the log into the database file (it halved the invite bench's
//! throughput). The connections have it off (`wal_autocheckpoint = 0`, set
//! by the connection manager) and the writer that finds over
//! [`CHECKPOINT_AT`] of the log not yet copied starts a passive checkpoint
//! on a thread and connection of its own as it leaves the turn: writers go
//! on beside it, as SQLite allows, and the request that happened to cross
//! the threshold does not wait for the copy and its fsync.
//!
//! How much is not yet copied is read from the wal-index header in the
//! `-shm` file (its format is documented: https://sqlite.org/walformat.html),
//! not from the log file's size: the log is reused from its start after a
//! checkpoint and never shrinks, so once it had grown past the threshold
//! its size called for a checkpoint after every write (15% of the invite
//! bench's time, and an fsync each).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

/// The log not yet copied into the database that calls for a checkpoint:
/// SQLite's default threshold (1000 pages of 4 KiB).
pub(super) const CHECKPOINT_AT: u64 = 4_096_000;

/// The log of one database file.
pub(super) struct Log {
    /// The database file.
    pub(super) file: PathBuf,
    /// The file's wal-index (`-shm`), and once opened, the open file.
    shm: PathBuf,
    shm_file: OnceLock<File>,
    /// A checkpoint is running: a second would only wait for it.
    pub(super) checkpointing: AtomicBool,
}

impl Log {
    pub(super) fn new(file: &str) -> Log {
        Log {
            file: PathBuf::from(file),
            shm: PathBuf::from(format!("{file}-shm")),
            shm_file: OnceLock::new(),
            checkpointing: AtomicBool::new(false),
        }
    }

    /// The bytes of log not yet copied into the database: the frames past
    /// the last one copied (`mxFrame - nBackfill` of the wal-index header,
    /// in this machine's byte order), each a page and its 24-byte header.
    pub(super) fn uncopied(&self) -> Option<u64> {
        let shm = match self.shm_file.get() {
            Some(file) => file,
            None => {
                let file = File::open(&self.shm).ok()?;
                self.shm_file.get_or_init(|| file)
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
    /// other checkpoint runs, starts a passive one on a thread and
    /// connection of its own (a failure is only logged: the next writer
    /// tries again).
    pub(super) fn after_write(self: &Arc<Log>) {
        let grown = self.uncopied().is_some_and(|bytes| bytes >= CHECKPOINT_AT);
        if !grown || self.checkpointing.swap(true, Ordering::AcqRel) {
            return;
        }
        let log = self.clone();
        let started = std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(move || {
            match SqliteConnection::establish(&log.file.to_string_lossy()) {
                Ok(mut own) => {
                    if let Err(e) = own.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
                        tracing::warn!(error = %e, "SQLite checkpoint failed; the next writer tries again");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "SQLite checkpoint: cannot open the database"),
            }
            log.checkpointing.store(false, Ordering::Release);
        });
        if let Err(e) = started {
            tracing::warn!(error = %e, "SQLite checkpoint: no thread for it; the next writer tries again");
            self.checkpointing.store(false, Ordering::Release);
        }
    }
}

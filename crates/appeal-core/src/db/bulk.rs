//! The connection of its own for the big writes and reads (an import, a merge, an export),
//! driven through rusqlite on blocking threads, and the helpers to read its rows.

use std::path::Path;

use super::{BUSY_TIMEOUT, Checkpoints, Db, PRAGMAS};
use crate::error::{Error, Result};

/// A connection of its own for the big writes (an import, a merge) and reads (an export),
/// driven through rusqlite on blocking threads. sqlx runs every statement on a worker thread
/// and hands each bound value and each row across with allocations of its own; for a million
/// rows that cost more than SQLite's work. Same database file, same SQLite library, same
/// settings as the pool.
///
/// A write opens with `BEGIN IMMEDIATE`; until [`Bulk::commit`] nothing is visible, and if
/// the `Bulk` is dropped first (an error, a panic) the connection closes and SQLite rolls the
/// transaction back.
pub(crate) struct Bulk {
    conn: Option<rusqlite::Connection>,
    checkpoints: Checkpoints,
}

impl Db {
    /// Opens the bulk connection and starts a write transaction (waiting, like the pool, up
    /// to ten seconds for another writer to finish).
    pub(crate) async fn bulk_write(&self) -> Result<Bulk> {
        self.bulk("BEGIN IMMEDIATE", 32768).await
    }

    /// Opens the bulk connection and starts a read transaction: one snapshot throughout.
    /// Its page cache is small: the bulk reads walk tables in order and seldom come back.
    pub(crate) async fn bulk_read(&self) -> Result<Bulk> {
        self.bulk("BEGIN", 8192).await
    }

    /// `cache_kib`: the page cache's ceiling.
    async fn bulk(&self, begin: &'static str, cache_kib: u32) -> Result<Bulk> {
        let path = self.path.clone();
        let key = self.key.clone();
        let conn = tokio::task::spawn_blocking(move || -> Result<rusqlite::Connection> {
            let conn = raw_connection(&path, key.as_ref())?;
            // The checkpoint after a commit is `Bulk::commit`'s, in the background, rather
            // than the committing thread's.
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            conn.pragma_update(None, "cache_size", -i64::from(cache_kib))?;
            conn.execute_batch(begin)?;
            Ok(conn)
        })
        .await
        .expect("opening a connection does not panic")?;
        Ok(Bulk {
            conn: Some(conn),
            checkpoints: self.checkpoints.clone(),
        })
    }
}

/// A rusqlite connection on `path` with the pool's settings, its key first if it has one.
/// Waits for SQLite, and SQLCipher within it, to be set up before a connection is opened.
///
/// SQLCipher finishes its set-up inside `sqlite3_initialize` only after SQLite has marked
/// itself initialised and released its lock, so a second thread opening its first connection
/// at that moment is let through and fails on `PRAGMA key` ("sqlcipher not initialized"). Every
/// opening in this crate passes here first; `Once` holds the others until one set-up is done.
pub(crate) fn sqlite_ready() {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        // Opening any connection runs `sqlite3_initialize` to its end on this thread.
        if let Ok(conn) = rusqlite::Connection::open_in_memory() {
            let _ = conn.close();
        }
    });
}

pub(crate) fn raw_connection(
    path: &Path,
    key: Option<&crate::key::DataKey>,
) -> Result<rusqlite::Connection> {
    sqlite_ready();
    let conn = rusqlite::Connection::open(path)?;
    if let Some(key) = key {
        let statement = zeroize::Zeroizing::new(format!("PRAGMA key = {};", key.pragma().as_str()));
        conn.execute_batch(&statement)?;
    }
    conn.busy_timeout(BUSY_TIMEOUT)?;
    for (name, value) in PRAGMAS {
        conn.pragma_update(None, name, value).map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if key.is_some() && f.code == rusqlite::ErrorCode::NotADatabase =>
            {
                Error::WrongKey(format!("the key does not open {}", path.display()))
            }
            other => other.into(),
        })?;
    }
    Ok(conn)
}

impl Bulk {
    /// Runs `f` on the connection on a blocking thread, inside the transaction.
    pub(crate) async fn run<T, F>(&mut self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.conn.take().ok_or_else(|| {
            Error::InvalidInput(
                "an earlier step of this operation failed; nothing was stored".into(),
            )
        })?;
        let (conn, out) = tokio::task::spawn_blocking(move || {
            let out = f(&conn);
            (conn, out)
        })
        .await
        .map_err(|e| Error::Internal(format!("the database work stopped unexpectedly: {e}")))?;
        self.conn = Some(conn);
        out
    }

    /// Makes the writes durable and visible: when this returns they are synced to the
    /// write-ahead log and every connection reads them.
    ///
    /// Copying that log into the database file (the checkpoint: for a million letters, some
    /// 600 MB read and written again and synced, seconds of work) is then left to a thread of
    /// its own, so the person who merged or imported can go on. Readers see the same data
    /// before and after it; [`Db::close`] waits for it; if the process ends first, the log
    /// stays valid on disk and SQLite copies it in later.
    pub(crate) async fn commit(mut self) -> Result<()> {
        self.run(|c| Ok(c.execute_batch("COMMIT")?)).await?;
        let conn = self.conn.take().expect("run gives the connection back");
        let checkpoint = std::thread::Builder::new()
            .name("appeal-checkpoint".into())
            .spawn(move || {
                let done =
                    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0));
                if let Err(e) = done {
                    tracing::warn!("checkpoint after a bulk write: {e}");
                }
            });
        // Without a thread of its own the checkpoint is left to the pool's next write.
        let checkpoint = match checkpoint {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("no thread for the checkpoint after a bulk write: {e}");
                return Ok(());
            }
        };
        let mut running = self.checkpoints.lock().expect("not poisoned");
        running.retain(|c| !c.is_finished());
        running.push(checkpoint);
        Ok(())
    }

    /// Undoes the writes (a dry run). Dropping the `Bulk` does the same.
    pub(crate) async fn rollback(mut self) -> Result<()> {
        self.run(|c| Ok(c.execute_batch("ROLLBACK")?)).await
    }
}

/// Column `i` of a bulk row as the bytes of its text, borrowed from SQLite, not checked
/// again as UTF-8 (only text Appeal Desk wrote goes there); NULL reads as empty.
pub(crate) fn bytes<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r [u8]> {
    row.get_ref(i)?
        .as_bytes_or_null()
        .map(Option::unwrap_or_default)
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
}

/// Column `i` of a bulk row as text, borrowed from SQLite; NULL reads as "".
pub(crate) fn text<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    row.get_ref(i)?
        .as_str_or_null()
        .map(Option::unwrap_or_default)
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
}

//! The send lock (one send of a mailing at a time, and its journal) and recovery from a
//! send that died: what it left "sending" goes back to the queue or becomes uncertain.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use super::*;
use crate::db::Db;
use crate::error::{Error, Result};

/// The send locks this process holds, so that its own send is not reported as another's.
static HELD: std::sync::Mutex<std::collections::BTreeSet<PathBuf>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// Held while a mailing is being sent: an OS file lock next to the database, so it is
/// released however the holder dies (kill -9, power loss), and recovery knows that messages
/// left "sending" belong to nobody.
pub struct SendLock {
    _file: File,
    path: PathBuf,
}

impl Drop for SendLock {
    fn drop(&mut self) {
        HELD.lock().expect("not poisoned").remove(&self.path);
    }
}

impl SendLock {
    /// The lock file, which also holds the mailing's final-dot journal ([`dots`]).
    pub(crate) fn file(&self) -> &File {
        &self._file
    }

    /// A handle on the journal for the run's journal writer.
    pub(crate) fn journal_file(&self) -> Result<File> {
        self._file
            .try_clone()
            .map_err(|e| Error::io("open the send journal", &self.path, e))
    }

    fn path(db: &Db, mailing_id: i64) -> PathBuf {
        let mut p = db.path().as_os_str().to_owned();
        p.push(format!(".mailing-{mailing_id}.lock"));
        PathBuf::from(p)
    }

    /// Whether this process is sending the mailing right now.
    pub fn held_here(db: &Db, mailing_id: i64) -> bool {
        HELD.lock()
            .expect("not poisoned")
            .contains(&Self::path(db, mailing_id))
    }

    pub fn try_acquire(db: &Db, mailing_id: i64) -> Result<Option<SendLock>> {
        let path = Self::path(db, mailing_id);
        let file = File::options()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::io("open the lock file", &path, e))?;
        match file.try_lock() {
            Ok(()) => {
                HELD.lock().expect("not poisoned").insert(path.clone());
                Ok(Some(SendLock { _file: file, path }))
            }
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io("lock", &path, e)),
        }
    }
}

/// Messages left "sending" by a sender that is gone: those whose final dot was about to be
/// written (a mark in the journal for their current attempt) may have arrived and become
/// "uncertain"; the others cannot have been accepted (a server takes a letter only at its
/// final dot) and go back to the queue. Both are logged; then the journal is emptied.
/// Returns how many became uncertain.
pub(crate) async fn recover(db: &Db, mailing_id: i64, lock: &SendLock) -> Result<u64> {
    let marks = dots::read(lock.file())?;
    let sending: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, attempts FROM messages WHERE mailing_id = ? AND state = 'sending'",
    )
    .bind(mailing_id)
    .fetch_all(db.pool())
    .await?;
    let (past, before): (Vec<_>, Vec<_>) = sending.iter().partition(|m| marks.contains(m));
    let ids = |v: &[&(i64, i64)]| {
        v.iter()
            .map(|(id, _)| id.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let now = now_ms(db.clock());
    let mut tx = db.pool().begin().await?;
    for (list, state, outcome, reply, last) in [
        (
            &past,
            "uncertain",
            "uncertain",
            "the program stopped after this letter was handed to the server, before its reply was recorded; it may or may not have arrived",
            "the program stopped after this letter was handed to the server; it may have arrived",
        ),
        (
            &before,
            "queued",
            "requeued",
            "the program stopped before this letter was handed to the server; it was not sent and is back in the queue",
            "the program stopped before this letter was handed to the server; back in the queue",
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        let ids = ids(list);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO attempts (message_id, at, outcome, reply)
             SELECT id, ?, ?, ? FROM messages WHERE id IN ({ids}) AND state = 'sending'"
        )))
        .bind(&now)
        .bind(outcome)
        .bind(reply)
        .execute(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE messages SET state = ?, last_reply = ? WHERE id IN ({ids}) AND state = 'sending'"
        )))
        .bind(state)
        .bind(last)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    if !marks.is_empty() {
        dots::clear(lock.file())?;
    }
    if !past.is_empty() {
        tracing::warn!(
            mailing_id,
            uncertain = past.len(),
            "messages past their final dot when the program stopped are now uncertain"
        );
    }
    if !before.is_empty() {
        tracing::info!(
            mailing_id,
            requeued = before.len(),
            "messages not yet handed over when the program stopped are back in the queue"
        );
    }
    Ok(past.len() as u64)
}

/// Recovers every mailing nobody is sending; for the app's start.
pub async fn recover_all(db: &Db) -> Result<u64> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT DISTINCT mailing_id FROM messages WHERE state = 'sending'")
            .fetch_all(db.pool())
            .await?;
    let mut n = 0;
    for id in ids {
        if let Some(lock) = SendLock::try_acquire(db, id)? {
            n += recover(db, id, &lock).await?;
        }
    }
    Ok(n)
}

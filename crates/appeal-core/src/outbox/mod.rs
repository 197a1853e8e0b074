//! The outbox as the volunteer sees it: every merged message's send state, every attempt,
//! and the decisions only a person can make (retry, resend or accept an uncertain message,
//! cancel). Sending itself is in [`engine`].
//!
//! States: queued → sending → sent | deferred (retried at `next_attempt_at`) | failed
//! (permanent, with the server's words) | uncertain (the program stopped, or the connection
//! broke, after the letter was handed over: it may have arrived, so it is neither dropped nor
//! re-sent without the user saying so). suppressed and cancelled are final too. A mailing is
//! finished when every message is sent, failed, suppressed or cancelled.

pub(crate) mod build;
mod control;
pub(crate) mod dots;
pub mod engine;
pub(crate) mod limits;
mod protocol;
mod store;

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, Row};
use ts_rs::TS;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::export::CsvOut;

pub use control::{SendControl, SendOptions, SendPhase, SendProgress};
pub use engine::{TestSendReport, send, send_test};

/// UTC with milliseconds; sorts as text, like every other stored time.
pub(crate) fn now_ms(clock: &crate::time_util::Clock) -> String {
    stamp(clock.now())
}

pub(crate) fn stamp(t: time::OffsetDateTime) -> String {
    use time::macros::format_description;
    t.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .expect("a UTC timestamp always formats")
}

pub(crate) fn parse_stamp(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StateCounts {
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub deferred: i64,
    pub failed: i64,
    pub suppressed: i64,
    pub cancelled: i64,
    pub uncertain: i64,
}

impl StateCounts {
    pub fn total(&self) -> i64 {
        self.queued
            + self.sending
            + self.sent
            + self.deferred
            + self.failed
            + self.suppressed
            + self.cancelled
            + self.uncertain
    }

    /// Messages still to go or to decide on.
    pub fn open(&self) -> i64 {
        self.queued + self.sending + self.deferred + self.uncertain
    }

    pub(crate) fn slot(&mut self, state: &str) -> &mut i64 {
        match state {
            "queued" => &mut self.queued,
            "sending" => &mut self.sending,
            "sent" => &mut self.sent,
            "deferred" => &mut self.deferred,
            "failed" => &mut self.failed,
            "suppressed" => &mut self.suppressed,
            "cancelled" => &mut self.cancelled,
            _ => &mut self.uncertain,
        }
    }
}

pub(crate) async fn counts(db: &Db, mailing_id: i64) -> Result<StateCounts> {
    let mut c = StateCounts::default();
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n FROM messages WHERE mailing_id = ? GROUP BY state",
    )
    .bind(mailing_id)
    .fetch_all(db.pool())
    .await?;
    for r in rows {
        let state: String = r.try_get("state")?;
        *c.slot(&state) = r.try_get("n")?;
    }
    Ok(c)
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct OutboxStatus {
    pub mailing_id: i64,
    pub counts: StateCounts,
    pub total: i64,
    /// Every message is in a final state.
    pub finished: bool,
    /// Another process (window or command) is sending this mailing right now; a send of
    /// this process's own does not count.
    pub sending_elsewhere: bool,
    pub next_retry_at: Option<String>,
}

/// The mailing's send state. Messages a dead sender left "sending" become "uncertain" here.
pub async fn status(db: &Db, mailing_id: i64) -> Result<OutboxStatus> {
    crate::mailings::get(db, mailing_id).await?;
    let sending_elsewhere = if SendLock::held_here(db, mailing_id) {
        false
    } else {
        match SendLock::try_acquire(db, mailing_id)? {
            Some(lock) => {
                recover(db, mailing_id, &lock).await?;
                false
            }
            None => true,
        }
    };
    let counts = counts(db, mailing_id).await?;
    let next_retry_at = next_retry_at(db, mailing_id).await?;
    Ok(OutboxStatus {
        mailing_id,
        total: counts.total(),
        finished: counts.total() > 0 && counts.open() == 0,
        counts,
        sending_elsewhere,
        next_retry_at,
    })
}

/// When the earliest deferred message of the mailing is due.
pub(crate) async fn next_retry_at(db: &Db, mailing_id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(next_attempt_at) FROM messages WHERE mailing_id = ? AND state = 'deferred'",
    )
    .bind(mailing_id)
    .fetch_one(db.pool())
    .await?)
}

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

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct OutboxRow {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub state: crate::mailings::messages::MessageState,
    pub attempts: i64,
    pub last_reply: Option<String>,
    pub next_attempt_at: Option<String>,
    pub sent_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct OutboxPage {
    pub total: i64,
    pub rows: Vec<OutboxRow>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OutboxQuery {
    /// Only messages in this state (`queued`, `sent`, `failed`, …).
    pub state: Option<String>,
    /// Part of the recipient's address or name.
    pub search: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

const STATES: [&str; 8] = [
    "queued",
    "sending",
    "sent",
    "deferred",
    "failed",
    "suppressed",
    "cancelled",
    "uncertain",
];

fn check_state(s: &str) -> Result<()> {
    if STATES.contains(&s) {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "'{s}' is not a message state; use one of {}",
            STATES.join(", ")
        )))
    }
}

/// The per-recipient view: one row per message with its state and the server's last words.
pub async fn list(db: &Db, mailing_id: i64, q: &OutboxQuery) -> Result<OutboxPage> {
    crate::mailings::get(db, mailing_id).await?;
    if let Some(s) = &q.state {
        check_state(s)?;
    }
    let search = q
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            format!(
                "%{}%",
                s.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
    let filter = "mailing_id = ?1 AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR to_header LIKE ?3 ESCAPE '\\')";
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM messages WHERE {filter}"
    )))
    .bind(mailing_id)
    .bind(&q.state)
    .bind(&search)
    .fetch_one(db.pool())
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, to_header, subject, state, attempts, last_reply, next_attempt_at, sent_at
         FROM messages WHERE {filter} ORDER BY id LIMIT ?4 OFFSET ?5"
    )))
    .bind(mailing_id)
    .bind(&q.state)
    .bind(&search)
    .bind(if q.limit <= 0 { 100 } else { q.limit.min(1000) })
    .bind(q.offset.max(0))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| -> Result<OutboxRow> {
        let state: String = r.try_get("state")?;
        Ok(OutboxRow {
            id: r.try_get("id")?,
            to: r.try_get("to_header")?,
            subject: r.try_get("subject")?,
            state: crate::mailings::messages::MessageState::parse(&state)?,
            attempts: r.try_get("attempts")?,
            last_reply: r.try_get("last_reply")?,
            next_attempt_at: r.try_get("next_attempt_at")?,
            sent_at: r.try_get("sent_at")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(OutboxPage { total, rows })
}

#[derive(Debug, Clone, Serialize, TS, FromRow)]
#[ts(export)]
pub struct Attempt {
    pub at: String,
    pub outcome: String,
    pub code: Option<i64>,
    pub reply: String,
    pub queue_id: Option<String>,
}

/// Every attempt on one message, oldest first.
pub async fn attempts(db: &Db, message_id: i64) -> Result<Vec<Attempt>> {
    crate::mailings::messages::get(db, message_id).await?;
    Ok(sqlx::query_as::<_, Attempt>(
        "SELECT at, outcome, code, reply, queue_id FROM attempts WHERE message_id = ? ORDER BY id",
    )
    .bind(message_id)
    .fetch_all(db.pool())
    .await?)
}

/// Moves messages from some states to another in one transaction, logging each.
async fn transition(
    db: &Db,
    mailing_id: i64,
    from: &[&str],
    to: &str,
    outcome: &str,
    reply: &str,
    ids: Option<&[i64]>,
) -> Result<u64> {
    crate::mailings::get(db, mailing_id).await?;
    let states = from
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let only = match ids {
        Some([]) => return Ok(0),
        Some(ids) => format!(
            " AND id IN ({})",
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        ),
        None => String::new(),
    };
    let which = format!("mailing_id = ? AND state IN ({states}){only}");
    let mut tx = db.pool().begin().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO attempts (message_id, at, outcome, reply) SELECT id, ?, ?, ? FROM messages WHERE {which}"
    )))
    .bind(now_ms(db.clock()))
    .bind(outcome)
    .bind(reply)
    .bind(mailing_id)
    .execute(&mut *tx)
    .await?;
    let reset = if to == "queued" {
        ", attempts = 0, next_attempt_at = NULL"
    } else {
        ""
    };
    let sent_at = if to == "sent" {
        format!(", sent_at = '{}'", now_ms(db.clock()))
    } else {
        String::new()
    };
    let n = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE messages SET state = ?, last_reply = ?{reset}{sent_at} WHERE {which}"
    )))
    .bind(to)
    .bind(reply)
    .bind(mailing_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(n)
}

/// Failed messages go back to the queue with a fresh count of attempts.
pub async fn retry_failed(db: &Db, mailing_id: i64) -> Result<u64> {
    transition(
        db,
        mailing_id,
        &["failed"],
        "queued",
        "requeued",
        "retry requested by the user",
        None,
    )
    .await
}

/// Deferred messages become due now instead of at their retry time.
pub async fn retry_deferred_now(db: &Db, mailing_id: i64) -> Result<u64> {
    crate::mailings::get(db, mailing_id).await?;
    Ok(sqlx::query(
        "UPDATE messages SET next_attempt_at = ? WHERE mailing_id = ? AND state = 'deferred'",
    )
    .bind(now_ms(db.clock()))
    .bind(mailing_id)
    .execute(db.pool())
    .await?
    .rows_affected())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Resolution {
    /// Send it again: the recipient may get it twice (same Message-ID, so recognisable).
    Resend,
    /// Count it as sent: it may be missing if it never arrived.
    MarkSent,
    /// Give it up.
    Cancel,
}

/// The user's decision on uncertain messages: all of the mailing's, or only `ids`.
pub async fn resolve_uncertain(
    db: &Db,
    mailing_id: i64,
    resolution: Resolution,
    ids: Option<&[i64]>,
) -> Result<u64> {
    let (to, outcome, reply) = match resolution {
        Resolution::Resend => ("queued", "requeued", "the user chose to send it again"),
        Resolution::MarkSent => ("sent", "marked_sent", "the user marked it as sent"),
        Resolution::Cancel => ("cancelled", "cancelled", "the user cancelled it"),
    };
    let lock = SendLock::try_acquire(db, mailing_id)?.ok_or_else(busy)?;
    recover(db, mailing_id, &lock).await?;
    transition(db, mailing_id, &["uncertain"], to, outcome, reply, ids).await
}

fn busy() -> Error {
    Error::Conflict(
        "this mailing is being sent by another window or command; pause or stop it there first"
            .into(),
    )
}

/// Cancels what has not gone yet (queued and deferred). Uncertain messages stay for the
/// user to decide; a sender running elsewhere stops picking up the cancelled ones.
pub async fn cancel(db: &Db, mailing_id: i64) -> Result<u64> {
    transition(
        db,
        mailing_id,
        &["queued", "deferred"],
        "cancelled",
        "cancelled",
        "the user cancelled the mailing",
        None,
    )
    .await
}

/// The per-recipient log as CSV: one row per attempt, with the message's final state.
pub async fn export_log(db: &Db, mailing_id: i64, path: &Path) -> Result<u64> {
    crate::mailings::get(db, mailing_id).await?;
    let mut out = CsvOut::create(path, false)?;
    out.write(&[
        "message",
        "to",
        "message_id",
        "time",
        "outcome",
        "code",
        "reply",
        "queue_id",
        "state_now",
    ])?;
    let mut rows = sqlx::query(
        "SELECT m.id, m.to_header, m.message_id, a.at, a.outcome, a.code, a.reply, a.queue_id, m.state
         FROM attempts a JOIN messages m ON m.id = a.message_id
         WHERE m.mailing_id = ? ORDER BY a.id",
    )
    .bind(mailing_id)
    .fetch(db.pool());
    let mut n = 0;
    while let Some(r) = rows.try_next().await? {
        let id: i64 = r.try_get(0)?;
        let code: Option<i64> = r.try_get(5)?;
        let queue: Option<String> = r.try_get(7)?;
        out.write(&[
            &id.to_string(),
            &r.try_get::<String, _>(1)?,
            &r.try_get::<String, _>(2)?,
            &r.try_get::<String, _>(3)?,
            &r.try_get::<String, _>(4)?,
            &code.map(|c| c.to_string()).unwrap_or_default(),
            &r.try_get::<String, _>(6)?,
            &queue.unwrap_or_default(),
            &r.try_get::<String, _>(8)?,
        ])?;
        n += 1;
    }
    drop(rows);
    out.finish()?;
    Ok(n)
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MinuteCount {
    /// `YYYY-MM-DDTHH:MM`, UTC.
    pub minute: String,
    pub sent: i64,
    pub failed: i64,
}

/// Sent and failed per minute, for the chart.
pub async fn per_minute(db: &Db, mailing_id: i64) -> Result<Vec<MinuteCount>> {
    crate::mailings::get(db, mailing_id).await?;
    let rows = sqlx::query(
        "SELECT substr(a.at, 1, 16) AS minute,
                SUM(a.outcome = 'sent') AS sent, SUM(a.outcome = 'failed') AS failed
         FROM attempts a JOIN messages m ON m.id = a.message_id
         WHERE m.mailing_id = ? AND a.outcome IN ('sent', 'failed')
         GROUP BY minute ORDER BY minute",
    )
    .bind(mailing_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MinuteCount {
                minute: r.try_get("minute")?,
                sent: r.try_get("sent")?,
                failed: r.try_get("failed")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_send_lock_is_known_to_its_own_process_and_excludes_others() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("a.db")).await.unwrap();
        assert!(!SendLock::held_here(&db, 7));
        let lock = SendLock::try_acquire(&db, 7).unwrap().expect("free");
        assert!(SendLock::held_here(&db, 7));
        assert!(!SendLock::held_here(&db, 8));
        assert!(SendLock::try_acquire(&db, 7).unwrap().is_none(), "held");
        drop(lock);
        assert!(!SendLock::held_here(&db, 7));
        assert!(SendLock::try_acquire(&db, 7).unwrap().is_some());
    }
}

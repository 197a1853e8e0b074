//! How many letters of a mailing are in each state, and the outbox's status.

use serde::Serialize;
use sqlx::Row;
use ts_rs::TS;

use super::*;
use crate::db::Db;
use crate::error::Result;
use crate::mailings::messages::MessageState;

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

    pub(crate) fn slot(&mut self, state: MessageState) -> &mut i64 {
        match state {
            MessageState::Queued => &mut self.queued,
            MessageState::Sending => &mut self.sending,
            MessageState::Sent => &mut self.sent,
            MessageState::Deferred => &mut self.deferred,
            MessageState::Failed => &mut self.failed,
            MessageState::Suppressed => &mut self.suppressed,
            MessageState::Cancelled => &mut self.cancelled,
            MessageState::Uncertain => &mut self.uncertain,
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
        *c.slot(MessageState::parse(&state)?) = r.try_get("n")?;
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

//! What the user does to letters after a send: retry the failed, retry the deferred now,
//! resolve the uncertain, cancel what is left.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::*;
use crate::db::Db;
use crate::error::{Error, Result};

/// Moves messages from some states to another in one transaction, logging each.
pub(super) async fn transition(
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
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
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

pub(super) fn busy() -> Error {
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

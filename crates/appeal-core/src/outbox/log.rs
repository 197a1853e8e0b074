//! The outbox as a list (by state, searched), each letter's attempts, the log's CSV export and
//! letters sent per minute.

use std::path::Path;

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, Row};
use ts_rs::TS;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::export::CsvOut;

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

pub(super) const STATES: [&str; 8] = [
    "queued",
    "sending",
    "sent",
    "deferred",
    "failed",
    "suppressed",
    "cancelled",
    "uncertain",
];

pub(super) fn check_state(s: &str) -> Result<()> {
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

//! The outbox's own storage during a send: claiming letters (marked "sending", committed),
//! recording results in group commits on one connection, and the account's earlier sends.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::mpsc;

use super::control::Shared;
use super::protocol::Outcome;
use super::{StateCounts, now_ms, parse_stamp, stamp};
use crate::db::Db;
use crate::email::normalise_email;
use crate::error::Result;
use crate::mailings::messages::MessageState;
use crate::mailings::messages::Stored;
use crate::smtp::Profile;
use crate::suppression::Hasher;

pub(super) struct Done {
    pub(super) id: i64,
    pub(super) attempts_before: i64,
    pub(super) outcome: Outcome,
}

/// The one connection that records claims and results: SQLite keeps its page cache only
/// while no other connection writes, so alternating connections would re-read every page.
pub(super) type Store = Arc<tokio::sync::Mutex<sqlx::pool::PoolConnection<sqlx::Sqlite>>>;

/// How long ago each message of the last day went out through this account.
pub(super) async fn earlier_sends(db: &Db, profile_id: i64) -> Result<Vec<Duration>> {
    let now = db.clock().now();
    let since = stamp(now - time::Duration::days(1));
    let ats: Vec<String> = sqlx::query_scalar(
        "SELECT at FROM attempts WHERE profile_id = ? AND outcome = 'sent' AND at > ?",
    )
    .bind(profile_id)
    .bind(since)
    .fetch_all(db.pool())
    .await?;
    Ok(ats
        .iter()
        .filter_map(|a| parse_stamp(a))
        .filter_map(|t| Duration::try_from(now - t).ok())
        .collect())
}

/// Marks up to `n` due messages "sending" in one committed transaction and returns them;
/// messages whose address was suppressed meanwhile end as "suppressed" instead.
pub(super) async fn claim(
    store: &Store,
    mailing_id: i64,
    profile_id: i64,
    n: usize,
    hasher: &Hasher,
    suppressed: &HashSet<String>,
    shared: &Shared,
) -> Result<Vec<Stored>> {
    let now = now_ms(&shared.clock);
    let mut conn = store.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await?;
    let mut rows = sqlx::query_as::<_, Stored>(
        "SELECT * FROM messages WHERE mailing_id = ? AND state = 'deferred' AND next_attempt_at <= ?
         ORDER BY next_attempt_at LIMIT ?",
    )
    .bind(mailing_id)
    .bind(&now)
    .bind(n as i64)
    .fetch_all(&mut *tx)
    .await?;
    let from_deferred = rows.len();
    if rows.len() < n {
        rows.extend(
            sqlx::query_as::<_, Stored>(
                "SELECT * FROM messages WHERE mailing_id = ? AND state = 'queued' ORDER BY id LIMIT ?",
            )
            .bind(mailing_id)
            .bind((n - rows.len()) as i64)
            .fetch_all(&mut *tx)
            .await?,
        );
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut moved = StateCounts::default();
    for (i, m) in rows.into_iter().enumerate() {
        *moved.slot(if i < from_deferred {
            MessageState::Deferred
        } else {
            MessageState::Queued
        }) += 1;
        if !suppressed.is_empty()
            && suppressed.contains(&hasher.hash(&normalise_email(&m.to_address)))
        {
            sqlx::query("UPDATE messages SET state = 'suppressed', last_reply = 'the address is on the suppression list' WHERE id = ?")
                .bind(m.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO attempts (message_id, profile_id, at, outcome, reply) VALUES (?, ?, ?, 'suppressed', 'not sent: the address is on the suppression list')")
                .bind(m.id)
                .bind(profile_id)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
            moved.suppressed += 1;
            continue;
        }
        out.push(m);
    }
    if !out.is_empty() {
        let ids = out
            .iter()
            .map(|m| m.id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE messages SET state = 'sending' WHERE id IN ({ids})"
        )))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let mut c = shared.counts.lock().expect("not poisoned");
    c.queued -= moved.queued;
    c.deferred -= moved.deferred;
    c.suppressed += moved.suppressed;
    c.sending += out.len() as i64;
    Ok(out)
}

/// Records outcomes in batches: one transaction for everything that finished meanwhile.
/// Records outcomes in batches: one transaction for everything that finished meanwhile.
pub(super) async fn writer(
    store: Store,
    profile: Profile,
    mut rx: mpsc::Receiver<Done>,
    shared: Arc<Shared>,
) {
    let mut batch = Vec::with_capacity(512);
    while rx.recv_many(&mut batch, 512).await > 0 {
        if shared.fatal.lock().expect("not poisoned").is_none()
            && let Err(e) = record(&store, &profile, &batch, &shared).await
        {
            tracing::error!("cannot record send results: {e}");
            *shared.fatal.lock().expect("not poisoned") = Some(e);
        }
        shared.in_flight.fetch_sub(batch.len(), Ordering::AcqRel);
        shared.written.notify_waiters();
        batch.clear();
    }
}

/// One row of results as written.
pub(super) struct Row {
    pub(super) id: i64,
    pub(super) state: MessageState,
    pub(super) attempts: i64,
    pub(super) code: Option<i64>,
    pub(super) reply: String,
    pub(super) queue: Option<String>,
    pub(super) next: Option<String>,
}

pub(super) async fn record(
    store: &Store,
    profile: &Profile,
    batch: &[Done],
    shared: &Shared,
) -> Result<()> {
    let now = shared.clock.now();
    let at = stamp(now);
    let max = i64::from(profile.draft.max_attempts);
    let base = i64::from(profile.draft.retry_base_seconds);
    let mut moved = StateCounts::default();
    let rows: Vec<Row> = batch
        .iter()
        .map(|d| {
            let attempts = d.attempts_before + 1;
            let (state, code, reply, queue, next) = match &d.outcome {
                Outcome::Sent {
                    code,
                    reply,
                    queue_id,
                } => (
                    MessageState::Sent,
                    Some(*code),
                    reply.clone(),
                    queue_id.clone(),
                    None,
                ),
                Outcome::Deferred { code, reply } if attempts < max => {
                    let wait = (base << (attempts - 1).min(20)).min(86_400);
                    let next = stamp(now + time::Duration::seconds(wait));
                    let reply = format!("{reply} (attempt {attempts} of {max}; next at {next})");
                    (MessageState::Deferred, *code, reply, None, Some(next))
                }
                Outcome::Deferred { code, reply } => (
                    MessageState::Failed,
                    *code,
                    format!("gave up after {attempts} attempts: {reply}"),
                    None,
                    None,
                ),
                Outcome::Failed { code, reply } => {
                    (MessageState::Failed, *code, reply.clone(), None, None)
                }
                Outcome::Uncertain { reply } => {
                    (MessageState::Uncertain, None, reply.clone(), None, None)
                }
            };
            *moved.slot(state) += 1;
            Row {
                id: d.id,
                state,
                attempts,
                code: code.map(i64::from),
                reply,
                queue,
                next,
            }
        })
        .collect();
    // Two multi-row statements per chunk instead of two statements per message: each
    // statement is a round trip to SQLite's thread.
    let mut conn = store.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await?;
    for chunk in rows.chunks(500) {
        let sql = format!(
            "UPDATE messages SET state = v.column2, attempts = v.column3, last_reply = v.column4,
               next_attempt_at = v.column5,
               sent_at = CASE WHEN v.column2 = 'sent' THEN v.column6 ELSE messages.sent_at END
             FROM (VALUES {}) AS v WHERE messages.id = v.column1 AND messages.state = 'sending'",
            crate::db::value_rows(chunk.len(), 6)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(r.id)
                .bind(r.state.as_str())
                .bind(r.attempts)
                .bind(&r.reply)
                .bind(&r.next)
                .bind(&at);
        }
        q.execute(&mut *tx).await?;
        let sql = format!(
            "INSERT INTO attempts (message_id, profile_id, at, outcome, code, reply, queue_id) VALUES {}",
            crate::db::value_rows(chunk.len(), 7)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(r.id)
                .bind(profile.id)
                .bind(&at)
                .bind(r.state.as_str())
                .bind(r.code)
                .bind(&r.reply)
                .bind(&r.queue);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    let mut c = shared.counts.lock().expect("not poisoned");
    c.sending -= batch.len() as i64;
    c.sent += moved.sent;
    c.deferred += moved.deferred;
    c.failed += moved.failed;
    c.uncertain += moved.uncertain;
    Ok(())
}

/// One stored letter, for a test send.
pub(super) async fn stored_message(db: &Db, message_id: i64) -> Result<Stored> {
    sqlx::query_as::<_, Stored>("SELECT * FROM messages WHERE id = ?")
        .bind(message_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| crate::Error::NotFound(format!("there is no message with id {message_id}")))
}

/// A test copy in the letter's log; its state does not change.
pub(super) async fn record_test(
    db: &Db,
    message_id: i64,
    profile_id: i64,
    code: Option<u16>,
    reply: &str,
    queue_id: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO attempts (message_id, profile_id, at, outcome, code, reply, queue_id) VALUES (?, ?, ?, 'test', ?, ?, ?)",
    )
    .bind(message_id)
    .bind(profile_id)
    .bind(super::now_ms(db.clock()))
    .bind(code.map(i64::from))
    .bind(reply)
    .bind(queue_id)
    .execute(db.pool())
    .await?;
    Ok(())
}

//! Erasing a person on request (and purging those a campaign keeps no longer): every row about them goes, and only a salted hash stays on
//! the suppression list so that a later import does not bring them back.
//!
//! Deleted pages are overwritten (`secure_delete` is on for every connection), the search
//! index is merged so no token of theirs survives in old segments, and the WAL is truncated.

use serde::Serialize;
use ts_rs::TS;

use crate::db::Db;
use crate::email::normalise_email;
use crate::error::{Error, Result};
use crate::suppression::{Hasher, SuppressionReason};

/// What erasing one person removed.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct EraseReport {
    /// Their signatures of petitions.
    pub signatures: i64,
    /// Rows of theirs that imports had refused and kept for fixing.
    pub rejected_rows: i64,
    /// Earlier versions of their record kept for undoing imports.
    pub import_changes: i64,
    /// Merged messages to them or on their behalf.
    pub messages: i64,
    /// Whether a hash now keeps them from being imported (and mailed) again.
    pub suppressed: bool,
    /// Whether the write-ahead log, which still holds the pages as they were before the
    /// erasure, was emptied. False when another program kept reading the database for the
    /// whole 10-second wait; the old pages then go when the log is next emptied (at the
    /// latest when the last program closes the database).
    pub log_cleared: bool,
    /// Backups in the backup folder, which still hold the person until they are rotated out
    /// (erasure cannot reach into them; a restore erases them again).
    pub backups_holding: i64,
}

pub async fn erase(db: &Db, id: i64) -> Result<EraseReport> {
    let person = crate::signatories::get(db, id).await?;
    let hasher = Hasher::load(db).await?;
    let mut tx = db.pool().begin().await?;
    let signatures = sqlx::query("DELETE FROM signatures WHERE signatory_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
    let import_changes = sqlx::query("DELETE FROM import_changes WHERE signatory_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
    let rejected_rows = match &person.fields.email {
        Some(e) => sqlx::query("DELETE FROM import_rejects WHERE email_key = ?")
            .bind(normalise_email(e))
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64,
        None => 0,
    };
    // Letters to them or on their behalf name them: they go too.
    let messages = sqlx::query("DELETE FROM messages WHERE signatory_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
    sqlx::query(crate::signatories::query::SEARCH_DELETE)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let gone = sqlx::query("DELETE FROM signatories WHERE id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(Error::NotFound(format!(
            "there is no signatory with id {id}"
        )));
    }
    let subject = crate::suppression::subject(&person.fields);
    if let Some(subject) = &subject {
        sqlx::query(
            "INSERT OR REPLACE INTO suppressions (email_hash, email, reason, created_at) VALUES (?, NULL, ?, ?)",
        )
        .bind(hasher.hash(subject))
        .bind(SuppressionReason::Erased.as_str())
        .bind(db.now())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    // Old index segments still hold their words until merged; merge them now.
    sqlx::query("INSERT INTO signatory_search (signatory_search) VALUES ('optimize')")
        .execute(db.pool())
        .await?;
    // A checkpoint left running by a big write would make this one give way at once
    // (SQLite does not wait for another checkpointer): wait for it first. Readers on an
    // older snapshot are waited for by the busy timeout.
    db.settle().await;
    let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(db.pool())
        .await?;
    if busy != 0 {
        tracing::warn!(
            id,
            "erased, but a reader kept the write-ahead log from being emptied"
        );
    }
    let backups_holding = match crate::backups::settings(db).await?.folder {
        Some(folder) => {
            crate::backups::list(std::path::Path::new(&folder)).map_or(0, |b| b.len() as i64)
        }
        None => 0,
    };
    Ok(EraseReport {
        backups_holding,
        log_cleared: busy == 0,
        signatures,
        rejected_rows,
        import_changes,
        messages,
        suppressed: subject.is_some(),
    })
}

//! Past imports: listing them, saving what they rejected, and undoing one as a whole.

use std::path::Path;

use serde::Serialize;
use sqlx::FromRow;
use ts_rs::TS;

use super::ColumnMapping;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::signatories::SignatoryFields;
use crate::signatories::query::write_fields;

#[derive(Debug, Clone, Serialize, FromRow, TS)]
#[ts(export)]
pub struct ImportSummary {
    pub id: i64,
    pub file_name: String,
    pub created_at: String,
    pub petition_id: Option<i64>,
    pub rows: i64,
    pub imported: i64,
    pub updated: i64,
    pub duplicates: i64,
    pub suppressed: i64,
    pub rejected: i64,
    pub undone_at: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct UndoReport {
    /// People the import had added, now removed.
    pub removed: i64,
    /// People it had changed, now as they were before.
    pub restored: i64,
    /// People it had added whom later imports also brought: kept, with those signatures.
    pub kept: i64,
    /// Signatures it had recorded, now removed.
    pub signatures: i64,
}

pub async fn list(db: &Db) -> Result<Vec<ImportSummary>> {
    Ok(sqlx::query_as(
        "SELECT id, file_name, created_at, petition_id, rows, imported, updated, duplicates, suppressed,
                rejected, undone_at
         FROM imports ORDER BY id DESC",
    )
    .fetch_all(db.pool())
    .await?)
}

async fn get(db: &Db, id: i64) -> Result<ImportSummary> {
    list(db)
        .await?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "there is no import with id {id} (see `appeal import list`)"
            ))
        })
}

/// Takes an import back: its signatures go, people it added go (unless a later import brought
/// them too), and people it changed get their earlier values back. One transaction.
pub async fn undo(db: &Db, id: i64) -> Result<UndoReport> {
    let import = get(db, id).await?;
    if let Some(when) = import.undone_at {
        return Err(Error::Conflict(format!(
            "import {id} was already undone at {when}"
        )));
    }
    let mut tx = db.pool().begin_with("BEGIN IMMEDIATE").await?;
    let mut report = UndoReport::default();

    let changes: Vec<(i64, String)> =
        sqlx::query_as("SELECT signatory_id, previous FROM import_changes WHERE import_id = ?")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    for (signatory_id, previous) in changes {
        let fields: SignatoryFields = serde_json::from_str(&previous).map_err(|e| {
            Error::Conflict(format!(
                "the saved state of signatory {signatory_id} is unreadable: {e}"
            ))
        })?;
        let key = crate::signatories::dedupe_key(&fields);
        write_fields(&mut tx, signatory_id, key.as_deref(), &fields, &db.now()).await?;
        report.restored += 1;
    }

    report.signatures = sqlx::query("DELETE FROM signatures WHERE import_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;

    // Added by this import and touched by no other: these go.
    let orphan = "import_id = ?1
        AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.signatory_id = signatories.id)
        AND NOT EXISTS (SELECT 1 FROM import_changes c WHERE c.signatory_id = signatories.id AND c.import_id <> ?1)";
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM signatory_search WHERE rowid IN (SELECT id FROM signatories WHERE {orphan})"
    )))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    report.removed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM signatories WHERE {orphan}"
    )))
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected() as i64;
    report.kept = sqlx::query_scalar("SELECT COUNT(*) FROM signatories WHERE import_id = ?")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;

    sqlx::query("DELETE FROM import_changes WHERE import_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM import_rejects WHERE import_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE imports SET undone_at = ? WHERE id = ?")
        .bind(db.now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(report)
}

/// Writes an import's rejected rows as a CSV with the file's own columns, plus the line and
/// the reason, so they can be fixed and imported again. Returns the number of rows.
pub async fn save_rejects(db: &Db, import_id: i64, path: &Path) -> Result<i64> {
    get(db, import_id).await?;
    let mapping: String = sqlx::query_scalar("SELECT mapping FROM imports WHERE id = ?")
        .bind(import_id)
        .fetch_one(db.pool())
        .await?;
    let mapping: Vec<ColumnMapping> = crate::db::stored_json(
        &mapping,
        format_args!("import {import_id}: a column mapping"),
    )?;
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT line, reason, raw FROM import_rejects WHERE import_id = ? ORDER BY line",
    )
    .bind(import_id)
    .fetch_all(db.pool())
    .await?;
    let mut header: Vec<String> = mapping.into_iter().map(|m| m.header).collect();
    header.push("Rejected line".into());
    header.push("Rejected because".into());
    let mut out = crate::export::CsvOut::create(path, true)?;
    out.write(&header)?;
    for (line, reason, raw) in &rows {
        let mut cells: Vec<String> = crate::db::stored_json(
            raw,
            format_args!("import {import_id}: the rejected line {line}"),
        )?;
        cells.resize(header.len() - 2, String::new());
        cells.push(line.to_string());
        cells.push(reason.clone());
        out.write(&cells)?;
    }
    out.finish()?;
    Ok(rows.len() as i64)
}

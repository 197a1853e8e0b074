//! Where backups go and which there are: the backup folder's settings and its listing. Taking
//! and restoring them is [`crate::vault::backup`]'s; erasure only counts them.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::db::Db;
use crate::error::{Error, Result};

/// One backup file.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BackupFile {
    pub path: String,
    /// When it was taken, UTC (from its name, else the file's time).
    pub taken_at: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// Where and how often the app backs up by itself.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
#[ts(export)]
pub struct BackupSettings {
    /// The folder (a USB stick, a second disk); `None`: no automatic backups.
    pub folder: Option<String>,
    /// Hours between automatic backups (24: daily).
    pub every_hours: u32,
    /// How many automatic backups to keep; older ones are removed.
    pub keep: u32,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            folder: None,
            every_hours: 24,
            keep: 7,
        }
    }
}

const SETTINGS_KEY: &str = "backup_settings";
const LAST_KEY: &str = "last_backup_at";
/// Automatic backups are named `appeal-desk-YYYYMMDDTHHMMSSZ.db`.
pub(crate) const PREFIX: &str = "appeal-desk-";

pub async fn settings(db: &Db) -> Result<BackupSettings> {
    match crate::db::setting(db, SETTINGS_KEY).await? {
        Some(text) => crate::db::stored_json(&text, "backup settings"),
        None => Ok(BackupSettings::default()),
    }
}

pub async fn set_settings(db: &Db, settings: &BackupSettings) -> Result<()> {
    if settings.every_hours == 0 || settings.keep == 0 {
        return Err(Error::InvalidInput(
            "back up at least every hour and keep at least one backup".into(),
        ));
    }
    if let Some(folder) = &settings.folder {
        let dir = Path::new(folder);
        if !dir.is_dir() {
            return Err(Error::InvalidInput(format!(
                "{folder} is not a folder; choose an existing folder (a USB stick, a second disk)"
            )));
        }
    }
    crate::db::set_setting(
        db,
        SETTINGS_KEY,
        &serde_json::to_string(settings).expect("serialises"),
    )
    .await
}

/// When the last backup was taken, if ever.
pub async fn last_backup(db: &Db) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(LAST_KEY)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// Records when a backup was taken.
pub(crate) async fn record_taken(db: &Db, at: &str) -> Result<()> {
    crate::db::set_setting(db, LAST_KEY, at).await
}

/// The backups in `folder`, newest first.
pub fn list(folder: &Path) -> Result<Vec<BackupFile>> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(folder).map_err(|e| Error::io("read the folder", folder, e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(stamp) = name
            .strip_prefix(PREFIX)
            .and_then(|n| n.strip_suffix(".db"))
        else {
            continue;
        };
        let Ok(meta) = entry.metadata() else { continue };
        found.push(BackupFile {
            path: entry.path().display().to_string(),
            taken_at: stamp_to_time(stamp).unwrap_or_else(|| stamp.to_string()),
            bytes: meta.len(),
        });
    }
    found.sort_by(|a, b| b.path.cmp(&a.path));
    Ok(found)
}

/// `20261202T130000Z` → `2026-12-02T13:00:00Z`.
fn stamp_to_time(stamp: &str) -> Option<String> {
    let s = stamp.strip_prefix("before-restore-").unwrap_or(stamp);
    if s.len() != 16 {
        return None;
    }
    Some(format!(
        "{}-{}-{}T{}:{}:{}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15]
    ))
}

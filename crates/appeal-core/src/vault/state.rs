//! What the app's unlock, first-run and Security screens show, and the auto-lock setting.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use super::*;
use crate::db::Db;
use crate::error::{Error, Result};

/// What the unlock, first-run and Security screens show. Backup and retention figures are
/// `None` while locked.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SecurityState {
    pub path: String,
    pub state: FileState,
    pub unlocked: bool,
    pub remembered: bool,
    pub last_backup: Option<String>,
    pub backup: Option<backup::BackupSettings>,
    pub auto_lock_minutes: u32,
    pub retention_due: Option<i64>,
}

/// What locking did: sends running were paused first (stopped, the rest left queued).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LockReport {
    pub paused_sends: u32,
}

pub(super) const AUTO_LOCK_KEY: &str = "auto_lock_minutes";

/// Minutes without activity before the app locks itself (0: never; 15 unless set).
pub async fn auto_lock(db: &Db) -> Result<u32> {
    Ok(crate::db::setting(db, AUTO_LOCK_KEY)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(15))
}

pub async fn set_auto_lock(db: &Db, minutes: u32) -> Result<()> {
    if minutes > 24 * 60 {
        return Err(Error::InvalidInput(
            "auto-lock is at most 24 hours (1440 minutes); 0 turns it off".into(),
        ));
    }
    crate::db::set_setting(db, AUTO_LOCK_KEY, &minutes.to_string()).await
}

pub async fn security_state(path: &Path, db: Option<&Db>) -> Result<SecurityState> {
    let status = status(path)?;
    let (last_backup, backup, auto_lock_minutes, retention_due) = match db {
        Some(db) => (
            backup::last_backup(db).await?,
            Some(backup::settings(db).await?),
            auto_lock(db).await?,
            Some(crate::retention::due(db).await?.len() as i64),
        ),
        None => (None, None, 15, None),
    };
    Ok(SecurityState {
        path: status.path,
        state: status.state,
        unlocked: db.is_some(),
        remembered: status.remembered,
        last_backup,
        backup,
        auto_lock_minutes,
        retention_due,
    })
}

//! Safe keeping in the app: first run, unlock, lock, the keys, backups, restore, retention.

use std::path::PathBuf;
use std::time::Duration;

use appeal_core::retention::{self, CampaignRetention, DueSupporter, PurgeReport};
use appeal_core::vault::backup::{self, BackupFile, BackupSettings, RestoreReport};
use appeal_core::vault::{self, LockReport, NewKeys, SecurityState, Strength, Unlock};
use appeal_core::{Db, Error};
use serde::Deserialize;
use tauri::State;
use zeroize::Zeroizing;

use super::Cmd;
use crate::AppState;

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    Passphrase,
    RecoveryKey,
}

#[tauri::command]
pub async fn security_state(state: State<'_, AppState>) -> Cmd<SecurityState> {
    Ok(vault::security_state(&state.path, state.current().as_ref()).await?)
}

#[tauri::command]
pub async fn passphrase_strength(passphrase: String) -> Cmd<Strength> {
    Ok(vault::strength(&passphrase))
}

#[tauri::command]
pub async fn create_database(
    state: State<'_, AppState>,
    passphrase: String,
    remember: bool,
) -> Cmd<NewKeys> {
    let passphrase = Zeroizing::new(passphrase);
    let (db, keys) = vault::create(&state.path, &passphrase, remember).await?;
    state.opened(db).await?;
    Ok(keys)
}

#[tauri::command]
pub async fn unlock_database(
    state: State<'_, AppState>,
    secret: String,
    kind: SecretKind,
    remember: bool,
) -> Cmd<()> {
    // After three wrong tries in a row, each further one waits longer (up to 30 s).
    let failures = *state.failures.lock().expect("not poisoned");
    if failures >= 3 {
        tokio::time::sleep(Duration::from_secs((1u64 << (failures - 3).min(5)).min(30))).await;
    }
    let secret = Zeroizing::new(secret);
    let unlock = |s: &Zeroizing<String>| match kind {
        SecretKind::Passphrase => Unlock::Passphrase(s.clone()),
        SecretKind::RecoveryKey => Unlock::RecoveryKey(s.clone()),
    };
    let db = match vault::unlock(&state.path, unlock(&secret)).await {
        Ok(db) => db,
        Err(e) => {
            if matches!(e, Error::WrongKey(_)) {
                *state.failures.lock().expect("not poisoned") += 1;
            }
            return Err(e.into());
        }
    };
    *state.failures.lock().expect("not poisoned") = 0;
    if remember && let Err(e) = vault::remember(&state.path, unlock(&secret)).await {
        tracing::warn!("the key could not be remembered: {e}");
    }
    state.opened(db).await?;
    Ok(())
}

/// Tries the key this computer remembers; false if there is none (the unlock screen stays).
#[tauri::command]
pub async fn unlock_remembered(state: State<'_, AppState>) -> Cmd<bool> {
    if !vault::status(&state.path)?.remembered {
        return Ok(false);
    }
    match vault::unlock(&state.path, Unlock::Remembered).await {
        Ok(db) => {
            state.opened(db).await?;
            Ok(true)
        }
        Err(e) => {
            tracing::warn!("the remembered key did not open the database: {e}");
            Ok(false)
        }
    }
}

#[tauri::command]
pub async fn lock_database(state: State<'_, AppState>) -> Cmd<LockReport> {
    Ok(state.lock().await)
}

#[tauri::command]
pub async fn encrypt_database(
    state: State<'_, AppState>,
    passphrase: String,
    remember: bool,
) -> Cmd<NewKeys> {
    let passphrase = Zeroizing::new(passphrase);
    state.lock().await;
    let keys = vault::encrypt(&state.path, &passphrase, remember).await;
    // Open again whatever the outcome: the encrypted file, or the plaintext one left as it was.
    let reopened = match &keys {
        Ok(_) => vault::unlock(&state.path, Unlock::Passphrase(passphrase.clone())).await,
        Err(_) => Db::open(&state.path).await,
    };
    state.opened(reopened?).await?;
    Ok(keys?)
}

#[tauri::command]
pub async fn change_passphrase(
    state: State<'_, AppState>,
    current: String,
    next: String,
) -> Cmd<()> {
    let (current, next) = (Zeroizing::new(current), Zeroizing::new(next));
    Ok(vault::change_passphrase(&state.path, Unlock::Passphrase(current), &next).await?)
}

#[tauri::command]
pub async fn new_recovery_key(state: State<'_, AppState>, passphrase: String) -> Cmd<NewKeys> {
    let passphrase = Zeroizing::new(passphrase);
    Ok(vault::new_recovery_key(&state.path, Unlock::Passphrase(passphrase)).await?)
}

#[tauri::command]
pub async fn rotate_data_key(state: State<'_, AppState>, passphrase: String) -> Cmd<NewKeys> {
    let passphrase = Zeroizing::new(passphrase);
    // The passphrase is checked before the database is closed.
    vault::check(&state.path, Unlock::Passphrase(passphrase.clone())).await?;
    state.lock().await;
    let keys = vault::rotate_key(&state.path, &passphrase).await;
    let db = vault::unlock(&state.path, Unlock::Passphrase(passphrase)).await?;
    state.opened(db).await?;
    Ok(keys?)
}

#[tauri::command]
pub async fn set_remember(
    state: State<'_, AppState>,
    remember: bool,
    passphrase: Option<String>,
) -> Cmd<()> {
    if !remember {
        vault::forget(&state.path).await?;
        return Ok(());
    }
    let passphrase = Zeroizing::new(passphrase.unwrap_or_default());
    Ok(vault::remember(&state.path, Unlock::Passphrase(passphrase)).await?)
}

#[tauri::command]
pub async fn backup_now(state: State<'_, AppState>, file: Option<String>) -> Cmd<BackupFile> {
    let db = state.db()?;
    Ok(match file {
        Some(f) => backup::backup(&db, &PathBuf::from(f)).await?,
        None => backup::backup_now(&db).await?,
    })
}

#[tauri::command]
pub async fn list_backups(state: State<'_, AppState>) -> Cmd<Vec<BackupFile>> {
    let db = state.db()?;
    match backup::settings(&db).await?.folder {
        Some(folder) => Ok(backup::list(&PathBuf::from(folder))?),
        None => Ok(Vec::new()),
    }
}

#[tauri::command]
pub async fn set_backup_settings(state: State<'_, AppState>, settings: BackupSettings) -> Cmd<()> {
    Ok(backup::set_settings(&state.db()?, &settings).await?)
}

#[tauri::command]
pub async fn restore_backup(
    state: State<'_, AppState>,
    file: String,
    passphrase: Option<String>,
) -> Cmd<RestoreReport> {
    let db = state.db()?;
    let key_db = db.clone();
    state.lock().await;
    let secret = passphrase.map(|p| Unlock::Passphrase(Zeroizing::new(p)));
    // `lock` closed the pool; restore needs it open, so the handle is opened again first.
    let reopened = key_db.reopen().await?;
    let report = backup::restore(reopened, &PathBuf::from(file), secret).await;
    let again = key_db.reopen().await?;
    state.opened(again).await?;
    Ok(report?)
}

#[tauri::command]
pub async fn set_auto_lock(state: State<'_, AppState>, minutes: u32) -> Cmd<()> {
    Ok(vault::set_auto_lock(&state.db()?, minutes).await?)
}

#[tauri::command]
pub async fn retention_overview(state: State<'_, AppState>) -> Cmd<Vec<CampaignRetention>> {
    Ok(retention::show(&state.db()?).await?)
}

#[tauri::command]
pub async fn retention_due(state: State<'_, AppState>) -> Cmd<Vec<DueSupporter>> {
    Ok(retention::due(&state.db()?).await?)
}

#[tauri::command]
pub async fn set_retention(
    state: State<'_, AppState>,
    campaign_id: i64,
    months: Option<i64>,
) -> Cmd<()> {
    Ok(retention::set(&state.db()?, campaign_id, months).await?)
}

#[tauri::command]
pub async fn purge_retention(state: State<'_, AppState>, dry_run: bool) -> Cmd<PurgeReport> {
    Ok(retention::purge(&state.db()?, dry_run).await?)
}

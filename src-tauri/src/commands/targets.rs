use std::path::PathBuf;

use appeal_core::targets::{self, Target, TargetFields, TargetImportReport};
use tauri::State;

use super::Cmd;
use crate::AppState;

#[tauri::command]
pub async fn list_targets(state: State<'_, AppState>, campaign_id: i64) -> Cmd<Vec<Target>> {
    Ok(targets::list(&state.db()?, campaign_id).await?)
}

#[tauri::command]
pub async fn create_target(
    state: State<'_, AppState>,
    campaign_id: i64,
    fields: TargetFields,
) -> Cmd<Target> {
    Ok(targets::create(&state.db()?, campaign_id, &fields).await?)
}

#[tauri::command]
pub async fn update_target(
    state: State<'_, AppState>,
    id: i64,
    fields: TargetFields,
) -> Cmd<Target> {
    Ok(targets::update(&state.db()?, id, &fields).await?)
}

#[tauri::command]
pub async fn delete_target(state: State<'_, AppState>, id: i64) -> Cmd<()> {
    Ok(targets::delete(&state.db()?, id).await?)
}

#[tauri::command]
pub async fn import_targets(
    state: State<'_, AppState>,
    campaign_id: i64,
    path: PathBuf,
) -> Cmd<TargetImportReport> {
    Ok(targets::import(&state.db()?, campaign_id, &path).await?)
}

#[tauri::command]
pub async fn export_targets(
    state: State<'_, AppState>,
    campaign_id: i64,
    path: PathBuf,
) -> Cmd<i64> {
    Ok(targets::export(&state.db()?, campaign_id, &path).await?)
}

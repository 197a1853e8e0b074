use std::path::PathBuf;

use appeal_core::export::{self, ExportOptions, ExportReport};
use tauri::State;

use super::Cmd;
use crate::AppState;

#[tauri::command]
pub async fn export_columns(state: State<'_, AppState>) -> Cmd<Vec<String>> {
    Ok(export::columns(&state.db()?).await?)
}

#[tauri::command]
pub async fn export_signatures(
    state: State<'_, AppState>,
    path: PathBuf,
    options: ExportOptions,
) -> Cmd<ExportReport> {
    Ok(export::export_signatures(&state.db()?, &path, &options).await?)
}

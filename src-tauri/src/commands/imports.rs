use std::path::PathBuf;

use appeal_core::imports::{
    self, ImportOptions, ImportPreview, ImportProgress, ImportReport, ImportSummary, UndoReport,
};
use tauri::State;
use tauri::ipc::Channel;

use super::Cmd;
use crate::AppState;

#[tauri::command]
pub async fn preview_import(
    state: State<'_, AppState>,
    path: PathBuf,
    options: ImportOptions,
) -> Cmd<ImportPreview> {
    Ok(imports::preview(&state.db()?, &path, &options).await?)
}

#[tauri::command]
pub async fn run_import(
    state: State<'_, AppState>,
    path: PathBuf,
    options: ImportOptions,
    on_progress: Channel<ImportProgress>,
) -> Cmd<ImportReport> {
    // A closed window drops the channel; the import goes on and its report still counts.
    let progress = move |p: ImportProgress| {
        let _ = on_progress.send(p);
    };
    Ok(imports::run(&state.db()?, &path, &options, &progress).await?)
}

#[tauri::command]
pub async fn list_imports(state: State<'_, AppState>) -> Cmd<Vec<ImportSummary>> {
    Ok(imports::list(&state.db()?).await?)
}

#[tauri::command]
pub async fn undo_import(state: State<'_, AppState>, id: i64) -> Cmd<UndoReport> {
    Ok(imports::undo(&state.db()?, id).await?)
}

#[tauri::command]
pub async fn save_rejects(state: State<'_, AppState>, import_id: i64, path: PathBuf) -> Cmd<i64> {
    Ok(imports::save_rejects(&state.db()?, import_id, &path).await?)
}

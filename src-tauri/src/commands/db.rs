use appeal_core::DbInfo;
use tauri::State;

use super::Cmd;
use crate::AppState;

#[tauri::command]
pub async fn db_info(state: State<'_, AppState>) -> Cmd<DbInfo> {
    Ok(state.db()?.info().await?)
}

use appeal_core::erasure::{self, EraseReport};
use appeal_core::signatories::{self, Signatory, SignatoryFields, SignatoryPage, SignatoryQuery};
use tauri::State;

use super::Cmd;
use crate::AppState;

#[tauri::command]
pub async fn list_signatories(
    state: State<'_, AppState>,
    query: SignatoryQuery,
) -> Cmd<SignatoryPage> {
    Ok(signatories::list(&state.db()?, &query).await?)
}

#[tauri::command]
pub async fn get_signatory(state: State<'_, AppState>, id: i64) -> Cmd<Signatory> {
    Ok(signatories::get(&state.db()?, id).await?)
}

#[tauri::command]
pub async fn update_signatory(
    state: State<'_, AppState>,
    id: i64,
    fields: SignatoryFields,
) -> Cmd<Signatory> {
    Ok(signatories::update(&state.db()?, id, &fields).await?)
}

#[tauri::command]
pub async fn delete_signatory(state: State<'_, AppState>, id: i64) -> Cmd<()> {
    Ok(signatories::delete(&state.db()?, id).await?)
}

#[tauri::command]
pub async fn erase_signatory(state: State<'_, AppState>, id: i64) -> Cmd<EraseReport> {
    Ok(erasure::erase(&state.db()?, id).await?)
}

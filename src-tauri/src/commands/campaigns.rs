use appeal_core::campaigns::{self, Campaign, Petition};
use tauri::State;

use super::Cmd;
use crate::AppState;

#[tauri::command]
pub async fn list_campaigns(state: State<'_, AppState>) -> Cmd<Vec<Campaign>> {
    Ok(campaigns::list_campaigns(&state.db()?).await?)
}

#[tauri::command]
pub async fn create_campaign(state: State<'_, AppState>, name: String) -> Cmd<Campaign> {
    Ok(campaigns::create_campaign(&state.db()?, &name).await?)
}

#[tauri::command]
pub async fn list_petitions(
    state: State<'_, AppState>,
    campaign_id: Option<i64>,
) -> Cmd<Vec<Petition>> {
    Ok(campaigns::list_petitions(&state.db()?, campaign_id).await?)
}

#[tauri::command]
pub async fn create_petition(
    state: State<'_, AppState>,
    campaign_id: i64,
    title: String,
) -> Cmd<Petition> {
    Ok(campaigns::create_petition(&state.db()?, campaign_id, &title).await?)
}

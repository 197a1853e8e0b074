use appeal_core::mailings::{self, AudienceKind, Recipient};
use appeal_core::templates::{self, Rendered, Template, TemplateDraft, TemplateProblem};
use tauri::State;

use super::Cmd;
use crate::AppState;

#[tauri::command]
pub async fn list_templates(state: State<'_, AppState>, campaign_id: i64) -> Cmd<Vec<Template>> {
    Ok(templates::list(&state.db()?, campaign_id).await?)
}

#[tauri::command]
pub async fn save_template(state: State<'_, AppState>, template: TemplateDraft) -> Cmd<Template> {
    Ok(templates::save(&state.db()?, &template).await?)
}

#[tauri::command]
pub async fn delete_template(state: State<'_, AppState>, id: i64) -> Cmd<()> {
    Ok(templates::delete(&state.db()?, id).await?)
}

#[tauri::command]
pub async fn check_template(
    state: State<'_, AppState>,
    template: TemplateDraft,
) -> Cmd<Vec<TemplateProblem>> {
    let known = templates::fields(&state.db()?, template.campaign_id).await?;
    Ok(templates::check(&template, &known))
}

#[tauri::command]
pub async fn template_fields(state: State<'_, AppState>, campaign_id: i64) -> Cmd<Vec<String>> {
    Ok(templates::fields(&state.db()?, campaign_id).await?)
}

#[tauri::command]
pub async fn preview_recipients(
    state: State<'_, AppState>,
    campaign_id: i64,
    audience: AudienceKind,
    offset: i64,
    limit: i64,
) -> Cmd<Vec<Recipient>> {
    Ok(mailings::preview_recipients(&state.db()?, campaign_id, audience, offset, limit).await?)
}

#[tauri::command]
pub async fn render_preview(
    state: State<'_, AppState>,
    template: TemplateDraft,
    recipient: Recipient,
) -> Cmd<Rendered> {
    Ok(mailings::render_preview(&state.db()?, &template, &recipient).await?)
}
